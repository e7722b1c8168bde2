"""GET /api/v1/households/{id}/classification explains any valid household, in Vietnamese and English.

Records come from the engine's record strategy (``tests/standards/strategies.py``); a handful per run keeps the
suite fast, the engine's property tests cover many more.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings

from giamngheo.accounts.roles import Role
from giamngheo.households.services import household_create
from giamngheo.standards import get_standard, standards_in_force
from giamngheo.standards.record import record_year
from tests.standards.strategies import ISSUE_14_RECORD, for_registry, household_records, web_text

pytestmark = pytest.mark.django_db


def check_classification(client, household, record) -> None:
    expected = [s.id for s in standards_in_force(record_year(record), record["province_code"])]
    for language in ("vi", "en"):
        response = client.get(f"/api/v1/households/{household.code}/classification",
                              headers={"Accept-Language": language})
        assert response.status_code == 200, (language, response.content)
        results = response.json()
        assert [r["standard"] for r in results] == expected
        for result in results:
            explanation = result["explanation"]
            assert explanation["lang"] == language and explanation["text"].strip()
            statuses = {e["code"]: e["status"] for e in explanation["indicators"]}
            assert [c for c, s in statuses.items() if s == "deprived"] == result["deprivations"]
            assert [c for c, s in statuses.items() if s == "unknown"] == result["unknown"]


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated=household_records(text=web_text, max_members=12))
@example(generated=ISSUE_14_RECORD)
def test_classification_of_any_valid_household_is_explained(generated, unit_tree, owner, api_client_for):
    record = for_registry(generated, commune_code=unit_tree.commune.code, province_code=unit_tree.province.code)
    household = household_create(actor=owner, record=record)
    check_classification(api_client_for(owner), household, record)


@pytest.fixture
def city(make_unit_tree, make_user):
    """A commune of Ho Chi Minh City (province 79), which has a local standard, and its officer."""
    tree = make_unit_tree(province_code="79")
    return tree, make_user(role=Role.COMMUNE_OFFICER, unit=tree.commune)


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated=household_records(get_standard("79-2025"), text=web_text, max_members=12))
def test_the_local_standard_is_explained_too(generated, city, api_client_for):
    tree, officer = city
    record = for_registry(generated, commune_code=tree.commune.code, province_code=tree.province.code)
    household = household_create(actor=officer, record=record)
    check_classification(api_client_for(officer), household, record)
