"""Filling the rollups of one province, year and series from the ledger, set-based.

One query per source (live ledger entries, the year's household counts, the year's deprivation profiles),
Polars for every grouping; no Python loop over households. Each source becomes a long frame of
``(level, key, area, code, value)``: ``key`` is the unit's path at that level (``stats/models.py``
``RollupLevel``), and every count is computed the same way at every level, so the hamlets plus the
households on no hamlet add up to their commune, and the communes to the province (a test proves it).

Movements are counted at each level on their own (``reviews.ledger.labelled_moves``): a household moving
between two hamlets of one commune is *moved out* and *moved in* in the hamlets' rows, and simply stays in
the commune's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import F, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from giamngheo.households.models import Classification, Household
from giamngheo.reviews.ledger import labelled_moves, live_entries, transitions
from giamngheo.reviews.models import LedgerEntry, ReviewCase
from giamngheo.stats.measures import CLASSES
from giamngheo.stats.models import HouseholdCount

LEVELS = ("province", "commune", "hamlet", "direct")
AF_K = 3  # cut-off in indicators, as ``standards.alkire_foster.measures`` uses by default (3 of 12 or 10)
_EPSILON = 1e-9
_PATTERNS = {
    "province": r"^(/[^/]+/)",
    "commune": r"^(/[^/]+/[^/]+/)",
    "hamlet": r"^(/[^/]+/[^/]+/[^/]+/)",
    "direct": r"^(/[^/]+/[^/]+/)$",
}
_LEDGER = ("household_id", "year", "effective_on", "id", "klass", "unit_path", "area", "ethnic_minority",
           "meritorious", "social_protection", "no_working_capacity", "case_id")
_LEDGER_SCHEMA: dict[str, Any] = {
    "household_id": pl.Int64, "year": pl.Int64, "effective_on": pl.Date, "id": pl.Int64, "klass": pl.String,
    "unit_path": pl.String, "area": pl.String, "ethnic_minority": pl.Boolean, "meritorious": pl.Boolean,
    "social_protection": pl.Boolean, "no_working_capacity": pl.Boolean, "case_id": pl.Int64,
}
_LONG: dict[str, Any] = {"level": pl.String, "key": pl.String, "area": pl.String, "code": pl.String,
                         "value": pl.Float64}


def level_key(column: str, level: str) -> pl.Expr:
    """The path of the unit at ``level`` that holds the path in ``column`` (null when it has none)."""
    return pl.col(column).str.extract(_PATTERNS[level], 1)


@dataclass
class Filled:
    """The rollups of one province, year and series as ``{(level, key, area): {code: value}}``."""

    counts: dict[tuple[str, str, str], dict[str, float | int]]
    households_read: int


def ledger_frame(province_path: str, series: str, year: int) -> pl.DataFrame:
    """Every live entry up to ``year`` of every household with an entry in the province."""
    touched = LedgerEntry.objects.filter(
        series=series, year__lte=year, unit_path__startswith=province_path).values("household_id")
    rows = list(live_entries().filter(series=series, year__lte=year, household_id__in=touched)
                .order_by().values_list(*_LEDGER))
    return pl.DataFrame(rows, schema=_LEDGER_SCHEMA, orient="row")


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_LONG)


def _long(frame: pl.DataFrame, key: str, level: str, code: pl.Expr | str, value: pl.Expr | None = None
          ) -> pl.DataFrame:
    """``frame`` (with ``area`` and the column ``key``) grouped into the long shape."""
    code_expr = pl.lit(code) if isinstance(code, str) else code
    value_expr = pl.lit(1.0) if value is None else value.cast(pl.Float64)
    return (
        frame.filter(pl.col(key).is_not_null())
        .select(pl.lit(level).alias("level"), pl.col(key).alias("key"), pl.col("area").fill_null(""),
                code_expr.alias("code"), value_expr.alias("value"))
        .group_by("level", "key", "area", "code").agg(pl.col("value").sum())
    )


def movement_counts(moves: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """The movements table of every unit at every level, with the end-of-year categories."""
    end_flags = moves.select(
        "household_id", "area",
        pl.col("cur_meritorious").fill_null(False).alias("end_meritorious"),
        pl.col("cur_social_protection").fill_null(False).alias("end_social_protection"),
        pl.col("cur_no_working_capacity").fill_null(False).alias("end_no_capacity"),
    ).join(persons, on="household_id", how="left").with_columns(pl.col("persons").fill_null(0))
    parts: list[pl.DataFrame] = []
    for level in LEVELS:
        grouped = moves.with_columns(level_key("prev_path", level).alias("g_prev"),
                                     level_key("cur_path", level).alias("g_cur"))
        for klass in CLASSES:
            labelled = labelled_moves(grouped, klass).join(
                moves.select("household_id", "area"), on="household_id", how="left")
            parts.append(_long(labelled, "row", level, pl.lit(f"{klass}.") + pl.col("move")))
            ends = labelled.filter(pl.col("move") == "end").drop("area").join(end_flags, on="household_id")
            for flag in ("end_meritorious", "end_social_protection", "end_no_capacity"):
                parts.append(_long(ends.filter(flag), "row", level, f"{klass}.{flag}"))
            parts.append(_long(ends, "row", level, f"{klass}.end_persons", pl.col("persons")))
        average = grouped.filter(pl.col("cur_class") == "average")
        parts.append(_long(average, "g_cur", level, "average.end"))
    return pl.concat(parts) if parts else _empty()


def denominator_counts(province_path: str, year: int) -> pl.DataFrame:
    rows = list(HouseholdCount.objects.filter(year=year, unit_path__startswith=province_path)
                .values_list("unit_path", "area", "households", "persons", "ethnic_minority"))
    cells = pl.DataFrame(rows, schema={"unit_path": pl.String, "area": pl.String, "households": pl.Int64,
                                       "persons": pl.Int64, "ethnic_minority": pl.Int64}, orient="row")
    parts = []
    for level in LEVELS:
        keyed = cells.with_columns(level_key("unit_path", level).alias("k"))
        for code, column in (("households", "households"), ("persons", "persons"),
                             ("households_em", "ethnic_minority")):
            parts.append(_long(keyed, "k", level, code, pl.col(column)))
    return pl.concat(parts)


def _json_list(column: str) -> pl.Expr:
    return pl.col(column).str.json_decode(pl.List(pl.String))


def profile_frame(province_path: str, year: int, standard_id: str) -> pl.DataFrame:
    """household_id, unit_path, area, deprivations, unknown, causes: the year's deprivation profile of each
    household of the province under ``standard_id`` — its latest survey of that year's review when the
    survey's result names the deprivations, else the registry's classification of that year."""
    classified = list(
        Classification.objects.filter(year=year, standard_id=standard_id,
                                      household__unit_path__startswith=province_path,
                                      household__deleted_at__isnull=True)
        .annotate(path=F("household__unit_path"), h_area=F("household__area"),
                  dep=Cast("deprivations", TextField()), unk=Cast("unknown", TextField()))
        .values_list("household_id", "path", "h_area", "dep", "unk"))
    schema = {"household_id": pl.Int64, "unit_path": pl.String, "area": pl.String, "dep": pl.String,
              "unk": pl.String}
    registry = pl.DataFrame(classified, schema=schema, orient="row").with_columns(
        pl.lit(None, dtype=pl.String).alias("cau"), pl.lit(1).alias("rank"))
    surveyed = list(
        ReviewCase.objects.filter(cycle__year=year, unit_path__startswith=province_path, survey_complete=True)
        .annotate(dep=KT(f"results__{standard_id}__deprivations"), unk=KT(f"results__{standard_id}__unknown"),
                  cau=Cast("causes", TextField()), h_area=F("household__area"))
        .order_by("household_id", "surveyed_on", "id")
        .values_list("household_id", "unit_path", "h_area", "dep", "unk", "cau"))
    cases = pl.DataFrame(surveyed, schema={**schema, "cau": pl.String}, orient="row").with_columns(
        pl.lit(0).alias("rank"))
    # Causes come from the year's latest survey even when its result does not carry deprivations.
    causes = cases.group_by("household_id", maintain_order=True).last().select("household_id", "cau")
    profiles = (
        pl.concat([cases.filter(pl.col("dep").is_not_null()), registry], how="vertical_relaxed")
        .group_by("household_id", maintain_order=True).agg(pl.all().sort_by("rank").first())
        .drop("cau", "rank")
        .join(causes, on="household_id", how="left")
    )
    return profiles.with_columns(
        _json_list("dep").fill_null([]).alias("deprivations"),
        _json_list("unk").fill_null([]).alias("unknown"),
        _json_list("cau").fill_null([]).alias("causes"),
    ).drop("dep", "unk", "cau")


def profile_counts(profiles: pl.DataFrame, moves: pl.DataFrame, indicators: list[str]) -> pl.DataFrame:
    """Deprivation headcounts, causes of poverty and Alkire–Foster sums of every unit at every level. A
    household is placed where the ledger has it at the end of the year, else where the registry has it."""
    if profiles.is_empty():
        return _empty()
    frame = profiles.join(
        moves.select("household_id", "cur_class", "cur_path"), on="household_id", how="left",
    ).with_columns(pl.coalesce("cur_path", "unit_path").alias("path"))
    flags = {c: pl.col("deprivations").list.contains(c) for c in indicators}
    complete = ~pl.any_horizontal([pl.col("unknown").list.contains(c) for c in indicators])
    score = pl.sum_horizontal([flags[c].cast(pl.Float64) for c in indicators]) / len(indicators)
    frame = frame.with_columns(
        *[flags[c].alias(f"_d_{c}") for c in indicators],
        complete.alias("_complete"),
        score.alias("_c"),
    ).with_columns(
        (pl.col("_complete") & (pl.col("_c") >= AF_K / len(indicators) - _EPSILON)).alias("_q"),
    )
    poor, near = pl.col("cur_class") == "poor", pl.col("cur_class") == "near_poor"
    multi = pl.col("_complete") & pl.col("_q")
    # One wide aggregation per level (a column per code), then unpivoted: a group_by per code would scan the
    # profiles once per indicator and class.
    sums: list[pl.Expr] = [
        pl.len().alias("profiled"),
        poor.sum().alias("profiled.poor"),
        near.sum().alias("profiled.near_poor"),
        (poor & (pl.col("causes").list.len() > 0)).sum().alias("causes_known"),
        pl.col("_complete").sum().alias("af.n"),
        (~pl.col("_complete")).sum().alias("af.excluded"),
        multi.sum().alias("af.q"),
        pl.when(multi).then(pl.col("_c")).otherwise(0.0).sum().alias("af.c"),
    ]
    for c in indicators:
        d = pl.col(f"_d_{c}")
        sums += [d.sum().alias(f"dep.{c}"), (d & poor).sum().alias(f"dep_poor.{c}"),
                 (d & near).sum().alias(f"dep_near_poor.{c}"), (d & multi).sum().alias(f"af.ch.{c}")]
    parts: list[pl.DataFrame] = []
    for level in LEVELS:
        keyed = frame.with_columns(level_key("path", level).alias("k"), pl.col("area").fill_null("")).filter(
            pl.col("k").is_not_null())
        wide = keyed.group_by("k", "area").agg(sums)
        parts.append(
            wide.unpivot(index=["k", "area"], variable_name="code", value_name="value")
            .filter(pl.col("value") != 0)
            .select(pl.lit(level).alias("level"), pl.col("k").alias("key"), "area", "code",
                    pl.col("value").cast(pl.Float64)))
        causes = keyed.filter(poor).select("k", "area", "causes").explode("causes").filter(
            pl.col("causes").is_not_null())
        parts.append(_long(causes, "k", level, pl.lit("cause.") + pl.col("causes")))
    return pl.concat(parts)


def persons_frame(household_ids: Iterable[int] | Any) -> pl.DataFrame:
    rows = list(Household.objects.filter(id__in=household_ids).values_list("id", "member_count"))
    return pl.DataFrame(rows, schema={"household_id": pl.Int64, "persons": pl.Int64}, orient="row")


def fill(province_path: str, series: str, year: int, standard_id: str, indicators: list[str]) -> Filled:
    """Every rollup of one province, year and series (nothing written; ``stats/services.py`` stores them)."""
    entries = ledger_frame(province_path, series, year)
    moves = transitions(entries, year, extra=("meritorious", "social_protection", "no_working_capacity"))
    touched = LedgerEntry.objects.filter(
        series=series, year__lte=year, unit_path__startswith=province_path).values("household_id")
    long = pl.concat([
        movement_counts(moves, persons_frame(touched)),
        denominator_counts(province_path, year),
        profile_counts(profile_frame(province_path, year, standard_id), moves, indicators),
    ]).filter(pl.col("key").str.starts_with(province_path))
    by_area = long.group_by("level", "key", "area", "code").agg(pl.col("value").sum())
    every = long.group_by("level", "key", "code").agg(pl.col("value").sum()).with_columns(
        pl.lit("all").alias("area"))
    out: dict[tuple[str, str, str], dict[str, float | int]] = {}
    for level, key, area, code, value in pl.concat([by_area, every.select(by_area.columns)]).iter_rows():
        if area not in ("all", "urban", "rural"):
            continue  # an entry with no area is counted in "all" only
        # Counts are whole numbers; only the Alkire–Foster score sum is fractional.
        out.setdefault((level, key, area), {})[code] = round(value, 9) if code == "af.c" else int(value)
    return Filled(counts=out, households_read=moves.height)

