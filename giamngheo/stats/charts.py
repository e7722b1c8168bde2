"""The charts of a dashboard as data: categories and series, built from a ``Dashboard``.

One ``Chart`` serves three readers: the page embeds it as JSON for ``stats-charts.js`` (which turns it into an
ECharts option and formats numbers in the page's language), the chart's Excel download writes the same table
(``chart_export.py``), and tests read it. Percent series hold percents (0.95 for 0,95%), counts hold counts;
a series with ``drawn=False`` is shown only in the tooltip and the Excel table (a second denominator)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from giamngheo.core.formatting import format_number
from giamngheo.reviews.ledger import ENTRIES, EXITS
from giamngheo.reviews.models import LedgerEntry
from giamngheo.reviews.movements import AREA_LABELS, CLASS_LABELS, COLUMN_LABELS
from giamngheo.stats.dashboard import Dashboard, cause_label
from giamngheo.stats.measures import ratio
from giamngheo.stats.selectors import Figures

COUNT, PERCENT = "count", "percent"
# Every exit and entry of the poor table (the ledger's own columns), so the bars account for start → end.
MOVEMENTS = (*EXITS["poor"], *ENTRIES["poor"])
CATEGORIES = (("end_ethnic_minority", "ethnic_minority"), ("end_meritorious", "meritorious"),
              ("end_social_protection", "social_protection"), ("end_no_capacity", "no_working_capacity"))


@dataclass
class Series:
    name: str
    values: Sequence[float | int | None]
    unit: str = COUNT
    kind: str = "bar"  # bar | line
    axis: int = 0  # 0: counts, 1: percents (a second axis when a chart mixes them)
    stack: str = ""
    drawn: bool = True


@dataclass
class Chart:
    slug: str  # the chart's name in its Excel URL: /thong-ke/<code>/bieu-do/<slug>.xlsx
    title: str
    category_label: str
    categories: list[str]
    series: list[Series] = field(default_factory=list)
    horizontal: bool = False
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.categories or not any(v for s in self.series for v in s.values)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows: one row per category, one column per series (drawn or not)."""
        header = [self.category_label, *[s.name for s in self.series]]
        rows = [[category, *[s.values[i] for s in self.series]] for i, category in enumerate(self.categories)]
        return header, rows

    def display_rows(self) -> list[list[str]]:
        """The table under the chart (for screen readers, and to read exact figures): values formatted."""
        return [[category, *[_shown(s.values[i], s.unit) for s in self.series]]
                for i, category in enumerate(self.categories)]


def _shown(value: float | int | None, unit: str) -> str:
    if value is None:
        return "–"
    return format_number(value, 2) + "%" if unit == PERCENT else format_number(value)


def _pct(numerator: int, denominator: int) -> float | None:
    value = ratio(numerator, denominator)
    return None if value is None else round(value * 100, 4)


def _rate(figures: Figures | None, code: str, denominator: str = "households") -> float | None:
    return None if figures is None else _pct(figures[code], figures[denominator])


def trend_chart(d: Dashboard) -> Chart:
    years = [str(f.year) for f in d.trend]
    return Chart(
        slug="xu-huong", title=_("Hộ nghèo, hộ cận nghèo qua các năm"), category_label=_("Năm"),
        categories=years,
        series=[
            Series(_("Số hộ nghèo"), [f["poor.end"] for f in d.trend]),
            Series(_("Số hộ cận nghèo"), [f["near_poor.end"] for f in d.trend]),
            Series(_("Tỷ lệ hộ nghèo (%)"), [_rate(f, "poor.end") for f in d.trend], PERCENT, "line", 1),
            Series(_("Tỷ lệ hộ cận nghèo (%)"), [_rate(f, "near_poor.end") for f in d.trend], PERCENT, "line", 1),
            Series(_("Tổng số hộ"), [f.households for f in d.trend], drawn=False),
        ],
        note=_("Tỷ lệ tính trên tổng số hộ của đơn vị trong từng năm."),
    )


