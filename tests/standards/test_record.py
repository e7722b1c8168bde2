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


# --- bounds (issue 13, class 7): every number and date has a sane bound, kept as FieldSpec data ---------------


@pytest.mark.parametrize(("record", "expected"), [
    (household(income=10**30), [("income", "maximum")]),
    (household(income=1_000_000_001), [("income", "maximum")]),
    (household(score_a=1_000.5, income_basis="score_a"), [("score_a", "maximum")]),
    (household(dwelling={"floor_area_m2": 1e308}), [("dwelling.floor_area_m2", "maximum")]),
    (household(dwelling={"floor_area_m2": 10_000.01}), [("dwelling.floor_area_m2", "maximum")]),
    (household(dwelling={"floor_area_m2": float("inf")}), [("dwelling.floor_area_m2", "finite")]),
    (household(dwelling={"floor_area_m2": float("-inf")}), [("dwelling.floor_area_m2", "finite")]),
    (household(dwelling={"floor_area_m2": float("nan")}), [("dwelling.floor_area_m2", "finite")]),
    (household(income=float("nan")), [("income", "finite")]),
    (household(members=[member(birth_date=None, age=10**23)]), [("members[0].age", "maximum")]),
    (household(reference_date="9999-12-31"), [("reference_date", "latest")]),
    (household(reference_date="0001-01-01"), [("reference_date", "earliest")]),
    (household(reference_date="1999-12-31"), [("reference_date", "earliest")]),
    (household(members=[member(birth_date="1889-12-31")]), [("members[0].birth_date", "earliest")]),
    (household(members=[member(birth_date="0001-01-01")]), [("members[0].birth_date", "earliest")]),
    (household(id="x" * 65), [("id", "max_length")]),
    (household(hamlet="x" * 201), [("hamlet", "max_length")]),
    (household(members=[member(name="x" * 201)]), [("members[0].name", "max_length")]),
    (household(members=[member(id="x" * 65)]), [("members[0].id", "max_length")]),
    (household(members=[member(ethnicity="x" * 65)]), [("members[0].ethnicity", "max_length")]),
    (household(members=[member()] + [member(id=f"C{i}", relation="child") for i in range(100)]),
     [("members", "max_items")]),
])
def test_absurd_values_are_refused_at_their_path(record: Any, expected: list[tuple[str, str]]) -> None:
    assert paths(record) == expected


@pytest.mark.parametrize("record", [
    household(income=1_000_000_000),
    household(score_a=1_000, income_basis="score_a"),
    household(dwelling={"floor_area_m2": 10_000}),
    household(reference_date="2000-01-01", year=2016),
    household(reference_date="2100-12-31", year=2100),
    household(members=[member(birth_date="1890-01-01")]),
    household(members=[member()] + [member(id=f"C{i}", relation="child") for i in range(99)]),
])
def test_the_bounds_themselves_are_allowed(record: Any) -> None:
    assert validate_record(record) == []


def test_bounds_are_field_spec_data_and_messages_name_the_bound() -> None:
    from giamngheo.standards.record import DWELLING_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS

    specs = {spec.name: spec for spec in HOUSEHOLD_FIELDS + DWELLING_FIELDS}
    assert (specs["income"].maximum, specs["score_a"].maximum, specs["floor_area_m2"].maximum) == (
        1_000_000_000, 1_000, 10_000)
    assert all(spec.maximum is not None for spec in HOUSEHOLD_FIELDS + DWELLING_FIELDS + MEMBER_FIELDS
               if spec.kind in ("integer", "number"))
    assert all(spec.earliest is not None and spec.latest is not None
               for spec in HOUSEHOLD_FIELDS + MEMBER_FIELDS if spec.kind == "date")
    assert all(spec.max_length is not None or spec.pattern is not None
               for spec in HOUSEHOLD_FIELDS + MEMBER_FIELDS if spec.kind == "string")
    (error,) = validate_record(household(reference_date="9999-12-31"))
    assert error.message("vi") == "Ngày 31/12/9999 quá xa: không được sau 31/12/2100."
    assert error.message("en") == "Date 9999-12-31 is too late: must not be after 2100-12-31."
    (error,) = validate_record(household(income=10**30))
    assert error.message("vi") == "Phải nhỏ hơn hoặc bằng 1000000000."
