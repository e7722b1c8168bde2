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

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from giamngheo.standards import prefetch
from giamngheo.standards import record as rec
from giamngheo.standards.aggregates import Counts
from giamngheo.standards.alkire_foster import MeasureSums
from giamngheo.standards.classify import (
    ALIGNED_MAX_MEMBERS,
    RESULT_COLUMNS,
    evaluate,
    input_columns,
    steps_for,
)
from giamngheo.standards.definition import Standard
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, REFERENCE_DATE, ROW_KEY
from giamngheo.standards.prefetch import CHUNK_ROWS, MEMBER_READ_FACTOR

HOUSEHOLD_REQUIRED = ("id", "reference_date", "area")
MEMBER_REQUIRED = ("household_id", "id", "relation", "sex")
_ENUMS = {f.name: f.values for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS, *rec.MEMBER_FIELDS)
          if f.kind in ("enum", "enum_list")}
# Dates the record validator bounds (a birth in 1850, a survey in 2150): read as unanswered, like an answer
# outside its list, so the bulk path never classifies what the JSON path would reject.
_DATE_BOUNDS = {f.name: (f.earliest, f.latest) for f in (*rec.HOUSEHOLD_FIELDS, *rec.MEMBER_FIELDS)
                if f.kind == "date" and f.earliest is not None and f.latest is not None}
ORDER = "_order"
# Up to this many households, one batch. Above it grouped files stream in chunks: besides bounding memory, the
# chunks reuse the pages the first one faulted in, and on this project's virtual machines a fresh page costs more
# system time than the computation costs user time (docs/performance.md: one batch of 1 M households spent
# about as long faulting in 1.1 GB as classifying).
ONE_BATCH_ROWS = CHUNK_ROWS
PARTITION_ROWS = 1_500_000  # households per partition for any other layout: bounds peak memory
# Households whose results are kept in memory and written in one go at the end (a province's registry; about
# 0.1 GB of results per million households); a larger file's results are appended batch by batch (``_sink``).
RESULT_BUFFER_ROWS = 2_000_000


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
        return [f"{path}: column {name}: {count} value(s) outside the allowed "
                f"{'range' if name in _DATE_BOUNDS else 'list'} (e.g. {_shown(example)}); read as unanswered"
                for _, (path, name, count, example) in sorted(self._invalid.items())]


def _shown(example: object) -> str:
    return str(example) if isinstance(example, dt.date) else repr(example)


def _scan(path: str | Path, schema: dict[str, pl.DataType], required: tuple[str, ...],
          columns: Iterable[str] | None = None) -> tuple[pl.LazyFrame, list[pl.Expr]]:
    """The file, scanned, and the projection giving the engine's columns of it with the engine's types (absent
    optional columns all null): ``scan.select(projection)``.

    ``columns``: the schema's columns to read (default all); the others are not read at all, which is most of the
    cost of a wide file (names, codes, answers the standard does not use).
    """
    try:
        frame = pl.scan_parquet(path)
        present = frame.collect_schema()
    except FileNotFoundError as exc:
        raise BulkInputError(f"{path}: file not found") from exc
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise BulkInputError(f"{path}: cannot read as Parquet ({str(exc).splitlines()[0]})") from exc
    missing = [name for name in required if name not in present]
    if missing:
        raise BulkInputError(f"{path}: required column(s) missing: {', '.join(missing)}")
    wanted = set(schema) if columns is None else set(columns)
    selected = [pl.col("household_id").cast(pl.String)] if "household_id" in required else []
    for name, dtype in schema.items():
        if name not in wanted:
            continue
        if name not in present:
            selected.append(pl.lit(None, dtype=dtype).alias(name))
        elif present[name] != dtype:
            selected.append(pl.col(name).cast(dtype))
        else:
            selected.append(pl.col(name))
    for name in sorted(wanted - set(schema) - {"household_id"}):  # carried columns (grouping codes)
        selected.append(pl.col(name).cast(pl.String) if name in present else pl.lit(None, dtype=pl.String).alias(name))
    return frame, selected


