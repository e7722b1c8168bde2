"""Reads of the review for pages, exports and the API — always on behalf of a user, always through
``accounts.scope`` (out of scope → 404, never 403)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for, require, scope_queryset
from giamngheo.core.text import fold
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from giamngheo.reviews import engine, ledger
from giamngheo.reviews.models import (
    Certificate,
    Complaint,
    Decision,
    LedgerEntry,
    Posting,
    RegularRequest,
    RequestStatus,
    ReviewCase,
    ReviewCycle,
    VillageMeeting,
)
from giamngheo.reviews.movements import MovementTable, household_counts


def _get(qs: QuerySet[Any], user: Any, perm: str, pk: Any) -> Any:
    obj = scope_queryset(qs, user, perm).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    return obj


def cycle_list(*, user: Any, year: int | None = None, kind: str | None = None) -> QuerySet[ReviewCycle]:
    """Cycles of every commune the user may see, including the communes above a surveyor's hamlet."""
    paths = paths_for(user, Perm.REVIEW_VIEW)
    if not paths:
        return ReviewCycle.objects.none()
    qs = ReviewCycle.objects.select_related("commune")
    if paths != ["/"]:
        from django.db.models import Q

        where = Q()
        for path in paths:
            # A cycle belongs to a commune; a hamlet user sees the cycles of the commune above.
            where |= Q(unit_path__startswith=path) | Q(unit_path__in=_ancestors(path))
        qs = qs.filter(where)
    if year:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-year", "-month", "unit_path")


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def cycle_get(*, user: Any, pk: int) -> ReviewCycle:
    cycle: ReviewCycle | None = cycle_list(user=user).filter(pk=pk).first()
    if cycle is None:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    return cycle


def case_list(*, user: Any, cycle: ReviewCycle | None = None, state: str | None = None,
              hamlet_id: int | None = None, q: str | None = None) -> QuerySet[ReviewCase]:
    qs = scope_queryset(ReviewCase.objects.all(), user, Perm.REVIEW_VIEW).select_related(
        "household", "hamlet", "cycle__commune")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    if state:
        qs = qs.filter(state=state)
    if hamlet_id:
        qs = qs.filter(hamlet_id=hamlet_id)
    if q:
        # The registry's search: citizen IDs match only where the user may see them (issue 13).
        from giamngheo.households.search import household_search_q

        qs = qs.filter(household_search_q(user=user, q=q, prefix="household__"))
    return qs.order_by("unit_path", "household__code")


# A surveyor's work list: what still needs their answers first, then what waits for others.
_WORK_ORDER = ("listed", "surveyed", "classified", "meeting", "posted", "complaint", "recognised",
               "certificate_issued", "refused")


def cases_to_survey(*, user: Any) -> QuerySet[ReviewCase]:
    """The cases of every open cycle in the units the user surveys ("Hộ cần rà soát của tôi"): households
    still to survey first, then by hamlet and household code."""
    from giamngheo.reviews.models import CycleStatus

    order = Case(*(When(state=state, then=Value(rank)) for rank, state in enumerate(_WORK_ORDER)),
                 default=Value(len(_WORK_ORDER)), output_field=IntegerField())
    return (scope_queryset(ReviewCase.objects.filter(cycle__status=CycleStatus.OPEN), user, Perm.REVIEW_SURVEY)
            .select_related("household", "hamlet", "cycle__commune")
            .order_by(order, "unit_path", "household__code"))


def is_surveyor_only(*, user: Any) -> bool:
    """A user who surveys households but manages no review step: the hamlet surveyor, whose day starts
    from the households to survey rather than from the registry."""
    return bool(paths_for(user, Perm.REVIEW_SURVEY)) and not paths_for(user, Perm.REVIEW_MANAGE) \
        and not paths_for(user, Perm.REVIEW_APPROVE)


def case_get(*, user: Any, pk: int) -> ReviewCase:
    qs = ReviewCase.objects.select_related("household__commune__parent", "household__hamlet", "hamlet",
                                          "cycle__commune", "request")
    case: ReviewCase = _get(qs, user, Perm.REVIEW_VIEW, pk)
    return case


