"""Issue 13 through the API: the duplicate-citizen-ID refusal (class 3), household codes that a spreadsheet
would run (class 5), absurd values and bodies (class 7)."""

from __future__ import annotations

import json

import pytest

from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household

pytestmark = pytest.mark.django_db
LIST = "/api/v1/households"


# --- class 3: duplicate citizen IDs -------------------------------------------------------------------------


def test_duplicate_id_from_a_role_with_masked_ids_names_no_household(problems, api_client_for, province, household,
                                                                     new_record):
    found = problems(api_client_for(province).post(LIST, new_record(id="P-1"), content_type="application/json"))
    message = found[("body", "members", 0, "citizen_id")]
    assert "A-001" not in message and "Bình Minh" not in message and "đã được đăng ký" in message
    assert not Household.objects.filter(code="P-1").exists()
    entries = AuditEntry.objects.filter(action="giamngheo.household.duplicate_citizen_id_refused", actor=province)
    assert sorted(e.data["citizen_id"] for e in entries) == ["*********789", "*********790"]


def test_duplicate_id_from_an_officer_who_sees_ids_names_the_household(problems, api_client_for, owner, household,
                                                                       new_record):
    found = problems(api_client_for(owner).post(LIST, new_record(id="A-002"), content_type="application/json"))
    assert "A-001" in found[("body", "members", 0, "citizen_id")]
    assert AuditEntry.objects.filter(action="giamngheo.household.duplicate_citizen_id_refused").count() == 2


# --- class 5: household codes a spreadsheet would run -------------------------------------------------------


@pytest.mark.parametrize("code", ['=HYPERLINK("http://x","Click")', "+86001", "-1", "@SUM(A1)", "=1+1"])
def test_a_code_starting_like_a_formula_is_refused(problems, api_client_for, owner, new_record, code):
    record = new_record(id=code)
    for member in record["members"]:
        member.pop("citizen_id")
    found = problems(api_client_for(owner).post(LIST, record, content_type="application/json"))
    assert "công thức" in found[("body", "id")]
    assert not Household.objects.exists()


# --- class 7: absurd values, parameters and bodies ----------------------------------------------------------


@pytest.mark.parametrize("change, loc", [
    ({"income": 10**30}, ("body", "income")),
    ({"income": 1_000_000_001}, ("body", "income")),
    ({"score_a": 1e308, "income_basis": "score_a"}, ("body", "score_a")),
    ({"dwelling": {"floor_area_m2": 1e308}}, ("body", "dwelling", "floor_area_m2")),
    ({"reference_date": "9999-12-31"}, ("body", "reference_date")),
    ({"reference_date": "0001-01-01"}, ("body", "reference_date")),
])
def test_absurd_values_are_422_on_their_field(problems, api_client_for, owner, new_record, change, loc):
    found = problems(api_client_for(owner).post(LIST, new_record(**change), content_type="application/json"))
    assert loc in found and found[loc].startswith(("Phải", "Ngày"))
    assert not Household.objects.exists()


@pytest.mark.parametrize("text", ['{"dwelling": {"floor_area_m2": Infinity}}', '{"dwelling": {"floor_area_m2": NaN}}',
                                  '{"income": -Infinity}'])
def test_non_finite_json_numbers_are_422(problems, api_client_for, owner, new_record, text):
    import json

    body = {**new_record(), **json.loads(text)}
    response = api_client_for(owner).post(LIST, json.dumps(body), content_type="application/json")
    assert problems(response)
    assert not Household.objects.exists()


def test_absurd_values_in_an_update_are_422(problems, api_client_for, owner, household):
    client = api_client_for(owner)
    body = client.get(f"{LIST}/A-001").json()
    body["dwelling"]["floor_area_m2"] = 1e308
    body["members"][1]["birth_date"] = "0001-01-01"
    found = problems(client.put(f"{LIST}/A-001", body, content_type="application/json"))
    assert ("body", "dwelling", "floor_area_m2") in found and ("body", "members", 1, "birth_date") in found


