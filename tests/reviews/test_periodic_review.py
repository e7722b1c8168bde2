"""A commune's whole periodic review through the services: list → survey → classify → village meeting
→ posting → complaint and re-check → recognition → certificates, then the ledger and the lock."""

from __future__ import annotations

import datetime as dt

import pytest

from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.reviews import services
from giamngheo.reviews.models import (
    CaseSource,
    Certificate,
    ComplaintOutcome,
    LedgerEntry,
    ReviewCase,
)
from giamngheo.reviews.states import CaseState

from .conftest import survey

pytestmark = pytest.mark.django_db


def _survey_and_classify(actor, case, klass, **kw):
    case = services.review_case_survey(actor=actor, case=case, record=survey(klass, **kw),
                                       expected_version=case.version, complete=True,
                                       causes=["capital"], wishes=["credit"])
    return services.review_case_classify(actor=actor, case=case)


def test_whole_periodic_review(unit_tree, cast, make_household):
    poor = make_household(unit_tree.hamlet, code="H1", head="Lò Văn Páo", current_class="poor")
    near = make_household(unit_tree.hamlet, code="H2", head="Trần Thị Bé", current_class="near_poor")
    make_household(unit_tree.hamlet, code="H3", head="Lê Văn Khá")  # not on any list
    proposed = make_household(unit_tree.hamlet, code="H4", head="Phạm Văn Mới")
    make_household(unit_tree.other_hamlet, code="X1", current_class="poor")  # another commune

    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    assert (cycle.opens_on, cycle.closes_on) == (dt.date(2025, 9, 1), dt.date(2025, 12, 14))
    assert cycle.national_standard == "2022-2025"
    drawn = {c.household.code: c.source for c in cycle.cases.select_related("household")}
    assert drawn == {"H1": CaseSource.CURRENT_LIST, "H2": CaseSource.CURRENT_LIST}

    added = services.review_case_add(actor=cast.surveyor, cycle=cycle, household=proposed, note="Mất mùa")
    assert added.source == CaseSource.HAMLET_PROPOSAL

    cases = {c.household.code: c for c in cycle.cases.select_related("household")}
    # H1 stays poor, H2 escapes near-poverty, H4 becomes poor.
    c1 = _survey_and_classify(cast.surveyor, cases["H1"], "poor", ethnicity="Thái")
    c2 = _survey_and_classify(cast.surveyor, cases["H2"], "average")
    c4 = _survey_and_classify(cast.surveyor, cases["H4"], "poor")
    assert (c1.proposed_class, c2.proposed_class, c4.proposed_class) == ("poor", "average", "poor")
    assert "hộ nghèo" in c1.results["2022-2025"]["explanation"]["text"].lower()

    meeting = services.review_meeting_record(
        actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, held_on=dt.date(2025, 10, 20), attendees=40,
        agreeing=20, chair_name="Trưởng ấp", secretary_name="Thư ký", minutes="Thống nhất.",
    )
    assert meeting.passed and meeting.cases.count() == 3
    posting = services.review_case_post(
        actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá ấp",
        starts_on=dt.date(2025, 10, 22), ends_on=dt.date(2025, 10, 24),
    )
    assert posting.cases.count() == 3

    # A neighbour complains about H4; the re-check upholds the result.
    complaint = services.review_complaint_file(
        actor=cast.officer, case=c4, received_on=dt.date(2025, 10, 23), complainant="Hàng xóm",
        content="Hộ có xe máy mới.",
    )
    c4.refresh_from_db()
    assert c4.state == CaseState.COMPLAINT
    with pytest.raises(ApplicationError):  # cannot recognise with an open complaint
        services.review_cycle_recognise(actor=cast.approver, cycle=cycle, number="12/QĐ-UBND",
                                        signed_on=dt.date(2025, 11, 5), signer_name="Chủ tịch A",
                                        signer_title="Chủ tịch UBND xã")
    services.review_complaint_resolve(actor=cast.officer, complaint=complaint,
                                      outcome=ComplaintOutcome.UPHELD_RESULT,
                                      resolution="Xe máy đi mượn; giữ nguyên kết quả.", resolved_on=dt.date(2025, 10, 25))
    c4.refresh_from_db()
    assert c4.state == CaseState.POSTED

    decision = services.review_cycle_recognise(
        actor=cast.approver, cycle=cycle, number="12/QĐ-UBND", signed_on=dt.date(2025, 11, 5),
        signer_name="Chủ tịch A", signer_title="Chủ tịch UBND xã",
    )
    cycle.refresh_from_db()
    assert cycle.is_locked
    entries = {e.household.code: e for e in LedgerEntry.objects.filter(decision=decision).select_related("household")}
    assert {k: e.klass for k, e in entries.items()} == {"H1": "poor", "H2": "average", "H4": "poor"}
    assert entries["H1"].ethnic_minority and not entries["H4"].ethnic_minority
    assert all(e.year == 2025 and e.series == "national" for e in entries.values())

    certificates = services.review_certificates_issue(actor=cast.approver, cycle=cycle, issued_on=dt.date(2025, 11, 6))
    assert [c.number for c in certificates] == ["1/GCN-HN.HCN", "2/GCN-HN.HCN"]
    assert {c.household.code for c in certificates} == {"H1", "H4"}
    holder = Certificate.objects.get(household=poor).holder
    assert holder["head_name"] == "Nguyễn Văn An" and holder["head_citizen_id"].isdigit()
    assert not {"income", "disability", "score_a", "deprivation_count"} & set(holder)
    states = dict(ReviewCase.objects.filter(cycle=cycle).values_list("household__code", "state"))
    assert states == {"H1": CaseState.CERTIFICATE_ISSUED, "H2": CaseState.RECOGNISED, "H4": CaseState.CERTIFICATE_ISSUED}

    # Every state change of every case is in the audit trail, with who did it.
    for case in ReviewCase.objects.filter(cycle=cycle):
        trail = list(AuditEntry.objects.filter(object_type="review_case", object_id=str(case.pk))
                     .exclude(changes={}).order_by("at", "id").values_list("changes", flat=True))
        moves = [c["state"][1] for c in trail if "state" in c]
        history = list(case.transitions.values_list("to_state", flat=True))
        assert moves == history
        assert history[0] == CaseState.LISTED and history[-1] == case.state
    assert AuditEntry.objects.filter(action="giamngheo.review.cycle_recognised", actor=cast.approver).exists()
    del near


