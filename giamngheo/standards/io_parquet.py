"""The bulk path: a households Parquet file and a members Parquet file in, a results Parquet file out.

The files are scanned lazily and fed to the same executor as a single JSON record. Columns the engine does not
know (names, codes) are ignored; optional columns that are absent count as all unanswered (null). An answer
outside its enumeration is reported and read as unanswered, so it can never pass as a valid answer.

Memory stays bounded for any size. Up to ``min(chunk_rows, partition_rows)`` households, both files are read whole
(one batch). Above that:

- members grouped by household in household order (the usual export): households are read in chunks of at most
  ``chunk_rows`` rows and each chunk's members as the contiguous member rows that follow the previous chunk's, so
  every row of either file is read once; results are written chunk by chunk, already in order. The grouping is
  verified chunk by chunk as it is read (the runs of member household ids must be the households' ids, in order,
  and no member row may be left over); at the first mismatch the work done is dropped and
- any other layout is processed in partitions of at most ``partition_rows`` households by a hash of the household
  id (members follow their household; each partition re-reads the members file), each partition's results written
  to a part file, and the parts merged back in the households' original row order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from giamngheo.standards import record as rec
from giamngheo.standards.classify import RESULT_COLUMNS, evaluate
from giamngheo.standards.definition import Standard
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, REFERENCE_DATE, ROW_KEY

if TYPE_CHECKING:
    import pyarrow.parquet as pq

HOUSEHOLD_REQUIRED = ("id", "reference_date", "area")
MEMBER_REQUIRED = ("household_id", "id", "relation", "sex")
_ENUMS = {f.name: f.values for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS, *rec.MEMBER_FIELDS)
          if f.kind in ("enum", "enum_list")}
ORDER = "_order"
CHUNK_ROWS = 250_000  # households per chunk when members come grouped by household: bounds peak memory
# Up to this many households one batch is fastest (no chunk bookkeeping, no pyarrow writer) and peaks near 1 GB;
# above it grouped files stream in chunks so that memory stays bounded whatever the size.
ONE_BATCH_ROWS = 1_000_000
PARTITION_ROWS = 1_500_000  # households per partition for any other layout: bounds peak memory
MEMBER_READ_FACTOR = 2  # member rows read at a time, per household of a chunk (about 3.5 members per household)


class BulkInputError(Exception):
    """A file is missing, unreadable or lacks a required column; one line for the command line."""


@dataclass
class BulkReport:
    """What a bulk run did: households classified, answers read as unanswered, and how the files were read
    (``"one batch"``, ``"grouped chunks"`` or ``"hash partitions"``, and in how many batches)."""

    households: int = 0
    method: str = ""
    batches: int = 0
    # (file, column position) -> [path, column, count, example]: one report line per column, whatever the batches
    _invalid: dict[tuple[int, int], list[object]] = field(default_factory=dict, repr=False)

    @property
    def invalid_values(self) -> list[str]:
        return [f"{path}: column {name}: {count} value(s) outside the allowed list (e.g. {example!r}); "
                "read as unanswered" for _, (path, name, count, example) in sorted(self._invalid.items())]


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


def _clean(frame: pl.DataFrame, path: str | Path, file: int, report: BulkReport) -> pl.DataFrame:
    """Answers outside their enumeration become unanswered (null), never silently a valid answer; counted into
    ``report`` per column. Counting uses null counts, which Arrow keeps, so a clean file costs no extra pass."""
    present = [name for name in frame.columns if name in _ENUMS]
    scalar = [n for n in present if not isinstance(frame.schema[n], pl.List)]
    lists = [n for n in present if isinstance(frame.schema[n], pl.List)]
    before = {n: frame[n].null_count() for n in scalar} | {n: int(frame[n].list.len().sum()) for n in lists}
    cleaned = frame.with_columns(
        *[pl.when(pl.col(n).is_in(list(_ENUMS[n]))).then(pl.col(n)).alias(n) for n in scalar],
        *[pl.col(n).list.eval(pl.element().filter(pl.element().is_in(list(_ENUMS[n])))).alias(n) for n in lists],
    )
    after = {n: cleaned[n].null_count() for n in scalar} | {n: int(cleaned[n].list.len().sum()) for n in lists}
    for name in present:
        count = abs(after[name] - before[name])
        if count:
            key = (file, frame.columns.index(name))
            if key in report._invalid:
                report._invalid[key][2] += count  # type: ignore[operator]
                continue
            values = frame[name].explode() if name in lists else frame[name]
            example = values.filter(~values.is_in(list(_ENUMS[name]))).drop_nulls()[0]
            report._invalid[key] = [path, name, count, example]
    return cleaned


def _run_starts(ids: pl.Series) -> pl.Series:
    """True where a member row starts a run of one household id (the first row always does)."""
    starts = ids.ne_missing(ids.shift(1))
    if starts.len():
        starts[0] = True
    return starts


def _aligned_rows(household_ids: pl.Series, member_ids: pl.Series, starts: pl.Series | None = None
                  ) -> pl.Series | None:
    """Each member's household row (``_row``) when the members are grouped by household in household order and
    every household has members — the runs of member household ids are exactly the households' ids; else None.
    ``starts``: the members' ``_run_starts``, when already known."""
    starts = _run_starts(member_ids) if starts is None else starts
    runs = member_ids.filter(starts)
    if runs.len() != household_ids.len() or not bool(runs.eq_missing(household_ids).all()):
        return None
    return (starts.cast(pl.UInt32).cum_sum() - 1).alias(ROW_KEY)


