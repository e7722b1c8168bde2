"""Reading the year-by-year ledger: effective statuses and the movements table.

Definitions (``docs/review.md`` has the long form):

* The **effective status** of a household at the end of year Y in a series is its latest ledger entry
  with ``year ≤ Y`` (ordered by year, ``effective_on``, id) that no correction names. A household with
  no entry has no status (it was never on a list).
* **start** of year Y = status at the end of Y−1; **end** = status at the end of Y.
* For one class C (poor, or near-poor) and one unit U, every household counted at the start but not at
  the end is exactly one *exit*, and every household counted at the end but not at the start exactly
  one *entry*, so ``start − exits + entries = end`` holds by construction:

  exits   removed (the household left the register), moved_out (its end-of-year unit is outside U),
          escaped (poor → near-poor/average/none; near-poor → average/none), fell_to_poor (near-poor
          only: near-poor → poor);
  entries moved_in (in class C at the start, but in another unit), fell_from_near_poor (poor table:
          near-poor → poor) or from_poor (near-poor table: poor → near-poor), re_poor / re_near_poor
          (in C in some earlier year), newly_poor / newly_near_poor (everything else).

Everything is set-based: one query loads the entries, Polars groups them; no loop over households.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db.models import Q

from giamngheo.reviews.models import LedgerEntry

POOR, NEAR_POOR, REMOVED = "poor", "near_poor", "removed"
_COLUMNS = ("household_id", "year", "effective_on", "id", "klass", "unit_path", "area", "ethnic_minority")
_SCHEMA: dict[str, Any] = {
    "household_id": pl.Int64, "year": pl.Int64, "effective_on": pl.Date, "id": pl.Int64, "klass": pl.String,
    "unit_path": pl.String, "area": pl.String, "ethnic_minority": pl.Boolean,
}

POOR_COLUMNS = ("start", "escaped", "removed", "moved_out", "fell_from_near_poor", "re_poor", "newly_poor",
                "moved_in", "end", "end_ethnic_minority")
NEAR_POOR_COLUMNS = ("start", "escaped", "fell_to_poor", "removed", "moved_out", "from_poor", "re_near_poor",
                     "newly_near_poor", "moved_in", "end", "end_ethnic_minority")
EXITS = {"poor": ("escaped", "removed", "moved_out"),
         "near_poor": ("escaped", "fell_to_poor", "removed", "moved_out")}
ENTRIES = {"poor": ("fell_from_near_poor", "re_poor", "newly_poor", "moved_in"),
           "near_poor": ("from_poor", "re_near_poor", "newly_near_poor", "moved_in")}


def live_entries() -> Any:
    """Entries no correction names (a corrected entry was wrong, so it never counts)."""
    corrected = LedgerEntry.objects.filter(corrects__isnull=False).values("corrects_id")
    return LedgerEntry.objects.exclude(pk__in=corrected)


def entries_frame(*, series: str, max_year: int, unit_paths: Iterable[str] | None = None,
                  household_ids: Iterable[int] | None = None) -> pl.DataFrame:
    """Every live entry up to ``max_year`` of every household that has an entry under one of
    ``unit_paths`` (so a household that moved keeps its history from elsewhere)."""
    qs = live_entries().filter(series=series, year__lte=max_year)
    if unit_paths is not None:
        where = Q()
        for path in unit_paths:
            where |= Q(unit_path__startswith=path)
        touched = LedgerEntry.objects.filter(where, series=series, year__lte=max_year).values("household_id")
        qs = qs.filter(household_id__in=touched)
    if household_ids is not None:
        qs = qs.filter(household_id__in=list(household_ids))
    rows = list(qs.values_list(*_COLUMNS))
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


def _latest(frame: pl.DataFrame, year: int, prefix: str, extra: tuple[str, ...] = ()) -> pl.DataFrame:
    return (
        frame.filter(pl.col("year") <= year)
        .sort("household_id", "year", "effective_on", "id")
        .group_by("household_id", maintain_order=True)
        .last()
        .select(
            "household_id",
            pl.col("klass").alias(f"{prefix}_class"),
            pl.col("unit_path").alias(f"{prefix}_path"),
            pl.col("area").alias(f"{prefix}_area"),
            pl.col("ethnic_minority").alias(f"{prefix}_em"),
            *[pl.col(c).alias(f"{prefix}_{c}") for c in extra],
        )
    )


def statuses_at_end(frame: pl.DataFrame, year: int) -> dict[int, str]:
    """household id → effective class at the end of ``year``."""
    latest = _latest(frame, year, "s")
    return dict(zip(latest["household_id"].to_list(), latest["s_class"].to_list(), strict=True))


def transitions(frame: pl.DataFrame, year: int, extra: tuple[str, ...] = ()) -> pl.DataFrame:
    """One row per household: its status at the start and end of ``year`` and its earlier history.
    ``extra`` columns of the frame are carried from the end-of-year entry as ``cur_<column>``."""
    prev = _latest(frame, year - 1, "prev")
    cur = _latest(frame, year, "cur", extra)
    history = (
        frame.filter(pl.col("year") <= year - 1)
        .group_by("household_id")
        .agg((pl.col("klass") == POOR).any().alias("ever_poor"), (pl.col("klass") == NEAR_POOR).any().alias("ever_near"))
    )
    return (
        cur.join(prev, on="household_id", how="full", coalesce=True)
        .join(history, on="household_id", how="left")
        .with_columns(
            pl.col("ever_poor").fill_null(False),
            pl.col("ever_near").fill_null(False),
            # A household is split urban/rural by its latest area, so each area's table reconciles too.
            pl.coalesce("cur_area", "prev_area").alias("area"),
        )
    )


def _group(path_col: str, unit_path: str, per_child: bool) -> pl.Expr:
    """The row a path is counted in: the unit's child that holds it (``per_child``) or the unit itself;
    null outside the unit. A household directly on the unit (no child) is counted in the row ``""``."""
    inside = pl.col(path_col).str.starts_with(unit_path)
    if not per_child:
        return pl.when(inside).then(pl.lit(unit_path))
    rest = pl.col(path_col).str.slice(len(unit_path))
    child = pl.when(rest == "").then(pl.lit("")).otherwise(pl.lit(unit_path) + rest.str.split("/").list.first() + "/")
    return pl.when(inside).then(child)


def _labelled(moves: pl.DataFrame, klass: str, unit_path: str, per_child: bool) -> pl.DataFrame:
    """One row per (household, row key, column) of class ``klass``'s table: the households behind every
    count. Row key: a child path, or the unit path (``per_child=False``)."""
    return labelled_moves(moves.with_columns(
        _group("prev_path", unit_path, per_child).alias("g_prev"),
        _group("cur_path", unit_path, per_child).alias("g_cur"),
    ), klass)


def labelled_moves(grouped: pl.DataFrame, klass: str) -> pl.DataFrame:
    """``_labelled`` for any grouping: ``grouped`` is ``transitions`` with ``g_prev`` and ``g_cur``, the row
    each end of the year is counted in (null outside the table), e.g. the hamlet or commune of a path for the
    statistics' rollups (``stats/fill.py``). Columns: household_id, row, move."""
    other_entry = NEAR_POOR if klass == POOR else POOR
    ever = "ever_poor" if klass == POOR else "ever_near"
    frame = grouped.with_columns(
        ((pl.col("prev_class") == klass) & pl.col("g_prev").is_not_null()).fill_null(False).alias("at_start"),
        ((pl.col("cur_class") == klass) & pl.col("g_cur").is_not_null()).fill_null(False).alias("at_end"),
    ).with_columns(
        (pl.col("at_start") & pl.col("at_end") & (pl.col("g_prev") == pl.col("g_cur"))).fill_null(False).alias("stays"),
    )
    exits = frame.filter(pl.col("at_start") & ~pl.col("stays")).with_columns(
        pl.when(pl.col("cur_class") == REMOVED).then(pl.lit("removed"))
        .when(pl.col("g_cur").is_null() | (pl.col("g_cur") != pl.col("g_prev"))).then(pl.lit("moved_out"))
        .when(pl.col("cur_class") == POOR).then(pl.lit("fell_to_poor"))
        .otherwise(pl.lit("escaped")).alias("move")
    ).select("household_id", pl.col("g_prev").alias("row"), "move")
    entry_other = "fell_from_near_poor" if klass == POOR else "from_poor"
    entry_re = "re_poor" if klass == POOR else "re_near_poor"
    entry_new = "newly_poor" if klass == POOR else "newly_near_poor"
    entries = frame.filter(pl.col("at_end") & ~pl.col("stays")).with_columns(
        pl.when(pl.col("prev_class") == klass).then(pl.lit("moved_in"))
        .when(pl.col("prev_class") == other_entry).then(pl.lit(entry_other))
        .when(pl.col(ever)).then(pl.lit(entry_re))
        .otherwise(pl.lit(entry_new)).alias("move")
    ).select("household_id", pl.col("g_cur").alias("row"), "move")
    starts = frame.filter("at_start").select("household_id", pl.col("g_prev").alias("row"),
                                             pl.lit("start").alias("move"))
    ends = frame.filter("at_end").select("household_id", pl.col("g_cur").alias("row"), pl.lit("end").alias("move"))
    ends_em = frame.filter(pl.col("at_end") & pl.col("cur_em").fill_null(False)).select(
        "household_id", pl.col("g_cur").alias("row"), pl.lit("end_ethnic_minority").alias("move"))
    return pl.concat([exits, entries, starts, ends, ends_em])


