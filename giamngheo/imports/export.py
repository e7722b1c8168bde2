"""Export of a household list as Excel or CSV, in the layout the import reads back (issue 7, point 8).

The list is exactly the one the registry page shows: the same selector (``households.selectors.household_list``)
with the page's filters, so scope is decided in one place. Columns are ``columns.columns(...)`` — the import's own
table — with their Vietnamese headers, and every value is written the way the import reads it back unchanged:
coded answers as their Vietnamese label, yes/no as "Có"/"Không", an unanswered question as an empty cell, dates as
date cells (CSV: dd/mm/yyyy), the device list as labels separated by commas ("Không có" for none).

Citizen IDs are text cells (a number cell would lose the leading zero) and are masked (``*********123``) in every
unit where the exporting user may not see them. A masked file re-imported must not overwrite the stored IDs: the
import keeps a stored ID when it receives the mask of that same ID (the import's rule, not this module's).

Excel: openpyxl's write-only mode, households read in chunks with their members prefetched per chunk, so memory
stays flat however long the list; past Excel's row limit a sheet continues in "Hộ gia đình (2)", "Thành viên (2)"….
CSV is one sheet: one row per member with the household's columns repeated, UTF-8 with BOM and ``;`` — what Excel
set up for Vietnam opens correctly. Every export is one audit entry: who took which list out, in which format, how
many rows, whether IDs were masked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO, Literal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from giamngheo.accounts.scope import can_see_citizen_id, mask_citizen_id
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action, register_action, register_object_type
from giamngheo.core.exports import csv_cell, xlsx_cell
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.households.models import Household, Member
from giamngheo.households.records import DWELLING_FACTS, HOUSEHOLD_FACTS, MEMBER_FACTS
from giamngheo.households.selectors import household_list
from giamngheo.imports import columns as cols
from giamngheo.privacy.reads import record_household_reads

EXPORTED = "giamngheo.household.exported"
OBJECT_TYPE = "household_list"
register_action(EXPORTED, gettext_lazy("Xuất danh sách hộ gia đình"))
register_object_type(OBJECT_TYPE, gettext_lazy("Danh sách hộ gia đình"))

FileFormat = Literal["xlsx", "csv"]
FORMATS: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHUNK = 2000
# Excel's limit, header row included. A module constant so a test can lower it instead of writing a million rows.
MAX_SHEET_ROWS = 1_048_576
CSV_SEPARATOR = ";"

DATE_FORMAT = "dd/mm/yyyy"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.##"
PLAIN_INTEGER_FORMAT = "0"  # a year or an age grouped as "2.025" reads wrong
TEXT_FORMAT = "@"
_PLAIN_INTEGERS = frozenset({"year", "age"})
# A run of digits this long in a search is (part of) a citizen ID: the audit entry keeps it masked.
_ID_LIKE = re.compile(r"\d{9,}")


@dataclass(frozen=True)
class HouseholdListFilter:
    """The registry page's filters, as ``households.selectors.household_list`` takes them."""

    commune_code: str | None = None
    hamlet_id: int | None = None
    q: str | None = None
    klass: str | None = None


@dataclass
class ExportCounts:
    households: int = 0
    members: int = 0
    rows: int = 0  # data rows written (CSV: one per member; Excel: both sheets together)
    masked_members: int = 0  # members whose citizen ID was written masked
    sheets: int = 0

    @property
    def citizen_ids_masked(self) -> bool:
        return self.masked_members > 0


def export_households(*, actor: Any, filters: HouseholdListFilter, file_format: FileFormat, out: BinaryIO
                      ) -> ExportCounts:
    """Write the households ``actor`` sees on the registry page with ``filters`` to ``out`` as ``xlsx`` or ``csv``,
    and record the export in the audit trail. Raises ``ValueError`` for another format."""
    if file_format not in FORMATS:
        raise ValueError(file_format)
    households = record_household_reads(actor, _households(actor, filters))  # read audit (issue 11)
    visible = _citizen_id_visibility(actor)
    if file_format == "xlsx":
        counts = _write_xlsx(households, visible, out)
    else:
        counts = _write_csv(households, visible, out)
    commune = _commune(filters.commune_code)
    log_action(
        actor=actor,
        action=EXPORTED,
        object_type=OBJECT_TYPE,
        object_id=export_unit_code(actor=actor, filters=filters),
        object_repr=(_("Danh sách hộ gia đình – %(unit)s") % {"unit": commune.name} if commune is not None
                     else _("Danh sách hộ gia đình")),
        unit_path=commune.path if commune is not None else user_home_path(actor),
        data={
            "filters": _audit_filters(filters),
            "format": file_format,
            "households": counts.households,
            "members": counts.members,
            "rows": counts.rows,
            "sheets": counts.sheets,
            "citizen_ids_masked": counts.citizen_ids_masked,
            "masked_members": counts.masked_members,
        },
    )
    return counts


