"""What the web app, the import pipeline and the command line call: classify records, explain, pick standards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from giamngheo.standards.alkire_foster import Unit, measures_of_evaluation
from giamngheo.standards.classify import RESULT_COLUMNS, evaluate
from giamngheo.standards.definition import (
    Standard,
    get_standard,
    national_standard_for_year,
    standards_in_force,
)
from giamngheo.standards.explain import explain_row, render_text
from giamngheo.standards.frames import ROW_KEY, records_to_frames
from giamngheo.standards.record import RecordError, record_year, validate_record


class InvalidRecord(ValueError):
    """The record breaks the household record schema; ``errors`` says where and why."""

    def __init__(self, errors: list[RecordError]) -> None:
        super().__init__("; ".join(f"{e.path}: {e.message_en}" for e in errors))
        self.errors = errors


def _as_standard(standard: Standard | str) -> Standard:
    return standard if isinstance(standard, Standard) else get_standard(standard)


def evaluate_frames(records: Sequence[dict[str, Any]], standard: Standard) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The executor's households frame (results, ``_d_`` flags, answers) and members frame (``_m_`` flags) of
    valid records, keyed by position (``_row``) and in input order."""
    households, members = records_to_frames(records)
    evaluation = evaluate(households.lazy(), members.lazy(), standard, aligned=True)
    return evaluation.results_and_members()


def evaluate_records(records: Sequence[dict[str, Any]], standard: Standard
                     ) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """Executor rows and flagged member rows of valid records as dicts, members grouped by household."""
    rows_frame, members_frame = evaluate_frames(records, standard)
    by_household: list[list[dict[str, Any]]] = [[] for _ in records]
    for member in members_frame.to_dicts():
        by_household[member[ROW_KEY]].append(member)
    return rows_frame.to_dicts(), by_household


def _result(row: dict[str, Any], members: list[dict[str, Any]], standard: Standard, explain: bool, lang: str
            ) -> dict[str, Any]:
    result = {name: row[name] for name in RESULT_COLUMNS}
    if explain:
        explanation = explain_row(row, members, standard, lang)
        explanation["text"] = render_text(explanation)
        result["explanation"] = explanation
    return result


def classify_records(records: Sequence[dict[str, Any]], standard: Standard | str | None = None, *,
                     explain: bool = False, lang: str = "vi") -> list[dict[str, Any]]:
    """Results of valid records, in input order.

    Without ``standard`` each record is classified under the national standard of its review year (``year``, or
    the year of ``reference_date``). With ``explain`` each result carries ``explanation`` (structured, plus its
    printable ``text``) in ``lang`` (``"vi"`` or ``"en"``).
    """
    groups: dict[str, list[int]] = defaultdict(list)
    chosen: dict[str, Standard] = {}
    for position, record in enumerate(records):
        target = _as_standard(standard) if standard is not None else national_standard_for_year(record_year(record))
        chosen[target.id] = target
        groups[target.id].append(position)
    results: list[dict[str, Any]] = [{} for _ in records]
    for standard_id, positions in groups.items():
        target = chosen[standard_id]
        rows, members = evaluate_records([records[p] for p in positions], target)
        for position, row, row_members in zip(positions, rows, members, strict=True):
            results[position] = _result(row, row_members, target, explain, lang)
    return results


def classify_record(record: dict[str, Any], standard: Standard | str | None = None, *, explain: bool = False,
                    lang: str = "vi") -> dict[str, Any]:
    """Validate and classify one household (a batch of one through the same executor as a million)."""
    errors = validate_record(record)
    if errors:
        raise InvalidRecord(errors)
    return classify_records([record], standard, explain=explain, lang=lang)[0]


def classify_in_force(record: dict[str, Any], *, explain: bool = False, lang: str = "vi") -> list[dict[str, Any]]:
    """One result per standard in force for the record's year and province: national first, then local ones."""
    errors = validate_record(record)
    if errors:
        raise InvalidRecord(errors)
    return [classify_records([record], standard, explain=explain, lang=lang)[0]
            for standard in standards_in_force(record_year(record), record.get("province_code"))]


def alkire_foster(records: Sequence[dict[str, Any]], standard: Standard | str, *, k: float = 3,
                  weights: Mapping[str, float] | None = None, unit: Unit = "household", by: str | None = None
                  ) -> dict[str, Any]:
    """Alkire–Foster measures of valid records under one standard (see ``alkire_foster.measures``)."""
    target = _as_standard(standard)
    households, members = evaluate_frames(records, target)
    return measures_of_evaluation(households, members, target, weights=weights, k=k, unit=unit, by=by)
