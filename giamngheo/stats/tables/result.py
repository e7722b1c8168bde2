"""The review's result table (Circular 07/2021 report tables): one row per child unit (hamlets of a commune,
communes of a province), urban rows first, then rural rows, each block with its subtotal, then the total, as
officers hand it in. Each class (poor, near-poor) has the ledger's columns: start, exits, entries, end, of which
ethnic minority.

Built from rollups only. Rates are recomputed from counts: the start rate divides the households in the class at
the start by the previous year's households (the households the start was a share of), the end rate by this
year's; a rate whose denominator is unknown (previous year not filled) is shown as "–", never as 0%."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.geo.models import AdminUnit
from giamngheo.reviews.engine import standard_title
from giamngheo.reviews.ledger import ENTRIES, EXITS
from giamngheo.reviews.movements import COLUMN_LABELS, ORPHAN_LABEL
from giamngheo.stats import selectors
from giamngheo.stats.measures import AREA_LABELS, CLASS_LABELS, CLASSES, ratio
from giamngheo.stats.selectors import Figures

UNIT, SUBTOTAL, TOTAL = "unit", "subtotal", "total"
BLOCK_AREAS = ("urban", "rural")
SUBTOTAL_LABELS: dict[str, Any] = {"urban": gettext_lazy("Cộng thành thị"), "rural": gettext_lazy("Cộng nông thôn")}
TOTAL_LABEL = gettext_lazy("Tổng cộng")


@dataclass(frozen=True)
class ResultLine:
    """One row: a child unit in one area, an area's subtotal, or the total."""

    kind: str
    area: str
    code: str
    name: str
    households: int
    # The previous year's households of the same row; None when that year has no figures.
    households_before: int | None
    counts: dict[str, Any]

    def value(self, klass: str, move: str) -> int:
        return int(self.counts.get(f"{klass}.{move}", 0) or 0)

    def start_rate(self, klass: str) -> float | None:
        return ratio(self.value(klass, "start"), self.households_before)

    def end_rate(self, klass: str) -> float | None:
        return ratio(self.value(klass, "end"), self.households)

    def cells(self, klass: str) -> list[int | float | None]:
        """The numbers of the class's block, in the order of ``columns(klass)``."""
        return [
            self.value(klass, "start"), self.start_rate(klass),
            *[self.value(klass, m) for m in EXITS[klass]],
            *[self.value(klass, m) for m in ENTRIES[klass]],
            self.value(klass, "end"), self.end_rate(klass), self.value(klass, "end_ethnic_minority"),
        ]

    @property
    def is_empty(self) -> bool:
        return self.households == 0 and not any(v for v in self.counts.values())


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    group: str  # the merged header above it
    rate: bool = False


def columns(klass: str) -> list[Column]:
    """The columns of one class's block after the unit and its households, with the merged group above each."""
    labels = COLUMN_LABELS[klass]
    start, fall, rise, end = _("Đầu năm"), _("Giảm trong năm"), _("Tăng trong năm"), _("Cuối năm")
    return [
        Column("start", _("Số hộ"), start), Column("start_rate", _("Tỷ lệ"), start, rate=True),
        *[Column(m, str(labels[m]), fall) for m in EXITS[klass]],
        *[Column(m, str(labels[m]), rise) for m in ENTRIES[klass]],
        Column("end", _("Số hộ"), end), Column("end_rate", _("Tỷ lệ"), end, rate=True),
        Column("end_ethnic_minority", _("Trong đó: dân tộc thiểu số"), end),
    ]


@dataclass
class ResultTable:
    unit: AdminUnit
    year: int
    series: str
    standard_id: str
    standard_title: str
    filled_at: dt.datetime | None
    fill_status: str
    lines: list[ResultLine] = field(default_factory=list)

    @property
    def child_label(self) -> str:
        return _("Xã/phường/đặc khu") if self.unit.level == "province" else _("Thôn/ấp, tổ dân phố")

    def title(self, klass: str) -> str:
        return _("Kết quả rà soát %(class)s năm %(year)s") % {
            "class": str(CLASS_LABELS[klass]).lower(), "year": self.year}

    @property
    def as_of(self) -> str:
        """"Số liệu tính đến 03/12/2026 21:40" — when the rollups were filled (the figures may lag the ledger)."""
        if self.filled_at is None:
            return _("Số liệu chưa được tổng hợp.")
        return _("Số liệu tính đến %(when)s") % {
            "when": timezone.localtime(self.filled_at).strftime("%d/%m/%Y %H:%M")}

    @property
    def total(self) -> ResultLine | None:
        return next((line for line in self.lines if line.kind == TOTAL), None)


