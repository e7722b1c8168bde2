"""Achievement of a target: actual, plan, % of plan, projection and the off-track flag. Computed, never typed.

Years. The plan runs from the year after ``baseline_year`` to ``target_year``; the baseline year's own figure
is the starting point. "Observed" years are the baseline year and the years of the period, up to the year
asked, in which the ledger holds an entry of the target's series under the unit (a review took place); for
counts of things done every year of the period is observed (none done is a real zero).

Per kind of indicator (``support/indicators.py``), with b = baseline year, T = target year, v = value, L(y) the
level measured at the end of year y (a rate, or a number of households):

=========  ==========================  ==========================================  ==============================
kind       actual in year y            plan for year y                             % of plan
=========  ==========================  ==========================================  ==============================
level      L(y)                        v                                           (L(y) − L(b)) / (v − L(b)) × 100
change     L(y) − L(b)  (points)       annual: v × (y − b); else v × (y−b)/(T−b)   actual / plan × 100
reduction  (L(b) − L(y)) / L(b) × 100  annual: (1 − (1 − v/100)^(y−b)) × 100;      actual / plan × 100
                                       else the same with exponent (y−b)/(T−b)
count      Σ count(b+1 … y)            annual: v × (y − b); else v × (y−b)/(T−b)   actual / plan × 100
=========  ==========================  ==========================================  ==============================

So 100 % is exactly on plan for every kind, more is ahead of it; for a level the figure is the share of the
distance from the baseline to the target covered (a unit already at its target level when the target was set
has no distance to cover: % of plan is then not shown). % of plan needs the baseline's figure where the
formula uses L(b).

Projection: a straight line by least squares through the observed levels (counts: the cumulative counts from 0
in the baseline year), read at T and turned into the indicator's terms as above; with two observations that is
the single change between them. One observation: no projection.

Off track (each with its reason in Vietnamese): once y ≥ T, when the actual of T is worse than the plan; before,
when the projection to T is worse than the plan of T; with no projection, counts, changes and reductions are
compared with the plan of y (a level target is then not judged: status ``not_judged``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from giamngheo.core.formatting import format_number
from giamngheo.support.indicators import (
    CHANGE,
    COUNT,
    LEVEL,
    PERCENT,
    POINTS,
    REDUCTION,
    Indicator,
    indicator_for,
    unknown_indicator,
)
from giamngheo.support.models import Target
from giamngheo.support.targets.measure import Measurement, Measurer
from giamngheo.support.targets.standards import series_of

HUNDRED = Decimal(100)

ON_TRACK, OFF_TRACK, NO_DATA, NOT_JUDGED = "on_track", "off_track", "no_data", "not_judged"


@dataclass(frozen=True)
class YearFigure:
    """One year of a target's series: the level measured on the target's standard (``measurement``), the
    indicator's actual and planned values, and whether the year was observed (a review, or a count year)."""

    year: int
    measurement: Measurement | None
    actual: Decimal | None
    planned: Decimal | None
    observed: bool


@dataclass(frozen=True)
class Achievement:
    target: Target
    indicator: Indicator
    year: int | None
    baseline: Decimal | None
    actual: Decimal | None
    planned: Decimal | None
    percent_of_plan: Decimal | None
    projection: Decimal | None
    status: str
    reason: str
    unmeasurable: int = 0
    series: list[YearFigure] = field(default_factory=list)

    @property
    def off_track(self) -> bool:
        return self.status == OFF_TRACK

    @property
    def measurement(self) -> Measurement | None:
        for figure in self.series:
            if figure.year == self.year:
                return figure.measurement
        return None

    @property
    def unmeasurable_note(self) -> str:
        if not self.unmeasurable:
            return ""
        return _("%(n)s hộ không đo được theo chuẩn của chỉ tiêu (không có phiếu khảo sát hoặc thiếu thông tin "
                 "chuẩn này cần); không tính vào số liệu.") % {"n": format_number(self.unmeasurable)}


def format_value(indicator: Indicator, value: Decimal | None) -> str:
    """A value in the indicator's unit, as an officer reads it: "1,32 %", "-1,50 điểm %", "1.234 hộ"."""
    if value is None:
        return "–"
    if indicator.unit == PERCENT:
        return _("%(value)s%%") % {"value": format_number(value, 2)}
    if indicator.unit == POINTS:
        return _("%(value)s điểm %%") % {"value": format_number(value, 2)}
    return f"{format_number(value, 0 if value == value.to_integral_value() else 1)} {indicator.unit_label}"


def format_percent_of_plan(value: Decimal | None) -> str:
    return "–" if value is None else _("%(value)s%%") % {"value": format_number(value, 1)}


