"""Text cells → typed record values, column by column (Polars expressions; no loop over rows).

Each column of ``columns`` is converted by its record kind, reading what officers type:

* dates ``15/04/2024``, ``15-04-2024``, ``15.04.2024``, ``2024-04-15``, a date cell, or an Excel day number;
* numbers ``1.200.000`` (dots group thousands), ``25,5`` (comma before decimals), ``1200000``; a trailing unit
  (``đ``, ``đồng``, ``m2``, ``m²``) is ignored;
* yes/no ``Có``/``Không``, ``x``, ``1``/``0`` (a blank cell is *not answered*, never *no*);
* coded answers by their Vietnamese label or record code, with or without diacritics (``Nữ``, ``nu``,
  ``female``), plus the variants in ``columns``;
* the information devices as a list of labels separated by ``,`` or ``;`` (``Không có`` = none).

A cell that cannot be read becomes null and an error naming the cell, the value and what was expected.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from giamngheo.imports import columns as cols
from giamngheo.imports.layout import SHEET
from giamngheo.imports.read import ROW

ERROR_SCHEMA = {SHEET: pl.String, ROW: pl.Int64, "field": pl.String, "value": pl.String, "message": pl.String}
EXCEL_EPOCH = pl.date(1899, 12, 30)
MASKED = r"^\*{9}\d{3}$"
_D = {"đ": "d", "Đ": "d"}


def folded(expr: pl.Expr) -> pl.Expr:
    """``core.text.fold`` as an expression: lower case, no diacritics, single spaces; punctuation other than
    the apostrophe dropped (``columns.answer_key``)."""
    return (
        expr.str.replace_many(_D).str.normalize("NFD").str.replace_all(r"\p{Mn}", "").str.to_lowercase()
        .str.replace_all(r"[^0-9a-z_']+", " ").str.strip_chars()
    )


def _clean(expr: pl.Expr) -> pl.Expr:
    """Trimmed, NFC, empty → null."""
    return expr.str.normalize("NFC").str.strip_chars().replace("", None)


def _number(expr: pl.Expr) -> pl.Expr:
    text = (expr.str.to_lowercase().str.replace_all(r"\s+", "")
            .str.replace(r"(đồng|dong|đ|vnd|m2|m²)$", ""))
    grouped = text.str.contains(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
    comma_decimal = text.str.contains(r"^-?\d+,\d+$")
    normal = (
        pl.when(grouped).then(text.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(comma_decimal).then(text.str.replace(",", "."))
        .otherwise(text)
    )
    return normal.cast(pl.Float64, strict=False)


def _date(expr: pl.Expr) -> pl.Expr:
    text = expr.str.replace_all(r"\s+", "").str.replace_all(r"[.\-]", "/")
    iso = expr.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    dmy = text.str.to_date("%d/%m/%Y", strict=False)
    serial = pl.when(expr.str.contains(r"^\d{4,5}$")).then(
        EXCEL_EPOCH + pl.duration(days=expr.cast(pl.Int64, strict=False)))
    # "2025-10-15 00:00:00" from a date-time cell
    stamp = expr.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    return pl.coalesce(iso, dmy, serial.cast(pl.Date), stamp)


def _parse_coded(column: cols.Column, text: str) -> Any:
    """One distinct cell of a coded column (trimmed, NFC) as its record value; None when it is not an answer."""
    key = cols.answer_key(text)
    if column.kind == "boolean":
        return cols.boolean_table().get(key)
    if column.name == "ethnicity":
        return cols.ethnicity_table().get(key, text)
    table = cols.answer_table(column.sheet, column.name)
    if column.kind == "enum":
        return table.get(key)
    # enum_list: items separated by , ; or new lines; "Không có" is the empty list.
    if key == cols.answer_key(cols.DEVICE_NONE):
        return []
    items: list[str] = []
    for part in cols.LIST_SEPARATORS.split(text):
        if not part.strip():
            continue
        code = table.get(cols.answer_key(part))
        if code is None:
            return None
        if code not in items:
            items.append(code)
    return items


_CODED_DTYPES: dict[str, pl.DataType] = {"boolean": pl.Boolean(), "enum": pl.String(),
                                          "enum_list": pl.List(pl.String()), "string": pl.String()}


def _coded(column: cols.Column, frame: pl.DataFrame) -> pl.Expr:
    """A coded column read through its distinct values: a province's file has a few dozen different spellings in
    a column of 350,000 cells, so each spelling is folded and looked up once, not once per cell."""
    distinct = frame.select(_clean(pl.col(column.name)).unique().drop_nulls().alias("u"))["u"].to_list()
    mapping = {text: _parse_coded(column, text) for text in distinct}
    dtype = _CODED_DTYPES[column.kind]
    return _clean(pl.col(column.name)).replace_strict(
        {k: v for k, v in mapping.items() if v is not None}, default=None, return_dtype=dtype)


def _is_coded(column: cols.Column) -> bool:
    return column.kind in ("boolean", "enum", "enum_list") or column.name == "ethnicity"


def _allowed(column: cols.Column) -> str:
    return ", ".join(label for _code, label in column.labels)


def _convert(column: cols.Column, frame: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, Vietnamese error message or null) of one column."""
    raw = _clean(pl.col(column.name))
    kind = column.kind
    if _is_coded(column):
        return _coded_messages(column, raw, _coded(column, frame))
    if kind in ("string",):
        value = raw
        if column.name == "citizen_id":
            value = raw.str.replace_all(r"[\s.\-]", "")
            # A masked ID (``*********123``, from an export by a role that may not see IDs) passes here: the
            # registry match puts back the stored ID of that member, or reports it (``match._restore_masked``).
            message = pl.when(value.is_not_null() & ~value.str.contains(r"^\d{12}$")
                              & ~value.str.contains(MASKED)).then(
                pl.lit(_("Số định danh cá nhân phải gồm đúng 12 chữ số. Nếu Excel đã bỏ mất số 0 ở đầu, hãy định "
                         "dạng cột là Văn bản (Text) rồi gõ lại.")))
            return value, message
        return value, pl.lit(None, dtype=pl.String)
    if kind == "date":
        value = _date(raw)
        message = pl.when(raw.is_not_null() & value.is_null()).then(pl.lit(
            _("không phải ngày hợp lệ (ghi theo dạng ngày/tháng/năm, ví dụ 15/04/2024)")))
        return value, message
    if kind in ("integer", "number"):
        number = _number(raw)
        bad = raw.is_not_null() & number.is_null()
        if kind == "integer":
            whole = number.is_not_null() & (number != number.round(0))
            problem = (pl.when(bad).then(pl.lit(_("không phải là số")))
                       .when(whole).then(pl.lit(_("phải là số nguyên"))))
            return pl.when(whole).then(None).otherwise(number).cast(pl.Int64, strict=False), problem
        return number, pl.when(bad).then(pl.lit(_("không phải là số")))
    raise ValueError(f"no reader for column kind {kind!r}")