def _slices(path: str | Path, scan: pl.LazyFrame, projection: list[pl.Expr], ranges: Iterable[tuple[int, int]]
            ) -> Iterator[pl.LazyFrame]:
    """Plans reading each (offset, length) slice of the file with the projection; a slice that was read ahead
    while the engine was being imported (``prefetch``) is taken from there instead, if it holds every column the
    projection reads."""
    needed = {name for expr in projection for name in expr.meta.root_names()}
    for offset, length in ranges:
        early = prefetch.take(path, offset, length)
        if early is not None and needed <= set(early.columns):
            yield early.lazy().select(projection)
        else:
            yield scan.slice(offset, length).select(projection)


def _enum(name: str) -> pl.Enum:
    return pl.Enum(list(_ENUMS[name]))


def _as_enum(name: str) -> pl.Expr:
    """The column as an Enum of its allowed answers, anything else null. Up to four answers, a chain of
    comparisons is cheaper than the cast's lookup per row (two thirds less for sex and disability)."""
    values = list(_ENUMS[name])
    if len(values) > 4:
        return pl.col(name).cast(pl.String).cast(_enum(name), strict=False)
    kind = _enum(name)
    column = pl.col(name).cast(pl.String)
    chain: Any = pl.when(column == values[0]).then(pl.lit(values[0], dtype=kind))
    for value in values[1:]:
        chain = chain.when(column == value).then(pl.lit(value, dtype=kind))
    return chain.alias(name)


def _clean(frame: pl.DataFrame, path: str | Path, file: int, report: BulkReport) -> pl.DataFrame:
    """Answers outside their enumeration become unanswered (null), never silently a valid answer; counted into
    ``report`` per column.

    A one-answer column becomes a Polars ``Enum`` of its allowed answers (the compact layout: every rule then
    compares small integers, not text), and the cast itself turns an answer outside the list into null, so the
    nulls it adds are the answers to report. A list column (devices) becomes a list of Enums the same way; an
    element outside its list (or missing) is then dropped from its list and counted.
    """
    scalar = [n for n in frame.columns if n in _ENUMS and not isinstance(frame.schema[n], pl.List)]
    lists = [n for n in frame.columns if n in _ENUMS and isinstance(frame.schema[n], pl.List)]
    dates = [n for n in frame.columns if n in _DATE_BOUNDS]
    if not scalar and not lists and not dates:
        return frame
    cleaned = frame.with_columns(
        *[_as_enum(n) for n in scalar],
        *[pl.col(n).cast(pl.List(pl.String)).cast(pl.List(_enum(n)), strict=False) for n in lists],
        *[pl.when(pl.col(n).is_between(*_DATE_BOUNDS[n])).then(pl.col(n)).alias(n) for n in dates],
    )
    # A list element outside its list, or missing, is dropped (so counted); a missing scalar is just unanswered.
    missing = [pl.col(n).list.eval(pl.element().is_null()).list.sum().sum().alias(n) for n in lists]
    list_counts = cleaned.select(missing).row(0, named=True) if lists else {}
    bad_lists = [n for n in lists if list_counts[n]]
    if bad_lists:
        cleaned = cleaned.with_columns(pl.col(n).list.drop_nulls() for n in bad_lists)
    counts = {n: cleaned[n].null_count() - frame[n].null_count() for n in (*scalar, *dates)} | list_counts
    for name in [n for n in frame.columns if counts.get(n)]:
        key = (file, frame.columns.index(name))
        if key in report._invalid:
            report._invalid[key][2] += counts[name]  # type: ignore[operator]
            continue
        raw = frame[name].explode() if name in lists else frame[name]
        examples = (raw.filter(~raw.is_between(*_DATE_BOUNDS[name])) if name in dates
                    else raw.filter(~raw.is_in(list(_ENUMS[name])).fill_null(False))).drop_nulls()
        report._invalid[key] = [path, name, counts[name], examples[0] if examples.len() else None]
    return cleaned


def _run_starts(ids: pl.Series) -> pl.Series:
    """True where a member row starts a run of one household id (the first row always does). Each id is compared
    with the one before through two views of the same column (no shifted copy)."""
    if ids.len() == 0:
        return pl.Series(ids.name, [], dtype=pl.Boolean)
    following = ids.slice(1).ne_missing(ids.slice(0, ids.len() - 1))
    return pl.concat([pl.Series(ids.name, [True]), following], rechunk=True)


