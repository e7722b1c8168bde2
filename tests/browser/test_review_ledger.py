"""The movements table and a household's ledger in headless Chromium: the officer reads the 2025 movements
of the commune from the dashboard; the approver corrects a ledger entry and takes a household off the list
from the household's history, reached from its registry page."""

from __future__ import annotations

import datetime as dt
import os
import shutil

from django.urls import reverse

from giamngheo.accounts.roles import Role


def _household(unit_tree, code, head, hamlet=None):
    from giamngheo.households.models import Household, Member

    hamlet = hamlet or unit_tree.hamlet
    household = Household.objects.create(
        code=code, commune=unit_tree.commune, hamlet=hamlet, unit_path=hamlet.path,
        reference_date=dt.date(2024, 10, 1), area="rural", head_name=head, member_count=1,
    )
    Member.objects.create(household=household, position=0, member_id="1", relation="head", name=head, sex="male",
                          age=40, ethnicity="Kinh")
    return household


def _put(household, year, klass, unit, em=False):
    from giamngheo.reviews.models import LedgerEntry

    return LedgerEntry.objects.create(
        household=household, year=year, standard_id="2022-2025", series="national", kind="periodic", klass=klass,
        effective_on=dt.date(year, 12, 1), ethnic_minority=em, area="rural", commune=unit.parent, unit_path=unit.path,
    )


def _keep(path):
    # Set GIAMNGHEO_SCREENSHOTS=<dir> to keep the pictures for a human to look at.
    target = os.environ.get("GIAMNGHEO_SCREENSHOTS")
    if target:
        os.makedirs(target, exist_ok=True)
        shutil.copy(path, target)


def test_movements_and_ledger_corrections(unit_tree, make_user, page_as, screenshot):
    from playwright.sync_api import expect

    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    approver = make_user(role=Role.COMMUNE_APPROVER, unit=unit_tree.commune)
    a = _household(unit_tree, "A1", "Lò Văn Páo")
    b = _household(unit_tree, "B2", "Trần Thị Bé")
    c = _household(unit_tree, "C3", "Lê Văn Mới", unit_tree.hamlet2)
    for code in ("D4", "E5", "G6", "K7"):
        _household(unit_tree, code, "Nguyễn Văn Khá")
    _put(a, 2024, "poor", unit_tree.hamlet, em=True)
    _put(a, 2025, "poor", unit_tree.hamlet, em=True)
    _put(b, 2024, "poor", unit_tree.hamlet)
    entry = _put(b, 2025, "near_poor", unit_tree.hamlet)
    _put(c, 2025, "poor", unit_tree.hamlet2)

    page = page_as(officer)
    page.goto(reverse("reviews:index"))
    page.get_by_role("link", name="Biến động hộ nghèo, hộ cận nghèo").click()
    page.fill("input[name=year]", "2025")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_selector("#movements-poor")
    total = page.locator("#movements-poor tbody tr.total").inner_text()
    # 7 households; 2 poor at the start (28,57%), 1 escaped, 1 newly poor, 2 at the end.
    assert "28,57%" in total and "2 − 1 + 1 = 2" in total and "Khớp" in total
    assert "Số liệu khớp" in page.inner_text("main")
    _keep(screenshot("review-movements"))

    page.context.clear_cookies()
    page = page_as(approver)
    page.goto(reverse("households:detail", args=[b.code]))
    page.get_by_role("link", name="Sổ theo dõi hằng năm").click()
    page.wait_for_selector(f"#entry-{entry.pk}")
    page.locator(f"#entry-{entry.pk}").get_by_role("link", name="Đính chính").click()
    page.select_option("select[name=klass]", "poor")
    page.get_by_role("button", name="Ghi đính chính").click()
    expect(page.locator("main")).to_contain_text("Ghi lý do đính chính.")  # nothing written without a reason
    page.fill("textarea[name=reason]", "Biên bản phúc tra ngày 20/01/2026: thu nhập ghi nhầm.")
    _keep(screenshot("review-ledger-correct"))
    page.get_by_role("button", name="Ghi đính chính").click()
    page.wait_for_selector(".superseded")
    history = page.inner_text("main")
    assert f"Đính chính mục số {entry.pk} (năm 2025, đã ghi: Hộ cận nghèo)." in history
    assert "không còn được tính" in history

    page.get_by_role("link", name="Đưa ra khỏi danh sách").click()
    page.fill("input[name=effective_on]", "05/04/2026")
    page.fill("textarea[name=reason]", "Cả hộ chuyển vào tỉnh khác sinh sống.")
    _keep(screenshot("review-household-remove"))
    page.get_by_role("button", name="Đưa ra khỏi danh sách").click()
    page.wait_for_selector("text=Đã đưa hộ ra khỏi danh sách")
    assert "Cả hộ chuyển vào tỉnh khác sinh sống." in page.inner_text("main")
    _keep(screenshot("review-ledger-history"))
