"""Page-number paging for list endpoints: ``page`` ≥ 1, ``page_size`` 1–200, answer ``{"items", "count"}``."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from ninja import Field, Schema

M = TypeVar("M", bound=Model)
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


class PageParams(Schema):
    page: int = Field(1, ge=1, description="Số trang, bắt đầu từ 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Số dòng mỗi trang (tối đa {MAX_PAGE_SIZE})."
    )


def page_of(queryset: QuerySet[M], params: PageParams) -> tuple[list[M], int]:
    """One page of an ordered queryset and the total count. The count is exact: every list is already
    limited to the user's scope, and the scope index makes counting it cheap (see docs/api.md)."""
    start = (params.page - 1) * params.page_size
    items = list(queryset[start : start + params.page_size])
    if params.page == 1 and len(items) < params.page_size:
        return items, len(items)  # the whole list fits on the first page: no second query
    return items, queryset.count()


def page_body(items: list[Any], count: int, params: PageParams) -> dict[str, Any]:
    return {"items": items, "count": count, "page": params.page, "page_size": params.page_size}
