"""The import in Chromium with a real task worker: a commune officer uploads ~2,000 households, watches the
progress bar fill and the preview replace it without reloading, commits and reads the report; then uploads a
workbook with errors and downloads it back with the bad cells commented.

PostgreSQL only. On the in-memory SQLite test database the worker thread shares the live server's single
connection and may run only while the test thread blocks in ``task_worker.wait_for_all()`` with no request in
flight (tests/task_worker.py) — but this test is about the page polling the server *while* the worker works, which
is exactly the concurrency that one shared connection cannot take. ``scripts/test-all`` runs it in its
PostgreSQL pass; the same pages are covered on SQLite by tests/imports/test_views.py through the test client.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import expect

from giamngheo.accounts.roles import Role
from giamngheo.households.models import Household
from giamngheo.imports.models import ImportJob, ImportStatus
from tests.imports.conftest import household_rows, write_workbook  # noqa: F401  (fixture)
from tests.task_worker import task_worker  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="IMPORT BROWSER TEST NEEDS POSTGRESQL: on in-memory SQLite the task worker shares the live server's one "
           "connection and cannot run while the page polls (tests/task_worker.py); run it with scripts/pg-throwaway "
           "(scripts/test-all does, in its PostgreSQL pass)",
)

HOUSEHOLDS = 2_000
PROGRESS = re.compile(r'<progress (?:value="(\d+)" )?max="(\d+)"')
WAIT_MS = 90_000  # validation and commit of 2,000 households on a busy 2-core machine


class ProgressWatcher:
    """Every answer of the progress fragment the page polls, as (value or None, max), and whether the page
    navigated (a reload would defeat the point: the result must replace the bar in place)."""

    def __init__(self, page: Any) -> None:
        self.seen: list[tuple[int | None, int]] = []
        self.handed_over = 0
        page.on("response", self._response)

    def saw(self, bar: Any) -> None:
        value = bar.get_attribute("value")
        self.seen.append((int(value) if value else None, int(bar.get_attribute("max") or 0)))

    def _response(self, response: Any) -> None:
        if "/tien-do/" not in response.url or response.status != 200:
            return
        if response.headers.get("hx-retarget") == "#job-body":
            self.handed_over += 1
            return
        match = PROGRESS.search(response.text())
        if match:
            self.seen.append((int(match.group(1)) if match.group(1) else None, int(match.group(2))))


def mark_page(page: Any) -> None:
    """A flag in the page's window: it survives in-place swaps and is gone after any reload or navigation."""
    page.evaluate("window.__notReloaded = true")


def not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__notReloaded === true"))


def test_officer_imports_watches_progress_commits_then_fixes_errors(
        page_as: Any, unit_tree: Any, make_user: Any, write_workbook: Any,  # noqa: F811
        task_worker: Any, screenshot: Any, tmp_path: Path, monkeypatch: Any) -> None:  # noqa: F811
    # 2,000 households commit in well under a second: the commit pauses 3 s after the households are written
    # (the failpoint, in the worker thread), so that the page shows the bar standing part-way, as a large
    # province's file does for minutes.
    monkeypatch.setenv("GIAMNGHEO_IMPORT_FAILPOINT", f"after-households:{tmp_path / 'half-way'}:3")
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, first_name="Lan", last_name="Trần")
    page = page_as(officer)
    watcher = ProgressWatcher(page)
    big = write_workbook(*household_rows(unit_tree.commune.code, HOUSEHOLDS), name="ho-xa-an-binh.xlsx")

    page.goto(reverse("imports:list"))
    page.get_by_role("link", name="Tải tệp lên").click()
    expect(page.get_by_role("link", name="Tải mẫu Excel")).to_be_visible()
    page.get_by_label("Tệp Excel hoặc CSV").set_input_files(str(big))
    screenshot("01-upload")
    page.get_by_role("button", name="Tải lên và kiểm tra").click()

    # The job page, titled with the file name, shows the bar and polls it until the preview takes its place.
    expect(page.get_by_role("heading", level=1)).to_have_text("ho-xa-an-binh.xlsx")
    mark_page(page)
    bar = page.locator("#import-progress progress")
    expect(bar).to_be_visible()
    watcher.saw(bar)
    screenshot("02-progress")
    expect(page.get_by_role("heading", name="Tệp hợp lệ: xem trước rồi ghi vào hệ thống")).to_be_visible(
        timeout=WAIT_MS)
    assert not_reloaded(page), "the preview must replace the progress bar in place, without a reload"
    assert watcher.handed_over == 1
    counts = page.locator("table.import-counts tbody tr").first
    expect(counts).to_contain_text("2.000")  # new households, in Vietnamese digits
    expect(page.locator(".import-samples").first).to_contain_text(f"{unit_tree.commune.code}-T00001")
    screenshot("03-preview")
    assert Household.objects.count() == 0

    page.get_by_label("Giữ nguyên hộ đã có, chỉ thêm hộ mới").check()
    page.get_by_role("button", name="Ghi vào hệ thống").click()
    mark_page(page)
    watcher.saw(bar)
    screenshot("04-writing")
    expect(page.get_by_role("heading", name="Đã ghi xong vào hệ thống")).to_be_visible(timeout=WAIT_MS)
    assert not_reloaded(page), "the report must replace the progress bar in place, without a reload"
    report = page.locator(".import-done")
    expect(report).to_contain_text("đã giữ nguyên")
    expect(report).to_contain_text("Lan")
    screenshot("05-report")
    assert Household.objects.filter(commune=unit_tree.commune).count() == HOUSEHOLDS
    assert ImportJob.objects.get().status == ImportStatus.COMMITTED

    # The bar was seen filling: some answer showed real progress short of the end, or the polling moved it.
    assert watcher.seen, "the page never polled the progress fragment"
    partial = [value for value, maximum in watcher.seen if value is not None and value < maximum]
    moved = len({value for value, _maximum in watcher.seen}) > 1
    assert partial or moved, watcher.seen

    page.locator("a", has_text="hộ được thêm hoặc cập nhật").click()
    expect(page.locator(".result-count")).to_contain_text("2.000 hộ")

    # A workbook with an impossible birth date: the errors, then the officer's own workbook with a comment.
    households, members = household_rows(unit_tree.commune.code, 5, start=HOUSEHOLDS + 1)
    members[4][4] = "31/02/1990"
    broken = write_workbook(households, members, name="ho-co-loi.xlsx")
    page.goto(reverse("imports:upload"))
    page.get_by_label("Tệp Excel hoặc CSV").set_input_files(str(broken))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    download_button = page.get_by_role("link", name="Tải tệp lỗi (Excel)")
    expect(download_button).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("table.import-errors")).to_contain_text("31/02/1990")
    screenshot("06-errors")
    with page.expect_download() as download_info:
        download_button.click()
    download = download_info.value
    assert download.suggested_filename == "loi-ho-co-loi.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    comments = [str(cell.comment.text) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                if cell.comment]
    assert any("31/02/1990" in text for text in comments), comments
    assert Household.objects.filter(commune=unit_tree.commune).count() == HOUSEHOLDS
