"""Alkire–Foster measures (H, A, M0, censored headcounts, contributions, subgroups) over the executor's flags.

Units are households, or persons each carrying their household's deprivation profile. Units whose profile has an
unknown indicator cannot be placed and are excluded (and counted): guessing them "not deprived" would bias M0 down.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import polars as pl

from giamngheo.standards.definition import Standard
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, ROW_KEY

Unit = Literal["household", "person"]
_EPSILON = 1e-9  # c_i is a float sum of weights; k = 3/12 must still catch three deprivations of 1/12 each


class MeasureError(ValueError):
    """Bad weights, cut-off or grouping field; the message is one line, fit for the command line."""


def normalised_weights(codes: Sequence[str], weights: Mapping[str, float] | None) -> dict[str, float]:
    """Equal weights by default; given weights must name exactly the standard's indicators and are scaled to sum 1."""
    if weights is None:
        return {code: 1 / len(codes) for code in codes}
    unknown = sorted(set(weights) - set(codes))
    missing = sorted(set(codes) - set(weights))
    if unknown or missing:
        raise MeasureError(f"weights must name every indicator of the standard exactly once "
                           f"(unknown: {', '.join(unknown) or '-'}; missing: {', '.join(missing) or '-'})")
    values = [weights[code] for code in codes]
    if any(not isinstance(v, int | float) or isinstance(v, bool) or v < 0 or not math.isfinite(v) for v in values):
        raise MeasureError("weights must be non-negative numbers")
    total = sum(values)
    if total <= 0:
        raise MeasureError("weights must not all be zero")
    return {code: weights[code] / total for code in codes}


def _measures(frame: pl.DataFrame, codes: Sequence[str], weights: Mapping[str, float], k_share: float,
              by: str | None) -> pl.DataFrame:
    score = pl.sum_horizontal([pl.col(f"_d_{c}").cast(pl.Float64) * weights[c] for c in codes])
    scored = frame.with_columns(score.alias("_c")).with_columns((pl.col("_c") >= k_share - _EPSILON).alias("_poor"))
    unit = pl.col("_unit")
    aggregations = [
        unit.sum().alias("n"),
        (unit * pl.col("_poor")).sum().alias("q"),
        (unit * pl.col("_c") * pl.col("_poor")).sum().alias("_censored_sum"),
        *[(unit * (pl.col(f"_d_{c}") & pl.col("_poor"))).sum().alias(f"_ch_{c}") for c in codes],
    ]
    if by is None:
        return scored.select(aggregations)
    return scored.group_by(by, maintain_order=True).agg(aggregations).sort(by, nulls_last=True)


def _summary(row: Mapping[str, Any], codes: Sequence[str], weights: Mapping[str, float]) -> dict[str, Any]:
    n, q = row["n"], row["q"]
    m0 = row["_censored_sum"] / n if n else 0.0
    h = q / n if n else 0.0
    censored = {c: (row[f"_ch_{c}"] / n if n else 0.0) for c in codes}
    return {
        "n": n,
        "q": q,
        "H": h,
        "A": m0 / h if h else 0.0,
        "M0": m0,
        "censored_headcount": censored,
        # With M0 = 0 nobody is poor and there is nothing to apportion: shares are undefined (null).
        "contribution": {c: (weights[c] * censored[c] / m0 if m0 else None) for c in codes},
    }


def _check(codes: Sequence[str], k: float) -> None:
    if not 0 < k <= len(codes):
        raise MeasureError(f"k must be above 0 and at most the number of indicators ({len(codes)})")


def _sums(frame: pl.DataFrame, codes: Sequence[str], weights: Mapping[str, float], k: float, by: str | None,
          unit_column: str | None) -> tuple[pl.DataFrame, pl.DataFrame | None, int]:
    """The additive parts of the measures: overall sums, sums per ``by`` group (or None) and units excluded.

    Every part is a sum over units, so the parts of several batches add up to those of all of them: the bulk
    path measures a national file one batch at a time (``MeasureSums``)."""
    complete = pl.all_horizontal([pl.col(f"_d_{c}").is_not_null() for c in codes])
    excluded = frame.filter(~complete).height
    kept = frame.filter(complete).with_columns(
        (pl.col(unit_column).cast(pl.Int64) if unit_column else pl.lit(1, dtype=pl.Int64)).alias("_unit"))
    k_share = k / len(codes)
    overall = _measures(kept, codes, weights, k_share, None)
    groups = _measures(kept, codes, weights, k_share, by) if by is not None else None
    return overall, groups, excluded


