"""Issue 13, class 1, through the API: ``GET /households?q=`` matches a citizen ID only for a user who may see
it there. ``province`` (like the demo's ``tinh``) sees IDs masked: no digits it sends match one."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
LIST = "/api/v1/households"
HEAD_ID = "086123456789"  # in tests/api/conftest.py RECORD

ID_QUERIES = [HEAD_ID, "0861234", "456789", "2345", "A-001 6789", "A-001 789", "a-001 086123456790", "nguyen 4567"]


def found(client, q):
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize("q", ID_QUERIES)
def test_province_officer_cannot_search_by_masked_ids(api_client_for, province, household, q):
    assert found(api_client_for(province), q) == []


@pytest.mark.parametrize("q", ID_QUERIES)
def test_commune_officer_searches_by_whole_or_partial_ids(api_client_for, owner, household, q):
    assert found(api_client_for(owner), q) == ["A-001"]


def test_province_officer_still_searches_by_name_code_and_hamlet(api_client_for, province, household):
    client = api_client_for(province)
    assert found(client, "nguyen van anh") == ["A-001"]
    assert found(client, "A-001") == ["A-001"]
    assert found(client, "binh minh") == ["A-001"]
