"""Class rules of every standard: the worked examples of standards.md, inclusive boundaries, score A/B, unknowns."""

from __future__ import annotations

import pytest

from giamngheo.standards import classify_record, get_standard

from .builders import DEPRIVE, deprived_household, household, member

# Order in which deprivations are added: the ones that add children come last, after dependents.
ORDER = list(DEPRIVE)


def with_deprivations(count: int, **changes: object) -> dict:
    return deprived_household(ORDER[:count], **changes)


@pytest.mark.parametrize("count", range(13))
def test_deprivation_builder_gives_exactly_the_requested_count(count: int) -> None:
    result = classify_record(with_deprivations(count), "2022-2025")
    assert result["deprivations"] == [c for c in get_standard("2022-2025").indicator_codes if c in ORDER[:count]]
    assert result["unknown"] == []


# standards.md, "Worked examples", 2022-2025 [V]
@pytest.mark.parametrize(("area", "income", "count", "expected"), [
    ("rural", 1_500_000, 3, "poor"),  # boundary inclusive ("từ … trở xuống")
    ("rural", 1_500_000, 2, "near_poor"),
    ("rural", 1_500_001, 7, "average"),  # above the line: never poor, whatever the deprivations
    ("urban", 2_000_000, 0, "near_poor"),
    ("urban", 3_000_000, 5, "average"),  # average-living bound inclusive [S]
    ("urban", 3_000_001, 9, "none"),
])
def test_worked_examples_2022_2025(area: str, income: int, count: int, expected: str) -> None:
    result = classify_record(with_deprivations(count, area=area, income=income), "2022-2025")
    assert result["deprivation_count"] == count
    assert result["class"] == expected
    assert result["criterion"] is None
    assert result["income_line"] == (1_500_000 if area == "rural" else 2_000_000)


# standards.md, "Worked examples", 2016-2020 [V] (Decision 59/2015 Art. 2)
@pytest.mark.parametrize(("income", "count", "expected", "criterion"), [
    (700_000, 0, "poor", "income"),
    (700_001, 3, "poor", "deprivation"),
    (700_001, 2, "near_poor", None),
    (1_000_000, 2, "near_poor", None),  # near-poverty line inclusive
    (1_000_001, 0, "average", None),
    (1_500_000, 5, "average", None),
    (1_500_001, 5, "none", None),
])
def test_worked_examples_2016_2020(income: int, count: int, expected: str, criterion: str | None) -> None:
    deprive = ["housing_quality", "housing_area", "water_source", "latrine", "health_insurance"][:count]
    record = deprived_household(deprive, income=income, reference_date="2018-06-01")
    result = classify_record(record, "2016-2020")
    assert result["deprivation_count"] == count
    assert (result["class"], result["criterion"]) == (expected, criterion)
    assert result["near_poor_line"] == 1_000_000


@pytest.mark.parametrize(("area", "income", "count", "expected"), [
    ("rural", 2_200_000, 3, "poor"),  # Decree 351/2025 [V]
    ("rural", 2_200_000, 2, "near_poor"),
    ("urban", 2_800_001, 4, "average"),
    ("urban", 4_200_000, 0, "average"),  # 1.5 × line [P]
    ("urban", 4_200_001, 0, "none"),
])
def test_2027_2030_lines(area: str, income: int, count: int, expected: str) -> None:
    deprive = ["housing_quality", "housing_area", "water_source", "latrine"][:count]
    record = deprived_household(deprive, area=area, income=income, reference_date="2027-06-01")
    record["dwelling"]["waste"] = "collected"
    assert classify_record(record, "2027-2030")["class"] == expected


def test_2026_continues_2022_2025_with_its_own_hash() -> None:
    record = with_deprivations(3, income=1_500_000, reference_date="2026-03-01")
    result = classify_record(record)
    assert (result["standard"], result["class"]) == ("2026", "poor")
    assert result["standard_hash"] != get_standard("2022-2025").hash


@pytest.mark.parametrize(("year", "standard"), [
    (2016, "2016-2020"), (2021, "2016-2020"), (2022, "2022-2025"), (2025, "2022-2025"), (2026, "2026"),
    (2027, "2027-2030"), (2030, "2027-2030"),
])
def test_review_year_picks_the_standard(year: int, standard: str) -> None:
    assert classify_record(household(year=year))["standard"] == standard


# Circular 07/2021, Phiếu B [V]: A ≤ 140 (rural) / 175 (urban); B = 10 per deprivation, poor from 30.
@pytest.mark.parametrize(("area", "score", "count", "expected"), [
    ("rural", 140, 3, "poor"),
    ("rural", 140, 2, "near_poor"),
    ("rural", 140.5, 9, "none"),  # the score form has no average-living band
    ("urban", 175, 3, "poor"),
    ("urban", 175.01, 0, "none"),
])
def test_score_a_basis(area: str, score: float, count: int, expected: str) -> None:
    record = with_deprivations(count, area=area, score_a=score)
    del record["income"]
    result = classify_record(record, "2022-2025")
    assert (result["basis"], result["class"]) == ("score_a", expected)


def test_income_basis_chooses_between_income_and_score() -> None:
    by_score = with_deprivations(3, income=5_000_000, score_a=100, income_basis="score_a")
    by_income = with_deprivations(3, income=5_000_000, score_a=100, income_basis="income")
    assert classify_record(by_score, "2022-2025")["class"] == "poor"
    assert classify_record(by_income, "2022-2025")["class"] == "none"


def test_standard_without_score_form_uses_income() -> None:
    record = with_deprivations(3, income=600_000, score_a=500, income_basis="score_a", reference_date="2018-01-01")
    result = classify_record(record, "2016-2020")
    assert (result["basis"], result["class"], result["criterion"]) == ("income", "poor", "income")


# standards.md, "Missing answers": a class is decided where the unknowns cannot change it.
@pytest.mark.parametrize(("known", "income", "expected"), [
    (2, 1_000_000, "undetermined"),  # 2 known + 1 unknown could reach 3
    (3, 1_000_000, "poor"),  # already 3 known: poor whatever the unknown
    (1, 1_000_000, "near_poor"),  # at most 2: near-poor whatever the unknown
    (2, 1_500_001, "average"),  # above the line: the deprivations do not matter
])
def test_unknown_changes_the_class_only_where_it_could(known: int, income: int, expected: str) -> None:
    record = with_deprivations(known, income=income)
    del record["dwelling"]["latrine"]  # latrine is 4th in ORDER, never among the known deprivations here
    result = classify_record(record, "2022-2025")
    assert (result["deprivation_count"], result["unknown"]) == (known, ["latrine"])
    assert result["class"] == expected


def test_missing_income_is_undetermined() -> None:
    record = with_deprivations(5)
    del record["income"]
    result = classify_record(record, "2022-2025")
    assert (result["basis"], result["class"]) == ("income", "undetermined")


# Decree 30/2025 [S]: low-income worker, a member-level flag from 24/02/2025.
@pytest.mark.parametrize(("income", "reference_date", "expected"), [
    (2_250_000, "2025-03-01", ["M1"]),  # average household, bound inclusive
    (2_250_001, "2025-03-01", []),
    (1_600_000, "2025-02-23", []),  # before the decree took effect
    (1_400_000, "2025-03-01", []),  # near-poor household: not a low-income worker
])
def test_low_income_workers(income: int, reference_date: str, expected: list[str]) -> None:
    record = household(income=income, reference_date=reference_date,
                       members=[member(), member(id="M2", relation="spouse", employment="not_working")])
    assert classify_record(record, "2022-2025")["low_income_workers"] == expected
