"""Which sheet holds what, and which column is which field.

Two layouts are accepted:

* **two sheets**: households (one row per household, ``Mã hộ`` = record ``id``) and members (one row per member,
  ``Mã hộ`` naming its household). The sheets are found by title (``Hộ gia đình`` / ``Thành viên`` and variants)
  or, failing that, by their columns;
* **one sheet**: one row per member with the household's columns on the same row. The household's cells may be
  repeated on every member row or written on its first row only: a row whose ``Mã hộ`` is blank belongs to the
  household above (the usual layout of a commune's own list).

Headers are matched as ``columns.header_key`` describes. A header nobody knows (``STT``, ``Ghi chú``) is
ignored and listed in the preview; a field named twice, or a required field with no column, is an error on the
header row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl
from django.utils.translation import gettext as _

from giamngheo.imports import columns as cols
from giamngheo.imports.read import ROW, RawSheet

SHEET = "_sheet"


@dataclass
class LayoutError:
    sheet: str
    row: int
    column: int | None  # 0-based column index, None when no column can be named
    field: str
    value: str
    message: str
    # A missing household code column makes the file unreadable (members cannot be tied to households); any other
    # missing column is reported once, on the header row, and the rows are still checked for everything else.
    fatal: bool = False
    missing: tuple[str, ...] = ()  # the column names whose absence this error reports
    header: str = ""  # the header the sheet should have had (for a missing column)


@dataclass
class MappedSheet:
    raw: RawSheet
    fields: dict[str, int]  # column name (``columns.Column.name``) → index of the sheet's column
    ignored: list[str] = field(default_factory=list)
    # "Hộ gia đình (2)", "(3)"…: where an export went past Excel's row limit; same headers, read as one sheet.
    continued: list[RawSheet] = field(default_factory=list)


@dataclass
class Layout:
    kind: str  # "two_sheets" | "one_sheet"
    households: MappedSheet
    members: MappedSheet
    errors: list[LayoutError] = field(default_factory=list)

    def cell(self, sheet: cols.Sheet, name: str) -> tuple[str, int | None]:
        """(sheet title, column index) where field ``name`` of ``sheet`` is written."""
        mapped = self.households if sheet == cols.HOUSEHOLDS else self.members
        if self.kind == "one_sheet" and name not in mapped.fields:
            other = self.members if mapped is self.households else self.households
            return other.raw.title, other.fields.get(name)
        return mapped.raw.title, mapped.fields.get(name)


def _lookup(sheet: cols.Sheet) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in cols.columns(sheet):
        for key in column.header_keys():
            table.setdefault(key, column.name)
    return table


def map_headers(raw: RawSheet, sheet: cols.Sheet, errors: list[LayoutError],
                claimed: set[int] | None = None) -> MappedSheet:
    table = _lookup(sheet)
    mapped = MappedSheet(raw=raw, fields={})
    for index, header in enumerate(raw.headers):
        if claimed is not None and index in claimed:
            continue
        name = table.get(cols.header_key(header))
        if name is None:
            if header and claimed is None:
                mapped.ignored.append(header)
            continue
        if name in mapped.fields:
            errors.append(LayoutError(raw.title, raw.header_row, index, name, header, _(
                "Cột “%(header)s” trùng với cột “%(first)s”: cả hai đều là «%(label)s». Hãy xoá hoặc đổi tên "
                "một cột.") % {"header": header, "first": raw.headers[mapped.fields[name]],
                               "label": cols.column(sheet, name).header}))
            continue
        mapped.fields[name] = index
    return mapped


_CONTINUED = re.compile(r"\s*\(\d+\)$")


def _sheet_kind(raw: RawSheet) -> cols.Sheet | None:
    key = cols.header_key(_CONTINUED.sub("", raw.title))
    for sheet, variants in cols.SHEET_VARIANTS.items():
        if key in {cols.header_key(v) for v in variants}:
            return sheet
    return None


def _member_columns(raw: RawSheet) -> int:
    table = _lookup(cols.MEMBERS)
    return sum(1 for h in raw.headers if table.get(cols.header_key(h)) in ("relation", "sex", "birth_date", "name",
                                                                            "citizen_id", "age"))


def _household_columns(raw: RawSheet) -> int:
    table = _lookup(cols.HOUSEHOLDS)
    return sum(1 for h in raw.headers if table.get(cols.header_key(h)) in ("reference_date", "area", "income",
                                                                             "commune_code", "commune_name"))


def _require(mapped: MappedSheet, sheet: cols.Sheet, errors: list[LayoutError]) -> None:
    raw = mapped.raw
    wanted: list[tuple[str, ...]] = (
        [("id",), ("reference_date",), ("area",), ("commune_code", cols.COMMUNE_NAME)]
        if sheet == cols.HOUSEHOLDS else
        [(cols.HOUSEHOLD_KEY,), ("relation",), ("sex",), ("birth_date", "age")]
    )
    for names in wanted:
        if not any(n in mapped.fields for n in names):
            labels = " hoặc ".join(f"“{cols.column(sheet, n).header}”" for n in names)
            errors.append(LayoutError(raw.title, raw.header_row, None, cols.column(sheet, names[0]).path, "",
                                      _("Thiếu cột %(labels)s ở dòng tiêu đề của trang “%(sheet)s”.")
                                      % {"labels": labels, "sheet": raw.title},
                                      fatal=names[0] in ("id", cols.HOUSEHOLD_KEY), missing=names,
                                      header=cols.column(sheet, names[0]).header))


def detect(sheets: list[RawSheet]) -> Layout:
    """The layout of the file; ``errors`` says what is missing (an unusable file has errors, never raises)."""
    errors: list[LayoutError] = []
    by_kind: dict[cols.Sheet, RawSheet] = {}
    for raw in sheets:
        kind = _sheet_kind(raw)
        if kind is not None and kind not in by_kind:
            by_kind[kind] = raw
    if cols.HOUSEHOLDS not in by_kind or cols.MEMBERS not in by_kind:
        # Titles did not tell: the sheet with the most household columns, the one with the most member columns.
        candidates = [s for s in sheets if s.title != cols.INSTRUCTIONS_TITLE]
        households = max(candidates, key=_household_columns)
        rest = [s for s in candidates if s is not households]
        members = max(rest, key=_member_columns) if rest else None
        if members is not None and _member_columns(members) >= 2 and _member_columns(households) < 2:
            by_kind = {cols.HOUSEHOLDS: households, cols.MEMBERS: members}
        else:
            by_kind = {cols.HOUSEHOLDS: households}
    if cols.MEMBERS in by_kind and by_kind[cols.MEMBERS] is not by_kind[cols.HOUSEHOLDS]:
        households_map = map_headers(by_kind[cols.HOUSEHOLDS], cols.HOUSEHOLDS, errors)
        members_map = map_headers(by_kind[cols.MEMBERS], cols.MEMBERS, errors)
        _require(households_map, cols.HOUSEHOLDS, errors)
        _require(members_map, cols.MEMBERS, errors)
        for mapped in (households_map, members_map):
            mapped.continued = [s for s in sheets if s is not mapped.raw and _CONTINUED.search(s.title)
                                and _sheet_kind(s) == _sheet_kind(mapped.raw) and s.headers == mapped.raw.headers]
        return Layout("two_sheets", households_map, members_map, errors)
    # One sheet: household columns and member columns side by side; "Mã hộ" serves both.
    raw = by_kind[cols.HOUSEHOLDS]
    households_map = map_headers(raw, cols.HOUSEHOLDS, errors, claimed=None)
    claimed = {i for n, i in households_map.fields.items() if n != "id"}
    members_map = map_headers(raw, cols.MEMBERS, errors, claimed=claimed)
    if "id" in households_map.fields:
        members_map.fields[cols.HOUSEHOLD_KEY] = households_map.fields["id"]
        members_map.fields.pop("id", None) if members_map.fields.get("id") == households_map.fields["id"] else None
    member_names = {cols.header_key(raw.headers[i]) for i in members_map.fields.values()}
    households_map.ignored = [h for h in households_map.ignored if cols.header_key(h) not in member_names]
    _require(households_map, cols.HOUSEHOLDS, errors)
    _require(members_map, cols.MEMBERS, errors)
    return Layout("one_sheet", households_map, members_map, errors)


def _select(mapped: MappedSheet, names: list[str]) -> pl.DataFrame:
    parts = []
    for raw in (mapped.raw, *mapped.continued):
        exprs = [pl.lit(raw.title).alias(SHEET), pl.col(ROW)]
        for name in names:
            index = mapped.fields.get(name)
            exprs.append((pl.col(f"c{index}") if index is not None else pl.lit(None, dtype=pl.String)).alias(name))
        parts.append(raw.frame.select(exprs))
    return pl.concat(parts)


def frames(layout: Layout) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Text frames of households (one row per household) and members (one row per member), each with the sheet
    title and row number of its source row, columns named after ``columns.Column.name``."""
    household_names = [c.name for c in cols.columns(cols.HOUSEHOLDS)]
    member_names = [c.name for c in cols.columns(cols.MEMBERS)]
    if layout.kind == "two_sheets":
        return _select(layout.households, household_names), _select(layout.members, member_names)
    rows = _select(layout.households, household_names)
    # A blank "Mã hộ" continues the household above (its cells written on its first row only).
    rows = rows.with_columns(pl.col("id").str.strip_chars().replace("", None).forward_fill().alias("id"))
    households = rows.unique(subset=["id"], keep="first", maintain_order=True).filter(pl.col("id").is_not_null())
    members = _select(layout.members, member_names).with_columns(rows["id"].alias(cols.HOUSEHOLD_KEY))
    return households, members