def _counts(moves: pl.DataFrame, klass: str, unit_path: str, per_child: bool
            ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, dict[str, int]]]]:
    """Per row key (child path, or the unit path): the movement counts of class ``klass``, over all households
    and per area (``rural``, ``urban``). One labelling for all three: each household's area (``transitions``) is
    joined to its moves, so a household without an area counts in the whole table only, as before."""
    areas = moves.select("household_id", "area")
    tally = (_labelled(moves, klass, unit_path, per_child).join(areas, on="household_id", how="left")
             .group_by("row", "move", "area").len())
    out: dict[str, dict[str, int]] = {}
    by_area: dict[str, dict[str, dict[str, int]]] = {"rural": {}, "urban": {}}
    for row, move, area, count in tally.iter_rows():
        totals = out.setdefault(row, {})
        totals[move] = totals.get(move, 0) + int(count)
        if area in by_area:
            by_area[area].setdefault(row, {})[move] = int(count)
    return out, by_area


@dataclass(frozen=True)
class MovementRow:
    unit_code: str
    unit_name: str
    unit_path: str
    is_total: bool
    poor: dict[str, Any]
    near_poor: dict[str, Any]


def _block(counts: dict[str, int], columns: tuple[str, ...]) -> dict[str, int]:
    return {c: counts.get(c, 0) for c in columns}


