"""The dashboard pages: scope (outside it = 404, like a unit that does not exist), bounded parameters, the chart
Excel downloads, the update-figures button, the boundary upload, and a fixed number of queries."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from giamngheo.core.models import AuditEntry
from giamngheo.stats.models import FillState, FillStatus, UnitBoundary
from tests.stats.test_dashboard import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(unit_tree: Any, make_household: Callable[..., Any]) -> dict[str, Any]:
    return build_world(unit_tree, make_household)


@pytest.fixture
def as_role(make_user: Callable[..., Any], client_for: Callable[[Any], Any]) -> Callable[[str, Any], Any]:
    def make(role: str, unit: Any) -> Any:
        return client_for(make_user(role, unit))
    return make


def test_home_redirects_to_the_highest_unit_in_scope(world: Any, unit_tree: Any, as_role: Any) -> None:
    response = as_role("commune_officer", unit_tree.commune).get("/thong-ke/")
    assert response.status_code == 302 and response["Location"] == "/thong-ke/86001/"
    assert as_role("province_officer", unit_tree.province).get("/thong-ke/")["Location"] == "/thong-ke/86/"


def test_anonymous_goes_to_log_in(world: Any, client: Any) -> None:
    response = client.get("/thong-ke/86/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_province_dashboard_shows_the_figures(world: Any, unit_tree: Any, as_role: Any) -> None:
    page = as_role("province_officer", unit_tree.province).get("/thong-ke/86/?nam=2025")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thống kê giảm nghèo: Tỉnh Thử Nghiệm 86" in html
    assert "33,33%" in html  # 2 poor of 6 households
    assert "Số liệu tính đến" in html and "Cập nhật số liệu" in html
    # Chart data is embedded as JSON (no inline script), one entry per chart drawn.
    data = json.loads(html.split('id="stats-chart-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert {"xu-huong", "bien-dong", "nhom-ho", "khu-vuc", "thieu-hut", "af", "don-vi"} <= set(data)
    assert data["xu-huong"]["categories"] == ["2024", "2025"]
    assert '<a href="/thong-ke/86001/?nam=2025">Xã An Bình</a>' in html
    assert "<script>" not in html
    # Under each chart its table, formatted: escaped 1 household, 50% of the poor at the start of the year.
    assert ('<th scope="row">Thoát nghèo</th><td class="num">1</td><td class="num">50,00%</td>'
            '<td class="num">16,67%</td>') in html


def test_commune_officer_sees_own_commune_only(world: Any, unit_tree: Any, as_role: Any) -> None:
    client = as_role("commune_officer", unit_tree.commune)
    assert client.get("/thong-ke/86001/?nam=2025").status_code == 200
    assert client.get("/thong-ke/86001-h1/?nam=2025").status_code == 200
    for path in ("/thong-ke/86002/", "/thong-ke/86/", "/thong-ke/86002-h1/", "/thong-ke/99999/",
                 "/thong-ke/86002/bieu-do/xu-huong.xlsx", "/thong-ke/86/bieu-do/xu-huong.xlsx"):
        assert client.get(path).status_code == 404, path


def test_hamlet_surveyor_sees_own_hamlet_only(world: Any, unit_tree: Any, as_role: Any) -> None:
    client = as_role("hamlet_surveyor", unit_tree.hamlet)
    page = client.get("/thong-ke/86001-h1/?nam=2025")
    assert page.status_code == 200 and "Cập nhật số liệu" not in page.content.decode()
    for path in ("/thong-ke/86001/", "/thong-ke/86001-h2/", "/thong-ke/86/"):
        assert client.get(path).status_code == 404, path
    assert client.post("/thong-ke/86001-h1/cap-nhat/").status_code == 404


@pytest.mark.parametrize("query", ["nam=1900", "nam=abc", "nam=20255", "chuan=local-99", "chuan=%3Cx%3E"])
def test_bad_parameters_answer_400_in_vietnamese(world: Any, unit_tree: Any, as_role: Any, query: str) -> None:
    response = as_role("province_officer", unit_tree.province).get(f"/thong-ke/86/?{query}")
    assert response.status_code == 400
    assert "Năm" in response.content.decode() or "Chuẩn nghèo" in response.content.decode()


def test_a_year_without_figures_says_so(world: Any, unit_tree: Any, as_role: Any) -> None:
    page = as_role("province_officer", unit_tree.province).get("/thong-ke/86/?nam=2019")
    assert page.status_code == 200 and "Chưa tổng hợp số liệu năm 2019" in page.content.decode()
    assert as_role("province_officer", unit_tree.province).get(
        "/thong-ke/86/bieu-do/xu-huong.xlsx?nam=2019").status_code == 404


def test_chart_excel_has_the_charts_table_and_is_audited(world: Any, unit_tree: Any, as_role: Any) -> None:
    client = as_role("commune_officer", unit_tree.commune)
    response = client.get("/thong-ke/86001/bieu-do/don-vi.xlsx?nam=2025")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="thong-ke-86001-2025-don-vi.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Tỷ lệ hộ nghèo, hộ cận nghèo theo đơn vị"
    header = rows[4]
    assert header[:2] == ["Đơn vị", "Tỷ lệ hộ nghèo (%)"]
    by_name = {r[0]: dict(zip(header, r, strict=False)) for r in rows[5:]}
    assert by_name["Ấp Bình Minh"]["Số hộ cận nghèo"] == 1
    assert by_name["Hộ chưa gắn thôn/ấp, tổ dân phố"]["Số hộ nghèo"] == 1
    entry = AuditEntry.objects.get(action="giamngheo.stats.chart_exported")
    assert entry.unit_path == unit_tree.commune.path and entry.object_id == "don-vi"


def test_every_chart_and_the_map_download(world: Any, unit_tree: Any, as_role: Any) -> None:
    client = as_role("province_officer", unit_tree.province)
    for chart in ("xu-huong", "bien-dong", "nhom-ho", "khu-vuc", "thieu-hut", "nguyen-nhan", "af", "don-vi",
                  "ban-do"):
        response = client.get(f"/thong-ke/86/bieu-do/{chart}.xlsx?nam=2025")
        assert response.status_code == 200, chart
        load_workbook(io.BytesIO(response.content))
    assert client.get("/thong-ke/86/bieu-do/khong-co.xlsx?nam=2025").status_code == 404


def test_text_cells_cannot_become_formulas(world: Any, unit_tree: Any, as_role: Any) -> None:
    unit_tree.other_commune.name = "=HYPERLINK(\"http://x\")"
    unit_tree.other_commune.save(update_fields=["name"])
    response = as_role("province_officer", unit_tree.province).get("/thong-ke/86/bieu-do/don-vi.xlsx?nam=2025")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_page_costs_a_fixed_number_of_queries(world: Any, unit_tree: Any, as_role: Any,
                                                 django_assert_max_num_queries: Any) -> None:
    client = as_role("province_officer", unit_tree.province)
    client.get("/thong-ke/86/?nam=2025")  # warm the session
    # Session, user, unit, grants and the session save; the rest reads rollups, fill state, target, map.
    with django_assert_max_num_queries(17):
        assert client.get("/thong-ke/86/?nam=2025").status_code == 200


def test_update_button_marks_the_province_stale(world: Any, unit_tree: Any, as_role: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    client = as_role("province_officer", unit_tree.province)
    assert client.get("/thong-ke/86/cap-nhat/").status_code == 405
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/thong-ke/86001/cap-nhat/?nam=2025")
    assert response.status_code == 302 and response["Location"] == "/thong-ke/86001/?nam=2025"
    assert set(FillState.objects.values_list("status", flat=True)) == {FillStatus.STALE}
    page = client.get("/thong-ke/86/?nam=2025").content.decode()
    assert "Có thay đổi mới, số liệu đang chờ cập nhật." in page


def test_commune_officer_may_refresh_own_commune(world: Any, unit_tree: Any, as_role: Any,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    client = as_role("commune_officer", unit_tree.commune)
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post("/thong-ke/86001/cap-nhat/").status_code == 302
        assert client.post("/thong-ke/86002/cap-nhat/").status_code == 404


def _geojson(*codes: str) -> bytes:
    square = [[[106.0, 10.0], [106.1, 10.0], [106.1, 10.1], [106.0, 10.0]]]
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma_xa": code}, "geometry": {"type": "Polygon", "coordinates": square}}
        for code in codes]}).encode()


def test_province_officer_uploads_boundaries_and_the_map_uses_them(world: Any, unit_tree: Any, as_role: Any,
                                                                   make_user: Any, client_for: Any) -> None:
    admin = client_for(make_user("province_officer", unit_tree.province))
    upload = SimpleUploadedFile("xa.geojson", _geojson("86001", "86002", "99999"), "application/geo+json")
    response = admin.post("/thong-ke/86/ranh-gioi/", {"tep": upload, "thuoc_tinh": "ma_xa"}, follow=True)
    assert "Đã lưu ranh giới: 2/3 vùng khớp với mã xã." in response.content.decode()
    boundary = UnitBoundary.objects.get(province=unit_tree.province)
    assert (boundary.features, boundary.matched) == (3, 2)
    assert AuditEntry.objects.filter(action="giamngheo.stats.boundary_uploaded").count() == 1
    # Every reader of the province gets the boundaries; a commune officer gets 404 like any unit outside scope.
    reader = as_role("province_officer", unit_tree.province)
    assert reader.get("/thong-ke/86/ranh-gioi/").json()["features"][0]["properties"]["ma_xa"] == "86001"
    assert as_role("commune_officer", unit_tree.commune).get("/thong-ke/86/ranh-gioi/").status_code == 404
    page = reader.get("/thong-ke/86/?nam=2025").content.decode()
    assert 'data-boundary="/thong-ke/86/ranh-gioi/"' in page


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "Tệp không phải GeoJSON hợp lệ"),
    (b'{"type": "Feature"}', "Tệp phải là một FeatureCollection của GeoJSON."),
    (_geojson("11111"), "Không vùng nào có mã xã của tỉnh"),
    (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"ma_xa": "86001"},
                                                            "geometry": {"type": "Point", "coordinates": [1, 2]}}]}
                ).encode(), "Vùng thứ 1 không phải Polygon hoặc MultiPolygon."),
])
def test_bad_boundaries_are_refused_with_a_reason(world: Any, unit_tree: Any, make_user: Any, client_for: Any,
                                                  content: bytes, message: str) -> None:
    admin = client_for(make_user("system_admin", unit_tree.province))
    upload = SimpleUploadedFile("xa.geojson", content, "application/geo+json")
    response = admin.post("/thong-ke/86/ranh-gioi/", {"tep": upload, "thuoc_tinh": "ma_xa"}, follow=True)
    assert message in response.content.decode()
    assert not UnitBoundary.objects.exists()


def test_boundary_upload_needs_unit_manage_on_the_province_itself(world: Any, unit_tree: Any, as_role: Any) -> None:
    for role, unit in (("commune_officer", unit_tree.commune), ("hamlet_surveyor", unit_tree.hamlet)):
        upload = SimpleUploadedFile("xa.geojson", _geojson("86001"), "application/geo+json")
        response = as_role(role, unit).post("/thong-ke/86/ranh-gioi/", {"tep": upload, "thuoc_tinh": "ma_xa"})
        assert response.status_code == 404, role
    assert not UnitBoundary.objects.exists()