def state_counts(*, user: Any, cycle: ReviewCycle) -> dict[str, int]:
    rows = case_list(user=user, cycle=cycle).order_by().values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}


def meeting_get(*, user: Any, pk: int) -> VillageMeeting:
    meeting: VillageMeeting = _get(VillageMeeting.objects.select_related("cycle__commune", "unit"), user,
                                   Perm.REVIEW_VIEW, pk)
    return meeting


def posting_get(*, user: Any, pk: int) -> Posting:
    posting: Posting = _get(Posting.objects.select_related("cycle__commune", "unit"), user, Perm.REVIEW_VIEW, pk)
    return posting


def posting_rows(*, posting: Posting) -> list[dict[str, str]]:
    """What a posted list shows — head's name, hamlet and class — and nothing else."""
    from giamngheo.reviews.models import LedgerClass

    labels = dict(LedgerClass.choices)
    rows = []
    for case in posting.cases.select_related("household", "hamlet").order_by("unit_path", "household__head_name"):
        rows.append({
            "head_name": case.household.head_name,
            "hamlet": case.hamlet.name if case.hamlet else "",
            "class": str(labels.get(case.proposed_class, case.proposed_class)),
        })
    return rows


def complaint_get(*, user: Any, pk: int) -> Complaint:
    complaint: Complaint = _get(Complaint.objects.select_related("case__household", "case__cycle"), user,
                                Perm.REVIEW_VIEW, pk)
    return complaint


def decision_get(*, user: Any, pk: int) -> Decision:
    decision: Decision = _get(Decision.objects.select_related("commune__parent", "cycle"), user, Perm.REVIEW_VIEW, pk)
    return decision


def certificate_get(*, user: Any, pk: int) -> Certificate:
    """A certificate shows a citizen ID: only users who may see citizen IDs of the unit get it."""
    certificate: Certificate = _get(Certificate.objects.select_related("commune__parent", "household"), user,
                                    Perm.CITIZEN_ID_VIEW, pk)
    require(user, Perm.REVIEW_VIEW, certificate.unit_path)
    return certificate


def certificate_list(*, user: Any, cycle: ReviewCycle) -> QuerySet[Certificate]:
    return scope_queryset(Certificate.objects.filter(case__cycle=cycle), user, Perm.REVIEW_VIEW).select_related(
        "household").order_by("seq")


def request_list(*, user: Any, status: str | None = None) -> QuerySet[RegularRequest]:
    qs = scope_queryset(RegularRequest.objects.select_related("household", "commune"), user, Perm.REVIEW_VIEW)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("deadline", "pk")


def request_get(*, user: Any, pk: int) -> RegularRequest:
    request: RegularRequest = _get(RegularRequest.objects.select_related("household", "commune__parent", "decision"),
                                   user, Perm.REVIEW_VIEW, pk)
    return request


def requests_overdue(*, user: Any, today: dt.date | None = None) -> QuerySet[RegularRequest]:
    """Requests still undecided after their deadline (received + 15 days by default)."""
    today = today or timezone.localdate()
    return request_list(user=user, status=RequestStatus.RECEIVED).filter(deadline__lt=today)


def ledger_for_household(*, user: Any, household_id: int) -> QuerySet[LedgerEntry]:
    return scope_queryset(LedgerEntry.objects.filter(household_id=household_id), user, Perm.REVIEW_VIEW).order_by(
        "series", "year", "effective_on", "pk")


@dataclass(frozen=True)
class HistoryRow:
    """One ledger entry as the household's history shows it. ``corrected_by`` is the entry that replaced it
    (a corrected entry stays on the page, struck through, and no longer counts)."""

    entry: LedgerEntry
    corrected_by: LedgerEntry | None

    @property
    def live(self) -> bool:
        return self.corrected_by is None


def ledger_history(*, user: Any, household_id: int) -> list[HistoryRow]:
    """Every entry of the household the user may see, year by year within each series, in one query."""
    entries = list(ledger_for_household(user=user, household_id=household_id)
                   .select_related("decision", "corrects", "recorded_by", "certificate"))
    by_corrected = {e.corrects_id: e for e in entries if e.corrects_id is not None}
    return [HistoryRow(entry=e, corrected_by=by_corrected.get(e.pk)) for e in entries]


