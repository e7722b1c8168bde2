"""The household page explains any valid household, whatever its answers, in Vietnamese and English.

Records come from the engine's record strategy (``tests/standards/strategies.py``): every field of the record
definition, missing answers, birth dates and ages, any review year 2016–2030. A handful per run keeps the suite fast;
the engine's own property tests (``tests/standards/test_explain_properties.py``) cover many more.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings

from giamngheo.accounts.roles import Role
from giamngheo.households.classification import engine_record, explain
from giamngheo.households.services import household_create
from tests.standards.strategies import ISSUE_14_RECORD, for_registry, household_records, web_text

pytestmark = pytest.mark.django_db


def page_text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.fixture
def officers(unit_tree, make_user):
    """The commune's officers, one reading in Vietnamese and one in English."""
    return {lang: make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, language=lang) for lang in ("vi", "en")}


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated=household_records(text=web_text, max_members=12))
@example(generated=ISSUE_14_RECORD)
def test_the_page_of_any_valid_household_explains_each_standard(generated, unit_tree, officers, client_for):
    record = for_registry(generated, commune_code=unit_tree.commune.code, province_code=unit_tree.province.code)
    household = household_create(actor=officers["vi"], record=record)
    url = reverse("households:detail", args=[household.code])
    stored = engine_record(household)
    for lang, officer in officers.items():
        response = client_for(officer).get(url)
        assert response.status_code == 200, lang
        page = page_text(response)
        rows = list(household.classifications.all())
        assert rows, "a valid household of a covered year has a class"
        for row in rows:
            decision = explain(stored, row.standard_id, lang=lang)["explanation"]["decision"]["text"]
            assert decision in page, (lang, row.standard_id)
