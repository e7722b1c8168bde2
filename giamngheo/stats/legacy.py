"""Pre-2025 units, figured only through the crosswalk (``geo.UnitCrosswalk``: old commune → new commune, a
split old commune with several rows flagged ``is_split``, one of them ``is_default``).

Two directions, both summing counts and recomputing rates from the sums (a rate is never averaged):

* **Old districts from the current communes** (``old_district_rollups_write``, run by ``stats_fill`` for the
  years up to 2025): a current commune belongs to an old district when every old commune it was made from lay
  in that district. A commune made from old communes of several districts cannot be put in any of them without
  a guess; it is left out and reported by name ("không xác định được huyện cũ"), and each district that lost
  a part to such a commune is marked incomplete, so a reader knows the figure is short.
* **An old table on the current communes** (``old_table_to_new``): a report keyed by old commune codes (a
  2023 report, say) is summed into each current commune through the default crosswalk link; an old commune
  that was split is summed whole into its default new commune and flagged, naming the communes that received
  a part of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from giamngheo.geo.models import AdminUnit, Generation, UnitCrosswalk
from giamngheo.stats.measures import add
from giamngheo.stats.models import Rollup, RollupLevel
from giamngheo.stats.reconcile import Number, is_stock

LAST_LEGACY_YEAR = 2025  # the old units were valid until 30/06/2025


# -- old districts from the current communes ----------------------------------------------------------------

@dataclass(frozen=True)
class UnplacedCommune:
    """A current commune whose old communes lay in several old districts (or that has no crosswalk link)."""

    unit_id: int
    name: str
    district_names: list[str]


@dataclass
class DistrictAssignment:
    communes: dict[int, list[int]] = field(default_factory=dict)  # old district id → current commune ids
    unplaced: list[UnplacedCommune] = field(default_factory=list)
    incomplete: set[int] = field(default_factory=set)  # old districts that lost a part to an unplaced commune
    # Old districts with a part in another current province: never written by either province's fill.
    crossing: set[int] = field(default_factory=set)


def old_district_assignment(province: AdminUnit) -> DistrictAssignment:
    """Which current communes of ``province`` make up each old district, and which cannot be placed."""
    sources: dict[int, set[int]] = {}
    for new_id, district_id in UnitCrosswalk.objects.filter(
            new_unit__path__startswith=province.path, new_unit__level="commune",
            old_unit__level="commune").values_list("new_unit_id", "old_unit__parent_id"):
        if district_id is not None:
            sources.setdefault(new_id, set()).add(district_id)
    communes = list(AdminUnit.objects.filter(parent=province, level="commune").order_by("code")
                    .values_list("id", "name"))
    district_names = district_labels({d for ds in sources.values() for d in ds})
    result = DistrictAssignment()
    for commune_id, name in communes:
        districts = sources.get(commune_id, set())
        if len(districts) == 1:
            result.communes.setdefault(next(iter(districts)), []).append(commune_id)
        else:
            result.unplaced.append(UnplacedCommune(commune_id, name, sorted(
                district_names.get(d, "") for d in districts)))
            result.incomplete |= districts
    result.crossing = {d for d in UnitCrosswalk.objects.filter(
        old_unit__parent_id__in=result.communes, old_unit__level="commune").exclude(
        new_unit__path__startswith=province.path).values_list("old_unit__parent_id", flat=True) if d is not None}
    return result


def district_labels(ids: Iterable[int]) -> dict[int, str]:
    """Old district names with their old province: two provinces merged into one both had a "Huyện Châu
    Thành"."""
    return {pk: f"{name} ({province})" if province else name for pk, name, province in AdminUnit.objects.filter(
        pk__in=set(ids)).values_list("id", "name", "parent__name")}


def old_district_rollups_write(*, province: AdminUnit, series: str, year: int, standard_id: str) -> int:
    """Write the old-district rollups of ``province`` from its commune rollups just filled (inside
    ``stats_fill``'s transaction, after the province's rollups of the year were replaced). Only stock counts
    are summed: movements between two communes of one district are not movements of the district."""
    if year > LAST_LEGACY_YEAR:
        return 0
    assignment = old_district_assignment(province)
    district_of = {c: d for d, cs in assignment.communes.items() if d not in assignment.crossing for c in cs}
    if not district_of:
        return 0
    sums: dict[tuple[int, str], dict[str, Any]] = {}
    for unit_id, area, counts in Rollup.objects.filter(
            province=province, series=series, year=year, level=RollupLevel.COMMUNE,
            unit_id__in=district_of).values_list("unit_id", "area", "counts"):
        add(sums.setdefault((district_of[unit_id], area), {}),
            {code: value for code, value in counts.items() if is_stock(code)})
    paths = dict(AdminUnit.objects.filter(pk__in={d for d, _a in sums}).values_list("id", "path"))
    Rollup.objects.bulk_create([
        Rollup(unit_id=district, unit_path=paths[district], level=RollupLevel.OLD_DISTRICT, province=province,
               year=year, series=series, standard_id=standard_id, area=area, counts=counts)
        for (district, area), counts in sums.items()
    ], batch_size=1000)
    return len(sums)


