"""Reading an uploaded workbook or CSV into sheets of text cells.

Excel (.xlsx, .xlsm, .xls) and OpenDocument (.ods) are read with python-calamine, row by row, and turned into
Polars string columns chunk by chunk, so a large workbook is never held as Python objects all at once. A typed
cell becomes the text an officer would have typed: a date cell ``2025-10-15``, a whole number ``1200000``, a
boolean ``true``. CSV is UTF-8 (with or without BOM), or Windows-1258 / Windows-1252, detected; the separator is
``;``, ``,`` or a tab, detected from the header line.

Every sheet keeps the spreadsheet's own row numbers (header = row 1) in ``_sheet_row``, so an error can name the
cell the officer must fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

ROW = "_sheet_row"
CHUNK_ROWS = 100_000
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt")
MAX_COLUMNS = 200  # far beyond any survey sheet; a sheet this wide is not a household list
MAX_HEADER_SCAN = 10  # rows looked at to find the header row (titles above it are common)


class ReadError(Exception):
    """The file cannot be read at all; one Vietnamese sentence for the officer."""


@dataclass
class RawSheet:
    """A sheet as text: ``headers`` as written, one string column per header (``c0``, ``c1``…), ``_sheet_row``."""

    title: str
    headers: list[str]
    header_row: int
    frame: pl.DataFrame

    def column_name(self, index: int) -> str:
        return f"c{index}"


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # A decimal comma: "123.456" would read as a thousands grouping (1.200.000) and come back as 123456.
        return f"{value:.15g}".replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _header_index(rows: list[list[Any]]) -> int:
    """The header row: the first of the first rows with at least two non-empty text cells and no more empty
    cells than filled ones (a title line "DANH SÁCH HỘ …" above the table has one cell)."""
    for index, row in enumerate(rows[:MAX_HEADER_SCAN]):
        filled = [c for c in row if isinstance(c, str) and c.strip()]
        if len(filled) >= 2 and len(filled) * 2 >= len([c for c in row if c not in (None, "")]):
            return index
    return 0


def _frame(columns: list[Any], rows: list[int]) -> pl.DataFrame:
    data: dict[str, Any] = {f"c{i}": pl.Series(f"c{i}", col, dtype=pl.String) for i, col in enumerate(columns)}
    data[ROW] = pl.Series(ROW, rows, dtype=pl.Int64)
    return pl.DataFrame(data)


def _sheet_from_rows(title: str, rows: Iterator[list[Any]]) -> RawSheet | None:
    head: list[list[Any]] = []
    for row in rows:
        head.append(list(row))
        if len(head) >= MAX_HEADER_SCAN:
            break
    if not head:
        return None
    at = _header_index(head)
    headers = [(_text(c) or "").strip() for c in head[at]]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        return None
    if len(headers) > MAX_COLUMNS:
        raise ReadError(_("Trang “%(sheet)s” có %(count)d cột, quá nhiều cho một danh sách hộ (tối đa %(max)d).")
                        % {"sheet": title, "count": len(headers), "max": MAX_COLUMNS})
    width = len(headers)
    chunks: list[pl.DataFrame] = []
    block: list[list[Any]] = []
    start = at + 2  # the spreadsheet's number of the first row after the header

    # Rows after the header, a block at a time: cells are turned into text column by column (a column of text
    # cells, the usual case, goes to Polars as it is), not cell by cell in Python.
    for row in _chain(head[at + 1:], rows):
        block.append(row)
        if len(block) >= CHUNK_ROWS:
            chunks.append(_block_frame(block, width, start))
            start += len(block)
            block = []
    chunks.append(_block_frame(block, width, start))
    frame = pl.concat(chunks)
    # Blank lines between blocks are common; they are not households.
    frame = frame.filter(~pl.all_horizontal(pl.col(f"c{i}").is_null() for i in range(width)))
    return RawSheet(title=title, headers=headers, header_row=at + 1, frame=frame)


def _chain(first: list[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


_TEXT_TYPES = {str, type(None)}


def _block_frame(block: list[list[Any]], width: int, start: int) -> pl.DataFrame:
    if not block:
        return _frame([[] for _ in range(width)], [])
    padded = [row[:width] if len(row) >= width else [*row, *([None] * (width - len(row)))] for row in block]
    columns: list[Any] = []
    for values in zip(*padded, strict=True):
        if set(map(type, values)) <= _TEXT_TYPES:
            columns.append(values)
        else:
            columns.append([_text(value) for value in values])
    frame = _frame(columns, list(range(start, start + len(block))))
    # "" and white space only are empty cells, as ``_text`` has it.
    return frame.with_columns(pl.when(pl.col(f"c{i}").str.strip_chars() == "").then(None)
                              .otherwise(pl.col(f"c{i}")).alias(f"c{i}") for i in range(width))


def read_excel(path: Path) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 — calamine raises its own error types for every kind of bad file
        raise ReadError(_("Không đọc được tệp Excel: tệp bị hỏng, có mật khẩu, hoặc không phải tệp Excel.")) from exc
    sheets: list[RawSheet] = []
    try:
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            # calamine's rows start at row 1 but its columns at the first used column: pad them back into place
            # so that column indexes (and the error workbook's marks) are the sheet's own.
            offset = sheet.start[1] if sheet.start else 0
            rows = iter(sheet.iter_rows()) if not offset else ([None] * offset + list(r) for r in sheet.iter_rows())
            raw = _sheet_from_rows(name, rows)
            if raw is not None:
                sheets.append(raw)
    finally:
        workbook.close()
    return sheets


_VIETNAMESE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ]|[\u0300\u0301\u0303\u0309\u0323]")


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1258 when the text reads as Vietnamese, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1258", "cp1252"):
        try:
            text = unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
        if encoding == "cp1252" or _VIETNAMESE.search(unicodedata.normalize("NFD", text)):
            return text
    raise ReadError(_("Không nhận ra bảng mã của tệp CSV. Hãy lưu lại tệp bằng Excel với kiểu "
                      "“CSV UTF-8 (Comma delimited)” rồi tải lên lại."))


def _separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_csv(path: Path) -> list[RawSheet]:
    text = decode_csv(path.read_bytes())
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first))
    try:
        sheet = _sheet_from_rows(path.stem, iter(reader))
    except csv.Error as exc:
        raise ReadError(_("Tệp CSV bị lỗi định dạng: %(error)s") % {"error": exc}) from exc
    return [sheet] if sheet is not None else []


def read_file(path: Path) -> list[RawSheet]:
    """Every non-empty sheet of the file; raises ``ReadError`` with a Vietnamese sentence."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        sheets = read_excel(path)
    elif suffix in CSV_SUFFIXES:
        sheets = read_csv(path)
    else:
        raise ReadError(_("Chỉ nhận tệp Excel (.xlsx, .xls, .ods) hoặc CSV (.csv)."))
    if not sheets:
        raise ReadError(_("Tệp không có dữ liệu: không tìm thấy trang nào có dòng tiêu đề và dữ liệu."))
    return sheets
