"""A unit's dashboard, assembled from the rollups (``stats/selectors.py``) in a fixed handful of queries.

Everything shown is derived here from additive counts: rates are recomputed over the year's households, the
change against last year is in points between two rates each over its own year's households, and a target's
plan is read from the support app's own formula (``support/targets/achievement.py::planned``), never measured
again. Callers check scope first (``stats/views/common.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows
from giamngheo.geo.models import AdminUnit
from giamngheo.reviews.forms import CAUSE_LABELS
from giamngheo.standards.definition import StandardError, get_standard
from giamngheo.stats import selectors
from giamngheo.stats.measures import AlkireFoster
from giamngheo.stats.models import FillState, FillStatus
from giamngheo.stats.selectors import Figures

# The support app's indicators a dashboard can compare with: the rate itself, or its change in points.
TARGET_INDICATORS = ("poverty_rate", "poverty_rate_change")


@dataclass(frozen=True)
class TargetPlan:
    """The plan of a poverty-rate target for the year, with the actual figure read from the rollups."""

    indicator: str
    label: str
    planned: Decimal
    actual: float | None
    baseline_year: int
    target_year: int
    source_document: str

    @property
    def is_change(self) -> bool:
        return self.indicator == "poverty_rate_change"

    @property
    def gap(self) -> float | None:
        """Actual minus plan, in points (negative: better than planned for a falling rate)."""
        return None if self.actual is None else self.actual - float(self.planned)


@dataclass
class Dashboard:
    unit: AdminUnit
    year: int
    series: str
    now: Figures | None
    before: Figures | None
    trend: list[Figures]
    children: list[Figures]
    areas: dict[str, Figures | None]
    fill: FillState | None
    indicators: list[tuple[str, str]] = field(default_factory=list)
    target: TargetPlan | None = None
    can_refresh: bool = False

    @property
    def empty(self) -> bool:
        return self.now is None

    # Templates read these, never ``now.<attribute>``: Django's lookup tries ``now[name]`` first, and a
    # ``Figures`` answers any name as a count (0).
    @property
    def households(self) -> int:
        return self.now.households if self.now else 0

    @property
    def poor_rate(self) -> float | None:
        return self.now.poor_rate if self.now else None

    @property
    def near_poor_rate(self) -> float | None:
        return self.now.near_poor_rate if self.now else None

    @property
    def before_year(self) -> int | None:
        return self.before.year if self.before else None

    @property
    def standard_id(self) -> str:
        return self.now.standard_id if self.now else ""

    @property
    def child_level(self) -> str:
        return selectors.CHILD_LEVEL.get(self.unit.level, "")

    @property
    def poor_points(self) -> float | None:
        return selectors.change_points(self.now, self.before)

    @property
    def near_poor_points(self) -> float | None:
        return selectors.change_points(self.now, self.before, "near_poor.end")

    @property
    def children_with_poor(self) -> int:
        """Figure 3: children (not the households on no hamlet) with at least one poor household."""
        return sum(1 for c in self.real_children if c["poor.end"] > 0)

    @property
    def children_without_poor(self) -> int:
        return len(self.real_children) - self.children_with_poor

    @property
    def real_children(self) -> list[Figures]:
        return [c for c in self.children if c.level != "direct"]

    def child_rows(self) -> list[dict[str, Any]]:
        """The children table as plain rows (templates cannot read ``Figures`` attributes, see above)."""
        return [{"code": c.code, "name": c.name, "households": c.households, "poor": c["poor.end"],
                 "poor_rate": c.poor_rate, "near_poor": c["near_poor.end"], "near_poor_rate": c.near_poor_rate}
                for c in self.children]

    @property
    def af(self) -> AlkireFoster | None:
        if self.now is None or not self.indicators:
            return None
        return self.now.af([code for code, _label in self.indicators])

    @property
    def stale(self) -> bool:
        return self.fill is not None and self.fill.status in (FillStatus.STALE, FillStatus.RUNNING,
                                                              FillStatus.FAILED)

    @property
    def poor_share_no_capacity(self) -> float | None:
        """Figure 12: poor households with no working capacity as a share of ALL households."""
        return self.now.rate("poor.end_no_capacity") if self.now else None


def indicator_labels(standard_id: str) -> list[tuple[str, str]]:
    """(code, name) of the standard's indicators in the active language; none for an unknown standard."""
    if not standard_id:
        return []
    try:
        standard = get_standard(standard_id)
    except (StandardError, KeyError, ValueError):
        return []
    english = (get_language() or "vi").startswith("en")
    return [(i.code, i.name_en if english else i.name_vi) for i in standard.indicators]


def cause_label(code: str) -> str:
    return str(CAUSE_LABELS.get(code, code))


def _target_plan(unit: AdminUnit, year: int, series: str, trend: list[Figures], user: Any) -> TargetPlan | None:
    """A poverty-rate target of the unit in force in ``year`` on the same series, if the user may see it."""
    if user is None or not allows(user, Perm.SUPPORT_VIEW, unit.path):
        return None
    from giamngheo.support.indicators import indicator_for
    from giamngheo.support.models import Target
    from giamngheo.support.targets.achievement import planned
    from giamngheo.support.targets.standards import series_of

    by_year = {f.year: f for f in trend}
    for target in (Target.objects.filter(unit=unit, indicator__in=TARGET_INDICATORS, deleted_at__isnull=True,
                                         baseline_year__lt=year, target_year__gte=year)
                   .order_by("-indicator", "target_year", "pk")):
        try:
            if series_of(target.standard_id) != series:
                continue
        except (StandardError, KeyError, ValueError):
            continue
        indicator = indicator_for(target.indicator, active_only=False)
        if indicator is None:
            continue
        now = by_year.get(year)
        actual: float | None
        if target.indicator == "poverty_rate_change":
            base = by_year.get(target.baseline_year)
            actual = selectors.change_points(now, base)
        else:
            actual = None if now is None or now.poor_rate is None else now.poor_rate * 100
        return TargetPlan(indicator=target.indicator, label=str(indicator.label),
                          planned=planned(target, indicator, year), actual=actual,
                          baseline_year=target.baseline_year, target_year=target.target_year,
                          source_document=target.source_document)
    return None


def can_request_refresh(user: Any, unit: AdminUnit) -> bool:
    """Who may ask for fresh figures: a manager of the unit's reviews, or a province officer (stats.view on the
    province itself). A refill is province-wide, so a hamlet surveyor may not start one."""
    province_path = "/" + unit.path.strip("/").split("/")[0] + "/"
    return allows(user, Perm.REVIEW_MANAGE, unit.path) or allows(user, Perm.STATS_VIEW, province_path)


def dashboard_get(*, unit: AdminUnit, year: int, series: str, user: Any = None) -> Dashboard:
    """The dashboard of ``unit`` for ``year`` and ``series``: about eight queries whatever the unit's size."""
    trend = selectors.rollup_series(unit, series=series)
    by_year = {f.year: f for f in trend}
    now = by_year.get(year)
    children = selectors.child_rollups(unit, year=year, series=series) if now is not None else []
    areas = {area: selectors.rollup(unit, year=year, series=series, area=area)
             for area in ("urban", "rural")} if now is not None else {}
    can_refresh = user is not None and can_request_refresh(user, unit)
    return Dashboard(
        unit=unit, year=year, series=series, now=now, before=by_year.get(year - 1), trend=trend,
        children=children, areas=areas, fill=selectors.fill_state(unit, year=year, series=series),
        indicators=indicator_labels(now.standard_id) if now else [],
        target=_target_plan(unit, year, series, trend, user) if now is not None else None,
        can_refresh=can_refresh,
    )
