"""Reading support given: one record, records in scope, a household's support year by year beside its
status, and the support outputs of a unit and year (figure 11).

Support records name households, so reading one needs ``support.view`` *and* ``household.view`` on its unit;
every function here takes the acting user and filters through ``accounts.scope``. Totals are computed by
the database (``GROUP BY``), never by looping over rows in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, scope_queryset
from giamngheo.households.models import Household
from giamngheo.reviews.models import StatusSpan
from giamngheo.support.models import Assignment, Programme, SupportKind, SupportRecord

NATIONAL_SERIES = "national"
# A household's page lists at most this many records (decades of yearly support stay far below it).
HOUSEHOLD_RECORDS_LIMIT = 1000


def province_path(unit_path: str) -> str:
    """``/86/86001/h1/`` → ``/86/``: the province a unit belongs to (the first segment of its path)."""
    first = unit_path.strip("/").split("/")[0]
    return f"/{first}/" if first else ""


def in_scope(qs: QuerySet[Any], user: Any, perm: str = Perm.SUPPORT_VIEW) -> QuerySet[Any]:
    """``perm`` and ``household.view`` on the row's unit: the support of a household is the household's data."""
    return scope_queryset(scope_queryset(qs, user, perm), user, Perm.HOUSEHOLD_VIEW)


def visible(user: Any, unit_path: str, perm: str = Perm.SUPPORT_VIEW) -> bool:
    return allows(user, perm, unit_path) and allows(user, Perm.HOUSEHOLD_VIEW, unit_path)


def not_found() -> Http404:
    return Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))


def support_record_get(*, user: Any, pk: int, perm: str = Perm.SUPPORT_VIEW,
                       household: Household | None = None) -> SupportRecord:
    """One live record by id; 404 when missing, deleted, out of scope for ``perm``, or (when ``household``
    is given) of another household."""
    record = (SupportRecord.objects.filter(pk=pk, deleted_at__isnull=True)
              .select_related("household", "kind", "programme").first())
    if record is None or not visible(user, record.unit_path, perm):
        raise not_found()
    if household is not None and record.household_id != household.pk:
        raise not_found()
    return record


def support_record_list(
    *,
    user: Any,
    year: int | None = None,
    kind: SupportKind | None = None,
    programme: Programme | None = None,
    unit_path: str | None = None,
    provider_type: str | None = None,
    household: Household | None = None,
) -> QuerySet[SupportRecord]:
    """Live records in the user's scope, narrowed by the filters given, in (unit, id) order (keyset paging)."""
    qs = in_scope(SupportRecord.objects.filter(deleted_at__isnull=True), user)
    if year is not None:
        qs = qs.filter(year=year)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if programme is not None:
        qs = qs.filter(programme=programme)
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if provider_type:
        qs = qs.filter(provider_type=provider_type)
    if household is not None:
        qs = qs.filter(household=household)
    return qs.select_related("household", "kind", "programme").order_by("unit_path", "pk")


def support_kinds_for(*, unit_path: str = "", active_only: bool = True) -> QuerySet[SupportKind]:
    """National kinds and, for a unit, its province's own."""
    province = province_path(unit_path)
    qs = SupportKind.objects.filter(Q(province__isnull=True) | Q(unit_path=province) if province
                                    else Q(province__isnull=True))
    return qs.filter(active=True) if active_only else qs


def programmes_for(*, unit_path: str = "", active_only: bool = True) -> QuerySet[Programme]:
    """National programmes and, for a unit, its province's own (the catalogue's order)."""
    province = province_path(unit_path)
    qs = Programme.objects.filter(Q(province__isnull=True) | Q(unit_path=province) if province
                                  else Q(province__isnull=True))
    return (qs.filter(active=True) if active_only else qs).select_related("parent")


def programmes_for_user(*, user: Any, active_only: bool = True) -> QuerySet[Programme]:
    """National programmes plus the own programmes of every province the user sees something of."""
    provinces = {province_path(p) for p in _paths(user)}
    q = Q(province__isnull=True)
    if "/" in provinces or "" in provinces:
        q = Q()
    else:
        for path in provinces:
            q |= Q(unit_path=path)
    qs = Programme.objects.filter(q)
    return (qs.filter(active=True) if active_only else qs).select_related("parent")


