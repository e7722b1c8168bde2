"""The annotated error workbook: the officer's own upload, each bad cell filled light red with a Vietnamese comment,
and a sheet "Lỗi" listing every error (issue 7, "Errors in the user's own workbook").

What the officer gets back:

* .xlsx / .xlsm — their workbook loaded with openpyxl (formulas, styles, other sheets kept; macros are not kept,
  the copy is a plain .xlsx);
* .xls / .ods / .csv — openpyxl cannot open these, so a plain .xlsx is rebuilt from the cells (read with
  python-calamine, or ``read.decode_csv`` and the separator the importer uses), each cell at the same row and
  column as in the upload, so the row numbers of the errors still point at the right cells;
* .zip (an ODK Central export, ``imports.odk``) — rebuilt the same way, one sheet per CSV, titled by its name.

Each bad cell is filled and gets one comment holding every error on that cell (``error_sentence`` of each). An error
on a missing column (``column_index`` None) goes on the first cell of the row it names (the header row) when that
sheet is in the file; otherwise it is only in the "Lỗi" sheet. Comments are heavy (one drawing shape each, slow to
open in Excel): past ``limit_comments`` cells, cells are only filled, and the "Lỗi" sheet still says everything.

A workbook annotated before and uploaded again (the usual loop: fix the copy, upload it) has its old "Lỗi" sheet
replaced, and this module's old comments and fills removed, so a fixed cell does not stay red.

Size and speed: an .xlsx is loaded and saved whole with openpyxl, so that everything the officer made stays. That
is the slow part: on the 2-core reference machine (openpyxl without lxml) a 30,000-row × 40-column workbook takes
about 35 s to load and 25 s to save; the errors themselves cost next to nothing. Past ``LARGE_ROWS`` rows in the
upload (counted from the sheets' recorded dimensions, not by reading them), loading it whole would take minutes and
gigabytes, so the result is a new workbook with only the "Lỗi" sheet and a note above the table saying why.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from giamngheo.core.exports import xlsx_cell
from giamngheo.imports.columns import ERRORS_TITLE
from giamngheo.imports.read import _separator, decode_csv

LARGE_ROWS = 100_000
EXCEL_MAX_ROWS = 1_048_576
COMMENT_AUTHOR = "giamngheo"
# Excel's own "bad" red, one step lighter, so an officer's own red cells are not mistaken for ours on a re-upload.
ERROR_COLOUR = "FFFFC9CE"
ERROR_FILL = PatternFill("solid", fgColor=ERROR_COLOUR)
_BOLD = Font(bold=True)
_EXCEL_TITLE_CHARACTERS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def error_sentence(error: Mapping[str, Any]) -> str:
    """One error as the officer reads it: "Dòng 17, cột Ngày sinh: '31/02/1990' không phải ngày hợp lệ…".

    The value is quoted only when the message is a predicate about it (starts lower-case); a whole sentence
    ("Thiếu cột …") stands alone."""
    message = str(error.get("message") or "")
    value = error.get("value")
    value_text = "" if value is None else str(value)
    place: dict[str, Any] = {"row": error.get("row"), "column": error.get("column") or ""}
    if value_text and message[:1].islower():
        if place["column"]:
            return _("Dòng %(row)s, cột %(column)s: '%(value)s' %(message)s") % {
                **place, "value": value_text, "message": message}
        return _("Dòng %(row)s: '%(value)s' %(message)s") % {**place, "value": value_text, "message": message}
    if place["column"]:
        return _("Dòng %(row)s, cột %(column)s: %(message)s") % {**place, "message": message}
    return _("Dòng %(row)s: %(message)s") % {**place, "message": message}


def _excel_title(title: str) -> str:
    """A CSV file stem as an Excel sheet title (31 characters, none of []:*?/\\)."""
    return (title.translate(_EXCEL_TITLE_CHARACTERS).strip("'")[:31]) or "Sheet1"


def _plain_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return None if value == "" else value


def _write_rows(sheet: Worksheet, rows: Iterator[list[Any]]) -> None:
    for row in rows:
        cells = []
        for value in row:
            cell = xlsx_cell(sheet, _plain_value(value))
            if isinstance(cell.value, dt.date):
                cell.number_format = "dd/mm/yyyy" if not isinstance(cell.value, dt.datetime) else "dd/mm/yyyy hh:mm"
            cells.append(cell)
        sheet.append(cells)


def _csv_rows(upload: Path) -> tuple[str, list[list[str]]]:
    text = decode_csv(upload.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text.split("\n", 1)[0]))
    return upload.stem, list(reader)


def _zip_tables(upload: Path) -> list[tuple[str, list[list[str]]]]:
    from giamngheo.imports.odk import zip_tables

    return zip_tables(upload)


def _count_rows(upload: Path) -> int:
    """Rows in the upload, cheaply (the sheets' recorded dimensions; lines of a CSV), to choose the large-file path."""
    suffix = upload.suffix.lower()
    if suffix == ".zip":  # an ODK Central export: its CSVs (``imports.odk``)
        return sum(len(rows) for _name, rows in _zip_tables(upload))
    if suffix in (".csv", ".txt"):
        with upload.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    if suffix in (".xlsx", ".xlsm"):
        recorded = _recorded_rows(upload)
        if recorded is not None:
            return recorded
    from python_calamine import CalamineWorkbook

    calamine = CalamineWorkbook.from_path(str(upload))
    try:
        return sum(calamine.get_sheet_by_name(name).total_height for name in calamine.sheet_names)
    finally:
        calamine.close()


def _recorded_rows(upload: Path) -> int | None:
    """Rows of an .xlsx from each sheet's ``<dimension>`` (the first bytes of its XML), None when one lacks it."""
    total = 0
    with zipfile.ZipFile(upload) as archive:
        for name in archive.namelist():
            if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", name):
                continue
            with archive.open(name) as member:
                start = member.read(4096).decode("utf-8", "replace")
            found = re.search(r'<(?:\w+:)?dimension ref="[A-Z]*\d*:?[A-Z]*(\d+)"', start)
            if found is None:
                return None
            total += int(found.group(1))
    return total


def _rebuilt(upload: Path) -> tuple[Workbook, dict[str, str]]:
    """A plain workbook holding the cells of a CSV, .xls or .ods at their positions; sheet names of the errors →
    titles in the new workbook."""
    workbook = Workbook()
    default = workbook.active
    titles: dict[str, str] = {}
    if upload.suffix.lower() in (".csv", ".txt", ".zip"):
        for name, rows in _zip_tables(upload) if upload.suffix.lower() == ".zip" else [_csv_rows(upload)]:
            sheet = workbook.create_sheet(_excel_title(name))
            titles[name] = sheet.title
            _write_rows(sheet, iter(rows))
    else:
        from python_calamine import CalamineWorkbook

        calamine = CalamineWorkbook.from_path(str(upload))
        try:
            for name in calamine.sheet_names:
                # skip_empty_area=False: cells stay where they were, even when the sheet starts at C3.
                cells = calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)
                sheet = workbook.create_sheet(_excel_title(name))
                titles[name] = sheet.title
                _write_rows(sheet, iter(cells))
        finally:
            calamine.close()
    if default is not None and len(workbook.worksheets) > 1:
        workbook.remove(default)
    return workbook, titles


