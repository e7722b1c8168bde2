"""The regular in-year review: Form 01 / Form 04 requests, the 15-day deadline, recognition with a
certificate, refusal with written reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.reviews import selectors, services
from giamngheo.reviews.models import Certificate, CycleKind, LedgerEntry, RequestStatus, StatusSpan
from giamngheo.reviews.states import CaseState

from .conftest import survey

pytestmark = pytest.mark.django_db


def _through_posting(cast, unit_tree, case, klass, day):
    case = services.review_case_survey(actor=cast.surveyor, case=case, record=survey(klass, reference_date=day.isoformat()),
                                       expected_version=case.version, complete=True)
    services.review_case_classify(actor=cast.surveyor, case=case)
    services.review_meeting_record(actor=cast.officer, cycle=case.cycle, unit=unit_tree.hamlet, held_on=day,
                                   attendees=12, agreeing=10, chair_name="Trưởng ấp", secretary_name="Thư ký")
    services.review_case_post(actor=cast.officer, cycle=case.cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=day, ends_on=day + dt.timedelta(days=4))
    case.refresh_from_db()
    return case


def test_form_01_deadline_is_fifteen_days_and_overdue_is_flagged(unit_tree, cast, make_household):
    household = make_household(unit_tree.hamlet, code="H1")
    request = services.review_request_file(
        actor=cast.officer, household=household, form="01", received_on=dt.date(2026, 3, 3), channel="in_person",
        applicant_name="Nguyễn Văn An", content="Gia đình có người ốm nặng.",
    )
    assert request.deadline == dt.date(2026, 3, 18)
    case = request.cases.get()
    # Received on 3 March: the monthly cycle that opened on 15 February handles it.
    assert (case.cycle.kind, case.cycle.year, case.cycle.month) == (CycleKind.REGULAR, 2026, 2)
    assert case.cycle.standards[0]["id"] == "2026"

    on_time = selectors.requests_overdue(user=cast.officer, today=dt.date(2026, 3, 18))
    late = selectors.requests_overdue(user=cast.officer, today=dt.date(2026, 3, 19))
    assert list(on_time) == [] and list(late) == [request]
    assert list(selectors.requests_overdue(user=cast.outsider, today=dt.date(2026, 3, 19))) == []

    case = _through_posting(cast, unit_tree, case, "poor", dt.date(2026, 3, 5))
    decided = services.review_request_decide(
        actor=cast.approver, request=request, recognise=True, decided_on=dt.date(2026, 3, 16), number="5/QĐ-UBND",
        signer_name="Chủ tịch A", signer_title="Chủ tịch UBND xã",
    )
    assert decided.status == RequestStatus.RECOGNISED
    entry = LedgerEntry.objects.get(household=household)
    assert (entry.year, entry.klass, entry.effective_on, entry.kind) == (2026, "poor", dt.date(2026, 3, 16), "regular")
    span = StatusSpan.objects.get(household=household)  # the decision refreshed the status spans (docs/adr/0008)
    assert (span.entry_id, span.first_year, span.last_year, span.klass) == (entry.pk, 2026, None, "poor")
    certificate = Certificate.objects.get(household=household)
    assert certificate.number == "1/GCN-HN.HCN" and certificate.issued_on == dt.date(2026, 3, 16)
    case.refresh_from_db()
    assert case.state == CaseState.CERTIFICATE_ISSUED
    assert list(selectors.requests_overdue(user=cast.officer, today=dt.date(2026, 4, 30))) == []


def test_refusal_needs_written_reasons(unit_tree, cast, make_household):
    household = make_household(unit_tree.hamlet, code="H1", current_class="poor")
    request = services.review_request_file(
        actor=cast.officer, household=household, form="04", received_on=dt.date(2026, 4, 20), channel="online",
        applicant_name="Nguyễn Văn An",
    )
    case = _through_posting(cast, unit_tree, request.cases.get(), "poor", dt.date(2026, 4, 22))
    with pytest.raises(ValidationFailed) as err:
        services.review_request_decide(actor=cast.approver, request=request, recognise=False,
                                       decided_on=dt.date(2026, 4, 30))
    assert "refusal_reason" in err.value.errors
    services.review_request_decide(actor=cast.approver, request=request, recognise=False,
                                   decided_on=dt.date(2026, 5, 8),
                                   refusal_reason="Kết quả khảo sát: hộ vẫn thiếu hụt 5 chỉ số, chưa đủ điều kiện thoát nghèo.")
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == RequestStatus.REFUSED and case.state == CaseState.REFUSED
    assert request.decided_on > request.deadline  # late decisions are recorded, and flagged in the audit trail
    from giamngheo.core.models import AuditEntry

    assert AuditEntry.objects.get(action="giamngheo.review.request_refused", object_type="review_request").data["late"] is True
    assert not LedgerEntry.objects.filter(household=household).exists()
    with pytest.raises(ApplicationError):
        services.review_request_decide(actor=cast.approver, request=request, recognise=False,
                                       decided_on=dt.date(2026, 5, 9), refusal_reason="Lần hai")


def test_request_cannot_be_recognised_before_the_village_meeting(unit_tree, cast, make_household):
    household = make_household(unit_tree.hamlet, code="H1")
    request = services.review_request_file(
        actor=cast.officer, household=household, form="01", received_on=dt.date(2026, 3, 3), channel="post",
        applicant_name="Nguyễn Văn An",
    )
    with pytest.raises(ApplicationError):
        services.review_request_decide(actor=cast.approver, request=request, recognise=True,
                                       decided_on=dt.date(2026, 3, 10), number="1/QĐ", signer_name="A",
                                       signer_title="Chủ tịch")
    assert not LedgerEntry.objects.exists()


def test_request_during_the_periodic_window_joins_the_periodic_list(unit_tree, cast, make_household):
    household = make_household(unit_tree.hamlet, code="H1")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    request = services.review_request_file(
        actor=cast.officer, household=household, form="01", received_on=dt.date(2025, 9, 20), channel="in_person",
        applicant_name="Nguyễn Văn An",
    )
    case = request.cases.get()
    assert case.cycle == cycle and case.source == "form_01"
