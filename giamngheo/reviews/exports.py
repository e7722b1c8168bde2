"""The movements table as an Excel workbook: one sheet per class (poor, near-poor), each with the whole
area, then urban, then rural, one row per child unit and the total. Exporting is recorded in the audit
trail (who took which unit's figures out of the system)."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from giamngheo.core.audit import log_action
from giamngheo.core.exports import xlsx_row
from giamngheo.reviews.ledger import ENTRIES, EXITS
from giamngheo.reviews.movements import (
    AREA_LABELS,
    AREAS,
    CLASS_LABELS,
    CLASSES,
    COLUMN_LABELS,
    MovementTable,
)

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FLAG = PatternFill("solid", fgColor="F8D7DA")


def _header(klass: str) -> list[str]:
    labels = COLUMN_LABELS[klass]
    return [
        _("Khu vực"), _("Mã đơn vị"), _("Tên đơn vị"), _("Tổng số hộ"), _("Đầu năm (số hộ)"), _("Tỷ lệ đầu năm"),
        *[_("Giảm: %(label)s") % {"label": labels[c]} for c in EXITS[klass]],
        *[_("Tăng: %(label)s") % {"label": labels[c]} for c in ENTRIES[klass]],
        _("Cuối năm (số hộ)"), _("Tỷ lệ cuối năm"), _("Trong đó: hộ dân tộc thiểu số"),
        _("Đầu năm − giảm + tăng = cuối năm"),
    ]


def movements_workbook(table: MovementTable) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    bold = Font(bold=True)
    for klass in CLASSES:
        sheet = book.create_sheet(str(CLASS_LABELS[klass])[:31])
        # Every row through xlsx_row: unit names are typed by officers, and "=…" must stay text.
        sheet.append(xlsx_row(sheet, [_("Biến động %(class)s năm %(year)s — %(unit)s") % {
            "class": str(CLASS_LABELS[klass]).lower(), "year": table.year, "unit": table.unit.name}]))
        sheet.append(xlsx_row(sheet, [_("Chuẩn nghèo: %(standard)s") % {"standard": table.standard_title}]))
        sheet.append([])
        header = _header(klass)
        sheet.append(xlsx_row(sheet, header))
        for cell in sheet[4]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet["A1"].font = Font(bold=True, size=13)
        for area in AREAS:
            for line in table.lines(klass, area):
                sheet.append(xlsx_row(sheet, [
                    str(AREA_LABELS[area]), line.unit_code, line.unit_name, line.households, line.counts["start"],
                    line.start_rate, *[line.counts[c] for c in EXITS[klass]],
                    *[line.counts[c] for c in ENTRIES[klass]], line.counts["end"], line.end_rate,
                    line.counts["end_ethnic_minority"], _("Khớp") if line.ok else _("KHÔNG KHỚP"),
                ]))
                row = sheet.max_row
                rate_columns = (6, 7 + len(EXITS[klass]) + len(ENTRIES[klass]) + 1)
                for column in rate_columns:
                    sheet.cell(row=row, column=column).number_format = "0.00%"
                if line.is_total:
                    for cell in sheet[row]:
                        cell.font = bold
                if not line.ok:
                    for cell in sheet[row]:
                        cell.fill = _FLAG
        sheet.freeze_panes = "D5"
        for index in range(1, len(header) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 28 if index == 3 else 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def movements_export(*, actor: Any, table: MovementTable) -> bytes:
    """The workbook of a table the actor was allowed to read (the selector checked the scope), recorded
    in the audit trail."""
    content = movements_workbook(table)
    log_action(
        actor=actor, action="giamngheo.review.movements_exported", object_type="review_movements",
        object_id=table.unit.code, object_repr=f"{table.unit.name} · {table.year} · {table.standard_id}",
        unit_path=table.unit.path,
        data={"year": table.year, "standard": table.standard_id, "failures": len(table.failures())},
    )
    return content
