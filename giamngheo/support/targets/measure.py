"""The value of an indicator for a unit, a year and a standard, computed from the ledger, the registry and the
support records: never typed in.

Every measurement is set-based: counts over ``StatusSpan`` (the ledger's status at the end of a year), the
registry (``Household``/``Member``) and ``SupportRecord``; the only per-household work is the standards engine's
bulk path for households re-derived under the target's standard (``targets/standards.py``), one batch per
measurement.

Denominators of rates are the unit's households of that year as the statistics keep them
(``stats.HouseholdCount``, frozen once the year is over), so a target's achievement and the dashboards divide by
the same number; for a year not counted yet, the live registry. Households that cannot be measured on the
target's standard are taken out of the denominator as well as the numerator.

Registry facts (health-insurance cards, training, water source) are read as the registry holds them now; a
support record of the matching kind adds what was given in the period (a card issued in the year, a course
taken up to the year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from giamngheo.households.models import Household, Member
from giamngheo.reviews import categories
from giamngheo.reviews.models import LedgerEntry
from giamngheo.support.indicators import (
    HEALTH_INSURANCE_KINDS,
    JOB_KINDS,
    TRAINING_KINDS,
    Indicator,
)
from giamngheo.support.models import SupportRecord
from giamngheo.support.targets.standards import StatusSet, status_set

TRAINED_EDUCATION = ("vocational_elementary", "vocational_intermediate", "college", "university")
# Working age when the record does not state it: from 15 (Labour Code 2019, art. 143) to below 60 (the lower
# of the two retirement ages for most of the period); the record's own ``working_age`` wins when answered.
WORKING_AGE_FROM, WORKING_AGE_BELOW = 15, 60
SAFE_WATER_DEFAULT = ("piped", "borehole", "protected_well", "protected_spring", "rainwater", "bottled")
_CHUNK = 900  # re-derived households are matched to registry rows in bounded IN lists (SQLite's limit)


@dataclass(frozen=True)
class Measurement:
    """``value``: the indicator's level (a percent for rates, a number for counts); None when the unit has no
    denominator. ``unmeasurable``: households whose class under the target's standard could not be derived
    (no survey record, or an answer the standard needs missing): left out of the figure (numerator and
    denominator), never guessed.
    ``ledger_value``: the same figure from the ledger's own classes under the standards used that year."""

    value: Decimal | None
    numerator: int
    denominator: int
    unmeasurable: int = 0
    rederived: int = 0
    ledger_value: Decimal | None = None
    ledger_standards: tuple[str, ...] = ()


