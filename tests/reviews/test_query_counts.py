"""The review's list pages cost a fixed number of queries, however many cycles, cases, meetings,
certificates, units or ledger entries they show: each page is measured on a small commune, then must stay
within that count on a commune with several times the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.geo.models import AdminUnit
from giamngheo.reviews import services

from .conftest import survey
from .test_ledger import put

pytestmark = pytest.mark.django_db


def _review(commune, hamlets, per_hamlet, officer, approver, make_household, year=2025):
    """A recognised periodic review with ``per_hamlet`` poor households in each hamlet, certificates issued,
    then two regular cycles (March and April of the next year) opened by Form 01 requests."""
    for hamlet in hamlets:
        for i in range(per_hamlet):
            make_household(hamlet, code=f"{hamlet.code}-{year}-{i}", current_class="poor", area=hamlet.area_type)
    cycle = services.review_cycle_open(actor=officer, commune=commune, year=year)
    for case in cycle.cases.all():
        case = services.review_case_survey(actor=officer, case=case, record=survey("poor", area=case.household.area),
                                           expected_version=case.version, complete=True)
        services.review_case_classify(actor=officer, case=case)
    for hamlet in hamlets:
        services.review_meeting_record(actor=officer, cycle=cycle, unit=hamlet, held_on=dt.date(year, 10, 1),
                                       attendees=10, agreeing=9, chair_name="A", secretary_name="B", minutes="C")
        services.review_case_post(actor=officer, cycle=cycle, unit=hamlet, place="Nhà văn hoá",
                                  starts_on=dt.date(year, 10, 2), ends_on=dt.date(year, 10, 8))
    services.review_cycle_recognise(actor=approver, cycle=cycle, number=f"{commune.code}/QĐ", signed_on=dt.date(
        year, 10, 10), signer_name="Chủ tịch", signer_title="Chủ tịch UBND")
    services.review_certificates_issue(actor=approver, cycle=cycle, issued_on=dt.date(year, 10, 11))
    for month, hamlet in zip((3, 4), hamlets * 2, strict=False):
        household = make_household(hamlet, code=f"{hamlet.code}-R{month}", area=hamlet.area_type)
        services.review_request_file(actor=officer, household=household, form="01",
                                     received_on=dt.date(year + 1, month, 16), channel="in_person",
                                     applicant_name="Chủ hộ")
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def two_communes(unit_tree, make_user, make_household):
    """A small commune (one household per hamlet) and a bigger one (six households in its one hamlet)."""
    small_officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    big_officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)
    small = _review(unit_tree.commune, [unit_tree.hamlet, unit_tree.hamlet2], 1, small_officer,
                    make_user(role=Role.COMMUNE_APPROVER, unit=unit_tree.commune), make_household)
    big = _review(unit_tree.other_commune, [unit_tree.other_hamlet], 6, big_officer,
                  make_user(role=Role.COMMUNE_APPROVER, unit=unit_tree.other_commune), make_household)
    # The bigger commune also has its 2026 review under way: more cycles on its dashboard.
    services.review_cycle_open(actor=big_officer, commune=unit_tree.other_commune, year=2026)
    return (small_officer, small), (big_officer, big)


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _pages(cycle):
    return [
        (reverse("reviews:index"), None),
        (reverse("reviews:cycle", args=[cycle.pk]), None),
        (reverse("reviews:movements"), {"unit": cycle.commune.code, "year": 2025, "standard": "2022-2025"}),
        (reverse("reviews:requests"), None),
    ]


def test_list_pages_do_not_grow_with_rows(two_communes, client_for, django_assert_max_num_queries):
    (small_officer, small), (big_officer, big) = two_communes
    assert big.cases.count() == 3 * small.cases.count()
    small_client, big_client = client_for(small_officer), client_for(big_officer)
    for (url, params), (big_url, big_params) in zip(_pages(small), _pages(big), strict=True):
        budget = _queries(small_client, url, params)
        assert budget <= 20, (url, budget)
        with django_assert_max_num_queries(budget):
            big_client.get(big_url, big_params)


def test_province_movements_do_not_grow_with_communes(two_communes, unit_tree, make_user, make_household,
                                                      client_for, django_assert_max_num_queries):
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    client = client_for(viewer)
    params = {"unit": unit_tree.province.code, "year": 2025, "standard": "2022-2025"}
    budget = _queries(client, reverse("reviews:movements"), params)
    for n in range(3, 7):
        commune = AdminUnit.objects.create(code=f"8600{n}", level="commune", kind="xa", generation="2025",
                                           name=f"Xã Thêm {n}", parent=unit_tree.province, path=f"/86/8600{n}/",
                                           area_type="rural")
        put(make_household(commune, code=f"T{n}"), 2025, "poor")
    with django_assert_max_num_queries(budget):
        response = client.get(reverse("reviews:movements"), params)
    lines = response.context["sections"][0]["lines"]
    assert len(lines) == 7 and lines[-1]["end"] == str(2 + 6 + 4)
