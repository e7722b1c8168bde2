"""Answers in words: one formatter per field kind of the record definition, a label for every field."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import pytest

from giamngheo.standards import record as rec
from giamngheo.standards.vocabulary import (
    FIELDS,
    FORMATTERS,
    HOUSEHOLD_SPECS,
    MEMBER_SPECS,
    answer,
    answer_text,
    format_number,
)


def test_every_field_kind_has_a_formatter_and_every_field_a_label() -> None:
    assert set(FORMATTERS) == set(get_args(rec.Kind))
    for spec in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS, *rec.MEMBER_FIELDS):
        assert spec.name in FIELDS, f"{spec.name} has no label"
        for code in spec.values:
            assert answer_text(spec, code, "vi") and answer_text(spec, code, "en")


@pytest.mark.parametrize(("specs", "field", "value", "vi", "en"), [
    (MEMBER_SPECS, "birth_date", dt.date(2000, 1, 2), "02/01/2000", "2 January 2000"),
    (MEMBER_SPECS, "birth_date", "1986-12-31", "31/12/1986", "31 December 1986"),
    (MEMBER_SPECS, "age", 44, "44", "44"),
    (HOUSEHOLD_SPECS, "income", 1_500_000, "1.500.000 đồng/người/tháng", "1,500,000 VND per person a month"),
    (HOUSEHOLD_SPECS, "floor_area_m2", 45.5, "45,5 m²", "45.5 m²"),
    (HOUSEHOLD_SPECS, "floor_area_m2", 40.0, "40 m²", "40 m²"),
    (HOUSEHOLD_SPECS, "score_a", 140.004, "140,004", "140.004"),
    (MEMBER_SPECS, "health_insured", False, "không", "no"),
    (MEMBER_SPECS, "working_age", True, "có", "yes"),
    (MEMBER_SPECS, "disability", "none", "không khuyết tật", "none"),
    (HOUSEHOLD_SPECS, "latrine", "none", "không có nhà tiêu", "no latrine"),
    (HOUSEHOLD_SPECS, "information_devices", [], "không có", "none"),
    (HOUSEHOLD_SPECS, "information_devices", ["tv", "radio"], "ti vi, radio", "TV, radio"),
    (MEMBER_SPECS, "name", "Lò Văn Páo", "Lò Văn Páo", "Lò Văn Páo"),
    (MEMBER_SPECS, "employment", None, "chưa trả lời", "not answered"),
])
def test_answers_in_words(specs: dict[str, rec.FieldSpec], field: str, value: Any, vi: str, en: str) -> None:
    assert answer_text(specs[field], value, "vi") == vi
    assert answer_text(specs[field], value, "en") == en


def test_an_answer_keeps_the_record_form_of_its_value() -> None:
    assert answer(MEMBER_SPECS["birth_date"], dt.date(2000, 1, 2), "en") == {
        "label": "birth date", "value": "2000-01-02", "text": "2 January 2000"}


@pytest.mark.parametrize(("value", "vi", "en"), [
    (1_500_000, "1.500.000", "1,500,000"),
    (6.5, "6,5", "6.5"),
    (0.1, "0,1", "0.1"),
    (1e-7, "0,0000001", "0.0000001"),
    (1234.5678, "1.234,5678", "1,234.5678"),
    (1e20, "100.000.000.000.000.000.000", "100,000,000,000,000,000,000"),
])
def test_numbers_keep_every_digit_the_record_holds(value: float, vi: str, en: str) -> None:
    assert (format_number(value, "vi"), format_number(value, "en")) == (vi, en)