def test_village_meeting_below_half_sends_cases_back_to_survey(unit_tree, cast, make_household):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = _survey_and_classify(cast.surveyor, cycle.cases.get(), "poor")

    # 4 of 9 is below 50%: the case goes back to the survey.
    failed = services.review_meeting_record(
        actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, held_on=dt.date(2025, 10, 1), attendees=9,
        agreeing=4, chair_name="Trưởng ấp", secretary_name="Thư ký",
    )
    case.refresh_from_db()
    assert not failed.passed and case.state == CaseState.LISTED and not case.survey_complete
    with pytest.raises(ApplicationError):  # nothing left to post
        services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                                  starts_on=dt.date(2025, 10, 2), ends_on=dt.date(2025, 10, 6))

    case = _survey_and_classify(cast.surveyor, case, "poor")
    # Exactly half is enough ("at least 50%").
    passed = services.review_meeting_record(
        actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, held_on=dt.date(2025, 10, 8), attendees=10,
        agreeing=5, chair_name="Trưởng ấp", secretary_name="Thư ký",
    )
    case.refresh_from_db()
    assert passed.passed and case.state == CaseState.MEETING


def test_meeting_refuses_impossible_counts(unit_tree, cast, make_household):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    _survey_and_classify(cast.surveyor, cycle.cases.get(), "poor")
    with pytest.raises(ValidationFailed) as err:
        services.review_meeting_record(
            actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, held_on=dt.date(2025, 10, 1), attendees=10,
            agreeing=11, chair_name="", secretary_name="Thư ký",
        )
    assert set(err.value.errors) == {"agreeing", "chair_name"}
    assert cycle.meetings.count() == 0


def test_illegal_transition_is_refused_with_a_message(unit_tree, cast, make_household):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    with pytest.raises(ApplicationError) as err:
        services.review_case_classify(actor=cast.surveyor, case=case)  # not surveyed yet
    assert "Chờ khảo sát" in err.value.message and "Đã phân loại" in err.value.message


