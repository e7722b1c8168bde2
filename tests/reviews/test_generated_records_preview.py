"""The survey's live explanation ("Vì sao?", the case preview) answers any valid household typed into the form.

Records come from the engine's record strategy (``tests/standards/strategies.py``) and are posted the way the survey
page sends its form; a handful per run keeps the suite fast, the engine's property tests cover many more.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from giamngheo.reviews import services
from giamngheo.standards.record import record_year
from tests.standards.strategies import ISSUE_14_RECORD, for_registry, household_records, web_text

pytestmark = pytest.mark.django_db

# Record keys the survey form does not carry: the case fixes the household's code, place and review year.
_NOT_ON_THE_FORM = ("id", "year", "province_code", "commune_code", "hamlet", "dwelling", "members")


def _typed(value: Any) -> str | list[str]:
    """An answer as the survey form sends it: yes/no, dates as dd/mm/yyyy, lists as repeated fields."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)


def survey_post(record: dict[str, Any]) -> dict[str, Any]:
    """The survey form's POST for ``record``; citizen IDs made unique (a person belongs to one household only)."""
    record = for_registry(record, commune_code="", province_code="86")
    data: dict[str, Any] = {key: _typed(value) for key, value in record.items() if key not in _NOT_ON_THE_FORM}
    dwelling = record.get("dwelling", {})
    data.update({key: _typed(value) for key, value in dwelling.items()})
    if "information_devices" not in dwelling:
        data["information_devices_unanswered"] = "on"
    members = record["members"]
    data.update({"members-TOTAL_FORMS": str(len(members)), "members-INITIAL_FORMS": "0",
                 "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "60"})
    for index, member in enumerate(members):
        for key, value in member.items():
            data[f"members-{index}-{'member_id' if key == 'id' else key}"] = _typed(value)
    return data


@pytest.fixture
def case_for_year(unit_tree, cast, make_household):
    """The review case of one household in the commune's periodic cycle of a year (opened on first use)."""
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cases: dict[int, Any] = {}

    def get(year: int) -> Any:
        if year not in cases:
            cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=year)
            cases[year] = cycle.cases.get()
        return cases[year]

    return get


def surveys(*, complete: bool) -> st.SearchStrategy[dict[str, Any]]:
    # Any birth date the record allows, down to its earliest: the form's date fields must take it too.
    return household_records(text=web_text, max_members=12, complete=complete)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=surveys(complete=False))
@example(record=ISSUE_14_RECORD)
def test_the_live_explanation_answers_any_valid_household(record, case_for_year, cast, client_for):
    """Missing answers included: the panel names them (after classifying), never a server error."""
    case = case_for_year(record_year(record))
    response = client_for(cast.surveyor).post(reverse("reviews:case_preview", args=[case.pk]), survey_post(record))
    assert response.status_code == 200


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=surveys(complete=True))
def test_the_live_explanation_explains_any_complete_survey(record, case_for_year, cast, client_for):
    case = case_for_year(record_year(record))
    response = client_for(cast.surveyor).post(reverse("reviews:case_preview", args=[case.pk]), survey_post(record))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    if "Chưa đủ thông tin để phân loại" not in page:
        # Classified under every standard of the cycle, each with its reasons ("Vì sao?").
        assert page.count('class="live-result"') == len(case.cycle.standards)
        assert page.count("Vì sao?") == len(case.cycle.standards)