def movements_chart(d: Dashboard) -> Chart:
    now = d.now
    counts = [now[f"poor.{m}"] if now else 0 for m in MOVEMENTS]
    start = now["poor.start"] if now else 0
    households = now.households if now else 0
    return Chart(
        slug="bien-dong", title=_("Biến động hộ nghèo trong năm %(year)s") % {"year": d.year},
        category_label=_("Biến động"), categories=[str(COLUMN_LABELS["poor"][m]) for m in MOVEMENTS],
        series=[
            Series(_("Số hộ"), counts),
            Series(_("So với số hộ nghèo đầu năm (%)"), [_pct(n, start) for n in counts], PERCENT, drawn=False),
            Series(_("So với tổng số hộ (%)"), [_pct(n, households) for n in counts], PERCENT, drawn=False),
        ],
        horizontal=True,
    )


def categories_chart(d: Dashboard) -> Chart:
    now = d.now
    labels = [capfirst(str(getattr(LedgerEntry._meta.get_field(name), "verbose_name", name)))
              for _code, name in CATEGORIES]
    poor = [now[f"poor.{code}"] if now else 0 for code, _name in CATEGORIES]
    near = [now[f"near_poor.{code}"] if now else 0 for code, _name in CATEGORIES]
    poor_end = now["poor.end"] if now else 0
    households = now.households if now else 0
    series = [
        Series(str(CLASS_LABELS["poor"]), poor),
        Series(str(CLASS_LABELS["near_poor"]), near),
        Series(_("Trong tổng số hộ nghèo (%)"), [_pct(v, poor_end) for v in poor], PERCENT, drawn=False),
        Series(_("Hộ nghèo trong tổng số hộ của đơn vị (%)"), [_pct(v, households) for v in poor], PERCENT,
               drawn=False),
    ]
    return Chart(slug="nhom-ho", title=_("Hộ nghèo, hộ cận nghèo theo nhóm đối tượng cuối năm %(year)s")
                 % {"year": d.year}, category_label=_("Nhóm"), categories=labels, series=series, horizontal=True)


def areas_chart(d: Dashboard) -> Chart:
    """Stacked shares per area: poor, near-poor and the other households add up to 100%."""
    candidates = [(str(AREA_LABELS[a]), d.areas.get(a)) for a in ("urban", "rural")]
    candidates.append((str(AREA_LABELS["all"]), d.now))
    rows = [(label, f) for label, f in candidates if f is not None and f.households]
    poor = [_rate(f, "poor.end") for _l, f in rows]
    near = [_rate(f, "near_poor.end") for _l, f in rows]
    other = [_pct(f.households - f["poor.end"] - f["near_poor.end"], f.households) for _l, f in rows]
    return Chart(
        slug="khu-vuc", title=_("Thành thị, nông thôn: tỷ lệ trong tổng số hộ"), category_label=_("Khu vực"),
        categories=[label for label, _f in rows],
        series=[
            Series(str(CLASS_LABELS["poor"]), poor, PERCENT, stack="share"),
            Series(str(CLASS_LABELS["near_poor"]), near, PERCENT, stack="share"),
            Series(_("Hộ khác"), other, PERCENT, stack="share"),
            Series(_("Tổng số hộ"), [f.households for _l, f in rows], drawn=False),
        ],
        horizontal=True,
    )


def deprivation_chart(d: Dashboard) -> Chart:
    now = d.now
    codes = [code for code, _label in d.indicators]
    poor = [_rate(now, f"dep_poor.{c}", "profiled.poor") for c in codes]
    near = [_rate(now, f"dep_near_poor.{c}", "profiled.near_poor") for c in codes]
    return Chart(
        slug="thieu-hut", title=_("Thiếu hụt dịch vụ xã hội cơ bản theo chỉ số"), category_label=_("Chỉ số"),
        categories=[label for _code, label in d.indicators],
        series=[
            Series(_("Hộ nghèo thiếu hụt (%)"), poor, PERCENT),
            Series(_("Hộ cận nghèo thiếu hụt (%)"), near, PERCENT),
            Series(_("Số hộ nghèo thiếu hụt"), [now[f"dep_poor.{c}"] if now else 0 for c in codes], drawn=False),
            Series(_("Số hộ cận nghèo thiếu hụt"), [now[f"dep_near_poor.{c}"] if now else 0 for c in codes],
                   drawn=False),
        ],
        horizontal=True,
        note=_("Trong số hộ có thông tin thiếu hụt của năm: %(poor)s hộ nghèo, %(near)s hộ cận nghèo.") % {
            "poor": now["profiled.poor"] if now else 0, "near": now["profiled.near_poor"] if now else 0},
    )