@dataclass
class Measurer:
    """Measures many (indicator, unit, year) on one standard, sharing the status sets and registry counts:
    a target's series of years, or a page of targets, derives each year's statuses once."""

    _statuses: dict[tuple[str, int, str], StatusSet] = field(default_factory=dict)
    _counts: dict[tuple[str, str], int] = field(default_factory=dict)
    _years: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _measured: dict[tuple[Any, ...], Measurement] = field(default_factory=dict)

    def ledger_years(self, unit_path: str, series: str) -> list[int]:
        """The years with a ledger entry of ``series`` under the unit (a review took place), ascending."""
        key = (unit_path, series)
        if key not in self._years:
            self._years[key] = sorted(set(
                LedgerEntry.objects.filter(unit_path__startswith=unit_path, series=series)
                .order_by().values_list("year", flat=True).distinct()))
        return self._years[key]

    def support_years(self, unit_path: str) -> list[int]:
        """The years with a live support record under the unit, ascending."""
        key = (unit_path, "")
        if key not in self._years:
            self._years[key] = sorted(set(
                SupportRecord.objects.filter(unit_path__startswith=unit_path, deleted_at__isnull=True)
                .order_by().values_list("year", flat=True).distinct()))
        return self._years[key]

    def statuses(self, unit_path: str, year: int, standard_id: str) -> StatusSet:
        key = (unit_path, year, standard_id)
        if key not in self._statuses:
            self._statuses[key] = status_set(unit_path=unit_path, year=year, standard_id=standard_id)
        return self._statuses[key]

    def _count(self, name: str, unit_path: str, qs: QuerySet[Any]) -> int:
        key = (name, unit_path)
        if key not in self._counts:
            self._counts[key] = qs.count()
        return self._counts[key]

    def _households(self, unit_path: str, year: int, *, ethnic_minority: bool) -> int:
        """The year's household count kept by the statistics (``stats.HouseholdCount``), as the dashboards
        divide by; the live registry for a year the statistics have not counted yet."""
        from giamngheo.stats.counts import households_in_year

        counted = households_in_year(unit_path, year, ethnic_minority=ethnic_minority)
        if counted is not None:
            return counted
        if ethnic_minority:
            return self._count("ethnic_minority", unit_path, ethnic_minority_households(unit_path))
        return self._count("households", unit_path, registry_households(unit_path))

    def measure(self, indicator: Indicator, *, unit_path: str, year: int, standard_id: str) -> Measurement:
        # Indicators sharing a measurement (a rate and its change) and targets of one unit share the result.
        key = (indicator.measure, indicator.classes, indicator.kind_code, unit_path, year, standard_id)
        if key not in self._measured:
            self._measured[key] = self._measure(indicator, unit_path=unit_path, year=year, standard_id=standard_id)
        return self._measured[key]

    def _measure(self, indicator: Indicator, *, unit_path: str, year: int, standard_id: str) -> Measurement:
        how = indicator.measure
        if how in ("jobs_count", "support_count"):
            kinds = JOB_KINDS if how == "jobs_count" else (indicator.kind_code,)
            n = support_count(unit_path=unit_path, year=year, kinds=kinds)
            return Measurement(value=Decimal(n), numerator=n, denominator=0, ledger_value=Decimal(n))
        statuses = self.statuses(unit_path, year, standard_id)
        classes = indicator.classes
        if how in ("class_rate", "class_count", "no_working_capacity_count", "ethnic_minority_rate"):
            extra: dict[str, Any] = {}
            if how == "no_working_capacity_count":
                extra["no_working_capacity"] = True
            if how == "ethnic_minority_rate":
                extra["ethnic_minority"] = True
            numerator = statuses.count(classes, **extra)
            ledger = statuses.ledger_count(classes, **extra)
            # Not one household with a status could be read on the target's standard: a figure of 0 would claim
            # that nobody is poor. There is then no figure on that standard, only the ledger's own.
            unreadable = bool(statuses.unmeasurable_count(**extra)) and not statuses.measured_count(**extra)
            if how in ("class_count", "no_working_capacity_count"):
                return _with(statuses, None if unreadable else Decimal(numerator), numerator, 0, Decimal(ledger))
            registered = self._households(unit_path, year, ethnic_minority=how == "ethnic_minority_rate")
            if unreadable:
                return _with(statuses, None, 0, 0, _rate(ledger, registered))
            # Households that cannot be measured on the standard are left out of the rate, not counted as
            # not poor: the rate is over the households measured.
            denominator = registered - statuses.unmeasurable_count(**extra)
            return _with(statuses, _rate(numerator, denominator), numerator, denominator, _rate(ledger, registered))
        if how == "clean_water_rate":
            safe = Q(water_source__in=safe_water_sources(standard_id))
            return _registry_rate(statuses, classes, Household.objects.filter(deleted_at__isnull=True),
                                  "pk", safe)
        members = Member.objects.filter(household__deleted_at__isnull=True)
        if how == "health_insurance_rate":
            card = SupportRecord.objects.filter(
                household_id=OuterRef("household_id"), member_ref=OuterRef("member_id"), deleted_at__isnull=True,
                kind__code__in=HEALTH_INSURANCE_KINDS, year=year)
            return _registry_rate(statuses, classes, members, "household_id",
                                  Q(health_insured=True) | Q(Exists(card)))
        if how == "trained_labour_rate":
            course = SupportRecord.objects.filter(
                household_id=OuterRef("household_id"), member_ref=OuterRef("member_id"), deleted_at__isnull=True,
                kind__code__in=TRAINING_KINDS, year__lte=year)
            working = Q(working_age=True) | Q(working_age__isnull=True, age__gte=WORKING_AGE_FROM,
                                              age__lt=WORKING_AGE_BELOW)
            return _registry_rate(statuses, classes, members.filter(working), "household_id",
                                  Q(education_completed__in=TRAINED_EDUCATION) | Q(Exists(course)))
        raise ValueError(f"unknown measurement {how!r}")


