"""Taking a year's household counts from the registry (``HouseholdCount``), set-based.

Cells are where households sit: a hamlet, or the commune itself for households on no hamlet. The
ethnic-minority count follows the statistics rule of ``reviews.categories`` (the head, or any member,
belongs to a group that is not a majority one): the few distinct ethnicity names are folded in Python, the
households are counted in SQL.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from giamngheo.core.text import fold
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household, Member
from giamngheo.reviews import categories
from giamngheo.stats.models import CountSource, HouseholdCount


def _minority_names() -> list[str]:
    majority = {fold(name) for name in categories._majority()}
    names = Member.objects.exclude(ethnicity="").values_list("ethnicity", flat=True).distinct()
    return [name for name in names if fold(name) not in majority]


def _registry(province_path: str) -> dict[tuple[str, str], dict[str, int]]:
    live = Household.objects.filter(unit_path__startswith=province_path, deleted_at__isnull=True)
    minority = Member.objects.filter(household=OuterRef("pk"), ethnicity__in=_minority_names())
    if categories.ethnic_minority_rule() == "head":
        minority = minority.filter(relation="head")
    out: dict[tuple[str, str], dict[str, int]] = {}
    for path, area, n, persons in (live.order_by().values("unit_path", "area")
                                   .annotate(n=Count("id"), p=Sum("member_count"))
                                   .values_list("unit_path", "area", "n", "p")):
        out[(path, area)] = {"households": n, "persons": persons or 0, "ethnic_minority": 0}
    for path, area, n in (live.filter(Exists(minority)).order_by().values("unit_path", "area")
                          .annotate(n=Count("id")).values_list("unit_path", "area", "n")):
        out[(path, area)]["ethnic_minority"] = n
    return out


def household_counts_take(province: AdminUnit, year: int, *, today: dt.date | None = None) -> int:
    """Record the registry's counts as ``year``'s, unless the year is over and counts were already taken
    (or declared): a past year's denominators never drift. Returns the cells written."""
    today = today or timezone.localdate()
    existing = HouseholdCount.objects.filter(year=year, unit_path__startswith=province.path)
    if year < today.year and existing.exists():
        return 0
    source = CountSource.REGISTRY if year >= today.year else CountSource.REGISTRY_LATE
    declared = set(existing.filter(source=CountSource.DECLARED).values_list("unit_path", "area"))
    existing.exclude(source=CountSource.DECLARED).delete()
    units = dict(AdminUnit.objects.filter(Q(path__startswith=province.path)).values_list("path", "id"))
    now = timezone.now()
    rows = [
        HouseholdCount(unit_id=units[path], unit_path=path, year=year, area=area, source=source, taken_at=now,
                       **values)
        for (path, area), values in _registry(province.path).items()
        if path in units and (path, area) not in declared
    ]
    HouseholdCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def households_in_year(unit_path: str, year: int, *, ethnic_minority: bool = False) -> int | None:
    """The unit's households (or ethnic-minority households) of ``year`` as counted, None when that year was
    never counted for the unit's province."""
    rows = HouseholdCount.objects.filter(year=year, unit_path__startswith=unit_path)
    province = "/" + unit_path.strip("/").split("/")[0] + "/"
    if not HouseholdCount.objects.filter(year=year, unit_path__startswith=province).exists():
        return None
    total = rows.aggregate(n=Sum("ethnic_minority" if ethnic_minority else "households"))["n"]
    return int(total or 0)