def _fraction(target: Target, year: int) -> Decimal:
    years = Decimal(year - target.baseline_year)
    if target.annual:
        return years
    return years / Decimal(max(1, target.target_year - target.baseline_year))  # equal years: only a hand edit


def planned(target: Target, indicator: Indicator, year: int) -> Decimal:
    """The indicator's planned value for ``year`` (table in the module docstring)."""
    value = Decimal(target.value)
    if indicator.kind == LEVEL:
        return value
    if indicator.kind == REDUCTION:
        keep = 1 - float(value) / 100
        exponent = float(_fraction(target, year))
        remaining = keep ** exponent if keep > 0 else (0.0 if exponent > 0 else 1.0)
        return Decimal(str(round((1 - remaining) * 100, 6)))
    return value * _fraction(target, year)


def actual_of(indicator: Indicator, level: Decimal | None, baseline: Decimal | None) -> Decimal | None:
    """The indicator's actual value from a level (for counts, the cumulative count)."""
    if level is None:
        return None
    if indicator.kind in (LEVEL, COUNT):
        return level
    if baseline is None:
        return None
    if indicator.kind == CHANGE:
        return level - baseline
    if baseline == 0:
        return None
    return (baseline - level) / baseline * HUNDRED


def percent_of_plan(indicator: Indicator, actual: Decimal | None, plan: Decimal | None,
                    baseline: Decimal | None) -> Decimal | None:
    if actual is None or plan is None:
        return None
    if indicator.kind == LEVEL:
        # No distance to cover: the unit was already at (or past) the target level when it was set.
        if baseline is None or plan == baseline or _worse(indicator, plan, baseline):
            return None
        return (actual - baseline) / (plan - baseline) * HUNDRED
    if plan == 0:
        return None
    return actual / plan * HUNDRED


