"""What the review pages show instead of codes, and where a hamlet surveyor starts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from giamngheo.households.models import Household
from giamngheo.reviews import services
from giamngheo.reviews.models import ReviewCycle

from .conftest import survey

pytestmark = pytest.mark.django_db

RAW_CODES = re.compile(r">\s*(poor|near_poor|average|none|undetermined|listed|surveyed|classified|current_list|"
                       r"2022-2025)\s*<")


def _cycle(unit_tree, cast, make_household):
    make_household(unit_tree.hamlet, code="H1", head="Lò Văn Páo", current_class="poor")
    make_household(unit_tree.hamlet2, code="H2", head="Cà Thị Ỏn", current_class="near_poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get(household__code="H1")
    case = services.review_case_survey(actor=cast.officer, case=case, record=survey("poor"),
                                       expected_version=case.version, complete=True)
    services.review_case_classify(actor=cast.officer, case=case)
    return cycle


def test_case_list_shows_labels_never_codes(unit_tree, cast, make_household, client_for):
    cycle = _cycle(unit_tree, cast, make_household)
    html = client_for(cast.officer).get(reverse("reviews:cycle", args=[cycle.pk])).content.decode()
    table = html[html.index('id="cases"'):html.index("</table>", html.index('id="cases"'))]
    assert not RAW_CODES.search(table), RAW_CODES.search(table)
    assert "Hộ nghèo" in table and "Đã phân loại" in table and "Chờ khảo sát" in table
    # On a phone each row is a card: the state keeps its own cell and class, never cut off.
    assert 'class="case-state"' in table


def test_ledger_history_names_the_standard(unit_tree, cast, make_household, client_for):
    from tests.reviews.test_ledger import put

    household = make_household(unit_tree.hamlet, code="H7")
    put(household, 2025, "poor")
    html = client_for(cast.officer).get(reverse("reviews:household_ledger", args=["H7"])).content.decode()
    assert "<td>2022-2025</td>" not in html
    assert "Chuẩn nghèo đa chiều" in html


def test_surveyor_lands_on_the_households_to_survey(unit_tree, cast, make_household, client):
    cycle = _cycle(unit_tree, cast, make_household)
    cast.surveyor.set_password("pw-surveyor-1")
    cast.surveyor.save()
    response = client.post(reverse("accounts:login"), {"username": cast.surveyor.username,
                                                       "password": "pw-surveyor-1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reviews:my_cases")
    html = response.content.decode()
    assert "Hộ cần rà soát của tôi" in html
    # The cycle link comes before the list (visible without scrolling on a phone).
    assert html.index(reverse("reviews:cycle", args=[cycle.pk])) < html.index('id="cases"')
    # Only the surveyor's hamlet: H1, not H2 of the other hamlet.
    assert ">H1<" in html and ">H2<" not in html


def test_officer_lands_on_the_home_page_with_the_registry_one_click_away(unit_tree, cast, client):
    cast.officer.set_password("pw-officer-1")
    cast.officer.save()
    response = client.post(reverse("accounts:login"), {"username": cast.officer.username,
                                                       "password": "pw-officer-1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Tổng quan" in response.text
    assert f'href="{reverse("households:list")}"' in response.text


def test_my_cases_lists_households_still_to_survey_first(unit_tree, cast, make_household, client_for):
    make_household(unit_tree.hamlet, code="H0", current_class="poor")
    _cycle(unit_tree, cast, make_household)
    make_household(unit_tree.hamlet, code="H9")
    services.review_case_add(actor=cast.surveyor, cycle=ReviewCycle.objects.get(),
                             household=Household.objects.get(code="H9"), note="")
    html = client_for(cast.surveyor).get(reverse("reviews:my_cases")).content.decode()
    # H0 and H9 wait for a survey; H1 (surveyed and classified) comes after them, though its code sorts first.
    assert html.index(">H0<") < html.index(">H1<") and html.index(">H9<") < html.index(">H1<")


def test_my_cases_costs_the_same_queries_for_more_households(unit_tree, cast, make_household, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle = _cycle(unit_tree, cast, make_household)
    client = client_for(cast.surveyor)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reviews:my_cases")).status_code == 200
        return len(queries)

    small = cost()
    for i in range(15):
        services.review_case_add(actor=cast.surveyor, cycle=cycle,
                                 household=make_household(unit_tree.hamlet, code=f"M{i}"), note="")
    assert cost() <= small