def export_unit_code(*, actor: Any, filters: HouseholdListFilter) -> str:
    """The unit an export is named after: the filtered commune, else the unit of the user's grants (a province
    or a commune code); "toan-quoc" for a user whose grants span provinces."""
    if filters.commune_code:
        return filters.commune_code
    home = user_home_path(actor)
    unit = AdminUnit.objects.filter(path=home).only("code").first() if home else None
    return unit.code if unit is not None else "toan-quoc"


def export_file_name(*, actor: Any, filters: HouseholdListFilter, file_format: FileFormat) -> str:
    """``ho-gia-dinh-86001-20251015.xlsx``."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    code = re.sub(r"[^0-9A-Za-z-]+", "-", export_unit_code(actor=actor, filters=filters))
    return f"ho-gia-dinh-{code}-{stamp}.{file_format}"


# --- reading ------------------------------------------------------------------------------------------------------


def _households(actor: Any, filters: HouseholdListFilter) -> Iterator[Household]:
    households: QuerySet[Household] = household_list(user=actor, **asdict(filters))
    members = Member.objects.order_by("position", "pk")
    # iterator(chunk_size) with a prefetch loads each chunk's members in one query: memory holds one chunk.
    return (households.select_related("commune__parent", "hamlet").defer("search_text")
            .prefetch_related(Prefetch("members", queryset=members))
            .iterator(chunk_size=CHUNK))


def _commune(code: str | None) -> AdminUnit | None:
    if not code:
        return None
    return AdminUnit.objects.filter(level=UnitLevel.COMMUNE, generation=Generation.CURRENT, code=code).first()


def _citizen_id_visibility(actor: Any) -> Callable[[str], bool]:
    """``can_see_citizen_id`` remembered per unit: a list spans a few hundred hamlets, not a million units."""
    seen: dict[str, bool] = {}

    def visible(unit_path: str) -> bool:
        if unit_path not in seen:
            seen[unit_path] = can_see_citizen_id(actor, unit_path)
        return seen[unit_path]

    return visible


def _audit_filters(filters: HouseholdListFilter) -> dict[str, Any]:
    data = {key: value for key, value in asdict(filters).items() if value not in (None, "")}
    if "q" in data:
        # A search by citizen ID must not put the ID in the trail, which province staff (who see IDs masked) read.
        data["q"] = _ID_LIKE.sub(lambda m: mask_citizen_id(m.group(0)), data["q"])
    return data


# --- values -------------------------------------------------------------------------------------------------------


def _answered(value: Any) -> Any:
    return None if value == "" else value


def household_values(household: Household) -> dict[str, Any]:
    """The household's cells by column name (``columns.Column.name``), typed; None = not answered."""
    commune = household.commune
    values: dict[str, Any] = {name: _answered(getattr(household, name)) for name in (*HOUSEHOLD_FACTS,
                                                                                    *DWELLING_FACTS)}
    values.update({
        "id": household.code,
        "province_code": commune.parent.code if commune.parent is not None else None,
        "commune_code": commune.code,
        cols.COMMUNE_NAME: commune.name,
        cols.DISTRICT_NAME: None,  # the current commune is named by its code: no pre-2025 district needed
        "hamlet": household.hamlet.name if household.hamlet is not None else None,
    })
    return values


def member_values(household: Household, member: Member, *, show_citizen_id: bool) -> dict[str, Any]:
    values: dict[str, Any] = {name: _answered(getattr(member, name)) for name in MEMBER_FACTS}
    values.update({cols.HOUSEHOLD_KEY: household.code, "id": member.member_id})
    if values["citizen_id"] is not None and not show_citizen_id:
        values["citizen_id"] = mask_citizen_id(values["citizen_id"])
    return values


def _shown(column: cols.Column, value: Any) -> Any:
    """A value as the officer reads it: labels for coded answers and yes/no; dates and numbers stay typed."""
    if value is None:
        return None
    kind = column.kind
    if kind == "boolean":
        return cols.YES_LABEL if value else cols.NO_LABEL
    if kind == "enum":
        return cols.label_of(column.sheet, column.name, str(value))
    if kind == "enum_list":
        if not value:
            return cols.DEVICE_NONE
        return ", ".join(cols.label_of(column.sheet, column.name, str(code)) for code in value)
    if kind == "date" and isinstance(value, dt.datetime):
        return value.date()
    return value


# --- Excel --------------------------------------------------------------------------------------------------------