def household_for_ledger(*, user: Any, code: str) -> Household:
    """A household whose ledger the user may read, deleted from the registry or not: its history is a record
    of what was recognised and stays readable."""
    household: Household | None = scope_queryset(Household.objects.select_related("commune", "hamlet"), user,
                                                 Perm.REVIEW_VIEW).filter(code=code).first()
    if household is None:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    return household


def ledger_entry_get(*, user: Any, pk: int) -> LedgerEntry:
    entry: LedgerEntry = _get(LedgerEntry.objects.select_related("household", "decision", "corrects"), user,
                              Perm.REVIEW_VIEW, pk)
    return entry


def _name_key(unit: AdminUnit) -> str:
    """Units are read by name: "Xã Ân Hữu" before "Xã Bình Minh", whatever their codes; the kind ("Xã",
    "Phường") does not decide the order, diacritics do not break it."""
    return fold(unit.short_name or unit.name)


def by_name(units: QuerySet[AdminUnit]) -> QuerySet[AdminUnit]:
    """The same units ordered by level (province first), then by name (Vietnamese, diacritics-aware)."""
    ranked = sorted(units.only("pk", "level", "name", "short_name"),
                    key=lambda u: (u.level != "province", _name_key(u)))
    if not ranked:
        return units
    order = Case(*(When(pk=u.pk, then=Value(i)) for i, u in enumerate(ranked)), output_field=IntegerField())
    return units.order_by(order)


def movement_units(*, user: Any) -> QuerySet[AdminUnit]:
    """The units a movements table may be asked for on the page: current provinces and communes in scope,
    by name."""
    units = AdminUnit.objects.filter(generation="2025", level__in=("province", "commune"), valid_to__isnull=True)
    return by_name(scope_queryset(units, user, Perm.REVIEW_VIEW, field="path"))


def movement_standards(*, unit: AdminUnit, year: int) -> list[dict[str, Any]]:
    """The standards in force for ``year`` in the unit's province (national first); empty when none."""
    from giamngheo.reviews.calendar import province_code_of

    try:
        return engine.standard_refs(year, province_code_of(unit))
    except engine.StandardError:
        return []


def movements_default_year(*, user: Any, unit: AdminUnit, today: dt.date | None = None) -> int:
    """The year a movements page opens on: the latest periodic Decision under the unit, else this year."""
    require(user, Perm.REVIEW_VIEW, unit.path)
    latest = (Decision.objects.filter(unit_path__startswith=unit.path, kind="periodic")
              .order_by("-year").values_list("year", flat=True).first())
    return latest or (today or timezone.localdate()).year


def movements_table(*, user: Any, unit: AdminUnit, year: int, standard_id: str) -> MovementTable:
    """The movements of ``year`` under one standard for ``unit``: one row per child unit and the total, with
    the registry's household counts (the denominators of the rates). Raises ``engine.StandardError`` for an
    unknown standard."""
    require(user, Perm.REVIEW_VIEW, unit.path)
    series = engine.series_of(standard_id)
    children = [(c.code, c.name, c.path) for c in sorted(unit.children.all(), key=_name_key)]
    rows = ledger.movement_rows(unit_path=unit.path, children=children, unit_code=unit.code, unit_name=unit.name,
                                series=series, year=year)
    households = (scope_queryset(Household.objects.filter(unit_path__startswith=unit.path, deleted_at__isnull=True),
                                 user, Perm.REVIEW_VIEW)
                  .order_by().values_list("unit_path", "area").annotate(n=Count("id")))
    return MovementTable(unit=unit, year=year, standard_id=standard_id, standard_title=engine.standard_title(standard_id),
                         series=series, rows=rows, households=household_counts(unit.path, households))


