"""``/resources``: each operation — success, outsider 404, bad input 422 naming the field, stale version 409."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from giamngheo.api.v1 import api
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import Campaign, Pledge, ResourceEntry, SupportKind, SupportRecord

pytestmark = pytest.mark.django_db
BASE = "/api/v1/resources"


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


ENTRY = {"unit": "86001", "direction": "mobilised", "source": "local_budget", "amount": 100_000_000,
         "on": "2026-03-01", "description": "Ngân sách xã"}


@pytest.fixture
def owner_client(api_client_for: Any, owner: Any) -> Any:
    return api_client_for(owner)


@pytest.fixture
def outsider_client(api_client_for: Any, outsider: Any) -> Any:
    return api_client_for(outsider)


def test_every_operation_is_documented_in_vietnamese() -> None:
    paths = api.get_openapi_schema()["paths"]
    expected = {
        ("get", f"{BASE}"), ("post", f"{BASE}"), ("get", f"{BASE}/{{entry_id}}"), ("patch", f"{BASE}/{{entry_id}}"),
        ("delete", f"{BASE}/{{entry_id}}"), ("get", f"{BASE}/summary"), ("get", f"{BASE}/campaigns"),
        ("post", f"{BASE}/campaigns"), ("get", f"{BASE}/campaigns/{{campaign_id}}"),
        ("patch", f"{BASE}/campaigns/{{campaign_id}}"), ("delete", f"{BASE}/campaigns/{{campaign_id}}"),
        ("get", f"{BASE}/campaigns/{{campaign_id}}/pledges"), ("post", f"{BASE}/campaigns/{{campaign_id}}/pledges"),
        ("patch", f"{BASE}/campaigns/{{campaign_id}}/pledges/{{pledge_id}}"),
        ("delete", f"{BASE}/campaigns/{{campaign_id}}/pledges/{{pledge_id}}"),
        ("get", f"{BASE}/{{entry_id}}/links"), ("post", f"{BASE}/{{entry_id}}/links"),
        ("post", f"{BASE}/{{entry_id}}/links/remove"),
    }
    documented = {(method, path) for path, ops in paths.items() for method in ops if path.startswith(BASE)}
    assert documented == expected
    for path, ops in paths.items():
        if path.startswith(BASE):
            for op in ops.values():
                assert op["summary"] and not op["summary"].isascii(), (path, op["summary"])


def test_entry_create_read_patch_delete(owner_client: Any, outsider_client: Any, unit_tree: Any) -> None:
    created = post(owner_client, BASE, ENTRY)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["unit"], body["level"], body["year"], body["version"]) == ("86001", "commune", 2026, 1)
    path = f"{BASE}/{body['id']}"
    assert owner_client.get(path).json()["amount"] == 100_000_000
    assert outsider_client.get(path).status_code == 404
    assert patch(outsider_client, path, {"version": 1, "amount": 5}).status_code == 404
    assert outsider_client.delete(path).status_code == 404
    changed = patch(owner_client, path, {"version": 1, "amount": 120_000_000, "document": "QĐ 12/QĐ-UBND"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["amount"], changed.json()["version"], changed.json()["document"]) == (
        120_000_000, 2, "QĐ 12/QĐ-UBND")
    stale = patch(owner_client, path, {"version": 1, "amount": 1})
    assert stale.status_code == 409 and stale.json()["version"] == 2
    assert owner_client.delete(f"{path}?version=1").status_code == 409
    assert owner_client.delete(f"{path}?version=2").status_code == 204
    assert owner_client.get(path).status_code == 404
    assert ResourceEntry.objects.get(pk=body["id"]).deleted_at is not None
    assert AuditEntry.objects.filter(object_type="resource_entry", object_id=str(body["id"])).count() == 3


def test_outsider_cannot_book_for_another_commune(outsider_client: Any) -> None:
    assert post(outsider_client, BASE, ENTRY).status_code == 404
    assert not ResourceEntry.objects.exists()


@pytest.mark.parametrize(("change", "loc"), [
    ({"amount": 0}, ("body", "amount")),
    ({"amount": 10**15 + 1}, ("body", "amount")),
    ({"direction": "stolen"}, ("body", "direction")),
    ({"on": "2026-02-30"}, ("body", "on")),
    ({"description": ""}, ("body", "description")),
    ({"on": "2999-01-01"}, ("body", "on")),
    ({"unit": "86001-h1"}, ("body", "unit")),
    ({"unit": "99999"}, ("body", "unit")),
    ({"programme": "khong-co"}, ("body", "programme")),
    ({"campaign": 999999}, ("body", "campaign")),
])
def test_bad_input_is_422_naming_the_field(owner_client: Any, problems: Any, unit_tree: Any,
                                           change: dict[str, Any], loc: tuple[str, ...]) -> None:
    found = problems(post(owner_client, BASE, {**ENTRY, **change}))
    assert loc in found, found
    assert not ResourceEntry.objects.exists()


def test_list_filters_and_paging(owner_client: Any, outsider_client: Any, unit_tree: Any) -> None:
    for amount, direction, on in ((1, "mobilised", "2026-01-02"), (2, "spent", "2026-04-02"),
                                  (3, "mobilised", "2025-05-05")):
        assert post(owner_client, BASE, {**ENTRY, "amount": amount, "direction": direction, "on": on}).status_code == 201
    listing = owner_client.get(BASE, {"year": 2026}).json()
    assert [i["amount"] for i in listing["items"]] == [2, 1] and listing["count"] == 2
    assert owner_client.get(BASE, {"direction": "spent"}).json()["count"] == 1
    assert owner_client.get(BASE, {"year": 2026, "quarter": 2}).json()["count"] == 1
    assert owner_client.get(BASE, {"page_size": 1, "page": 2}).json()["items"][0]["amount"] == 1
    assert outsider_client.get(BASE).json()["count"] == 0
    assert outsider_client.get(BASE, {"unit": "86001"}).status_code == 404
    assert owner_client.get(BASE, {"year": 2026, "quarter": 1, "month": 5}).status_code == 422
    assert owner_client.get(BASE, {"page_size": 201}).status_code == 422


def test_summary(owner_client: Any, outsider_client: Any, api_client_for: Any, province: Any,
                 unit_tree: Any) -> None:
    post(owner_client, BASE, ENTRY)
    post(owner_client, BASE, {**ENTRY, "direction": "spent", "amount": 150_000_000})
    body = owner_client.get(f"{BASE}/summary", {"unit": "86001", "year": 2026}).json()
    assert body["total"] == {"mobilised": 100_000_000, "spent": 150_000_000, "balance": -50_000_000}
    local = next(r for r in body["by_source"] if r["source"] == "local_budget")
    assert local["label"] == "Ngân sách địa phương" and local["balance"] == -50_000_000
    assert [m["kind"] for m in body["reconciliation"]] == ["source_overspent"]
    assert body["levels_add_up"] is True
    province_view = api_client_for(province).get(f"{BASE}/summary", {"year": 2026}).json()
    assert province_view["unit"] == "86"
    assert [r["unit"] for r in province_view["by_level"]][:1] == ["86"]
    assert {r["unit"] for r in province_view["by_level"]} == {"86", "86001", "86002"}
    assert outsider_client.get(f"{BASE}/summary", {"unit": "86001", "year": 2026}).status_code == 404
    assert owner_client.get(f"{BASE}/summary", {"year": 1999}).status_code == 422
    problem = owner_client.get(f"{BASE}/summary", {"year": 2026, "quarter": 1, "month": 7}).json()["detail"][0]
    assert problem["loc"] == ["query", "month"]


def test_campaigns_and_pledges(owner_client: Any, outsider_client: Any, unit_tree: Any) -> None:
    created = post(owner_client, f"{BASE}/campaigns", {
        "unit": "86001", "name": "Tháng cao điểm 2026", "starts_on": "2026-10-17", "ends_on": "2026-11-18",
        "goal_amount": 100_000_000})
    assert created.status_code == 201, created.content
    campaign = created.json()
    path = f"{BASE}/campaigns/{campaign['id']}"
    assert outsider_client.get(path).status_code == 404
    assert post(outsider_client, f"{path}/pledges", {"donor_name": "X", "donor_type": "business", "amount": 1,
                                                     "pledged_on": "2026-10-20"}).status_code == 404
    pledge = post(owner_client, f"{path}/pledges", {"donor_name": "Công ty Phát Đạt", "donor_type": "business",
                                                    "amount": 40_000_000, "pledged_on": "2026-10-20"})
    assert pledge.status_code == 201, pledge.content
    pledge_id = pledge.json()["id"]
    receipt = post(owner_client, BASE, {**ENTRY, "source": "businesses", "amount": 45_000_000, "on": "2026-10-25",
                                        "pledge": pledge_id})
    assert receipt.status_code == 201 and receipt.json()["campaign"] == campaign["id"]
    detail = owner_client.get(path).json()
    assert (detail["pledged"], detail["received"], detail["outstanding"], detail["share_of_goal"]) == (
        40_000_000, 45_000_000, 0, 0.45)
    assert detail["pledges"][0]["outstanding"] == -5_000_000
    assert owner_client.get(f"{path}/pledges").json()[0]["received"] == 45_000_000
    listing = owner_client.get(f"{BASE}/campaigns", {"year": 2026}).json()
    assert listing["count"] == 1 and listing["items"][0]["received"] == 45_000_000
    assert outsider_client.get(f"{BASE}/campaigns").json()["count"] == 0
    summary = owner_client.get(f"{BASE}/summary", {"unit": "86001", "year": 2026}).json()
    assert "pledge_over_received" in [m["kind"] for m in summary["reconciliation"]]
    # A receipt naming a pledge must be money mobilised.
    spent = post(owner_client, BASE, {**ENTRY, "direction": "spent", "pledge": pledge_id})
    assert spent.status_code == 422 and spent.json()["detail"][0]["loc"] == ["body", "pledge"]
    # Patch, stale, refused delete (receipts), wrong campaign in the path.
    pledge_path = f"{path}/pledges/{pledge_id}"
    assert patch(owner_client, pledge_path, {"version": 1, "amount": 50_000_000}).json()["outstanding"] == 5_000_000
    assert patch(owner_client, pledge_path, {"version": 1, "amount": 1}).status_code == 409
    refused = owner_client.delete(pledge_path)
    assert refused.status_code == 409 and "khoản tiền nhận" in refused.json()["detail"]
    assert patch(outsider_client, pledge_path, {"version": 2, "amount": 1}).status_code == 404
    bad_dates = patch(owner_client, path, {"version": 1, "ends_on": "2026-10-01"})
    assert bad_dates.status_code == 422 and bad_dates.json()["detail"][0]["loc"] == ["body", "ends_on"]
    assert patch(owner_client, path, {"version": 1, "name": "Cao điểm 2026"}).json()["version"] == 2
    assert owner_client.delete(path).status_code == 409
    assert Campaign.objects.get(pk=campaign["id"]).deleted_at is None
    assert Pledge.objects.get(pk=pledge_id).deleted_at is None


def test_links(owner_client: Any, outsider_client: Any, unit_tree: Any, household: Any, problems: Any) -> None:
    spending = post(owner_client, BASE, {**ENTRY, "direction": "spent", "amount": 30_000_000}).json()
    kind = SupportKind.objects.get(code="loan")
    records = [SupportRecord.objects.create(household=household, unit_path=household.unit_path, kind=kind,
                                            given_on=dt.date(2026, 2, 1), year=2026,
                                            provider_type="social_policy_bank", amount=amount)
               for amount in (20_000_000, 15_000_000)]
    path = f"{BASE}/{spending['id']}/links"
    assert post(outsider_client, path, {"record_ids": [records[0].pk]}).status_code == 404
    linked = post(owner_client, path, {"record_ids": [records[0].pk]})
    assert linked.status_code == 200, linked.content
    assert (linked.json()["changed"], linked.json()["linked_total"], linked.json()["remaining"]) == (
        1, 20_000_000, 10_000_000)
    assert linked.json()["records"][0]["household"] == household.code
    found = problems(post(owner_client, path, {"record_ids": [records[1].pk]}))
    assert "35.000.000 đồng" in found[("body", "record_ids")]
    assert problems(post(owner_client, path, {"record_ids": []}))
    assert owner_client.get(path).json()["linked_count"] == 1
    assert outsider_client.get(path).status_code == 404
    removed = post(owner_client, f"{path}/remove", {"record_ids": [records[0].pk]})
    assert removed.json()["changed"] == 1 and removed.json()["linked_total"] == 0
