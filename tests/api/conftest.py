"""Fixed cast for the API tests, in the healthchecks style.

``owner``: commune officer of commune A (``unit_tree.commune``); ``province``: province officer over both
communes (may edit, may not see citizen IDs); ``outsider``: commune officer of commune B. ``household``: one
household of commune A, created through the service as an officer would.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from giamngheo.accounts.roles import Role
from giamngheo.households.services import household_create

RECORD: dict[str, Any] = {
    "id": "A-001",
    "reference_date": "2025-10-01",
    "area": "rural",
    "commune_code": "86001",
    "hamlet": "Ấp Bình Minh",
    "income": 1_200_000,
    "dwelling": {"floor_area_m2": 12, "latrine": "none", "water_source": "surface", "information_devices": []},
    "members": [
        {"id": "1", "relation": "head", "name": "Nguyễn Văn Ánh", "citizen_id": "086123456789", "sex": "male",
         "age": 44, "health_insured": False},
        {"id": "2", "relation": "spouse", "name": "Trần Thị Bé", "citizen_id": "086123456790", "sex": "female",
         "birth_date": "1985-03-02", "health_insured": False},
    ],
}


@pytest.fixture
def new_record():
    """A fresh deep copy of a valid record of commune A, with any overrides."""

    def make(**overrides: Any) -> dict[str, Any]:
        record = copy.deepcopy(RECORD)
        record.update(overrides)
        return record

    return make


@pytest.fixture
def owner(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)


@pytest.fixture
def province(unit_tree, make_user):
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)


@pytest.fixture
def outsider(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)


@pytest.fixture
def household(owner, new_record):
    return household_create(actor=owner, record=new_record())


@pytest.fixture
def problems():
    """Reads a 422 body as ``{loc: msg}`` for compact assertions (fails on any other status)."""

    def read(response: Any) -> dict[tuple[Any, ...], str]:
        assert response.status_code == 422, response.content
        return {tuple(item["loc"]): item["msg"] for item in response.json()["detail"]}

    return read
