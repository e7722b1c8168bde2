"""Issue 15 items 3, 4, 5 and 7 on the survey, and issue 13 classes 4 and 7 in the review:
completing a survey needs every answer the cycle's standards read, named on its field in Vietnamese;
the survey date is today's by default and lies in the cycle's window; a double tap acts once; a draft is
never of the wrong shape, a stored one of the wrong shape never breaks a page, and citizen IDs are
masked by key whatever their type; numbers and dates are bounded everywhere in the review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from giamngheo.accounts.roles import Role
from giamngheo.core.audit_display import change_rows
from giamngheo.core.dates import parse_date
from giamngheo.core.errors import ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.reviews import services
from giamngheo.reviews.models import CaseTransition, Certificate, ReviewCase
from giamngheo.reviews.states import CaseState

from .conftest import member, survey
from .test_views import _survey_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(unit_tree, cast, make_household):
    make_household(unit_tree.hamlet, code="H1", head="Nguyễn Văn An", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    return cycle.cases.get()


def _with_child(**child):
    record = survey("poor")
    record["members"].append(member("2", relation="child", name="Nguyễn Thị Bé", age=3, **child))
    return record


# ---------------------------------------------------------------- item 5: every answer the standards need


def test_completing_names_each_answer_the_standards_still_need(case, cast):
    record = _with_child()
    for key in ("school", "nutrition", "uses_internet", "health_insured"):
        record["members"][1].pop(key, None)
    record["members"][1]["health_insured"] = True
    with pytest.raises(ValidationFailed) as refused:
        services.review_case_survey(actor=cast.surveyor, case=case, record=record, expected_version=case.version,
                                    complete=True)
    errors = refused.value.errors
    assert errors["members[1].school"] == ["Nguyễn Thị Bé: chưa trả lời «Tình trạng đi học»."]
    assert "members[1].nutrition" in errors
    case.refresh_from_db()
    assert case.state == CaseState.LISTED and not case.survey_complete
    # A draft of the same answers is kept.
    services.review_case_survey(actor=cast.surveyor, case=case, record=record, expected_version=case.version)
    record["members"][1].update(school="appropriate_level", nutrition="normal", uses_internet=False)
    case.refresh_from_db()
    done = services.review_case_survey(actor=cast.surveyor, case=case, record=record, expected_version=case.version,
                                       complete=True)
    assert done.state == CaseState.SURVEYED


def test_the_survey_page_puts_the_missing_answer_on_the_member_field(case, cast, client_for):
    data = _survey_post(case, {
        "members-TOTAL_FORMS": "2", "members-1-member_id": "2", "members-1-relation": "child",
        "members-1-name": "Nguyễn Thị Bé", "members-1-sex": "female", "members-1-age": "3",
        "members-1-health_insured": "yes", "members-1-nutrition": "normal", "members-1-uses_internet": "no",
        "reference_date": "01/10/2025"}, action="complete")
    response = client_for(cast.surveyor).post(reverse("reviews:case", args=[case.pk]), data)
    assert response.status_code == 422
    member_forms = response.context["members"].forms
    assert member_forms[1].errors["school"] == ["Nguyễn Thị Bé: chưa trả lời «Tình trạng đi học»."]
    page = response.content.decode()
    assert "school" not in response.context["errors"][0] and "Thiếu trường bắt buộc" not in page


def test_engine_messages_reach_the_officer_in_field_labels(case, cast):
    record = survey("poor")
    record.pop("income")
    record["income_basis"] = "income"
    record["members"][0].pop("age")
    with pytest.raises(ValidationFailed) as refused:
        services.review_case_survey(actor=cast.surveyor, case=case, record=record, expected_version=case.version,
                                    complete=True)
    errors = refused.value.errors
    # On the empty field, not on income_basis, and without a record key.
    assert "income_basis" not in errors and "«Thu nhập bình quân" in errors["income"][0]
    assert errors["members[0].birth_date"] == ["Ghi «Ngày sinh» hoặc «Tuổi» của thành viên."]
    text = " ".join(m for msgs in errors.values() for m in msgs)
    for code in ("income_basis", "(birth_date)", "(reference_date)", "school_attendance", "Thiếu trường bắt buộc"):
        assert code not in text


def test_the_live_panel_names_the_missing_answers(case, cast, client_for):
    data = _survey_post(case, {"members-0-health_insured": ""})
    response = client_for(cast.surveyor).post(reverse("reviews:case_preview", args=[case.pk]), data)
    page = response.content.decode()
    assert "Lò Văn Páo: chưa trả lời «Có thẻ bảo hiểm y tế»." in page
    assert "Thiếu trường bắt buộc" not in page


# ---------------------------------------------------------------- item 3: dates


@pytest.mark.parametrize("typed", ["02/12/2026", "2/12/2026", "02-12-2026", "02.12.2026", "02122026", "2026-12-02"])
def test_dates_are_understood_as_typed_on_a_phone(typed):
    assert parse_date(typed) == dt.date(2026, 12, 2)


@pytest.mark.parametrize("typed", ["31/02/2026", "1/1/1", "31/12/9999", "01/01/0001", "2026", "12/2026", "abc"])
def test_impossible_dates_are_refused(typed):
    assert parse_date(typed) is None


def test_the_survey_date_defaults_to_today(case, cast, client_for):
    page = client_for(cast.surveyor).get(reverse("reviews:case", args=[case.pk]))
    assert page.context["form"]["reference_date"].value() == timezone.localdate()


def test_a_survey_date_outside_the_window_needs_a_confirmation(case, cast, client_for):
    client = client_for(cast.surveyor)
    url = reverse("reviews:case", args=[case.pk])
    outside = client.post(url, _survey_post(case, {"reference_date": "15012027"}, action="complete"))
    assert outside.status_code == 422
    assert "ngoài thời gian của đợt (01/09/2025–14/12/2025)" in outside.context["form"].errors["reference_date"][0]
    case.refresh_from_db()
    assert case.state == CaseState.LISTED
    confirmed = client.post(url, _survey_post(case, {"reference_date": "15.12.2025", "date_confirmed": "on"},
                                              action="complete"))
    assert confirmed.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SURVEYED and case.surveyed_on == dt.date(2025, 12, 15)


# ---------------------------------------------------------------- item 7: one submit per action


def test_a_double_tap_acts_once_and_blames_nobody(case, cast, client_for):
    client = client_for(cast.surveyor)
    url = reverse("reviews:case", args=[case.pk])
    data = _survey_post(case, {"idempotency_key": "tap-0123456789"}, action="complete")
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    page = client.get(url).content.decode()
    assert page.count("Đã hoàn thành phiếu khảo sát") == 1
    assert "vừa được người khác lưu" not in page
    assert CaseTransition.objects.filter(case=case, to_state=CaseState.SURVEYED).count() == 1
    # A new rendering carries a new key: a real second save is a second action.
    case.refresh_from_db()
    again = client.post(url, _survey_post(case, {"idempotency_key": "tap-9876543210"}))
    assert again.status_code == 302


def test_a_refused_submit_releases_its_key(case, cast, client_for):
    client = client_for(cast.surveyor)
    url = reverse("reviews:case", args=[case.pk])
    key = {"idempotency_key": "retry-0123456789"}
    refused = client.post(url, _survey_post(case, {**key, "members-0-relation": "child"}, action="complete"))
    assert refused.status_code == 422
    fixed = client.post(url, _survey_post(case, key, action="complete"))
    assert fixed.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SURVEYED


def test_a_double_certificate_click_issues_one_set(case, cast, unit_tree, client_for):
    case = services.review_case_survey(actor=cast.surveyor, case=case, record=survey("poor"),
                                       expected_version=case.version, complete=True)
    services.review_case_classify(actor=cast.surveyor, case=case)
    services.review_meeting_record(actor=cast.officer, cycle=case.cycle, unit=unit_tree.hamlet,
                                   held_on=dt.date(2025, 10, 1), attendees=10, agreeing=9, chair_name="A",
                                   secretary_name="B")
    services.review_case_post(actor=cast.officer, cycle=case.cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=dt.date(2025, 10, 2), ends_on=dt.date(2025, 10, 8))
    services.review_cycle_recognise(actor=cast.approver, cycle=case.cycle, number="1/QĐ-UBND",
                                    signed_on=dt.date(2025, 10, 10), signer_name="C", signer_title="Chủ tịch")
    client = client_for(cast.approver)
    url = reverse("reviews:cycle_certificates", args=[case.cycle.pk])
    data = {"issued_on": "11/10/2025", "idempotency_key": "cert-0123456789"}
    responses = [client.post(url, data) for _ in range(2)]
    assert [r.status_code for r in responses] == [302, 302]
    page = client.get(reverse("reviews:cycle", args=[case.cycle.pk])).content.decode()
    assert "Đã cấp 1 giấy chứng nhận" in page and "Đã cấp 0" not in page
    assert Certificate.objects.filter(case__cycle=case.cycle).count() == 1


# ---------------------------------------------------------------- issue 13 class 4: drafts and masking


def test_a_draft_of_the_wrong_shape_is_refused(case, cast, api_client_for):
    record = survey("poor")
    record["members"][0]["citizen_id"] = 79201012345
    with pytest.raises(ValidationFailed) as refused:
        services.review_case_survey(actor=cast.surveyor, case=case, record=record, expected_version=case.version)
    assert "members[0].citizen_id" in refused.value.errors
    for bad in ({"members": "nobody"}, {"income": "nhiều"}, {"dwelling": [1, 2]}, {"surprise": True}):
        response = api_client_for(cast.surveyor).post(
            f"/api/v1/review/cases/{case.pk}/survey", {"record": {**survey("poor"), **bad}, "expected_version":
                                                       case.version}, content_type="application/json")
        assert response.status_code == 422, bad
    case.refresh_from_db()
    assert case.survey_record == {}


def test_a_stored_draft_of_the_wrong_shape_never_breaks_a_page(case, cast, unit_tree, make_user, client_for,
                                                              api_client_for):
    record = survey("poor")
    record["members"][0]["citizen_id"] = 79201012345
    record["members"].append("not a member")
    ReviewCase.objects.filter(pk=case.pk).update(survey_record=record)
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    for user in (cast.surveyor, cast.officer, viewer):
        page = client_for(user).get(reverse("reviews:case", args=[case.pk]))
        assert page.status_code == 200
        assert "không hiện ra: «Số định danh cá nhân», «Thành viên 2»" in page.content.decode()
        response = api_client_for(user).get(f"/api/v1/review/cases/{case.pk}")
        assert response.status_code == 200
    shown = api_client_for(viewer).get(f"/api/v1/review/cases/{case.pk}").content.decode()
    assert "79201012345" not in shown and "345" in shown
    ReviewCase.objects.filter(pk=case.pk).update(survey_record=["not", "a", "record"])
    assert client_for(cast.surveyor).get(reverse("reviews:case", args=[case.pk])).status_code == 200
    assert api_client_for(viewer).get(f"/api/v1/review/cases/{case.pk}").status_code == 200


@pytest.mark.parametrize("value", [79201012345, 7.9201012345e10, {"so": "079201012345"}, ["079201012345"]])
def test_citizen_ids_are_masked_by_key_whatever_their_type(value):
    entry = AuditEntry(object_type="review_case", changes={
        "survey_record": [None, {"members": [{"id": "1", "citizen_id": value}]}], "citizen_id": [value, None]})
    shown = " ".join(row.before + row.after for row in change_rows(entry, show_citizen_ids=False))
    assert "7920101234" not in shown


# ---------------------------------------------------------------- issue 13 class 7: bounds


def test_numbers_and_dates_out_of_bounds_answer_422_naming_the_field(reviewed, cast, api_client_for, client_for):
    officer = api_client_for(cast.officer)
    cycle = reviewed.cycle.pk
    huge = 10**23
    meeting = officer.post(f"/api/v1/review/cycles/{cycle}/meetings", {
        "unit": "x", "held_on": "2025-10-01", "attendees": huge, "agreeing": huge, "chair_name": "A",
        "secretary_name": "B", "case_ids": [huge]}, content_type="application/json")
    assert meeting.status_code == 422
    assert {tuple(d["loc"][-1:]) for d in meeting.json()["detail"]} >= {("attendees",)}
    for received_on in ("9999-12-31", "0001-01-01"):
        response = officer.post("/api/v1/review/requests", {
            "household": reviewed.case.household.code, "form": "01", "received_on": received_on,
            "channel": "in_person", "applicant_name": "A"}, content_type="application/json")
        assert response.status_code == 422, received_on
        assert response.json()["detail"][0]["loc"][-1] == "received_on"
    assert officer.get(f"/api/v1/review/cycles?year={huge}").status_code == 422
    assert officer.get(f"/api/v1/review/cases/{huge}").status_code in (404, 422)
    web = client_for(cast.officer)
    assert web.get(reverse("reviews:cycle", args=[cycle]) + f"?hamlet={huge}").status_code == 200
    form = web.post(reverse("reviews:requests"), {"household": reviewed.case.household.code, "form": "01",
                                                  "received_on": "31/12/9999", "channel": "in_person",
                                                  "applicant_name": "A"})
    assert form.status_code == 422 and form.context["form"].errors["received_on"]


def test_meeting_counts_are_bounded_in_the_service_and_the_form(unit_tree, cast, make_household, client_for):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    with pytest.raises(ValidationFailed) as refused:
        services.review_meeting_record(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet,
                                       held_on=dt.date(2025, 10, 1), attendees=10**23, agreeing=10**22,
                                       chair_name="A", secretary_name="B")
    assert "attendees" in refused.value.errors
    with pytest.raises(ValidationFailed) as far:
        services.review_meeting_record(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet,
                                       held_on=dt.date(1, 1, 1), attendees=10, agreeing=9, chair_name="A",
                                       secretary_name="B")
    assert "held_on" in far.value.errors
    response = client_for(cast.officer).post(reverse("reviews:cycle_meeting", args=[cycle.pk]), {
        "unit": unit_tree.hamlet.pk, "held_on": "01/10/2025", "attendees": str(10**23), "agreeing": "1",
        "chair_name": "A", "secretary_name": "B"})
    assert response.status_code == 422 and response.context["meeting_form"].errors["attendees"]


# ---------------------------------------------------------------- item 2: a lock that outlasts the timeout


def test_a_database_still_locked_shows_a_vietnamese_message_and_keeps_the_input(case, cast, client_for,
                                                                               monkeypatch):
    from django.db import OperationalError

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "review_case_survey", locked)
    data = _survey_post(case, {"income": "1.234.000"})
    response = client_for(cast.surveyor).post(reverse("reviews:case", args=[case.pk]), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Hệ thống đang bận ghi dữ liệu khác" in page and "1.234.000" in page


# ---------------------------------------------------------------- item 9: only what the cycle's standards read


def test_the_survey_asks_only_what_the_cycles_standards_read(case, cast, client_for):
    from giamngheo.households.models import Member

    Member.objects.filter(household=case.household).update(uses_phone=True)
    client = client_for(cast.surveyor)
    page = client.get(reverse("reviews:case", args=[case.pk]))
    # 2022–2025 reads neither the phone subscription nor the loudspeaker (2016–2020 questions).
    assert "hears_loudspeaker" not in page.context["form"].fields
    assert "uses_phone" not in page.context["members"].forms[0].fields
    assert "Chỉ dùng cho chuẩn 2016–2020" not in page.content.decode()
    response = client.post(reverse("reviews:case", args=[case.pk]), _survey_post(case))
    assert response.status_code == 302
    case.refresh_from_db()
    # What the form did not ask is carried over, not erased.
    assert case.survey_record["members"][0]["uses_phone"] is True


def test_rarely_used_answers_are_folded_away_unless_answered(case, cast, client_for):
    """Score A, its basis and the working-age override: a surveyor almost never gives them, so they sit folded
    under "Câu hỏi ít dùng"; once one holds an answer it is shown unfolded (nothing typed is hidden)."""
    import re

    from giamngheo.households.models import Member

    client = client_for(cast.surveyor)
    html = client.get(reverse("reviews:case", args=[case.pk])).content.decode()
    folded = re.findall(r"<details class=\"rare-fields\"( open)?>(.*?)</details>", html, flags=re.S)
    assert folded and not any(is_open for is_open, _body in folded)
    bodies = " ".join(body for _is_open, body in folded)
    assert 'name="score_a"' in bodies and 'name="members-0-working_age"' in bodies
    main = re.sub(r"<details class=\"rare-fields\".*?</details>", "", html, flags=re.S)
    assert 'name="score_a"' not in main and 'name="income"' in main

    Member.objects.filter(household=case.household).update(working_age=True)
    html = client.get(reverse("reviews:case", args=[case.pk])).content.decode()
    member_part = html[html.index('id="member-0"'):]
    assert re.search(r"<details class=\"rare-fields\" open>\s*<summary>[^<]*</summary>\s*<div class=\"form-grid\">"
                     r".*?name=\"members-0-working_age\"", member_part, flags=re.S)


def test_every_birth_date_the_record_accepts_can_be_typed_into_a_form():
    from giamngheo.standards.record import EARLIEST_BIRTH

    assert parse_date(EARLIEST_BIRTH.strftime("%d/%m/%Y")) == EARLIEST_BIRTH
    assert parse_date("02.01.1895") == dt.date(1895, 1, 2)


def test_a_completed_survey_refused_for_a_duplicate_citizen_id_leaves_its_audit_entry(case, cast, unit_tree,
                                                                                      make_household):
    """The refusal is audited (issue 13, class 3) even though the survey's own transaction rolls back: otherwise
    probing IDs through the survey would leave no trace."""
    other = make_household(unit_tree.hamlet2, code="H2", head="Trần Văn Khác")
    other.members.update(citizen_id="079201099999")
    record = survey("poor")
    record["members"][0]["citizen_id"] = "079201099999"
    with pytest.raises(ValidationFailed) as refused:
        services.review_case_survey(actor=cast.surveyor, case=case, record=record, expected_version=case.version,
                                    complete=True)
    assert "members[0].citizen_id" in refused.value.errors
    entry = AuditEntry.objects.get(action="giamngheo.household.duplicate_citizen_id_refused")
    assert entry.actor == cast.surveyor and "079201099999" not in str(entry.changes) + entry.object_repr
    case.refresh_from_db()
    assert not case.survey_complete
