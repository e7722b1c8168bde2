"""/api/v1/units: the administrative unit tree as reference data."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
LIST = "/api/v1/units"


def test_list_filters_by_level_and_parent(api_client_for, outsider, unit_tree):
    client = api_client_for(outsider)
    communes = client.get(LIST, {"level": "commune"}).json()
    assert [u["code"] for u in communes["items"]] == ["86001", "86002"] and communes["count"] == 2
    hamlets = client.get(LIST, {"level": "hamlet", "parent": "86001"}).json()
    assert [u["name"] for u in hamlets["items"]] == ["Ấp Bình Minh", "Ấp Đồng Tâm"]
    assert hamlets["items"][0]["parent_code"] == "86001"


def test_search_ignores_diacritics(api_client_for, outsider, unit_tree):
    found = api_client_for(outsider).get(LIST, {"q": "dong tam"}).json()
    assert [u["code"] for u in found["items"]] == [unit_tree.hamlet2.code]


def test_paging(api_client_for, outsider, unit_tree):
    page = api_client_for(outsider).get(LIST, {"page_size": 2, "page": 2}).json()
    assert page["count"] == 6 and len(page["items"]) == 2 and page["page"] == 2


def test_get_one_unit(api_client_for, outsider, unit_tree):
    response = api_client_for(outsider).get(f"{LIST}/86001")
    assert response.status_code == 200
    assert response.json()["name"] == "Xã An Bình" and response.json()["area_type"] == "rural"


def test_unknown_unit_is_404(api_client_for, outsider, unit_tree):
    response = api_client_for(outsider).get(f"{LIST}/99999")
    assert response.status_code == 404
    assert "99999" in response.json()["detail"]


def test_bad_level_is_422(api_client_for, outsider, problems):
    assert ("query", "level") in problems(api_client_for(outsider).get(LIST, {"level": "village"}))


def test_wrong_method_and_missing_token(api_client_for, outsider):
    assert api_client_for(outsider).post(LIST, {}, content_type="application/json").status_code == 405
    assert Client().get(LIST).status_code == 401
