"""Page-number paging for list endpoints: ``page`` 1–1,000,000, ``page_size`` 1–200; answers
``{"items", "count", "count_exact", "page", "page_size"}``. A page past the end is an empty page; a page number
no list could reach is a 422 on ``page`` (an unbounded one overflowed the database's OFFSET)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core import signing
from django.db.models import F, Model, QuerySet

# Django's row-value comparison ((a, b) > (x, y)), written natively on PostgreSQL and SQLite; internal to Django
# 5.2 (composite primary keys), so tests/api/test_api_cursor.py asserts the SQL it produces.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils.translation import gettext as _
from ninja import Field, Schema

from giamngheo.core.errors import ApplicationError

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


# --- keyset cursor (issue 11) ---------------------------------------------------------------------------------
# ``?page=`` costs what OFFSET costs: the database reads and drops every row before the page, so page 10,000 of a
# province's registry reads half a million rows. A cursor names the last row of the page before by its sort key
# instead, and the next page starts there through the same index (``WHERE (unit_path, id) > (…, …)``): every page
# costs what the first one does. The cursor is the sort key signed with the site's secret (``django.core.signing``),
# so it is opaque and a client cannot forge a position; anything else answers 422 on ``cursor``.

CURSOR_MAX_LENGTH = 512


class CursorParams(Schema):
    cursor: str | None = Field(
        None, max_length=CURSOR_MAX_LENGTH,
        description="Con trỏ trang: next_cursor của trang trước. Dùng cho trang sâu thay cho page (chi phí không đổi).",
    )


def cursor_encode(values: Sequence[str | int], *, salt: str) -> str:
    return signing.dumps(list(values), salt=salt, compress=False)


def cursor_decode(cursor: str, *, salt: str, types: Sequence[type]) -> list[Any]:
    """The sort key a cursor holds, or ``ApplicationError`` (422 on ``["query", "cursor"]``) for anything that is
    not a cursor this list gave out: tampered, truncated, garbage, or another list's."""
    try:
        values = signing.loads(cursor, salt=salt)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        values = None
    if not (isinstance(values, list) and len(values) == len(types)
            and all(type(v) is t for v, t in zip(values, types, strict=True))):
        raise ApplicationError(
            _("Con trỏ trang (cursor) không hợp lệ: hãy dùng đúng giá trị next_cursor của trang trước."),
            field="cursor", extra={"where": "query"},
        )
    return values


def keyset_page(
    queryset: QuerySet[M], *, key: Sequence[str], cursor: str | None, page_size: int, salt: str,
) -> tuple[list[M], str | None]:
    """One page of ``queryset`` ordered by ``key`` (which must end with the primary key, so the order is total:
    no row is skipped or repeated between pages, whatever is inserted meanwhile), starting after ``cursor``;
    and the cursor of the next page (``None`` on the last page). One query, no OFFSET."""
    ordered = queryset.order_by(*key)
    if cursor:
        fields = [queryset.model._meta.get_field(name) for name in key]
        after = cursor_decode(cursor, salt=salt, types=[int if getattr(f, "primary_key", False) else str for f in fields])
        # ``key[0] >= …`` is implied by the row comparison; said outright, it lets a planner that writes the row
        # comparison out as ORs (SQLite) still start the index scan at the cursor.
        ordered = ordered.filter(
            TupleGreaterThan(Tuple(*(F(name) for name in key)), tuple(after)), **{f"{key[0]}__gte": after[0]}
        )
    rows = list(ordered[: page_size + 1])
    if len(rows) <= page_size:
        return rows, None
    rows = rows[:page_size]
    return rows, cursor_after(rows[-1], key=key, salt=salt)


def cursor_after(row: Model, *, key: Sequence[str], salt: str) -> str:
    """The cursor of the page that starts after ``row``."""
    return cursor_encode([getattr(row, name) for name in key], salt=salt)


def paged(
    queryset: QuerySet[M], *, paging: PageParams, cursor: str | None, key: Sequence[str], salt: str,
    count: Callable[[QuerySet[M]], tuple[int, bool]] = exact_count,
) -> tuple[list[M], dict[str, Any]]:
    """A list endpoint's page: by ``cursor`` when one is given (no OFFSET, no count: ``count`` and ``page`` are
    ``None``), else by page number; with ``next_cursor`` either way (a full page by number may be followed by
    another). Returns the rows and the page body's other fields."""
    if cursor is not None:
        rows, next_cursor = keyset_page(queryset, key=key, cursor=cursor, page_size=paging.page_size, salt=salt)
        return rows, {"count": None, "count_exact": False, "page": None, "page_size": paging.page_size,
                      "next_cursor": next_cursor}
    items, total, exact = page_of(queryset.order_by(*key), paging, count=count)
    next_cursor = cursor_after(items[-1], key=key, salt=salt) if len(items) == paging.page_size else None
    return items, {"count": total, "count_exact": exact, "page": paging.page, "page_size": paging.page_size,
                   "next_cursor": next_cursor}