def one_sheet_conflicts(layout: Layout) -> pl.DataFrame:
    """One-sheet layout: household cells that disagree with the household's first row (sheet, row, field, value,
    first value); empty for two sheets. A repeated household cell left blank is not a disagreement."""
    if layout.kind != "one_sheet":
        return pl.DataFrame()
    household_names = [c.name for c in cols.columns(cols.HOUSEHOLDS) if c.name != "id"
                       and c.name in layout.households.fields]
    rows = _select(layout.households, ["id", *household_names]).with_columns(
        pl.col("id").str.strip_chars().replace("", None).forward_fill())
    first = rows.unique(subset=["id"], keep="first", maintain_order=True)
    parts = []
    joined = rows.join(first.select(["id", *[pl.col(n).alias(f"{n}__first") for n in household_names]]),
                       on="id", how="inner")
    for name in household_names:
        bad = joined.filter(pl.col(name).is_not_null() & pl.col(f"{name}__first").is_not_null()
                            & (pl.col(name).str.strip_chars() != pl.col(f"{name}__first").str.strip_chars()))
        if bad.height:
            parts.append(bad.select(SHEET, ROW, pl.lit(name).alias("field"), pl.col(name).alias("value"),
                                    pl.col(f"{name}__first").alias("first")))
    return pl.concat(parts) if parts else pl.DataFrame()