def _clear_previous_annotation(workbook: Workbook) -> None:
    """Removes an earlier run's "Lỗi" sheet, comments and fills, so that only the current errors show."""
    if ERRORS_TITLE not in workbook.sheetnames:
        return
    workbook.remove(workbook[ERRORS_TITLE])
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == COMMENT_AUTHOR:
                    cell.comment = None
                if cell.has_style and cell.fill.fgColor.rgb == ERROR_COLOUR:
                    cell.fill = PatternFill()


def _annotate_cells(workbook: Workbook, titles: Mapping[str, str], errors: list[Mapping[str, Any]],
                    limit_comments: int) -> None:
    by_cell: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for error in errors:
        title = titles.get(str(error.get("sheet")), str(error.get("sheet")))
        row = error.get("row")
        if title not in workbook.sheetnames or not isinstance(row, int) or row < 1:
            continue
        index = error.get("column_index")
        column = (index if isinstance(index, int) and index >= 0 else 0) + 1
        by_cell[(title, row, column)].append(error_sentence(error))
    for number, ((title, row, column), sentences) in enumerate(by_cell.items()):
        sheet = workbook[title]
        cell = sheet.cell(row=row, column=column)
        if isinstance(cell, MergedCell):  # only the top-left cell of a merged block can carry a fill and a note
            block = next(r for r in sheet.merged_cells.ranges if cell.coordinate in r)
            cell = sheet.cell(row=block.min_row, column=block.min_col)
        cell.fill = ERROR_FILL
        if number >= limit_comments:
            continue
        text = "\n".join(sentences)
        if isinstance(cell, Cell) and cell.comment is not None:
            text = f"{text}\n\n{cell.comment.text}"  # the officer's own note stays, below ours
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width = 360
        comment.height = min(600, 30 + 18 * (len(text) // 50 + text.count("\n") + 1))
        cell.comment = comment


def _errors_sheet(workbook: Workbook, errors: list[Mapping[str, Any]], note: str | None) -> None:
    sheet = workbook.create_sheet(ERRORS_TITLE)
    top = 1
    if note:
        sheet.append([xlsx_cell(sheet, note, font=_BOLD)])
        sheet.append([])
        top = 3
    header = [_("Trang"), _("Dòng"), _("Cột"), _("Trường"), _("Giá trị"), _("Lỗi")]
    sheet.append([xlsx_cell(sheet, text, font=_BOLD) for text in header])
    room = EXCEL_MAX_ROWS - top
    for error in errors[:room]:
        value = error.get("value")
        sheet.append([xlsx_cell(sheet, v) for v in (
            str(error.get("sheet") or ""), error.get("row"), str(error.get("column") or ""),
            str(error.get("field") or ""), "" if value is None else str(value), str(error.get("message") or ""))])
    for letter, width in zip("ABCDEF", (18, 8, 28, 28, 24, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{top + 1}"
    last = top + min(len(errors), room)
    if errors:
        table = Table(displayName="giamngheo_loi", ref=f"A{top}:{get_column_letter(len(header))}{last}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        sheet.add_table(table)
    else:
        sheet.auto_filter.ref = f"A{top}:F{top}"
    workbook.active = workbook.sheetnames.index(ERRORS_TITLE)


def annotate(upload: Path, errors: Iterable[Mapping[str, Any]], *, limit_comments: int = 20000) -> bytes:
    """The officer's upload with its errors marked, as .xlsx bytes (see the module docstring for what is kept,
    the comment limit and the large-file rule).

    ``errors``: dicts with ``sheet`` (title as in the file; a CSV's file stem), ``row`` (spreadsheet row, 1-based),
    ``column_index`` (0-based, None for a missing column), ``column`` (header text), ``field`` (record path),
    ``value`` and ``message`` (Vietnamese, without the row and column)."""
    error_list = list(errors)
    if _count_rows(upload) > LARGE_ROWS:
        workbook = Workbook()
        default = workbook.active
        _errors_sheet(workbook, error_list, _(
            "Tệp có hơn %(rows)s dòng, quá lớn để đánh dấu từng ô: danh sách dưới đây ghi đủ mọi lỗi với trang, dòng "
            "và cột.") % {"rows": f"{LARGE_ROWS:,}".replace(",", ".")})
        if default is not None:
            workbook.remove(default)
    else:
        if upload.suffix.lower() in (".xlsx", ".xlsm"):
            workbook = openpyxl.load_workbook(upload)
            _clear_previous_annotation(workbook)
            titles: dict[str, str] = {}
        else:
            workbook, titles = _rebuilt(upload)
        _annotate_cells(workbook, titles, error_list, limit_comments)
        _errors_sheet(workbook, error_list, None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
