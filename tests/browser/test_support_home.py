"""Issue 8's acceptance path in headless Chromium: from the home page, one click to the poor households that
got no support this year, and one click to the targets that are off track — for a commune officer and for a
province officer."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal
from typing import Any

from django.utils import timezone

from giamngheo.accounts.roles import Role
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)
from tests.support.conftest import set_status  # noqa: F401  (fixture)


def _standard(year: int) -> str:
    return "2022-2025" if year <= 2025 else "2026" if year == 2026 else "2027-2030"


def _keep(path: Any) -> None:
    # Set GIAMNGHEO_SCREENSHOTS=<dir> to keep the pictures for a human to look at.
    target = os.environ.get("GIAMNGHEO_SCREENSHOTS")
    if target:
        os.makedirs(target, exist_ok=True)
        shutil.copy(path, target)


def _world(unit_tree: Any, make_household: Any, set_status: Any) -> int:  # noqa: F811
    from giamngheo.support.models import SupportKind, SupportRecord, Target

    year = timezone.localdate().year
    forgotten = make_household(unit_tree.hamlet, code="P-QUEN", head="Lò Thị Quên")
    helped = make_household(unit_tree.hamlet, code="P-GIUP", head="Vì Văn Giúp")
    for code in ("K-1", "K-2"):
        make_household(unit_tree.hamlet2, code=code, head="Nguyễn Văn Khá")
    for household in (forgotten, helped):
        set_status(household, year - 1, "poor", standard_id=_standard(year - 1))
        set_status(household, year, "poor", standard_id=_standard(year))
    SupportRecord.objects.create(
        household=helped, unit_path=helped.unit_path, kind=SupportKind.objects.get(code="health_insurance"),
        given_on=dt.date(year, 1, 15), year=year, provider_type="state_agency", quantity=1)
    # Two poor of four households: 50 %, far above a target of 1 % for this year.
    for unit in (unit_tree.commune, unit_tree.province):
        Target.objects.create(unit=unit, unit_path=unit.path, indicator="poverty_rate", standard_id=_standard(year),
                              baseline_year=year - 1, target_year=year, value=Decimal("1"),
                              source_document="Nghị quyết 12/NQ-HĐND")
    return year


def _follow_both_cards(page: Any, screenshot: Any, who: str, targets_seen: int) -> None:
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tổng quan")
    card = page.locator('a.support-home-card[data-list="chua-ho-tro"]')
    expect(card.locator(".support-home-count")).to_have_text("1")
    _keep(screenshot(f"support-home-{who}"))

    card.click()
    page.wait_for_url("**/ho-tro/danh-sach/chua-ho-tro/**")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lò Thị Quên")
    expect(page.locator("main")).not_to_contain_text("Vì Văn Giúp")
    _keep(screenshot(f"support-list-no-support-{who}"))

    page.goto("/")
    targets = page.locator('a.support-home-card[data-list="targets-off-track"]')
    expect(targets.locator(".support-home-count")).not_to_have_text("0")
    targets.click()
    page.wait_for_url("**/chi-tieu/chua-dat/**")
    _keep(screenshot(f"support-targets-off-track-{who}"))
    row = page.locator("table tbody tr", has_text="Tỷ lệ hộ nghèo")
    expect(row).to_have_count(targets_seen)  # a province officer sees its own target and the commune's
    for i in range(targets_seen):
        expect(row.nth(i)).to_contain_text("Chưa đạt")
        expect(row.nth(i)).to_contain_text("50,00%")


def test_commune_officer_reaches_both_lists_from_home(unit_tree: Any, make_user: Any, make_household: Any,  # noqa: F811
                                                      set_status: Any, page_as: Any, screenshot: Any) -> None:  # noqa: F811
    _world(unit_tree, make_household, set_status)
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    _follow_both_cards(page_as(officer), screenshot, "commune", 1)


def test_province_officer_reaches_both_lists_from_home(unit_tree: Any, make_user: Any, make_household: Any,  # noqa: F811
                                                       set_status: Any, page_as: Any, screenshot: Any) -> None:  # noqa: F811
    _world(unit_tree, make_household, set_status)
    officer = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    _follow_both_cards(page_as(officer), screenshot, "province", 2)