def _keyed(households: pl.DataFrame, members: pl.DataFrame, rows: pl.Series | None = None
           ) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """Integer household keys (``_row``) on both frames and each member's reference date.

    Exports usually list members grouped by household in household order; that is checked (``_aligned_rows``)
    and then needs no join at all (``rows``: its result, when already known). Any other layout is handled by a join
    on the household id.
    """
    households = households.with_row_index(ROW_KEY)
    rows = _aligned_rows(households["id"], members["household_id"]) if rows is None else rows
    if rows is not None:
        dates = households["reference_date"].gather(rows).alias(REFERENCE_DATE)
        return households, members.with_columns(rows, dates), True
    if households["id"].is_duplicated().any():
        raise BulkInputError("the households file repeats a household id")
    keys = households.select(pl.col("id").alias("household_id"), ROW_KEY,
                             pl.col("reference_date").alias(REFERENCE_DATE))
    members = members.join(keys, on="household_id", how="inner", maintain_order="left")
    return households, members, False


def _classify_frames(households: pl.DataFrame, members: pl.DataFrame, standard: Standard, report: BulkReport,
                     paths: tuple[str | Path, str | Path], keep: tuple[str, ...] = (),
                     rows: pl.Series | None = None) -> pl.DataFrame:
    households = _clean(households, paths[0], 0, report)
    members = _clean(members, paths[1], 1, report)
    report.households += households.height
    report.batches += 1
    households, members, aligned = _keyed(households, members, rows)
    evaluation = evaluate(households.lazy(), members.lazy(), standard, aligned=aligned)
    return evaluation.households.select(*keep, *RESULT_COLUMNS).collect()


def _row_ranges(path: str | Path, target: int) -> Iterator[tuple[int, int]]:
    """(offset, length) slices of a Parquet file of at most ``target`` rows each, covering it in order. Whole row
    groups are put together while they fit, so a row group is decoded once; larger ones are split."""
    import pyarrow.parquet as pq  # only the streaming path needs it: the one-batch path starts faster without

    metadata = pq.ParquetFile(path).metadata
    start = end = 0
    for index in range(metadata.num_row_groups):
        size = metadata.row_group(index).num_rows
        if end - start + size > target and end > start:
            yield start, end - start
            start = end
        end += size
        while end - start > target:
            yield start, target
            start += target
    if end > start:
        yield start, end - start


def _read_ahead(pool: ThreadPoolExecutor, plans: Iterable[pl.LazyFrame]) -> Iterator[pl.DataFrame]:
    """Each plan collected, in order; the next one is read in the background while the caller uses this one."""
    ahead: Future[pl.DataFrame] | None = None
    for plan in plans:
        future = pool.submit(plan.collect)
        if ahead is not None:
            yield ahead.result()
        ahead = future
    if ahead is not None:
        yield ahead.result()


