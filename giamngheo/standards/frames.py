"""The engine's two input frames — households and members — and how JSON records become them.

Column names and types come from the record field table (``record.py``): household and dwelling fields under their
own names on the households frame, member fields plus the household key on the members frame. The bulk Parquet
reader produces the same frames, so the JSON path and the bulk path meet before the first rule runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from giamngheo.standards import record as rec

ROW_KEY = "_row"
REFERENCE_DATE = "_reference_date"

_DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "enum": pl.String(),
    "date": pl.Date(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "boolean": pl.Boolean(),
    "enum_list": pl.List(pl.String()),
}

HOUSEHOLD_SCHEMA: dict[str, pl.DataType] = {
    f.name: _DTYPES[f.kind] for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS)
}
MEMBER_SCHEMA: dict[str, pl.DataType] = {f.name: _DTYPES[f.kind] for f in rec.MEMBER_FIELDS}
_HOUSEHOLD_SPECS = {f.name: f for f in rec.HOUSEHOLD_FIELDS}
_MEMBER_SPECS = {f.name: f for f in rec.MEMBER_FIELDS}
_DWELLING_SPECS = {f.name: f for f in rec.DWELLING_FIELDS}


def _cell(spec: rec.FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.kind == "date":
        return rec.parse_date(value)
    if spec.kind == "number":
        return float(value)
    if spec.kind == "integer":
        return int(value)
    return value


def records_to_frames(records: Sequence[dict[str, Any]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Households and members frames of valid records, keyed by the record's position (column ``_row``).

    Members come grouped by household in household order and every household has one (validated records), so
    the frames are *aligned* in the sense of ``classify.evaluate``. Each member carries its household's reference
    date (``_reference_date``), which the age rules need.
    """
    households: dict[str, list[Any]] = {name: [] for name in HOUSEHOLD_SCHEMA}
    members: dict[str, list[Any]] = {name: [] for name in MEMBER_SCHEMA}
    member_keys: list[int] = []
    member_dates: list[Any] = []
    for position, record in enumerate(records):
        dwelling = record.get("dwelling", {})
        for name, spec in _HOUSEHOLD_SPECS.items():
            households[name].append(_cell(spec, record.get(name)))
        for name, spec in _DWELLING_SPECS.items():
            households[name].append(_cell(spec, dwelling.get(name)))
        reference = rec.parse_date(record["reference_date"])
        for member in record["members"]:
            member_keys.append(position)
            member_dates.append(reference)
            for name, spec in _MEMBER_SPECS.items():
                members[name].append(_cell(spec, member.get(name)))
    household_frame = pl.DataFrame(households, schema=HOUSEHOLD_SCHEMA).with_columns(
        pl.Series(ROW_KEY, range(len(records)), dtype=pl.UInt32))
    member_frame = pl.DataFrame(members, schema=MEMBER_SCHEMA).with_columns(
        pl.Series(ROW_KEY, member_keys, dtype=pl.UInt32), pl.Series(REFERENCE_DATE, member_dates, dtype=pl.Date))
    return household_frame, member_frame
