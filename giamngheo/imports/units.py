"""Where each imported household lives: commune (by code or name, current or pre-2025) and hamlet.

The file's distinct unit cells are resolved once each (a province's file names a few hundred communes, however
many households it has), then joined back to the rows. A pre-2025 commune code or name goes through the crosswalk:
an old commune merged whole into one new commune resolves to it; an old commune split between several new ones is
an error asking which new commune (the officer knows the household's address, the crosswalk cannot). A commune
outside the units the user may edit is an error too, as in the household form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.core.text import fold
from giamngheo.geo.models import AdminUnit, Generation, UnitCrosswalk, UnitLevel
from giamngheo.geo.selectors import household_unit_path

_PREFIX = re.compile(r"^(xa|phuong|thi tran|dac khu|huyen|quan|thi xa|thanh pho|tp\.?|tinh|thon|ap|ban|khom|"
                     r"to dan pho|to|xom|buon|lang|khu pho|khu|doi)\s+")
UNIT_SCHEMA = {"commune_id": pl.Int64, "hamlet_id": pl.Int64, "hamlet_name": pl.String, "unit_path": pl.String, "commune_code": pl.String,
               "province_code": pl.String, "commune_message": pl.String, "hamlet_message": pl.String,
               "province_message": pl.String, "commune_field": pl.String}


def bare(name: str | None) -> str:
    """A unit name without its kind: "Xã Long Hồ" → "long ho", "Ấp 3" → "3"."""
    folded = fold(name)
    stripped = _PREFIX.sub("", folded)
    return stripped or folded


@dataclass
class _Communes:
    by_code: dict[str, AdminUnit]
    by_name: dict[str, list[AdminUnit]]
    old_by_code: dict[str, AdminUnit]
    old_by_name: dict[str, list[AdminUnit]]
    crosswalk: dict[int, list[AdminUnit]]


def _load() -> _Communes:
    current = list(AdminUnit.objects.filter(level=UnitLevel.COMMUNE, generation=Generation.CURRENT,
                                            valid_to__isnull=True).select_related("parent"))
    old = list(AdminUnit.objects.filter(level=UnitLevel.COMMUNE, generation=Generation.LEGACY)
               .select_related("parent"))
    by_name: dict[str, list[AdminUnit]] = {}
    for unit in current:
        by_name.setdefault(bare(unit.name), []).append(unit)
    old_by_name: dict[str, list[AdminUnit]] = {}
    for unit in old:
        old_by_name.setdefault(bare(unit.name), []).append(unit)
    crosswalk: dict[int, list[AdminUnit]] = {}
    for row in UnitCrosswalk.objects.filter(old_unit__in=old).select_related("new_unit__parent"):
        crosswalk.setdefault(row.old_unit_id, []).append(row.new_unit)
    return _Communes({u.code: u for u in current}, by_name, {u.code: u for u in old}, old_by_name, crosswalk)


def _names(units: list[AdminUnit]) -> str:
    return ", ".join(f"{u.name} (mã {u.code})" for u in sorted(units, key=lambda u: u.code))


def _through_crosswalk(old: AdminUnit, table: _Communes) -> tuple[AdminUnit | None, str | None]:
    targets = table.crosswalk.get(old.pk, [])
    if len(targets) == 1:
        return targets[0], None
    if not targets:
        return None, _("%(old)s (trước 2025) chưa có trong bảng chuyển đổi sang xã/phường mới; hãy ghi mã xã/phường "
                       "mới.") % {"old": old.name}
    return None, _("%(old)s (trước 2025) đã được chia cho nhiều xã/phường mới: %(new)s. Hãy ghi mã xã/phường mới "
                   "nơi hộ đang ở.") % {"old": old.name, "new": _names(targets)}


def _resolve_one(code: str | None, name: str | None, district: str | None, table: _Communes
                 ) -> tuple[AdminUnit | None, str | None, str]:
    """(commune, error, field the error belongs to)."""
    if code:
        if not re.fullmatch(r"[0-9]{5}", code):
            return None, _("Mã xã/phường phải gồm đúng 5 chữ số (theo Quyết định 19/2025/QĐ-TTg)."), "commune_code"
        unit = table.by_code.get(code)
        if unit is not None:
            if name and bare(name) not in (bare(unit.name), bare(unit.short_name)):
                old = table.old_by_code.get(code)
                if old is None or bare(name) != bare(old.name):
                    return None, _("Mã %(code)s là %(unit)s, không khớp với tên “%(name)s”.") % {
                        "code": code, "unit": unit.name, "name": name}, "commune_name"
            return unit, None, "commune_code"
        old = table.old_by_code.get(code)
        if old is not None:
            unit, error = _through_crosswalk(old, table)
            return unit, error, "commune_code"
        return None, _("Không có xã/phường nào mang mã %(code)s.") % {"code": code}, "commune_code"
    if not name:
        return None, _("Phải ghi mã xã/phường hoặc tên xã/phường nơi hộ cư trú."), "commune_code"
    key = bare(name)
    found = table.by_name.get(key, [])
    if len(found) == 1:
        return found[0], None, "commune_name"
    if len(found) > 1:
        return None, _("Có nhiều xã/phường tên “%(name)s”: %(units)s. Hãy ghi mã xã/phường.") % {
            "name": name, "units": _names(found)}, "commune_name"
    olds = table.old_by_name.get(key, [])
    if district and len(olds) > 1:
        olds = [u for u in olds if u.parent is not None and bare(u.parent.name) == bare(district)]
    if len(olds) == 1:
        unit, error = _through_crosswalk(olds[0], table)
        return unit, error, "commune_name"
    if len(olds) > 1:
        return None, _("Có nhiều xã/phường cũ tên “%(name)s”: %(units)s. Hãy ghi mã xã/phường mới, hoặc ghi cột "
                       "Huyện (cũ).") % {"name": name, "units": _names(olds)}, "commune_name"
    return None, _("Không tìm thấy xã/phường tên “%(name)s”.") % {"name": name}, "commune_name"


def _hamlets(commune_ids: list[int]) -> dict[int, dict[str, list[AdminUnit]]]:
    table: dict[int, dict[str, list[AdminUnit]]] = {}
    for hamlet in AdminUnit.objects.filter(parent_id__in=commune_ids, level=UnitLevel.HAMLET, valid_to__isnull=True):
        names = table.setdefault(hamlet.parent_id or 0, {})
        for key in {fold(hamlet.name), bare(hamlet.name), fold(hamlet.short_name), bare(hamlet.short_name)} - {""}:
            names.setdefault(key, []).append(hamlet)
    return table


def resolve(households: pl.DataFrame, actor: Any) -> pl.DataFrame:
    """``households`` with the columns of ``UNIT_SCHEMA`` added: the commune and hamlet (ids), the household's
    unit path, and an error message (null when fine) for the commune, the hamlet and the province code."""
    keys = ["province_code", "commune_code", "commune_name", "district_name", "hamlet"]
    present = [k for k in keys if k in households.columns]
    frame = households.with_columns([pl.lit(None, dtype=pl.String).alias(k) for k in keys if k not in present])
    distinct = frame.select(keys).unique()
    table = _load()
    editable = paths_for(actor, Perm.HOUSEHOLD_EDIT)
    resolved_communes: dict[tuple[Any, ...], tuple[AdminUnit | None, str | None, str]] = {}
    for _province, code, name, district, _hamlet in distinct.iter_rows():
        key = (code, name, district)
        if key not in resolved_communes:
            resolved_communes[key] = _resolve_one(code, name, district, table)
    hamlet_table = _hamlets([u.pk for u, _e, _f in resolved_communes.values() if u is not None])
    rows: list[dict[str, Any]] = []
    for province, code, name, district, hamlet_name in distinct.iter_rows():
        commune, error, field = resolved_communes[(code, name, district)]
        row: dict[str, Any] = {"province_code_in": province, "commune_code_in": code, "commune_name_in": name,
                               "district_name_in": district, "hamlet_in": hamlet_name, "commune_field": field,
                               "commune_id": None, "hamlet_id": None, "hamlet_name": None, "unit_path": None, "commune_code": None,
                               "province_code": None, "commune_message": error, "hamlet_message": None,
                               "province_message": None}
        if commune is not None and not any(commune.path.startswith(p) or p.startswith(commune.path)
                                           for p in editable):
            row["commune_message"] = _("%(commune)s không thuộc địa bàn bạn được giao nhập liệu.") % {
                "commune": commune.name}
            commune = None
        if commune is not None:
            parent = commune.parent
            row.update(commune_id=commune.pk, commune_code=commune.code,
                       province_code=parent.code if parent else None)
            if province and parent is not None and province != parent.code:
                row["province_message"] = _("Mã tỉnh %(given)s không khớp với %(commune)s, thuộc tỉnh mã "
                                            "%(expected)s.") % {"given": province, "commune": commune.name,
                                                                "expected": parent.code}
            hamlet = None
            if hamlet_name:
                found = hamlet_table.get(commune.pk, {}).get(fold(hamlet_name)) or hamlet_table.get(
                    commune.pk, {}).get(bare(hamlet_name), [])
                if len(found) == 1:
                    hamlet = found[0]
                else:
                    row["hamlet_message"] = (
                        _("Không tìm thấy thôn/ấp “%(name)s” trong %(commune)s; hãy ghi đúng tên, hoặc tạo thôn/ấp "
                          "này trước ở trang Đơn vị hành chính.") if not found else
                        _("Có nhiều thôn/ấp tên “%(name)s” trong %(commune)s; hãy ghi tên đầy đủ."))
                    row["hamlet_message"] %= {"name": hamlet_name, "commune": commune.name}
            path = household_unit_path(commune, hamlet)
            if not any(path.startswith(p) for p in editable):
                row["hamlet_message"] = _("Bạn chỉ được nhập hộ thuộc thôn/ấp được giao; hãy ghi đúng tên thôn/ấp.")
            row.update(hamlet_id=hamlet.pk if hamlet else None, hamlet_name=hamlet.name if hamlet else None,
                       unit_path=path)
        rows.append(row)
    schema = {"province_code_in": pl.String, "commune_code_in": pl.String, "commune_name_in": pl.String,
              "district_name_in": pl.String, "hamlet_in": pl.String, **UNIT_SCHEMA}
    lookup = pl.DataFrame(rows, schema=schema, orient="row")
    joined = frame.rename({k: f"{k}_in" for k in keys}).join(
        lookup, on=[f"{k}_in" for k in keys], how="left", nulls_equal=True)
    # The resolved codes replace the file's; the file's stay as ``*_in`` for error messages.
    return joined.rename({f"{k}_in": k for k in keys if k not in ("province_code", "commune_code")})
