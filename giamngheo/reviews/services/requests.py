"""The regular review: Form 01 / Form 04 requests and the chair's decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import log_action
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from giamngheo.reviews.calendar import calendar_for
from giamngheo.reviews.models import (
    CaseSource,
    CycleKind,
    CycleStatus,
    Decision,
    LedgerKind,
    RegularRequest,
    RequestForm,
    RequestStatus,
    ReviewCase,
    ReviewCycle,
)
from giamngheo.reviews.services._common import (
    CERTIFIED,
    _check_dates,
    _date_errors,
    _move,
    _today,
    _user,
)
from giamngheo.reviews.services.cycles import _create_case, review_cycle_open
from giamngheo.reviews.services.recognition import _decision_fields_errors, _issue, _ledger_entries_for
from giamngheo.reviews.states import CaseState, check_transition
from giamngheo.reviews.status import status_spans_refresh


def _cycle_for_request(*, actor: Any, commune: AdminUnit, received_on: dt.date) -> ReviewCycle:
    """An open periodic cycle whose window holds the date takes the request; otherwise the monthly cycle
    (opened on demand)."""
    periodic = ReviewCycle.objects.filter(
        commune=commune, kind=CycleKind.PERIODIC, status=CycleStatus.OPEN,
        opens_on__lte=received_on, closes_on__gte=received_on,
    ).first()
    if periodic is not None:
        return periodic
    year, month = calendar_for(commune).regular_cycle_for(received_on)
    cycle = ReviewCycle.objects.filter(commune=commune, kind=CycleKind.REGULAR, year=year, month=month).first()
    if cycle is not None:
        return cycle
    with transaction.atomic():
        return review_cycle_open(actor=actor, commune=commune, year=year, kind=CycleKind.REGULAR, month=month)


def review_request_file(
    *,
    actor: Any,
    household: Household,
    form: str,
    received_on: dt.date,
    channel: str,
    applicant_name: str,
    content: str = "",
    today: dt.date | None = None,
) -> RegularRequest:
    """Receive Form 01 (enter the lists) or Form 04 (leave them). The deadline is the received date plus
    the province's decision days (15 by default); the household is listed in the cycle that handles it."""
    require(actor, Perm.REVIEW_MANAGE, household.unit_path)
    errors = _date_errors({"received_on": (received_on, _("Ngày nhận đơn"))}, today=_today(today))
    if form not in RequestForm.values:
        errors["form"] = [_("Chọn Mẫu 01 hoặc Mẫu 04.")]
    if not applicant_name.strip():
        errors["applicant_name"] = [_("Ghi họ tên người đề nghị.")]
    if errors:
        raise ValidationFailed(_("Đơn đề nghị chưa đủ thông tin, chưa lưu gì."), errors=errors)
    if household.deleted_at is not None:
        raise ApplicationError(_("Hộ %(code)s đã bị xoá khỏi sổ hộ.") % {"code": household.code}, field="household")
    commune = household.commune
    with transaction.atomic():
        request = RegularRequest.objects.create(
            form=form, household=household, commune=commune, unit_path=household.unit_path, received_on=received_on,
            channel=channel, applicant_name=applicant_name.strip(), content=content.strip(),
            deadline=calendar_for(commune).deadline(received_on), created_by=_user(actor), updated_by=_user(actor),
        )
        log_action(
            actor=actor, action="giamngheo.review.request_filed", object_type="review_request", object_id=request.pk,
            object_repr=f"{request.get_form_display()} · {household.code}", unit_path=request.unit_path,
            data={"form": form, "received_on": received_on, "deadline": request.deadline},
        )
        cycle = _cycle_for_request(actor=actor, commune=commune, received_on=received_on)
        source = CaseSource.FORM_01 if form == RequestForm.FORM_01 else CaseSource.FORM_04
        existing = ReviewCase.objects.filter(cycle=cycle, household=household).first()
        if existing is not None:
            if existing.request_id is None:
                existing.request = request
                existing.save(update_fields=["request"])
        else:
            _create_case(actor=actor, cycle=cycle, household=household, source=source, request=request)
    return request


