"""Achievement figures against direct counts on a fixed data set (ledger statuses written by ``set_status``,
support records through the ORM), including a target set under one standard and measured in a year reviewed
under another."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from giamngheo.reviews.engine import series_of
from giamngheo.reviews.models import LedgerEntry, ReviewCase, ReviewCycle
from giamngheo.reviews.status import status_spans_refresh
from giamngheo.support.indicators import INDICATORS
from giamngheo.support.models import SupportKind, SupportRecord, Target
from giamngheo.support.targets.achievement import (
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    achievement,
    least_squares_at,
    planned,
)
from tests.reviews.conftest import survey


def _target(unit: Any, indicator: str, value: str, *, baseline: int = 2022, target_year: int = 2025,
            standard: str = "2022-2025", annual: bool = False) -> Target:
    return Target.objects.create(unit=unit, unit_path=unit.path, indicator=indicator, standard_id=standard,
                                 baseline_year=baseline, target_year=target_year, value=Decimal(value),
                                 annual=annual, source_document="NQ 12/NQ-HĐND")


@pytest.fixture
def ten(unit_tree: Any, make_household: Any, set_status: Any) -> list[Any]:
    """Ten households of commune A: poor 4 → 3 → 3 over 2022–2024, one of them an ethnic-minority household
    without working capacity; two near-poor throughout."""
    households = [make_household(unit_tree.hamlet, code=f"T{i}", ethnicity="Thái" if i == 0 else "Kinh")
                  for i in range(10)]
    for year, poor in ((2022, 4), (2023, 3), (2024, 3)):
        for i, household in enumerate(households):
            klass = "poor" if i < poor else ("near_poor" if i < 6 else "none")
            set_status(household, year, klass, ethnic_minority=i == 0, no_working_capacity=i == 0)
    return households


def test_level_rate_actual_plan_percent_projection(unit_tree: Any, ten: list[Any]) -> None:
    result = achievement(_target(unit_tree.commune, "poverty_rate", "10"), year=2024)
    # Direct count: 3 poor of 10 registry households at the end of 2024; baseline 2022: 4 of 10.
    assert result.actual == Decimal(30)
    assert result.baseline == Decimal(40)
    assert result.planned == Decimal(10)
    assert result.percent_of_plan == Decimal(10) / Decimal(30) * 100  # (30 − 40) / (10 − 40)
    # Least squares through (2022, 40), (2023, 30), (2024, 30): slope −5, 2025 → 23,33%.
    assert result.projection is not None and abs(result.projection - Decimal("23.333333")) < Decimal("0.0001")
    assert result.status == OFF_TRACK
    assert result.reason == "Dự báo năm 2025: 23,33%, cao hơn chỉ tiêu 10,00%."


def test_default_year_is_latest_with_data_and_on_track_when_trend_meets_target(unit_tree: Any,
                                                                                 ten: list[Any]) -> None:
    result = achievement(_target(unit_tree.commune, "poverty_rate", "25"))
    assert result.year == 2024
    assert result.status == ON_TRACK
    assert result.reason == "Dự báo năm 2025: 23,33%, đạt chỉ tiêu 25,00%."


def test_change_in_points_annual(unit_tree: Any, ten: list[Any]) -> None:
    result = achievement(_target(unit_tree.commune, "poverty_rate_change", "-10", annual=True), year=2024)
    assert result.actual == Decimal(-10)  # 30 % − 40 %
    assert result.planned == Decimal(-20)  # −10 × 2 years
    assert result.percent_of_plan == Decimal(50)
    assert result.projection is not None and abs(result.projection - Decimal("-16.666667")) < Decimal("0.0001")
    assert result.off_track  # plan of 2025: −30 points
    assert "cao hơn chỉ tiêu -30,00 điểm %" in result.reason


def test_reduction_of_poor_households_compounds(unit_tree: Any, ten: list[Any]) -> None:
    target = _target(unit_tree.commune, "poor_reduction_pct", "20", annual=True)
    result = achievement(target, year=2024)
    assert result.actual == Decimal(25)  # (4 − 3) / 4
    assert result.planned == Decimal("36")  # 1 − 0,8²
    assert result.percent_of_plan is not None and abs(result.percent_of_plan - Decimal("69.444")) < Decimal("0.001")
    assert planned(target, INDICATORS["poor_reduction_pct"], 2025) == Decimal("48.8")


def test_near_poor_ethnic_minority_and_no_working_capacity(unit_tree: Any, ten: list[Any]) -> None:
    near = achievement(_target(unit_tree.commune, "near_poverty_rate", "5"), year=2024)
    assert near.actual == Decimal(30)  # households 3, 4, 5
    minority = achievement(_target(unit_tree.commune, "ethnic_minority_poverty_rate", "50"), year=2024)
    assert minority.actual == Decimal(100)  # the one Thái household, poor
    capacity = achievement(_target(unit_tree.commune, "poor_no_working_capacity", "0"), year=2024)
    assert capacity.actual == Decimal(1)
    assert capacity.reason.startswith("Dự báo năm 2025: 1 hộ")


def test_target_year_reached_compares_actual(unit_tree: Any, ten: list[Any]) -> None:
    result = achievement(_target(unit_tree.commune, "poverty_rate", "35", target_year=2024), year=2030)
    assert result.year == 2024
    assert result.status == ON_TRACK
    assert result.reason == "Năm 2024: 30,00%, đạt chỉ tiêu 35,00%."


def test_no_data_in_the_period(unit_tree: Any, ten: list[Any]) -> None:
    result = achievement(_target(unit_tree.other_commune, "poverty_rate", "1"))
    assert result.status == NO_DATA
    assert result.actual is None


def test_support_counts_cumulate_over_the_period(unit_tree: Any, ten: list[Any]) -> None:
    housing = SupportKind.objects.get(code="housing_new")
    jobs = SupportKind.objects.get(code="job_placement")
    for household, kind, year in ((ten[0], housing, 2023), (ten[1], housing, 2024), (ten[2], housing, 2024),
                                  (ten[3], jobs, 2024), (ten[4], housing, 2022)):
        SupportRecord.objects.create(household=household, unit_path=household.unit_path, kind=kind,
                                     given_on=dt.date(year, 5, 1), year=year, provider_type="state_agency")
    result = achievement(_target(unit_tree.commune, "support:housing_new", "6"), year=2024)
    assert result.actual == Decimal(3)  # 2023 and 2024; the baseline year's house is before the period
    assert result.planned == Decimal(4)  # 6 × 2/3
    assert result.percent_of_plan == Decimal(75)
    # Cumulative (2022, 0), (2023, 1), (2024, 3): slope 1,5 → 2025: 4,33 < 6.
    assert result.off_track
    jobs_result = achievement(_target(unit_tree.commune, "jobs_created", "1", annual=True), year=2024)
    assert jobs_result.actual == Decimal(1)


def test_least_squares_with_two_points_is_the_single_change() -> None:
    assert least_squares_at([(2022, Decimal(4)), (2023, Decimal(3))], 2025) == Decimal(1)
    assert least_squares_at([(2022, Decimal(4))], 2025) is None


# --- measured on the target's standard ---------------------------------------------------------------


def _reviewed(household: Any, year: int, standard: str, klass: str, record: dict[str, Any] | None) -> None:
    """A ledger entry of ``year`` under ``standard`` produced by a case holding ``record``."""
    case = None
    if record is not None:
        cycle, _created = ReviewCycle.objects.get_or_create(
            commune=household.commune, kind="periodic", year=year, month=0,
            defaults={"unit_path": household.commune.path, "opens_on": dt.date(year, 9, 1),
                      "closes_on": dt.date(year, 12, 15), "standards": [standard]})
        case = ReviewCase.objects.create(cycle=cycle, household=household, unit_path=household.unit_path,
                                         source="listed", survey_record=record, survey_complete=True)
    LedgerEntry.objects.create(household=household, year=year, standard_id=standard, series=series_of(standard),
                               kind="periodic", klass=klass, effective_on=dt.date(year, 12, 10), case=case,
                               area=household.area, commune_id=household.commune_id, unit_path=household.unit_path)
    status_spans_refresh([household.pk])


@pytest.fixture
def reviewed_2026(unit_tree: Any, make_household: Any) -> list[Any]:
    """Five households of commune A reviewed in 2026 under the 2026 standard:
    S0 poor (income 1,2 M, 5 deprivations) · S1 average (income 1,8 M, 5 deprivations: poor under 2027-2030's
    2,2 M line) · S2 poor with no survey record · S3 poor whose record has no income · S4 never reviewed."""
    households = [make_household(unit_tree.hamlet, code=f"S{i}") for i in range(5)]
    for i, household in enumerate(households):
        household.refresh_from_db()  # commune loaded for the cycle
        households[i] = household
    poor = survey("poor", reference_date="2026-10-01")
    between = survey("poor", reference_date="2026-10-01")
    between["income"] = 1_800_000
    no_income = survey("poor", reference_date="2026-10-01")
    no_income["income"] = None
    _reviewed(households[0], 2026, "2026", "poor", poor)
    _reviewed(households[1], 2026, "2026", "average", between)
    _reviewed(households[2], 2026, "2026", "poor", None)
    _reviewed(households[3], 2026, "2026", "poor", no_income)
    return households


def test_target_under_2022_2025_measured_in_2026_rederives_from_survey_records(unit_tree: Any,
                                                                               reviewed_2026: list[Any]) -> None:
    target = _target(unit_tree.commune, "poverty_rate", "10", baseline=2025, target_year=2027)
    result = achievement(target, year=2026)
    measurement = result.measurement
    assert measurement is not None
    # Re-derived under 2022-2025: S0 poor, S1 average; S2 (no record) and S3 (no income) cannot be measured.
    # The rate is over the 3 households measured (5 in the registry, 2 unmeasurable).
    assert (measurement.numerator, measurement.denominator) == (1, 3)
    assert result.actual == Decimal(100) / Decimal(3)
    assert measurement.rederived == 2
    assert result.unmeasurable == 2
    assert "2 hộ không đo được theo chuẩn của chỉ tiêu" in result.unmeasurable_note
    # The ledger's own figure under the 2026 standard: S0, S2, S3 poor.
    assert measurement.ledger_value == Decimal(60)
    assert measurement.ledger_standards == ("2026",)


def test_target_under_2027_2030_counts_an_income_between_the_two_lines_as_poor(unit_tree: Any,
                                                                             reviewed_2026: list[Any]) -> None:
    target = _target(unit_tree.commune, "poverty_rate", "10", standard="2027-2030", baseline=2025,
                     target_year=2030)
    measurement = achievement(target, year=2026).measurement
    assert measurement is not None
    assert measurement.numerator == 2  # S0 and S1 (1,8 M ≤ 2,2 M, 4 deprivations ≥ 3)


def test_entries_on_the_targets_standard_are_used_as_recognised(unit_tree: Any, reviewed_2026: list[Any]) -> None:
    target = _target(unit_tree.commune, "poverty_rate", "10", standard="2026", baseline=2025, target_year=2026)
    measurement = achievement(target, year=2026).measurement
    assert measurement is not None
    assert (measurement.numerator, measurement.rederived, measurement.unmeasurable) == (3, 0, 0)


def test_rederived_statuses_are_reused_until_a_record_changes(unit_tree: Any, reviewed_2026: list[Any]) -> None:
    target = _target(unit_tree.commune, "poverty_rate", "10", standard="2027-2030", baseline=2025,
                     target_year=2030)
    first = achievement(target, year=2026).measurement
    assert first is not None and first.numerator == 2
    case = ReviewCase.objects.get(household=reviewed_2026[1])
    case.survey_record = {**case.survey_record, "income": 3_000_000}  # above 2027-2030's line
    case.save()
    again = achievement(target, year=2026).measurement
    assert again is not None and again.numerator == 1


# --- registry facts of poor and near-poor households --------------------------------------------------


@pytest.fixture
def members_2026(unit_tree: Any, make_household: Any, set_status: Any) -> list[Any]:
    """Commune A at the end of 2026: M0 poor (unsafe water; head insured and trained, a child, an adult trained
    by a support course in 2025), M1 near-poor (piped water; head insured by a card given in 2026), M2 not poor
    (insured, trained: never counted)."""
    from giamngheo.households.models import Member

    m0, m1, m2 = (make_household(unit_tree.hamlet, code=f"M{i}") for i in range(3))
    type(m0).objects.filter(pk=m0.pk).update(water_source="surface")
    type(m0).objects.filter(pk__in=[m1.pk, m2.pk]).update(water_source="piped")
    Member.objects.filter(household=m0).update(health_insured=True, education_completed="vocational_elementary")
    Member.objects.create(household=m0, position=1, member_id="2", relation="child", sex="male", age=10,
                          health_insured=False)
    Member.objects.create(household=m0, position=2, member_id="3", relation="spouse", sex="female", age=30,
                          health_insured=False, education_completed="lower_secondary")
    Member.objects.filter(household=m1).update(health_insured=False, age=50, education_completed="none")
    Member.objects.filter(household=m2).update(health_insured=True, education_completed="college")
    course = SupportKind.objects.get(code="vocational_training")
    card = SupportKind.objects.get(code="health_insurance")
    SupportRecord.objects.create(household=m0, unit_path=m0.unit_path, kind=course, member_ref="3",
                                 given_on=dt.date(2025, 6, 1), year=2025, provider_type="state_agency")
    SupportRecord.objects.create(household=m1, unit_path=m1.unit_path, kind=card, member_ref="1",
                                 given_on=dt.date(2026, 1, 5), year=2026, provider_type="state_agency")
    for household, klass in ((m0, "poor"), (m1, "near_poor"), (m2, "none")):
        set_status(household, 2025, klass)
        set_status(household, 2026, klass, standard_id="2022-2025")
    return [m0, m1, m2]


@pytest.mark.parametrize(("indicator", "numerator", "denominator", "numerator_2025"), [
    # M0 head, M1 head (card of 2026: not yet in 2025) of the 4 members of M0 and M1
    ("health_insurance_coverage", 2, 4, 1),
    ("trained_labour_pct", 2, 3, 2),  # M0 head (education), M0 spouse (course of 2025); M0's child is not of age
    ("clean_water_pct", 1, 2, 1),  # M1 piped, M0 surface
])
def test_registry_rates_of_poor_and_near_poor_households(unit_tree: Any, members_2026: list[Any], indicator: str,
                                                         numerator: int, denominator: int,
                                                         numerator_2025: int) -> None:
    measurement = achievement(_target(unit_tree.commune, indicator, "90"), year=2025).measurement
    assert measurement is not None
    assert (measurement.numerator, measurement.denominator) == (numerator_2025, denominator)
    final = achievement(_target(unit_tree.commune, indicator, "90", baseline=2024, target_year=2026),
                        year=2026).measurement
    assert final is not None
    assert (final.numerator, final.denominator) == (numerator, denominator)
    assert final.value == Decimal(numerator * 100) / Decimal(denominator)


def test_ethnic_minority_households_follow_the_configured_rule(unit_tree: Any, make_household: Any,
                                                               settings: Any) -> None:
    from giamngheo.households.models import Member
    from giamngheo.support.targets.measure import ethnic_minority_households

    head_minority = make_household(unit_tree.hamlet, code="E0", ethnicity="Thái")
    mixed = make_household(unit_tree.hamlet, code="E1")
    make_household(unit_tree.hamlet, code="E2", ethnicity="kinh")
    Member.objects.create(household=mixed, position=1, member_id="2", relation="spouse", sex="female",
                          ethnicity="Mường")
    settings.GIAMNGHEO_ETHNIC_MINORITY_RULE = "head"
    assert list(ethnic_minority_households(unit_tree.commune.path)) == [head_minority]
    settings.GIAMNGHEO_ETHNIC_MINORITY_RULE = "any_member"
    assert set(ethnic_minority_households(unit_tree.commune.path)) == {head_minority, mixed}


def test_no_household_readable_on_the_targets_standard_gives_no_figure_not_zero(
        unit_tree: Any, make_household: Any, set_status: Any) -> None:
    """2025's poor were recognised under 2022-2025 with no survey record kept (an imported list): on the 2026
    standard of the target they cannot be read, and the baseline is unknown — not 0 %, which would have the
    unit far ahead of its plan."""
    households = [make_household(unit_tree.hamlet, code=f"U{i}") for i in range(4)]
    for household in households[:2]:
        set_status(household, 2025, "poor")
        set_status(household, 2026, "poor")
    result = achievement(_target(unit_tree.commune, "poverty_rate", "1", baseline=2025, target_year=2026,
                                 standard="2026"), year=2026)
    assert result.baseline is None and result.percent_of_plan is None
    assert result.actual == Decimal(50)  # 2026's statuses are on the target's standard: 2 poor of 4
    assert result.status == OFF_TRACK


def test_a_level_already_met_when_the_target_was_set_has_no_percent_of_plan(unit_tree: Any, ten: list[Any]) -> None:
    # Baseline 2022: 40 % poor, target "at most 50 %": nothing to cover, so no share of it is shown.
    result = achievement(_target(unit_tree.commune, "poverty_rate", "50"), year=2024)
    assert result.baseline == Decimal(40) and result.percent_of_plan is None
    assert result.status == ON_TRACK