def _paths(user: Any) -> list[str]:
    from giamngheo.accounts.scope import paths_for

    return paths_for(user, Perm.SUPPORT_VIEW)


@dataclass
class SupportYear:
    """One year of a household's page: its status at the end of the year and what it received."""

    year: int
    klass: str | None
    standard_id: str
    records: list[SupportRecord] = field(default_factory=list)
    count: int = 0
    amount: int = 0


def household_support_by_year(*, user: Any, household: Household, today: dt.date | None = None) -> list[SupportYear]:
    """Year by year (newest first): the household's recognised status (national series) at the end of each
    year beside the support it received that year, with the year's totals. Years run from the first status
    or support to this year."""
    if not visible(user, household.unit_path):
        raise not_found()
    this_year = (today or timezone.localdate()).year
    records = list(SupportRecord.objects.filter(household=household, deleted_at__isnull=True)
                   .select_related("kind", "programme").order_by("-given_on", "-id")[:HOUSEHOLD_RECORDS_LIMIT])
    totals = {row["year"]: row for row in SupportRecord.objects.filter(household=household, deleted_at__isnull=True)
              .order_by().values("year").annotate(count=Count("id"), amount=Sum("amount"))}
    spans = list(StatusSpan.objects.filter(household=household, series=NATIONAL_SERIES)
                 .order_by("first_year").values("first_year", "last_year", "klass", "standard_id"))
    starts = [r.year for r in records] + [s["first_year"] for s in spans]
    if not starts:
        return []
    first = max(min(starts), 2000)
    last = max(this_year, max(r.year for r in records) if records else this_year)
    by_year: dict[int, SupportYear] = {}
    for year in range(last, first - 1, -1):
        span = next((s for s in spans if s["first_year"] <= year and (s["last_year"] is None or year <= s["last_year"])),
                    None)
        total: dict[str, Any] = dict(totals.get(year) or {})
        by_year[year] = SupportYear(year=year, klass=span["klass"] if span else None,
                                    standard_id=span["standard_id"] if span else "",
                                    count=total.get("count", 0), amount=total.get("amount") or 0)
    for record in records:
        if record.year in by_year:
            by_year[record.year].records.append(record)
    return list(by_year.values())


@dataclass
class Outputs:
    """Figure 11 for one unit and year: per kind of support, and the people mobilised by helper type."""

    year: int
    unit_path: str
    kinds: list[dict[str, Any]]
    totals: dict[str, Any]
    helpers: list[dict[str, Any]]
    helper_totals: dict[str, Any]


def support_outputs(*, user: Any, year: int, unit_path: str = "") -> Outputs:
    """Per kind: records, households reached, quantity and money; plus assignments active at some time during
    the year, by helper type (assignments, distinct helpers, households helped). Everything in the user's
    scope under ``unit_path`` (the whole scope when empty)."""
    records = support_record_list(user=user, year=year, unit_path=unit_path or None).order_by()
    kinds: list[dict[str, Any]] = [dict(row) for row in records.values("kind_id", "kind__name", "kind__output_label", "kind__position")
                 .annotate(records=Count("id"), households=Count("household_id", distinct=True),
                           quantity=Sum("quantity"), amount=Sum("amount"))
                 .order_by("kind__position", "kind__name")]
    totals = records.aggregate(records=Count("id"), households=Count("household_id", distinct=True),
                               amount=Sum("amount"))
    assignments = in_scope(Assignment.objects.filter(
        deleted_at__isnull=True, since__lte=dt.date(year, 12, 31)).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=dt.date(year, 1, 1))), user)
    if unit_path:
        assignments = assignments.filter(unit_path__startswith=unit_path)
    helpers: list[dict[str, Any]] = list(assignments.order_by().values("helper_type")
                   .annotate(assignments=Count("id"), helpers=Count("helper_name", distinct=True),
                             households=Count("household_id", distinct=True))
                   .order_by("helper_type"))
    helper_totals = assignments.order_by().aggregate(assignments=Count("id"),
                                                     households=Count("household_id", distinct=True))
    return Outputs(year=year, unit_path=unit_path, kinds=kinds, totals=totals, helpers=helpers,
                   helper_totals=helper_totals)