@dataclass(frozen=True)
class YearStatus:
    """Whether a year's movements are final: ``recognised`` communes under the unit have a periodic Decision
    for the year, ``open`` ones a periodic cycle still under review. Figures are provisional until every
    reviewing commune's list is recognised (and before any is)."""

    year: int
    recognised: int
    open: int
    latest_recognised_year: int | None

    @property
    def provisional(self) -> bool:
        return self.recognised == 0 or self.open > 0


def movements_year_status(*, user: Any, unit: AdminUnit, year: int) -> YearStatus:
    require(user, Perm.REVIEW_VIEW, unit.path)
    from giamngheo.reviews.models import CycleKind, CycleStatus

    decisions = Decision.objects.filter(unit_path__startswith=unit.path, kind="periodic")
    recognised = decisions.filter(year=year).values("commune_id").distinct().count()
    still_open = ReviewCycle.objects.filter(unit_path__startswith=unit.path, kind=CycleKind.PERIODIC, year=year,
                                            status=CycleStatus.OPEN).count()
    latest = decisions.order_by("-year").values_list("year", flat=True).first()
    return YearStatus(year=year, recognised=recognised, open=still_open, latest_recognised_year=latest)


# The columns of the movements table a reader may open (ledger.POOR_COLUMNS / NEAR_POOR_COLUMNS).
MOVEMENT_COLUMNS = {"poor": ledger.POOR_COLUMNS, "near_poor": ledger.NEAR_POOR_COLUMNS}


def movement_households(*, user: Any, unit: AdminUnit, year: int, standard_id: str, klass: str, area: str,
                        row_code: str | None, column: str) -> QuerySet[Household]:
    """The households behind one number of the movements table, as the user may see them (scoped like
    every read). ``row_code``: a child unit's code, ``""`` for households directly on the unit, None for the
    total. Raises Http404 for an unknown row, class or column."""
    require(user, Perm.REVIEW_VIEW, unit.path)
    if klass not in MOVEMENT_COLUMNS or column not in MOVEMENT_COLUMNS[klass] or area not in ("all", "urban", "rural"):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    if row_code is None:
        row = unit.path
    elif row_code == "":
        row = ""
    else:
        child = unit.children.filter(code=row_code).first()
        if child is None:
            raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
        row = child.path
    ids = ledger.movement_households(unit_path=unit.path, series=engine.series_of(standard_id), year=year,
                                     klass=klass, area=area, row=row, move=column)
    return (scope_queryset(Household.objects.filter(pk__in=ids), user, Perm.REVIEW_VIEW)
            .select_related("commune", "hamlet").order_by("unit_path", "head_name", "code"))


def unit_for_movements(*, user: Any, code: str) -> AdminUnit:
    """The unit a movements table is asked for, which the user must see (404 otherwise)."""
    unit = AdminUnit.objects.filter(code=code).order_by("generation").first()
    if unit is None:
        raise Http404(_("Không tìm thấy đơn vị có mã %(code)s.") % {"code": code})
    require(user, Perm.REVIEW_VIEW, unit.path)
    return unit


def decision_lists(*, decision: Decision) -> dict[str, list[dict[str, str]]]:
    """The four lists of a Decision (Form 02) under the national standard: poor, near-poor, escaped poverty,
    escaped near-poverty. Each row is head's name, hamlet and household code — nothing else."""
    entries = list(ledger.live_entries().filter(decision=decision, series="national")
                   .select_related("household__hamlet").order_by("unit_path", "household__head_name"))
    previous = ledger.previous_classes(series="national", household_ids=[e.household_id for e in entries],
                                       max_year=decision.year)
    lists: dict[str, list[dict[str, str]]] = {"poor": [], "near_poor": [], "escaped_poor": [], "escaped_near_poor": []}
    for entry in entries:
        row = {"head_name": entry.household.head_name, "code": entry.household.code,
               "hamlet": entry.household.hamlet.name if entry.household.hamlet else ""}
        before = previous.get(entry.pk)
        if entry.klass in ("poor", "near_poor"):
            lists[entry.klass].append(row)
        if before == "poor" and entry.klass in ("near_poor", "average", "none"):
            lists["escaped_poor"].append(row)
        elif before == "near_poor" and entry.klass in ("average", "none"):
            lists["escaped_near_poor"].append(row)
    return lists
