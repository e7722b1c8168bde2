"""Statuses at the end of a year measured on a target's standard.

A target names the standard it was set under; its achievement is measured on that standard even when the
ledger's statuses of the year were recognised under another one (the national series chains 2022-2025 → 2026 →
2027-2030, a province's local series its own). For each household of the unit, the status at the end of the year
in the target's series (``StatusSpan``):

* on the target's standard already: the ledger's class, as recognised;
* on another standard: the class is re-derived from the survey record that produced the ledger entry
  (``entry.case.survey_record``) by the standards engine's bulk path, all such households in one batch;
* no survey record, an invalid one, or a class the target's standard cannot determine (an answer it needs is
  missing): *unmeasurable*, counted apart and left out of the figure, never guessed.

Households that left the register (class ``removed``) count nowhere. The ledger's own figure (each household's
class under the standard of its entry) is kept beside it for reference.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Count, Max, QuerySet

from giamngheo.reviews.models import StatusSpan
from giamngheo.reviews.status import at_end_of

REMOVED = "removed"
_FLAGS = ("ethnic_minority", "no_working_capacity")
_SCHEMA: dict[str, Any] = {"household_id": pl.Int64, "klass": pl.String, "ethnic_minority": pl.Boolean,
                           "no_working_capacity": pl.Boolean}


def series_of(standard_id: str) -> str:
    from giamngheo.reviews.engine import series_of as engine_series_of

    return engine_series_of(standard_id)


def spans_at(*, unit_path: str, year: int, series: str) -> QuerySet[StatusSpan]:
    """Spans effective at the end of ``year`` for the live registry households under the unit."""
    return StatusSpan.objects.filter(at_end_of(year), series=series, unit_path__startswith=unit_path,
                                     household__deleted_at__isnull=True).exclude(klass=REMOVED)


def rederive(rows: list[tuple[int, str, bool, bool, Any]], standard_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Classes under ``standard_id`` of households given as ``(household_id, ledger class, ethnic_minority,
    no_working_capacity, survey_record)``: one engine batch. Returns the frame of the households derived
    (``household_id, klass, ethnic_minority, no_working_capacity``) and the frame of those that could not be
    (``klass`` null)."""
    from giamngheo.standards.api import evaluate_frames
    from giamngheo.standards.definition import get_standard
    from giamngheo.standards.record import validate_record

    # The record's ``id`` only names it; a case stores the household code there, older records may lack it.
    records = [(row, {**row[4], "id": row[4].get("id") or str(row[0])}) for row in rows
               if isinstance(row[4], dict) and row[4]]
    checked = [(row, record) for row, record in records if not validate_record(record)]
    valid = [row for row, _record in checked]
    classes = (evaluate_frames([record for _row, record in checked], get_standard(standard_id))[0]["class"]
               if valid else pl.Series("class", [], dtype=pl.String))
    derived = dict(zip((r[0] for r in valid), classes.to_list(), strict=True))
    frame = pl.DataFrame(
        {"household_id": [r[0] for r in rows], "klass": [derived.get(r[0]) for r in rows],
         "ethnic_minority": [bool(r[2]) for r in rows], "no_working_capacity": [bool(r[3]) for r in rows]},
        schema=_SCHEMA).with_columns(
        pl.when(pl.col("klass") == "undetermined").then(None).otherwise(pl.col("klass")).alias("klass"))
    return frame.filter(pl.col("klass").is_not_null()), frame.filter(pl.col("klass").is_null())


