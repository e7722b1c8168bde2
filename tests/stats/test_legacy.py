"""Pre-2025 units through the crosswalk: old districts re-created from the current communes at each fill (a
commune made from several old districts left out and named, never split by guess), and a table keyed by old
commune codes summed into the current communes (split old communes flagged, rates recomputed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from giamngheo.geo.models import AdminUnit, UnitCrosswalk
from giamngheo.stats import legacy
from giamngheo.stats.legacy import OldRow, normalise_old_code, old_table_to_new
from giamngheo.stats.models import Rollup
from giamngheo.stats.reconcile import reconcile_rollups
from giamngheo.stats.services import stats_fill
from tests.stats.test_fill import put

pytestmark = pytest.mark.django_db


def _old(code: str, level: str, name: str, parent: Any = None) -> Any:
    path = (parent.path if parent else "/") + f"L{code}/"
    return AdminUnit.objects.create(code=code, level=level, kind="xa" if level == "commune" else "huyen",
                                    generation="legacy", name=name, parent=parent, path=path,
                                    valid_to=dt.date(2025, 6, 30), source="tests")


@dataclass
class Legacy:
    """Old province 83 with districts D1 (old communes a, b), D2 (c) and D3 (e)::

        a (D1)        → commune                       commune: D1 only → in D1
        b (D1, split) → commune (default), third      other_commune: D2 only → in D2
        c (D2)        → other_commune                 third: D1 and D3 → in no district, named
        e (D3)        → third
    """

    d1: Any
    d2: Any
    d3: Any
    a: Any
    b: Any
    c: Any
    e: Any
    third: Any


@pytest.fixture
def old_units(unit_tree: Any) -> Legacy:
    province = _old("83", "province", "Tỉnh Bến Tre")
    d1 = _old("829", "district", "Huyện Châu Thành", province)
    d2 = _old("831", "district", "Huyện Giồng Trôm", province)
    d3 = _old("835", "district", "Huyện Ba Tri", province)
    a = _old("28756", "commune", "Xã Tân Thạch", d1)
    b = _old("28759", "commune", "Xã Quới Sơn", d1)
    c = _old("28900", "commune", "Xã Phong Nẫm", d2)
    e = _old("29000", "commune", "Xã An Đức", d3)
    third = AdminUnit.objects.create(code="86003", level="commune", kind="xa", generation="2025",
                                     name="Xã Tân Phú", parent=unit_tree.province, path="/86/86003/",
                                     area_type="rural", source="tests")
    for old, new, split, default in [(a, unit_tree.commune, False, True), (b, unit_tree.commune, True, True),
                                     (b, third, True, False), (c, unit_tree.other_commune, False, True),
                                     (e, third, False, True)]:
        UnitCrosswalk.objects.create(old_unit=old, new_unit=new, is_split=split, is_default=default)
    return Legacy(d1, d2, d3, a, b, c, e, third)


def _households(unit_tree: Any, old_units: Legacy, make_household: Any, year: int) -> None:
    for code, unit, klass in [("A", unit_tree.hamlet, "poor"), ("B", unit_tree.hamlet2, "near_poor"),
                              ("C", unit_tree.commune, "average"), ("D", unit_tree.other_hamlet, "poor"),
                              ("E", old_units.third, "poor")]:
        put(make_household(unit, code=code), year, klass, unit)


def _counts(unit: Any, level: str, year: int) -> dict[str, Any]:
    row = Rollup.objects.filter(unit=unit, level=level, year=year, area="all").first()
    return row.counts if row else {}


def test_old_districts_are_the_sums_of_the_communes_wholly_made_from_them(unit_tree: Any, old_units: Legacy,
                                                                          make_household: Any) -> None:
    _households(unit_tree, old_units, make_household, 2024)
    stats_fill(province=unit_tree.province, series="national", year=2024)
    d1 = _counts(old_units.d1, "old_district", 2024)
    commune = _counts(unit_tree.commune, "commune", 2024)
    assert (d1["households"], d1["poor.end"], d1["near_poor.end"]) == (3, 1, 1)
    assert {k: v for k, v in commune.items() if legacy.is_stock(k)} == d1
    assert _counts(old_units.d2, "old_district", 2024)["poor.end"] == 1
    # The third commune (old communes of D1 and D3) is in no district: D3 gets no row, its poor household is
    # nowhere among the districts, and no movement code is summed across communes.
    assert _counts(old_units.d3, "old_district", 2024) == {}
    assert not any(code.endswith(".escaped") for code in d1)

    districts, unplaced = legacy.old_district_figures(unit_tree.province, year=2024)
    assert [(d.name, d.complete, d.communes, d.rate("poor.end")) for d in districts] == [
        ("Huyện Châu Thành (Tỉnh Bến Tre)", False, 1, pytest.approx(1 / 3)),
        ("Huyện Giồng Trôm (Tỉnh Bến Tre)", True, 1, 1.0),
    ]
    assert [(u.name, u.district_names) for u in unplaced] == [
        ("Xã Tân Phú", ["Huyện Ba Tri (Tỉnh Bến Tre)", "Huyện Châu Thành (Tỉnh Bến Tre)"])]
    # The old districts are not part of the check of the current tree, which still adds up.
    assert reconcile_rollups(unit_tree.province, year=2024) == []


def test_no_old_districts_after_2025_and_a_refill_replaces_them(unit_tree: Any, old_units: Legacy,
                                                               make_household: Any) -> None:
    _households(unit_tree, old_units, make_household, 2025)
    stats_fill(province=unit_tree.province, series="national", year=2025)
    stats_fill(province=unit_tree.province, series="national", year=2025)
    assert Rollup.objects.filter(level="old_district", year=2025, area="all").count() == 2
    stats_fill(province=unit_tree.province, series="national", year=2026)
    assert not Rollup.objects.filter(level="old_district", year=2026).exists()


def test_an_old_table_is_summed_into_the_new_communes_with_split_communes_flagged(unit_tree: Any,
                                                                                  old_units: Legacy) -> None:
    rows = [
        OldRow(2, "28756", {"Số hộ": 100, "Số hộ nghèo": 10}),
        OldRow(3, "28759", {"Số hộ": 50, "Số hộ nghèo": 5}),
        OldRow(4, "28900", {"Số hộ": 80, "Số hộ nghèo": None}),
        OldRow(5, "99999", {"Số hộ": 1, "Số hộ nghèo": 1}),
        OldRow(6, "L28756", {"Số hộ": 100, "Số hộ nghèo": 10}),
    ]
    result = old_table_to_new(rows, scope_paths=["/86/"])
    assert [(c.name, c.values, c.rate("Số hộ nghèo", "Số hộ"), c.split_notes) for c in result.communes] == [
        ("Xã An Bình", {"Số hộ": 150, "Số hộ nghèo": 15}, 0.1, ["Xã Quới Sơn"]),
        ("Phường Tân Hòa", {"Số hộ": 80, "Số hộ nghèo": 0}, 0.0, []),
    ]
    assert [(s.sheet_row, s.name, s.default, s.others) for s in result.split] == [
        (3, "Xã Quới Sơn", "Xã An Bình", ["Xã Tân Phú"])]
    assert result.unknown == [(5, "99999")]
    assert result.repeated == [(6, "L28756")]


def test_old_codes_outside_the_scope_read_as_unknown(unit_tree: Any, old_units: Legacy) -> None:
    rows = [OldRow(2, "28756", {"Số hộ": 100}), OldRow(3, "28900", {"Số hộ": 80})]
    result = old_table_to_new(rows, scope_paths=[unit_tree.commune.path])
    assert [c.name for c in result.communes] == ["Xã An Bình"]
    assert result.unknown == [(3, "28900")]
    assert old_table_to_new(rows, scope_paths=["/01/"]).communes == []


@pytest.mark.parametrize(("raw", "code"), [("292", "00292"), ("L28756", "28756"), (" 28756 ", "28756"),
                                           ("28756.0", "28756"), ("x1", "X1")])
def test_old_codes_lost_leading_zeros_are_restored(raw: str, code: str) -> None:
    assert normalise_old_code(raw) == code
