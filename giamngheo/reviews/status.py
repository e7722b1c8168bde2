"""Status spans: the ledger's effective statuses, kept as year ranges for indexed queries.

A household's status at the end of year Y in a series is its latest live ledger entry with year ≤ Y
(``reviews.ledger`` states the rule). ``StatusSpan`` stores the same answer for every year at once: one row
per live entry that is the last of its year, valid from its year up to the year before the household's
next such entry. "Poor at the end of Y" is then ``first_year ≤ Y ≤ last_year`` (open when NULL).

The spans are derived data. Every service that writes ledger entries calls ``status_spans_refresh`` for the
households it touched, inside its transaction, so a reader never sees entries without their spans; a test
compares the spans with ``reviews.ledger`` on random histories.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import Q

from giamngheo.reviews.models import LedgerEntry, StatusSpan
from giamngheo.reviews.signals import ledger_changed

_FIELDS = ("id", "household_id", "series", "year", "effective_on", "klass", "standard_id", "unit_path", "area",
           "ethnic_minority", "no_working_capacity", "corrects_id")
_SCHEMA: dict[str, Any] = {
    "id": pl.Int64, "household_id": pl.Int64, "series": pl.String, "year": pl.Int64, "effective_on": pl.Date,
    "klass": pl.String, "standard_id": pl.String, "unit_path": pl.String, "area": pl.String,
    "ethnic_minority": pl.Boolean, "no_working_capacity": pl.Boolean, "corrects_id": pl.Int64,
}


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    # SQLite allows ~32k bound parameters; PostgreSQL sends a list as one array-like IN without trouble.
    size = 20_000 if connection.vendor == "postgresql" else 900
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def spans_of(entries: pl.DataFrame) -> pl.DataFrame:
    """The spans of a frame of ledger entries (columns of ``_FIELDS``), corrections applied."""
    corrected = entries["corrects_id"].drop_nulls().unique()
    return (
        entries.filter(~pl.col("id").is_in(corrected.implode()))
        .sort("household_id", "series", "year", "effective_on", "id")
        # The last entry of a household has no next one: the comparison is null there, and it is kept.
        .filter((pl.col("year") != pl.col("year").shift(-1).over("household_id", "series")).fill_null(True))
        .with_columns((pl.col("year").shift(-1).over("household_id", "series") - 1).alias("last_year"))
        .select(
            "household_id", "series", "klass", pl.col("year").alias("first_year"), "last_year",
            pl.col("id").alias("entry_id"), "standard_id", "unit_path", "area", "ethnic_minority",
            "no_working_capacity",
        )
    )


def status_spans_refresh(household_ids: Iterable[int]) -> int:
    """Rebuild the spans of these households from their live ledger entries; returns the spans written.
    Call inside the transaction that wrote the entries."""
    ids = sorted({int(pk) for pk in household_ids})
    written = 0
    for chunk in _chunks(ids):
        StatusSpan.objects.filter(household_id__in=chunk).delete()
        rows = list(LedgerEntry.objects.filter(household_id__in=chunk).values_list(*_FIELDS))
        if not rows:
            continue
        spans = spans_of(pl.DataFrame(rows, schema=_SCHEMA, orient="row"))
        StatusSpan.objects.bulk_create(
            [StatusSpan(**row) for row in spans.iter_rows(named=True)], batch_size=2000)
        written += spans.height
    # The statistics follow (stats/receivers.py): the years these households touch are refilled.
    ledger_changed.send(sender=StatusSpan, household_ids=ids)
    return written


def status_spans_rebuild() -> int:
    """Rebuild every span (after a migration, or to repair): the households with any ledger entry."""
    ids = list(LedgerEntry.objects.order_by().values_list("household_id", flat=True).distinct())
    StatusSpan.objects.exclude(household_id__in=LedgerEntry.objects.values("household_id")).delete()
    return status_spans_refresh(ids)


def at_end_of(year: int, *, prefix: str = "") -> Q:
    """Spans effective at the end of ``year`` (``prefix`` names the relation from another model, e.g.
    ``status_spans__``)."""
    return Q(**{f"{prefix}first_year__lte": year}) & (
        Q(**{f"{prefix}last_year__isnull": True}) | Q(**{f"{prefix}last_year__gte": year}))
