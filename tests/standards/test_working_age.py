"""Working age (Labour Code 2019 Art. 169, Decree 135/2020) [V]: age ≥ 15 and below the retirement age of the
reference year — men 60 y 3 m in 2021 rising 3 months a year to 62 y in 2028; women 55 y 4 m rising 4 months a
year to 60 y in 2035. Observed through the employment indicator: an unemployed member of working age deprives."""

from __future__ import annotations

import pytest

from .builders import member
from .test_rules import _apply, status


def employment_status(reference_date: str, **person: object) -> str:
    unemployed = member(**{"id": "X", "relation": "other_relative", "employment": "unemployed", **person})
    return status(_apply({"members": [member(), unemployed]}, reference_date=reference_date), "2022-2025",
                  "employment")


@pytest.mark.parametrize(("reference_date", "sex", "birth_date", "expected"), [
    ("2025-10-01", "male", "1964-07-01", "ok"),  # 61 y 3 m exactly: retirement age of 2025 reached
    ("2025-10-01", "male", "1964-07-02", "deprived"),  # one day short of 61 y 3 m
    ("2021-06-15", "male", "1961-03-15", "ok"),  # 60 y 3 m in 2021
    ("2021-06-15", "male", "1961-03-16", "deprived"),
    ("2028-01-10", "male", "1966-01-10", "ok"),  # 62 y from 2028
    ("2030-01-10", "male", "1968-01-11", "deprived"),  # stays 62 y after 2028
    ("2025-10-01", "female", "1969-02-01", "ok"),  # 56 y 8 m in 2025
    ("2025-10-01", "female", "1969-02-02", "deprived"),
    ("2035-05-01", "female", "1975-05-01", "ok"),  # 60 y in 2035
    ("2035-05-01", "female", "1975-05-02", "deprived"),
    ("2025-10-01", "female", "2010-10-01", "deprived"),  # 15 today: working age starts ("từ đủ 15 tuổi")
    ("2025-10-01", "female", "2010-10-02", "ok"),  # 14 until tomorrow
    ("2023-02-28", "male", "2008-02-29", "ok"),  # born on 29 February: still 14 on 28 February 2023
    ("2023-03-01", "male", "2008-02-29", "deprived"),  # 15 from 1 March in a non-leap year
])
def test_retirement_schedule_by_birth_date(reference_date: str, sex: str, birth_date: str, expected: str) -> None:
    assert employment_status(reference_date, sex=sex, birth_date=birth_date) == expected


@pytest.mark.parametrize(("reference_date", "sex", "age", "expected"), [
    ("2025-10-01", "male", 60, "deprived"),  # 60 y 0–11 m < 61 y 3 m
    ("2025-10-01", "male", 61, "unknown"),  # 61 y 0–11 m straddles 61 y 3 m
    ("2025-10-01", "male", 62, "ok"),
    ("2028-10-01", "male", 61, "deprived"),  # 61 y 11 m at most < 62 y
    ("2028-10-01", "male", 62, "ok"),  # 62 y exactly is reached
    ("2025-10-01", "female", 56, "unknown"),
    ("2025-10-01", "female", 15, "deprived"),
])
def test_retirement_schedule_by_age_only(reference_date: str, sex: str, age: int, expected: str) -> None:
    assert employment_status(reference_date, sex=sex, birth_date=None, age=age) == expected


def test_stated_working_age_settles_the_unknown() -> None:
    assert employment_status("2025-10-01", sex="male", birth_date=None, age=61, working_age=False) == "ok"
    assert employment_status("2025-10-01", sex="male", birth_date=None, age=61, working_age=True) == "deprived"


def test_a_year_missing_from_the_schedule_takes_the_row_in_force() -> None:
    """A definition whose schedule skips a year (rows for 2024 and 2026 only) applies 2024's row in 2025."""
    from giamngheo.standards.classify import _retirement_months
    from giamngheo.standards.definition import RetirementAge

    rows = [RetirementAge(year=2024, male_months=732, female_months=676),
            RetirementAge(year=2026, male_months=738, female_months=684)]
    male, female = _retirement_months(rows)
    assert male.to_list() == [732, 732, 738]
    assert female.to_list() == [676, 676, 684]