def _classify_grouped(households: pl.LazyFrame, members: pl.LazyFrame, standard: Standard,
                      paths: tuple[str | Path, str | Path], out_path: str | Path, chunk_rows: int) -> BulkReport | None:
    """Households in chunks, each with the contiguous member rows of its households, written as they come.

    Returns None (and the output is to be rewritten) as soon as the members turn out not to be grouped by
    household in household order. Reading the next households chunk and the next member rows, and writing the
    previous results, overlap the classification of a chunk (Polars and Arrow release the GIL), so in memory at any
    time are at most: two chunks of at most ``chunk_rows`` households, their members, ``MEMBER_READ_FACTOR *
    chunk_rows`` member rows read ahead, and two chunks' results.
    """
    report = BulkReport(method="grouped chunks")
    pending = members.clear().collect()  # member rows read but not yet given to a chunk; starts at a run
    starts = _run_starts(pending["household_id"])
    runs = 0
    exhausted = False
    writer: pq.ParquetWriter | None = None
    written: Future[None] | None = None
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="giamngheo-bulk") as pool:
        member_pieces = _read_ahead(pool, (members.slice(offset, length) for offset, length
                                           in _row_ranges(paths[1], MEMBER_READ_FACTOR * chunk_rows)))
        chunks = _read_ahead(pool, (households.slice(offset, length) for offset, length
                                    in _row_ranges(paths[0], chunk_rows)))
        try:
            for chunk in chunks:
                # Read members until the run after this chunk's last household has started (or the file ends).
                while runs <= chunk.height and not exhausted:
                    piece = next(member_pieces, None)
                    if piece is None:
                        exhausted = True
                        break
                    piece_starts = _run_starts(piece["household_id"])
                    if pending.height and piece.height and piece["household_id"][0] == pending["household_id"][-1]:
                        piece_starts[0] = False  # a run continued from the previous piece
                    pending = pl.concat([pending, piece], rechunk=False)
                    starts = pl.concat([starts, piece_starts], rechunk=False)
                    runs += int(piece_starts.sum())
                cut = int(starts.arg_true()[chunk.height]) if runs > chunk.height else pending.height
                chunk_members, pending = pending.slice(0, cut), pending.slice(cut)
                chunk_starts, starts = starts.slice(0, cut), starts.slice(cut)
                runs -= int(chunk_starts.sum())
                rows = _aligned_rows(chunk["id"], chunk_members["household_id"], chunk_starts)
                if rows is None:
                    return None
                result = _classify_frames(chunk, chunk_members, standard, report, paths, rows=rows)
                table = result.to_arrow(compat_level=pl.CompatLevel.oldest())
                if writer is None:
                    import pyarrow.parquet as pq

                    writer = pq.ParquetWriter(out_path, table.schema, compression="zstd")
                if written is not None:
                    written.result()
                written = pool.submit(writer.write_table, table)
                del chunk, chunk_members, result, table
            if pending.height or (not exhausted and next(member_pieces, None) is not None):
                return None  # members left over: of a household already classified, or of none in the file
        finally:
            if written is not None:
                written.result()
            if writer is not None:
                writer.close()
    if writer is None:  # no households at all
        return None
    return report


def read_bulk_frames(households_path: str | Path, members_path: str | Path
                     ) -> tuple[pl.DataFrame, pl.DataFrame, bool, list[str]]:
    """The two bulk files read, cleaned and keyed as ``classify_parquet`` reads them (one batch, in memory):
    households, members, whether their rows are aligned, and the report's lines about answers read as
    unanswered. For other whole-file commands over the same files (``giamngheo compare``)."""
    report = BulkReport(method="one batch")
    households = _clean(_scan(households_path, HOUSEHOLD_SCHEMA, HOUSEHOLD_REQUIRED).collect(),
                        households_path, 0, report)
    members = _clean(_scan(members_path, MEMBER_SCHEMA, MEMBER_REQUIRED).collect(), members_path, 1, report)
    households, members, aligned = _keyed(households, members)
    return households, members, aligned, report.invalid_values


def classify_parquet(households_path: str | Path, members_path: str | Path, out_path: str | Path,
                     standard: Standard, *, chunk_rows: int = CHUNK_ROWS,
                     partition_rows: int = PARTITION_ROWS, one_batch_rows: int = ONE_BATCH_ROWS) -> BulkReport:
    """Classify every household of the files under ``standard``; write one result row per household, in order.

    ``chunk_rows`` and ``partition_rows`` bound how many households are in memory at once (module docstring);
    up to ``one_batch_rows`` households are classified in one batch whatever the layout.
    """
    households = _scan(households_path, HOUSEHOLD_SCHEMA, HOUSEHOLD_REQUIRED)
    members = _scan(members_path, MEMBER_SCHEMA, MEMBER_REQUIRED)
    paths = (households_path, members_path)
    total = pl.scan_parquet(households_path).select(pl.len()).collect().item()
    chunk_rows = min(chunk_rows, partition_rows)
    if total > max(chunk_rows, min(one_batch_rows, partition_rows)):
        grouped = _classify_grouped(households, members, standard, paths, out_path, chunk_rows)
        if grouped is not None:
            return grouped
    parts = max(1, -(-total // partition_rows))
    if parts == 1:
        report = BulkReport(method="one batch")
        _classify_frames(households.collect(), members.collect(), standard, report, paths).write_parquet(out_path)
        return report
    report = BulkReport(method="hash partitions")
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
