"""One table per rule: each case names the standard, the clause/tag it tests and the expected indicator status.

Status: "deprived", "unknown" (a missing answer could change it) or "ok". Households start from the fully answered,
non-deprived BASE (conftest) and change only what the case is about.
"""

from __future__ import annotations

from typing import Any

import pytest

from giamngheo.standards import classify_record

from .builders import CHILD, household, member


def status(record: dict[str, Any], standard: str, code: str) -> str:
    result = classify_record(record, standard)
    if code in result["deprivations"]:
        return "deprived"
    return "unknown" if code in result["unknown"] else "ok"


def child(age: int, **changes: Any) -> dict[str, Any]:
    """A child whose age on 2025-10-01 is ``age`` (birthday on 1 June)."""
    return member(CHILD, **{"id": f"C{age}", "birth_date": f"{2025 - age}-06-01", **changes})


def adult(age: int, **changes: Any) -> dict[str, Any]:
    return member(**{"id": f"A{age}", "relation": "other_relative", "birth_date": f"{2025 - age}-06-01", **changes})


CASES_2022: list[tuple[str, str, dict[str, Any], str]] = [
    # employment [P]: ≥1 working-age member unemployed or wage work without contract
    ("employment", "P unemployed head", {"members": [member(employment="unemployed")]}, "deprived"),
    ("employment", "P wage without contract", {"members": [member(employment="wage_without_contract")]}, "deprived"),
    ("employment", "P self-employed", {"members": [member(employment="self_employed")]}, "ok"),
    ("employment", "P unemployed but retired (age 70)",
     {"members": [member(), adult(70, employment="unemployed")]}, "ok"),
    ("employment", "P unemployed aged 14 is not working age",
     {"members": [member(), child(14, employment="unemployed")]}, "ok"),
    ("employment", "P explicit working_age wins", {"members": [member(), adult(70, employment="unemployed",
                                                                                working_age=True)]}, "deprived"),
    ("employment", "P employment unanswered", {"members": [member(employment=None)]}, "unknown"),
    ("employment", "P unanswered but not of working age",
     {"members": [member(), adult(75, employment=None)]}, "ok"),
    # dependents [P]: dependents / members > 50%
    ("dependents", "P 1 child of 2 is exactly 50%: not more", {"members": [member(), child(10)]}, "ok"),
    ("dependents", "P 2 children of 3", {"members": [member(), child(10), child(5, id="C5")]}, "deprived"),
    ("dependents", "P aged 60 with allowance", {"members": [member(), adult(60, monthly_social_allowance=True),
                                                            child(3)]}, "deprived"),
    ("dependents", "P aged 60 without allowance", {"members": [member(), adult(60), child(3)]}, "ok"),
    ("dependents", "P mild disability with allowance",
     {"members": [member(disability="mild", monthly_social_allowance=True)]}, "deprived"),
    ("dependents", "P very severe disability, no allowance", {"members": [member(disability="very_severe")]},
     "deprived"),
    ("dependents", "P allowance unanswered could tip the ratio",
     {"members": [member(), adult(65, monthly_social_allowance=None), child(4)]}, "unknown"),
    ("dependents", "P allowance unanswered cannot tip it",
     {"members": [member(), adult(30, monthly_social_allowance=None, disability="none"), adult(40)]}, "ok"),
    # nutrition [S]: child < 16 stunted or underweight
    ("nutrition", "S child 15 stunted", {"members": [member(), child(15, nutrition="stunted")]}, "deprived"),
    ("nutrition", "S child 15 underweight", {"members": [member(), child(15, nutrition="stunted_underweight")]},
     "deprived"),
    ("nutrition", "S aged 16 is not a child", {"members": [member(), adult(16, nutrition="stunted")]}, "ok"),
    ("nutrition", "S child nutrition unanswered", {"members": [member(), child(4, nutrition=None)]}, "unknown"),
    # health_insurance [S]: member aged ≥ 6 uninsured
    ("health_insurance", "S aged 6 uninsured", {"members": [member(), child(6, health_insured=False)]}, "deprived"),
    ("health_insurance", "S aged 5 uninsured", {"members": [member(), child(5, health_insured=False)]}, "ok"),
    ("health_insurance", "S unanswered", {"members": [member(health_insured=None)]}, "unknown"),
    # adult_education [P]: 16–17 need lower secondary, 18–30 upper secondary or vocational; unless studying
    ("adult_education", "P aged 16 with primary", {"members": [member(), adult(16, education_completed="primary")]},
     "deprived"),
    ("adult_education", "P aged 17 lower secondary", {"members": [member(), adult(17,
                                                                            education_completed="lower_secondary")]},
     "ok"),
    ("adult_education", "P aged 18 lower secondary", {"members": [member(), adult(18,
                                                                            education_completed="lower_secondary")]},
     "deprived"),
    ("adult_education", "P aged 30 elementary vocational",
     {"members": [member(), adult(30, education_completed="vocational_elementary")]}, "ok"),
    ("adult_education", "P aged 31 with primary", {"members": [member(), adult(31, education_completed="primary")]},
     "ok"),
    ("adult_education", "P aged 20 primary but studying",
     {"members": [member(), adult(20, education_completed="primary", in_education=True)]}, "ok"),
    ("adult_education", "P aged 20 primary, studying unanswered",
     {"members": [member(), adult(20, education_completed="primary", in_education=None)]}, "unknown"),
    # school_attendance [P]: child 3 to < 16 not at the level for their age
    ("school_attendance", "P aged 3 not attending", {"members": [member(), child(3, school="not_attending")]},
     "deprived"),
    ("school_attendance", "P aged 15 below level", {"members": [member(), child(15, school="below_level")]},
     "deprived"),
    ("school_attendance", "P aged 2 not attending", {"members": [member(), child(2, school="not_attending")]}, "ok"),
    ("school_attendance", "P aged 16 not attending", {"members": [member(), adult(16, school="not_attending")]},
     "ok"),
    ("school_attendance", "P unanswered", {"members": [member(), child(8, school=None)]}, "unknown"),
    # housing_quality [P]: ≥ 2 of 3 structures non-durable
    ("housing_quality", "P two non-durable", {"dwelling": {"walls_durable": False, "roof_durable": False}},
     "deprived"),
    ("housing_quality", "P one non-durable", {"dwelling": {"roof_durable": False}}, "ok"),
    ("housing_quality", "P one non-durable, one unanswered", {"dwelling": {"roof_durable": False,
                                                                           "walls_durable": None}}, "unknown"),
    ("housing_quality", "P one unanswered, two durable", {"dwelling": {"walls_durable": None}}, "ok"),
    # housing_area [S]: area / members < 8 m²
    ("housing_area", "S 16 m² for 2 is exactly 8", {"dwelling": {"floor_area_m2": 16.0},
                                                    "members": [member(), child(10)]}, "ok"),
    ("housing_area", "S 15.9 m² for 2", {"dwelling": {"floor_area_m2": 15.9}, "members": [member(), child(10)]},
     "deprived"),
    ("housing_area", "S area unanswered", {"dwelling": {"floor_area_m2": None}}, "unknown"),
    # water_source [P], latrine [P]
    *[("water_source", f"P {v}", {"dwelling": {"water_source": v}}, "ok")
      for v in ("piped", "borehole", "protected_well", "protected_spring", "rainwater", "bottled")],
    *[("water_source", f"P {v}", {"dwelling": {"water_source": v}}, "deprived")
      for v in ("unprotected_well", "unprotected_spring", "surface", "other")],
    ("water_source", "P unanswered", {"dwelling": {"water_source": None}}, "unknown"),
    *[("latrine", f"P {v}", {"dwelling": {"latrine": v}}, "ok")
      for v in ("septic", "semi_septic", "pour_flush", "double_vault", "ventilated_pit")],
    *[("latrine", f"P {v}", {"dwelling": {"latrine": v}}, "deprived")
      for v in ("pit_no_slab", "overhang", "none", "other")],
    # telecom [P]: no member uses internet
    ("telecom", "P nobody uses internet", {"members": [member(uses_internet=False), child(9)]}, "deprived"),
    ("telecom", "P the child uses internet", {"members": [member(uses_internet=False),
                                                          child(9, uses_internet=True)]}, "ok"),
    ("telecom", "P one no, one unanswered", {"members": [member(uses_internet=False),
                                                         child(9, uses_internet=None)]}, "unknown"),
    ("telecom", "P one yes, one unanswered", {"members": [member(), child(9, uses_internet=None)]}, "ok"),
    # information_devices [P]
    ("information_devices", "P no device", {"dwelling": {"information_devices": []}}, "deprived"),
    ("information_devices", "P a radio only", {"dwelling": {"information_devices": ["radio"]}}, "ok"),
    ("information_devices", "P unanswered", {"dwelling": {"information_devices": None}}, "unknown"),
]


