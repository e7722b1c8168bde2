"""Export of the audit trail as Excel or CSV: a header row, then one row per entry, rendered by one of two
writers. Exporting is itself recorded: who took which part of the trail (personal data) out of the system.

Every spreadsheet this application writes (here, ``reviews.exports``) passes its cells through
``csv_cell`` / ``xlsx_cell``: text that a spreadsheet would read as a formula is written as text
(issue 13, class 5, "CSV/formula injection")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font

from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action, register_action
from giamngheo.core.audit_display import changes_text, entry_view
from giamngheo.core.selectors import AuditFilter, audit_entries_for, unit_names_for

register_action("giamngheo.audit.exported", gettext_lazy("Xuất nhật ký thay đổi"))

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHUNK = 2000
# One file is built in memory; past this many rows the user is asked to narrow the filters instead.
MAX_EXPORT_ROWS = 200_000


# A cell whose text starts with one of these is a formula (or becomes one when edited) in Excel, LibreOffice and
# Google Sheets: "=HYPERLINK(...)" typed as a household code or a name would be a live link in an export.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_a_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_cell(value: Any) -> Any:
    """A value for a CSV writer: formula-like text gets a leading ``'`` (the convention spreadsheets read as
    "this is text"); numbers, including negative ones, stay numbers."""
    return "'" + value if starts_like_a_formula(value) else value


def xlsx_cell(sheet: Any, value: Any, **style: Any) -> Cell:
    """A cell for ``sheet.append`` (write-only or normal sheet): formula-like text is stored as a string with
    Excel's quote prefix, never as a formula; numbers stay numbers. ``style``: font, alignment, fill…"""
    cell = value if isinstance(value, Cell) else WriteOnlyCell(sheet, value=value)
    if starts_like_a_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def xlsx_row(sheet: Any, values: list[Any]) -> list[Cell]:
    return [xlsx_cell(sheet, value) for value in values]


def audit_header() -> list[str]:
    return [
        _("Thời điểm"), _("Người thực hiện"), _("Hành động"), _("Loại đối tượng"), _("Mã đối tượng"),
        _("Đối tượng"), _("Đơn vị"), _("Các trường thay đổi (trước → sau)"),
    ]


def audit_rows(user: Any, filters: AuditFilter) -> Iterator[list[str]]:
    entries = audit_entries_for(user, filters)
    batch: list[Any] = []

    def flush() -> Iterator[list[str]]:
        names = unit_names_for(user, {e.unit_path for e in batch})
        for entry in batch:
            view = entry_view(entry, user, names)
            yield [
                timezone.localtime(entry.at).strftime("%d/%m/%Y %H:%M"),
                entry.actor_name,
                view.action,
                view.object_type,
                entry.object_id,
                entry.object_repr,
                view.unit_name,
                changes_text(view),
            ]

    for entry in entries.iterator(chunk_size=CHUNK):
        batch.append(entry)
        if len(batch) == CHUNK:
            yield from flush()
            batch = []
    yield from flush()


def _xlsx(header: list[str], rows: Iterator[list[str]]) -> bytes:
    # Write-only: rows go straight to the file instead of being held as cell objects.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Nhật ký")[:31])
    for column, width in zip("ABCDEFGH", (17, 18, 30, 18, 16, 30, 24, 70), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([xlsx_cell(sheet, text, font=bold) for text in header])
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([*xlsx_row(sheet, row[:-1]), xlsx_cell(sheet, row[-1], alignment=wrap)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(header: list[str], rows: Iterator[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(text) for text in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    # The byte-order mark makes Excel on Windows open the file as UTF-8, so Vietnamese letters survive.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def audit_export(*, actor: Any, filters: AuditFilter, file_format: str) -> bytes:
    """The filtered entries ``actor`` may read, as an ``xlsx`` or ``csv`` file."""
    if file_format not in FORMATS:
        raise ValueError(file_format)
    render = _xlsx if file_format == "xlsx" else _csv
    content = render(audit_header(), audit_rows(actor, filters))
    log_action(
        actor=actor,
        action="giamngheo.audit.exported",
        object_type="audit",
        object_id=file_format,
        object_repr=_("Nhật ký thay đổi"),
        unit_path=filters.unit_path or user_home_path(actor),
        data={key: value for key, value in vars(filters).items() if value},
    )
    return content