@dataclass(frozen=True)
class OldDistrictFigures:
    unit_id: int
    name: str
    counts: dict[str, Any]
    complete: bool
    communes: int

    def rate(self, code: str) -> float | None:
        households = int(self.counts.get("households", 0) or 0)
        return int(self.counts.get(code, 0) or 0) / households if households else None


def old_district_figures(province: AdminUnit, *, year: int, series: str = "national",
                         area: str = "all") -> tuple[list[OldDistrictFigures], list[UnplacedCommune]]:
    """The stored old-district figures of a province's year, and the communes left out of every district."""
    assignment = old_district_assignment(province)
    rows = Rollup.objects.filter(province=province, series=series, year=year, area=area,
                                 level=RollupLevel.OLD_DISTRICT).order_by("unit_path")
    names = district_labels(r.unit_id for r in rows)
    return [OldDistrictFigures(unit_id=r.unit_id, name=names.get(r.unit_id, ""), counts=r.counts,
                               complete=r.unit_id not in assignment.incomplete,
                               communes=len(assignment.communes.get(r.unit_id, [])))
            for r in rows], assignment.unplaced


# -- an old table on the current communes -------------------------------------------------------------------

@dataclass(frozen=True)
class OldRow:
    sheet_row: int
    code: str
    values: dict[str, Number | None]


@dataclass
class NewCommune:
    unit_id: int
    code: str
    name: str
    path: str
    values: dict[str, Number] = field(default_factory=dict)
    old: list[str] = field(default_factory=list)  # "28756 Xã Hòa Lộc"
    split_notes: list[str] = field(default_factory=list)

    def rate(self, column: str, denominator: str) -> float | None:
        base = self.values.get(denominator)
        return self.values.get(column, 0) / base if base else None


@dataclass(frozen=True)
class SplitOldCommune:
    sheet_row: int
    code: str
    name: str
    default: str  # the new commune it was summed into ("" when there is no default link: left out)
    others: list[str]


@dataclass
class Conversion:
    communes: list[NewCommune] = field(default_factory=list)
    split: list[SplitOldCommune] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (sheet row, code): not found in scope
    repeated: list[tuple[int, str]] = field(default_factory=list)  # (sheet row, code) seen on an earlier row


def normalise_old_code(raw: str) -> str:
    """Old commune codes are five digits; a spreadsheet that stored them as numbers dropped the leading
    zeros ("292" for "00292"), and the application's own paths write them with an ``L``."""
    code = (raw or "").strip().upper().removeprefix("L")
    if code.endswith(".0"):
        code = code[:-2]
    return code.zfill(5) if code.isdigit() else code


def _in_scope(path: str, scope_paths: Sequence[str]) -> bool:
    return any(path.startswith(p) for p in scope_paths)


def old_table_to_new(rows: Iterable[OldRow], *, scope_paths: Sequence[str]) -> Conversion:
    """Sum an old-commune table into the current communes of the user's scope (``scope_paths``, as given by
    ``accounts.scope.paths_for``). An old code that is unknown, or whose new commune is outside the scope, is
    reported the same way ("not found"), so the page never tells which codes exist elsewhere."""
    rows = list(rows)
    olds = {u.code: u for u in AdminUnit.objects.filter(
        generation=Generation.LEGACY, level="commune", code__in={normalise_old_code(r.code) for r in rows})}
    links: dict[int, list[UnitCrosswalk]] = {}
    for link in UnitCrosswalk.objects.filter(old_unit__in=olds.values()).select_related("new_unit"):
        links.setdefault(link.old_unit_id, []).append(link)
    result = Conversion()
    by_new: dict[int, NewCommune] = {}
    seen: set[str] = set()
    for row in rows:
        code = normalise_old_code(row.code)
        old = olds.get(code)
        targets = [link for link in links.get(old.pk, []) if _in_scope(link.new_unit.path, scope_paths)] \
            if old else []
        if old is None or not targets:
            result.unknown.append((row.sheet_row, row.code))
            continue
        if code in seen:
            result.repeated.append((row.sheet_row, row.code))
            continue
        seen.add(code)
        every = links[old.pk]
        default = next((link for link in every if link.is_default), every[0] if len(every) == 1 else None)
        if default is not None and not _in_scope(default.new_unit.path, scope_paths):
            default = None
        if len(every) > 1 or any(link.is_split for link in every):
            result.split.append(SplitOldCommune(
                sheet_row=row.sheet_row, code=code, name=old.name,
                default=default.new_unit.name if default else "",
                others=sorted(link.new_unit.name for link in every if link is not default)))
        if default is None:
            continue
        new = default.new_unit
        target = by_new.setdefault(new.pk, NewCommune(unit_id=new.pk, code=new.code, name=new.name, path=new.path))
        target.old.append(f"{code} {old.name}")
        if len(every) > 1:
            target.split_notes.append(old.name)
        for column, value in row.values.items():
            target.values[column] = target.values.get(column, 0) + (value or 0)
    result.communes = sorted(by_new.values(), key=lambda c: (c.path, c.name))
    return result
