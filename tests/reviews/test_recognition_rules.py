"""Issue 15 items 1 and 8: a decision is never dated after today nor before the posting period is over;
the posting period has a province minimum (03 working days by default); complaints stay possible until
then; a refusal says how many households are at which step in each hamlet and the earliest signing date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.reviews import services
from giamngheo.reviews.models import ReviewCalendar
from giamngheo.reviews.states import CaseState

from .conftest import survey

pytestmark = pytest.mark.django_db

# Thursday 3 December 2026, the day of the usability test.
TODAY = dt.date(2026, 12, 3)


def _met(unit_tree, cast, make_household, hamlets=("hamlet",)):
    for i, name in enumerate(hamlets):
        make_household(getattr(unit_tree, name), code=f"H{i}", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2026)
    for case in cycle.cases.all():
        case = services.review_case_survey(actor=cast.officer, case=case, record=survey("poor",
                                           reference_date="2026-10-01"), expected_version=case.version,
                                           complete=True, today=TODAY)
        services.review_case_classify(actor=cast.officer, case=case)
    for name in hamlets:
        services.review_meeting_record(actor=cast.officer, cycle=cycle, unit=getattr(unit_tree, name),
                                       held_on=dt.date(2026, 11, 30), attendees=10, agreeing=8, chair_name="A",
                                       secretary_name="B", today=TODAY)
    return cycle


def _recognise(cast, cycle, signed_on, today=TODAY):
    return services.review_cycle_recognise(actor=cast.approver, cycle=cycle, number="9/QĐ-UBND", signed_on=signed_on,
                                           signer_name="C", signer_title="Chủ tịch", today=today)


def test_a_posting_shorter_than_the_minimum_is_refused(unit_tree, cast, make_household):
    cycle = _met(unit_tree, cast, make_household)
    with pytest.raises(ValidationFailed) as one_day:
        services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                                  starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 1), today=TODAY)
    assert "3 ngày làm việc" in one_day.value.errors["ends_on"][0]
    # Friday to Monday is two working days (the weekend does not count).
    with pytest.raises(ValidationFailed):
        services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                                  starts_on=dt.date(2026, 12, 4), ends_on=dt.date(2026, 12, 7), today=TODAY)
    assert cycle.cases.get().state == CaseState.MEETING
    posting = services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                                        starts_on=dt.date(2026, 12, 3), ends_on=dt.date(2026, 12, 7), today=TODAY)
    assert posting.cases.count() == 1


def test_the_minimum_posting_period_is_a_province_setting(unit_tree, cast, make_household):
    ReviewCalendar.objects.create(province=unit_tree.province, min_posting_days=5)
    cycle = _met(unit_tree, cast, make_household)
    with pytest.raises(ValidationFailed) as short:
        services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                                  starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 4), today=TODAY)
    assert "5 ngày làm việc" in short.value.errors["ends_on"][0]
    services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 7), today=TODAY)


def test_a_decision_dated_after_today_is_refused_and_nothing_is_locked(unit_tree, cast, make_household):
    cycle = _met(unit_tree, cast, make_household)
    services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 7), today=TODAY)
    # The usability test: on 03/12 a decision dated 08/12 (after the posting's end on 07/12).
    with pytest.raises(ValidationFailed) as future:
        _recognise(cast, cycle, dt.date(2026, 12, 8))
    assert "signed_on" in future.value.errors
    cycle.refresh_from_db()
    assert not cycle.is_locked and not cycle.decisions.exists()
    # Complaints are still taken: the posted notice invites them during the posting period.
    services.review_complaint_file(actor=cast.officer, case=cycle.cases.get(), received_on=TODAY,
                                   complainant="Ông B", content="Xin xem lại.", today=TODAY)


def test_recognition_waits_for_the_end_of_every_posting_period(unit_tree, cast, make_household):
    cycle = _met(unit_tree, cast, make_household)
    services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 7), today=TODAY)
    later = dt.date(2026, 12, 10)
    with pytest.raises(ValidationFailed) as during:
        _recognise(cast, cycle, dt.date(2026, 12, 7), today=later)
    assert "08/12/2026" in during.value.errors["signed_on"][0]
    assert "đang niêm yết đến 07/12/2026" in during.value.message
    decision = _recognise(cast, cycle, dt.date(2026, 12, 8), today=later)
    assert decision.signed_on == dt.date(2026, 12, 8)


def test_refusal_counts_each_step_per_hamlet_and_gives_the_earliest_signing_date(unit_tree, cast, make_household):
    cycle = _met(unit_tree, cast, make_household, hamlets=("hamlet", "hamlet2"))
    services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 7), today=TODAY)
    make_household(unit_tree.hamlet2, code="LATE")
    services.review_case_add(actor=cast.officer, cycle=cycle, household=unit_tree.hamlet2.parent.households.get(
        code="LATE"))
    with pytest.raises(ApplicationError) as refused:
        _recognise(cast, cycle, TODAY)
    message = refused.value.message
    assert f"{unit_tree.hamlet.name}: 1 hộ đang niêm yết đến 07/12/2026" in message
    assert f"{unit_tree.hamlet2.name}: 1 hộ chưa khảo sát xong, 1 hộ chờ niêm yết" in message
    # Hamlet 2 still has to post for 3 working days from today (Thu 03, Fri 04, Mon 07): 08/12 at the soonest.
    assert "08/12/2026" in message
    assert refused.value.extra["earliest_signing_date"] == dt.date(2026, 12, 8)


def test_the_decision_form_refuses_tomorrow(unit_tree, cast, make_household, client_for):
    today = timezone.localdate()
    cycle = _met(unit_tree, cast, make_household)
    response = client_for(cast.approver).post(reverse("reviews:cycle_recognise", args=[cycle.pk]), {
        "number": "9/QĐ-UBND", "signed_on": (today + dt.timedelta(days=1)).strftime("%d/%m/%Y"),
        "signer_name": "C", "signer_title": "Chủ tịch"})
    assert response.status_code == 422
    assert "không được sau ngày hôm nay" in response.content.decode()
    cycle.refresh_from_db()
    assert not cycle.is_locked