def causes_chart(d: Dashboard) -> Chart:
    counts = d.now.counts if d.now else {}
    causes = sorted(((code.removeprefix("cause."), int(n)) for code, n in counts.items()
                     if code.startswith("cause.") and n), key=lambda item: (-item[1], item[0]))
    known = d.now["causes_known"] if d.now else 0
    return Chart(
        slug="nguyen-nhan", title=_("Nguyên nhân nghèo"), category_label=_("Nguyên nhân"),
        categories=[cause_label(code) for code, _n in causes],
        series=[Series(_("Số hộ nghèo"), [n for _c, n in causes]),
                Series(_("Trong số hộ nghèo có ghi nguyên nhân (%)"), [_pct(n, known) for _c, n in causes],
                       PERCENT, drawn=False)],
        horizontal=True,
        note=_("Một hộ có thể có nhiều nguyên nhân; %(known)s hộ nghèo có ghi nguyên nhân.") % {"known": known},
    )


def alkire_foster_chart(d: Dashboard) -> Chart:
    """M0 split into the indicators' contributions (weight × censored headcount, which add up to M0), for the
    unit and each child with profiled households."""
    codes = [code for code, _label in d.indicators]
    candidates = [(d.unit.name, d.now)] + [(c.name, c) for c in d.children]
    units = [(name, f) for name, f in candidates if f is not None and f["af.n"]]
    weight = 1 / len(codes) if codes else 0
    series = []
    for code, label in d.indicators:
        values = [round(weight * f[f"af.ch.{code}"] / f["af.n"] * 100, 4) for _n, f in units]
        series.append(Series(label, values, PERCENT, stack="m0"))
    afs = [f.af(codes) for _n, f in units]
    series += [
        Series(_("H: tỷ lệ nghèo đa chiều (%)"), [None if a.H is None else round(a.H * 100, 4) for a in afs],
               PERCENT, drawn=False),
        Series(_("A: mức thiếu hụt bình quân (%)"), [None if a.A is None else round(a.A * 100, 4) for a in afs],
               PERCENT, drawn=False),
        Series(_("M0 (%)"), [None if a.M0 is None else round(a.M0 * 100, 4) for a in afs], PERCENT, drawn=False),
    ]
    return Chart(
        slug="af", title=_("Chỉ số nghèo đa chiều M0 và đóng góp của từng chỉ số"), category_label=_("Đơn vị"),
        categories=[name for name, _f in units], series=series, horizontal=True,
        note=_("M0 = H × A; mỗi đoạn là phần đóng góp của một chỉ số (trọng số bằng nhau)."),
    )


def children_chart(d: Dashboard) -> Chart:
    rows = sorted((c for c in d.children if c.households), key=lambda c: -(c.poor_rate or 0))
    return Chart(
        slug="don-vi", title=_("Tỷ lệ hộ nghèo, hộ cận nghèo theo đơn vị"), category_label=_("Đơn vị"),
        categories=[c.name for c in rows],
        series=[
            Series(_("Tỷ lệ hộ nghèo (%)"), [_rate(c, "poor.end") for c in rows], PERCENT, stack="rate"),
            Series(_("Tỷ lệ hộ cận nghèo (%)"), [_rate(c, "near_poor.end") for c in rows], PERCENT, stack="rate"),
            Series(_("Tổng số hộ"), [c.households for c in rows], drawn=False),
            Series(_("Số hộ nghèo"), [c["poor.end"] for c in rows], drawn=False),
            Series(_("Số hộ cận nghèo"), [c["near_poor.end"] for c in rows], drawn=False),
        ],
        horizontal=True,
    )


BUILDERS = {
    "xu-huong": trend_chart,
    "bien-dong": movements_chart,
    "nhom-ho": categories_chart,
    "khu-vuc": areas_chart,
    "thieu-hut": deprivation_chart,
    "nguyen-nhan": causes_chart,
    "af": alkire_foster_chart,
    "don-vi": children_chart,
}


def dashboard_charts(d: Dashboard) -> list[Chart]:
    """Every chart of the dashboard in page order (none when the year has no figures)."""
    if d.empty:
        return []
    charts = [build(d) for build in BUILDERS.values()]
    return [c for c in charts if not (c.slug == "don-vi" and not d.child_level)]
