"""A published statistics table, uploaded as Excel or CSV, read into rows for the reconciliation check.

The file is read by the import reader (``imports/read.py``: header row found below any title lines, CSV
encodings and separators detected, spreadsheet row numbers kept), then bounded (``MAX_ROWS`` rows,
``MAX_COLUMNS`` columns; the view bounds the size). ``detect_layout`` guesses which column names the unit,
how rows nest and which columns are counts; the officer can change every choice. Numbers are read the
Vietnamese way (``12.345`` twelve thousand, ``4,03`` a decimal) and a cell that is not a number is an error
naming its row and column: the check never guesses a value.

How rows nest, in the order tried:

* a *parent* column ("Thuộc", "Đơn vị cấp trên", "Vùng"): the label of the row this one is a part of;
* a *level* column ("Cấp"): 1, 2, 3 or words ("Vùng", "Tỉnh"); a row is a part of the nearest row above it
  with a lower level;
* *indentation*: leading spaces in the label, deeper is a part of the nearest shallower row above.

A top row named like a grand total ("Cả nước", "Tổng cộng", …) has the other top rows as its parts, so the
national figure is checked against the regions.
"""

from __future__ import annotations

import contextlib
import functools
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from giamngheo.core.text import fold
from giamngheo.imports.read import ROW, ReadError, read_file
from giamngheo.stats.legacy import OldRow
from giamngheo.stats.reconcile import Number, Row

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 40
SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
MAX_ERRORS = 20  # more would bury the first ones; fixing those usually fixes the rest

EMPTY = {"", "-", "–", "—", "x", "..", "..."}
_RATE = re.compile(r"(ty le|%|binh quan|trung binh|rate|ratio|percent)")
# Row numbers and unit codes are numbers that are not figures: never summed.
_CODE = re.compile(r"^(stt|tt|so tt|so thu tu|ma|ma .*|code|no\.?)$")
_PARENT = re.compile(r"^(thuoc|don vi cap tren|cap tren|vung|thuoc vung|parent|region)")
_LEVEL = re.compile(r"^(cap|cap don vi|level)$")
_OLD_CODE = re.compile(r"^ma( xa| phuong| don vi| dvhc| so)*( cu)?$")
_HOUSEHOLDS = re.compile(r"^(tong )?(so )?ho( dan)?( dan cu)?$|^tong so ho")
_TOTAL = re.compile(r"^(ca nuoc|toan quoc|tong cong|tong so|tong|toan tinh|cong|total|viet nam)\b")