class _SheetSeries:
    """One logical sheet written as "Hộ gia đình", "Hộ gia đình (2)"… each within Excel's row limit."""

    def __init__(self, book: Workbook, title: str, columns: tuple[cols.Column, ...]) -> None:
        self.book, self.title, self.columns = book, title, columns
        self.count = 0
        self.rows_in_sheet = 0
        self.sheet: Any = None
        self._bold = Font(bold=True)
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.count += 1
        title = self.title if self.count == 1 else f"{self.title} ({self.count})"
        sheet = self.book.create_sheet(title[:31])
        for index, column in enumerate(self.columns):
            letter = _column_letter(index)
            sheet.column_dimensions[letter].width = max(10, min(40, len(column.header) + 2))
        sheet.freeze_panes = "A2"
        sheet.append([xlsx_cell(sheet, c.header, font=self._bold) for c in self.columns])
        self.sheet, self.rows_in_sheet = sheet, 1

    def append(self, values: dict[str, Any]) -> None:
        if self.rows_in_sheet >= MAX_SHEET_ROWS:
            self._new_sheet()
        self.sheet.append([_xlsx_value(self.sheet, c, values.get(c.name)) for c in self.columns])
        self.rows_in_sheet += 1


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _xlsx_value(sheet: Any, column: cols.Column, value: Any) -> Any:
    shown = _shown(column, value)
    if shown is None:
        return None
    if column.name == "citizen_id":
        cell = WriteOnlyCell(sheet, value=str(shown))
        cell.data_type = "s"  # text, never a number: "012345678901" keeps its leading zero
        cell.number_format = TEXT_FORMAT
        return cell
    if isinstance(shown, dt.date):
        cell = WriteOnlyCell(sheet, value=shown)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(shown, bool) or not isinstance(shown, int | float):
        return xlsx_cell(sheet, shown)
    cell = WriteOnlyCell(sheet, value=shown)
    if column.name in _PLAIN_INTEGERS:
        cell.number_format = PLAIN_INTEGER_FORMAT
    elif isinstance(shown, float) and not shown.is_integer():
        cell.number_format = DECIMAL_FORMAT
    else:
        # "#,##0.##" would show a whole area as "12," in Excel; a whole number gets the integer format.
        cell.number_format = INTEGER_FORMAT
    return cell


def _write_xlsx(households: Iterator[Household], visible: Callable[[str], bool], out: BinaryIO) -> ExportCounts:
    book = Workbook(write_only=True)
    household_sheets = _SheetSeries(book, cols.SHEET_TITLES[cols.HOUSEHOLDS], cols.columns(cols.HOUSEHOLDS))
    member_sheets = _SheetSeries(book, cols.SHEET_TITLES[cols.MEMBERS], cols.columns(cols.MEMBERS))
    counts = ExportCounts()
    for household in households:
        household_sheets.append(household_values(household))
        counts.households += 1
        show = visible(household.unit_path)
        for member in household.members.all():
            member_sheets.append(member_values(household, member, show_citizen_id=show))
            counts.members += 1
            counts.masked_members += bool(member.citizen_id) and not show
    book.save(out)
    counts.rows = counts.households + counts.members
    counts.sheets = household_sheets.count + member_sheets.count
    return counts


# --- CSV ----------------------------------------------------------------------------------------------------------


def _csv_member_columns() -> tuple[cols.Column, ...]:
    return tuple(c for c in cols.columns(cols.MEMBERS) if c.name != cols.HOUSEHOLD_KEY)


def csv_columns() -> tuple[cols.Column, ...]:
    """The one-sheet layout: the household's columns, then the member's ("Mã hộ" serves both)."""
    return (*cols.columns(cols.HOUSEHOLDS), *_csv_member_columns())


def _csv_text(column: cols.Column, value: Any) -> Any:
    shown = _shown(column, value)
    if shown is None:
        return ""
    if isinstance(shown, dt.date):
        return shown.strftime("%d/%m/%Y")
    if isinstance(shown, float):
        # A decimal comma, never a dot: "1.234" would read as one thousand two hundred thirty-four.
        text = repr(shown)
        return (text[:-2] if text.endswith(".0") else text).replace(".", ",")
    if isinstance(shown, int) and not isinstance(shown, bool):
        return str(shown)
    return csv_cell(str(shown))


def _write_csv(households: Iterator[Household], visible: Callable[[str], bool], out: BinaryIO) -> ExportCounts:
    household_columns, member_columns = cols.columns(cols.HOUSEHOLDS), _csv_member_columns()
    # utf-8-sig: the byte-order mark makes Excel on Windows read the file as UTF-8, so Vietnamese letters survive.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow([c.header for c in (*household_columns, *member_columns)])
    counts = ExportCounts(sheets=1)
    for household in households:
        counts.households += 1
        show = visible(household.unit_path)
        values = household_values(household)
        household_cells = [_csv_text(c, values.get(c.name)) for c in household_columns]
        members = list(household.members.all())
        if not members:
            # Never silently dropped: the household's row stands, its member cells blank.
            writer.writerow(household_cells + [""] * len(member_columns))
            counts.rows += 1
        for member in members:
            member_cells = member_values(household, member, show_citizen_id=show)
            writer.writerow(household_cells + [_csv_text(c, member_cells.get(c.name)) for c in member_columns])
            counts.members += 1
            counts.rows += 1
            counts.masked_members += bool(member.citizen_id) and not show
    text.flush()
    text.detach()  # ``out`` belongs to the caller: leave it open
    return counts
