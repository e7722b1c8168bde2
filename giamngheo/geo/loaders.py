"""Loading administrative units from a source into the unit tree: idempotent, bulk, never destructive.

Rules (docs/units.md explains why):

* A unit is matched to a stored one by ``geo.matching`` (same code and name; else same name; else same
  code). A matched unit is updated in place, so households, hamlets and role grants keep pointing at it.
* A **code change** keeps the unit and its ``path``; the old code becomes a ``UnitAlias`` and the change
  is audited per unit. The path is the unit's permanent key: households, role grants and audit entries
  copy it, so it is never rewritten.
* A stored unit missing from a complete source gets ``valid_to`` (the load date); nothing is deleted.
* A lower-ranked source (``sources.SOURCE_RANK``) never overrides the code, name or type set by a
  higher-ranked one: after the official table is loaded, reloading the packaged data only fills gaps.
* Rows are written with ``bulk_create``/``bulk_update`` in one transaction; the run writes one audit
  entry with its counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from giamngheo.core.audit import diff, log_action, register_action
from giamngheo.core.errors import ApplicationError
from giamngheo.core.text import fold
from giamngheo.geo.models import (
    AdminUnit,
    AreaType,
    Generation,
    UnitAlias,
    UnitCrosswalk,
    UnitKind,
    UnitLevel,
)
from giamngheo.geo.sources import (
    PACKAGED_SOURCE,
    SOURCE_RANK,
    SourceUnit,
    UnitList,
    packaged_units,
    type_prefix,
)

register_action("giamngheo.unit.loaded", _("Nạp danh mục đơn vị hành chính"))
register_action("giamngheo.unit.renamed", _("Đổi tên đơn vị hành chính"))
register_action("giamngheo.unit.retired", _("Đánh dấu đơn vị hành chính hết hiệu lực"))

CURRENT_FROM = dt.date(2025, 7, 1)
LEGACY_TO = dt.date(2025, 6, 30)
# Parents before children, so a child can be given its parent's id and path.
LEVEL_ORDER = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)
_COMPARED = ("name", "short_name", "name_folded", "kind", "area_type", "parent_id", "latitude", "longitude",
             "area_km2", "valid_from", "valid_to", "source")
_FILLABLE = ("latitude", "longitude", "area_km2")


@dataclass
class LoadReport:
    source: str
    units_in_source: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    code_changed: int = 0
    renamed: int = 0
    retired: int = 0
    aliases_created: int = 0
    crosswalk_created: int = 0
    crosswalk_updated: int = 0
    # Rows the loader could not place without guessing (e.g. a code already used in another province).
    conflicts: list[str] = field(default_factory=list)
    created_by_level: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.code_changed or self.renamed or self.retired
                    or self.aliases_created or self.crosswalk_created or self.crosswalk_updated)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def area_type_for(kind: str) -> str:
    """Urban/rural by unit type: a ward or township is urban, a commune rural, a special zone as configured."""
    if kind in (UnitKind.WARD, UnitKind.TOWNLET):
        return AreaType.URBAN
    if kind == UnitKind.COMMUNE:
        return AreaType.RURAL
    if kind == UnitKind.SPECIAL_ZONE:
        return str(settings.GIAMNGHEO_SPECIAL_ZONE_AREA)
    return ""


def _path_segment(unit: SourceUnit) -> str:
    return ("L" if unit.generation == Generation.LEGACY else "") + unit.code


def _rank(source: str) -> int:
    return SOURCE_RANK.get(source, 0)


class _Loader:
    """One run: holds the stored units in memory (a national tree is ~15,000 rows) and the pending writes."""

    def __init__(self, units: UnitList, actor: Any, retire_missing: bool) -> None:
        self.units = units
        self.actor = actor
        self.retire_missing = retire_missing
        self.report = LoadReport(source=units.source, units_in_source=len(units.units))
        self.today = timezone.localdate()
        self.rank = _rank(units.source)
        # (generation, level, code) → stored unit, refreshed level by level as units are created.
        self.stored: dict[tuple[str, str, str], AdminUnit] = {}
        self.by_id: dict[int, AdminUnit] = {}
        self.paths: set[str] = set()
        self.aliases: list[UnitAlias] = []
        self.audit: list[dict[str, Any]] = []

    def run(self) -> LoadReport:
        self._read_stored()
        for generation in (Generation.CURRENT, Generation.LEGACY):
            for level in LEVEL_ORDER:
                rows = self.units.of(generation, level)
                if rows:
                    self._load_level(generation, level, rows)
        UnitAlias.objects.bulk_create(self.aliases, ignore_conflicts=True)
        self._load_crosswalk()
        for entry in self.audit:
            log_action(actor=self.actor, **entry)
        return self.report

    def _read_stored(self) -> None:
        for unit in AdminUnit.objects.exclude(level=UnitLevel.HAMLET):
            self.stored[(unit.generation, unit.level, unit.code)] = unit
            self.by_id[unit.pk] = unit
            self.paths.add(unit.path)

    def _province_of(self, unit: AdminUnit) -> str:
        while unit.level != UnitLevel.PROVINCE and unit.parent_id in self.by_id:
            unit = self.by_id[unit.parent_id]
        return unit.code if unit.level == UnitLevel.PROVINCE else ""

    def _desired(self, row: SourceUnit) -> dict[str, Any]:
        parent = self.stored.get((row.generation, self._parent_level(row), row.parent_code or ""))
        legacy = row.generation == Generation.LEGACY
        return {
            "name": row.name, "short_name": row.short_name, "name_folded": fold(row.name), "kind": row.kind,
            "area_type": area_type_for(row.kind) if row.level == UnitLevel.COMMUNE else "",
            "parent_id": parent.pk if parent else None,
            "latitude": row.latitude, "longitude": row.longitude, "area_km2": row.area_km2,
            "valid_from": None if legacy else CURRENT_FROM, "valid_to": LEGACY_TO if legacy else None,
            "source": self.units.source,
        }

    @staticmethod
    def _parent_level(row: SourceUnit) -> str:
        if row.level == UnitLevel.COMMUNE and row.generation == Generation.LEGACY:
            return UnitLevel.DISTRICT
        return UnitLevel.PROVINCE

    def _load_level(self, generation: str, level: str, rows: list[SourceUnit]) -> None:
        from giamngheo.geo.matching import pair_units

        to_update: dict[int, AdminUnit] = {}
        new_codes: dict[int, tuple[str, str, str]] = {}
        to_create: list[AdminUnit] = []
        if level == UnitLevel.PROVINCE:
            # Province codes are two digits that no reform has changed: they are matched by code alone, and
            # a province is never retired by a load (a partial load would otherwise retire the others).
            for row in rows:
                unit = self.stored.get((generation, level, row.code))
                if unit is not None:
                    self._update(unit, row, to_update)
                elif (created := self._new_unit(row)) is not None:
                    to_create.append(created)
        else:
            stored_groups: dict[str, list[AdminUnit]] = defaultdict(list)
            for (gen, lev, _code), unit in self.stored.items():
                if gen == generation and lev == level:
                    stored_groups[self._province_of(unit)].append(unit)
            source_groups: dict[str, list[SourceUnit]] = defaultdict(list)
            for row in rows:
                source_groups[row.province_code].append(row)
            for province, group in source_groups.items():
                pairing = pair_units(group, stored_groups.get(province, []))
                for row, unit in pairing.same + pairing.name_differs:
                    self._update(unit, row, to_update)
                for row, unit in pairing.code_differs:
                    if self._may_override(unit):
                        new_codes[unit.pk] = (row.code, unit.code, unit.source or self.units.source)
                    self._update(unit, row, to_update)
                for row in pairing.left_only:
                    if (created := self._new_unit(row)) is not None:
                        to_create.append(created)
                for unit in pairing.right_only:
                    self._retire(unit, to_update)

        self._change_codes(new_codes, generation, level)
        fields = [f for f in _COMPARED if f != "parent_id"] + ["parent"]
        AdminUnit.objects.bulk_update(list(to_update.values()), fields, batch_size=500)
        AdminUnit.objects.bulk_create(to_create, batch_size=500)
        self.stored = {key: u for key, u in self.stored.items() if key[:2] != (generation, level)}
        for unit in AdminUnit.objects.filter(generation=generation, level=level):
            self.stored[(generation, level, unit.code)] = unit
            self.by_id[unit.pk] = unit
        self.report.created += len(to_create)
        if to_create:
            key = f"{generation}:{level}"
            self.report.created_by_level[key] = self.report.created_by_level.get(key, 0) + len(to_create)

    def _may_override(self, unit: AdminUnit) -> bool:
        return _rank(unit.source) <= self.rank

    def _update(self, unit: AdminUnit, row: SourceUnit, to_update: dict[int, AdminUnit]) -> None:
        desired = self._desired(row)
        for key in _FILLABLE:  # a source without coordinates (the official table) leaves them as they are
            if desired[key] is None:
                desired.pop(key)
        if row.level == UnitLevel.PROVINCE and type_prefix(row.name) is None:
            # "Hà Nội" in a table means the stored "Thành phố Hà Nội": keep the full name and type.
            for key in ("name", "short_name", "name_folded", "kind"):
                desired.pop(key)
        if not self._may_override(unit):
            # A trusted source set this unit: only fill the gaps it left.
            desired = {k: v for k, v in desired.items() if k in _FILLABLE and getattr(unit, k) is None}
        before = {k: getattr(unit, k) for k in desired}
        changes = diff(before, desired)
        if not changes:
            self.report.unchanged += 1
            return
        if "name" in changes:
            self.report.renamed += 1
            self.audit.append({
                "action": "giamngheo.unit.renamed", "object_type": "geo.AdminUnit", "object_id": unit.pk,
                "object_repr": row.name, "unit_path": unit.path, "changes": {"name": changes["name"]},
                "data": {"source": self.units.source},
            })
        for key, value in desired.items():
            setattr(unit, key, value)
        to_update[unit.pk] = unit
        self.report.updated += 1

    def _change_codes(self, new_codes: dict[int, tuple[str, str, str]], generation: str, level: str) -> None:
        """Give units their new codes; two steps, because two units may swap codes (unique per level)."""
        for pk, (new_code, old_code, _source) in list(new_codes.items()):
            holder = self.stored.get((generation, level, new_code))
            if holder is not None and holder.pk not in new_codes:
                self.report.conflicts.append(str(_(
                    "Không thể đổi mã %(old)s thành %(code)s: mã này đang thuộc về %(other)s."
                ) % {"old": old_code, "code": new_code, "other": holder.name}))
                del new_codes[pk]
        if not new_codes:
            return
        units = [self.by_id[pk] for pk in new_codes]
        for unit in units:
            unit.code = f"~{unit.pk}"
        AdminUnit.objects.bulk_update(units, ["code"])
        for unit in units:
            new_code, old_code, old_source = new_codes[unit.pk]
            unit.code = new_code
            self.aliases.append(UnitAlias(
                unit=unit, code=old_code, source=old_source,
                note=str(_("Mã cũ, thay bằng %(code)s theo %(source)s") % {
                    "code": unit.code, "source": self.units.source}),
            ))
            self.audit.append({
                "action": "giamngheo.unit.code_changed", "object_type": "geo.AdminUnit", "object_id": unit.pk,
                "object_repr": unit.name, "unit_path": unit.path, "changes": {"code": [old_code, unit.code]},
                "data": {"source": self.units.source},
            })
        AdminUnit.objects.bulk_update(units, ["code"])
        self.report.code_changed += len(units)
        self.report.aliases_created += len(units)

    def _new_unit(self, row: SourceUnit) -> AdminUnit | None:
        existing = self.stored.get((row.generation, row.level, row.code))
        if existing is not None:
            # The code is taken by a unit of another province: placing this row would be a guess.
            self.report.conflicts.append(str(_(
                "Mã %(code)s (%(name)s) đã được dùng cho %(other)s ở tỉnh khác; dòng này bị bỏ qua."
            ) % {"code": row.code, "name": row.name, "other": existing.name}))
            return None
        desired = self._desired(row)
        parent = self.by_id.get(desired["parent_id"]) if desired["parent_id"] else None
        if row.level != UnitLevel.PROVINCE and parent is None:
            self.report.conflicts.append(str(_("Không tìm thấy đơn vị cấp trên %(parent)s của %(name)s.") % {
                "parent": row.parent_code, "name": row.name}))
            return None
        path = self._free_path(f"{parent.path if parent else '/'}{_path_segment(row)}/")
        desired.pop("parent_id")
        self.paths.add(path)
        return AdminUnit(code=row.code, level=row.level, generation=row.generation, parent=parent, path=path,
                         created_by=self._actor_user(), **desired)

    def _free_path(self, path: str) -> str:
        """The natural path, or a suffixed one when a unit that once had this code still holds it."""
        candidate, n = path, 2
        while candidate in self.paths:
            candidate = f"{path[:-1]}-{n}/"
            n += 1
        return candidate

    def _actor_user(self) -> Any:
        return self.actor if getattr(self.actor, "is_authenticated", False) else None

    def _retire(self, unit: AdminUnit, to_update: dict[int, AdminUnit]) -> None:
        if (not self.retire_missing or unit.generation != Generation.CURRENT or unit.valid_to is not None
                or not self._may_override(unit)):
            return
        unit.valid_to = self.today
        to_update[unit.pk] = unit
        self.report.retired += 1
        self.audit.append({
            "action": "giamngheo.unit.retired", "object_type": "geo.AdminUnit", "object_id": unit.pk,
            "object_repr": unit.name, "unit_path": unit.path, "changes": {"valid_to": [None, self.today]},
            "data": {"source": self.units.source},
        })

    def _load_crosswalk(self) -> None:
        if not self.units.crosswalk:
            return
        new_ids = {code: u.pk for (g, lev, code), u in self.stored.items()
                   if g == Generation.CURRENT and lev == UnitLevel.COMMUNE}
        # A commune whose code a trusted source changed is still found under the code this source uses.
        for alias in UnitAlias.objects.filter(unit__generation=Generation.CURRENT, unit__level=UnitLevel.COMMUNE):
            new_ids.setdefault(alias.code, alias.unit_id)
        old_ids = {(lev, code): u.pk for (g, lev, code), u in self.stored.items() if g == Generation.LEGACY}
        existing = {(c.old_unit_id, c.new_unit_id): c for c in UnitCrosswalk.objects.all()}
        to_create: list[UnitCrosswalk] = []
        to_update: list[UnitCrosswalk] = []
        for link in self.units.crosswalk:
            old_id, new_id = old_ids.get((link.old_level, link.old_code)), new_ids.get(link.new_code)
            if old_id is None or new_id is None:
                continue
            row = existing.get((old_id, new_id))
            if row is None:
                row = UnitCrosswalk(old_unit_id=old_id, new_unit_id=new_id, is_split=link.is_split,
                                    is_default=link.is_default, source=self.units.source)
                existing[(old_id, new_id)] = row
                to_create.append(row)
            elif (row.is_split, row.is_default) != (link.is_split, link.is_default):
                row.is_split, row.is_default = link.is_split, link.is_default
                to_update.append(row)
        UnitCrosswalk.objects.bulk_create(to_create, batch_size=1000)
        UnitCrosswalk.objects.bulk_update(to_update, ["is_split", "is_default"], batch_size=1000)
        self.report.crosswalk_created += len(to_create)
        self.report.crosswalk_updated += len(to_update)


def _load(units: UnitList, *, actor: Any, retire_missing: bool) -> LoadReport:
    with transaction.atomic():
        report = _Loader(units, actor, retire_missing).run()
        provinces = sorted(units.province_codes)
        log_action(
            actor=actor, action="giamngheo.unit.loaded", object_type="geo.AdminUnit", object_id=units.source,
            object_repr=str(_("Nguồn %(source)s") % {"source": units.source}),
            unit_path=f"/{provinces[0]}/" if len(provinces) == 1 else "",
            data={**report.as_dict(), "provinces": provinces},
        )
    return report


def units_load_packaged(*, actor: Any = None, province_codes: list[str] | None = None) -> LoadReport:
    """Load the current tree, the pre-2025 tree and the crosswalk from the packaged ``vietnamadminunits``.

    ``province_codes`` (current codes, e.g. ``["86"]``) limits the load to those provinces and the old
    provinces merged into them.
    """
    units = packaged_units(province_codes)
    unknown = sorted(set(province_codes or []) - units.province_codes)
    if unknown:
        raise ApplicationError(
            _("Không có tỉnh/thành phố mã %(codes)s trong danh mục đóng gói.") % {"codes": ", ".join(unknown)},
            field="province_codes",
        )
    return _load(units, actor=actor, retire_missing=True)


def units_load_official_csv(*, path: str | Path, actor: Any = None, retire_missing: bool = False) -> LoadReport:
    """Load the official Decision 19/2025 table (CSV). Every row is checked before anything is written:
    one bad row raises ``ValidationFailed`` naming each bad row, and the database is left as it was.

    A file may cover only some provinces; ``retire_missing`` marks stored communes of the provinces in the
    file that the file does not list as no longer valid (use it only with the complete table).
    """
    from giamngheo.geo.official_csv import read_official_csv

    units = read_official_csv(path)
    return _load(units, actor=actor, retire_missing=retire_missing)


__all__ = ["PACKAGED_SOURCE", "LoadReport", "area_type_for", "units_load_official_csv", "units_load_packaged"]
