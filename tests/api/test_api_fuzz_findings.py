"""What the API fuzzing (``test_fuzz.py``) found, each pinned by an ordinary test: the OpenAPI document must
describe every answer an endpoint gives, and a request that changes nothing must write nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from giamngheo.api.v1 import api
from giamngheo.core.models import AuditEntry
from tests.api.test_api_targets import _body
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)
from tests.support.conftest import set_status  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
SCHEMA = api.get_openapi_schema()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in SCHEMA["paths"].items() for method, op in ops.items()]


def test_every_operation_documents_the_common_refusals() -> None:
    # The review's routes documented only their success, the import template and the token route only some of
    # their answers: a NUL in the query (400), a bad parameter (422) answered with undocumented codes.
    for method, path, op in operations():
        codes = {str(code) for code in op["responses"]}
        expected = {"400", "401", "422"} if path.endswith("/auth/token") else {"400", "401", "404", "422"}
        assert expected <= codes, f"{method} {path} documents {sorted(codes)}"


def test_the_review_writes_document_their_conflict() -> None:
    survey = SCHEMA["paths"]["/api/v1/review/cases/{case_id}/survey"]["post"]["responses"]
    assert "409" in {str(code) for code in survey}


def test_a_masked_citizen_id_is_what_the_document_says_a_read_may_hold(
    api_client_for: Any, province: Any, household: Any
) -> None:
    body = api_client_for(province).get(f"/api/v1/households/{household.code}").json()
    masked = body["members"][0]["citizen_id"]
    assert masked == "*********789"
    responses = SCHEMA["paths"]["/api/v1/households/{id}"]["get"]["responses"]
    read = (responses.get(200) or responses["200"])["content"]["application/json"]
    pattern = read["schema"]["properties"]["members"]["items"]["properties"]["citizen_id"]["pattern"]
    assert re.search(pattern, masked) and re.search(pattern, "086123456789")
    # A PUT may send the masked form back (it keeps the stored ID); a POST may not.
    put = SCHEMA["paths"]["/api/v1/households/{id}"]["put"]["requestBody"]["content"]["application/json"]
    assert re.search(put["schema"]["properties"]["members"]["items"]["properties"]["citizen_id"]["pattern"], masked)
    post = SCHEMA["paths"]["/api/v1/households"]["post"]["requestBody"]["content"]["application/json"]
    assert not re.search(post["schema"]["properties"]["members"]["items"]["properties"]["citizen_id"]["pattern"],
                         masked)


def test_a_bad_upload_field_is_a_422_on_the_body(api_client_for: Any, owner: Any, problems: Any) -> None:
    response = api_client_for(owner).post("/api/v1/imports", {"kind": "nonsense"})
    assert list(problems(response)) == [("body", "kind")]


def test_the_token_route_answers_documented_refusals(client: Any) -> None:
    unreadable = client.post("/api/v1/auth/token", b"\xff\xfe{", content_type="application/json")
    assert unreadable.status_code == 400 and unreadable.json()["detail"]
    missing = client.post("/api/v1/auth/token", {"username": "x"}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "password"]


def test_a_patch_that_changes_nothing_writes_nothing(
    unit_tree: Any, owner: Any, api_client_for: Any, make_household: Any, set_status: Any,  # noqa: F811
) -> None:
    client = api_client_for(owner)
    created = client.post("/api/v1/targets", _body(unit_tree.commune), content_type="application/json").json()
    audit = AuditEntry.objects.count()
    same = client.patch(f"/api/v1/targets/{created['id']}", {"version": created["version"]},
                        content_type="application/json")
    assert same.status_code == 200 and same.json()["version"] == created["version"]
    assert AuditEntry.objects.count() == audit
    changed = client.patch(f"/api/v1/targets/{created['id']}", {"version": created["version"], "value": "9"},
                           content_type="application/json")
    assert changed.json()["version"] == created["version"] + 1 and AuditEntry.objects.count() == audit + 1


@pytest.mark.parametrize(("url", "query"), [
    ("/api/v1/support", {}), ("/api/v1/assignments", {}), ("/api/v1/escape-registrations", {}),
    ("/api/v1/support/outputs", {"year": 2026}),
])
def test_a_unit_code_of_no_unit_lists_nothing(
    api_client_for: Any, owner: Any, household: Any, url: str, query: dict[str, Any]
) -> None:
    # The "matches nothing" path held a NUL character, which PostgreSQL refuses in a query: a 500 there.
    response = api_client_for(owner).get(url, {"unit": "99999", **query})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body.get("items", []) == [] and body.get("totals", {}).get("records", 0) == 0


def test_an_unreadable_upload_is_a_documented_400(api_client_for: Any, owner: Any) -> None:
    # A NUL in a multipart field name is refused before the endpoint (core.input_guard) with no "field": the
    # documented 400 of the upload says "field" may be absent.
    response = api_client_for(owner).generic(
        "POST", "/api/v1/imports",
        b'--b\r\nContent-Disposition: form-data; name="k\x00"\r\n\r\nx\r\n--b--\r\n',
        content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400 and response.json()["detail"]
    responses = SCHEMA["paths"]["/api/v1/imports"]["post"]["responses"]
    documented = (responses.get(400) or responses["400"])["content"]["application/json"]["schema"]
    refused = SCHEMA["components"]["schemas"][documented["$ref"].rsplit("/", 1)[-1]]
    assert refused.get("required") == ["detail"]


@pytest.mark.parametrize("version", [0, -3, 2**33])
def test_a_version_no_household_can_have_is_a_422_not_a_conflict(
    api_client_for: Any, owner: Any, household: Any, new_record: Any, problems: Any, version: int
) -> None:
    # The fuzzer sent versions 0, negative and huge: they answered 409 (someone else saved), which misleads.
    response = api_client_for(owner).put(f"/api/v1/households/{household.code}", {**new_record(), "version": version},
                                         content_type="application/json")
    assert list(problems(response)) == [("body", "version")]
    assert list(problems(api_client_for(owner).delete(f"/api/v1/households/{household.code}?version={2**33}"))) == [
        ("query", "version")]
