"""Shared fixtures of the privacy tests: a commune with one household, its officer, an outsider."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from giamngheo.accounts.roles import Role
from giamngheo.households.services import household_create

SUBJECT_ID = "086123456789"
SPOUSE_ID = "086123456790"


def record(code: str = "HH-1", *, commune_code: str = "86001", hamlet: str = "Ấp Bình Minh", income: int = 1_200_000,
           ids: tuple[str, str] = (SUBJECT_ID, SPOUSE_ID)) -> dict[str, Any]:
    return {
        "id": code, "reference_date": "2025-10-01", "area": "rural", "commune_code": commune_code,
        "hamlet": hamlet, "income": income,
        "dwelling": {"floor_area_m2": 12, "walls_durable": False, "frame_durable": False, "latrine": "none",
                     "water_source": "surface", "information_devices": []},
        "members": [
            {"id": "1", "relation": "head", "name": "Nguyễn Văn Ánh", "citizen_id": ids[0], "sex": "male",
             "age": 44, "health_insured": False, "education_completed": "primary", "employment": "self_employed"},
            {"id": "2", "relation": "spouse", "name": "Trần Thị Bé", "citizen_id": ids[1], "sex": "female",
             "birth_date": "1985-03-02", "health_insured": False},
        ],
    }


@pytest.fixture
def officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="can-bo-xa")


@pytest.fixture
def approver(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.COMMUNE_APPROVER, unit=unit_tree.commune, username="lanh-dao-xa")


@pytest.fixture
def other_officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune, username="can-bo-xa-khac")


@pytest.fixture
def household(officer: Any) -> Any:
    return household_create(actor=officer, record=record())


@pytest.fixture
def outside_household(other_officer: Any) -> Any:
    return household_create(actor=other_officer, record=record(
        "HH-9", commune_code="86002", hamlet="Tổ dân phố 1", ids=("086999999991", "086999999992")))


def received(hours_ago: int = 1) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours_ago)
