"""What a phone downloads: only the cases its user surveys in open cycles, only the answers the survey form
asks, the server form's own fields, the standards of the cases' cycles, at most the configured number of
cases — and every household carried is noted as read."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.offline.selectors import offline_bundle, record_for_phone
from giamngheo.privacy.models import ReadRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_cases(listed: Any, cast: Any, make_household: Any, unit_tree: Any) -> dict[str, Any]:  # noqa: F811
    """H1 (hamlet h1, listed), H2 (hamlet h2, listed), H3 (hamlet h1, past the village meeting)."""
    import datetime as dt

    from giamngheo.households.models import Household
    from giamngheo.reviews import services
    from tests.reviews.conftest import survey

    make_household(unit_tree.hamlet2, code="H2", head="Quàng Thị Xuân")
    make_household(unit_tree.hamlet, code="H3", head="Cầm Văn Ơn")
    cycle = listed.cycle
    h2 = services.review_case_add(actor=cast.officer, cycle=cycle, household=Household.objects.get(code="H2"))
    h3 = services.review_case_add(actor=cast.officer, cycle=cycle, household=Household.objects.get(code="H3"))
    h3 = services.review_case_survey(actor=cast.officer, case=h3, record=survey("poor"), expected_version=h3.version,
                                     complete=True)
    services.review_case_classify(actor=cast.officer, case=h3)
    services.review_meeting_record(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet,
                                   held_on=dt.date(2025, 10, 1), attendees=30, agreeing=25, chair_name="A",
                                   secretary_name="B", minutes="Thống nhất.")
    return {"H1": listed, "H2": h2, "H3": h3}


def _codes(bundle: dict[str, Any]) -> list[str]:
    return [case["household"]["code"] for case in bundle["cases"]]


def test_each_user_downloads_the_surveyable_cases_of_their_own_units_only(
        three_cases: Any, cast: Any, unit_tree: Any, make_user: Any) -> None:
    assert _codes(offline_bundle(user=cast.surveyor)[0]) == ["H1"]  # H3 is past the meeting, H2 another hamlet
    assert sorted(_codes(offline_bundle(user=cast.officer)[0])) == ["H1", "H2"]
    assert _codes(offline_bundle(user=cast.officer, hamlet_id=unit_tree.hamlet2.pk)[0]) == ["H2"]
    elsewhere = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet2)
    assert _codes(offline_bundle(user=elsewhere)[0]) == ["H2"]
    assert _codes(offline_bundle(user=elsewhere, hamlet_id=unit_tree.hamlet.pk)[0]) == []
    assert offline_bundle(user=cast.outsider)[0]["cases"] == []
    assert offline_bundle(user=cast.approver)[0]["cases"] == []  # approvers do not survey


def test_the_download_carries_only_what_the_form_asks(listed: Any, cast: Any) -> None:
    bundle, households = offline_bundle(user=cast.surveyor)
    (case,) = bundle["cases"]
    assert [h.code for h in households] == ["H1"]
    record = case["record"]
    assert not {"id", "year", "province_code", "commune_code", "hamlet"} & set(record)
    form = bundle["cycles"][str(case["cycle"])]["form"]
    asked = {spec["name"] for group in form["members"] for spec in group["fields"]}
    assert set(record["members"][0]) - {"id"} <= asked
    assert "uses_phone" not in asked and "ill_untreated" not in asked  # 2016–2020 questions, not this cycle's
    assert case["version"] == listed.version and case["household"]["version"] == listed.household.version
    assert set(bundle["standards"]) == {ref["id"] for ref in listed.cycle.standards}
    assert bundle["record_rules"] and bundle["keep_days"] == 7 and bundle["lock_minutes"] == 5


def test_the_phone_form_is_the_server_survey_form(listed: Any, cast: Any) -> None:
    from giamngheo.reviews.views.case import _survey_forms

    form = offline_bundle(user=cast.surveyor)[0]["cycles"][str(listed.cycle_id)]["form"]
    server_household, server_members = _survey_forms(listed, cast.surveyor)
    phone = [(spec["name"], spec["label"]) for group in form["household"] for spec in group["fields"]]
    server = [(name, str(server_household.fields[name].label)) for _title, names in server_household.GROUPS
              for name in names]
    assert phone == server
    member_form = server_members.empty_form
    phone_members = [(spec["name"], spec["label"]) for group in form["members"] for spec in group["fields"]]
    server_members_fields = [(name, str(field.label)) for name, field in member_form.fields.items()
                             if name not in ("member_id", "DELETE")]
    assert sorted(phone_members) == sorted(server_members_fields)
    latrine = next(spec for group in form["household"] for spec in group["fields"] if spec["name"] == "latrine")
    assert latrine["path"] == "dwelling.latrine" and latrine["kind"] == "choice"
    assert ["none", "Không có"] in latrine["choices"]
    # A value the server form cannot read gets the server form's own message on the phone too.
    fields = {spec["name"]: spec for group in form["household"] for spec in group["fields"]}
    assert fields["income"]["invalid"] == str(server_household.fields["income"].error_messages["invalid"])
    assert fields["income"]["invalid"] == "Hãy nhập một số nguyên, ví dụ 1.500.000."
    assert fields["reference_date"]["invalid"].startswith("Ngày không hợp lệ")


def test_citizen_ids_go_only_to_a_role_that_may_read_them() -> None:
    record = {"members": [{"id": "1", "name": "A", "citizen_id": "079201000001"}], "income": 5}
    assert "citizen_id" in record_for_phone(record, frozenset(), show_citizen_ids=True)["members"][0]
    assert "citizen_id" not in record_for_phone(record, frozenset(), show_citizen_ids=False)["members"][0]
    assert "income" not in record_for_phone(record, frozenset({"income"}), show_citizen_ids=True)


def test_the_download_is_bounded(three_cases: Any, cast: Any, settings: Any) -> None:
    settings.GIAMNGHEO_OFFLINE_MAX_CASES = 1
    bundle = offline_bundle(user=cast.officer)[0]
    assert len(bundle["cases"]) == 1 and bundle["truncated"] is True and bundle["max_cases"] == 1


def test_the_download_route_notes_each_household_as_read(listed: Any, cast: Any, client_for: Any) -> None:
    response = client_for(cast.surveyor).get(reverse("offline:bundle"))
    assert response.status_code == 200
    assert [c["household"]["code"] for c in response.json()["cases"]] == ["H1"]
    assert response.json()["csrf"]
    reads = ReadRecord.objects.filter(reader=cast.surveyor, object_id="H1")
    assert reads.count() == 1 and reads.get().channel == "export"


@pytest.mark.parametrize("value", ["0", "-1", "abc", "9" * 11, str(2**31), "1.5"])
def test_the_hamlet_parameter_is_bounded(value: str, listed: Any, cast: Any, client_for: Any) -> None:
    response = client_for(cast.officer).get(reverse("offline:bundle"), {"thon": value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["thon"]
