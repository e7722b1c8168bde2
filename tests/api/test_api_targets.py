"""/api/v1/targets: indicators, list, create, show, patch, delete, achievement, allocations, off-track."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import Target
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)
from tests.support.conftest import set_status  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/targets"


@pytest.fixture
def viewer(unit_tree: Any, make_user: Any) -> Any:
    """Reads the commune's support; does not manage targets."""
    return make_user(role=Role.COMMUNE_APPROVER, unit=unit_tree.commune)


def _body(unit: Any, **extra: Any) -> dict[str, Any]:
    body = {"unit": unit.code, "indicator": "poverty_rate", "standard_id": "2022-2025", "baseline_year": 2024,
            "target_year": 2026, "value": "10", "source_document": "NQ 12/NQ-HĐND"}
    body.update(extra)
    return body


@pytest.fixture
def target(unit_tree: Any, owner: Any, make_household: Any, set_status: Any,  # noqa: F811
           api_client_for: Any) -> dict[str, Any]:
    """Commune A: 4 households, 2 poor at the end of 2024 and 2025 (50 %); a target of 10 % by 2026."""
    households = [make_household(unit_tree.hamlet, code=f"Q{i}") for i in range(4)]
    for year in (2024, 2025):
        for i, household in enumerate(households):
            set_status(household, year, "poor" if i < 2 else "none")
    response = api_client_for(owner).post(BASE, _body(unit_tree.commune), content_type="application/json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_indicators_list_fixed_codes_and_support_kinds(api_client_for: Any, owner: Any) -> None:
    body = api_client_for(owner).get(f"{BASE}/indicators").json()
    codes = {item["code"]: item for item in body}
    assert codes["poverty_rate"]["unit"] == "percent" and codes["poverty_rate"]["lower_is_better"]
    assert codes["poverty_rate_change"]["kind"] == "change"
    assert "support:housing_new" in codes


def test_create_list_show(api_client_for: Any, owner: Any, target: dict[str, Any], unit_tree: Any) -> None:
    assert target["unit_code"] == unit_tree.commune.code and target["value_text"] == "10,00%"
    client = api_client_for(owner)
    listed = client.get(BASE).json()
    assert [item["id"] for item in listed["items"]] == [target["id"]]
    assert client.get(BASE, {"year": 2030}).json()["count"] == 0
    shown = client.get(f"{BASE}/{target['id']}").json()
    assert shown["allocations"] == [] and shown["allocation_check"] is None


def test_achievement_figures(api_client_for: Any, owner: Any, target: dict[str, Any]) -> None:
    body = api_client_for(owner).get(f"{BASE}/{target['id']}/achievement", {"year": 2025}).json()
    assert Decimal(body["actual"]) == Decimal(50)
    assert Decimal(body["baseline"]) == Decimal(50)
    assert body["status"] == "off_track"
    assert body["reason"] == "Dự báo năm 2026: 50,00%, cao hơn chỉ tiêu 10,00%."
    assert [y["year"] for y in body["series"]] == [2024, 2025]
    assert body["series"][1]["ledger_standards"] == ["2022-2025"]


def test_off_track_list(api_client_for: Any, owner: Any, outsider: Any, target: dict[str, Any]) -> None:
    body = api_client_for(owner).get(f"{BASE}/off-track", {"year": 2025}).json()
    assert [item["target"]["id"] for item in body["items"]] == [target["id"]]
    assert api_client_for(outsider).get(f"{BASE}/off-track", {"year": 2025}).json()["items"] == []


def test_bad_input_is_a_422_naming_the_field(api_client_for: Any, owner: Any, unit_tree: Any) -> None:
    client = api_client_for(owner)
    response = client.post(BASE, _body(unit_tree.commune, value="150"), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "value"]
    response = client.post(BASE, _body(unit_tree.commune, baseline_year=1800), content_type="application/json")
    assert response.status_code == 422
    response = client.post(BASE, _body(unit_tree.other_commune), content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "unit"]
    assert not Target.objects.exists()


def test_patch_with_version_and_conflict(api_client_for: Any, owner: Any, target: dict[str, Any]) -> None:
    client = api_client_for(owner)
    url = f"{BASE}/{target['id']}"
    response = client.patch(url, {"version": 1, "value": "8.5"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert client.patch(url, {"version": 1, "value": "8"}, content_type="application/json").status_code == 409
    assert AuditEntry.objects.filter(action="giamngheo.support.target_updated").count() == 1


def test_outsider_gets_404_everywhere(api_client_for: Any, outsider: Any, target: dict[str, Any]) -> None:
    client = api_client_for(outsider)
    url = f"{BASE}/{target['id']}"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/achievement").status_code == 404
    assert client.patch(url, {"version": 1, "value": "1"}, content_type="application/json").status_code == 404
    assert client.delete(f"{url}?version=1").status_code == 404
    assert client.post(f"{url}/allocations", {"allocations": {}}, content_type="application/json").status_code == 404
    assert client.get(f"{BASE}/99999999999999999999999").status_code in (404, 422)


def test_viewer_cannot_change(api_client_for: Any, viewer: Any, target: dict[str, Any]) -> None:
    client = api_client_for(viewer)
    assert client.get(f"{BASE}/{target['id']}").status_code == 200
    assert client.delete(f"{BASE}/{target['id']}?version=1").status_code == 404


def test_delete(api_client_for: Any, owner: Any, target: dict[str, Any]) -> None:
    response = api_client_for(owner).delete(f"{BASE}/{target['id']}?version=1&reason=Nhầm")
    assert response.status_code == 204
    assert Target.objects.get().deleted_at is not None


def test_allocations_mismatch_refused_then_accepted(api_client_for: Any, province: Any,
                                                    unit_tree: Any) -> None:
    client = api_client_for(province)
    parent = client.post(BASE, _body(unit_tree.province, indicator="jobs_created", value="100"),
                         content_type="application/json").json()
    url = f"{BASE}/{parent['id']}/allocations"
    shares = {unit_tree.commune.code: "30", unit_tree.other_commune.code: "50"}
    refused = client.post(url, {"allocations": shares}, content_type="application/json")
    assert refused.status_code == 422
    assert "tổng các đơn vị 80 người" in refused.json()["detail"][0]["msg"]
    bogus = client.post(url, {"allocations": {"h1": "100"}}, content_type="application/json")
    assert bogus.status_code == 422
    accepted = client.post(url, {"allocations": shares, "accept_mismatch": True, "reason": "Còn 20 chưa giao"},
                           content_type="application/json")
    assert accepted.status_code == 200 and len(accepted.json()) == 2
    check = client.get(f"{BASE}/{parent['id']}").json()["allocation_check"]
    assert check["matches"] is False and check["accepted_mismatch"] is True and check["reason"] == "Còn 20 chưa giao"


def test_openapi_lists_target_operations_in_vietnamese(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/targets", "/api/v1/targets/indicators", "/api/v1/targets/off-track",
                 "/api/v1/targets/{id}", "/api/v1/targets/{id}/achievement", "/api/v1/targets/{id}/allocations"):
        assert path in paths, path
    assert paths["/api/v1/targets/{id}/allocations"]["post"]["summary"] == "Phân bổ chỉ tiêu cho cấp dưới"