def _result(overall: pl.DataFrame, groups: pl.DataFrame | None, excluded: int, codes: Sequence[str],
            weights: Mapping[str, float], k: float, by: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if groups is not None and by is not None:
        for row in groups.iter_rows(named=True):
            key = "null" if row[by] is None else str(row[by])
            result[key] = _summary(row, codes, weights)
    return {"k": k, "k_share": k / len(codes), "weights": dict(weights), "excluded": excluded,
            "overall": _summary(overall.row(0, named=True), codes, weights), "groups": result}


def measures(frame: pl.DataFrame, codes: Sequence[str], *, weights: Mapping[str, float] | None = None,
             k: float = 3, by: str | None = None, unit_column: str | None = None) -> dict[str, Any]:
    """AF measures of a frame of units with boolean ``_d_<code>`` columns (unknowns are excluded and counted).

    ``k`` is the cut-off as a number of indicators (3 of 12 by default); with unequal weights it is read as the
    equal-weight share ``k / len(codes)``. ``unit_column`` gives each row a weight (persons per household).
    """
    _check(codes, k)
    if by is not None and by not in frame.columns:
        raise MeasureError(f"cannot group by {by!r}: no such field")
    normal = normalised_weights(codes, weights)
    overall, groups, excluded = _sums(frame, codes, normal, k, by, unit_column)
    return _result(overall, groups, excluded, codes, normal, k, by)


def _check_by(by: str | None, unit: Unit) -> None:
    household_fields = set(HOUSEHOLD_SCHEMA) - {"id"}
    if by is not None and by not in household_fields and not (unit == "person" and by in MEMBER_SCHEMA):
        raise MeasureError(f"cannot group by {by!r}: use a household field"
                           + (" or, with --unit person, a member field" if unit == "household" else ""))


def _by_member(by: str | None, unit: Unit) -> bool:
    """Whether persons are grouped by one of their own fields (each then carries the household's profile)."""
    return unit == "person" and by is not None and by not in set(HOUSEHOLD_SCHEMA) - {"id"}


def _units(households: pl.DataFrame, members: pl.DataFrame, codes: Sequence[str], unit: Unit, by: str | None
           ) -> tuple[pl.DataFrame, str | None]:
    """The frame of units to measure and the column weighting each row (persons per household), if any."""
    if unit == "household":
        return households, None
    if not _by_member(by, unit):
        return households, "_n_members"
    profile = households.select(ROW_KEY, *[f"_d_{c}" for c in codes])
    return members.select(ROW_KEY, by).join(profile, on=ROW_KEY, how="inner"), None


def measures_of_evaluation(households: pl.DataFrame, members: pl.DataFrame, standard: Standard, *,
                           weights: Mapping[str, float] | None = None, k: float = 3, unit: Unit = "household",
                           by: str | None = None) -> dict[str, Any]:
    """AF measures from an evaluation (households with ``_d_`` flags, members) for households or persons.

    Grouping by a member field (sex, ethnicity…) needs ``unit="person"``: each member then carries the household's
    profile. ``excluded`` counts the units left out for unknown indicators.
    """
    _check_by(by, unit)
    frame, unit_column = _units(households, members, standard.indicator_codes, unit, by)
    result = measures(frame, standard.indicator_codes, weights=weights, k=k, by=by, unit_column=unit_column)
    return {"standard": standard.id, "standard_hash": standard.hash, "unit": unit, **result}


class MeasureSums:
    """The measures of many batches of one evaluation, added up batch by batch (the bulk path's national run).

    ``add`` takes each batch's households (with ``_d_`` flags, ``_n_members`` and the ``by`` field) and, for a
    member ``by`` field, its members; ``result`` gives what ``measures_of_evaluation`` gives over all of them.
    """

    def __init__(self, standard: Standard, *, weights: Mapping[str, float] | None = None, k: float = 3,
                 unit: Unit = "household", by: str | None = None) -> None:
        _check(standard.indicator_codes, k)
        _check_by(by, unit)
        self.standard, self.k, self.unit, self.by = standard, k, unit, by
        self.weights = normalised_weights(standard.indicator_codes, weights)
        self._overall: list[pl.DataFrame] = []
        self._groups: list[pl.DataFrame] = []
        self._excluded = 0

    def reset(self) -> None:
        """Forget every batch (the bulk reader starts again when the members turn out not to be grouped)."""
        self._overall, self._groups, self._excluded = [], [], 0

    @property
    def member_columns(self) -> tuple[str, ...]:
        """Member fields the measures read (the ``by`` field when it is one)."""
        return (self.by,) if self.by is not None and _by_member(self.by, self.unit) else ()

    def add(self, households: pl.DataFrame, members: pl.DataFrame | None = None) -> None:
        codes = self.standard.indicator_codes
        frame, unit_column = _units(households, members if members is not None else pl.DataFrame(), codes,
                                    self.unit, self.by)
        overall, groups, excluded = _sums(frame, codes, self.weights, self.k, self.by, unit_column)
        self._overall.append(overall)
        if groups is not None:
            self._groups.append(groups)
        self._excluded += excluded
        if len(self._overall) >= 16:  # summed as they come: a national run has ~120 batches
            self._overall = [pl.concat(self._overall).sum()]
            if self._groups and self.by is not None:
                self._groups = [pl.concat(self._groups).group_by(self.by).agg(pl.all().sum())]

    def result(self) -> dict[str, Any]:
        codes = self.standard.indicator_codes
        overall = pl.concat(self._overall).sum() if self._overall else pl.DataFrame(
            {name: [0] for name in ("n", "q", "_censored_sum", *[f"_ch_{c}" for c in codes])})
        groups = None
        if self.by is not None:
            parts = [g for g in self._groups if g.height]
            groups = (pl.concat(parts).group_by(self.by).agg(pl.all().sum()).sort(self.by, nulls_last=True)
                      if parts else None)
        result = _result(overall, groups, self._excluded, codes, self.weights, self.k, self.by)
        return {"standard": self.standard.id, "standard_hash": self.standard.hash, "unit": self.unit, **result}
