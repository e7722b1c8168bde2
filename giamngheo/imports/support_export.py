"""Export of support records as Excel or CSV, in the layout the support import reads back (issue 8, point 6).

The records are exactly those the support page lists: the same selector (``support.selectors.records.
support_record_list``, ``support.view`` and ``household.view`` on each record's unit) with the page's filters,
so scope is decided in one place. The columns are the import's own (``imports.support.COLUMNS``), with its
Vietnamese headers, and every value is written the way the import reads it back to the same record: the kind by
its name (its code when two kinds share a name), the provider type by its label, the programme by its short name
(its code when ambiguous), the member by name (their member id when two members of the household share a name),
dates as dates, amounts as whole numbers. An exported list imported again finds every row a duplicate of a stored
record and writes nothing.

The head's citizen ID is a text cell, masked (``*********123``) in every unit where the exporting user may not
see citizen IDs; the import never needs it beside the household code. Text cells pass through
``core.exports`` (a cell starting ``=`` is text, never a formula). Every export is one audit entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO, Literal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from giamngheo.accounts.scope import can_see_citizen_id, mask_citizen_id
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action
from giamngheo.core.exports import csv_cell, xlsx_cell
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Member
from giamngheo.imports import columns as cols
from giamngheo.imports.support import COLUMNS, provider_labels
from giamngheo.support.models import Programme, SupportKind, SupportRecord
from giamngheo.support.selectors.records import support_record_list

EXPORTED = "giamngheo.support.records_exported"  # registered with the support app's codes
OBJECT_TYPE = "support_record"
FileFormat = Literal["xlsx", "csv"]
FORMATS: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHUNK = 2000
# One sheet, within Excel's row limit; a larger list is exported unit by unit or year by year.
MAX_ROWS = 1_000_000
CSV_SEPARATOR = ";"
DATE_FORMAT = "dd/mm/yyyy"
INTEGER_FORMAT = "#,##0"
TEXT_FORMAT = "@"
_MONEY = frozenset({"amount", "loan_outstanding"})
_DATES = frozenset({"given_on", "loan_outstanding_on"})


@dataclass(frozen=True)
class SupportExportFilter:
    """The support page's filters, as ``support_record_list`` takes them (``None``: not narrowed)."""

    year: int | None = None
    unit_path: str | None = None
    kind_id: int | None = None
    programme_id: int | None = None
    provider_type: str | None = None


@dataclass
class SupportExportCounts:
    records: int = 0
    households: int = 0
    masked: int = 0  # rows whose head's citizen ID was written masked


class TooManyRows(ValueError):
    """The list is longer than one sheet holds; the message asks the officer to narrow it."""


def _records(actor: Any, filters: SupportExportFilter) -> QuerySet[SupportRecord]:
    kind = SupportKind.objects.filter(pk=filters.kind_id).first() if filters.kind_id else None
    programme = Programme.objects.filter(pk=filters.programme_id).first() if filters.programme_id else None
    if (filters.kind_id and kind is None) or (filters.programme_id and programme is None):
        return SupportRecord.objects.none()
    return support_record_list(user=actor, year=filters.year, kind=kind, programme=programme,
                               unit_path=filters.unit_path or None, provider_type=filters.provider_type or None
                               ).select_related("household__commune").order_by("unit_path", "household_id", "pk")


def _unambiguous(pairs: list[tuple[int, str, str]]) -> dict[int, str]:
    """id → its name, or its code where another entry has the same (folded) name."""
    seen = Counter(cols.answer_key(name) for _pk, _code, name in pairs)
    return {pk: name if seen[cols.answer_key(name)] == 1 else code for pk, code, name in pairs}


def _catalogue() -> tuple[dict[int, str], dict[int, str]]:
    kinds = _unambiguous(list(SupportKind.objects.values_list("pk", "code", "name")))
    programmes = _unambiguous([(pk, code, short or name) for pk, code, name, short in
                               Programme.objects.values_list("pk", "code", "name", "short_name")])
    return kinds, programmes


def _members(household_ids: list[int]) -> tuple[dict[int, str], dict[tuple[int, str], str]]:
    """(head's citizen ID by household, how each member is named in the file by (household, member id))."""
    rows = list(Member.objects.filter(household_id__in=household_ids).values_list(
        "household_id", "member_id", "name", "relation", "citizen_id"))
    names = Counter((household_id, cols.answer_key(name)) for household_id, _m, name, _r, _c in rows if name)
    heads = {household_id: citizen_id for household_id, _m, _n, relation, citizen_id in rows
             if relation == "head" and citizen_id}
    shown = {(household_id, member_id): name if name and names[(household_id, cols.answer_key(name))] == 1
             else member_id for household_id, member_id, name, _r, _c in rows}
    return heads, shown