@dataclass(frozen=True)
class PrintedRow:
    """A row as every rendering (page, Excel, PDF) prints it: an area heading, or a line with its number."""

    kind: str  # "heading", or a line's kind
    number: str
    name: str
    households: int | None = None
    cells: list[int | float | None] = field(default_factory=list)


def printed_rows(table: ResultTable, klass: str) -> list[PrintedRow]:
    """The rows of one class's block: "Thành thị" heading, its units numbered 1, 2…, its subtotal; the same
    for rural; the total. Shared by the page, the Excel sheet and the PDF so they never disagree."""
    rows: list[PrintedRow] = []
    blocks = [[line for line in table.lines if line.area == area] for area in BLOCK_AREAS]
    for numeral, lines in zip(("I", "II"), [b for b in blocks if b], strict=False):
        rows.append(PrintedRow("heading", numeral, str(AREA_LABELS[lines[0].area])))
        units = [line for line in lines if line.kind == UNIT]
        rows += [PrintedRow(UNIT, str(n), line.name, line.households, line.cells(klass))
                 for n, line in enumerate(units, start=1)]
        rows += [PrintedRow(SUBTOTAL, "", line.name, line.households, line.cells(klass))
                 for line in lines if line.kind == SUBTOTAL]
    rows += [PrintedRow(TOTAL, "", line.name, line.households, line.cells(klass))
             for line in table.lines if line.kind == TOTAL]
    return rows


def _key(figures: Figures) -> tuple[str, int]:
    return figures.level, figures.unit_id


def _name(figures: Figures) -> str:
    return figures.name or str(ORPHAN_LABEL)


def result_table(unit: AdminUnit, *, year: int, series: str) -> ResultTable:
    """The table of ``unit`` (a commune by hamlet, a province by commune) for ``year`` and ``series``. The
    caller checked the scope. A year with no figures gives a table with no lines."""
    state = selectors.fill_state(unit, year=year, series=series)
    whole = selectors.rollup(unit, year=year, series=series)
    standard_id = (whole.standard_id if whole else "") or (state.standard_id if state else "")
    table = ResultTable(unit=unit, year=year, series=series, standard_id=standard_id,
                        standard_title=standard_title(standard_id) if standard_id else "",
                        filled_at=state.filled_at if state else None,
                        fill_status=state.get_status_display() if state else "")
    if whole is None:
        return table
    for area in BLOCK_AREAS:
        now = selectors.child_rollups(unit, year=year, series=series, area=area, include_empty=False)
        before = {_key(f): f.households for f in selectors.child_rollups(
            unit, year=year - 1, series=series, area=area, include_empty=False)}
        previous_exists = selectors.rollup(unit, year=year - 1, series=series, area=area) is not None
        for figures in now:
            line = ResultLine(UNIT, area, figures.code, _name(figures), figures.households,
                              before.get(_key(figures), 0) if previous_exists else None, figures.counts)
            if not line.is_empty:
                table.lines.append(line)
        subtotal = selectors.rollup(unit, year=year, series=series, area=area)
        if subtotal is None or not any(subtotal.counts.values()):
            continue  # a commune with no urban household has no urban block
        subtotal_before = selectors.rollup(unit, year=year - 1, series=series, area=area)
        table.lines.append(ResultLine(SUBTOTAL, area, unit.code, str(SUBTOTAL_LABELS[area]),
                                      subtotal.households,
                                      subtotal_before.households if subtotal_before else None,
                                      subtotal.counts))
    whole_before = selectors.rollup(unit, year=year - 1, series=series)
    table.lines.append(ResultLine(TOTAL, "all", unit.code, str(TOTAL_LABEL), whole.households,
                                  whole_before.households if whole_before else None, whole.counts))
    return table


__all__ = ["AREA_LABELS", "CLASSES", "SUBTOTAL", "TOTAL", "UNIT", "Column", "PrintedRow", "ResultLine",
           "ResultTable", "columns", "printed_rows", "result_table"]
