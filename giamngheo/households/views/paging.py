"""Keyset paging over the registry's (unit_path, id) order.

OFFSET paging reads and throws away every row before the page, so page 10,000 of a province with a
million households would take seconds. Here a page starts *after* the last row of the previous one,
which the (unit_path, id) index finds directly: every page costs the same. The cursor is that row's
``unit_path`` and ``id``; a tampered cursor only moves the page, it cannot widen the scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: list[M]
    next_cursor: str | None
    previous_cursor: str | None
    start: int  # 1-based position of the first row, for "51–100 / 1.234"


def _encode(row: Model) -> str:
    return f"{row.pk}:{row.unit_path}"  # type: ignore[attr-defined]


# A database id has at most 19 digits (bigint); longer digit strings are no cursor (and int() refuses past 4300).
MAX_ID_DIGITS = 19


def small_int(text: str | None, *, digits: int = MAX_ID_DIGITS) -> int | None:
    """A query-string number, or None when it is not one or has more digits than any id or position has."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > digits:
        return None
    return int(text)


def _decode(cursor: str | None) -> tuple[int, str] | None:
    if not cursor:
        return None
    pk, _sep, path = cursor.partition(":")
    number = small_int(pk)
    if number is None or not path or len(path) > 255:
        return None
    return number, path


def keyset_page(qs: QuerySet[M], *, after: str | None, before: str | None, start: int, size: int) -> Page[M]:
    """One page of ``qs`` ordered by (unit_path, id): the rows after ``after``, or the rows just before
    ``before`` (for "previous"), or the first page."""
    ordered = qs.order_by("unit_path", "pk")
    after_key, before_key = _decode(after), _decode(before)
    start = max(start, 1)
    if before_key is not None:
        pk, path = before_key
        # unit_path__lte repeats the OR's bound so that the index range scan starts at the cursor.
        rows = list(
            ordered.filter(Q(unit_path__lte=path), Q(unit_path__lt=path) | Q(unit_path=path, pk__lt=pk))
            .order_by("-unit_path", "-pk")[: size + 1]
        )
        has_more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        start = max(start - len(rows), 1) if has_more_before else 1
        return Page(
            rows=rows,
            next_cursor=_encode(rows[-1]) if rows else None,
            previous_cursor=_encode(rows[0]) if rows and has_more_before else None,
            start=start,
        )
    if after_key is not None:
        pk, path = after_key
        ordered = ordered.filter(Q(unit_path__gte=path), Q(unit_path__gt=path) | Q(unit_path=path, pk__gt=pk))
    else:
        start = 1
    rows = list(ordered[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        next_cursor=_encode(rows[-1]) if has_more else None,
        previous_cursor=_encode(rows[0]) if after_key is not None and rows else None,
        start=start,
    )