def ledger_version() -> str:
    """Changes whenever the ledger does. Entries are only ever added (never updated; a correction is a new
    entry), so the newest entry identifies the ledger's content. Its time is part of the version because
    SQLite hands a rolled-back id out again (tests roll back; so does a failed recognition)."""
    last = LedgerEntry.objects.order_by("-id").values_list("id", "recognised_at").first()
    return "empty" if last is None else f"{last[0]}@{last[1].isoformat()}"


# The table changes only when a recognition or a correction adds entries (a few times a year per commune),
# while province users open it all day; an hour bounds what an entry added outside the ORM (a restore, a
# hand-made SQL fix) could leave stale.
MOVEMENTS_CACHE_SECONDS = 3600


def movement_rows(*, unit_path: str, children: list[tuple[str, str, str]], unit_code: str, unit_name: str,
                  series: str, year: int) -> list[MovementRow]:
    """The movements table of ``year``: one row per child (code, name, path) and the total row last.

    Rows for households sitting directly on the unit (no child) appear as a row with an empty code only
    when there are some, so the children always add up to the total's start and end.

    Kept in Django's cache under the ledger's version (``ledger_version``), so a province page computes its
    hundred communes once per change of the ledger, not once per request; the rows hold counts only, no
    personal data, and scope is checked by the caller before it asks.
    """
    parts = repr((unit_path, children, unit_code, unit_name, series, year, ledger_version()))
    key = "movements:" + hashlib.sha256(parts.encode()).hexdigest()
    rows: list[MovementRow] | None = cache.get(key)
    if rows is None:
        rows = _movement_rows(unit_path=unit_path, children=children, unit_code=unit_code, unit_name=unit_name,
                              series=series, year=year)
        cache.set(key, rows, MOVEMENTS_CACHE_SECONDS)
    return rows


