"""``/support``, ``/assignments``, ``/escape-registrations``: each operation's success, the outsider's 404, bad
input as 422 naming the field, and the 409 of a stale version."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import Assignment, EscapeRegistration, Programme, SupportKind, SupportRecord
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)
from tests.support.conftest import set_status  # noqa: F401  (fixture)

DAY = "2026-03-02"


@pytest.fixture
def people(unit_tree: Any, make_user: Any, make_household: Any) -> dict[str, Any]:  # noqa: F811
    make_household(unit_tree.hamlet, code="A-001", current_class="poor")
    make_household(unit_tree.other_hamlet, code="B-001", current_class="poor")
    return {
        "owner": make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune),
        "outsider": make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune),
        "viewer": make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province),
        "province": make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province),
    }


def send(client: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json")


def named(response: Any, field: str) -> bool:
    """The 422 names ``field`` at the body's JSON path, whether the service or ninja's parsing refused it."""
    return any(item["loc"] == ["body", field] for item in response.json()["detail"])


LOAN = {"household": "A-001", "kind": "loan", "given_on": DAY, "provider_type": "social_policy_bank",
        "amount": 50_000_000, "loan_term_months": 60, "programme": "tin-dung-chinh-sach-ho-ngheo"}


def test_support_record_crud(people: dict[str, Any], api_client_for: Any) -> None:
    client = api_client_for(people["owner"])
    created = send(client, "post", "/support", LOAN)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["household"], body["kind"], body["amount"], body["version"]) == ("A-001", "loan", 50_000_000, 1)
    listed = client.get("/api/v1/support", {"year": 2026, "kind": "loan"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert client.get(f"/api/v1/support/{body['id']}").json()["programme"] == "tin-dung-chinh-sach-ho-ngheo"
    patched = send(client, "patch", f"/support/{body['id']}", {"version": 1, "loan_outstanding": 30_000_000,
                                                               "loan_outstanding_on": "2026-06-01"})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = send(client, "patch", f"/support/{body['id']}", {"version": 1, "amount": 1})
    assert stale.status_code == 409 and stale.json()["version"] == 2
    assert client.delete(f"/api/v1/support/{body['id']}?version=1&reason=nham").status_code == 409
    assert client.delete(f"/api/v1/support/{body['id']}?version=2&reason=Ghi%20nh%E1%BA%A7m").status_code == 204
    assert SupportRecord.objects.get().deleted_at is not None
    assert client.get(f"/api/v1/support/{body['id']}").status_code == 404
    assert AuditEntry.objects.filter(object_type="support_record").count() == 3


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "no-such-kind"}, "kind"),
    ({"programme": "ntp-2026-2035"}, "programme"),  # 2026–2035 does not cover a 2025 date
    ({"amount": None}, "amount"),
    ({"quantity": 4}, "quantity"),
    ({"given_on": "9999-12-31"}, "given_on"),
    ({"amount": "nhiều"}, "amount"),
    ({"provider_type": "x"}, "provider_type"),
    ({"loan_outstanding": 10**15}, "loan_outstanding"),
])
def test_bad_input_is_422_naming_the_field(people: dict[str, Any], api_client_for: Any, change: dict[str, Any],
                                           field: str) -> None:
    body = {**LOAN, **change}
    if field == "programme":
        body["given_on"] = "2025-05-05"
    response = send(api_client_for(people["owner"]), "post", "/support", body)
    assert response.status_code == 422, response.content
    assert named(response, field), response.json()
    assert all(isinstance(item["msg"], str) and item["msg"] for item in response.json()["detail"])
    assert not SupportRecord.objects.exists()


def test_outsider_gets_404_on_every_support_operation(people: dict[str, Any], api_client_for: Any) -> None:
    record = send(api_client_for(people["owner"]), "post", "/support", LOAN).json()
    client = api_client_for(people["outsider"])
    assert send(client, "post", "/support", LOAN).status_code == 404
    assert client.get(f"/api/v1/support/{record['id']}").status_code == 404
    assert send(client, "patch", f"/support/{record['id']}", {"version": 1, "amount": 1}).status_code == 404
    assert client.delete(f"/api/v1/support/{record['id']}?version=1&reason=x").status_code == 404
    assert client.get("/api/v1/support").json()["count"] == 0
    assert client.get("/api/v1/support", {"household": "A-001"}).json()["count"] == 0
    # A province viewer reads but may not write.
    viewer = api_client_for(people["viewer"])
    assert viewer.get(f"/api/v1/support/{record['id']}").status_code == 200
    assert send(viewer, "patch", f"/support/{record['id']}", {"version": 1, "amount": 1}).status_code == 404
    assert SupportRecord.objects.get().version == 1


def test_kinds_programmes_and_outputs(people: dict[str, Any], api_client_for: Any, unit_tree: Any) -> None:
    client = api_client_for(people["owner"])
    kinds = {k["code"]: k for k in client.get("/api/v1/support/kinds").json()}
    assert kinds["loan"]["fields"] == ["amount", "loan", "description"] and kinds["loan"]["needs"] == ["credit"]
    assert any(p["code"] == "ntp-2021-2025-da1" for p in client.get("/api/v1/support/programmes").json())
    send(client, "post", "/support", LOAN)
    send(client, "post", "/assignments", {"household": "A-001", "helper_type": "party_member",
                                          "helper_name": "Đảng viên A", "since": DAY, "target_year": 2027})
    outputs = client.get("/api/v1/support/outputs", {"year": 2026, "unit": unit_tree.commune.code}).json()
    assert outputs["kinds"][0]["records"] == 1 and outputs["kinds"][0]["amount"] == 50_000_000
    assert outputs["helpers"] == [{"helper_type": "party_member", "assignments": 1, "helpers": 1, "households": 1}]
    assert client.get("/api/v1/support/outputs", {"year": 10**6}).status_code == 422
    assert api_client_for(people["outsider"]).get("/api/v1/support/outputs", {"year": 2026}).json()["totals"][
        "records"] == 0


def test_province_programmes_through_the_api(people: dict[str, Any], api_client_for: Any, unit_tree: Any) -> None:
    body = {"province": unit_tree.province.code, "code": "tinh-sinh-ke", "name": "Sinh kế của tỉnh",
            "parent": "ntp-2026-2035", "first_year": 2026, "last_year": 2030}
    assert send(api_client_for(people["owner"]), "post", "/support/programmes", body).status_code == 404
    client = api_client_for(people["province"])
    created = send(client, "post", "/support/programmes", body)
    assert created.status_code == 201 and created.json()["province"] == unit_tree.province.code
    pk = created.json()["id"]
    assert send(client, "patch", f"/support/programmes/{pk}", {"active": False}).json()["active"] is False
    bad = send(client, "patch", f"/support/programmes/{pk}", {"first_year": 2030, "last_year": 2026})
    assert bad.status_code == 422 and named(bad, "last_year")
    national = Programme.objects.get(code="ntp-2026-2035")
    assert send(client, "patch", f"/support/programmes/{national.pk}", {"name": "x"}).status_code == 404


def test_assignment_operations(people: dict[str, Any], api_client_for: Any) -> None:
    client = api_client_for(people["owner"])
    body = {"household": "A-001", "helper_type": "agency", "helper_name": "Sở Nông nghiệp", "since": DAY,
            "target_year": 2027}
    created = send(client, "post", "/assignments", body)
    assert created.status_code == 201
    pk = created.json()["id"]
    bad = send(client, "post", "/assignments", {**body, "target_year": 2020})
    assert bad.status_code == 422 and named(bad, "target_year")
    assert client.get("/api/v1/assignments", {"active": True}).json()["count"] == 1
    assert send(client, "patch", f"/assignments/{pk}", {"version": 1, "helper_unit": "Phòng Kinh tế"}).json()[
        "version"] == 2
    assert send(client, "post", f"/assignments/{pk}/end",
                {"version": 1, "ended_on": DAY, "end_reason": "escaped"}).status_code == 409
    ended = send(client, "post", f"/assignments/{pk}/end", {"version": 2, "ended_on": DAY, "end_reason": "escaped"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == DAY
    outsider = api_client_for(people["outsider"])
    assert outsider.get(f"/api/v1/assignments/{pk}").status_code == 404
    assert send(outsider, "post", f"/assignments/{pk}/end",
                {"version": 3, "ended_on": DAY, "end_reason": "moved"}).status_code == 404
    assert outsider.delete(f"/api/v1/assignments/{pk}?version=3&reason=x").status_code == 404
    assert client.delete(f"/api/v1/assignments/{pk}?version=3&reason=nham").status_code == 204
    assert Assignment.objects.get().deleted_at is not None


def test_escape_registration_operations(people: dict[str, Any], api_client_for: Any, set_status: Any) -> None:  # noqa: F811
    client = api_client_for(people["owner"])
    body = {"household": "A-001", "registered_on": "2025-01-10", "target_year": 2025, "commitments": "Nuôi bò"}
    created = send(client, "post", "/escape-registrations", body)
    assert created.status_code == 201 and created.json()["outcome"] == "unknown"
    pk = created.json()["id"]
    from giamngheo.households.models import Household

    set_status(Household.objects.get(code="A-001"), 2025, "near_poor")
    listed = client.get("/api/v1/escape-registrations").json()
    assert listed["items"][0]["outcome"] == "reached" and listed["items"][0]["outcome_year"] == 2025
    bad = send(client, "patch", f"/escape-registrations/{pk}", {"version": 1, "commitments": ""})
    assert bad.status_code == 422 and named(bad, "commitments")
    assert send(client, "patch", f"/escape-registrations/{pk}", {"version": 1, "note": "ok"}).json()["version"] == 2
    outsider = api_client_for(people["outsider"])
    assert send(outsider, "post", "/escape-registrations", body).status_code == 404
    assert outsider.get(f"/api/v1/escape-registrations/{pk}").status_code == 404
    assert client.delete(f"/api/v1/escape-registrations/{pk}?version=1&reason=x").status_code == 409
    assert client.delete(f"/api/v1/escape-registrations/{pk}?version=2&reason=x").status_code == 204
    assert EscapeRegistration.objects.get().deleted_at is not None


def test_operations_are_in_the_openapi_document_in_vietnamese(people: dict[str, Any], api_client_for: Any) -> None:
    schema = api_client_for(people["owner"]).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path, method in (("/api/v1/support", "post"), ("/api/v1/support/{id}", "patch"),
                         ("/api/v1/support/kinds", "get"), ("/api/v1/assignments/{id}/end", "post"),
                         ("/api/v1/escape-registrations/{id}", "delete")):
        assert method in paths[path], (path, method)
    assert paths["/api/v1/support"]["post"]["summary"] == "Ghi hỗ trợ cho hộ"
    ours = [(path, op) for path, ops in paths.items()
            if path.startswith(("/api/v1/support", "/api/v1/assignments", "/api/v1/escape-registrations"))
            for op in ops.values()]
    assert len(ours) >= 19
    assert all(op.get("summary") and op.get("description") for _path, op in ours), [
        path for path, op in ours if not op.get("description")]


def test_kind_of_another_province_is_unknown(people: dict[str, Any], api_client_for: Any, make_unit_tree: Any) -> None:
    other = make_unit_tree("87").province
    SupportKind.objects.create(code="p87", name="Riêng 87", fields=["amount"], province=other, unit_path=other.path)
    response = send(api_client_for(people["owner"]), "post", "/support", {**LOAN, "kind": "p87"})
    assert response.status_code == 422 and named(response, "kind")
    assert "p87" not in {k["code"] for k in api_client_for(people["owner"]).get("/api/v1/support/kinds").json()}


def test_dates_are_not_in_the_future(people: dict[str, Any], api_client_for: Any) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = send(api_client_for(people["owner"]), "post", "/support", {**LOAN, "given_on": tomorrow})
    assert response.status_code == 422 and named(response, "given_on")