def _aligned_rows(household_ids: pl.Series, member_ids: pl.Series, starts: pl.Series
                  ) -> tuple[pl.Series, int] | None:
    """Each member's household row (``_row``) when the members are grouped by household in household order and
    every household has members — the runs of member household ids are exactly the households' ids — and the
    members of the largest household; else None. ``starts``: the members' ``_run_starts``."""
    first_rows = starts.arg_true()
    if first_rows.len() != household_ids.len() or not bool(member_ids.gather(first_rows).eq_missing(household_ids).all()):
        return None
    largest = int(first_rows.append(pl.Series([starts.len()], dtype=first_rows.dtype)).diff().max() or 1)  # type: ignore[arg-type]
    return (starts.cast(pl.UInt32).cum_sum() - 1).alias(ROW_KEY), largest


def _keyed(households: pl.DataFrame, members: pl.DataFrame, grouping: tuple[pl.Series, int] | None = None
           ) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """Integer household keys (``_row``) on both frames and each member's reference date.

    Exports usually list members grouped by household in household order; that is checked (``_aligned_rows``)
    and then needs no join at all (``grouping``: its result, when already known). Any other layout, or a
    household larger than ``classify.ALIGNED_MAX_MEMBERS``, is handled by a join on the household id.
    """
    households = households.with_row_index(ROW_KEY)
    if grouping is None:
        grouping = _aligned_rows(households["id"], members["household_id"], _run_starts(members["household_id"]))
    if grouping is not None and grouping[1] <= ALIGNED_MAX_MEMBERS:
        rows = grouping[0]
        dates = households["reference_date"].gather(rows).alias(REFERENCE_DATE)
        return households, members.with_columns(rows, dates), True
    if households["id"].is_duplicated().any():
        raise BulkInputError("the households file repeats a household id")
    keys = households.select(pl.col("id").alias("household_id"), ROW_KEY,
                             pl.col("reference_date").alias(REFERENCE_DATE))
    members = members.join(keys, on="household_id", how="inner", maintain_order="left")
    return households, members, False


def _rows(path: str | Path) -> int:
    """Rows of a Parquet file, from its footer."""
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def _row_ranges(total: int, target: int) -> Iterator[tuple[int, int]]:
    """(offset, length) slices of at most ``target`` rows covering ``total`` rows in order. Polars reads a slice
    from the row groups it touches only, skipping pages before it."""
    for offset in range(0, total, target):
        yield offset, min(target, total - offset)


_END = object()


def _prepared_ahead(batches: Iterator[Batch], meanwhile: Callable[[], object] | None = None) -> Iterator[Batch]:
    """The batches, the next one read, cleaned and keyed in the background while the caller classifies this one.

    Preparing a batch (reading it, the Enum casts, checking the grouping) costs about as much as classifying it;
    done one after the other they left a core idle half of the time. Only one thread at a time advances
    ``batches``, so the generator needs no locking; an error raised while preparing (the members not grouped)
    comes out here, at the batch it concerns. ``meanwhile`` is called while the first batch is read (the
    consumer's own set-up, which would otherwise wait for it)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="giamngheo-prepare") as pool:
        ahead = pool.submit(next, batches, _END)
        if meanwhile is not None:
            meanwhile()
        while True:
            batch = ahead.result()
            if batch is _END:
                return
            ahead = pool.submit(next, batches, _END)
            yield batch  # type: ignore[misc]


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


@dataclass(frozen=True)
class Batch:
    """Households and members of one batch, cleaned and keyed for ``classify.evaluate`` (``_keyed``). A hash
    partition's households carry ``ORDER``, their row in the file, since a partition is not in file order."""

    households: pl.DataFrame
    members: pl.DataFrame
    aligned: bool


class _NotGrouped(Exception):
    """The members turned out not to be grouped by household in household order: start again by partitions."""


T = TypeVar("T")
Consumer = Callable[[Iterator[Batch], BulkReport], T]


