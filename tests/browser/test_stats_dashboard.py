"""Issue 9's dashboards in headless Chromium: the province and a commune dashboard draw every chart and the
map (a canvas of non-zero size in each), one chart downloads as PNG and one chart's data as Excel, and no
script or style is refused by the Content-Security-Policy; the commune's report tables are reached from its
dashboard, previewed for the same year and downloaded as an Excel workbook that names the commune."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl

from giamngheo.accounts.roles import Role
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)
from tests.stats.test_dashboard import build_world


def _keep(path: Any) -> None:
    # Set GIAMNGHEO_SCREENSHOTS=<dir> to keep the pictures for a human to look at.
    target = os.environ.get("GIAMNGHEO_SCREENSHOTS")
    if target:
        os.makedirs(target, exist_ok=True)
        shutil.copy(path, target)


def _drawn_charts(page: Any) -> dict[str, tuple[int, int]]:
    """Every chart box on the page with the size of what ECharts drew in it (0 × 0 when nothing)."""
    return page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('.stats-chart[data-chart]')].map(el => {
            const drawn = el.querySelector('canvas, svg');
            const box = drawn ? drawn.getBoundingClientRect() : {width: 0, height: 0};
            return [el.dataset.chart, [Math.round(box.width), Math.round(box.height)]];
        }))""")


def _open(page: Any, path: str) -> list[str]:
    from playwright.sync_api import expect

    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: refused.append(str(error)))
    page.goto(path)
    expect(page.locator('.stats-chart[data-chart="xu-huong"] canvas')).to_have_count(1)
    page.wait_for_function("document.querySelectorAll('.stats-chart[data-chart]').length === "
                           "document.querySelectorAll('.stats-chart[data-chart] canvas').length")
    return refused


def test_province_and_commune_dashboards_draw_and_download(unit_tree: Any, make_user: Any,
                                                           make_household: Any,  # noqa: F811
                                                           page_as: Any, screenshot: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    build_world(unit_tree, make_household)
    for unit, (lat, lon) in ((unit_tree.commune, (10.25, 106.37)), (unit_tree.other_commune, (9.93, 106.34))):
        unit.latitude, unit.longitude = lat, lon
        unit.save(update_fields=["latitude", "longitude"])
    page = page_as(make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province))

    refused = _open(page, "/thong-ke/86/?nam=2025")
    charts = _drawn_charts(page)
    assert {"xu-huong", "bien-dong", "nhom-ho", "khu-vuc", "don-vi", "ban-do"} <= set(charts)
    # No household of this world has a deprivation profile: those charts say so instead of drawing nothing.
    expect(page.locator("#bieu-do-thieu-hut")).to_contain_text("Chưa có số liệu cho biểu đồ này trong năm.")
    assert all(w > 100 and h > 100 for w, h in charts.values()), charts
    assert refused == []
    expect(page.locator(".stats-card-poor .stats-rate")).to_have_text("33,33%")
    _keep(screenshot("stats-dashboard-province"))

    # A chart as PNG, drawn in the browser.
    page.locator("#bieu-do-xu-huong .stats-download summary").click()
    with page.expect_download() as download_info:
        page.locator('#bieu-do-xu-huong [data-chart-download="png"]').click()
    png = download_info.value
    assert png.suggested_filename == "86-2025-xu-huong.png"
    saved = tmp_path / png.suggested_filename
    png.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and saved.stat().st_size > 2000

    # A chart's data as Excel, from the server.
    page.locator("#bieu-do-bien-dong .stats-download summary").click()
    with page.expect_download() as download_info:
        page.locator("#bieu-do-bien-dong").get_by_role("link", name="Tải số liệu (Excel)").click()
    xlsx = download_info.value
    assert xlsx.suggested_filename == "thong-ke-86-2025-bien-dong.xlsx"
    book_path = tmp_path / xlsx.suggested_filename
    xlsx.save_as(book_path)
    rows = list(openpyxl.load_workbook(book_path).active.iter_rows(values_only=True))
    assert rows[5][:2] == ("Thoát nghèo", 1)

    # From the province's table to a commune's dashboard.
    page.locator("#don-vi-con").get_by_role("link", name="Xã An Bình").click()
    page.wait_for_url("**/thong-ke/86001/**")
    refused = _open(page, page.url)
    charts = _drawn_charts(page)
    assert {"xu-huong", "don-vi"} <= set(charts) and all(w > 100 and h > 100 for w, h in charts.values())
    assert refused == []
    expect(page.locator("#don-vi-con tbody tr")).to_have_count(3)  # two hamlets and the households on none
    _keep(screenshot("stats-dashboard-commune"))

    # From the commune's dashboard to its report tables (the year carried across), previewed, then as Excel.
    page.locator(".stats-related").get_by_role("link", name="Bảng số liệu").click()
    page.wait_for_url("**/thong-ke/86001/bang/?nam=2025")
    expect(page.get_by_role("heading", name="Kết quả rà soát hộ nghèo năm 2025")).to_be_visible()
    expect(page.locator(".stats-related [aria-current=page]")).to_have_text("Bảng số liệu")
    with page.expect_download() as download_info:
        page.locator("#downloads").get_by_role("link", name="Tải Excel").click()
    table = download_info.value
    assert table.suggested_filename == "ket-qua-86001-2025-national.xlsx"
    book_path = tmp_path / table.suggested_filename
    table.save_as(book_path)
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames == ["Hộ nghèo", "Hộ cận nghèo"]
    titles = [row[0] for row in book["Hộ nghèo"].iter_rows(max_row=3, values_only=True)]
    assert titles[0] == "KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2025" and "Xã An Bình" in titles[1], titles
    _keep(screenshot("stats-tables-commune"))
