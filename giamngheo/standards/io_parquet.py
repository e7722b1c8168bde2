"""The bulk path: a households Parquet file and a members Parquet file in, a results Parquet file out.

The files are scanned lazily and fed to the same executor as a single JSON record. Columns the engine does not
know (names, codes) are ignored; optional columns that are absent count as all unanswered (null). An answer
outside its enumeration is reported and read as unanswered, so it can never pass as a valid answer.

Memory stays bounded for any size: households are processed in partitions by a hash of the household id (members
follow their household), each partition's results written to a part file, and the parts concatenated in the
households' original row order.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from giamngheo.standards import record as rec
from giamngheo.standards.classify import RESULT_COLUMNS, evaluate
from giamngheo.standards.definition import Standard
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA

HOUSEHOLD_REQUIRED = ("id", "reference_date", "area")
MEMBER_REQUIRED = ("household_id", "id", "relation", "sex")
_ENUMS = {f.name: f.values for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS, *rec.MEMBER_FIELDS)
          if f.kind in ("enum", "enum_list")}
ROW = "_row"
PARTITION_ROWS = 2_000_000  # households per partition: about 1 GB peak with ~3.5 members each


class BulkInputError(Exception):
    """A file is missing, unreadable or lacks a required column; one line for the command line."""


@dataclass
class BulkReport:
    households: int = 0
    invalid_values: list[str] = field(default_factory=list)


def _scan(path: str | Path, schema: dict[str, pl.DataType], required: tuple[str, ...]) -> pl.LazyFrame:
    try:
        frame = pl.scan_parquet(path)
        columns = frame.collect_schema()
    except FileNotFoundError as exc:
        raise BulkInputError(f"{path}: file not found") from exc
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise BulkInputError(f"{path}: cannot read as Parquet ({str(exc).splitlines()[0]})") from exc
    missing = [name for name in required if name not in columns]
    if missing:
        raise BulkInputError(f"{path}: required column(s) missing: {', '.join(missing)}")
    selected = []
    for name, dtype in schema.items():
        if name in columns:
            column = pl.col(name)
            if columns[name] != dtype:
                column = column.cast(dtype)
            if name in _ENUMS:
                # A value outside the enumeration is unanswered, never silently a valid (non-deprived) answer.
                allowed = list(_ENUMS[name])
                column = (column.list.eval(pl.element().filter(pl.element().is_in(allowed)))
                          if isinstance(dtype, pl.List) else pl.when(column.is_in(allowed)).then(column))
            selected.append(column.alias(name))
        else:
            selected.append(pl.lit(None, dtype=dtype).alias(name))
    if "household_id" in required:
        selected.insert(0, pl.col("household_id").cast(pl.String))
    return frame.select(selected)


def _invalid_values(path: str | Path, names: list[str]) -> list[str]:
    """One line per column holding values outside its enumeration (with a count and an example)."""
    frame = pl.scan_parquet(path)
    columns = frame.collect_schema()
    present = [n for n in names if n in columns]
    if not present:
        return []
    checks = []
    for name in present:
        column = pl.col(name).explode() if isinstance(columns[name], pl.List) else pl.col(name)
        bad = column.cast(pl.String).filter(~column.cast(pl.String).is_in(list(_ENUMS[name])) & column.is_not_null())
        checks.append(bad.unique().head(1).implode().alias(f"{name}:example"))
        checks.append(bad.len().alias(f"{name}:count"))
    found = frame.select(checks).collect().row(0, named=True)
    lines = []
    for name in present:
        count = found[f"{name}:count"]
        if count:
            example = found[f"{name}:example"][0]
            lines.append(f"{path}: column {name}: {count} value(s) outside the allowed list (e.g. {example!r}); "
                         f"read as unanswered")
    return lines


def classify_parquet(households_path: str | Path, members_path: str | Path, out_path: str | Path,
                     standard: Standard, *, partition_rows: int = PARTITION_ROWS) -> BulkReport:
    """Classify every household of the files under ``standard``; write one result row per household, in order."""
    households = _scan(households_path, HOUSEHOLD_SCHEMA, HOUSEHOLD_REQUIRED)
    members = _scan(members_path, MEMBER_SCHEMA, MEMBER_REQUIRED)
    report = BulkReport()
    report.invalid_values = (_invalid_values(households_path, [n for n in HOUSEHOLD_SCHEMA if n in _ENUMS])
                             + _invalid_values(members_path, [n for n in MEMBER_SCHEMA if n in _ENUMS]))
    total = pl.scan_parquet(households_path).select(pl.len()).collect().item()
    report.households = total
    parts = max(1, -(-total // partition_rows))
    results = RESULT_COLUMNS
    if parts == 1:
        evaluation = evaluate(households, members, standard, household_key="id", member_key="household_id")
        evaluation.households.select(results).collect().write_parquet(out_path)
        return report
    with tempfile.TemporaryDirectory(prefix="giamngheo-") as scratch:
        paths = []
        for part in range(parts):
            in_part = pl.col("id").hash(seed=0) % parts == part
            evaluation = evaluate(households.with_row_index(ROW).filter(in_part),
                                  members.filter(pl.col("household_id").hash(seed=0) % parts == part),
                                  standard, household_key="id", member_key="household_id")
            path = Path(scratch) / f"part-{part}.parquet"
            evaluation.households.select(ROW, *results).collect().write_parquet(path)
            paths.append(path)
        # Restore the households' order: a streaming sort over the small result rows only.
        pl.scan_parquet(paths).sort(ROW).select(results).sink_parquet(out_path, engine="streaming")
    return report
