"""Unit lists as plain data, read from where they come from: the packaged ``vietnamadminunits`` data.

Nothing here touches our database. A source yields ``SourceUnit`` rows (one per unit, parents before
children) and ``CrosswalkLink`` rows; ``geo.loaders`` decides what to store. The packaged data lives in
``vietnamadminunits/data/dataset.db`` (SQLite, tables ``admin_units`` = 3,321 current communes and
``admin_units_legacy`` = the pre-2025 communes) and ``data/converter_2025.json`` (old → new, keyed by
folded names, split communes listed separately with the default new unit marked).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from giamngheo.core.text import fold
from giamngheo.geo.models import Generation, UnitKind, UnitLevel

PACKAGED_SOURCE = "vietnamadminunits"
OFFICIAL_SOURCE = "qd-19-2025"

# How much each source is trusted: a lower-ranked source never overrides the code, name or type that a
# higher-ranked one set (it may still fill in coordinates and areas). Hamlets are entered by officers.
SOURCE_RANK = {PACKAGED_SOURCE: 1, OFFICIAL_SOURCE: 2}

COMMUNE_KINDS = {"xa": UnitKind.COMMUNE, "phuong": UnitKind.WARD, "dac khu": UnitKind.SPECIAL_ZONE,
                 "thi tran": UnitKind.TOWNLET}
DISTRICT_KINDS = {"huyen": UnitKind.RURAL_DISTRICT, "quan": UnitKind.URBAN_DISTRICT, "thi xa": UnitKind.TOWN,
                  "thanh pho": UnitKind.PROVINCIAL_CITY}


@dataclass(frozen=True)
class SourceUnit:
    generation: str
    level: str
    code: str
    kind: str
    name: str
    short_name: str
    province_code: str
    parent_code: str | None = None  # code of the parent unit at the level above (None for a province)
    latitude: float | None = None
    longitude: float | None = None
    area_km2: float | None = None
    row: int | None = None  # line in the file it was read from, for error messages


@dataclass(frozen=True)
class CrosswalkLink:
    old_level: str  # commune, or district for the five island districts that had no communes
    old_code: str
    new_code: str
    is_split: bool
    is_default: bool


@dataclass
class UnitList:
    """A complete list from one source, possibly limited to some provinces."""

    source: str
    units: list[SourceUnit] = field(default_factory=list)
    crosswalk: list[CrosswalkLink] = field(default_factory=list)
    province_codes: set[str] = field(default_factory=set)  # provinces the list covers completely

    def of(self, generation: str, level: str) -> list[SourceUnit]:
        return [u for u in self.units if u.generation == generation and u.level == level]


_TYPE_PREFIXES = ("thanh pho", "tinh", "dac khu", "phuong", "thi tran", "thi xa", "huyen", "quan", "xa")


def kind_from_type(type_name: str, table: Mapping[str, str]) -> str | None:
    return table.get(fold(type_name))


def province_kind(name: str) -> str:
    return UnitKind.CITY if fold(name).startswith("thanh pho ") else UnitKind.PROVINCE


def type_prefix(name: str) -> str | None:
    """The folded type word a unit name starts with (``"Phường Cửa Nam"`` → ``"phuong"``), if any."""
    folded = fold(name)
    for prefix in _TYPE_PREFIXES:
        if folded.startswith(prefix + " "):
            return prefix
    return None


def strip_type_prefix(name: str) -> str:
    """``"Phường Cửa Nam"`` → ``"Cửa Nam"``; a name without a type word is returned as it is."""
    prefix = type_prefix(name)
    if prefix is None:
        return name.strip()
    words = name.split()
    return " ".join(words[len(prefix.split()):])


def _data_dir() -> Path:
    return Path(str(resources.files("vietnamadminunits") / "data"))


def _rows(query: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
    uri = f"file:{_data_dir() / 'dataset.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(query, tuple(params)).fetchall()


def _placeholders(values: Iterable[str]) -> str:
    return ",".join("?" for _ in values)


def packaged_units(province_codes: list[str] | None = None) -> UnitList:
    """The current tree, the pre-2025 tree and the crosswalk from ``vietnamadminunits``.

    With ``province_codes`` (current codes), only those provinces, the old provinces merged into them and
    the crosswalk links into them are read.
    """
    current_sql = "SELECT * FROM admin_units"
    params: list[str] = []
    if province_codes:
        current_sql += f" WHERE provinceCode IN ({_placeholders(province_codes)})"
        params = list(province_codes)
    current = _rows(current_sql + " ORDER BY provinceCode, wardCode", params)
    result = UnitList(source=PACKAGED_SOURCE)
    result.province_codes = {r["provinceCode"] for r in current}

    new_by_key: dict[tuple[str, str], str] = {}
    seen_provinces: set[str] = set()
    for r in current:
        p = r["provinceCode"]
        if p not in seen_provinces:
            seen_provinces.add(p)
            result.units.append(SourceUnit(
                generation=Generation.CURRENT, level=UnitLevel.PROVINCE, code=p, kind=province_kind(r["province"]),
                name=r["province"], short_name=r["provinceShort"], province_code=p,
                latitude=r["provinceLat"], longitude=r["provinceLon"],
            ))
        result.units.append(SourceUnit(
            generation=Generation.CURRENT, level=UnitLevel.COMMUNE, code=r["wardCode"],
            kind=kind_from_type(r["wardType"], COMMUNE_KINDS) or UnitKind.OTHER, name=r["ward"],
            short_name=r["wardShort"], province_code=p, parent_code=p,
            latitude=r["wardLat"], longitude=r["wardLon"], area_km2=r["wardAreaKm2"],
        ))
        new_by_key[(r["provinceKey"], r["wardKey"])] = r["wardCode"]

    converter = json.loads((_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))
    new_province_keys = {r["provinceKey"] for r in current}
    legacy_province_keys = sorted(
        {old for new, olds in converter["DICT_PROVINCE"].items() if new in new_province_keys for old in olds}
    )
    legacy_sql = "SELECT * FROM admin_units_legacy WHERE provinceKey IN ({}) ORDER BY provinceCode, districtCode, wardCode"
    # Only "?" placeholders are formatted into the query; the keys are bound as parameters.
    legacy = _rows(legacy_sql.format(_placeholders(legacy_province_keys)), legacy_province_keys
                   ) if legacy_province_keys else []
    old_by_key = _legacy_units(legacy, result)
    result.crosswalk = _crosswalk(converter, new_province_keys, new_by_key, old_by_key)
    return result


def _legacy_units(legacy: list[sqlite3.Row], result: UnitList) -> dict[str, tuple[str, str]]:
    """Append the old provinces, districts and communes; return converter key → (level, code)."""
    seen: set[tuple[str, str]] = set()
    old_by_key: dict[str, tuple[str, str]] = {}
    for r in legacy:
        p, d, w = r["provinceCode"], r["districtCode"], r["wardCode"]
        if (UnitLevel.PROVINCE, p) not in seen:
            seen.add((UnitLevel.PROVINCE, p))
            result.units.append(SourceUnit(
                generation=Generation.LEGACY, level=UnitLevel.PROVINCE, code=p, kind=province_kind(r["province"]),
                name=r["province"], short_name=r["provinceShort"], province_code=p,
                latitude=r["provinceLat"], longitude=r["provinceLon"],
            ))
        if (UnitLevel.DISTRICT, d) not in seen:
            seen.add((UnitLevel.DISTRICT, d))
            result.units.append(SourceUnit(
                generation=Generation.LEGACY, level=UnitLevel.DISTRICT, code=d,
                kind=kind_from_type(r["districtType"], DISTRICT_KINDS) or UnitKind.OTHER, name=r["district"],
                short_name=r["districtShort"], province_code=p, parent_code=p,
                latitude=r["districtLat"], longitude=r["districtLon"],
            ))
        district_key = f"{r['provinceKey']}_{r['districtKey']}_"
        if not w:
            # An island district without communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo).
            old_by_key[district_key] = (UnitLevel.DISTRICT, d)
            continue
        result.units.append(SourceUnit(
            generation=Generation.LEGACY, level=UnitLevel.COMMUNE, code=w,
            kind=kind_from_type(r["wardType"] or "", COMMUNE_KINDS) or UnitKind.OTHER, name=r["ward"],
            short_name=r["wardShort"], province_code=p, parent_code=d,
            latitude=r["wardLat"], longitude=r["wardLon"],
        ))
        old_by_key[district_key + r["wardKey"]] = (UnitLevel.COMMUNE, w)
    return old_by_key


def _crosswalk(
    converter: dict[str, Any],
    new_province_keys: set[str],
    new_by_key: dict[tuple[str, str], str],
    old_by_key: dict[str, tuple[str, str]],
) -> list[CrosswalkLink]:
    links: list[CrosswalkLink] = []
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        if province_key not in new_province_keys:
            continue
        for ward_key, old_keys in wards.items():
            new_code = new_by_key[(province_key, ward_key)]
            for old_key in old_keys:
                if old_key not in old_by_key:  # an old province outside a partial load
                    continue
                level, old_code = old_by_key[old_key]
                links.append(CrosswalkLink(level, old_code, new_code, is_split=False, is_default=True))
    for province_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        if province_key not in new_province_keys:
            continue
        for old_key, targets in olds.items():
            if old_key not in old_by_key:
                continue
            level, old_code = old_by_key[old_key]
            for target in targets:
                new_code = new_by_key[(province_key, target["newWardKey"])]
                links.append(CrosswalkLink(level, old_code, new_code, is_split=True,
                                           is_default=bool(target["isDefaultNewWard"])))
    return links