def _rows(records: QuerySet[SupportRecord], visible: Callable[[str], bool], counts: SupportExportCounts,
          on_progress: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """Each record's cells by column name (``imports.support.COLUMNS``), typed; None = blank. ``on_progress``
    gets the records written so far after each chunk of ``CHUNK``."""
    kinds, programmes = _catalogue()
    providers = provider_labels()
    households: set[int] = set()
    chunk: list[SupportRecord] = []

    def flush() -> Iterator[dict[str, Any]]:
        heads, members = _members(sorted({r.household_id for r in chunk}))
        for record in chunk:
            household = record.household
            citizen_id = heads.get(household.pk) or None
            if citizen_id and not visible(household.unit_path):
                citizen_id = mask_citizen_id(citizen_id)
                counts.masked += 1
            households.add(household.pk)
            counts.records += 1
            yield {
                "household_code": household.code, "head_name": household.head_name or None,
                "head_citizen_id": citizen_id, "commune_code": household.commune.code,
                "kind": kinds.get(record.kind_id), "given_on": record.given_on,
                "provider_type": providers.get(record.provider_type, record.provider_type),
                "provider_name": record.provider_name or None,
                "programme": programmes.get(record.programme_id) if record.programme_id else None,
                "member": members.get((household.pk, record.member_ref), record.member_ref) or None,
                "amount": record.amount, "quantity": record.quantity, "description": record.description or None,
                "loan_term_months": record.loan_term_months, "loan_outstanding": record.loan_outstanding,
                "loan_outstanding_on": record.loan_outstanding_on, "note": record.note or None,
            }

    for record in records.iterator(chunk_size=CHUNK):
        chunk.append(record)
        if len(chunk) == CHUNK:
            yield from flush()
            chunk = []
            if on_progress is not None:
                on_progress(counts.records)
    yield from flush()
    counts.households = len(households)


def _visibility(actor: Any) -> Callable[[str], bool]:
    """``can_see_citizen_id`` remembered per unit."""
    seen: dict[str, bool] = {}

    def visible(unit_path: str) -> bool:
        if unit_path not in seen:
            seen[unit_path] = can_see_citizen_id(actor, unit_path)
        return seen[unit_path]

    return visible


def _xlsx_value(sheet: Any, name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "head_citizen_id" or name == "household_code":
        cell = xlsx_cell(sheet, str(value))
        cell.data_type = "s"  # text, never a number: "012345678901" keeps its leading zero
        cell.number_format = TEXT_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, int) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=value)
        if name in _MONEY:
            cell.number_format = INTEGER_FORMAT
        return cell
    return xlsx_cell(sheet, str(value))


def _write_xlsx(rows: Iterator[dict[str, Any]], out: BinaryIO) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Hỗ trợ")[:31])
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(36, len(column.header) + 4))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([xlsx_cell(sheet, c.header, font=bold) for c in COLUMNS])
    for values in rows:
        sheet.append([_xlsx_value(sheet, c.name, values.get(c.name)) for c in COLUMNS])
    book.save(out)


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return csv_cell(str(value))


def _write_csv(rows: Iterator[dict[str, Any]], out: BinaryIO) -> None:
    # utf-8-sig: the byte-order mark makes Excel on Windows read the file as UTF-8, so Vietnamese letters survive.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow([csv_cell(c.header) for c in COLUMNS])
    for values in rows:
        writer.writerow([_csv_text(values.get(c.name)) for c in COLUMNS])
    text.flush()
    text.detach()  # ``out`` belongs to the caller: leave it open


def support_export_count(*, actor: Any, filters: SupportExportFilter) -> int:
    """How many records ``export_support`` would write (the page decides from it whether the worker writes)."""
    return _records(actor, filters).count()


def check_export_size(total: int) -> None:
    """Raise ``TooManyRows`` (a Vietnamese sentence) past ``MAX_ROWS``."""
    if total > MAX_ROWS:
        raise TooManyRows(_("Danh sách có %(count)s dòng, nhiều hơn một trang Excel chứa được; hãy xuất theo từng "
                            "năm hoặc từng xã.") % {"count": f"{total:,}".replace(",", ".")})


def export_support(*, actor: Any, filters: SupportExportFilter, file_format: FileFormat, out: BinaryIO,
                   on_progress: Callable[[int], None] | None = None) -> SupportExportCounts:
    """Write the support records ``actor`` sees on the support page with ``filters`` to ``out`` as ``xlsx`` or
    ``csv``, and record the export in the audit trail; ``on_progress(records written)`` every ``CHUNK`` records.
    Raises ``ValueError`` for another format and ``TooManyRows`` (a Vietnamese sentence) past ``MAX_ROWS``."""
    if file_format not in FORMATS:
        raise ValueError(file_format)
    records = _records(actor, filters)
    check_export_size(records.count())
    counts = SupportExportCounts()
    rows = _rows(records, _visibility(actor), counts, on_progress)
    if file_format == "xlsx":
        _write_xlsx(rows, out)
    else:
        _write_csv(rows, out)
    unit = AdminUnit.objects.filter(path=filters.unit_path).first() if filters.unit_path else None
    log_action(
        actor=actor, action=EXPORTED, object_type=OBJECT_TYPE, object_id=export_unit_code(actor=actor, filters=filters),
        object_repr=(_("Danh sách hỗ trợ cho hộ – %(unit)s") % {"unit": unit.name} if unit is not None
                     else _("Danh sách hỗ trợ cho hộ")),
        unit_path=unit.path if unit is not None else user_home_path(actor),
        data={"filters": {k: v for k, v in asdict(filters).items() if v not in (None, "")}, "format": file_format,
              "records": counts.records, "households": counts.households,
              "citizen_ids_masked": counts.masked > 0, "masked_rows": counts.masked},
    )
    return counts


def export_unit_code(*, actor: Any, filters: SupportExportFilter) -> str:
    """The unit an export is named after: the filtered unit, else the unit of the user's grants."""
    path = filters.unit_path or user_home_path(actor)
    unit = AdminUnit.objects.filter(path=path).only("code").first() if path else None
    return unit.code if unit is not None else "toan-quoc"


def support_export_file_name(*, actor: Any, filters: SupportExportFilter, file_format: FileFormat) -> str:
    """``ho-tro-86001-2025-20251015.xlsx``."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    code = re.sub(r"[^0-9A-Za-z-]+", "-", export_unit_code(actor=actor, filters=filters))
    year = f"-{filters.year}" if filters.year else ""
    return f"ho-tro-{code}{year}-{stamp}.{file_format}"
