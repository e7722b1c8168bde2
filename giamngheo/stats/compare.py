"""Two standards side by side: the same households classified under standard A and under standard B.

A what-if, not a recognised status: the facts stay as recorded (reference date, answers) and only the lines and
indicators change, e.g. "our 2026 households under the 2027–2030 lines". Both standards run through the engine's
one executor (``standards.classify.evaluate``) with the standard given explicitly — never picked from the
record's year — over the same frames, and the two results are joined on the household key: no Python loop per
household, so the registry page and ``giamngheo compare`` on Parquet files give the same figures.

What must always hold (tested against classifying each standard on its own):

* for every group and area, the counts under A (and under B) add up to the households of the group;
* ``transitions`` (A-class × B-class) sums, over B-classes, to the counts under A, and over A-classes to those
  under B;
* a household the engine cannot classify under a standard (``undetermined``: an answer that standard needs is
  missing) is counted as such, never guessed; ``reasons`` says which answers were missing.

Pure Polars over the engine's frames: no Django, so the command line imports it without settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from giamngheo.standards.classify import evaluate
from giamngheo.standards.definition import Standard
from giamngheo.standards.frames import ROW_KEY

# Every class the executor gives, in the order tables show them.
CLASSES = ("poor", "near_poor", "average", "none", "undetermined")
UNDETERMINED = "undetermined"
SIDES = ("a", "b")
AREA = "area"
# Reasons a household cannot be classified that are not an indicator: the answers the income band needs.
FACT_REASONS = ("area", "income", "score_a")


@dataclass(frozen=True)
class Comparison:
    """The result of ``compare``.

    ``transitions``: one row per group (``by``), area, A-class and B-class with ``households``.
    ``reasons``: households a side cannot classify, per group, area, side (``a``/``b``), ``other_classified``
    (whether the other standard could) and ``reason`` (``area``, ``income``, ``score_a`` or an indicator code of
    that side's standard): one household counts once under each missing answer.
    """

    standard_a: str
    standard_b: str
    by: str | None
    transitions: pl.DataFrame
    reasons: pl.DataFrame

    @property
    def groups(self) -> list[str]:
        return [self.by] if self.by else []

    def summary(self, keys: Sequence[str] | None = None) -> pl.DataFrame:
        """Counts per ``keys`` (default: the group and the area; ``[]`` = one total row): ``households``,
        ``a_<class>`` and ``b_<class>`` for every class, ``only_a_undetermined`` (A cannot, B can),
        ``only_b_undetermined`` and ``both_undetermined``, sorted by ``keys``."""
        keys = [*self.groups, AREA] if keys is None else list(keys)
        klass_a, klass_b = pl.col("class_a"), pl.col("class_b")
        n = pl.col("households")
        sums = [n.sum().alias("households")]
        for side, column in (("a", klass_a), ("b", klass_b)):
            sums += [n.filter(column == klass).sum().alias(f"{side}_{klass}") for klass in CLASSES]
        sums += [
            n.filter((klass_a == UNDETERMINED) & (klass_b != UNDETERMINED)).sum().alias("only_a_undetermined"),
            n.filter((klass_b == UNDETERMINED) & (klass_a != UNDETERMINED)).sum().alias("only_b_undetermined"),
            n.filter((klass_a == UNDETERMINED) & (klass_b == UNDETERMINED)).sum().alias("both_undetermined"),
        ]
        frame = self.transitions
        if not keys:
            return frame.select(sums)
        return frame.group_by(keys).agg(sums).sort(keys, nulls_last=True)

    def matrix(self, keys: Sequence[str] = ()) -> pl.DataFrame:
        """The transition matrix summed over everything but ``keys``: rows ``class_a``, ``class_b``,
        ``households`` (only the pairs that occur)."""
        columns = [*keys, "class_a", "class_b"]
        return self.transitions.group_by(columns).agg(pl.col("households").sum()).sort(columns, nulls_last=True)

    def reason_counts(self, keys: Sequence[str] = (), *, only: bool = True) -> pl.DataFrame:
        """Households per side and missing answer, summed over everything but ``keys``; ``only`` keeps those
        the other standard could classify (the households one standard loses and the other does not)."""
        frame = self.reasons.filter(pl.col("other_classified")) if only else self.reasons
        columns = [*keys, "side", "reason"]
        return (frame.group_by(columns).agg(pl.col("households").sum())
                .sort([*keys, "side", "households", "reason"], descending=[*([False] * len(keys)), False, True, False]))


def _classified(households: pl.LazyFrame, members: pl.LazyFrame, standard: Standard, aligned: bool,
                keep: list[str]) -> pl.LazyFrame:
    """Key, kept columns, class and the answers missing for an undetermined class, under one standard."""
    evaluation = evaluate(households, members, standard, aligned=aligned)
    band = pl.col("_band")
    facts = pl.concat_list([
        pl.when(pl.col(AREA).is_null()).then(pl.lit("area")),
        pl.when((band == "missing") & pl.col("income").is_null()).then(pl.lit("income")),
        pl.when((band == "score_missing") & pl.col("score_a").is_null()).then(pl.lit("score_a")),
    ]).list.drop_nulls()
    # The band decides first: with no income (or area) the deprivations never matter, so they are not blamed.
    missing = (pl.when(pl.col("class") != UNDETERMINED).then(pl.lit([], dtype=pl.List(pl.String)))
               .when(band.is_in(["missing", "score_missing"])).then(facts)
               .otherwise(pl.col("unknown")))
    return evaluation.households.select(ROW_KEY, *keep, pl.col("class"), missing.alias("missing"))


def compare(households: pl.DataFrame, members: pl.DataFrame, standard_a: Standard, standard_b: Standard, *,
            by: str | None = None, aligned: bool = False) -> Comparison:
    """Classify the households of the engine's frames under both standards and count them side by side.

    ``households`` and ``members``: the engine's frames (``standards.frames``: household columns with the
    integer key ``_row``; member columns with ``_row`` and ``_reference_date``), as ``records_to_frames``, the
    Parquet reader or ``stats.registry_frames`` give them. ``by``: a household column to group by
    (``province_code``, ``commune_code``, ``hamlet`` or any column carried on the households frame), None for
    one total. ``aligned``: the frames are aligned in the sense of ``classify.evaluate``.
    """
    keep = [AREA, *([by] if by else [])]
    if by is not None and by not in households.columns:
        raise ValueError(f"no column {by!r} to group by")
    lazy_households, lazy_members = households.lazy(), members.lazy()
    sides = [_classified(lazy_households, lazy_members, standard, aligned, keep)
             for standard in (standard_a, standard_b)]
    joined = sides[0].rename({"class": "class_a", "missing": "missing_a"}).join(
        sides[1].select(ROW_KEY, pl.col("class").alias("class_b"), pl.col("missing").alias("missing_b")),
        on=ROW_KEY, how="inner")
    groups = [*([by] if by else []), AREA]
    transitions = joined.group_by([*groups, "class_a", "class_b"]).agg(pl.len().cast(pl.Int64).alias("households"))
    reason_parts = []
    for side, other in (("a", "b"), ("b", "a")):
        reason_parts.append(
            joined.filter(pl.col(f"class_{side}") == UNDETERMINED)
            .select(*groups, pl.lit(side).alias("side"),
                    (pl.col(f"class_{other}") != UNDETERMINED).alias("other_classified"),
                    pl.col(f"missing_{side}").alias("reason"))
            .explode("reason").drop_nulls("reason")
            .group_by([*groups, "side", "other_classified", "reason"])
            .agg(pl.len().cast(pl.Int64).alias("households")))
    transitions_frame, reasons_a, reasons_b = pl.collect_all([transitions, *reason_parts])
    return Comparison(standard_a=standard_a.id, standard_b=standard_b.id, by=by,
                      transitions=transitions_frame.sort([*groups, "class_a", "class_b"], nulls_last=True),
                      reasons=pl.concat([reasons_a, reasons_b]))


def merge(parts: Sequence[Comparison]) -> Comparison:
    """The comparisons of several batches of households added up: every figure is a count of households."""
    first = parts[0]
    groups = first.groups
    transitions = (pl.concat([p.transitions for p in parts])
                   .group_by([*groups, AREA, "class_a", "class_b"]).agg(pl.col("households").sum())
                   .sort([*groups, AREA, "class_a", "class_b"], nulls_last=True))
    reason_keys = [*groups, AREA, "side", "other_classified", "reason"]
    reasons = pl.concat([p.reasons for p in parts]).group_by(reason_keys).agg(pl.col("households").sum())
    return Comparison(standard_a=first.standard_a, standard_b=first.standard_b, by=first.by,
                      transitions=transitions, reasons=reasons)


def compare_parquet(households_path: str | Path, members_path: str | Path, standard_a: Standard,
                    standard_b: Standard, *, by: str | None = None,
                    progress: Callable[[int], None] | None = None, **limits: int) -> tuple[Comparison, list[str]]:
    """``compare`` over the bulk Parquet files ``giamngheo classify`` reads (same columns, same cleaning: an
    answer outside its list is read as unanswered and reported), one batch at a time, so a national file is
    compared in one read with the memory of a batch. Returns the comparison and the report lines.
    ``progress`` is called with the households done after each batch; ``limits``: the batch sizes
    (``io_parquet.iterate_parquet``)."""
    # The reader, cleaner and keying are the bulk classifier's own, so both commands read a file the same way.
    from giamngheo.standards.classify import input_columns
    from giamngheo.standards.io_parquet import Batch, BulkReport, iterate_parquet

    households_a, members_a = input_columns(standard_a)
    households_b, members_b = input_columns(standard_b)
    households = households_a | households_b | {"income", "score_a"} | ({by} if by else set())

    def consume(batches: Iterator[Batch], report: BulkReport) -> Comparison:
        parts = []
        for batch in batches:
            parts.append(compare(batch.households, batch.members, standard_a, standard_b, by=by,
                                 aligned=batch.aligned))
            if len(parts) >= 16:  # summed as they come: a national run has ~120 batches
                parts = [merge(parts)]
            if progress is not None:
                progress(report.households)
        return merge(parts)

    comparison, report = iterate_parquet(households_path, members_path, consume, household_columns=households,
                                         member_columns=members_a | members_b, **limits)
    return comparison, report.invalid_values