def _apply(changes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    record = household(**{k: v for k, v in changes.items() if k != "dwelling"}, **extra)
    for key, value in changes.get("dwelling", {}).items():
        if value is None:
            del record["dwelling"][key]
        else:
            record["dwelling"][key] = value
    return record


@pytest.mark.parametrize(("code", "case", "changes", "expected"), CASES_2022,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES_2022])
def test_rules_2022_2025(code: str, case: str, changes: dict[str, Any], expected: str) -> None:
    assert status(_apply(changes), "2022-2025", code) == expected


CASES_2016: list[tuple[str, str, dict[str, Any], str]] = [
    ("health_access", "P ill and untreated", {"members": [member(ill_untreated=True)]}, "deprived"),
    ("health_access", "P unanswered", {"members": [member(ill_untreated=None)]}, "unknown"),
    ("adult_education", "P born 1986, lower secondary missing",
     {"members": [member(birth_date="1986-01-01", education_completed="primary")]}, "deprived"),
    ("adult_education", "P born 1985 is exempt", {"members": [member(birth_date="1985-12-31",
                                                                      education_completed="primary")]}, "ok"),
    ("adult_education", "P age 32 in 2018: born 1985 or 1986",
     {"members": [member(birth_date=None, age=32, education_completed="primary")]}, "unknown"),
    ("school_attendance", "P aged 5 not in school", {"members": [member(), child(5, school="not_attending",
                                                                                birth_date="2013-01-01")]},
     "deprived"),
    ("school_attendance", "P below level still attends",
     {"members": [member(), child(9, school="below_level", birth_date="2009-01-01")]}, "ok"),
    ("telecom", "P phone but no internet", {"members": [member(uses_internet=False)]}, "ok"),
    ("telecom", "P neither", {"members": [member(uses_internet=False, uses_phone=False)]}, "deprived"),
    ("information_assets", "P mobile phone only, no loudspeaker",
     {"dwelling": {"information_devices": ["mobile_phone"], "hears_loudspeaker": False}}, "deprived"),
    ("information_assets", "P no device but hears the loudspeaker",
     {"dwelling": {"information_devices": []}}, "ok"),
    ("information_assets", "P no device, loudspeaker unanswered",
     {"dwelling": {"information_devices": [], "hears_loudspeaker": None}}, "unknown"),
]


@pytest.mark.parametrize(("code", "case", "changes", "expected"), CASES_2016,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES_2016])
def test_rules_2016_2020(code: str, case: str, changes: dict[str, Any], expected: str) -> None:
    assert status(_apply(changes, reference_date="2018-06-01"), "2016-2020", code) == expected


CASES_2027: list[tuple[str, str, dict[str, Any], str]] = [
    ("waste", "P untreated", {"dwelling": {"waste": "untreated"}}, "deprived"),
    ("waste", "P treated on site", {"dwelling": {"waste": "treated_on_site"}}, "ok"),
    ("waste", "P unanswered", {"dwelling": {"waste": None}}, "unknown"),
    ("digital_services", "P nobody online", {"members": [member(uses_internet=False)]}, "deprived"),
]


@pytest.mark.parametrize(("code", "case", "changes", "expected"), CASES_2027,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES_2027])
def test_rules_2027_2030(code: str, case: str, changes: dict[str, Any], expected: str) -> None:
    assert status(_apply(changes, reference_date="2027-06-01"), "2027-2030", code) == expected
