"""The result table as officers hand it in, in Excel: title rows naming the unit, year, standard and when the
figures were taken, merged headers over each block, ``#,##0`` and ``0.00%`` formats (Excel shows the reader's
separators), frozen panes, landscape A4 fit to width with the header rows repeated, and the signature block.

Every text cell goes through ``core.exports.xlsx_row``/``xlsx_cell``: unit names are typed by officers, and a
name starting with "=" must stay text. The sheet helpers here are shared with the province report
(``tables/report.py``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from giamngheo.core.exports import xlsx_row
from giamngheo.stats.measures import CLASS_LABELS, CLASSES
from giamngheo.stats.tables.result import SUBTOTAL, TOTAL, UNIT, ResultTable, columns, printed_rows

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00%"
DECIMAL_FORMAT = "#,##0.000"
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")
_BOLD = Font(bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def new_workbook() -> Workbook:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    return book


def sheet_name(text: str) -> str:
    """Excel allows 31 characters and none of ``[]:*?/\\`` in a sheet's name."""
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text[:31]


def title_rows(sheet: Worksheet, lines: Sequence[str], width: int) -> int:
    """The title (bold, larger) and the lines under it, each merged across the table; returns the next row."""
    for index, text in enumerate(lines, start=1):
        sheet.append(xlsx_row(sheet, [text]))
        sheet.merge_cells(start_row=index, start_column=1, end_row=index, end_column=width)
        cell = sheet.cell(row=index, column=1)
        cell.alignment = Alignment(horizontal="center", wrap_text=False)
        cell.font = Font(bold=True, size=13) if index == 1 else Font(italic=index > 2, bold=index == 2)
    sheet.append([])
    return len(lines) + 2


def header_rows(sheet: Worksheet, top: list[tuple[str, int]], bottom: list[str | None], first_row: int) -> int:
    """Two header rows: ``top`` is (label, span) — a span of 1 whose ``bottom`` is None is merged down over both
    rows; returns the first data row."""
    sheet.append(xlsx_row(sheet, _spread(top)))
    sheet.append(xlsx_row(sheet, ["" if b is None else b for b in bottom]))
    column = 1
    for _label, span in top:
        if span > 1:
            sheet.merge_cells(start_row=first_row, start_column=column, end_row=first_row,
                              end_column=column + span - 1)
        elif bottom[column - 1] is None:
            sheet.merge_cells(start_row=first_row, start_column=column, end_row=first_row + 1, end_column=column)
        column += span
    for row in (first_row, first_row + 1):
        for index in range(1, len(bottom) + 1):
            cell = sheet.cell(row=row, column=index)
            cell.font, cell.alignment, cell.border, cell.fill = _BOLD, _CENTER, _BOX, _HEAD_FILL
    sheet.row_dimensions[first_row + 1].height = 45
    return first_row + 2


def _spread(top: list[tuple[str, int]]) -> list[str]:
    out: list[str] = []
    for label, span in top:
        out += [label] + [""] * (span - 1)
    return out


def data_row(sheet: Worksheet, values: list[Any], formats: list[str | None], *, bold: bool = False) -> int:
    """One row of the table, with borders and each number's format; "–" for an unknown number (a rate over no
    households), never 0."""
    sheet.append(xlsx_row(sheet, ["–" if v is None and f else v for v, f in zip(values, formats, strict=True)]))
    row = sheet.max_row
    for index, number_format in enumerate(formats, start=1):
        cell = sheet.cell(row=row, column=index)
        cell.border = _BOX
        if number_format:
            cell.number_format = number_format
            cell.alignment = Alignment(horizontal="right")
        if bold:
            cell.font = _BOLD
    return row


def signature_rows(sheet: Worksheet, width: int) -> None:
    """The place-and-date line, then "Người lập biểu" on the left and "Thủ trưởng đơn vị" on the right, with
    room to sign."""
    sheet.append([])
    left_end, right_start = max(2, width // 3), max(3, width - width // 3 + 1)
    date_row = sheet.max_row + 1
    sheet.append(xlsx_row(sheet, [""] * (right_start - 1) + [_("…………, ngày …… tháng …… năm ……")]))
    sheet.merge_cells(start_row=date_row, start_column=right_start, end_row=date_row, end_column=width)
    sheet.cell(row=date_row, column=right_start).alignment = Alignment(horizontal="center")
    sheet.cell(row=date_row, column=right_start).font = Font(italic=True)
    for offset, (left, right, style) in enumerate((
            (_("Người lập biểu"), _("Thủ trưởng đơn vị"), _BOLD),
            (_("(Ký, ghi rõ họ tên)"), _("(Ký, ghi rõ họ tên, đóng dấu)"), Font(italic=True)))):
        row = date_row + 1 + offset
        sheet.append(xlsx_row(sheet, [left] + [""] * (right_start - 2) + [right]))
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=left_end)
        sheet.merge_cells(start_row=row, start_column=right_start, end_row=row, end_column=width)
        for column in (1, right_start):
            sheet.cell(row=row, column=column).alignment = Alignment(horizontal="center")
            sheet.cell(row=row, column=column).font = style