@dataclass(frozen=True)
class BulkFiles:
    """The two bulk files and what to read of them: ``household_columns`` / ``member_columns`` are the engine's
    columns to read (None: all of them) and may name extra household columns to carry along (grouping codes).

    ``run(consume)`` hands ``consume`` the batches one at a time, read as the module docstring says, and returns
    what it returns: a classification writes each batch's results, a comparison or a count adds them up, and
    none of them holds more than a batch in memory.
    """

    households_path: str | Path
    members_path: str | Path
    household_columns: frozenset[str] | None = None
    member_columns: frozenset[str] | None = None
    chunk_rows: int = CHUNK_ROWS
    partition_rows: int = PARTITION_ROWS
    one_batch_rows: int = ONE_BATCH_ROWS

    def _household_scan(self) -> tuple[pl.LazyFrame, list[pl.Expr]]:
        return _scan(self.households_path, HOUSEHOLD_SCHEMA, HOUSEHOLD_REQUIRED, self.household_columns)

    def _member_scan(self) -> tuple[pl.LazyFrame, list[pl.Expr]]:
        return _scan(self.members_path, MEMBER_SCHEMA, MEMBER_REQUIRED, self.member_columns)

    def _households(self) -> pl.LazyFrame:
        scan, projection = self._household_scan()
        return scan.select(projection)

    def _members(self) -> pl.LazyFrame:
        scan, projection = self._member_scan()
        return scan.select(projection)

    def total(self) -> int:
        self._households()  # a missing file or column is reported before anything else
        self._members()
        return _rows(self.households_path)

    def run(self, consume: Consumer[T], meanwhile: Callable[[], object] | None = None) -> tuple[T, BulkReport]:
        """``consume``'s result and the report; ``meanwhile`` (the consumer's set-up) runs while the first batch
        is read."""
        try:
            return self._run(consume, meanwhile)
        finally:
            prefetch.forget()

    def _run(self, consume: Consumer[T], meanwhile: Callable[[], object] | None) -> tuple[T, BulkReport]:
        total = self.total()
        chunk_rows = min(self.chunk_rows, self.partition_rows)
        if total > max(chunk_rows, min(self.one_batch_rows, self.partition_rows)):
            report = BulkReport(method="grouped chunks")
            try:
                return consume(_prepared_ahead(self._grouped(report, chunk_rows), meanwhile), report), report
            except _NotGrouped:
                pass
        parts = max(1, -(-total // self.partition_rows))
        report = BulkReport(method="one batch" if parts == 1 else "hash partitions")
        batches = (self._one_batch(report) if parts == 1
                   else _prepared_ahead(self._partitions(report, parts), meanwhile))
        return consume(batches, report), report

    def _batch(self, households: pl.DataFrame, members: pl.DataFrame, report: BulkReport,
               grouping: tuple[pl.Series, int] | None = None) -> Batch:
        households = _clean(households, self.households_path, 0, report)
        members = _clean(members, self.members_path, 1, report)
        report.households += households.height
        report.batches += 1
        households, members, aligned = _keyed(households, members, grouping)
        return Batch(households, members, aligned)

    def _one_batch(self, report: BulkReport) -> Iterator[Batch]:
        households, members = pl.collect_all([self._households(), self._members()])
        yield self._batch(households, members, report)

    def _partitions(self, report: BulkReport, parts: int) -> Iterator[Batch]:
        households, members = self._households(), self._members()
        for part in range(parts):
            # Members follow their household into the partition: both sides hash the same household id.
            chosen = households.with_row_index(ORDER).filter(pl.col("id").hash(seed=0) % parts == part).collect()
            chosen_members = members.filter(pl.col("household_id").hash(seed=0) % parts == part).collect()
            yield self._batch(chosen, chosen_members, report)

    def _grouped(self, report: BulkReport, chunk_rows: int) -> Iterator[Batch]:
        """Households in chunks, each with the contiguous member rows of its households.

        Raises ``_NotGrouped`` as soon as the members turn out not to be grouped by household in household order
        (the consumer's work is then dropped and the run starts again by partitions). The next households chunk
        and the next member rows are read in the background while a chunk is classified (Polars and Arrow release
        the GIL), so in memory at any time are at most two chunks of at most ``chunk_rows`` households, their
        members and ``MEMBER_READ_FACTOR * chunk_rows`` member rows read ahead.
        """
        household_scan, household_projection = self._household_scan()
        member_scan, member_projection = self._member_scan()
        pending = member_scan.select(member_projection).clear().collect()  # read, not yet given to a chunk
        starts = _run_starts(pending["household_id"])
        runs = 0
        exhausted = False
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="giamngheo-bulk") as pool:
            member_pieces = _read_ahead(pool, _slices(
                self.members_path, member_scan, member_projection,
                _row_ranges(_rows(self.members_path), MEMBER_READ_FACTOR * chunk_rows)))
            chunks = _read_ahead(pool, _slices(self.households_path, household_scan, household_projection,
                                               _row_ranges(self.total(), chunk_rows)))
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
                grouping = _aligned_rows(chunk["id"], chunk_members["household_id"], chunk_starts)
                if grouping is None:
                    raise _NotGrouped
                yield self._batch(chunk, chunk_members, report, grouping)
                del chunk, chunk_members
            if pending.height or (not exhausted and next(member_pieces, None) is not None):
                raise _NotGrouped  # members left over: of a household already classified, or of none in the file


Progress = Callable[[int], None]


Finish = Callable[[pl.LazyFrame], pl.LazyFrame]


def _sink(frames: Iterator[pl.DataFrame], out_path: Path, at_end: bool, finish: Finish) -> None:
    """Result frames written to one Parquet file in order, each passed through ``finish`` (which adds the columns
    that are the same on every row) on its way out.

    ``at_end`` (a file of at most ``RESULT_BUFFER_ROWS`` households, a province): the frames are kept and written
    at the end by Polars in one go; its writer encodes on every core and costs less than appending batch by batch
    (1 M households: 0.4 s of CPU against 0.55 s with pyarrow, and pyarrow is not even imported). Otherwise each
    frame is appended by pyarrow's ``ParquetWriter`` as it comes, encoded in a background thread while the next
    batch is read and classified, so memory stays bounded at any size.

    Not Polars' streaming writer fed by an IO plugin (``register_io_source``): that ran the classification, itself
    Polars queries, inside a thread of Polars' executor, and a CI run hung there; queries nested in the executor
    can wait for the very threads they hold. An error raised while making the frames (such as the members turning
    out not to be grouped) removes the partial file and is raised here."""
    if not at_end:
        _append(frames, out_path, finish)
        return
    kept = list(frames)
    if kept:
        # zstd level 1, as pyarrow's default: a smaller file than Polars' default level here, and quicker.
        finish(pl.concat(kept, rechunk=False).lazy()).sink_parquet(out_path, compression_level=1)


def _append(frames: Iterator[pl.DataFrame], out_path: Path, finish: Finish) -> None:
    """Result frames appended to one Parquet file as they come (pyarrow's ``ParquetWriter``), each written in a
    background thread while the next batch is made (see ``_sink``)."""
    import pyarrow.parquet as pq

    writer: pq.ParquetWriter | None = None
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="giamngheo-write") as pool:
            written: Future[None] | None = None
            for frame in frames:
                table = finish(frame.lazy()).collect().to_arrow(compat_level=pl.CompatLevel.oldest())
                if writer is None:
                    writer = pq.ParquetWriter(out_path, table.schema, compression="zstd")
                if written is not None:
                    written.result()
                written = pool.submit(writer.write_table, table)
            if written is not None:
                written.result()
    except BaseException:
        if writer is not None:
            writer.close()
            out_path.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.close()


