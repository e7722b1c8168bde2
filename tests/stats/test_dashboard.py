"""The dashboard's figures and charts against the rollups and a direct count of the small world's ledger.

The world (``build_world``, shared with the view tests), in 2025: hamlet A (escaped: poor 2024 → average 2025),
hamlet B (near-poor both years), hamlet2 C (newly poor 2025, ethnic minority), commune direct D (poor both
years, no working capacity), other_hamlet E (newly near-poor 2025, urban), other_hamlet F (never on the
ledger)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from giamngheo.stats import selectors
from giamngheo.stats.charts import BUILDERS, dashboard_charts
from giamngheo.stats.dashboard import dashboard_get
from giamngheo.stats.map import dashboard_map
from giamngheo.stats.services import stats_fill
from tests.stats.test_fill import put

pytestmark = pytest.mark.django_db


def build_world(unit_tree: Any, make_household: Callable[..., Any]) -> dict[str, Any]:
    t = unit_tree
    a = make_household(t.hamlet, code="A")
    b = make_household(t.hamlet, code="B")
    c = make_household(t.hamlet2, code="C")
    d = make_household(t.commune, code="D")
    e = make_household(t.other_hamlet, code="E", area="urban")
    make_household(t.other_hamlet, code="F", area="urban")
    put(a, 2024, "poor", t.hamlet)
    put(b, 2024, "near_poor", t.hamlet)
    put(d, 2024, "poor", t.commune, no_capacity=True)
    put(a, 2025, "average", t.hamlet)
    put(b, 2025, "near_poor", t.hamlet)
    put(c, 2025, "poor", t.hamlet2, em=True)
    put(d, 2025, "poor", t.commune, no_capacity=True)
    put(e, 2025, "near_poor", t.other_hamlet, area="urban")
    with mock.patch("giamngheo.stats.counts.timezone.localdate", return_value=dt.date(2025, 12, 20)):
        stats_fill(province=t.province, series="national", year=2024)
        stats_fill(province=t.province, series="national", year=2025)
    return {"households": [a, b, c, d, e]}


@pytest.fixture
def world(unit_tree: Any, make_household: Callable[..., Any]) -> dict[str, Any]:
    return build_world(unit_tree, make_household)


def _chart(board: Any, slug: str) -> Any:
    return next(c for c in dashboard_charts(board) if c.slug == slug)


def _series(chart: Any, name: str) -> list[Any]:
    return next(s.values for s in chart.series if s.name == name)


def test_province_figures_are_the_ledgers(world: Any, unit_tree: Any) -> None:
    board = dashboard_get(unit=unit_tree.province, year=2025, series="national")
    assert board.now is not None and board.before is not None
    # 2025: poor C, D; near-poor B, E; six households on the registry.
    assert (board.now["poor.end"], board.now["near_poor.end"], board.households) == (2, 2, 6)
    assert board.poor_rate == pytest.approx(2 / 6)
    # 2024: poor A, D over the same six households: no change in points.
    assert board.poor_points == pytest.approx(0.0)
    assert board.near_poor_points == pytest.approx((2 / 6 - 1 / 6) * 100)
    assert [f.year for f in board.trend] == [2024, 2025]
    # Figure 3: of the two communes only the first has poor households.
    assert (board.children_with_poor, board.children_without_poor) == (1, 1)
    assert board.poor_share_no_capacity == pytest.approx(1 / 6)


def test_children_rows_add_up_to_the_unit(world: Any, unit_tree: Any) -> None:
    for unit in (unit_tree.province, unit_tree.commune):
        board = dashboard_get(unit=unit, year=2025, series="national")
        rows = board.child_rows()
        for key, code in (("households", "households"), ("poor", "poor.end"), ("near_poor", "near_poor.end")):
            assert sum(r[key] for r in rows) == board.now[code], (unit.name, key)
    commune_rows = dashboard_get(unit=unit_tree.commune, year=2025, series="national").child_rows()
    # Two hamlets and the households on no hamlet (D), which links nowhere.
    assert [(r["name"], r["poor"]) for r in commune_rows][-1][1] == 1
    assert commune_rows[-1]["code"] == ""


def test_charts_read_the_rollups(world: Any, unit_tree: Any) -> None:
    board = dashboard_get(unit=unit_tree.province, year=2025, series="national")
    trend = _chart(board, "xu-huong")
    assert trend.categories == ["2024", "2025"]
    assert _series(trend, "Số hộ nghèo") == [2, 2]
    assert _series(trend, "Tỷ lệ hộ cận nghèo (%)") == pytest.approx([100 / 6, 200 / 6], abs=1e-4)
    moves = _chart(board, "bien-dong")
    assert dict(zip(moves.categories, _series(moves, "Số hộ"), strict=True)) == {
        "Thoát nghèo": 1, "Đưa ra khỏi danh sách": 0, "Chuyển sang đơn vị khác": 0, "Từ hộ cận nghèo rơi xuống": 0,
        "Tái nghèo": 0, "Nghèo phát sinh": 1, "Chuyển đến từ đơn vị khác": 0}
    # Escaped: one of the two poor households at the start of the year.
    assert _series(moves, "So với số hộ nghèo đầu năm (%)")[0] == pytest.approx(50.0)
    categories = _chart(board, "nhom-ho")
    assert _series(categories, "Hộ nghèo") == [1, 0, 0, 1]  # C ethnic minority, D no working capacity
    areas = _chart(board, "khu-vuc")
    shares = [s for s in areas.series if s.stack == "share"]
    for i in range(len(areas.categories)):
        assert sum(s.values[i] or 0 for s in shares) == pytest.approx(100.0, abs=1e-3)
    by_unit = _chart(board, "don-vi")
    assert by_unit.categories == ["Xã An Bình", "Phường Tân Hòa"]  # highest poverty rate first
    header, rows = by_unit.table()
    assert header[0] == "Đơn vị" and len(header) == 1 + len(by_unit.series)
    assert rows[0][0] == "Xã An Bình" and rows[0][header.index("Số hộ nghèo")] == 2


def test_alkire_foster_contributions_add_up_to_m0(world: Any, unit_tree: Any) -> None:
    board = dashboard_get(unit=unit_tree.province, year=2025, series="national")
    chart = BUILDERS["af"](board)
    m0 = next(s for s in chart.series if s.name == "M0 (%)")
    stacked = [s for s in chart.series if s.stack == "m0"]
    for i in range(len(chart.categories)):
        if m0.values[i] is not None:
            assert sum(s.values[i] for s in stacked) == pytest.approx(m0.values[i], abs=1e-3)


def test_a_year_without_figures_is_empty(world: Any, unit_tree: Any) -> None:
    board = dashboard_get(unit=unit_tree.province, year=2019, series="national")
    assert board.empty and dashboard_charts(board) == [] and board.children == []


def test_hamlet_dashboard_has_no_children(world: Any, unit_tree: Any) -> None:
    board = dashboard_get(unit=unit_tree.hamlet, year=2025, series="national")
    assert board.now is not None and board.now["near_poor.end"] == 1
    assert "don-vi" not in [c.slug for c in dashboard_charts(board)]
    assert dashboard_map(board) is None


def test_map_places_communes_at_their_centroids(world: Any, unit_tree: Any) -> None:
    unit_tree.commune.latitude, unit_tree.commune.longitude = 10.1, 106.3
    unit_tree.commune.save(update_fields=["latitude", "longitude"])
    board = dashboard_get(unit=unit_tree.province, year=2025, series="national")
    unit_map = dashboard_map(board, url_of=lambda code: f"/thong-ke/{code}/")
    assert unit_map is not None
    assert [(p["code"], p["poor"], p["lon"]) for p in unit_map.points] == [("86001", 2, 106.3)]
    assert unit_map.points[0]["rate"] == pytest.approx(50.0)
    assert unit_map.missing == ["Phường Tân Hòa"]  # has households but no coordinates: named, not dropped


def test_target_plan_is_compared_with_the_rollups(world: Any, unit_tree: Any, make_user: Callable[..., Any]
                                                  ) -> None:
    from giamngheo.support.models import Target

    Target.objects.create(unit=unit_tree.province, unit_path=unit_tree.province.path,
                          indicator="poverty_rate_change", standard_id="2022-2025", baseline_year=2024,
                          target_year=2025, value=Decimal("-1.5"), annual=True, source_document="NQ 1/2024")
    officer = make_user("province_officer", unit_tree.province)
    board = dashboard_get(unit=unit_tree.province, year=2025, series="national", user=officer)
    assert board.target is not None and board.target.planned == Decimal("-1.5")
    assert board.target.actual == pytest.approx(selectors.change_points(board.now, board.before))
    assert board.target.gap == pytest.approx(1.5)
    # Someone who may not read the support app's targets does not get them through the dashboard.
    assert dashboard_get(unit=unit_tree.province, year=2025, series="national").target is None


def test_centroid_cells_hold_their_own_centroid_and_share_the_hull() -> None:
    from shapely.geometry import Point, shape

    from giamngheo.stats.map import centroid_cells

    points = [{"code": f"C{i}", "lon": 106 + (i % 3) * 0.1, "lat": 10 + (i // 3) * 0.1} for i in range(9)]
    cells = centroid_cells(points)
    assert cells is not None and len(cells["features"]) == 9
    for feature in cells["features"]:
        mine = next(p for p in points if p["code"] == feature["properties"]["code"])
        assert shape(feature["geometry"]).contains(Point(mine["lon"], mine["lat"]))
    assert centroid_cells(points[:2]) is None  # two points share no area
    assert centroid_cells([{**p, "lat": 10.0} for p in points[:3]]) is None  # on one line: no hull
