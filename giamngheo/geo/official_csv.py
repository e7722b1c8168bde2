"""Reading the official Decision 19/2025 table of communes from a CSV file.

One row per commune-level unit. Columns are found by their header, in Vietnamese or English, with or
without diacritics, in any order (other columns are ignored):

=================  ===========================================================================
column             accepted headers (case and diacritics ignored)
=================  ===========================================================================
province code      Mã tỉnh, Mã tỉnh/thành phố, Mã ĐVHC cấp tỉnh, province_code
province name      Tên tỉnh, Tên tỉnh/thành phố, Tỉnh/thành phố, Tên ĐVHC cấp tỉnh, province_name
commune code       Mã xã, Mã xã/phường, Mã xã/phường/đặc khu, Mã ĐVHC cấp xã, commune_code, ward_code
commune name       Tên xã, Tên xã/phường, Tên xã/phường/đặc khu, Tên ĐVHC cấp xã, commune_name, ward_name
type (optional)    Loại, Loại ĐVHC, Cấp, type — Xã, Phường or Đặc khu; without it, the name must start with it
=================  ===========================================================================

Codes that lost their leading zeros in a spreadsheet (``1`` for ``01``) are padded. The separator may be a
comma, a semicolon or a tab; the encoding UTF-8 (with or without BOM). Every row is checked before
anything is returned: any bad row raises ``ValidationFailed`` with one message per problem, each naming
its line and column.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.utils.translation import gettext as _

from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.text import fold
from giamngheo.geo.models import Generation, UnitLevel
from giamngheo.geo.sources import (
    COMMUNE_KINDS,
    OFFICIAL_SOURCE,
    SourceUnit,
    UnitList,
    province_kind,
    strip_type_prefix,
    type_prefix,
)

HEADERS: dict[str, set[str]] = {
    "province_code": {"ma tinh", "ma tinh thanh pho", "ma dvhc cap tinh", "province code"},
    "province_name": {"ten tinh", "ten tinh thanh pho", "tinh thanh pho", "tinh", "ten dvhc cap tinh",
                      "province name", "province"},
    "commune_code": {"ma xa", "ma xa phuong", "ma xa phuong dac khu", "ma dvhc cap xa", "commune code",
                     "ward code"},
    "commune_name": {"ten xa", "ten xa phuong", "ten xa phuong dac khu", "ten dvhc cap xa", "commune name",
                     "ward name"},
    "type": {"loai", "loai dvhc", "cap", "type"},
}
REQUIRED = ("province_code", "province_name", "commune_code", "commune_name")
# Unit names carry their type word; these are proper Vietnamese names, not interface text.
TYPE_WORDS = {"xa": "Xã", "phuong": "Phường", "dac khu": "Đặc khu"}


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def _column_of(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _header_key(header)
        for column, names in HEADERS.items():
            if key in names and column not in found:
                found[column] = index
    return found


def _code(raw: str, digits: int) -> str | None:
    value = raw.strip()
    if not value.isdigit() or len(value) > digits or int(value) == 0:
        return None
    return value.zfill(digits)


def _read_rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ApplicationError(_("Không tìm thấy tệp %(path)s.") % {"path": path}, field="csv") from exc
    except UnicodeDecodeError as exc:
        raise ApplicationError(
            _("Tệp %(path)s không phải văn bản UTF-8; hãy lưu lại dưới dạng “CSV UTF-8”.") % {"path": path},
            field="csv",
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    return list(csv.reader(text.splitlines(), delimiter=delimiter))


def read_official_csv(path: str | Path) -> UnitList:
    """Parse and check the whole file; return its provinces and communes as an ``UnitList``."""
    rows = _read_rows(Path(path))
    if not rows:
        raise ValidationFailed(_("Tệp trống."), errors={"header": [_("Tệp trống: không có dòng tiêu đề.")]})
    headers = rows[0]
    columns = _column_of(headers)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        labels = {"province_code": _("Mã tỉnh"), "province_name": _("Tên tỉnh"), "commune_code": _("Mã xã"),
                  "commune_name": _("Tên xã")}
        message = _("Dòng tiêu đề thiếu cột: %(columns)s.") % {"columns": ", ".join(str(labels[c]) for c in missing)}
        raise ValidationFailed(message, errors={"header": [message]})

    errors: dict[str, list[str]] = {}

    def error(line: int, column: str, message: str) -> None:
        header = headers[columns[column]] if column in columns else column
        errors.setdefault(f"rows[{line}].{column}", []).append(
            _("Dòng %(line)d, cột “%(column)s”: %(message)s") % {"line": line, "column": header, "message": message}
        )

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    provinces: dict[str, SourceUnit] = {}
    communes: list[SourceUnit] = []
    code_lines: dict[str, int] = {}
    name_lines: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in row):
            continue
        province_code = _code(cell(row, "province_code"), 2)
        province_name = cell(row, "province_name")
        commune_code = _code(cell(row, "commune_code"), 5)
        name = cell(row, "commune_name")
        if province_code is None:
            error(line, "province_code", _("mã tỉnh “%(value)s” không hợp lệ (phải gồm 2 chữ số).")
                  % {"value": cell(row, "province_code")})
        if not province_name:
            error(line, "province_name", _("thiếu tên tỉnh."))
        if commune_code is None:
            error(line, "commune_code", _("mã xã “%(value)s” không hợp lệ (phải gồm 5 chữ số).")
                  % {"value": cell(row, "commune_code")})
        if not name:
            error(line, "commune_name", _("thiếu tên xã."))
        type_key = fold(cell(row, "type")) or type_prefix(name)
        if type_key not in TYPE_WORDS:
            error(line, "type", _("loại đơn vị “%(value)s” không hợp lệ (phải là Xã, Phường hoặc Đặc khu).")
                  % {"value": cell(row, "type")})
        if province_code is None or commune_code is None or not name or not province_name or type_key not in TYPE_WORDS:
            continue

        if province_code in provinces:
            if fold(strip_type_prefix(provinces[province_code].name)) != fold(strip_type_prefix(province_name)):
                error(line, "province_name", _("tỉnh mã %(code)s đã mang tên “%(name)s” ở dòng trên.")
                      % {"code": province_code, "name": provinces[province_code].name})
                continue
        else:
            has_type = type_prefix(province_name) is not None
            provinces[province_code] = SourceUnit(
                generation=Generation.CURRENT, level=UnitLevel.PROVINCE, code=province_code,
                kind=province_kind(province_name) if has_type else province_kind(""),
                name=province_name, short_name=strip_type_prefix(province_name), province_code=province_code,
                row=line,
            )
        if commune_code in code_lines:
            error(line, "commune_code", _("mã xã %(code)s trùng với dòng %(other)d.")
                  % {"code": commune_code, "other": code_lines[commune_code]})
            continue
        full_name = name if type_prefix(name) == type_key else f"{TYPE_WORDS[type_key]} {name}"
        name_key = (province_code, fold(full_name))
        if name_key in name_lines:
            error(line, "commune_name", _("“%(name)s” trùng tên với dòng %(other)d trong cùng tỉnh.")
                  % {"name": full_name, "other": name_lines[name_key]})
            continue
        code_lines[commune_code] = line
        name_lines[name_key] = line
        communes.append(SourceUnit(
            generation=Generation.CURRENT, level=UnitLevel.COMMUNE, code=commune_code, kind=COMMUNE_KINDS[type_key],
            name=full_name, short_name=strip_type_prefix(full_name), province_code=province_code,
            parent_code=province_code, row=line,
        ))

    if errors:
        raise ValidationFailed(
            _("Tệp có %(count)d dòng lỗi; chưa có gì được ghi vào cơ sở dữ liệu.")
            % {"count": len({key.split("]")[0] for key in errors})},
            errors=errors,
        )
    if not communes:
        raise ValidationFailed(_("Tệp không có dòng dữ liệu nào."), errors={"rows": [_("Tệp không có dòng dữ liệu nào.")]})
    units = UnitList(source=OFFICIAL_SOURCE, units=[*provinces.values(), *communes])
    units.province_codes = set(provinces)
    return units