@dataclass(frozen=True)
class StatusSet:
    """The statuses of a unit's households at the end of ``year`` on ``standard_id``.

    ``direct``: the spans already on the standard (a queryset, counted in the database); ``rederived``: the
    households re-derived from their survey records (a frame); ``unmeasurable``: how many could not be.
    ``unmeasured``: those that could not be (their ledger flags kept, so a rate can leave them out of its
    denominator). ``ledger``: all spans of the year in the series, whatever their standard (the ledger's own
    figure)."""

    standard_id: str
    direct: QuerySet[StatusSpan]
    ledger: QuerySet[StatusSpan]
    rederived: pl.DataFrame
    unmeasured: pl.DataFrame
    ledger_standards: tuple[str, ...]

    @property
    def rederived_count(self) -> int:
        return self.rederived.height

    @property
    def unmeasurable(self) -> int:
        return self.unmeasured.height

    def unmeasurable_count(self, **flags: bool) -> int:
        frame = self.unmeasured
        for name, value in flags.items():
            frame = frame.filter(pl.col(name) == value)
        return frame.height

    def measured_count(self, **flags: bool) -> int:
        """Households with a status on the standard (direct or re-derived), whatever their class."""
        frame = self.rederived
        for name, value in flags.items():
            frame = frame.filter(pl.col(name) == value)
        return self.direct.filter(**flags).count() + frame.height

    def count(self, classes: tuple[str, ...], **flags: bool) -> int:
        direct = self.direct.filter(klass__in=classes, **flags).count()
        frame = self.rederived.filter(pl.col("klass").is_in(list(classes)))
        for name, value in flags.items():
            frame = frame.filter(pl.col(name) == value)
        return direct + frame.height

    def ledger_count(self, classes: tuple[str, ...], **flags: bool) -> int:
        return self.ledger.filter(klass__in=classes, **flags).count()

    def direct_households(self, classes: tuple[str, ...]) -> QuerySet[Any]:
        return self.direct.filter(klass__in=classes).values("household_id")

    def ledger_households(self, classes: tuple[str, ...]) -> QuerySet[Any]:
        return self.ledger.filter(klass__in=classes).values("household_id")

    def rederived_chunks(self, classes: tuple[str, ...], size: int) -> Iterator[list[int]]:
        ids = self.rederived.filter(pl.col("klass").is_in(list(classes)))["household_id"].to_list()
        for start in range(0, len(ids), size):
            yield ids[start:start + size]


# Re-derived statuses of recent measurements, per process: the home page card and the target lists ask for the
# same (unit, year, standard) again and again, and a province's re-derivation runs the engine over every survey
# record. An entry is reused only while its fingerprint holds: the spans to re-derive (how many, the newest),
# the newest entry recognised and the newest case edit behind them.
_CACHE: OrderedDict[tuple[str, int, str], tuple[tuple[Any, ...], pl.DataFrame, pl.DataFrame]] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()


def _rederived(other: QuerySet[StatusSpan], key: tuple[str, int, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    stamp = other.aggregate(n=Count("pk"), last=Max("pk"), recognised=Max("entry__recognised_at"),
                            edited=Max("entry__case__updated_at"))
    if not stamp["n"]:
        return pl.DataFrame(schema=_SCHEMA), pl.DataFrame(schema=_SCHEMA)
    fingerprint = (stamp["n"], stamp["last"], stamp["recognised"], stamp["edited"])
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == fingerprint:
            _CACHE.move_to_end(key)
            return cached[1], cached[2]
    rows = list(other.values_list("household_id", "klass", *_FLAGS, "entry__case__survey_record"))
    rederived, unmeasured = rederive(rows, key[2])
    with _CACHE_LOCK:
        _CACHE[key] = (fingerprint, rederived, unmeasured)
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return rederived, unmeasured


def status_set(*, unit_path: str, year: int, standard_id: str) -> StatusSet:
    """The statuses of the unit's households at the end of ``year`` measured on ``standard_id``."""
    spans = spans_at(unit_path=unit_path, year=year, series=series_of(standard_id))
    direct = spans.filter(standard_id=standard_id)
    rederived, unmeasured = _rederived(spans.exclude(standard_id=standard_id), (unit_path, year, standard_id))
    standards = tuple(sorted(set(spans.order_by().values_list("standard_id", flat=True).distinct())))
    return StatusSet(standard_id=standard_id, direct=direct, ledger=spans, rederived=rederived,
                     unmeasured=unmeasured, ledger_standards=standards)