def test_incomplete_survey_is_kept_as_draft_and_names_the_fields(unit_tree, cast, make_household):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    draft = {"reference_date": "2025-10-01", "area": "rural", "income": 1_000_000, "members": []}
    case = services.review_case_survey(actor=cast.surveyor, case=case, record=draft, expected_version=case.version)
    assert case.state == CaseState.LISTED and case.survey_record["income"] == 1_000_000
    with pytest.raises(ValidationFailed) as err:
        services.review_case_survey(actor=cast.surveyor, case=case, record=draft, expected_version=case.version,
                                    complete=True)
    assert "members" in err.value.errors
    case.refresh_from_db()
    assert case.state == CaseState.LISTED and case.survey_record["income"] == 1_000_000


def test_recognised_list_is_locked_for_its_year(unit_tree, cast, make_household):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    late = make_household(unit_tree.hamlet, code="H2")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = _survey_and_classify(cast.surveyor, cycle.cases.get(), "poor")
    services.review_meeting_record(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet,
                                   held_on=dt.date(2025, 10, 1), attendees=10, agreeing=9,
                                   chair_name="A", secretary_name="B")
    services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=dt.date(2025, 10, 2), ends_on=dt.date(2025, 10, 6))
    with pytest.raises(ValidationFailed):  # still within the posting period
        services.review_cycle_recognise(actor=cast.approver, cycle=cycle, number="1/QĐ", signed_on=dt.date(2025, 10, 4),
                                        signer_name="A", signer_title="Chủ tịch")
    services.review_cycle_recognise(actor=cast.approver, cycle=cycle, number="1/QĐ", signed_on=dt.date(2025, 10, 10),
                                    signer_name="A", signer_title="Chủ tịch")
    case.refresh_from_db()

    with pytest.raises(ApplicationError) as err:
        services.review_case_add(actor=cast.surveyor, cycle=cycle, household=late)
    assert "Mẫu 01" in err.value.message
    with pytest.raises(ApplicationError):
        services.review_case_survey(actor=cast.surveyor, case=case, record=survey("none"),
                                    expected_version=case.version, complete=True)
    with pytest.raises(ApplicationError):
        services.review_cycle_recognise(actor=cast.approver, cycle=cycle, number="2/QĐ",
                                        signed_on=dt.date(2025, 10, 11), signer_name="A", signer_title="Chủ tịch")
    assert LedgerEntry.objects.filter(household=case.household).count() == 1


def test_complaint_found_right_sends_case_back_to_survey(unit_tree, cast, make_household):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = _survey_and_classify(cast.surveyor, cycle.cases.get(), "poor")
    services.review_meeting_record(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet,
                                   held_on=dt.date(2025, 10, 1), attendees=10, agreeing=9,
                                   chair_name="A", secretary_name="B")
    services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=dt.date(2025, 10, 2), ends_on=dt.date(2025, 10, 6))
    complaint = services.review_complaint_file(actor=cast.officer, case=case, received_on=dt.date(2025, 10, 3),
                                               complainant="Ông B", content="Hộ mới xây nhà kiên cố.")
    services.review_complaint_resolve(actor=cast.officer, complaint=complaint, outcome=ComplaintOutcome.RESURVEY,
                                      resolution="Xác minh đúng; khảo sát lại.", resolved_on=dt.date(2025, 10, 5))
    case.refresh_from_db()
    complaint.refresh_from_db()
    assert case.state == CaseState.LISTED and complaint.status == "resolved"


def test_out_of_scope_users_cannot_act(unit_tree, cast, make_household, make_user):
    from django.http import Http404

    from giamngheo.accounts.roles import Role

    make_household(unit_tree.hamlet2, code="H9", current_class="poor")
    with pytest.raises(Http404):
        services.review_cycle_open(actor=cast.outsider, commune=unit_tree.commune, year=2025)
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    # The surveyor of hamlet 1 cannot survey a household of hamlet 2.
    with pytest.raises(Http404):
        services.review_case_survey(actor=cast.surveyor, case=case, record=survey("poor"),
                                    expected_version=case.version)
    # An officer cannot recognise; only the approver can.
    with pytest.raises(Http404):
        services.review_cycle_recognise(actor=cast.officer, cycle=cycle, number="1", signed_on=dt.date(2025, 12, 1),
                                        signer_name="A", signer_title="B")
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    with pytest.raises(Http404):
        services.review_case_survey(actor=viewer, case=case, record=survey("poor"), expected_version=case.version)