def _rate(numerator: int, denominator: int) -> Decimal | None:
    if denominator <= 0:
        return None
    return Decimal(numerator * 100) / Decimal(denominator)


def _with(statuses: StatusSet, value: Decimal | None, numerator: int, denominator: int,
          ledger: Decimal | None) -> Measurement:
    return Measurement(value=value, numerator=numerator, denominator=denominator,
                       unmeasurable=statuses.unmeasurable, rederived=statuses.rederived_count,
                       ledger_value=ledger, ledger_standards=statuses.ledger_standards)


def _registry_rate(statuses: StatusSet, classes: tuple[str, ...], rows: QuerySet[Any], household_field: str,
                   good: Q) -> Measurement:
    """Rows (households or members) of the households in ``classes``, and how many of them are ``good``:
    the households on the target's standard by subquery, the re-derived ones by bounded id lists."""
    counted = Count("pk")
    hits = Count("pk", filter=good)

    def tally(qs: QuerySet[Any]) -> tuple[int, int]:
        row = qs.aggregate(n=counted, good=hits)
        return int(row["n"] or 0), int(row["good"] or 0)

    total, ok = tally(rows.filter(**{f"{household_field}__in": statuses.direct_households(classes)}))
    for chunk in statuses.rederived_chunks(classes, _CHUNK):
        n, g = tally(rows.filter(**{f"{household_field}__in": chunk}))
        total, ok = total + n, ok + g
    ledger_total, ledger_ok = tally(rows.filter(**{f"{household_field}__in": statuses.ledger_households(classes)}))
    return _with(statuses, _rate(ok, total), ok, total, _rate(ledger_ok, ledger_total))


def registry_households(unit_path: str) -> QuerySet[Household]:
    return Household.objects.filter(unit_path__startswith=unit_path, deleted_at__isnull=True)


def ethnic_minority_households(unit_path: str) -> QuerySet[Household]:
    """Registry households counted as ethnic minority by the configured rule (``reviews.categories``: the
    head's group, or any member's), majority groups compared in lower case as the rule folds them."""
    majority = sorted(categories._majority())  # noqa: SLF001  (the one definition of the majority groups)
    minority = Member.objects.annotate(_folded=Lower("ethnicity")).filter(household_id=OuterRef("pk")).exclude(
        ethnicity="").exclude(_folded__in=majority)
    if categories.ethnic_minority_rule() == "head":
        minority = minority.filter(relation="head")
    return registry_households(unit_path).filter(Exists(minority))


def safe_water_sources(standard_id: str) -> tuple[str, ...]:
    """The water sources the standard's water indicator accepts (its own definition, not a second list)."""
    from giamngheo.standards.definition import get_standard

    for indicator in get_standard(standard_id).indicators:
        if indicator.params.get("field") == "water_source" and indicator.params.get("accepted"):
            return tuple(indicator.params["accepted"])
    return SAFE_WATER_DEFAULT


def support_count(*, unit_path: str, year: int, kinds: tuple[str, ...]) -> int:
    """Live support records of these kinds given in ``year`` under the unit."""
    return SupportRecord.objects.filter(unit_path__startswith=unit_path, year=year, deleted_at__isnull=True,
                                        kind__code__in=kinds).count()