def _write(frames: Iterator[pl.DataFrame], out_path: Path, method: str, at_end: bool, finish: Finish) -> None:
    """Results in file order: one batch or grouped chunks through ``_sink``; hash partitions to part files merged
    back in file order at the end (a streaming sort over the result rows only)."""
    if method != "hash partitions":
        _sink(frames, out_path, at_end, finish)
        return
    with tempfile.TemporaryDirectory(prefix="giamngheo-") as scratch:
        parts: list[Path] = []
        for frame in frames:
            parts.append(Path(scratch) / f"part-{len(parts)}.parquet")
            frame.write_parquet(parts[-1])
        if parts:
            finish(pl.scan_parquet(parts).sort(ORDER).drop(ORDER)).sink_parquet(out_path, engine="streaming")


def classify_parquet(households_path: str | Path, members_path: str | Path, out_path: str | Path | None,
                     standard: Standard, *, counts: Counts | None = None, measures: MeasureSums | None = None,
                     progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS,
                     partition_rows: int = PARTITION_ROWS, one_batch_rows: int = ONE_BATCH_ROWS,
                     buffer_rows: int = RESULT_BUFFER_ROWS) -> BulkReport:
    """Classify every household of the files under ``standard``; write one result row per household, in order.

    ``counts`` and ``measures``, when given, are filled from the same batches (per-unit counts and the
    Alkire–Foster sums), so a national figure table costs no second read; with ``out_path`` None only they are
    made (``giamngheo mpi`` on the bulk files). ``progress`` is called with the number
    of households done after each batch. ``chunk_rows`` and ``partition_rows`` bound how many households are in
    memory at once (module docstring); up to ``one_batch_rows`` households are classified in one batch whatever
    the layout; the results of a file of at most ``buffer_rows`` households are kept and written in one go at the
    end, a larger file's appended batch by batch (``_sink``).
    """
    household_set, member_set = input_columns(standard)
    households, members = set(household_set), set(member_set)
    if counts is not None:
        households |= set(counts.by)
    if measures is not None and measures.by is not None:
        if measures.member_columns:
            members |= set(measures.member_columns)
        else:
            households |= {measures.by}
    files = BulkFiles(households_path, members_path, frozenset(households), frozenset(members),
                      chunk_rows, partition_rows, one_batch_rows)
    flags = [f"_d_{code}" for code in standard.indicator_codes] if counts or measures else []
    extra = [*(counts.by if counts else ()),
             *([measures.by] if measures and measures.by and not measures.member_columns else [])]

    # Columns the same on every row are added as the results are written, not carried by every batch (at 1 M
    # households they held 80 MB of the results kept for writing, the standard's hash alone 64 bytes a row).
    constants = {"standard": standard.id, "standard_hash": standard.hash, "income_line_period": standard.lines.period}
    varying = [name for name in RESULT_COLUMNS if name not in constants]

    def finish(frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame.with_columns(pl.lit(value, dtype=pl.String).alias(name) for name, value in constants.items()
                                  ).select(RESULT_COLUMNS)

    def results(batches: Iterator[Batch], report: BulkReport) -> Iterator[pl.DataFrame]:
        for batch in batches:
            keep = [ORDER] if ORDER in batch.households.columns else []
            written = [*keep, *varying] if out_path is not None else ["class", "area"]
            columns = list(dict.fromkeys([*written, *extra, *flags, *([ROW_KEY, "_n_members"] if flags else [])]))
            evaluation = evaluate(batch.households.lazy(), batch.members.lazy(), standard, aligned=batch.aligned)
            frame = evaluation.results(columns)
            if counts is not None:
                counts.add(frame)
            if measures is not None:
                measures.add(frame, batch.members if measures.member_columns else None)
            if progress is not None:
                progress(report.households)
            yield frame.select(*keep, *varying) if out_path is not None else frame
            del evaluation, frame, batch

    def consume(batches: Iterator[Batch], report: BulkReport) -> None:
        if counts is not None:
            counts.reset()
        if measures is not None:
            measures.reset()
        if out_path is None:
            for _ in results(batches, report):
                pass
        else:
            # Results of a file of up to ``buffer_rows`` households are written at the end, a larger one's
            # appended (``_sink``).
            at_end = files.total() <= buffer_rows
            _write(results(batches, report), Path(out_path), report.method, at_end, finish)

    # The executor's expressions (``classify.steps_for``) are built while the first batch is read.
    _, report = files.run(consume, meanwhile=lambda: steps_for(standard))
    return report


def iterate_parquet(households_path: str | Path, members_path: str | Path, consume: Consumer[T], *,
                    household_columns: Iterable[str] | None = None, member_columns: Iterable[str] | None = None,
                    chunk_rows: int = CHUNK_ROWS, partition_rows: int = PARTITION_ROWS,
                    one_batch_rows: int = ONE_BATCH_ROWS) -> tuple[T, BulkReport]:
    """Hand ``consume`` the files' batches as ``classify_parquet`` reads them (same columns, cleaning, keying and
    fallbacks), for other whole-file commands (``giamngheo compare``, ``giamngheo mpi``). ``consume`` may be
    started again from the first batch (when the members turn out not to be grouped): it must start from scratch
    each time it is called."""
    files = BulkFiles(households_path, members_path,
                      frozenset(household_columns) if household_columns is not None else None,
                      frozenset(member_columns) if member_columns is not None else None,
                      chunk_rows, partition_rows, one_batch_rows)
    return files.run(consume)
