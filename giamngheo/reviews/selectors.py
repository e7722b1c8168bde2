"""Reads of the review for pages, exports and the API — always on behalf of a user, always through
``accounts.scope`` (out of scope → 404, never 403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for, require, scope_queryset
from giamngheo.geo.models import AdminUnit
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
        from giamngheo.core.text import fold

        for word in fold(q).split():
            qs = qs.filter(household__search_text__contains=word) | qs.filter(household__code__icontains=word)
    return qs.order_by("unit_path", "household__code")


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
    from giamngheo.reviews import ledger

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
