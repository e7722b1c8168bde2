"""The resources summary as an Excel workbook: by source, by level (with the check that the rows add up) and the
reconciliation list; amounts in exact đồng so a spreadsheet can add them. Exporting is recorded in the trail."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from giamngheo.core.audit import log_action
from giamngheo.core.exports import xlsx_cell, xlsx_row
from giamngheo.support.selectors.resources import Mismatch, ResourceSummary, kind_label

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MONEY = "#,##0"


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    sheet = book.create_sheet(title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    sheet.append([xlsx_cell(sheet, text, font=bold) for text in header])
    for row in rows:
        cells = xlsx_row(sheet, row)
        for cell in cells:
            if isinstance(cell.value, int):
                cell.number_format = _MONEY
        sheet.append(cells)


def resources_workbook(summary: ResourceSummary, mismatches: list[Mismatch]) -> bytes:
    book = Workbook(write_only=True)
    money_header = [_("Huy động (đồng)"), _("Chi (đồng)"), _("Còn lại (đồng)")]
    by_source = [[r.label, r.flow.mobilised, r.flow.spent, r.flow.balance] for r in summary.by_source]
    by_source.append([_("Tổng cộng"), summary.total.mobilised, summary.total.spent, summary.total.balance])
    _sheet(book, _("Theo nguồn"), [_("Nguồn"), *money_header], by_source, [34, 20, 20, 20])
    by_level = [[r.unit.name, _("Cấp của đơn vị") if r.own else _("Xã/phường"), r.flow.mobilised, r.flow.spent,
                 r.flow.balance] for r in summary.by_level]
    by_level.append([_("Cộng các dòng"), "", summary.levels_total.mobilised, summary.levels_total.spent,
                     summary.levels_total.balance])
    by_level.append([_("Tổng của đơn vị"), _("Khớp") if summary.levels_add_up else _("Không khớp"),
                     summary.total.mobilised, summary.total.spent, summary.total.balance])
    _sheet(book, _("Theo cấp"), [_("Đơn vị"), _("Cấp"), *money_header], by_level, [34, 16, 20, 20, 20])
    _sheet(book, _("Đối chiếu"), [_("Loại"), _("Nội dung")],
           [[kind_label(m.kind), m.message] for m in mismatches] or [[_("Số liệu khớp"), ""]], [36, 120])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def resources_export(*, actor: Any, summary: ResourceSummary, mismatches: list[Mismatch]) -> bytes:
    """The workbook of a summary the actor was allowed to read, recorded in the audit trail."""
    content = resources_workbook(summary, mismatches)
    period = summary.period
    log_action(actor=actor, action="giamngheo.support.resources_exported", object_type="resource_entry",
               object_id=summary.unit.code, object_repr=f"{summary.unit.name} · {period.label}",
               unit_path=summary.unit.path,
               data={"year": period.year, "quarter": period.quarter, "month": period.month,
                     "mismatches": len(mismatches)})
    return content
