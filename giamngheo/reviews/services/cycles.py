"""Opening cycles, drawing the list, proposed households and the upper level's opinion."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import log_action
from giamngheo.core.errors import ApplicationError
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from giamngheo.reviews import engine, ledger
from giamngheo.reviews.calendar import calendar_for, province_code_of
from giamngheo.reviews.models import (
    CaseSource,
    CaseTransition,
    CycleKind,
    RegularRequest,
    RequestForm,
    RequestStatus,
    ReviewCase,
    ReviewCycle,
)
from giamngheo.reviews.services._common import (
    _case_repr,
    _check_dates,
    _lock_cycle,
    _require_open,
    _today,
    _user,
)
from giamngheo.reviews.states import CaseState

# The first standard the system knows is 2016–2020; a year past 2100 is a typing mistake.
MIN_YEAR, MAX_YEAR = 2016, 2100


def review_cycle_open(
    *, actor: Any, commune: AdminUnit, year: int, kind: str = CycleKind.PERIODIC, month: int = 0,
) -> ReviewCycle:
    """Open a periodic cycle (and draw its list) or a monthly regular cycle for one commune."""
    require(actor, Perm.REVIEW_MANAGE, commune.path)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ApplicationError(_("Năm rà soát phải từ %(min)d đến %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR},
                               field="year")
    if commune.level != "commune":
        raise ApplicationError(_("Chỉ mở đợt rà soát cho một xã, phường hoặc đặc khu."), field="commune")
    calendar = calendar_for(commune)
    if kind == CycleKind.PERIODIC:
        month = 0
        opens_on, closes_on = calendar.periodic_window(year)
    else:
        if not 1 <= month <= 12:
            raise ApplicationError(_("Tháng rà soát thường xuyên phải từ 1 đến 12."), field="month")
        opens_on, closes_on = calendar.regular_window(year, month)
    try:
        refs = engine.standard_refs(year, province_code_of(commune))
    except engine.StandardError:
        raise ApplicationError(
            _("Chưa có chuẩn nghèo nào áp dụng cho năm %(year)s.") % {"year": year}, field="year"
        ) from None
    try:
        with transaction.atomic():
            cycle = ReviewCycle.objects.create(
                kind=kind, year=year, month=month, commune=commune, unit_path=commune.path,
                opens_on=opens_on, closes_on=closes_on, standards=refs,
                consultation_required=calendar.consultation_required, created_by=_user(actor),
                updated_by=_user(actor),
            )
            log_action(
                actor=actor, action="giamngheo.review.cycle_opened", object_type="review_cycle",
                object_id=cycle.pk, object_repr=str(cycle), unit_path=cycle.unit_path,
                data={"kind": kind, "year": year, "month": month, "standards": [r["id"] for r in refs]},
            )
            if kind == CycleKind.PERIODIC:
                _draw_list(actor=actor, cycle=cycle)
    except IntegrityError:
        raise ApplicationError(
            _("%(commune)s đã có đợt rà soát này; hãy mở đợt đã có.") % {"commune": commune.name}, field="year"
        ) from None
    return cycle


def _draw_list(*, actor: Any, cycle: ReviewCycle) -> None:
    """Current poor and near-poor households (the ledger at the end of last year, or the registry's latest
    classification where the ledger has none yet) and every pending request without a case."""
    households = Household.objects.filter(commune=cycle.commune, deleted_at__isnull=True)
    ids = set(households.filter(current_class__in=("poor", "near_poor")).values_list("pk", flat=True))
    frame = ledger.entries_frame(series="national", max_year=cycle.year - 1, unit_paths=[cycle.unit_path])
    statuses = ledger.statuses_at_end(frame, cycle.year - 1)
    on_list = {pk for pk, klass in statuses.items() if klass in ("poor", "near_poor")}
    live = set(households.filter(pk__in=on_list).values_list("pk", flat=True))
    ids |= live
    pending = {
        r.household_id: r for r in RegularRequest.objects.filter(
            commune=cycle.commune, status=RequestStatus.RECEIVED, cases__isnull=True,
        )
    }
    for household in households.filter(pk__in=ids | set(pending)).select_related("hamlet").order_by("unit_path", "pk"):
        request = pending.get(household.pk)
        if request is not None:
            source = CaseSource.FORM_01 if request.form == RequestForm.FORM_01 else CaseSource.FORM_04
        else:
            source = CaseSource.CURRENT_LIST
        _create_case(actor=actor, cycle=cycle, household=household, source=source, request=request)


def _create_case(*, actor: Any, cycle: ReviewCycle, household: Household, source: str,
                 request: RegularRequest | None = None, note: str = "") -> ReviewCase:
    case = ReviewCase.objects.create(
        cycle=cycle, household=household, unit_path=household.unit_path, hamlet=household.hamlet,
        source=source, request=request, note=note, created_by=_user(actor), updated_by=_user(actor),
    )
    CaseTransition.objects.create(case=case, from_state="", to_state=CaseState.LISTED, actor=_user(actor))
    log_action(
        actor=actor, action="giamngheo.review.case_listed", object_type="review_case", object_id=case.pk,
        object_repr=_case_repr(case), unit_path=case.unit_path,
        changes={"state": [None, CaseState.LISTED]}, data={"source": source, "cycle": cycle.pk},
    )
    return case


def review_case_add(
    *, actor: Any, cycle: ReviewCycle, household: Household, note: str = "",
) -> ReviewCase:
    """A household the hamlet head proposes for the list (the surveyor of its hamlet may add it)."""
    require(actor, Perm.REVIEW_SURVEY, household.unit_path)
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        _require_open(cycle)
        if household.commune_id != cycle.commune_id or household.deleted_at is not None:
            raise ApplicationError(
                _("Hộ %(code)s không thuộc %(commune)s.") % {"code": household.code, "commune": cycle.commune.name},
                field="household",
            )
        if ReviewCase.objects.filter(cycle=cycle, household=household).exists():
            raise ApplicationError(
                _("Hộ %(code)s đã có trong danh sách rà soát của đợt này.") % {"code": household.code},
                field="household",
            )
        return _create_case(actor=actor, cycle=cycle, household=household, source=CaseSource.HAMLET_PROPOSAL,
                            note=note)


def review_cycle_consult(*, actor: Any, cycle: ReviewCycle, consulted_on: dt.date, note: str,
                         today: dt.date | None = None) -> ReviewCycle:
    """Record the upper level's opinion (step 5, where the province requires it)."""
    require(actor, Perm.REVIEW_MANAGE, cycle.unit_path)
    _check_dates(_("Ngày có ý kiến không hợp lệ, chưa lưu gì."),
                 {"consulted_on": (consulted_on, _("Ngày có ý kiến"))}, today=_today(today))
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        _require_open(cycle)
        before = {"consulted_on": cycle.consulted_on, "consultation_note": cycle.consultation_note}
        cycle.consulted_on, cycle.consultation_note, cycle.updated_by = consulted_on, note, _user(actor)
        cycle.save(update_fields=["consulted_on", "consultation_note", "updated_by", "updated_at"])
        log_action(
            actor=actor, action="giamngheo.review.cycle_consulted", object_type="review_cycle", object_id=cycle.pk,
            object_repr=str(cycle), unit_path=cycle.unit_path,
            changes={"consulted_on": [before["consulted_on"], consulted_on],
                     "consultation_note": [before["consultation_note"], note]},
        )
    return cycle