class TableError(Exception):
    """The table cannot be checked; ``messages`` are Vietnamese sentences naming rows and columns."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    cells: list[list[str | None]]  # one list per data row, one text (or None) per header
    sheet_rows: list[int]


@dataclass
class Layout:
    """Which column is what. ``structure``: ``parent``, ``level`` or ``indent``; ``structure_column`` for the
    first two."""

    label: int
    numbers: list[int] = field(default_factory=list)
    structure: str = "indent"
    structure_column: int | None = None
    code: int | None = None  # old commune codes, for a table keyed by pre-2025 communes
    denominator: int | None = None  # the households column rates are recomputed over


def read_table(path: Path) -> Table:
    """The first sheet of the file with a header row; ``TableError`` when it cannot be read or is too big."""
    if path.suffix.lower() not in SUFFIXES:
        raise TableError([_("Chỉ nhận tệp Excel (.xlsx, .xls, .ods) hoặc CSV (.csv).")])
    if path.stat().st_size > MAX_BYTES:
        raise TableError([_("Tệp lớn hơn %(max)s MB: hãy chỉ giữ lại bảng cần đối chiếu.") % {
            "max": MAX_BYTES // (1024 * 1024)}])
    try:
        sheet = read_file(path)[0]
    except ReadError as exc:
        raise TableError([str(exc)]) from exc
    if len(sheet.headers) > MAX_COLUMNS:
        raise TableError([_("Bảng có %(count)s cột, nhiều hơn mức cho phép là %(max)s cột.") % {
            "count": len(sheet.headers), "max": MAX_COLUMNS}])
    if sheet.frame.height > MAX_ROWS:
        raise TableError([_("Bảng có %(count)s dòng, nhiều hơn mức cho phép là %(max)s dòng.") % {
            "count": sheet.frame.height, "max": MAX_ROWS}])
    if sheet.frame.height == 0:
        raise TableError([_("Bảng không có dòng số liệu nào dưới dòng tiêu đề.")])
    names = [sheet.column_name(i) for i in range(len(sheet.headers))]
    cells = [list(r) for r in sheet.frame.select(names).iter_rows()]
    headers: list[str] = []
    for i, header in enumerate(sheet.headers):
        name = header or _("Cột %(number)s") % {"number": i + 1}
        # Values are keyed by header: two "Số hộ" columns must stay two columns.
        headers.append(name if name not in headers else f"{name} ({i + 1})")
    return Table(title=sheet.title, headers=headers, cells=cells, sheet_rows=sheet.frame[ROW].to_list())


def parse_number(text: str | None) -> Number | None:
    """A count or a decimal as written in a Vietnamese table, None for an empty cell ("-" included);
    ``ValueError`` when it is not a number.

    >>> [parse_number(t) for t in ["12.345", "1.057.374", "4,03", "1,057,374", "-", "−90", "(12)", "3.5"]]
    [12345, 1057374, 4.03, 1057374, None, -90, -12, 3.5]
    """
    if text is None:
        return None
    if text.isascii() and text.isdigit() and len(text) < 16:  # most cells: a count as a spreadsheet reads it
        return int(text)
    return _parse_written(text)


@functools.lru_cache(maxsize=65_536)  # a 20,000-row table repeats its written numbers ("1.200", "-") a lot
def _parse_written(text: str) -> Number | None:
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if raw in EMPTY:
        return None
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1]
    if raw[:1] in ("-", "−", "–"):
        negative, raw = True, raw[1:]
    if not raw or not re.fullmatch(r"[0-9.,]+", raw) or not raw[0].isdigit():
        raise ValueError(text)
    if "," in raw and "." in raw:
        decimal = "," if raw.rindex(",") > raw.rindex(".") else "."
        raw = raw.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif raw.count(".") > 1 or raw.count(",") > 1:
        sep = "." if "." in raw else ","
        if not re.fullmatch(rf"[0-9]{{1,3}}(\{sep}[0-9]{{3}})+", raw):
            raise ValueError(text)
        raw = raw.replace(sep, "")
    elif "." in raw:
        # A lone dot before exactly three digits groups thousands (Vietnamese); otherwise it is a decimal point.
        raw = raw.replace(".", "") if re.fullmatch(r"[0-9]{1,3}\.[0-9]{3}", raw) else raw
    elif "," in raw:
        # A lone comma is the Vietnamese decimal comma; the import reader writes decimals this way too.
        raw = raw.replace(",", ".")
    value: Number = float(raw) if "." in raw else int(raw)
    if isinstance(value, float) and value.is_integer() and "." not in (text or ""):
        value = int(value)
    return -value if negative else value


def _is_number(text: str | None) -> bool:
    try:
        parse_number(text)
    except ValueError:
        return False
    return True


def _indent(label: str | None) -> int:
    text = (label or "").replace("\t", "    ")
    return len(text) - len(text.lstrip(" \u00a0\u3000"))


def detect_layout(table: Table) -> Layout:
    """A first guess the officer confirms: the first text column names the unit; a "Thuộc"/"Vùng" column or a
    "Cấp" column gives the nesting, else indentation; count columns are those whose every filled cell is a
    number, rates and percentages left out (a rate is never summed: it is recomputed from counts)."""
    folded = [fold(h).strip(" :") for h in table.headers]
    columns = list(zip(*table.cells, strict=True)) if table.cells else [() for _h in table.headers]
    numeric = [any(c is not None for c in col) and all(_is_number(c) for c in col) for col in columns]
    structure, structure_column = "indent", None
    for i, name in enumerate(folded):
        if _PARENT.match(name) and not numeric[i]:
            structure, structure_column = "parent", i
            break
    else:
        for i, name in enumerate(folded):
            if _LEVEL.match(name):
                structure, structure_column = "level", i
                break
    label = next((i for i, name in enumerate(folded) if not numeric[i] and not _CODE.match(name)
                  and i != structure_column), 0)
    numbers = [i for i, name in enumerate(folded) if numeric[i] and not _RATE.search(name)
               and not _CODE.match(name) and i not in (label, structure_column)]
    code = next((i for i, name in enumerate(folded) if _OLD_CODE.match(name)), None)
    denominator = next((i for i in numbers if _HOUSEHOLDS.match(folded[i]) and "ngheo" not in folded[i]), None)
    return Layout(label=label, numbers=numbers, structure=structure, structure_column=structure_column,
                  code=code, denominator=denominator)


def _values(table: Table, layout: Layout, at: int, errors: list[str]) -> dict[str, Number | None]:
    values: dict[str, Number | None] = {}
    for column in layout.numbers:
        try:
            values[table.headers[column]] = parse_number(table.cells[at][column])
        except ValueError:
            errors.append(_column_error(table, at, column, table.cells[at][column]))
    return values


def _raise(errors: list[str]) -> None:
    if errors:
        more = len(errors) - MAX_ERRORS
        shown = errors[:MAX_ERRORS]
        if more > 0:
            shown.append(_("… và %(count)s lỗi khác.") % {"count": more})
        raise TableError(shown)


def _column_error(table: Table, at: int, column: int, value: str | None) -> str:
    return _("Dòng %(row)s, cột “%(column)s”: “%(value)s” không phải là số.") % {
        "row": table.sheet_rows[at], "column": table.headers[column], "value": (value or "")[:40]}


def _parents(table: Table, layout: Layout, labels: list[str]) -> tuple[list[int | None], list[str]]:
    """The index of each row's parent row, by the layout's structure; and errors."""
    parents: list[int | None] = []
    errors: list[str] = []
    if layout.structure == "parent" and layout.structure_column is not None:
        seen: dict[str, int] = {}
        for at, row in enumerate(table.cells):
            name = (row[layout.structure_column] or "").strip()
            if not name:
                parents.append(None)
            elif fold(name) in seen:
                parents.append(seen[fold(name)])
            else:
                parents.append(None)
                errors.append(_("Dòng %(row)s, cột “%(column)s”: không tìm thấy dòng “%(value)s” ở phía trên.") % {
                    "row": table.sheet_rows[at], "column": table.headers[layout.structure_column],
                    "value": name[:60]})
            seen[fold(labels[at])] = at  # the nearest row above with that name, if names repeat
        return parents, errors
    depths: list[float] = []
    if layout.structure == "level" and layout.structure_column is not None:
        words: dict[str, int] = {}
        for at, row in enumerate(table.cells):
            text = (row[layout.structure_column] or "").strip()
            try:
                number = parse_number(text)
            except ValueError:
                number = None
                # Words ("Vùng", "Tỉnh") rank in the order they first appear, the table being written top down.
                depths.append(words.setdefault(fold(text), len(words)))
                continue
            if number is None:
                errors.append(_("Dòng %(row)s, cột “%(column)s”: thiếu cấp của dòng.") % {
                    "row": table.sheet_rows[at], "column": table.headers[layout.structure_column]})
                depths.append(0)
            else:
                depths.append(float(number))
    else:
        depths = [float(_indent(row[layout.label])) for row in table.cells]
    stack: list[int] = []
    for at, depth in enumerate(depths):
        while stack and depths[stack[-1]] >= depth:
            stack.pop()
        parents.append(stack[-1] if stack else None)
        stack.append(at)
    return parents, errors


def table_rows(table: Table, layout: Layout) -> list[Row]:
    """The rows to check, numbers parsed; ``TableError`` naming every bad cell (up to ``MAX_ERRORS``)."""
    width = len(table.headers)
    if not 0 <= layout.label < width or any(not 0 <= c < width for c in layout.numbers) or (
            layout.structure_column is not None and not 0 <= layout.structure_column < width):
        raise TableError([_("Cột được chọn không có trong bảng.")])
    if not layout.numbers:
        raise TableError([_("Hãy chọn ít nhất một cột số liệu để đối chiếu.")])
    labels = [(row[layout.label] or "").strip() for row in table.cells]
    parents, errors = _parents(table, layout, labels)
    rows = [Row(index=at, label=labels[at] or _("(dòng %(row)s)") % {"row": table.sheet_rows[at]},
                parent=parents[at], values=_values(table, layout, at, errors), sheet_row=table.sheet_rows[at])
            for at in range(len(table.cells))]
    _raise(errors)
    return _with_grand_total(rows)


def old_rows(table: Table, layout: Layout) -> list[OldRow]:
    """The rows of a table keyed by old commune codes (``layout.code``); a row with no code (a total, a
    district heading) is not a commune and is left out."""
    if layout.code is None or not 0 <= layout.code < len(table.headers):
        raise TableError([_("Hãy chọn cột ghi mã xã cũ (mã đơn vị hành chính trước 01/07/2025).")])
    if not layout.numbers:
        raise TableError([_("Hãy chọn ít nhất một cột số liệu để đối chiếu.")])
    errors: list[str] = []
    rows = [OldRow(sheet_row=table.sheet_rows[at], code=(cells[layout.code] or "").strip(),
                   values=_values(table, layout, at, errors))
            for at, cells in enumerate(table.cells) if (cells[layout.code] or "").strip()]
    _raise(errors)
    return rows


def _with_grand_total(rows: list[Row]) -> list[Row]:
    """A top row named like a grand total becomes the parent of the other top rows."""
    tops = [r for r in rows if r.parent is None]
    total = next((r for r in tops if _TOTAL.match(fold(r.label))), None)
    if total is None or len(tops) < 2:
        return rows
    return [Row(r.index, r.label, total.index, r.values, r.sheet_row) if r.parent is None and r is not total
            else r for r in rows]


def checked_columns(table: Table, layout: Layout) -> list[str]:
    return [table.headers[c] for c in layout.numbers]


# -- the upload kept for the session ------------------------------------------------------------------------
# The file waits on disk under a random name known only to the session (5 MB at most, gone after
# KEEP_SECONDS), so the officer can change the column choices without uploading it again. It is not kept
# in the session itself: sessions are saved at every request.

SESSION_KEY = "stats_reconcile_upload"
KEEP_SECONDS = 2 * 60 * 60


def _upload_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "stats-reconcile"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for old in folder.iterdir():
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < limit:
                old.unlink()


def upload_keep(session: Any, upload: Any, *, mode: str) -> Path:
    """Keep ``upload`` for this session (replacing the one kept before) and return where it is."""
    folder = _upload_dir()
    _sweep(folder)
    upload_forget(session)
    suffix = Path(upload.name or "").suffix.lower()
    target = folder / f"{secrets.token_urlsafe(24)}{suffix if suffix in SUFFIXES else ''}"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    session[SESSION_KEY] = {"file": target.name, "name": (upload.name or "")[:200], "mode": mode}
    return target


def upload_path(session: Any) -> Path | None:
    kept = session.get(SESSION_KEY) or {}
    name = str(kept.get("file", ""))
    if not re.fullmatch(r"[A-Za-z0-9_-]{32}(\.[a-z]{3,4})?", name):
        return None
    found = _upload_dir() / name
    return found if found.exists() else None


def upload_name(session: Any) -> str:
    return str((session.get(SESSION_KEY) or {}).get("name", ""))


def upload_mode(session: Any) -> str:
    mode = str((session.get(SESSION_KEY) or {}).get("mode", "tong"))
    return mode if mode in ("tong", "don-vi-cu") else "tong"


def upload_forget(session: Any) -> None:
    found = upload_path(session)
    if found is not None:
        found.unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)
