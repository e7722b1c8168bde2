"""Household records for the engine tests: a fully answered, non-deprived base and ways to change it."""

from __future__ import annotations

import copy
from typing import Any

# A household that is deprived in nothing under 2022-2025 and answers every question those rules read.
ADULT: dict[str, Any] = {
    "id": "M1", "relation": "head", "sex": "male", "birth_date": "1985-01-01", "employment": "wage_with_contract",
    "health_insured": True, "education_completed": "upper_secondary", "in_education": False, "uses_internet": True,
    "uses_phone": True, "ill_untreated": False, "disability": "none", "monthly_social_allowance": False,
}
BASE: dict[str, Any] = {
    "id": "HH-1", "reference_date": "2025-10-01", "area": "rural", "income": 1_000_000,
    "dwelling": {"floor_area_m2": 40.0, "walls_durable": True, "frame_durable": True, "roof_durable": True,
                 "water_source": "piped", "latrine": "septic", "information_devices": ["tv", "mobile_phone"],
                 "hears_loudspeaker": True, "waste": "collected"},
    "members": [ADULT],
}
CHILD: dict[str, Any] = {
    "id": "C1", "relation": "child", "sex": "female", "birth_date": "2015-06-01", "health_insured": True,
    "nutrition": "normal", "school": "appropriate_level", "education_completed": "primary", "in_education": True,
    "uses_internet": False, "uses_phone": False, "ill_untreated": False, "disability": "none",
    "monthly_social_allowance": False,
}


def household(**changes: Any) -> dict[str, Any]:
    """BASE with top-level fields replaced; ``dwelling`` entries are merged, ``members`` replaced."""
    record = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key == "dwelling":
            record["dwelling"].update(value)
        else:
            record[key] = copy.deepcopy(value)
    return record


def member(base: dict[str, Any] | None = None, /, **changes: Any) -> dict[str, Any]:
    """ADULT (or ``base``) with fields replaced; a value of ``None`` removes the field (not answered)."""
    result = copy.deepcopy(base if base is not None else ADULT)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


# How to make the BASE household deprived in each 2022-2025 indicator, one change at a time.
DEPRIVE: dict[str, dict[str, Any]] = {
    "housing_quality": {"dwelling": {"walls_durable": False, "frame_durable": False}},
    "housing_area": {"dwelling": {"floor_area_m2": 5.0}},
    "water_source": {"dwelling": {"water_source": "surface"}},
    "latrine": {"dwelling": {"latrine": "none"}},
    "information_devices": {"dwelling": {"information_devices": []}},
    "telecom": {"head": {"uses_internet": False}},
    "health_insurance": {"head": {"health_insured": False}},
    "employment": {"head": {"employment": "unemployed"}},
    "adult_education": {"head": {"birth_date": "2000-01-01", "education_completed": "primary"}},
    "dependents": {"head": {"disability": "severe"}},
    "nutrition": {"child": {"id": "C1", "nutrition": "stunted"}},
    "school_attendance": {"child": {"id": "C2", "school": "not_attending", "in_education": False}},
}


def deprived_household(codes: list[str], **changes: Any) -> dict[str, Any]:
    """BASE made deprived in exactly ``codes`` (2022-2025), with other top-level ``changes``."""
    record = household(**changes)
    head = record["members"][0]
    for code in codes:
        change = DEPRIVE[code]
        record["dwelling"].update(change.get("dwelling", {}))
        head.update(change.get("head", {}))
        if "child" in change:
            record["members"].append(member(CHILD, **change["child"]))
    return record
