"""Demo step: the statistics of every year, filled once the whole history is written.

Past years need their own denominators (``HouseholdCount``): a fill of a year that is over would otherwise
take today's registry. A real registry grows (new families split off, people move in), so each earlier year
counts a little fewer of today's households — 0.8% a year, never one already on a list by then — plus the
households that left the register after that year (the demo's deleted households, kept until the year they left).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Exists, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.core.formatting import format_number, format_percent
from giamngheo.demo.context import DemoContext
from giamngheo.demo.steps import Step
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household, Member
from giamngheo.reviews.models import LedgerEntry
from giamngheo.stats.counts import _minority_names
from giamngheo.stats.models import CountSource, HouseholdCount, Rollup, RollupLevel
from giamngheo.stats.services import stats_fill_province

FIRST_YEAR = 2022
GROWTH = 0.008  # the registry's yearly growth the demo assumes before today


def _registry(province: AdminUnit) -> list[tuple[int, str, str, int, bool, int | None, int]]:
    """(pk, unit path, area, persons, ethnic minority, year deleted or None, first ledger year or 9999) of
    every household of the province, live or deleted."""
    minority = Member.objects.filter(household=OuterRef("pk"), ethnicity__in=_minority_names())
    first = dict(LedgerEntry.objects.filter(unit_path__startswith=province.path).order_by()
                 .values("household_id").annotate(first=Min("year")).values_list("household_id", "first"))
    return [(pk, path, area, persons, em, deleted.year if deleted else None, first.get(pk, 9999))
            for pk, path, area, persons, em, deleted in (
                Household.objects.filter(unit_path__startswith=province.path).annotate(em=Exists(minority))
                .order_by("pk").values_list("pk", "unit_path", "area", "member_count", "em", "deleted_at"))]


def _arrived_after(pk: int, year: int, last_year: int) -> bool:
    """Whether a household of today's register joined it after ``year``: about ``GROWTH`` of them a year,
    picked by a fixed hash of the id (the same ones every run, nested from year to year)."""
    return (pk * 2_654_435_761) % 10_000 < GROWTH * 10_000 * (last_year - year)


def _commune_of(path: str) -> str:
    return "/".join(path.split("/")[:3])


def _cells(registry: list[tuple[int, str, str, int, bool, int | None, int]], year: int, last_year: int
           ) -> dict[tuple[str, str], Counter[str]]:
    """(unit path, area) → households, persons, ethnic-minority households on the register at the end of
    ``year``: today's, less those that joined later (never one on a list by then), plus those that left after."""
    out: dict[tuple[str, str], Counter[str]] = {}
    sizes = Counter(_commune_of(path) for _pk, path, *_rest in registry)
    for pk, path, area, persons, em, left, listed in registry:
        if left is not None and left <= year:
            continue
        # A commune of a few households (a small demo) keeps them all: no commune is left without any.
        if left is None and listed > year and sizes[_commune_of(path)] >= 10 and _arrived_after(pk, year, last_year):
            continue
        cell = out.setdefault((path, area), Counter())
        cell["households"] += 1
        cell["persons"] += persons
        cell["ethnic_minority"] += int(em)
    return out


def past_household_counts(province: AdminUnit, years: range) -> int:
    """Write the denominators of ``years`` (each year's rows replaced); returns the rows written."""
    units = dict(AdminUnit.objects.filter(path__startswith=province.path).values_list("path", "id"))
    registry = _registry(province)
    rows = []
    for year in years:
        HouseholdCount.objects.filter(year=year, unit_path__startswith=province.path).delete()
        taken = dt.datetime(year, 12, 31, 10, tzinfo=dt.UTC)
        rows += [HouseholdCount(unit_id=units[path], unit_path=path, year=year, area=area,
                                households=cell["households"], persons=cell["persons"],
                                ethnic_minority=cell["ethnic_minority"], source=CountSource.REGISTRY, taken_at=taken)
                 for (path, area), cell in _cells(registry, year, years[-1]).items() if path in units]
    HouseholdCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def statistics(ctx: DemoContext) -> None:
    if ctx.province is None:
        return
    this_year = timezone.localdate().year
    ctx.progress(_("Tổng hợp số liệu thống kê %(first)d–%(last)d…") % {"first": FIRST_YEAR, "last": this_year})
    past_household_counts(ctx.province, range(FIRST_YEAR, this_year))
    stats_fill_province(province=ctx.province)
    rates = []
    for year, counts in (Rollup.objects.filter(province=ctx.province, unit=ctx.province, level=RollupLevel.PROVINCE,
                                               series="national", area="all").order_by("year")
                         .values_list("year", "counts")):
        households = counts.get("households") or 1
        rates.append(_("%(year)d: nghèo %(poor)s, cận nghèo %(near)s") % {
            "year": year, "poor": format_percent(counts.get("poor.end", 0) / households),
            "near": format_percent(counts.get("near_poor.end", 0) / households)})
    communes = (Rollup.objects.filter(province=ctx.province, level=RollupLevel.COMMUNE, series="national",
                                      area="all").values("unit").distinct().count())
    ctx.summary.append((_("Tỷ lệ hộ nghèo, cận nghèo của tỉnh (cuối năm)"), "; ".join(rates)))
    ctx.summary.append((_("Số liệu thống kê"), _("%(communes)s xã, phường có số liệu") % {
        "communes": format_number(communes)}))


DEMO_STEPS = [Step("statistics", statistics)]