def _movement_rows(*, unit_path: str, children: list[tuple[str, str, str]], unit_code: str, unit_name: str,
                   series: str, year: int) -> list[MovementRow]:
    frame = entries_frame(series=series, max_year=year, unit_paths=[unit_path])
    moves = transitions(frame, year)
    tables: dict[str, dict[str, Any]] = {}
    for klass, columns in (("poor", POOR_COLUMNS), ("near_poor", NEAR_POOR_COLUMNS)):
        child, area_child = _counts(moves, klass, unit_path, True)
        total, area_total = _counts(moves, klass, unit_path, False)
        tables[klass] = {"child": child, "total": total, "area_child": area_child, "area_total": area_total,
                         "columns": columns}

    def row_for(key: str, code: str, name: str, path: str, total: bool) -> MovementRow:
        blocks: dict[str, dict[str, Any]] = {}
        for klass, t in tables.items():
            counts = t["total"] if total else t["child"]
            areas = t["area_total"] if total else t["area_child"]
            block: dict[str, Any] = _block(counts.get(key, {}), t["columns"])
            block["area"] = {a: _block(areas[a].get(key, {}), t["columns"]) for a in ("urban", "rural")}
            blocks[klass] = block
        return MovementRow(code, name, path, total, blocks["poor"], blocks["near_poor"])

    rows = [row_for(path, code, name, path, False) for code, name, path in children]
    orphan_keys = set(tables["poor"]["child"]) | set(tables["near_poor"]["child"])
    if "" in orphan_keys:
        rows.append(row_for("", "", "", unit_path, False))
    rows.append(row_for(unit_path, unit_code, unit_name, unit_path, True))
    return rows


def movement_households(*, unit_path: str, series: str, year: int, klass: str, area: str, row: str,
                        move: str) -> list[int]:
    """The households counted in one cell of ``movement_rows``' table: class ``klass``, area (``all``,
    ``urban``, ``rural``), row key (a child's path, ``""`` for households directly on the unit, or
    ``unit_path`` for the total) and column (``start``, ``end``, ``escaped``…). The same rules as the counts,
    so a cell's number and its list never disagree."""
    frame = entries_frame(series=series, max_year=year, unit_paths=[unit_path])
    moves = transitions(frame, year)
    if area in ("rural", "urban"):
        moves = moves.filter(pl.col("area") == area)
    labelled = _labelled(moves, klass, unit_path, per_child=row != unit_path)
    cell = labelled.filter((pl.col("row") == row) & (pl.col("move") == move))
    return sorted(int(h) for h in cell["household_id"].to_list())


def reconciles(block: dict[str, int], klass: str) -> bool:
    """start − exits + entries = end."""
    exits = sum(block[c] for c in EXITS[klass])
    entries = sum(block[c] for c in ENTRIES[klass])
    return block["start"] - exits + entries == block["end"]


def previous_classes(*, series: str, household_ids: list[int], max_year: int) -> dict[int, str | None]:
    """entry id → the class the household had just before that entry (None: never on a list)."""
    frame = entries_frame(series=series, max_year=max_year, household_ids=household_ids)
    ordered = frame.sort("household_id", "year", "effective_on", "id").with_columns(
        pl.col("klass").shift(1).over("household_id").alias("previous"))
    return dict(zip(ordered["id"].to_list(), ordered["previous"].to_list(), strict=True))