def review_request_decide(
    *,
    actor: Any,
    request: RegularRequest,
    recognise: bool,
    decided_on: dt.date,
    number: str = "",
    signer_name: str = "",
    signer_title: str = "",
    refusal_reason: str = "",
    today: dt.date | None = None,
) -> RegularRequest:
    """The chair's answer to a request. Recognising needs the case through survey, meeting and posting;
    it writes the ledger entry (effective from the decision date) and, for a poor or near-poor household,
    the certificate. Refusing needs written reasons. Both are allowed after the deadline (it is flagged,
    never silently dropped)."""
    require(actor, Perm.REVIEW_APPROVE, request.unit_path)
    _check_dates(_("Ngày quyết định không hợp lệ, chưa lưu gì."),
                 {"decided_on": (decided_on, _("Ngày quyết định"))}, today=_today(today))
    with transaction.atomic():
        request = RegularRequest.objects.select_for_update(of=("self",)).select_related("commune", "household").get(pk=request.pk)
        if request.status != RequestStatus.RECEIVED:
            raise ApplicationError(_("Đơn này đã được quyết định."), field="request")
        case = (request.cases.select_for_update(of=("self",)).select_related("cycle__commune", "household__commune__parent",
                                                                  "household__hamlet")
                .order_by("-pk").first())
        if case is None:
            raise ApplicationError(_("Đơn chưa có hồ sơ rà soát."), field="request")
        if decided_on < request.received_on:
            raise ValidationFailed(_("Ngày quyết định không hợp lệ, chưa lưu gì."), errors={"decided_on": [
                _("Ngày quyết định không được trước ngày nhận đơn (%(date)s).")
                % {"date": format_date(request.received_on)}]})
        late = decided_on > request.deadline
        if recognise:
            errors = _decision_fields_errors(number, signer_name, signer_title)
            if errors:
                raise ValidationFailed(_("Quyết định chưa đủ thông tin, chưa lưu gì."), errors=errors)
            if case.cycle.kind == CycleKind.PERIODIC:
                raise ApplicationError(
                    _("Hộ này đang được xét trong đợt rà soát định kỳ; kết quả được công nhận cùng cả danh sách."),
                    field="request",
                )
            check_transition(case.state, CaseState.RECOGNISED)
            posted_until = case.postings.aggregate(end=Max("ends_on"))["end"]
            if posted_until is not None and decided_on <= posted_until:
                raise ValidationFailed(_("Quyết định phải ký sau khi hết thời gian niêm yết."), errors={"decided_on": [
                    _("Ngày quyết định phải sau ngày kết thúc niêm yết (%(date)s).")
                    % {"date": format_date(posted_until)}]})
            try:
                with transaction.atomic():
                    decision = Decision.objects.create(
                        kind=CycleKind.REGULAR, commune=request.commune, unit_path=request.commune.path,
                        cycle=case.cycle, year=decided_on.year, number=number.strip(), signed_on=decided_on,
                        signer_name=signer_name.strip(), signer_title=signer_title.strip(),
                        created_by=_user(actor), updated_by=_user(actor),
                    )
            except IntegrityError:
                raise ValidationFailed(
                    _("Số quyết định đã được dùng."),
                    errors={"number": [_("Số quyết định %(number)s đã được dùng ở xã này.") % {"number": number}]},
                ) from None
            entries = _ledger_entries_for(actor=actor, case=case, kind=LedgerKind.REGULAR, year=decided_on.year,
                                          effective_on=decided_on, decision=decision)
            status_spans_refresh([case.household_id])
            _move(actor=actor, case=case, to_state=CaseState.RECOGNISED, action="giamngheo.review.case_recognised",
                  data={"decision": decision.pk, "class": case.proposed_class})
            national = next(e for e in entries if e.standard_id == case.cycle.national_standard)
            if national.klass in CERTIFIED:
                certificate = _issue(actor=actor, entry=national, case=case, issued_on=decided_on)
                _move(actor=actor, case=case, to_state=CaseState.CERTIFICATE_ISSUED,
                      action="giamngheo.review.certificate_issued", data={"number": certificate.number})
            request.status, request.decision = RequestStatus.RECOGNISED, decision
            action = "giamngheo.review.request_recognised"
        else:
            if not refusal_reason.strip():
                raise ValidationFailed(
                    _("Không công nhận phải trả lời bằng văn bản, nêu rõ lý do."),
                    errors={"refusal_reason": [_("Ghi lý do không công nhận.")]},
                )
            _move(actor=actor, case=case, to_state=CaseState.REFUSED, action="giamngheo.review.request_refused",
                  note=refusal_reason[:255])
            request.status, request.refusal_reason = RequestStatus.REFUSED, refusal_reason.strip()
            action = "giamngheo.review.request_refused"
        request.decided_on, request.updated_by = decided_on, _user(actor)
        request.save()
        log_action(
            actor=actor, action=action, object_type="review_request", object_id=request.pk,
            object_repr=f"{request.get_form_display()} · {request.household.code}", unit_path=request.unit_path,
            changes={"status": [RequestStatus.RECEIVED, request.status]},
            data={"decided_on": decided_on, "deadline": request.deadline, "late": late},
        )
    return request