def print_setup(sheet: Worksheet, *, header_first: int, freeze: str, widths: Sequence[float]) -> None:
    """Landscape A4, fit to one page wide, the two header rows repeated on every printed page."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = freeze
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_first}:{header_first + 1}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_options.horizontalCentered = True


def table_titles(table: ResultTable, title: str) -> list[str]:
    unit = table.unit
    return [
        title.upper(),
        _("Đơn vị: %(unit)s") % {"unit": unit.name if unit.level == "province" or unit.parent is None
                                  else f"{unit.name}, {unit.parent.name}"},
        _("Chuẩn nghèo: %(standard)s") % {"standard": table.standard_title or "–"},
        _("%(as_of)s. Tỷ lệ đầu năm tính trên tổng số hộ năm %(before)s, tỷ lệ cuối năm trên tổng số hộ năm "
          "%(year)s.") % {"as_of": table.as_of, "before": table.year - 1, "year": table.year},
    ]


def result_sheet(book: Workbook, table: ResultTable, klass: str) -> Worksheet:
    """One class's result table as a sheet."""
    sheet = book.create_sheet(sheet_name(str(CLASS_LABELS[klass])))
    cols = columns(klass)
    width = 3 + len(cols)
    header_first = title_rows(sheet, table_titles(table, table.title(klass)), width)
    top: list[tuple[str, int]] = [(_("STT"), 1), (table.child_label, 1), (_("Tổng số hộ"), 1)]
    for column in cols:
        if top[-1][0] == column.group:
            top[-1] = (column.group, top[-1][1] + 1)
        else:
            top.append((column.group, 1))
    first = header_rows(sheet, top, [None, None, None, *[c.label for c in cols]], header_first)
    formats: list[str | None] = [None, None, COUNT_FORMAT, *[RATE_FORMAT if c.rate else COUNT_FORMAT for c in cols]]
    for row in printed_rows(table, klass):
        if row.kind == "heading":
            index = data_row(sheet, [row.number, row.name] + [""] * (width - 2), [None] * width, bold=True)
            sheet.merge_cells(start_row=index, start_column=2, end_row=index, end_column=width)
            continue
        data_row(sheet, [row.number, row.name, row.households, *row.cells], formats,
                 bold=row.kind in (SUBTOTAL, TOTAL))
    if not table.lines:
        sheet.append(xlsx_row(sheet, ["", _("Năm này chưa có số liệu tổng hợp.")]))
    signature_rows(sheet, width)
    print_setup(sheet, header_first=header_first, freeze=f"C{first}",
                widths=[6, 30, 11, *[11 for _c in cols]])
    return sheet


def simple_sheet(book: Workbook, name: str, titles: list[str], headers: list[str], rows: list[list[Any]],
                 formats: list[str | None], widths: Sequence[float], *, bold_last: bool = False) -> Worksheet:
    """A sheet of one header row and data rows, titled, bordered, signed and set up for printing like the
    result table (the report's other figures)."""
    sheet = book.create_sheet(sheet_name(name))
    width = len(headers)
    first = title_rows(sheet, titles, width)
    sheet.append(xlsx_row(sheet, headers))
    for index in range(1, width + 1):
        cell = sheet.cell(row=first, column=index)
        cell.font, cell.alignment, cell.border, cell.fill = _BOLD, _CENTER, _BOX, _HEAD_FILL
    sheet.row_dimensions[first].height = 45
    for index, values in enumerate(rows):
        data_row(sheet, values, formats, bold=bold_last and index == len(rows) - 1)
    if not rows:
        sheet.append(xlsx_row(sheet, [_("Chưa có số liệu.")]))
    signature_rows(sheet, max(width, 3))
    print_setup(sheet, header_first=first, freeze=f"B{first + 1}", widths=widths)
    sheet.print_title_rows = f"{first}:{first}"
    return sheet


def result_workbook(table: ResultTable) -> bytes:
    """The result table of both classes: one sheet each."""
    book = new_workbook()
    for klass in CLASSES:
        result_sheet(book, table, klass)
    return save(book)


def save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["CONTENT_TYPE", "UNIT", "result_sheet", "result_workbook"]


def list_workbook(households: Any) -> bytes:
    """A household list (``tables.household_lists.HouseholdList``) as one sheet, titled and signed like the
    tables."""
    from giamngheo.stats.tables.household_lists import list_columns

    book = new_workbook()
    sheet = book.create_sheet(sheet_name(str(households.kind.label)))
    cols = list_columns(households)
    width = len(cols)
    unit = households.unit
    lines = [households.title, _("Đơn vị: %(unit)s") % {"unit": unit.name}]
    if households.hidden:
        lines.append(_("Không hiển thị %(count)s hộ hiện đăng ký ngoài phạm vi bạn được xem.") % {
            "count": households.hidden})
    first = title_rows(sheet, lines, width)
    sheet.append(xlsx_row(sheet, [label for _key, label in cols]))
    for index in range(1, width + 1):
        cell = sheet.cell(row=first, column=index)
        cell.font, cell.alignment, cell.border, cell.fill = _BOLD, _CENTER, _BOX, _HEAD_FILL
    for row in households.rows:
        data_row(sheet, [int(row["number"]), *[row[key] for key, _label in cols[1:]]], [COUNT_FORMAT] +
                 [None] * (width - 1))
    signature_rows(sheet, width)
    widths = {"number": 6, "head_name": 28, "code": 18, "citizen_id": 18, "hamlet": 24, "commune": 24, "class": 24}
    print_setup(sheet, header_first=first, freeze=f"C{first + 1}", widths=[widths[key] for key, _l in cols])
    sheet.print_title_rows = f"{first}:{first}"
    return save(book)