def least_squares_at(points: list[tuple[int, Decimal]], year: int) -> Decimal | None:
    """The straight line through ``points`` by least squares, read at ``year``; None with fewer than two."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _y in points) / n
    mean_y = sum(float(y) for _x, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _y in points)
    sxy = sum((x - mean_x) * (float(y) - mean_y) for x, y in points)
    slope = sxy / sxx if sxx else 0.0
    value = mean_y + slope * (year - mean_x)
    return Decimal(str(round(value, 6))) if math.isfinite(value) else None


def _worse(indicator: Indicator, value: Decimal, plan: Decimal) -> bool:
    return value > plan if indicator.lower_is_better else value < plan


def _comparison(indicator: Indicator, value: Decimal, plan: Decimal) -> str:
    return _("cao hơn") if value > plan else _("thấp hơn")


def observed_years(target: Target, indicator: Indicator, last: int, measurer: Measurer) -> list[int]:
    """Years from the baseline to ``last`` with data: ledger entries of the target's series under the unit
    (statuses), or every year of the period (counts)."""
    if indicator.kind == COUNT:
        return list(range(target.baseline_year, last + 1))
    years = measurer.ledger_years(target.unit_path, series_of(target.standard_id))
    return [y for y in years if target.baseline_year <= y <= last]


def latest_year(target: Target, indicator: Indicator, measurer: Measurer) -> int | None:
    """The latest year of the period with data: a ledger entry of the series (statuses) or a support record
    (counts) under the unit; None when the period has none yet."""
    years = (measurer.support_years(target.unit_path) if indicator.kind == COUNT
             else measurer.ledger_years(target.unit_path, series_of(target.standard_id)))
    inside = [y for y in years if target.baseline_year < y <= target.target_year]
    return inside[-1] if inside else None


def _baseline_known(target: Target, measurer: Measurer) -> bool:
    """Whether the ledger holds a status at the end of the baseline year (an entry of the series in or before it)."""
    years = measurer.ledger_years(target.unit_path, series_of(target.standard_id))
    return bool(years) and years[0] <= target.baseline_year


def _clamped(indicator: Indicator, level: Decimal | None) -> Decimal | None:
    """A projected level kept possible: a rate within 0..100, a count not below 0."""
    if level is None:
        return None
    if indicator.kind in (LEVEL, CHANGE) and indicator.unit in (PERCENT, POINTS):
        return min(max(level, Decimal(0)), HUNDRED)
    return max(level, Decimal(0))


def achievement(target: Target, *, year: int | None = None, measurer: Measurer | None = None) -> Achievement:
    """The achievement of ``target`` in ``year`` (default: the latest year of the period with data; a year
    after the target year is read as the target year)."""
    indicator = indicator_for(target.indicator, active_only=False)
    measurer = measurer or Measurer()
    if indicator is None:
        return Achievement(target=target, indicator=unknown_indicator(target.indicator), year=year, baseline=None,
                           actual=None, planned=None, percent_of_plan=None, projection=None, status=NO_DATA,
                           reason=_("Chỉ tiêu không còn trong danh mục nên không tính được."))
    if year is None:
        year = latest_year(target, indicator, measurer)
    if year is None or year <= target.baseline_year:
        return Achievement(target=target, indicator=indicator, year=year, baseline=None, actual=None, planned=None,
                           percent_of_plan=None, projection=None, status=NO_DATA,
                           reason=_("Chưa có số liệu trong kỳ của chỉ tiêu."))
    year = min(year, target.target_year)
    observed = set(observed_years(target, indicator, year, measurer))
    counts = indicator.kind == COUNT

    def measure(y: int) -> Measurement:
        return measurer.measure(indicator, unit_path=target.unit_path, year=y, standard_id=target.standard_id)

    baseline: Decimal | None = Decimal(0) if counts else None
    base_measurement: Measurement | None = None
    if not counts and _baseline_known(target, measurer):
        base_measurement = measure(target.baseline_year)
        baseline = base_measurement.value
    series = [YearFigure(year=target.baseline_year, measurement=base_measurement, actual=None, planned=None,
                         observed=baseline is not None)]
    points: list[tuple[int, Decimal]] = [(target.baseline_year, baseline)] if baseline is not None else []
    cumulative = Decimal(0)
    for y in range(target.baseline_year + 1, year + 1):
        m = measure(y) if (y in observed or y == year) else None
        level = m.value if m is not None else None
        if counts:
            cumulative += level or 0
            level = cumulative
        if level is not None and y in observed:
            points.append((y, level))
        series.append(YearFigure(year=y, measurement=m, actual=actual_of(indicator, level, baseline),
                                 planned=planned(target, indicator, y), observed=y in observed))

    current = series[-1]
    actual, plan = current.actual, current.planned
    level_at_target = _clamped(indicator, least_squares_at(points, target.target_year)
                               if year < target.target_year else None)
    projection = actual_of(indicator, level_at_target, baseline)
    final_plan = planned(target, indicator, target.target_year)
    m_now = current.measurement
    unmeasurable = m_now.unmeasurable if m_now is not None else 0
    pct = percent_of_plan(indicator, actual, plan, baseline)

    def result(status: str, reason: str) -> Achievement:
        return Achievement(target=target, indicator=indicator, year=year, baseline=baseline, actual=actual,
                           planned=plan, percent_of_plan=pct, projection=projection, status=status, reason=reason,
                           unmeasurable=unmeasurable, series=series)

    if actual is None:
        if baseline is None and indicator.kind in (CHANGE, REDUCTION):
            return result(NO_DATA, _("Chưa có số liệu năm gốc %(year)s.") % {"year": target.baseline_year})
        return result(NO_DATA, _("Chưa có số liệu năm %(year)s.") % {"year": year})
    fmt = {"target_year": target.target_year, "plan": format_value(indicator, final_plan)}
    if year >= target.target_year:
        value = actual
        if _worse(indicator, value, final_plan):
            return result(OFF_TRACK, _("Năm %(target_year)s: %(value)s, %(cmp)s chỉ tiêu %(plan)s.") % {
                **fmt, "value": format_value(indicator, value), "cmp": _comparison(indicator, value, final_plan)})
        return result(ON_TRACK, _("Năm %(target_year)s: %(value)s, đạt chỉ tiêu %(plan)s.") % {
            **fmt, "value": format_value(indicator, value)})
    if projection is not None:
        if _worse(indicator, projection, final_plan):
            return result(OFF_TRACK, _("Dự báo năm %(target_year)s: %(value)s, %(cmp)s chỉ tiêu %(plan)s.") % {
                **fmt, "value": format_value(indicator, projection),
                "cmp": _comparison(indicator, projection, final_plan)})
        return result(ON_TRACK, _("Dự báo năm %(target_year)s: %(value)s, đạt chỉ tiêu %(plan)s.") % {
            **fmt, "value": format_value(indicator, projection)})
    if indicator.kind != LEVEL and plan is not None:
        if _worse(indicator, actual, plan):
            return result(OFF_TRACK, _("Năm %(year)s: %(value)s, %(cmp)s kế hoạch của năm %(plan)s.") % {
                "year": year, "value": format_value(indicator, actual), "cmp": _comparison(indicator, actual, plan),
                "plan": format_value(indicator, plan)})
        return result(ON_TRACK, _("Năm %(year)s: %(value)s, đạt kế hoạch của năm %(plan)s.") % {
            "year": year, "value": format_value(indicator, actual), "plan": format_value(indicator, plan)})
    return result(NOT_JUDGED, _("Chưa đủ số liệu để dự báo đến năm %(target_year)s.") % fmt)


def is_off_track(target: Target, year: int, measurer: Measurer | None = None) -> bool:
    return achievement(target, year=year, measurer=measurer).off_track
