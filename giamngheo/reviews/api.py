"""The review's REST endpoints (a django-ninja ``Router``, mounted at ``/api/v1/``).

Every endpoint acts as the token's user through the same selectors and services as the pages: a
transition is a POST that runs the very service a page button runs, and anything outside the user's
units answers 404. Service refusals become 422 with the field at fault, conflicts 409 (the API's
error handlers).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import can_see_citizen_id, require, scope_queryset
from giamngheo.api.schemas import ERRORS
from giamngheo.core.audit_display import masked_by_key
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from giamngheo.reviews import engine, selectors, services
from giamngheo.reviews.models import (
    CycleKind,
    RegularRequest,
    ReviewCase,
    ReviewCycle,
)

router = Router(tags=["review"])
# Refusals as every other endpoint answers them (api.errors): a stale version or a step out of turn is a 409.
_READ: dict[int, Any] = dict(ERRORS)
_WRITE: dict[int, Any] = {**ERRORS, 409: dict[str, Any]}

# Every number a client sends is bounded before it reaches a query: SQLite and PostgreSQL store 64-bit
# integers, and 10**23 in a filter or a list of ids would otherwise answer 500. Dates are bounded by the
# services (core.dates.DATE_MIN–DATE_MAX, and not after today where a date records something done).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class CycleOut(Schema):
    id: int
    kind: str
    year: int
    month: int
    commune: str = Field(description="Mã xã/phường")
    commune_name: str
    opens_on: dt.date
    closes_on: dt.date
    status: str
    standards: list[str]
    cases_by_state: dict[str, int]


class CycleIn(Schema):
    commune: str = Field(description="Mã xã/phường (5 chữ số)")
    year: int = Field(ge=2016, le=2100)
    kind: str = Field(CycleKind.PERIODIC, pattern="^(periodic|regular)$")
    month: int = Field(0, ge=0, le=12)


class CaseOut(Schema):
    id: int
    cycle: int
    household: str
    head_name: str
    hamlet: str
    source: str
    state: str
    version: int
    proposed_class: str
    classes: dict[str, str] = Field(description="Phân loại theo từng chuẩn áp dụng")
    causes: list[str]
    wishes: list[str]


class CaseDetailOut(CaseOut):
    survey_record: dict[str, Any]
    explanation: dict[str, str]
    history: list[dict[str, Any]]


class SurveyIn(Schema):
    record: dict[str, Any]
    expected_version: int = Field(ge=0, le=MAX_ID)
    complete: bool = False
    date_confirmed: bool = Field(False, description="Ngày rà soát nằm ngoài thời gian của đợt là đúng (đã xác nhận)")
    causes: list[str] = []
    wishes: list[str] = []


class MeetingIn(Schema):
    unit: str = Field(description="Mã thôn/ấp (hoặc mã xã khi họp chung)")
    held_on: dt.date
    attendees: int = Field(ge=0, le=MAX_ID)
    agreeing: int = Field(ge=0, le=MAX_ID)
    chair_name: str = Field(max_length=200)
    secretary_name: str = Field(max_length=200)
    minutes: str = ""
    case_ids: list[Id] | None = None


class MeetingOut(Schema):
    id: int
    passed: bool
    attendees: int
    agreeing: int
    cases: list[int]


class PostingIn(Schema):
    unit: str = Field(max_length=64)
    place: str = Field(max_length=200)
    starts_on: dt.date
    ends_on: dt.date
    case_ids: list[Id] | None = None


class PostingOut(Schema):
    id: int
    starts_on: dt.date
    ends_on: dt.date
    cases: list[int]


class ComplaintIn(Schema):
    received_on: dt.date
    complainant: str = Field(max_length=200)
    content: str


class ComplaintResolveIn(Schema):
    outcome: str
    resolution: str
    resolved_on: dt.date


class ComplaintOut(Schema):
    id: int
    case: int
    status: str
    outcome: str


class DecisionIn(Schema):
    number: str = Field(max_length=64)
    signed_on: dt.date
    signer_name: str = Field(max_length=200)
    signer_title: str = Field(max_length=200)


class DecisionOut(Schema):
    id: int
    number: str
    signed_on: dt.date
    year: int


class CertificatesIn(Schema):
    issued_on: dt.date


class CertificateOut(Schema):
    id: int
    number: str
    household: str
    klass: str
    issued_on: dt.date


class RequestIn(Schema):
    household: str = Field(description="Mã hộ")
    form: str = Field(pattern="^(01|04)$")
    received_on: dt.date
    channel: str = Field(pattern="^(in_person|post|online)$")
    applicant_name: str = Field(max_length=200)
    content: str = ""


class RequestDecideIn(Schema):
    recognise: bool
    decided_on: dt.date
    number: str = Field("", max_length=64)
    signer_name: str = Field("", max_length=200)
    signer_title: str = Field("", max_length=200)
    refusal_reason: str = ""


class RequestOut(Schema):
    id: int
    form: str
    household: str
    received_on: dt.date
    deadline: dt.date
    overdue: bool
    status: str
    decided_on: dt.date | None
    refusal_reason: str
    case: int | None


class LedgerEntryOut(Schema):
    id: int
    household: str
    year: int
    standard: str
    series: str
    kind: str
    klass: str = Field(description="poor, near_poor, average, none hoặc removed")
    effective_on: dt.date
    decision: str | None = Field(description="Số quyết định công nhận")
    corrects: int | None = Field(description="Mục bị đính chính (nếu đây là mục đính chính)")
    corrected_by: int | None = Field(description="Mục đính chính mục này; khi có, mục này không còn được tính")
    reason: str
    ethnic_minority: bool
    area: str


class CorrectionIn(Schema):
    klass: str = Field(description="Phân loại đúng: poor, near_poor, average, none")
    reason: str = Field(description="Lý do đính chính (bắt buộc)")


class RemovalIn(Schema):
    effective_on: dt.date
    reason: str = Field(description="Lý do đưa ra khỏi danh sách (bắt buộc): chuyển đi, giải thể, chết…")


class MovementFilter(Schema):
    unit: str = Field(description="Mã đơn vị (tỉnh, xã)")
    year: int = Field(ge=2016, le=2100)
    standard: str = Field(description="Mã chuẩn nghèo, ví dụ 2022-2025")


class MovementRowOut(Schema):
    unit: str
    unit_name: str
    total: bool
    poor: dict[str, Any]
    near_poor: dict[str, Any]


class MovementsOut(Schema):
    unit: str
    year: int
    standard: str
    series: str
    rows: list[MovementRowOut]


def _cycle_out(user: Any, cycle: ReviewCycle) -> dict[str, Any]:
    return {
        "id": cycle.pk, "kind": cycle.kind, "year": cycle.year, "month": cycle.month, "commune": cycle.commune.code,
        "commune_name": cycle.commune.name, "opens_on": cycle.opens_on, "closes_on": cycle.closes_on,
        "status": cycle.status, "standards": [ref["id"] for ref in cycle.standards],
        "cases_by_state": selectors.state_counts(user=user, cycle=cycle),
    }


def _case_out(case: ReviewCase) -> dict[str, Any]:
    return {
        "id": case.pk, "cycle": case.cycle_id, "household": case.household.code, "head_name": case.household.head_name,
        "hamlet": case.hamlet.name if case.hamlet else "", "source": case.source, "state": case.state,
        "version": case.version, "proposed_class": case.proposed_class,
        "classes": {k: v.get("class", "") for k, v in case.results.items()},
        "causes": case.causes, "wishes": case.wishes,
    }


def _masked_record(user: Any, case: ReviewCase) -> dict[str, Any]:
    """The stored draft as it is (even of a shape written before drafts were checked), citizen IDs masked
    by key for roles that may not see them."""
    record = dict(case.survey_record) if isinstance(case.survey_record, dict) else {}
    if can_see_citizen_id(user, case.unit_path):
        return record
    masked: dict[str, Any] = masked_by_key(record)
    return masked


def _case_detail(user: Any, case: ReviewCase) -> dict[str, Any]:
    out = _case_out(case)
    out["survey_record"] = _masked_record(user, case)
    out["explanation"] = {k: (v.get("explanation") or {}).get("text", "") for k, v in case.results.items()}
    out["history"] = [
        {"from": t.from_state, "to": t.to_state, "at": t.at.isoformat(), "by": t.actor.get_username() if t.actor else "",
         "note": t.note}
        for t in case.transitions.select_related("actor")
    ]
    return out


def _unit_in_cycle(cycle: ReviewCycle, code: str) -> AdminUnit:
    unit = AdminUnit.objects.filter(code=code, path__startswith=cycle.unit_path).first()
    if unit is None:
        raise Http404(f"{code}")
    return unit


def _request_out(request: RegularRequest, today: dt.date) -> dict[str, Any]:
    case = request.cases.order_by("-pk").first()
    return {
        "id": request.pk, "form": request.form, "household": request.household.code,
        "received_on": request.received_on, "deadline": request.deadline,
        "overdue": request.status == "received" and request.deadline < today, "status": request.status,
        "decided_on": request.decided_on, "refusal_reason": request.refusal_reason,
        "case": case.pk if case else None,
    }


@router.get("/review/cycles", response={200: list[CycleOut], **_READ}, summary="Các đợt rà soát")
def cycles_list(request: HttpRequest, year: Annotated[int, Field(ge=2016, le=2100)] | None = None,
                kind: str | None = None) -> list[dict[str, Any]]:
    return [_cycle_out(request.user, c) for c in selectors.cycle_list(user=request.user, year=year, kind=kind)[:500]]


@router.post("/review/cycles", response={201: CycleOut, **_WRITE}, summary="Mở đợt rà soát (lập danh sách tự động)")
def cycle_open(request: HttpRequest, body: CycleIn) -> Status[dict[str, Any]]:
    commune = AdminUnit.objects.filter(code=body.commune, level="commune").first()
    if commune is None:
        raise Http404(body.commune)
    require(request.user, Perm.REVIEW_VIEW, commune.path)
    cycle = services.review_cycle_open(actor=request.user, commune=commune, year=body.year, kind=body.kind,
                                       month=body.month)
    return Status(201, _cycle_out(request.user, cycle))


@router.get("/review/cycles/{cycle_id}", response={200: CycleOut, **_READ}, summary="Một đợt rà soát")
def cycle_detail(request: HttpRequest, cycle_id: Id) -> dict[str, Any]:
    return _cycle_out(request.user, selectors.cycle_get(user=request.user, pk=cycle_id))


@router.get("/review/cycles/{cycle_id}/cases", response={200: list[CaseOut], **_READ}, summary="Hồ sơ hộ của đợt")
def cycle_cases(request: HttpRequest, cycle_id: Id, state: str | None = None) -> list[dict[str, Any]]:
    cycle = selectors.cycle_get(user=request.user, pk=cycle_id)
    return [_case_out(c) for c in selectors.case_list(user=request.user, cycle=cycle, state=state)]


@router.get("/review/cases/{case_id}", response={200: CaseDetailOut, **_READ}, summary="Một hồ sơ rà soát hộ")
def case_detail(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    return _case_detail(request.user, selectors.case_get(user=request.user, pk=case_id))


@router.post("/review/cases/{case_id}/survey", response={200: CaseDetailOut, **_WRITE}, summary="Lưu phiếu khảo sát (Phiếu B)")
def case_survey(request: HttpRequest, case_id: Id, body: SurveyIn) -> dict[str, Any]:
    case = selectors.case_get(user=request.user, pk=case_id)
    services.review_case_survey(actor=request.user, case=case, record=body.record, expected_version=body.expected_version,
                                complete=body.complete, causes=body.causes, wishes=body.wishes,
                                date_confirmed=body.date_confirmed)
    return _case_detail(request.user, selectors.case_get(user=request.user, pk=case_id))


@router.post("/review/cases/{case_id}/classify", response={200: CaseDetailOut, **_WRITE}, summary="Phân loại hộ")
def case_classify(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    services.review_case_classify(actor=request.user, case=selectors.case_get(user=request.user, pk=case_id))
    return _case_detail(request.user, selectors.case_get(user=request.user, pk=case_id))


@router.post("/review/cycles/{cycle_id}/meetings", response={201: MeetingOut, **_WRITE}, summary="Ghi biên bản họp dân")
def meeting_record(request: HttpRequest, cycle_id: Id, body: MeetingIn) -> Status[dict[str, Any]]:
    cycle = selectors.cycle_get(user=request.user, pk=cycle_id)
    meeting = services.review_meeting_record(
        actor=request.user, cycle=cycle, unit=_unit_in_cycle(cycle, body.unit), held_on=body.held_on,
        attendees=body.attendees, agreeing=body.agreeing, chair_name=body.chair_name,
        secretary_name=body.secretary_name, minutes=body.minutes, case_ids=body.case_ids,
    )
    return Status(201, {"id": meeting.pk, "passed": meeting.passed, "attendees": meeting.attendees,
                        "agreeing": meeting.agreeing, "cases": list(meeting.cases.values_list("pk", flat=True))})


@router.post("/review/cycles/{cycle_id}/postings", response={201: PostingOut, **_WRITE}, summary="Niêm yết công khai")
def posting_open(request: HttpRequest, cycle_id: Id, body: PostingIn) -> Status[dict[str, Any]]:
    cycle = selectors.cycle_get(user=request.user, pk=cycle_id)
    posting = services.review_case_post(
        actor=request.user, cycle=cycle, unit=_unit_in_cycle(cycle, body.unit), place=body.place,
        starts_on=body.starts_on, ends_on=body.ends_on, case_ids=body.case_ids,
    )
    return Status(201, {"id": posting.pk, "starts_on": posting.starts_on, "ends_on": posting.ends_on,
                        "cases": list(posting.cases.values_list("pk", flat=True))})


@router.post("/review/cases/{case_id}/complaints", response={201: ComplaintOut, **_WRITE}, summary="Tiếp nhận khiếu nại")
def complaint_file(request: HttpRequest, case_id: Id, body: ComplaintIn) -> Status[dict[str, Any]]:
    case = selectors.case_get(user=request.user, pk=case_id)
    complaint = services.review_complaint_file(actor=request.user, case=case, received_on=body.received_on,
                                               complainant=body.complainant, content=body.content)
    return Status(201, {"id": complaint.pk, "case": case.pk, "status": complaint.status, "outcome": complaint.outcome})


@router.post("/review/complaints/{complaint_id}/resolve", response={200: ComplaintOut, **_WRITE}, summary="Giải quyết khiếu nại")
def complaint_resolve(request: HttpRequest, complaint_id: Id, body: ComplaintResolveIn) -> dict[str, Any]:
    complaint = selectors.complaint_get(user=request.user, pk=complaint_id)
    complaint = services.review_complaint_resolve(actor=request.user, complaint=complaint, outcome=body.outcome,
                                                  resolution=body.resolution, resolved_on=body.resolved_on)
    return {"id": complaint.pk, "case": complaint.case_id, "status": complaint.status, "outcome": complaint.outcome}


@router.post("/review/cycles/{cycle_id}/recognise", response={201: DecisionOut, **_WRITE},
             summary="Công nhận danh sách (Quyết định Mẫu 02) và khoá đợt")
def cycle_recognise(request: HttpRequest, cycle_id: Id, body: DecisionIn) -> Status[dict[str, Any]]:
    cycle = selectors.cycle_get(user=request.user, pk=cycle_id)
    decision = services.review_cycle_recognise(actor=request.user, cycle=cycle, number=body.number,
                                               signed_on=body.signed_on, signer_name=body.signer_name,
                                               signer_title=body.signer_title)
    return Status(201, {"id": decision.pk, "number": decision.number, "signed_on": decision.signed_on,
                        "year": decision.year})


@router.post("/review/cycles/{cycle_id}/certificates", response={201: list[CertificateOut], **_WRITE},
             summary="Cấp giấy chứng nhận (Mẫu 03)")
def certificates_issue(request: HttpRequest, cycle_id: Id, body: CertificatesIn) -> Status[list[dict[str, Any]]]:
    cycle = selectors.cycle_get(user=request.user, pk=cycle_id)
    issued = services.review_certificates_issue(actor=request.user, cycle=cycle, issued_on=body.issued_on)
    return Status(201, [{"id": c.pk, "number": c.number, "household": c.household.code, "klass": c.klass,
                         "issued_on": c.issued_on} for c in issued])


@router.get("/review/requests", response={200: list[RequestOut], **_READ}, summary="Đơn đề nghị (Mẫu 01, Mẫu 04)")
def requests_list(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [_request_out(r, today) for r in selectors.request_list(user=request.user, status=status)[:500]]


@router.post("/review/requests", response={201: RequestOut, **_WRITE}, summary="Tiếp nhận đơn đề nghị")
def request_file(request: HttpRequest, body: RequestIn) -> Status[dict[str, Any]]:
    household = get_object_or_404(
        scope_queryset(Household.objects.filter(deleted_at__isnull=True), request.user, Perm.REVIEW_VIEW),
        code=body.household,
    )
    filed = services.review_request_file(actor=request.user, household=household, form=body.form,
                                         received_on=body.received_on, channel=body.channel,
                                         applicant_name=body.applicant_name, content=body.content)
    return Status(201, _request_out(filed, body.received_on))


@router.post("/review/requests/{request_id}/decide", response={200: RequestOut, **_WRITE}, summary="Quyết định đơn đề nghị")
def request_decide(request: HttpRequest, request_id: Id, body: RequestDecideIn) -> dict[str, Any]:
    regular = selectors.request_get(user=request.user, pk=request_id)
    decided = services.review_request_decide(
        actor=request.user, request=regular, recognise=body.recognise, decided_on=body.decided_on,
        number=body.number, signer_name=body.signer_name, signer_title=body.signer_title,
        refusal_reason=body.refusal_reason,
    )
    return _request_out(decided, body.decided_on)


@router.get("/movements", response={200: MovementsOut, **_READ}, summary="Biến động hộ nghèo, cận nghèo trong năm")
def movements(request: HttpRequest, filters: Query[MovementFilter]) -> dict[str, Any]:
    """Một dòng cho mỗi đơn vị trực thuộc và một dòng tổng: đầu năm, thoát nghèo, từ cận nghèo rơi xuống,
    tái nghèo, phát sinh mới, cuối năm (trong đó hộ dân tộc thiểu số), tách thành thị/nông thôn; tương tự cho hộ
    cận nghèo. Luôn khớp: đầu năm − giảm + tăng = cuối năm."""
    unit = selectors.unit_for_movements(user=request.user, code=filters.unit)
    try:
        table = selectors.movements_table(user=request.user, unit=unit, year=filters.year,
                                          standard_id=filters.standard)
    except engine.StandardError:
        raise Http404(filters.standard) from None
    return {
        "unit": unit.code, "year": filters.year, "standard": filters.standard, "series": table.series,
        "rows": [{"unit": r.unit_code, "unit_name": r.unit_name, "total": r.is_total, "poor": r.poor,
                  "near_poor": r.near_poor} for r in table.rows],
    }


def _entry_out(entry: Any, household_code: str, corrected_by: int | None = None) -> dict[str, Any]:
    return {
        "id": entry.pk, "household": household_code, "year": entry.year, "standard": entry.standard_id,
        "series": entry.series, "kind": entry.kind, "klass": entry.klass, "effective_on": entry.effective_on,
        "decision": entry.decision.number if entry.decision_id else None, "corrects": entry.corrects_id,
        "corrected_by": corrected_by, "reason": entry.reason, "ethnic_minority": entry.ethnic_minority,
        "area": entry.area,
    }


@router.get("/review/ledger", response={200: list[LedgerEntryOut], **_READ}, summary="Sổ theo dõi hằng năm của một hộ")
def ledger_history(request: HttpRequest, household: str) -> list[dict[str, Any]]:
    """Mọi mục của hộ qua các năm, kể cả mục đã được đính chính (``corrected_by`` khác rỗng: không còn
    được tính)."""
    found = selectors.household_for_ledger(user=request.user, code=household)
    rows = selectors.ledger_history(user=request.user, household_id=found.pk)
    return [_entry_out(r.entry, found.code, r.corrected_by.pk if r.corrected_by else None) for r in rows]


@router.post("/review/ledger/{entry_id}/corrections", response={201: LedgerEntryOut, **_WRITE},
             summary="Đính chính một mục của sổ theo dõi (lãnh đạo xã)")
def ledger_correct(request: HttpRequest, entry_id: Id, body: CorrectionIn) -> Status[dict[str, Any]]:
    entry = selectors.ledger_entry_get(user=request.user, pk=entry_id)
    correction = services.review_ledger_correct(actor=request.user, entry=entry, klass=body.klass,
                                                reason=body.reason)
    return Status(201, _entry_out(correction, entry.household.code))


@router.post("/review/ledger/removals/{household}", response={201: list[LedgerEntryOut], **_WRITE},
             summary="Đưa hộ ra khỏi danh sách (chuyển đi, giải thể, chết) — lãnh đạo xã")
def household_remove(request: HttpRequest, household: str, body: RemovalIn) -> Status[list[dict[str, Any]]]:
    found = selectors.household_for_ledger(user=request.user, code=household)
    created = services.review_household_remove(actor=request.user, household=found, effective_on=body.effective_on,
                                               reason=body.reason)
    return Status(201, [_entry_out(e, found.code) for e in created])