@pytest.mark.parametrize("params, loc", [
    ({"page": 10**30}, ("query", "page")),
    ({"page": "9" * 5000}, ("query", "page")),
    ({"page_size": 10**23}, ("query", "page_size")),
])
def test_absurd_list_parameters_are_422(problems, api_client_for, owner, household, params, loc):
    for url in (LIST, "/api/v1/units"):
        found = problems(api_client_for(owner).get(url, params))
        assert loc in found


def test_a_page_beyond_the_end_is_an_empty_page(api_client_for, owner, household):
    body = api_client_for(owner).get(LIST, {"page": 1_000_000}).json()
    assert body["items"] == [] and body["count"] == 1


@pytest.mark.parametrize("url", [f"{LIST}/{'9' * 30}", f"{LIST}/{'9' * 5000}", "/api/v1/review/cases/" + "9" * 23])
def test_absurd_ids_in_paths_are_4xx(api_client_for, owner, household, url):
    assert 400 <= api_client_for(owner).get(url).status_code < 500


def test_json_nested_too_deep_is_4xx(api_client_for, owner, household):
    client = api_client_for(owner)
    deep = "[" * 100_000 + "]" * 100_000
    for method, url in (("post", LIST), ("put", f"{LIST}/A-001"), ("post", "/api/v1/review/cycles")):
        response = getattr(client, method)(url, deep, content_type="application/json")
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert "detail" in response.json()
    nested = '{"area": ' + "[" * 900 + "]" * 900 + "}"
    response = client.post(LIST, nested, content_type="application/json")
    assert response.status_code == 422


def test_a_body_over_the_size_limit_is_4xx(api_client_for, owner, household, settings, new_record):
    import json

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps({**new_record(id="BIG"), "hamlet": "x" * 20_000})
    client = api_client_for(owner)
    for method, url in (("post", LIST), ("put", f"{LIST}/A-001"), ("post", "/api/v1/review/cycles")):
        response = getattr(client, method)(url, big, content_type="application/json")
        assert response.status_code == 413, (url, response.status_code)
        assert "detail" in response.json()
    assert not Household.objects.filter(code="BIG").exists()


def test_a_household_stored_with_absurd_values_still_answers(api_client_for, owner, household):
    """Stored before the bounds existed: the record reads back, and the classification says why it has none."""
    Household.objects.filter(pk=household.pk).update(floor_area_m2=1e308, score_a=float("inf"),
                                                     income=5 * 10**18)
    client = api_client_for(owner)
    response = client.get(f"{LIST}/A-001")
    assert response.status_code == 200

    def strict(constant):
        raise AssertionError(f"not JSON: {constant}")

    body = json.loads(response.content, parse_constant=strict)  # what any other JSON parser would read
    assert body["score_a"] is None and body["dwelling"]["floor_area_m2"] == 1e308
    assert client.get(LIST).status_code == 200
    response = client.get(f"{LIST}/A-001/classification")
    assert response.status_code == 200
    [view] = response.json()
    assert view["class"] is None and any("floor_area_m2" in p for p in view["problems"])


def test_the_configured_size_limit_refuses_a_body_of_megabytes(api_client_for, owner, new_record):
    import json

    big = json.dumps({**new_record(id="BIG"), "members": [{"id": "x" * 1000}] * 1600})  # ~1.6 MB
    response = api_client_for(owner).post(LIST, big, content_type="application/json")
    assert response.status_code == 413
    assert not Household.objects.filter(code="BIG").exists()


def test_the_openapi_document_states_the_bounds():
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/households"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["income"]["maximum"] == 1_000_000_000
    assert body["properties"]["dwelling"]["properties"]["floor_area_m2"]["maximum"] == 10_000
    assert body["properties"]["members"]["maxItems"] == 100
    assert body["properties"]["id"]["maxLength"] == 64
    assert "2100-12-31" in body["properties"]["reference_date"]["description"]
