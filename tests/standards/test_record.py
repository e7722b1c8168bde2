"""Record validation: JSON path, Vietnamese and English message for each problem (household-record.md v1)."""

from __future__ import annotations

from typing import Any

import pytest

from giamngheo.standards import validate_record

from .builders import household, member


def paths(record: Any) -> list[tuple[str, str]]:
    return [(e.path, e.code) for e in validate_record(record)]


def test_base_record_is_valid() -> None:
    assert validate_record(household()) == []


def _without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        del record[key]
    return record


@pytest.mark.parametrize(("record", "expected"), [
    ("not an object", [("$", "type")]),
    (household(income_typo=1), [("income_typo", "unknown_field")]),
    (household(dwelling={"colour": "red"}), [("dwelling.colour", "unknown_field")]),
    (household(members=[member(nickname="Ba")]), [("members[0].nickname", "unknown_field")]),
    (_without(household(), "id"), [("id", "required")]),
    (household(id=""), [("id", "empty")]),
    (household(reference_date="2025-02-30"), [("reference_date", "date")]),
    (household(reference_date="20250201"), [("reference_date", "date")]),
    (household(area="town"), [("area", "enum")]),
    (household(year=2015), [("year", "minimum")]),
    (household(income=-1), [("income", "minimum")]),
    (household(income=1.5), [("income", "type")]),
    (household(income=True), [("income", "type")]),
    (household(income="1000"), [("income", "type")]),
    (household(province_code="7"), [("province_code", "pattern")]),
    (household(commune_code="7900A"), [("commune_code", "pattern")]),
    (household(dwelling={"walls_durable": "yes"}), [("dwelling.walls_durable", "type")]),
    (household(dwelling={"information_devices": ["tv", "tv"]}), [("dwelling.information_devices[1]", "duplicate")]),
    (household(dwelling={"information_devices": ["fax"]}), [("dwelling.information_devices[0]", "enum")]),
    (household(members=[]), [("members", "min_items")]),
    (household(members=[member(relation="spouse")]), [("members", "no_head")]),
    (household(members=[member(), member(id="M2")]), [("members[1].relation", "extra_head")]),
    (household(members=[member(), member(relation="child")]), [("members[1].id", "duplicate_member_id")]),
    (household(members=[member(birth_date=None)]), [("members[0]", "birth_date_or_age")]),
    (household(members=[member(age=40)]), [("members[0]", "birth_date_and_age")]),
    (household(members=[member(birth_date="2025-10-02")]), [("members[0].birth_date", "birth_after_reference")]),
    (household(members=[member(birth_date=None, age=131)]), [("members[0].age", "maximum")]),
    (household(members=[member(citizen_id="12345")]), [("members[0].citizen_id", "pattern")]),
    (household(score_a=120), [("income_basis", "income_basis_required")]),
    (_without(household(income_basis="score_a"), "income"), [("income_basis", "income_basis_absent")]),
])
def test_each_problem_is_reported_at_its_path(record: Any, expected: list[tuple[str, str]]) -> None:
    assert paths(record) == expected


def test_messages_are_vietnamese_and_english() -> None:
    (error,) = validate_record(household(members=[member(birth_date="2026-01-01")]))
    assert error.message("vi") == "Ngày sinh sau ngày khảo sát (reference_date)."
    assert error.message("en") == "The birth date is after the reference date."
    assert error.to_dict()["path"] == "members[0].birth_date"


def test_integral_float_is_an_integer_as_in_json_schema() -> None:
    assert validate_record(household(income=1_000_000.0)) == []


def test_all_problems_of_a_record_are_reported_together() -> None:
    record = household(area="town", members=[member(sex="x", birth_date=None)])
    assert paths(record) == [("area", "enum"), ("members[0].sex", "enum"), ("members[0]", "birth_date_or_age")]
