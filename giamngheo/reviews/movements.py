"""The movements table as the page and the Excel export show it.

The counts are the ledger's (``ledger.movement_rows``; no movement rule lives here). This module adds
what a reader of the table needs around them: the labels of the columns, the registry's household
counts as the denominator of each rate, and the reconciliation check (start − exits + entries = end)
per row, class and area. A row that does not reconcile is flagged, never adjusted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from giamngheo.core.formatting import format_number, format_percent
from giamngheo.reviews.ledger import ENTRIES, EXITS, MovementRow, reconciles

CLASSES = ("poor", "near_poor")
AREAS = ("all", "urban", "rural")
AREA_LABELS: dict[str, Any] = {"all": _("Toàn địa bàn"), "urban": _("Thành thị"), "rural": _("Nông thôn")}
CLASS_LABELS: dict[str, Any] = {"poor": _("Hộ nghèo"), "near_poor": _("Hộ cận nghèo")}
COLUMN_LABELS: dict[str, dict[str, Any]] = {
    "poor": {
        "escaped": _("Thoát nghèo"),
        "removed": _("Đưa ra khỏi danh sách"),
        "moved_out": _("Chuyển sang đơn vị khác"),
        "fell_from_near_poor": _("Từ hộ cận nghèo rơi xuống"),
        "re_poor": _("Tái nghèo"),
        "newly_poor": _("Nghèo phát sinh"),
        "moved_in": _("Chuyển đến từ đơn vị khác"),
    },
    "near_poor": {
        "escaped": _("Thoát cận nghèo"),
        "fell_to_poor": _("Rơi xuống hộ nghèo"),
        "removed": _("Đưa ra khỏi danh sách"),
        "moved_out": _("Chuyển sang đơn vị khác"),
        "from_poor": _("Từ hộ nghèo chuyển lên"),
        "re_near_poor": _("Tái cận nghèo"),
        "newly_near_poor": _("Cận nghèo phát sinh"),
        "moved_in": _("Chuyển đến từ đơn vị khác"),
    },
}
ORPHAN_LABEL = _("Hộ chưa gắn thôn/ấp, tổ dân phố")
TOTAL_LABEL = _("Tổng cộng")
ORPHAN_ROW = "_"


@dataclass(frozen=True)
class Line:
    """One row of one class's table, for one area."""

    unit_code: str
    unit_name: str
    is_total: bool
    households: int
    counts: dict[str, int]
    exits: int
    entries: int
    ok: bool

    @property
    def is_empty(self) -> bool:
        """A unit with no household registered and no movement: hidden on the page unless asked for."""
        return not self.is_total and self.households == 0 and not any(self.counts.values())

    @property
    def row_param(self) -> str:
        """The row as the drill-down URL names it: a child's code, "_" for households directly on the unit,
        "" for the total."""
        if self.is_total:
            return ""
        return self.unit_code or ORPHAN_ROW

    @property
    def start_rate(self) -> float | None:
        return self.counts["start"] / self.households if self.households else None

    @property
    def end_rate(self) -> float | None:
        return self.counts["end"] / self.households if self.households else None

    def shown(self, klass: str) -> dict[str, Any]:
        """The row as the page prints it: Vietnamese numbers and percentages."""
        return {
            "unit_code": self.unit_code, "unit_name": self.unit_name, "is_total": self.is_total, "ok": self.ok,
            "households": format_number(self.households),
            "start": format_number(self.counts["start"]), "start_rate": format_percent(self.start_rate),
            "exits": [format_number(self.counts[c]) for c in EXITS[klass]],
            "entries": [format_number(self.counts[c]) for c in ENTRIES[klass]],
            "end": format_number(self.counts["end"]), "end_rate": format_percent(self.end_rate),
            "end_ethnic_minority": format_number(self.counts["end_ethnic_minority"]),
            # What a number links to: the households behind it (views.movements.movement_households).
            "row_param": self.row_param,
            "exit_cells": [(c, format_number(self.counts[c]), self.counts[c]) for c in EXITS[klass]],
            "entry_cells": [(c, format_number(self.counts[c]), self.counts[c]) for c in ENTRIES[klass]],
            "raw": self.counts,
            "check": _("%(start)s − %(exits)s + %(entries)s = %(end)s") % {
                "start": format_number(self.counts["start"]), "exits": format_number(self.exits),
                "entries": format_number(self.entries),
                "end": format_number(self.counts["start"] - self.exits + self.entries)},
        }


@dataclass(frozen=True)
class Failure:
    unit_name: str
    klass: str
    area: str


@dataclass
class MovementTable:
    unit: Any
    year: int
    standard_id: str
    standard_title: str
    series: str
    rows: list[MovementRow]
    # row key (child path, "" for households on the unit itself, the unit's path for the total) → area → count
    households: dict[str, dict[str, int]] = field(default_factory=dict)

    def lines(self, klass: str, area: str = "all") -> list[Line]:
        return [_line(row, klass, area, self._households_of(row, area)) for row in self.rows]

    def _households_of(self, row: MovementRow, area: str) -> int:
        key = self.unit.path if row.is_total else (row.unit_path if row.unit_code else "")
        by_area = self.households.get(key, {})
        return sum(by_area.values()) if area == "all" else by_area.get(area, 0)

    def failures(self) -> list[Failure]:
        """Every (row, class, area) whose counts do not reconcile — shown on the page, never fixed."""
        return [
            Failure(line.unit_name or str(ORPHAN_LABEL), klass, area)
            for klass in CLASSES for area in AREAS for line in self.lines(klass, area) if not line.ok
        ]

    def headers(self, klass: str) -> dict[str, list[Any]]:
        labels = COLUMN_LABELS[klass]
        return {"exits": [labels[c] for c in EXITS[klass]], "entries": [labels[c] for c in ENTRIES[klass]]}


def _line(row: MovementRow, klass: str, area: str, households: int) -> Line:
    block = row.poor if klass == "poor" else row.near_poor
    counts: dict[str, int] = block if area == "all" else block["area"][area]
    counts = {k: v for k, v in counts.items() if k != "area"}
    name = str(TOTAL_LABEL) if row.is_total else (row.unit_name or str(ORPHAN_LABEL))
    return Line(
        unit_code=row.unit_code, unit_name=name, is_total=row.is_total, households=households, counts=counts,
        exits=sum(counts[c] for c in EXITS[klass]), entries=sum(counts[c] for c in ENTRIES[klass]),
        ok=reconciles(counts, klass),
    )


def household_counts(unit_path: str, grouped: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """Registry counts ``(unit_path, area, n)`` summed per row key: the child of ``unit_path`` holding the
    path, ``""`` for households on the unit itself, and ``unit_path`` for the total."""
    out: dict[str, dict[str, int]] = {}
    for path, area, n in grouped:
        rest = path[len(unit_path):]
        key = unit_path + rest.split("/")[0] + "/" if rest else ""
        for k in (key, unit_path):
            out.setdefault(k, {})
            out[k][area] = out[k].get(area, 0) + n
    return out
