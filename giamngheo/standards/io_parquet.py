"""The bulk path: a households Parquet file and a members Parquet file in, a results Parquet file out.

The files are scanned lazily and fed to the same executor as a single JSON record. Columns the engine does not
know (names, codes) are ignored; optional columns that are absent count as all unanswered (null). An answer
outside its enumeration is reported and read as unanswered, so it can never pass as a valid answer.

Memory stays bounded for any size: above ``PARTITION_ROWS`` households, they are processed in partitions by a hash
of the household id (members follow their household), each partition's results written to a part file, and the
parts merged back in the households' original row order.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from giamngheo.standards import record as rec
from giamngheo.standards.classify import RESULT_COLUMNS, evaluate
from giamngheo.standards.definition import Standard
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, REFERENCE_DATE, ROW_KEY

HOUSEHOLD_REQUIRED = ("id", "reference_date", "area")
MEMBER_REQUIRED = ("household_id", "id", "relation", "sex")
_ENUMS = {f.name: f.values for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS, *rec.MEMBER_FIELDS)
          if f.kind in ("enum", "enum_list")}
ORDER = "_order"
PARTITION_ROWS = 1_500_000  # households per partition: bounds peak memory whatever the file size


class BulkInputError(Exception):
    """A file is missing, unreadable or lacks a required column; one line for the command line."""


@dataclass
class BulkReport:
    households: int = 0
    invalid_values: list[str] = field(default_factory=list)


def _scan(path: str | Path, schema: dict[str, pl.DataType], required: tuple[str, ...]) -> pl.LazyFrame:
    """The engine's columns of a Parquet file with the engine's types; absent optional columns are all null."""
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
    selected = [pl.col("household_id").cast(pl.String)] if "household_id" in required else []
    for name, dtype in schema.items():
        if name not in columns:
            selected.append(pl.lit(None, dtype=dtype).alias(name))
        elif columns[name] != dtype:
            selected.append(pl.col(name).cast(dtype))
        else:
            selected.append(pl.col(name))
    return frame.select(selected)


def _clean(frame: pl.DataFrame, path: str | Path) -> tuple[pl.DataFrame, list[str]]:
    """Answers outside their enumeration become unanswered (null), never silently a valid answer; one report line
    per column that had any. Counting uses null counts, which Arrow keeps, so a clean file costs no extra pass."""
    present = [name for name in frame.columns if name in _ENUMS]
    scalar = [n for n in present if not isinstance(frame.schema[n], pl.List)]
    lists = [n for n in present if isinstance(frame.schema[n], pl.List)]
    before = {n: frame[n].null_count() for n in scalar} | {n: int(frame[n].list.len().sum()) for n in lists}
    cleaned = frame.with_columns(
        *[pl.when(pl.col(n).is_in(list(_ENUMS[n]))).then(pl.col(n)).alias(n) for n in scalar],
        *[pl.col(n).list.eval(pl.element().filter(pl.element().is_in(list(_ENUMS[n])))).alias(n) for n in lists],
    )
    after = {n: cleaned[n].null_count() for n in scalar} | {n: int(cleaned[n].list.len().sum()) for n in lists}
    report = []
    for name in present:
        count = abs(after[name] - before[name])
        if count:
            values = frame[name].explode() if name in lists else frame[name]
            example = values.filter(~values.is_in(list(_ENUMS[name]))).drop_nulls()[0]
            report.append(f"{path}: column {name}: {count} value(s) outside the allowed list (e.g. {example!r}); "
                          "read as unanswered")
    return cleaned, report


def _keyed(households: pl.DataFrame, members: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """Integer household keys (``_row``) on both frames and each member's reference date.

    Exports usually list members grouped by household in household order; that is checked (the first id of
    each run of members must be the households' ids, in order) and then needs no join at all. Any other layout
    is handled by a join on the household id.
    """
    households = households.with_row_index(ROW_KEY)
    ids = members["household_id"]
    starts = ids.ne_missing(ids.shift(1))
    runs = ids.filter(starts)
    if runs.len() == households.height and bool(runs.eq_missing(households["id"]).all()):
        rows = (starts.cast(pl.UInt32).cum_sum() - 1).alias(ROW_KEY)
        dates = households["reference_date"].gather(rows).alias(REFERENCE_DATE)
        return households, members.with_columns(rows, dates), True
    if households["id"].is_duplicated().any():
        raise BulkInputError("the households file repeats a household id")
    keys = households.select(pl.col("id").alias("household_id"), ROW_KEY,
                             pl.col("reference_date").alias(REFERENCE_DATE))
    members = members.join(keys, on="household_id", how="inner", maintain_order="left")
    return households, members, False


def _classify_frames(households: pl.DataFrame, members: pl.DataFrame, standard: Standard, report: BulkReport,
                     paths: tuple[str | Path, str | Path], keep: tuple[str, ...] = ()) -> pl.DataFrame:
    households, household_issues = _clean(households, paths[0])
    members, member_issues = _clean(members, paths[1])
    report.invalid_values.extend(household_issues + member_issues)
    report.households += households.height
    households, members, aligned = _keyed(households, members)
    evaluation = evaluate(households.lazy(), members.lazy(), standard, aligned=aligned)
    return evaluation.households.select(*keep, *RESULT_COLUMNS).collect()


def classify_parquet(households_path: str | Path, members_path: str | Path, out_path: str | Path,
                     standard: Standard, *, partition_rows: int = PARTITION_ROWS) -> BulkReport:
    """Classify every household of the files under ``standard``; write one result row per household, in order."""
    households = _scan(households_path, HOUSEHOLD_SCHEMA, HOUSEHOLD_REQUIRED)
    members = _scan(members_path, MEMBER_SCHEMA, MEMBER_REQUIRED)
    paths = (households_path, members_path)
    report = BulkReport()
    total = pl.scan_parquet(households_path).select(pl.len()).collect().item()
    parts = max(1, -(-total // partition_rows))
    if parts == 1:
        _classify_frames(households.collect(), members.collect(), standard, report, paths).write_parquet(out_path)
        return report
    with tempfile.TemporaryDirectory(prefix="giamngheo-") as scratch:
        part_paths = []
        for part in range(parts):
            # Members follow their household into the partition: both sides hash the same household id.
            chosen = (households.with_row_index(ORDER).filter(pl.col("id").hash(seed=0) % parts == part).collect())
            chosen_members = members.filter(pl.col("household_id").hash(seed=0) % parts == part).collect()
            result = _classify_frames(chosen, chosen_members, standard, report, paths, keep=(ORDER,))
            part_path = Path(scratch) / f"part-{part}.parquet"
            result.write_parquet(part_path)
            part_paths.append(part_path)
            del chosen, chosen_members, result
        # Restore the households' order: a streaming sort over the result rows only.
        pl.scan_parquet(part_paths).sort(ORDER).drop(ORDER).sink_parquet(out_path, engine="streaming")
    return report
