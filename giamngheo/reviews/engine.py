"""The review's only door into the standards engine.

The engine is pure (no Django, no clock); this module classifies a case's survey record under every
standard of a cycle, with the engine's own explanation (what a village meeting hears), and names the
standards a cycle must use. Nothing else in ``reviews`` imports ``giamngheo.standards``.
"""

from __future__ import annotations

from typing import Any

from giamngheo.core.audit import json_safe
from giamngheo.standards.api import classify_records
from giamngheo.standards.definition import StandardError, get_standard, standards_in_force
from giamngheo.standards.record import validate_record

__all__ = ["StandardError", "classify", "record_errors", "series_of", "standard_refs", "standard_title"]


def series_of(standard_id: str) -> str:
    """National standards form one series compared year to year; each province's local ones another."""
    standard = get_standard(standard_id)
    return f"local-{standard.province_code}" if standard.is_local else "national"


def standard_refs(year: int, province_code: str | None) -> list[dict[str, Any]]:
    """The standards in force for a review year in a province: national first, then local ones."""
    return [
        {"id": s.id, "hash": s.hash, "local": s.is_local, "title": s.title_vi, "series": series_of(s.id)}
        for s in standards_in_force(year, province_code)
    ]


def record_errors(record: Any, lang: str = "vi") -> dict[str, list[str]]:
    """``{json_path: [messages]}`` for every problem of the record (empty when valid)."""
    errors: dict[str, list[str]] = {}
    for error in validate_record(record):
        errors.setdefault(error.path, []).append(error.message(lang))
    return errors


def classify(record: dict[str, Any], standard_ids: list[str], lang: str = "vi") -> dict[str, dict[str, Any]]:
    """Results of one valid record under each standard, keyed by standard id, each with its explanation."""
    return {
        standard_id: json_safe(classify_records([record], standard_id, explain=True, lang=lang)[0])
        for standard_id in standard_ids
    }


def standard_title(standard_id: str) -> str:
    try:
        return get_standard(standard_id).title_vi
    except StandardError:
        return standard_id
