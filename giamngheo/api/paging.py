"""Page-number paging for list endpoints: ``page`` 1–1,000,000, ``page_size`` 1–200; answers
``{"items", "count", "count_exact", "page", "page_size"}``. A page past the end is an empty page; a page number
no list could reach is a 422 on ``page`` (an unbounded one overflowed the database's OFFSET)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from ninja import Field, Schema

M = TypeVar("M", bound=Model)
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
# 200 million rows at the largest page size: beyond any registry, far below any integer limit.
MAX_PAGE = 1_000_000


class PageParams(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"Số trang, bắt đầu từ 1 (tối đa {MAX_PAGE}).")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Số dòng mỗi trang (tối đa {MAX_PAGE_SIZE})."
    )


def exact_count(queryset: QuerySet[Any]) -> tuple[int, bool]:
    return queryset.count(), True


def page_of(
    queryset: QuerySet[M],
    params: PageParams,
    count: Callable[[QuerySet[M]], tuple[int, bool]] = exact_count,
) -> tuple[list[M], int, bool]:
    """One page of an ordered queryset, the total count and whether the count is exact. ``count`` decides
    how to count (``households.selectors.household_list_count`` estimates very large lists)."""
    start = (params.page - 1) * params.page_size
    items = list(queryset[start : start + params.page_size])
    if params.page == 1 and len(items) < params.page_size:
        return items, len(items), True  # the whole list fits on the first page: no second query
    total, exact = count(queryset)
    return items, total, exact


def page_body(items: list[Any], count: int, exact: bool, params: PageParams) -> dict[str, Any]:
    return {"items": items, "count": count, "count_exact": exact, "page": params.page, "page_size": params.page_size}
