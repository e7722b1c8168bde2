"""The review API: cycles, cases, each transition as a POST, requests, and the movements table —
scoped like the pages (out of scope → 404)."""

from __future__ import annotations

import datetime as dt

import pytest

from giamngheo.reviews import services
from giamngheo.reviews.models import LedgerEntry

from .conftest import survey

pytestmark = pytest.mark.django_db


def test_a_review_through_the_api(unit_tree, cast, make_household, api_client_for):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    officer, surveyor, approver = (api_client_for(u) for u in (cast.officer, cast.surveyor, cast.approver))

    response = officer.post("/api/v1/review/cycles", {"commune": unit_tree.commune.code, "year": 2025},
                            content_type="application/json")
    assert response.status_code == 201, response.content
    cycle = response.json()
    assert cycle["cases_by_state"] == {"listed": 1} and cycle["standards"] == ["2022-2025"]
    case = officer.get(f"/api/v1/review/cycles/{cycle['id']}/cases").json()[0]

    response = surveyor.post(f"/api/v1/review/cases/{case['id']}/survey",
                             {"record": survey("poor"), "expected_version": case["version"], "complete": True,
                              "causes": ["capital", "illness_disability"], "wishes": ["credit"]},
                             content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "surveyed"
    classified = surveyor.post(f"/api/v1/review/cases/{case['id']}/classify").json()
    assert classified["classes"] == {"2022-2025": "poor"} and "HỘ NGHÈO" in classified["explanation"]["2022-2025"]

    # The hamlet surveyor may not record the meeting (a commune officer's job): 404, not 403.
    body = {"unit": unit_tree.hamlet.code, "held_on": "2025-10-10", "attendees": 20, "agreeing": 15,
            "chair_name": "Trưởng ấp", "secretary_name": "Thư ký"}
    assert surveyor.post(f"/api/v1/review/cycles/{cycle['id']}/meetings", body,
                         content_type="application/json").status_code == 404
    meeting = officer.post(f"/api/v1/review/cycles/{cycle['id']}/meetings", body, content_type="application/json")
    assert meeting.status_code == 201 and meeting.json()["passed"] is True
    posting = officer.post(f"/api/v1/review/cycles/{cycle['id']}/postings",
                           {"unit": unit_tree.hamlet.code, "place": "Nhà văn hoá", "starts_on": "2025-10-13",
                            "ends_on": "2025-10-15"}, content_type="application/json")
    assert posting.status_code == 201
    early = approver.post(f"/api/v1/review/cycles/{cycle['id']}/recognise",
                          {"number": "9/QĐ-UBND", "signed_on": "2025-10-12", "signer_name": "A",
                           "signer_title": "Chủ tịch"}, content_type="application/json")
    assert early.status_code == 422 and early.json()["detail"][0]["loc"][-1] == "signed_on"
    decision = approver.post(f"/api/v1/review/cycles/{cycle['id']}/recognise",
                             {"number": "9/QĐ-UBND", "signed_on": "2025-10-20", "signer_name": "A",
                              "signer_title": "Chủ tịch"}, content_type="application/json")
    assert decision.status_code == 201
    certificates = approver.post(f"/api/v1/review/cycles/{cycle['id']}/certificates", {"issued_on": "2025-10-21"},
                                 content_type="application/json").json()
    assert [c["number"] for c in certificates] == ["1/GCN-HN.HCN"]
    detail = officer.get(f"/api/v1/review/cases/{case['id']}").json()
    assert [h["to"] for h in detail["history"]] == ["listed", "surveyed", "classified", "meeting", "posted",
                                                    "recognised", "certificate_issued"]


def test_illegal_transition_answers_422_with_the_reason(unit_tree, cast, make_household, api_client_for):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    response = api_client_for(cast.surveyor).post(f"/api/v1/review/cases/{case.pk}/classify")
    assert response.status_code == 422
    assert "Chờ khảo sát" in response.json()["detail"][0]["msg"]


def test_outsider_reaches_no_cycle_case_or_request(unit_tree, cast, make_household, api_client_for):
    household = make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    request = services.review_request_file(actor=cast.officer, household=household, form="04",
                                           received_on=dt.date(2026, 2, 20), channel="online", applicant_name="A")
    outsider = api_client_for(cast.outsider)
    assert outsider.get("/api/v1/review/cycles").json() == []
    assert outsider.get("/api/v1/review/requests").json() == []
    for url in (f"/api/v1/review/cycles/{cycle.pk}", f"/api/v1/review/cycles/{cycle.pk}/cases",
                f"/api/v1/review/cases/{case.pk}"):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/api/v1/review/cases/{case.pk}/classify").status_code == 404
    assert outsider.post(f"/api/v1/review/requests/{request.pk}/decide",
                         {"recognise": False, "decided_on": "2026-03-01", "refusal_reason": "x"},
                         content_type="application/json").status_code == 404
    assert outsider.get("/api/v1/movements", {"unit": unit_tree.commune.code, "year": 2025,
                                              "standard": "2022-2025"}).status_code == 404
    # The surveyor of hamlet 1 sees the commune's cycle but only the cases of hamlet 1.
    assert api_client_for(cast.surveyor).get(f"/api/v1/review/cycles/{cycle.pk}").status_code == 200


def _entry(household, year, klass, unit, area="rural", em=False):
    return LedgerEntry.objects.create(
        household=household, year=year, standard_id="2022-2025", series="national", kind="periodic", klass=klass,
        effective_on=dt.date(year, 12, 1), ethnic_minority=em, area=area, commune=unit.parent, unit_path=unit.path,
    )


def test_movements_endpoint(unit_tree, cast, make_household, api_client_for):
    a = make_household(unit_tree.hamlet, code="A")
    b = make_household(unit_tree.hamlet2, code="B")
    c = make_household(unit_tree.hamlet2, code="C")
    _entry(a, 2024, "poor", unit_tree.hamlet)
    _entry(a, 2025, "average", unit_tree.hamlet)
    _entry(b, 2025, "poor", unit_tree.hamlet2, em=True)
    _entry(c, 2024, "near_poor", unit_tree.hamlet2)
    _entry(c, 2025, "poor", unit_tree.hamlet2)
    response = api_client_for(cast.officer).get(
        "/api/v1/movements", {"unit": unit_tree.commune.code, "year": 2025, "standard": "2022-2025"})
    assert response.status_code == 200, response.content
    body = response.json()
    rows = {r["unit"]: r for r in body["rows"]}
    assert [r["total"] for r in body["rows"]] == [False, False, True]
    total = rows[unit_tree.commune.code]["poor"]
    assert {k: total[k] for k in ("start", "escaped", "fell_from_near_poor", "re_poor", "newly_poor", "end",
                                  "end_ethnic_minority")} == {
        "start": 1, "escaped": 1, "fell_from_near_poor": 1, "re_poor": 0, "newly_poor": 1, "end": 2,
        "end_ethnic_minority": 1}
    assert total["area"]["rural"]["end"] == 2 and total["area"]["urban"]["end"] == 0
    assert rows[unit_tree.hamlet.code]["poor"]["escaped"] == 1
    assert rows[unit_tree.commune.code]["near_poor"]["fell_to_poor"] == 1
    bad = api_client_for(cast.officer).get("/api/v1/movements", {"unit": unit_tree.commune.code, "year": 2025,
                                                                 "standard": "no-such"})
    assert bad.status_code == 404
