"""The one executor: indicator flags, deprivation counts and classes for a batch of households.

``evaluate`` builds a lazy Polars plan over a households frame and a members frame; the JSON path (a single form or
a file of records) and the bulk Parquet path both run it, so they cannot disagree. Nothing here loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl

from giamngheo.standards.definition import AreaLines, Standard
from giamngheo.standards.frames import REFERENCE_DATE, ROW_KEY
from giamngheo.standards.rules import RULE_KINDS

RESULT_COLUMNS = (
    "id", "standard", "standard_hash", "area", "income_line", "near_poor_line", "income_line_period", "basis",
    "deprivations", "unknown", "deprivation_count", "class", "criterion", "low_income_workers",
)
_BOOL_NULL = pl.lit(None, dtype=pl.Boolean)


@dataclass(frozen=True)
class Evaluation:
    """Lazy plans: one row per household (results plus ``_d_<code>`` flags) and one per member (``_m_<code>``)."""

    households: pl.LazyFrame
    members: pl.LazyFrame


def _by_area(rural: object, urban: object) -> pl.Expr:
    """A per-area constant; null when the area is missing, which makes the class undetermined."""
    return (pl.when(pl.col("area") == "rural").then(pl.lit(rural))
            .when(pl.col("area") == "urban").then(pl.lit(urban)))


def _line(standard: Standard, attr: str) -> pl.Expr:
    rural: AreaLines = standard.lines.rural
    urban: AreaLines = standard.lines.urban
    return _by_area(getattr(rural, attr), getattr(urban, attr)).cast(pl.Int64)


def _ages(reference: pl.Expr) -> list[list[pl.Expr]]:
    """Completed years and months on the reference date; with only ``age``, months and birth year are ranges.

    Two steps (calendar parts once, then arithmetic): completed years are ``(ref_yyyymmdd - birth_yyyymmdd) //
    10000``, which counts a 29 February birthday on 1 March in other years.
    """
    birth = pl.col("birth_date")
    parts = [
        reference.dt.year().cast(pl.Int32).alias("_ry"), reference.dt.month().cast(pl.Int32).alias("_rm"),
        reference.dt.day().cast(pl.Int32).alias("_rd"), birth.dt.year().cast(pl.Int32).alias("_by"),
        birth.dt.month().cast(pl.Int32).alias("_bm"), birth.dt.day().cast(pl.Int32).alias("_bd"),
    ]
    ry, rm, rd, by, bm, bd = (pl.col(c) for c in ("_ry", "_rm", "_rd", "_by", "_bm", "_bd"))
    exact_years = ((ry * 10000 + rm * 100 + rd) - (by * 10000 + bm * 100 + bd)) // 10000
    exact_months = (ry - by) * 12 + rm - bm - (rd < bd).cast(pl.Int32)
    stated = pl.col("age").cast(pl.Int32)
    ages = [
        pl.coalesce(exact_years, stated).alias("_age"),
        pl.coalesce(exact_months, stated * 12).alias("_age_m_min"),
        pl.coalesce(exact_months, stated * 12 + 11).alias("_age_m_max"),
        pl.coalesce(by, ry - stated - 1).alias("_by_min"),
        pl.coalesce(by, ry - stated).alias("_by_max"),
    ]
    return [parts, ages]


def _working_age(standard: Standard) -> pl.Expr:
    """Explicit ``working_age`` wins; else age ≥ minimum and below the retirement age of the reference year."""
    table = standard.working_age
    assert table is not None
    years = [r.year for r in table.retirement]
    year = pl.col("_ry").clip(years[0], years[-1])
    male = year.replace_strict(years, [r.male_months for r in table.retirement], return_dtype=pl.Int32)
    female = year.replace_strict(years, [r.female_months for r in table.retirement], return_dtype=pl.Int32)
    retirement = pl.when(pl.col("sex") == "male").then(male).when(pl.col("sex") == "female").then(female)
    computed = (pl.when(pl.col("_age") < table.min_age).then(pl.lit(False))
                .when(pl.col("_age_m_min") >= retirement).then(pl.lit(False))
                .when(pl.col("_age_m_max") < retirement).then(pl.lit(True))
                .otherwise(_BOOL_NULL))
    return pl.coalesce(pl.col("working_age"), computed).alias("_working_age")


def _by_deprivations(cut_known: pl.Expr, cut_possible: pl.Expr) -> pl.Expr:
    return (pl.when(cut_known).then(pl.lit("poor"))
            .when(~cut_possible).then(pl.lit("near_poor"))
            .otherwise(pl.lit("undetermined")))


def _band(standard: Standard) -> pl.Expr:
    """Where the household's income (or score A) falls among the lines: the first half of every class rule.

    ``missing``: no income or no area; ``poverty``: at or below the poverty line; ``near_poverty``: above it and at
    or below the near-poverty line (two-line standards); ``average``: at or below the average-living bound;
    ``above``: higher still. Score form: ``score_missing``, ``score_within`` (A ≤ cut), ``score_above``.
    """
    income = pl.col("income") * standard.lines.months
    near_poverty = (_line(standard, "near_poverty") if standard.class_rule.kind != "one_line_and"
                    else pl.lit(None, dtype=pl.Int64))
    band = (pl.when(income.is_null() | pl.col("area").is_null()).then(pl.lit("missing"))
            .when(income <= _line(standard, "poverty")).then(pl.lit("poverty"))
            .when(income <= near_poverty).then(pl.lit("near_poverty"))
            .when(income <= _line(standard, "average_upper")).then(pl.lit("average"))
            .otherwise(pl.lit("above")))
    form = standard.score_form
    if form is None:
        return band
    score = pl.col("score_a")
    cut = _by_area(form.cut_rural, form.cut_urban).cast(pl.Float64)
    score_band = (pl.when(score.is_null() | cut.is_null()).then(pl.lit("score_missing"))
                  .when(score <= cut).then(pl.lit("score_within"))
                  .otherwise(pl.lit("score_above")))
    return pl.when(pl.col("basis") == "score_a").then(score_band).otherwise(band)


def _class(standard: Standard) -> pl.Expr:
    """The class from the band and the deprivations (known count, plus unknowns that could still count)."""
    cut = standard.class_rule.deprivation_cut
    known, unknown = pl.col("deprivation_count"), pl.col("_unknown_count")
    by_deprivation = _by_deprivations(known >= cut, known + unknown >= cut)
    band = pl.col("_band")
    kind = standard.class_rule.kind
    poverty_band = pl.lit("poor") if kind == "two_lines_or" else by_deprivation
    near_band = by_deprivation if kind == "two_lines_or" else pl.lit("near_poor")
    expr = (pl.when(band.is_in(["missing", "score_missing"])).then(pl.lit("undetermined"))
            .when(band == "poverty").then(poverty_band)
            .when(band == "near_poverty").then(near_band)
            .when(band == "average").then(pl.lit("average")))
    form = standard.score_form
    if form is not None:
        points = form.points_per_deprivation
        by_score_b = _by_deprivations(known * points >= form.score_b_cut,
                                      (known + unknown) * points >= form.score_b_cut)
        expr = expr.when(band == "score_within").then(by_score_b)
    return expr.otherwise(pl.lit("none"))


def _basis(standard: Standard) -> pl.Expr:
    if standard.score_form is None:
        # A standard without a score form decides from income only, whatever the record's basis.
        return pl.lit("income")
    return (pl.when(pl.col("income_basis").is_not_null()).then(pl.col("income_basis"))
            .when(pl.col("income").is_null() & pl.col("score_a").is_not_null()).then(pl.lit("score_a"))
            .otherwise(pl.lit("income")))


@cache
def _code_lists(codes: tuple[str, ...]) -> pl.Series:
    """Entry ``m`` is the list of the codes whose bit is set in ``m``, in the standard's order.

    Lists of deprived (or unknown) indicators are read from this table by a bit mask: building them row by row
    with ``concat_list`` costs seconds per million households; a gather from 2^n prepared lists costs milliseconds.
    The table is built once per set of codes: building it (~10–30 ms for 12 indicators) was most of the cost of
    classifying one household for a page, the API or the survey's live result.
    """
    masks = pl.DataFrame({"m": range(1 << len(codes))})
    return masks.select(
        pl.concat_list([pl.when((pl.col("m") // (1 << bit)) % 2 == 1).then(pl.lit(code))
                        for bit, code in enumerate(codes)]).list.drop_nulls()
    ).to_series()


def _listed(codes: list[str], flags: list[pl.Expr], table: pl.Series) -> pl.Expr:
    mask = pl.sum_horizontal([flag.fill_null(False).cast(pl.Int32) * (1 << bit) for bit, flag in enumerate(flags)])
    return pl.lit(table).gather(mask)


def evaluate(households: pl.LazyFrame, members: pl.LazyFrame, standard: Standard, *, aligned: bool) -> Evaluation:
    """The lazy plans classifying every household of ``households`` under ``standard``.

    ``households`` holds the household and dwelling columns (``frames.HOUSEHOLD_SCHEMA``) and a unique integer
    key ``_row``; ``members`` holds the member columns, ``_row`` of their household and that household's
    ``_reference_date``. ``aligned`` promises that members are grouped by household in household order and that
    every household has at least one member: the per-household aggregates then line up with the households row
    for row and are placed beside them without a join. Otherwise they are joined on ``_row`` (a household
    without members then gets unknown member indicators).
    """
    reference = pl.col(REFERENCE_DATE)
    member_rules = [(i, RULE_KINDS[i.rule]) for i in standard.indicators if RULE_KINDS[i.rule].level == "member"]
    household_rules = [(i, RULE_KINDS[i.rule]) for i in standard.indicators if RULE_KINDS[i.rule].level == "household"]

    parts, ages = _ages(reference)
    flagged = members.with_columns(parts).with_columns(ages)
    if standard.working_age is not None:
        flagged = flagged.with_columns(_working_age(standard))
    member_flags = [kind.member_flag(ind.parsed_params).alias(f"_m_{ind.code}") for ind, kind in member_rules]
    if standard.low_income_worker is not None:
        member_flags.append(pl.col("employment").is_in(standard.low_income_worker.working_statuses).alias("_lw"))
    flagged = flagged.with_columns(member_flags)

    aggregations = [pl.len().alias("_n_members")]
    aggregations += [kind.aggregate(ind.parsed_params, f"_m_{ind.code}").alias(f"_d_{ind.code}")
                     for ind, kind in member_rules]
    if aligned:
        per_household = flagged.group_by(ROW_KEY, maintain_order=True).agg(aggregations).drop(ROW_KEY)
        combined = pl.concat([households, per_household], how="horizontal")
    else:
        per_household = flagged.group_by(ROW_KEY).agg(aggregations)
        combined = households.join(per_household, on=ROW_KEY, how="left", maintain_order="left")

    codes = standard.indicator_codes
    flags = [pl.col(f"_d_{code}") for code in codes]
    result = (
        combined.with_columns(pl.col("_n_members").fill_null(0))
        .with_columns([kind.household_flag(ind.parsed_params).alias(f"_d_{ind.code}") for ind, kind in household_rules])
        .with_columns(
            pl.sum_horizontal([f.fill_null(False).cast(pl.Int32) for f in flags]).alias("deprivation_count"),
            pl.sum_horizontal([f.is_null().cast(pl.Int32) for f in flags]).alias("_unknown_count"),
            _basis(standard).alias("basis"),
        )
    )
    criterion = pl.lit(None, dtype=pl.String)
    if standard.class_rule.kind == "two_lines_or":
        criterion = (pl.when(pl.col("class") != "poor").then(criterion)
                     .when(pl.col("_band") == "poverty").then(pl.lit("income"))
                     .otherwise(pl.lit("deprivation")))
    near_poor_line = (_line(standard, "near_poverty") if standard.class_rule.kind != "one_line_and"
                      else pl.lit(None, dtype=pl.Int64))
    table = _code_lists(tuple(codes))
    result = (
        result.with_columns(_band(standard).alias("_band"))
        .with_columns(_class(standard).alias("class"))
        .with_columns(
            criterion.alias("criterion"),
            pl.lit(standard.id).alias("standard"),
            pl.lit(standard.hash).alias("standard_hash"),
            _line(standard, "poverty").alias("income_line"),
            near_poor_line.alias("near_poor_line"),
            pl.lit(standard.lines.period).alias("income_line_period"),
            _listed(codes, flags, table).alias("deprivations"),
            _listed(codes, [f.is_null() for f in flags], table).alias("unknown"),
        )
    )
    return Evaluation(households=_with_low_income_workers(standard, result, flagged), members=flagged)


def _with_low_income_workers(standard: Standard, result: pl.LazyFrame, members: pl.LazyFrame) -> pl.LazyFrame:
    """Decree 30/2025: working members of households neither poor nor near-poor with income up to the bound.

    Member ids are collected only for the households that qualify (a second, small pass over the flagged
    members): collecting a list for every household would dominate the cost of a million-household run.
    """
    empty = pl.lit([], dtype=pl.List(pl.String))
    rule = standard.low_income_worker
    if rule is None:
        return result.with_columns(empty.alias("low_income_workers"))
    bound = _by_area(rule.income_rural, rule.income_urban).cast(pl.Int64)
    qualifies = (pl.col("class").is_in(["average", "none"]) & (pl.col("income") <= bound)
                 & (pl.col("reference_date") >= pl.lit(rule.effective_from, dtype=pl.Date)))
    households = result.filter(qualifies).select(ROW_KEY)
    workers = (members.filter(pl.col("_lw"))
               .join(households, on=ROW_KEY, how="semi")
               .group_by(ROW_KEY).agg(pl.col("id").alias("low_income_workers")))
    return (result.join(workers, on=ROW_KEY, how="left", maintain_order="left")
            .with_columns(pl.col("low_income_workers").fill_null(empty)))


def results_only(households: pl.LazyFrame) -> pl.LazyFrame:
    """The public result columns of an evaluation, in their documented order."""
    return households.select(RESULT_COLUMNS)
