"""/api/v1/households/{id}/classification: stored results with explanations."""

from __future__ import annotations

import pytest

from giamngheo.households.models import Classification

pytestmark = pytest.mark.django_db


def url(code="A-001"):
    return f"/api/v1/households/{code}/classification"


def test_owner_gets_each_standard_in_force_with_an_explanation(api_client_for, owner, household):
    response = api_client_for(owner).get(url())
    assert response.status_code == 200
    [result] = response.json()
    assert result["standard"] == "2022-2025" and result["class"] == "poor"
    assert result["deprivation_count"] >= 3
    assert "thiếu hụt" in result["explanation"]["text"]


def test_explanation_in_english_on_request(api_client_for, owner, household):
    [result] = api_client_for(owner).get(url(), headers={"Accept-Language": "en"}).json()
    assert "deprived" in result["explanation"]["text"]


def test_one_standard_by_id(api_client_for, owner, household):
    response = api_client_for(owner).get(url(), {"standard": "2022-2025"})
    assert [r["standard"] for r in response.json()] == ["2022-2025"]


def test_unknown_standard_is_422_in_vietnamese(api_client_for, owner, household, problems):
    found = problems(api_client_for(owner).get(url(), {"standard": "2099-2100"}))
    assert "2099-2100" in found[("query", "standard")]


def test_a_stale_result_is_recomputed(api_client_for, owner, household):
    Classification.objects.update(klass="average", standard_hash="stale")
    [result] = api_client_for(owner).get(url()).json()
    assert result["class"] == "poor"


def test_outsider_and_unknown_id_get_404(api_client_for, outsider, owner, household):
    assert api_client_for(outsider).get(url()).status_code == 404
    assert api_client_for(owner).get(url("NOPE")).status_code == 404


def test_wrong_method_is_405(api_client_for, owner, household):
    assert api_client_for(owner).post(url(), {}, content_type="application/json").status_code == 405
