"""Registry pages through the test client: scope, filters, search, paging, detail, create, edit, delete."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household, Member
from giamngheo.households.services import household_create, household_update

pytestmark = pytest.mark.django_db


def record(code="HH-1", *, hamlet="Ấp Bình Minh", commune_code="86001", head="Nguyễn Văn Ánh", income=1_200_000,
           ids=("086123456789", "086123456790"), **overrides):
    """A rural 2025 household under the income line with several deprivations (poor under 2022–2025)."""
    data = {
        "id": code,
        "reference_date": "2025-10-01",
        "area": "rural",
        "commune_code": commune_code,
        "income": income,
        "dwelling": {"floor_area_m2": 12, "walls_durable": False, "frame_durable": False, "latrine": "none",
                     "water_source": "surface", "information_devices": []},
        "members": [
            {"id": "1", "relation": "head", "name": head, "citizen_id": ids[0], "sex": "male",
             "age": 44, "health_insured": False, "education_completed": "primary", "employment": "self_employed"},
            {"id": "2", "relation": "spouse", "name": "Trần Thị Bé", "citizen_id": ids[1], "sex": "female",
             "birth_date": "1985-03-02", "health_insured": False},
        ],
    }
    if hamlet:
        data["hamlet"] = hamlet
    data.update(overrides)
    return data


@pytest.fixture
def officer(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, first_name="Lan", last_name="Trần")


@pytest.fixture
def province_officer(unit_tree, make_user):
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)


@pytest.fixture
def viewer(unit_tree, make_user):
    return make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)


@pytest.fixture
def other_officer(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)


@pytest.fixture
def household(officer):
    return household_create(actor=officer, record=record())


@pytest.fixture
def other_household(other_officer):
    return household_create(actor=other_officer, record=record("HH-9", hamlet="Tổ dân phố 1", commune_code="86002",
                                                              head="Lê Thị Hoa", ids=("086200000001", "086200000002")))


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- list ---------------------------------------------------------------------------------------------------------


def test_list_shows_only_households_in_scope(client_for, officer, province_officer, household, other_household):
    page = text(client_for(officer).get(reverse("households:list")))
    assert "HH-1" in page and "Nguyễn Văn Ánh" in page
    assert "HH-9" not in page and "Lê Thị Hoa" not in page
    assert "1 hộ" in page

    page = text(client_for(province_officer).get(reverse("households:list")))
    assert "HH-1" in page and "HH-9" in page
    assert "2 hộ" in page
