"""Does a table add up? Every row that has parts (a region and its provinces, a province and its communes,
the national total and the regions) is checked column by column: the sum of its parts against the value it
states. A difference is reported, never fixed: a published table that does not reconcile (the 2022 regional
table, off by 90 in the Red River Delta and 119 in the Central Highlands; docs/statistics-reconcile.md) must
be flagged and sent back to whoever published it.

``reconcile`` is pure (rows in, flags out) and serves both an uploaded table (``stats/published.py``) and
the system's own rollups (``reconcile_rollups``: the communes of a province against the province, the
hamlets and the households on no hamlet against the commune, for every stock count).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from giamngheo.reviews import ledger

Number = int | float


@dataclass(frozen=True)
class Row:
    """One line of a table: ``parent`` is the ``index`` of the row it is a part of (None at the top).
    A value of None is an empty cell: as a part it counts as 0, as a stated total it is not checked."""

    index: int
    label: str
    parent: int | None
    values: Mapping[str, Number | None] = field(default_factory=dict)
    sheet_row: int = 0  # the spreadsheet's own row number, to name in a message


@dataclass(frozen=True)
class Flag:
    """``row`` states ``stated`` in ``column`` but its ``parts`` rows add up to ``parts_sum``."""

    row: Row
    column: str
    stated: Number
    parts_sum: Number
    parts: int

    @property
    def difference(self) -> Number:
        """Sum of the parts minus the stated value (−90: the parts add up to 90 less than stated)."""
        return _tidy(self.parts_sum - self.stated)


def _tidy(value: Number) -> Number:
    # Sums of decimal cells (1.1 + 2.2) carry binary noise; a table's numbers have at most a few decimals.
    if isinstance(value, float):
        rounded = round(value, 6)
        return int(rounded) if rounded.is_integer() else rounded
    return value


def reconcile(rows: Sequence[Row], columns: Sequence[str], *, tolerance: float = 0.0) -> list[Flag]:
    """Every (row with parts, column) whose parts do not add up to the stated value, in table order.

    >>> total = Row(0, "Cả nước", None, {"poor": 10})
    >>> parts = [Row(1, "A", 0, {"poor": 4}), Row(2, "B", 0, {"poor": 5})]
    >>> [(f.row.label, f.stated, f.parts_sum, f.difference) for f in reconcile([total, *parts], ["poor"])]
    [('Cả nước', 10, 9, -1)]
    """
    children: dict[int, list[Row]] = {}
    for row in rows:
        if row.parent is not None:
            children.setdefault(row.parent, []).append(row)
    flags: list[Flag] = []
    for row in rows:
        parts = children.get(row.index)
        if not parts:
            continue
        for column in columns:
            stated = row.values.get(column)
            if stated is None:
                continue
            total: Number = 0
            for part in parts:
                total += part.values.get(column) or 0
            if abs(total - stated) > tolerance + 1e-9:
                flags.append(Flag(row=row, column=column, stated=stated, parts_sum=_tidy(total), parts=len(parts)))
    return flags


# -- the system's own rollups -------------------------------------------------------------------------------

def is_stock(code: str) -> bool:
    """Stocks add up from hamlets to communes to the province; movements do not (a household that moved
    between two communes and escaped poverty on the way is *moved out* of one and *escaped* in the
    province), so they are left out of the check (each row's movements reconcile on their own instead)."""
    klass, _dot, move = code.partition(".")
    return not (klass in ledger.EXITS and (move in ledger.EXITS[klass] or move in ledger.ENTRIES[klass]))


@dataclass(frozen=True)
class RollupFlag:
    """A flag on a stored rollup: ``unit_name``'s ``area`` row against its ``parts_level`` rows."""

    flag: Flag
    area: str
    unit_name: str
    parts_level: str  # "commune" (a province's parts) or "hamlet" (a commune's, with its direct row)


def reconcile_rollups(unit: Any, *, year: int, series: str = "national") -> list[RollupFlag]:
    """Check the stored rollups under ``unit`` (a province: each commune against its hamlets and the
    households on no hamlet, and the province against its communes; a commune: itself against its hamlets)
    for every stock count and area. A correct fill gives nothing."""
    from giamngheo.geo.models import AdminUnit
    from giamngheo.stats.models import Rollup, RollupLevel

    names = {pk: (name, parent) for pk, name, parent in AdminUnit.objects.filter(
        path__startswith=unit.path).values_list("id", "name", "parent_id")}
    levels = (RollupLevel.PROVINCE, RollupLevel.COMMUNE, RollupLevel.HAMLET, RollupLevel.DIRECT)
    stored = list(Rollup.objects.filter(unit_path__startswith=unit.path, year=year, series=series,
                                        level__in=levels).order_by("unit_path", "level"))
    flags: list[RollupFlag] = []
    for area in sorted({r.area for r in stored}):
        of_area = [r for r in stored if r.area == area and r.unit_id in names]
        own = {r.unit_id: i for i, r in enumerate(of_area) if r.level != RollupLevel.DIRECT}
        rows: list[Row] = []
        for i, rollup in enumerate(of_area):
            name, parent_id = names[rollup.unit_id]
            if rollup.level == RollupLevel.DIRECT:
                parent, label = own.get(rollup.unit_id), f"{name} · {RollupLevel.DIRECT.label}"
            else:
                parent, label = (None if rollup.unit_id == unit.pk else own.get(parent_id or 0)), name
            values = {code: value for code, value in rollup.counts.items()
                      if is_stock(code) and isinstance(value, int | float)}
            rows.append(Row(i, label, parent, values))
        columns = sorted({code for r in rows for code in r.values})
        for flag in reconcile(rows, columns, tolerance=1e-6):
            top = of_area[flag.row.index]
            flags.append(RollupFlag(flag=flag, area=area, unit_name=flag.row.label,
                                    parts_level="commune" if top.level == RollupLevel.PROVINCE else "hamlet"))
    return flags
