"""``offline_draft_submit``: a draft from the phone is written once, re-classified on the server, never over
someone else's change, and refused with the messages by field when it is wrong."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.http import Http404

from giamngheo.core.models import AuditEntry
from giamngheo.offline import audit_codes
from giamngheo.offline.models import OfflineSubmission
from giamngheo.offline.services import ACCEPTED, CONFLICT, REFUSED, offline_draft_submit
from giamngheo.reviews.states import CaseState
from tests.reviews.conftest import survey

pytestmark = pytest.mark.django_db


def _audit(action: str, case: Any) -> int:
    return AuditEntry.objects.filter(action=action, object_id=str(case.pk)).count()


def test_a_draft_is_written_and_classified_by_the_server(listed: Any, cast: Any, make_draft: Any) -> None:
    answer = offline_draft_submit(actor=cast.surveyor, case=listed, draft=make_draft(listed, klass="poor"))
    assert answer.status == ACCEPTED
    listed.refresh_from_db()
    assert listed.state == CaseState.CLASSIFIED
    assert listed.survey_complete and listed.proposed_class == "poor"
    assert listed.causes == ["capital"] and listed.note == "Khảo sát trên điện thoại."
    assert answer.body["class"] == "poor" and answer.body["class_label"] == "Hộ nghèo"
    assert answer.body["results"][0]["text"]  # the server's own explanation goes back to the phone
    # The survey's facts reached the registry, as a survey on the server page does.
    listed.household.refresh_from_db()
    assert listed.household.income == 1_200_000
    assert _audit(audit_codes.RECEIVED, listed) == 1
    entry = AuditEntry.objects.get(action=audit_codes.RECEIVED, object_id=str(listed.pk))
    assert entry.actor == cast.surveyor and entry.unit_path == listed.unit_path


def test_the_same_key_sent_again_writes_nothing_twice(listed: Any, cast: Any, make_draft: Any) -> None:
    draft = make_draft(listed, klass="near_poor")
    first = offline_draft_submit(actor=cast.surveyor, case=listed, draft=draft)
    listed.refresh_from_db()
    version, transitions = listed.version, listed.transitions.count()
    again = offline_draft_submit(actor=cast.surveyor, case=listed, draft=draft)
    assert again.status == ACCEPTED and again.body["replayed"] is True
    assert again.body["class"] == first.body["class"]
    listed.refresh_from_db()
    assert (listed.version, listed.transitions.count()) == (version, transitions)
    assert _audit(audit_codes.RECEIVED, listed) == 1
    assert _audit("giamngheo.review.case_surveyed", listed) == 1
    assert OfflineSubmission.objects.filter(key=draft.key).count() == 1


def test_a_case_changed_on_the_server_meanwhile_is_a_conflict_and_nothing_is_written(
        listed: Any, cast: Any, make_draft: Any) -> None:
    from giamngheo.reviews import services

    draft = make_draft(listed, klass="poor")  # downloaded here
    server_record = survey("none")
    services.review_case_survey(actor=cast.officer, case=listed, record=server_record, expected_version=listed.version)
    listed.refresh_from_db()
    saved = (listed.version, listed.survey_record, listed.state)

    answer = offline_draft_submit(actor=cast.surveyor, case=listed, draft=draft)
    assert answer.status == CONFLICT
    listed.refresh_from_db()
    assert (listed.version, listed.survey_record, listed.state) == saved
    assert not OfflineSubmission.objects.exists()
    assert answer.body["case_version"] == listed.version
    rows = {row["path"]: row for row in answer.body["changes"]}
    assert rows["income"]["mine"] == "1.200.000" and rows["income"]["server"] == "5.000.000"
    assert rows["dwelling.latrine"]["mine"] == "Không có"
    assert rows["dwelling.latrine"]["label"] == "Nhà tiêu"
    assert answer.body["server_record"]["income"] == 5_000_000
    assert _audit(audit_codes.CONFLICT, listed) == 1

    # "Send mine on top of the new version": the same key, the versions the conflict named.
    again = make_draft(listed, key=draft.key, record=draft.record)
    assert offline_draft_submit(actor=cast.surveyor, case=listed, draft=again).status == ACCEPTED
    listed.refresh_from_db()
    assert listed.proposed_class == "poor"


def test_a_household_changed_on_the_server_meanwhile_is_a_conflict(listed: Any, cast: Any, make_draft: Any) -> None:
    from giamngheo.households.records import household_to_record
    from giamngheo.households.services import household_update

    draft = make_draft(listed)
    household = listed.household
    record = household_to_record(household, show_citizen_ids=True)
    record["income"] = 3_000_000
    household_update(actor=cast.officer, household=household, record=record, expected_version=household.version)
    answer = offline_draft_submit(actor=cast.surveyor, case=listed, draft=draft)
    assert answer.status == CONFLICT
    listed.refresh_from_db()
    assert listed.state == CaseState.LISTED and not listed.survey_record
    assert answer.body["household_version"] == draft.household_version + 1


def test_a_wrong_draft_is_refused_by_field_and_the_key_stays_free(listed: Any, cast: Any, make_draft: Any) -> None:
    record = survey("poor")
    del record["members"][0]["sex"]
    record["income"] = -5
    draft = make_draft(listed, record=record)
    answer = offline_draft_submit(actor=cast.surveyor, case=listed, draft=draft)
    assert answer.status == REFUSED
    assert set(answer.body["errors"]) >= {"income"}
    assert answer.body["message"]
    listed.refresh_from_db()
    assert listed.state == CaseState.LISTED and not listed.survey_record
    assert not OfflineSubmission.objects.exists()
    assert _audit(audit_codes.REFUSED, listed) == 1
    # Corrected on the phone and sent under the same key: written.
    fixed = make_draft(listed, key=draft.key, record=survey("poor"))
    assert offline_draft_submit(actor=cast.surveyor, case=listed, draft=fixed).status == ACCEPTED


def test_an_unanswered_question_the_standard_needs_is_refused_on_its_field(
        listed: Any, cast: Any, make_draft: Any) -> None:
    record = survey("poor")
    del record["members"][0]["health_insured"]
    answer = offline_draft_submit(actor=cast.surveyor, case=listed, draft=make_draft(listed, record=record))
    assert answer.status == REFUSED
    assert "members[0].health_insured" in answer.body["errors"]


def test_a_surveyor_of_another_hamlet_cannot_send_to_this_one(
        listed: Any, unit_tree: Any, make_user: Any, make_draft: Any) -> None:
    from giamngheo.accounts.roles import Role

    elsewhere = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet2)
    with pytest.raises(Http404):
        offline_draft_submit(actor=elsewhere, case=listed, draft=make_draft(listed))
    listed.refresh_from_db()
    assert listed.state == CaseState.LISTED and not OfflineSubmission.objects.exists()


def test_a_key_reused_for_another_case_is_refused(
        listed: Any, cast: Any, make_draft: Any, make_household: Any, unit_tree: Any) -> None:
    from giamngheo.reviews import services

    make_household(unit_tree.hamlet, code="H2", head="Lò Thị Mai")
    other = services.review_case_add(actor=cast.officer, cycle=listed.cycle,
                                     household=listed.household.__class__.objects.get(code="H2"))
    key = uuid.uuid4()
    assert offline_draft_submit(actor=cast.surveyor, case=listed, draft=make_draft(listed, key=key)).status == ACCEPTED
    answer = offline_draft_submit(actor=cast.surveyor, case=other, draft=make_draft(other, key=key))
    assert answer.status == REFUSED
    other.refresh_from_db()
    assert other.state == CaseState.LISTED


def test_a_case_past_the_survey_is_refused(listed: Any, cast: Any, make_draft: Any) -> None:
    import datetime as dt

    from giamngheo.reviews import services

    draft = make_draft(listed)
    services.review_case_survey(actor=cast.officer, case=listed, record=survey("poor"),
                                expected_version=listed.version, complete=True)
    services.review_case_classify(actor=cast.officer, case=listed)
    services.review_meeting_record(actor=cast.officer, cycle=listed.cycle, unit=listed.hamlet,
                                   held_on=dt.date(2025, 10, 1), attendees=30, agreeing=25, chair_name="A",
                                   secretary_name="B", minutes="Thống nhất.")
    listed.refresh_from_db()
    assert listed.state == CaseState.MEETING
    stale = make_draft(listed, key=draft.key, record=draft.record)  # even naming the newest versions
    answer = offline_draft_submit(actor=cast.surveyor, case=listed, draft=stale)
    assert answer.status == REFUSED
    listed.refresh_from_db()
    assert listed.state == CaseState.MEETING


def test_a_key_still_being_written_is_answered_pending_and_writes_nothing(
        listed: Any, cast: Any, make_draft: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second request with the key of a first one still at work (its row claimed, no answer yet) waits,
    then says so; it never writes the draft a second time."""
    from giamngheo.offline import services

    monkeypatch.setattr(services, "_WAIT_SECONDS", 0.3)
    draft = make_draft(listed)
    OfflineSubmission.objects.create(user=cast.surveyor, key=draft.key, case=listed)
    answer = offline_draft_submit(actor=cast.surveyor, case=listed, draft=draft)
    assert answer.status == services.PENDING
    listed.refresh_from_db()
    assert listed.state == CaseState.LISTED and not listed.survey_record
    assert _audit(audit_codes.RECEIVED, listed) == 0


def test_keys_older_than_any_phone_keeps_its_drafts_are_forgotten(listed: Any, cast: Any, make_draft: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    old = OfflineSubmission.objects.create(user=cast.surveyor, key=uuid.uuid4(), case=listed, answer={"status": "x"})
    recent = OfflineSubmission.objects.create(user=cast.surveyor, key=uuid.uuid4(), case=listed, answer={"status": "y"})
    OfflineSubmission.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=9))
    OfflineSubmission.objects.filter(pk=recent.pk).update(created_at=timezone.now() - dt.timedelta(days=7))
    offline_draft_submit(actor=cast.surveyor, case=listed, draft=make_draft(listed))
    assert not OfflineSubmission.objects.filter(pk=old.pk).exists()
    assert OfflineSubmission.objects.filter(pk=recent.pk).exists()