def _coded_messages(column: cols.Column, raw: pl.Expr, value: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    bad = raw.is_not_null() & value.is_null()
    if column.kind == "boolean":
        text = _("không phải câu trả lời có/không (ghi “Có” hoặc “Không”, hoặc để trống nếu chưa hỏi)")
    elif column.kind == "enum":
        text = _("không có trong danh sách; chọn một trong: %(allowed)s") % {"allowed": _allowed(column)}
    elif column.kind == "enum_list":
        text = (_("có mục không có trong danh sách; ghi các mục cách nhau bởi dấu phẩy, chọn trong: %(allowed)s, hoặc "
                  "“%(none)s”") % {"allowed": _allowed(column), "none": cols.DEVICE_NONE})
    else:
        return value, pl.lit(None, dtype=pl.String)
    return value, pl.when(bad).then(pl.lit(text))


def convert(frame: pl.DataFrame, sheet: cols.Sheet) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed frame, errors) of one sheet's text frame. Errors: ``_sheet``, ``_sheet_row``, ``field`` (column
    name), ``value`` (the cell as written), ``message`` (Vietnamese, without the row and column)."""
    present = [c for c in cols.columns(sheet) if c.name in frame.columns]
    converted = [_convert(c, frame) for c in present]
    typed = frame.select(
        pl.col(SHEET), pl.col(ROW),
        *[value.alias(c.name) for c, (value, _m) in zip(present, converted, strict=True)],
        *[message.alias(f"{c.name}__error") for c, (_v, message) in zip(present, converted, strict=True)],
    )
    parts = []
    for column in present:
        error = f"{column.name}__error"
        bad = typed.filter(pl.col(error).is_not_null())
        if bad.height:
            values = frame.join(bad.select(SHEET, ROW), on=[SHEET, ROW], how="semi").select(
                SHEET, ROW, pl.col(column.name).alias("value"))
            parts.append(bad.select(SHEET, ROW, pl.lit(column.name).alias("field"), pl.col(error).alias("message"))
                         .join(values, on=[SHEET, ROW], how="left")
                         .select(list(ERROR_SCHEMA)))
    errors = pl.concat(parts) if parts else pl.DataFrame(schema=ERROR_SCHEMA)
    return typed.select(SHEET, ROW, *[c.name for c in present]), errors.cast(ERROR_SCHEMA)  # type: ignore[arg-type]
