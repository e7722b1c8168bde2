"""Standard definitions: loaded from TOML, validated, hashed; local standards override a base."""

from __future__ import annotations

from pathlib import Path

import pytest

from giamngheo.standards import (
    StandardError,
    classify_record,
    get_standard,
    list_standards,
    load_local_standard,
    standards_in_force,
)
from giamngheo.standards.definition import DEFINITIONS_DIR, canonical_form, load_standard_file

from .builders import deprived_household, household


def test_the_four_national_standards_and_hcmc_are_built_in() -> None:
    assert [s.id for s in list_standards()] == ["2016-2020", "2022-2025", "2026", "2027-2030", "79-2025"]
    assert [len(s.indicators) for s in list_standards()] == [10, 12, 12, 12, 12]


def test_hash_is_sha256_of_the_canonical_form_and_stable() -> None:
    import hashlib

    standard = get_standard("2022-2025")
    assert standard.hash == hashlib.sha256(canonical_form(standard).encode()).hexdigest()
    assert load_standard_file(DEFINITIONS_DIR / "2022-2025.toml").hash == standard.hash
    assert len({s.hash for s in list_standards()}) == 5


@pytest.mark.parametrize(("year", "province", "expected"), [
    (2025, "79", ["2022-2025", "79-2025"]),
    (2025, "86", ["2022-2025"]),
    (2024, "79", ["2022-2025"]),
    (2021, None, ["2016-2020"]),
    (2026, "79", ["2026"]),
])
def test_standards_in_force(year: int, province: str | None, expected: list[str]) -> None:
    assert [s.id for s in standards_in_force(year, province)] == expected


def test_unknown_standard_and_year_are_clear_errors() -> None:
    with pytest.raises(StandardError, match="unknown standard '2099'"):
        get_standard("2099")
    with pytest.raises(StandardError, match="no national standard covers review year 2031"):
        standards_in_force(2031)


def test_hcmc_lines_are_per_year_and_compared_exactly() -> None:
    hcmc = get_standard("79-2025")
    assert (hcmc.lines.period, hcmc.lines.urban.poverty, hcmc.lines.urban.near_poverty) == ("year", 46_000_000,
                                                                                             54_000_000)
    # 46,000,000 / 12 is not a whole number of đồng: 3,833,333 a month is under the line, 3,833,334 over.
    poor = deprived_household(["housing_quality", "housing_area", "latrine"], income=3_833_333, province_code="79")
    assert classify_record(poor, "79-2025")["class"] == "poor"
    assert classify_record({**poor, "income": 3_833_334}, "79-2025")["class"] == "near_poor"
    assert classify_record({**poor, "income": 4_500_000}, "79-2025")["class"] == "near_poor"  # 54,000,000 a year
    assert classify_record({**poor, "income": 4_500_001}, "79-2025")["class"] == "none"
    near = household(income=3_000_000, province_code="79")
    assert classify_record(near, "79-2025")["class"] == "near_poor"
    assert classify_record(near, "79-2025")["low_income_workers"] == []


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "local.toml"
    path.write_text(text, encoding="utf-8")
    return path


LOCAL_HEADER = """
schema_version = 1
id = "86-2025"
base = "2022-2025"
province_code = "86"
title_vi = "Chuẩn thử"
title_en = "Test standard"
instrument_vi = "Nghị quyết thử"
instrument_en = "Test resolution"
instrument_tag = "P"
effective_from = 2025-01-01
effective_to = 2025-12-31
first_review_year = 2025
last_review_year = 2025
"""


def test_local_standard_overrides_parameters_of_the_base(tmp_path: Path) -> None:
    local = load_local_standard(_write(tmp_path, LOCAL_HEADER + """
[indicator_params.housing_area]
min_m2_per_person = 12.0
"""))
    record = household(dwelling={"floor_area_m2": 11.0})
    assert "housing_area" in classify_record(record, local)["deprivations"]
    assert "housing_area" not in classify_record(record, "2022-2025")["deprivations"]
    assert local.hash != get_standard("2022-2025").hash


@pytest.mark.parametrize(("extra", "message"), [
    ("[indicator_params.housing_area]\nmin_m2_per_person = -1\n", "greater than 0"),
    ("[indicator_params.no_such]\nx = 1\n", "indicators the base does not have: no_such"),
    ("remove = [\"indicators\"]\n", "remove may name only"),
    ("[indicator_params.water_source]\naccepted = [\"lake\"]\n", "not possible answers"),
    ("[lines]\nperiod = \"week\"\n", "lines"),
])
def test_invalid_definitions_are_rejected_with_a_clear_message(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(StandardError, match=message):
        load_local_standard(_write(tmp_path, LOCAL_HEADER + extra))


def test_local_standard_needs_a_province(tmp_path: Path) -> None:
    with pytest.raises(StandardError, match="needs province_code and base"):
        load_local_standard(_write(tmp_path, LOCAL_HEADER.replace('province_code = "86"\n', "")))


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(StandardError, match="file not found"):
        load_local_standard(tmp_path / "nope.toml")
    with pytest.raises(StandardError, match="not valid TOML"):
        load_local_standard(_write(tmp_path, "id = "))


def test_every_provisional_threshold_is_a_parameter_with_its_tag() -> None:
    for standard in list_standards():
        for indicator in standard.indicators:
            assert indicator.tag in ("V", "S", "P")
            assert indicator.clause
            assert indicator.params, f"{standard.id}/{indicator.code} has no parameters"
