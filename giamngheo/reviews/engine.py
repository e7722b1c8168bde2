"""The review's only door into the standards engine.

The engine is pure (no Django, no clock); this module classifies a case's survey record under every
standard of a cycle, with the engine's own explanation (what a village meeting hears), and names the
standards a cycle must use. Nothing else in ``reviews`` imports ``giamngheo.standards``.
"""

from __future__ import annotations

from typing import Any

from giamngheo.core.audit import json_safe
from giamngheo.standards.api import classify_records
from giamngheo.standards.definition import StandardError, get_standard, list_standards, standards_in_force
from giamngheo.standards.record import validate_record

__all__ = ["StandardError", "answers_not_needed", "classify", "missing_answers", "record_errors", "series_of", "standard_refs",
           "standard_title"]


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


def missing_answers(record: dict[str, Any], results: dict[str, dict[str, Any]]) -> list[str]:
    """The record paths of every answer a standard's rules read and found unanswered, in the record's
    order: ``income`` when the income basis has no value, ``dwelling.latrine``, ``members[1].school``…

    Read from the engine's own explanation (each *unknown* indicator lists the answers it lacked), so no
    rule is repeated here."""
    from giamngheo.households.records import DWELLING_FACTS

    members = record.get("members") or []
    index_of = {m.get("id"): i for i, m in enumerate(members) if isinstance(m, dict)}
    paths: list[str] = []
    for result in results.values():
        explanation = result.get("explanation") or {}
        decision = explanation.get("decision") or {}
        if decision.get("band") == "missing" and decision.get("basis") in ("income", "score_a"):
            paths.append(str(decision["basis"]))
        for indicator in explanation.get("indicators") or []:
            if indicator.get("status") != "unknown":
                continue
            for key, answer in (indicator.get("answers") or {}).items():
                if answer.get("value") is None:
                    paths.append(f"dwelling.{key}" if key in DWELLING_FACTS else key)
            for member in indicator.get("members") or []:
                if member.get("status") != "unknown" or member.get("id") not in index_of:
                    continue
                for key, answer in (member.get("answers") or {}).items():
                    if answer.get("value") is None:
                        paths.append(f"members[{index_of[member['id']]}].{key}")
    return list(dict.fromkeys(paths))


def _answers_read(standard: Any) -> set[str]:
    """Record keys the standard reads beyond income: its indicators' answers, score A with its basis when
    it has a score form, the declared working age when it has a working-age table."""
    from giamngheo.standards.rules import RULE_KINDS

    keys: set[str] = set()
    for indicator in standard.indicators:
        kind = RULE_KINDS[indicator.rule]
        keys.update(kind.member_fields(indicator.parsed_params))
        keys.update(kind.household_fields(indicator.parsed_params))
    if standard.score_form is not None:
        keys |= {"score_a", "income_basis"}
    if standard.working_age is not None:
        keys.add("working_age")
    return keys


def answers_not_needed(standard_ids: list[str]) -> frozenset[str]:
    """Answers some standard reads but none of ``standard_ids`` does (a 2016–2020 question, score A, the
    declared working age…): the survey of a cycle need not ask them."""
    every: set[str] = set()
    for standard in list_standards():
        every |= _answers_read(standard)
    needed: set[str] = set()
    for standard_id in standard_ids:
        needed |= _answers_read(get_standard(standard_id))
    return frozenset(every - needed)


# Asked on every survey whatever the standards read: who the members are, and the facts the statistical
# categories, the certificate and the ledger use.
ALWAYS_ASKED = frozenset({"relation", "name", "citizen_id", "sex", "birth_date", "age", "ethnicity", "disability",
                          "monthly_social_allowance", "meritorious", "reference_date", "area", "income"})


def survey_not_asked(standard_ids: list[str]) -> frozenset[str]:
    """Answers the survey of a cycle using ``standard_ids`` does not show (item 9): the server's survey page
    and the offline app hide the same ones."""
    return answers_not_needed(standard_ids) - ALWAYS_ASKED


def standard_title(standard_id: str) -> str:
    try:
        return get_standard(standard_id).title_vi
    except StandardError:
        return standard_id
