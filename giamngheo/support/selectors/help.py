"""Reading assignments and escape registrations, and the outcome of a registration read from the ledger.

Both name a household: reading needs ``support.view`` and ``household.view`` on its unit (``in_scope``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.households.models import Household
from giamngheo.reviews.models import StatusSpan
from giamngheo.support.models import Assignment, EscapeGoal, EscapeRegistration
from giamngheo.support.selectors.records import NATIONAL_SERIES, in_scope, not_found, visible

# The classes a household must have left to have reached each goal.
_NOT_REACHED: dict[str, set[str]] = {EscapeGoal.ESCAPE_POVERTY: {"poor"}, EscapeGoal.ESCAPE_NEAR_POVERTY: {"poor", "near_poor"}}


def assignment_get(*, user: Any, pk: int, perm: str = Perm.SUPPORT_VIEW,
                   household: Household | None = None) -> Assignment:
    assignment = Assignment.objects.filter(pk=pk, deleted_at__isnull=True).select_related("household").first()
    if assignment is None or not visible(user, assignment.unit_path, perm) or (
            household is not None and assignment.household_id != household.pk):
        raise not_found()
    return assignment


def assignment_list(*, user: Any, household: Household | None = None, unit_path: str | None = None,
                    active: bool | None = None, helper_type: str | None = None) -> QuerySet[Assignment]:
    qs = in_scope(Assignment.objects.filter(deleted_at__isnull=True), user)
    if household is not None:
        qs = qs.filter(household=household)
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if active is not None:
        qs = qs.filter(ended_on__isnull=active)
    if helper_type:
        qs = qs.filter(helper_type=helper_type)
    return qs.select_related("household").order_by("unit_path", "pk")


def escape_registration_get(*, user: Any, pk: int, perm: str = Perm.SUPPORT_VIEW,
                            household: Household | None = None) -> EscapeRegistration:
    registration = (EscapeRegistration.objects.filter(pk=pk, deleted_at__isnull=True)
                    .select_related("household").first())
    if registration is None or not visible(user, registration.unit_path, perm) or (
            household is not None and registration.household_id != household.pk):
        raise not_found()
    return registration


def escape_registration_list(*, user: Any, household: Household | None = None, unit_path: str | None = None,
                             target_year: int | None = None) -> QuerySet[EscapeRegistration]:
    qs = in_scope(EscapeRegistration.objects.filter(deleted_at__isnull=True), user)
    if household is not None:
        qs = qs.filter(household=household)
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if target_year is not None:
        qs = qs.filter(target_year=target_year)
    return qs.select_related("household").order_by("unit_path", "pk")


@dataclass(frozen=True)
class Outcome:
    """``code``: ``reached`` (in ``year``), ``missed`` (target year over, still in the class), ``pending``
    (target year not over yet), ``unknown`` (no recognised status in those years)."""

    code: str
    year: int | None
    text: str


def registration_outcome(registration: EscapeRegistration, spans: list[dict[str, Any]], *,
                         this_year: int) -> Outcome:
    """What the ledger says of a registration: the first year from registration to the target year at whose
    end the household was out of the class it meant to leave. ``spans`` are the household's national spans
    (``first_year``, ``last_year``, ``klass``)."""
    not_reached = _NOT_REACHED.get(registration.goal, {"poor"})
    seen_status = False
    for year in range(registration.registered_on.year, min(registration.target_year, this_year) + 1):
        span = next((s for s in spans if s["first_year"] <= year and (s["last_year"] is None or year <= s["last_year"])),
                    None)
        if span is None:
            continue
        seen_status = True
        if span["klass"] not in not_reached and span["klass"] != "removed":
            return Outcome("reached", year, _("Đã đạt: năm %(year)s hộ được công nhận %(klass)s.") % {
                "year": year, "klass": _klass_text(span["klass"])})
    if registration.target_year >= this_year:
        return Outcome("pending", None, _("Đang thực hiện (đến hết năm %(year)s).") % {"year": registration.target_year})
    if not seen_status:
        return Outcome("unknown", None, _("Chưa có kết quả rà soát của các năm đăng ký trong sổ theo dõi."))
    return Outcome("missed", None, _("Chưa đạt: đến hết năm %(year)s hộ vẫn chưa thoát.")
                   % {"year": registration.target_year})


def registration_outcomes(registrations: list[EscapeRegistration], *,
                          today: dt.date | None = None) -> dict[int, Outcome]:
    """The outcome of each registration (by id), the spans of all their households read in one query."""
    this_year = (today or timezone.localdate()).year
    spans: dict[int, list[dict[str, Any]]] = {}
    rows = StatusSpan.objects.filter(household_id__in={r.household_id for r in registrations},
                                     series=NATIONAL_SERIES).values("household_id", "first_year", "last_year", "klass")
    for row in rows:
        spans.setdefault(row["household_id"], []).append(dict(row))
    return {r.pk: registration_outcome(r, spans.get(r.household_id, []), this_year=this_year) for r in registrations}


def registration_outcome_of(registration: EscapeRegistration, *, today: dt.date | None = None) -> Outcome:
    return registration_outcomes([registration], today=today)[registration.pk]


def _klass_text(klass: str) -> str:
    from giamngheo.households.templatetags.household_tags import class_label

    return class_label(klass).lower()


@dataclass
class HouseholdHelp:
    assignments: list[Assignment]
    registrations: list[tuple[EscapeRegistration, Outcome]]


def household_help(*, user: Any, household: Household, today: dt.date | None = None) -> HouseholdHelp:
    """The household's assignments (active first, then ended) and its registrations with their outcome."""
    if not visible(user, household.unit_path):
        raise not_found()
    this_year = (today or timezone.localdate()).year
    assignments = list(Assignment.objects.filter(household=household, deleted_at__isnull=True)
                       .order_by("ended_on", "-since", "-pk")[:200])
    assignments.sort(key=lambda a: a.ended_on is not None)
    spans: list[dict[str, Any]] = [dict(s) for s in StatusSpan.objects.filter(household=household, series=NATIONAL_SERIES)
                                       .values("first_year", "last_year", "klass")]
    registrations = [
        (r, registration_outcome(r, spans, this_year=this_year))
        for r in EscapeRegistration.objects.filter(household=household, deleted_at__isnull=True)
        .order_by("-registered_on", "-pk")[:50]
    ]
    return HouseholdHelp(assignments=assignments, registrations=registrations)
