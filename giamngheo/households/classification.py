"""The bridge between the registry and the standards engine.

A household is classified as a batch of one through the engine's executor, under every standard in
force for its review year and province (the national one first, then local ones). Each result is
stored with the definition's hash and the exact record it was computed from, so a stored result is
known to be stale when either changed, and an old decision can be re-explained.
"""

from __future__ import annotations

from typing import Any

from giamngheo.core.audit import json_safe
from giamngheo.households.models import Classification, Household
from giamngheo.households.records import household_to_record
from giamngheo.standards import (
    RecordError,
    Standard,
    StandardError,
    classify_records,
    get_standard,
    standards_in_force,
    validate_record,
)
from giamngheo.standards.record import record_year

__all__ = [
    "classification_is_stale",
    "engine_record",
    "explain",
    "household_reclassify",
    "standards_for",
]


def engine_record(household: Household) -> dict[str, Any]:
    """The record the engine sees and the snapshot stored with each result. Citizen IDs never decide a
    class, so they are left out: the snapshot must not become another copy of personal identifiers."""
    record = household_to_record(household, show_citizen_ids=False)
    record["members"] = [{k: v for k, v in m.items() if k != "citizen_id"} for m in record["members"]]
    return record


def standards_for(record: dict[str, Any]) -> list[Standard]:
    """Standards in force for the record's review year and province; none for a year no standard covers."""
    try:
        return standards_in_force(record_year(record), record.get("province_code"))
    except StandardError:
        return []


def classification_is_stale(row: Classification, standard: Standard, record: dict[str, Any]) -> bool:
    return row.standard_hash != standard.hash or row.input_snapshot != json_safe(record)


def explain(record: dict[str, Any], standard: Standard | str, *, lang: str) -> dict[str, Any]:
    """One result with its explanation in ``lang``, computed afresh (nothing stored)."""
    target = standard if isinstance(standard, Standard) else get_standard(standard)
    return json_safe(classify_records([record], target, explain=True, lang=lang)[0])  # type: ignore[no-any-return]


def record_problems(record: dict[str, Any]) -> list[RecordError]:
    """Why the engine cannot classify this record (empty when it can)."""
    return validate_record(record)


def household_reclassify(*, household: Household) -> list[Classification]:
    """Classify the household under every standard in force for it and store the results (one row per
    standard; rows of standards no longer in force for it are removed). Sets ``current_class`` and
    ``current_standard`` from the national standard. Explanations are stored in Vietnamese, the language
    of the official record; other languages are rendered on demand (``explain``)."""
    record = engine_record(household)
    snapshot = json_safe(record)
    stored: list[Classification] = []
    # A stored household can fail today's record rules (rows loaded before a rule existed, a member removed
    # outside the forms): it then has no class rather than a guessed one, and its page says why.
    in_force = [] if record_problems(record) else standards_for(record)
    for standard in in_force:
        result = explain(record, standard, lang="vi")
        row, _created = Classification.objects.update_or_create(
            household=household,
            standard_id=standard.id,
            defaults={
                "standard_hash": standard.hash,
                "is_local": standard.is_local,
                "year": record_year(record),
                "klass": result["class"],
                "criterion": result.get("criterion") or "",
                "deprivation_count": result["deprivation_count"],
                "deprivations": result["deprivations"],
                "unknown": result["unknown"],
                "income_line": result.get("income_line"),
                "basis": result.get("basis") or "",
                "result": result,
                "input_snapshot": snapshot,
            },
        )
        stored.append(row)
    Classification.objects.filter(household=household).exclude(
        standard_id__in=[row.standard_id for row in stored]
    ).delete()
    national = next((row for row in stored if not row.is_local), None)
    household.current_class = national.klass if national else ""
    household.current_standard = national.standard_id if national else ""
    Household.objects.filter(pk=household.pk).update(
        current_class=household.current_class, current_standard=household.current_standard
    )
    return stored
