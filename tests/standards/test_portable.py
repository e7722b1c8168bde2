"""The portable standards: plain JSON, deterministic, complete, and following every change of a definition.

What the device engine does with them is tested in ``tests/browser/test_device_engine_agreement.py``; here, the
export itself, and that its sentence templates give ``explain.py``'s own sentences.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from giamngheo.standards import classify_record, list_standards
from giamngheo.standards import explain as explain_module
from giamngheo.standards.definition import Standard, get_standard
from giamngheo.standards.portable import (
    FORMAT,
    PortableError,
    _describe,
    portable_standard,
    portable_standards,
)
from giamngheo.standards.rules import RULE_KINDS
from giamngheo.standards.vocabulary import format_number

from .builders import household, member

ROOT = Path(__file__).resolve().parents[2]


def test_every_standard_shipped_is_exported_national_then_local() -> None:
    exported = portable_standards()
    assert [p["id"] for p in exported] == [s.id for s in list_standards()]
    assert {"2016-2020", "2022-2025", "2026", "2027-2030", "79-2025"} <= {p["id"] for p in exported}
    assert [p["province_code"] for p in exported][-1] == "79"
    assert all(p["format"] == FORMAT for p in exported)


@pytest.mark.parametrize("standard", list_standards(), ids=lambda s: s.id)
def test_export_is_plain_json_and_a_fresh_copy(standard: Standard) -> None:
    exported = portable_standard(standard)
    assert json.loads(json.dumps(exported)) == exported
    assert exported["hash"] == standard.hash
    exported["lines"]["rural"]["poverty"] = 1  # a caller changing its copy changes nobody else's
    assert portable_standard(standard)["lines"]["rural"]["poverty"] == standard.lines.rural.poverty


def test_export_is_the_same_in_another_process() -> None:
    code = ("import json; from giamngheo.standards.portable import portable_standards; "
            "print(json.dumps(portable_standards(), sort_keys=True, ensure_ascii=False))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == json.dumps(portable_standards(), sort_keys=True, ensure_ascii=False)


def test_every_rule_kind_is_exported_with_its_validated_parameters() -> None:
    used = set()
    for standard in list_standards():
        exported = portable_standard(standard)
        assert [i["code"] for i in exported["indicators"]] == standard.indicator_codes
        for indicator, data in zip(standard.indicators, exported["indicators"], strict=True):
            kind = RULE_KINDS[indicator.rule]
            assert data["rule"] == indicator.rule and data["level"] == kind.level
            # Defaults filled in: the device never guesses a parameter the file left out.
            assert data["params"] == indicator.parsed_params.model_dump(mode="json")
            assert data["member_fields"] == kind.member_fields(indicator.parsed_params)
            assert data["household_fields"] == kind.household_fields(indicator.parsed_params)
            used.add(indicator.rule)
    # Every rule kind is in some shipped standard, so the agreement test runs every kind the device knows.
    assert used == set(RULE_KINDS), "a rule kind no shipped standard uses is not covered by the agreement test"
    education = next(i for i in portable_standard(get_standard("2022-2025"))["indicators"]
                     if i["code"] == "adult_education")
    assert education["params"]["in_education_exempts"] is True and education["params"]["born_from_year"] is None


def test_sections_follow_the_definition() -> None:
    national, local = portable_standard(get_standard("2022-2025")), portable_standard(get_standard("79-2025"))
    assert national["score_form"]["cut_rural"] == 140 and national["low_income_worker"]["income_urban"] == 3_000_000
    assert local["score_form"] is None and local["low_income_worker"] is None
    assert (local["lines"]["period"], local["lines"]["months"]) == ("year", 12)
    table = national["working_age"]
    assert (table["first_year"], table["last_year"], table["min_age"]) == (2020, 2035, 15)
    assert table["male_months"][2028 - 2020] == 744 and table["female_months"][-1] == 720
    assert portable_standard(get_standard("2016-2020"))["working_age"] is None


def _changed(standard: Standard, change: Any) -> Standard:
    raw = standard.model_dump(mode="json")
    change(raw)
    return Standard.model_validate(raw)


def test_a_changed_definition_changes_the_export_and_its_words() -> None:
    standard = get_standard("2022-2025")
    before = portable_standard(standard)

    def lower_line(raw: dict[str, Any]) -> None:
        raw["lines"]["rural"]["poverty"] = 1_400_000

    def larger_area(raw: dict[str, Any]) -> None:
        next(i for i in raw["indicators"] if i["code"] == "housing_area")["params"]["min_m2_per_person"] = 9.0

    after_line = portable_standard(_changed(standard, lower_line))
    assert after_line["hash"] != before["hash"] and after_line["lines"]["rural"]["poverty"] == 1_400_000
    assert any("1.400.000" in t for t in after_line["text"]["vi"]["decision"]["templates"])
    assert not any("1.400.000" in t for t in before["text"]["vi"]["decision"]["templates"])
    after_area = portable_standard(_changed(standard, larger_area))
    area = next(i for i in after_area["indicators"] if i["code"] == "housing_area")
    assert after_area["hash"] != before["hash"] and area["params"]["min_m2_per_person"] == 9.0
    assert "9 m²" in area["rule_text"]["vi"] and "9 m²" in area["rule_text"]["en"]


def _fill(template: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{([A-Za-z_0-9]+)\}", lambda m: str(values[m.group(1)]), template)


@pytest.mark.parametrize(("standard_id", "record", "lang"), [
    ("2022-2025", household(income=1_200_000, members=[member(health_insured=False, uses_internet=None)]), "vi"),
    ("2022-2025", household(income=1_200_000, members=[member(health_insured=False, uses_internet=None)]), "en"),
    ("2022-2025", household(score_a=130.5, income_basis="score_a", dwelling={"latrine": "none"}), "vi"),
    ("2016-2020", household(income=850_000, reference_date="2019-01-01", dwelling={"latrine": "none"}), "vi"),
    ("79-2025", household(income=3_900_000, province_code="79"), "en"),
    ("2027-2030", household(income=None, members=[member()]), "vi"),
])
def test_decision_templates_give_explains_own_sentence(standard_id: str, record: dict[str, Any], lang: str) -> None:
    record = {k: v for k, v in record.items() if v is not None}
    standard = get_standard(standard_id)
    result = classify_record(record, standard, explain=True, lang=lang)
    decision = result["explanation"]["decision"]
    words = portable_standard(standard)["text"][lang]
    band, income, score = decision["band"], record.get("income"), record.get("score_a")
    key = ("missing|income" if band == "missing" else
           f"{band}|{record['area']}|{result['class']}|{int(bool(result['unknown']))}")
    values = {"income": format_number(income, lang) if income is not None else None,
              "income_year": format_number(income * 12, lang) if income is not None else None,
              "score": format_number(score, lang) if score is not None else None,
              "known": result["deprivation_count"], "unknown": len(result["unknown"]),
              "score_b": result["deprivation_count"] * 10, "class_label": words["classes"][result["class"]]}
    assert _fill(words["decision"]["templates"][words["decision"]["keys"][key]], values) == decision["text"]


def test_report_templates_are_cut_from_render_text() -> None:
    words = portable_standard(get_standard("2022-2025"))["text"]
    assert words["vi"]["report"]["result"] == "Kết quả: {CLASS_LABEL}"
    assert words["en"]["report"]["deprived_title"] == "Deprived indicators ({count}/{total}):"
    assert words["vi"]["member_line"]["age"] == ", {age} tuổi"
    assert words["en"]["member_fields"]["employment"]["values"]["unemployed"] == "unemployed (wants work, has none)"
    assert words["vi"]["number"] == {"group": ".", "decimal": ","}
    dates = portable_standard(get_standard("2016-2020"))["text"]["en"]["member_fields"]["birth_date"]
    assert (dates["template"], dates["months"][1], dates["day_digits"]) == ("{day} {month} {year}", "February", 1)


def test_a_sentence_the_templates_cannot_follow_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """If explain.py starts writing a value the export has no placeholder for, the export fails loudly."""
    standard = get_standard("2022-2025")
    original = explain_module.decision_text
    monkeypatch.setattr(explain_module, "decision_text",
                        lambda row, std, lang: original(row, std, lang) + f" ({row['income'] // 7})"
                        if row.get("income") is not None else original(row, std, lang))
    with pytest.raises(PortableError, match="decision text"):
        _describe(standard)
