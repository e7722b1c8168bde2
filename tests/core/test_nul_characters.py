"""A NUL character (0x00) in an address, a query, a form or a JSON body is refused with a 4xx before it reaches
PostgreSQL, whose text columns cannot hold it (a single such character answered 500 there)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.households.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)


@pytest.mark.parametrize("path", ["/ho/?q=a%00b", "/ho/A%00B/", "/nhat-ky/?object_id=%00", "/ra-soat/?year=20%0025"])
def test_a_nul_in_the_address_or_query_is_a_400_in_vietnamese(client_for, officer, path):
    client = client_for(officer)
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 400
    assert "ký tự không hợp lệ" in response.content.decode()


def test_a_nul_in_a_form_is_a_400_and_nothing_is_stored(client_for, officer, unit_tree):
    client = client_for(officer)
    client.raise_request_exception = False
    response = client.post(reverse("households:create"), {"code": "A\x00", "commune": unit_tree.commune.pk})
    assert response.status_code == 400
    assert not Household.objects.exists()


def test_a_nul_in_a_json_body_is_a_422_on_its_field(api_client_for, officer, unit_tree):
    record = {"id": "NUL-1", "reference_date": "2025-10-01", "area": "rural", "commune_code": unit_tree.commune.code,
              "members": [{"id": "1", "relation": "head", "sex": "male", "age": 40, "name": "Nguyễn\x00Văn"}]}
    client = api_client_for(officer)
    client.raise_request_exception = False
    response = client.post("/api/v1/households", record, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "members", 0, "name"]
    assert not Household.objects.exists()
    refused = client.get("/api/v1/households", {"q": "a\x00"})
    assert refused.status_code == 400 and "NUL" in refused.json()["detail"]
