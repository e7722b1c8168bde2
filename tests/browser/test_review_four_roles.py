"""The 2025 periodic review of one commune as its four kinds of users live it (issue 15), in Chromium:

- the hamlet surveyor on a phone signs in through the log-in form, lands on "Hộ cần rà soát của tôi", types
  the survey date the way a phone keypad allows, double-taps "Hoàn thành phiếu" (saved once, nobody blamed),
  and loses the session in the middle of a second case (the answers come back after signing in again);
- the commune officer on a desktop classifies, records the village meeting and posts the list (a posting
  shorter than the province's minimum is refused);
- the commune approver on a phone tries a Decision dated after today (refused, list not locked), signs it
  dated today, and double-taps "Cấp giấy chứng nhận" (one certificate);
- the province officer on a phone reads the movements and opens the households behind a number (citizen IDs
  masked).

Every phone screen is saved as a screenshot (pytest's tmp_path) and checked for horizontal overflow: a page
that widens beyond the phone is a page the surveyor has to scroll sideways.
"""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from giamngheo.accounts.roles import Role

from .review_steps import answer_survey, issue_certificates, post_list, recognise, record_meeting

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "mat-khau-ra-soat-2025"  # noqa: S105 - a throwaway password for a test user


def _households(unit_tree):
    from giamngheo.households.models import Household, Member

    made = []
    for code, name, citizen_id in (("H1", "Lò Văn Páo", "079201012345"), ("H2", "Điêu Thị Xuân", "079201054321")):
        household = Household.objects.create(
            code=code, commune=unit_tree.commune, hamlet=unit_tree.hamlet, unit_path=unit_tree.hamlet.path,
            reference_date=dt.date(2024, 10, 1), area="rural", head_name=name, member_count=1,
            current_class="poor", current_standard="2022-2025",
        )
        Member.objects.create(household=household, position=0, member_id="1", relation="head", name=name,
                              sex="male", age=40, ethnicity="Thái", citizen_id=citizen_id)
        made.append(household)
    return made


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def _sign_in(page, username: str) -> None:
    page.goto(reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("networkidle")


def test_review_as_surveyor_officer_approver_and_province(unit_tree, make_user, page, page_as, screenshot):
    from django.contrib.sessions.models import Session
    from playwright.sync_api import expect

    from giamngheo.core.models import AuditEntry
    from giamngheo.reviews import services
    from giamngheo.reviews.models import Certificate, ReviewCase

    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)
    approver = make_user(role=Role.COMMUNE_APPROVER, unit=unit_tree.commune)
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    surveyor.set_password(PASSWORD)
    surveyor.save()
    h1, h2 = _households(unit_tree)
    cycle = services.review_cycle_open(actor=officer, commune=unit_tree.commune, year=2025)
    case1, case2 = (ReviewCase.objects.get(cycle=cycle, household=h) for h in (h1, h2))

    # --- The surveyor, on a phone, through the log-in form: lands on the households to survey.
    page.set_viewport_size(PHONE)
    _sign_in(page, surveyor.username)
    expect(page.locator("h1")).to_have_text("Hộ cần rà soát của tôi")
    expect(page.get_by_role("link", name=re.compile("Rà soát định kỳ năm 2025"))).to_be_in_viewport()
    assert "poor" not in page.inner_text("main")  # labels, never codes
    screenshot("phone-1-surveyor-start")
    _no_sideways_scroll(page)

    page.get_by_role("link", name="H1").click()
    answer_survey(page, surveyed_on="02.10.2025")  # a phone keypad without "/"
    expect(page.locator("#live-result")).to_contain_text("Hộ nghèo")
    screenshot("phone-2-survey")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Hoàn thành phiếu").dblclick()
    expect(page.locator(".messages")).to_contain_text("Đã hoàn thành phiếu")
    expect(page.locator(".messages")).not_to_contain_text("người khác")
    assert AuditEntry.objects.filter(action="giamngheo.review.case_surveyed", object_id=str(case1.pk)).count() == 1
    page.get_by_role("button", name="Phân loại hộ").click()
    expect(page.locator("#case-state")).to_contain_text("Đã phân loại")
    screenshot("phone-3-classified")
    _no_sideways_scroll(page)

    # Second household: the session ends while the surveyor types; the answers survive a new log-in.
    page.goto(reverse("reviews:case", args=[case2.pk]))
    answer_survey(page, surveyed_on="02.10.2025")  # a phone keypad without "/"
    page.fill("input[name=income]", "1.350.000")
    Session.objects.all().delete()
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page).to_have_url(re.compile("dang-nhap"))
    page.fill("input[name=username]", surveyor.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("networkidle")
    page.goto(reverse("reviews:case", args=[case2.pk]))
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.locator("input[name=income]")).to_have_value("1.350.000")
    screenshot("phone-4-draft-restored")
    page.get_by_role("button", name="Hoàn thành phiếu").click()
    expect(page.locator(".messages")).to_contain_text("Đã hoàn thành phiếu")
    page.get_by_role("button", name="Phân loại hộ").click()
    expect(page.locator("#case-state")).to_contain_text("Đã phân loại")
    page.wait_for_load_state("networkidle")

    # --- The commune officer, on a desktop: meeting, a too-short posting refused, the real posting.
    page.context.clear_cookies()
    page = page_as(officer)
    page.set_viewport_size(DESKTOP)
    page.goto(reverse("reviews:cycle", args=[cycle.pk]))
    record_meeting(page, hamlet=unit_tree.hamlet.name, held_on="10/10/2025")
    expect(page.locator(".messages")).to_contain_text("Họp dân đã thống nhất")
    post_list(page, hamlet=unit_tree.hamlet.name, starts_on="13/10/2025", ends_on="13/10/2025")  # one Monday
    expect(page.locator("#posting")).to_contain_text("ngày làm việc")
    assert not ReviewCase.objects.filter(cycle=cycle, state="posted").exists()
    post_list(page, hamlet=unit_tree.hamlet.name, starts_on="13/10/2025", ends_on="15/10/2025")
    expect(page.locator(".messages")).to_contain_text("Đã niêm yết công khai 2 hộ")
    screenshot("desktop-1-officer-posted")

    # --- The approver, on a phone: a Decision dated after today is refused and locks nothing.
    page.context.clear_cookies()
    page = page_as(approver)
    page.set_viewport_size(PHONE)
    page.goto(reverse("reviews:cycle", args=[cycle.pk]))
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    recognise(page, number="15/QĐ-UBND", signed_on=tomorrow.strftime("%d/%m/%Y"))
    expect(page.locator("#recognise")).to_contain_text("sau ngày hôm nay")
    assert not cycle.decisions.exists()
    assert not ReviewCase.objects.filter(cycle=cycle, state="recognised").exists()
    screenshot("phone-5-future-decision-refused")
    _no_sideways_scroll(page)

    recognise(page, number="15/QĐ-UBND", signed_on="20/10/2025")
    expect(page.locator(".messages")).to_contain_text("danh sách năm 2025 đã được khoá")
    issue_certificates(page, issued_on="21/10/2025", double_tap=True)
    expect(page.locator(".messages")).to_contain_text("Đã cấp 2 giấy chứng nhận")
    page.wait_for_load_state("networkidle")
    assert Certificate.objects.count() == 2
    screenshot("phone-6-recognised")
    _no_sideways_scroll(page)

    # --- The province officer, on a phone: movements, then the households behind a number (IDs masked).
    page.context.clear_cookies()
    page = page_as(province)
    page.goto(reverse("reviews:movements") + f"?unit={unit_tree.province.code}&year=2025")
    expect(page.locator("main")).to_contain_text("2025")
    screenshot("phone-7-province-movements")
    page.locator("a.drill").first.click()
    listing = page.inner_text("main")
    assert "Lò Văn Páo" in listing or "Điêu Thị Xuân" in listing
    assert "079201012345" not in listing and "079201054321" not in listing
    screenshot("phone-8-province-households")
    _no_sideways_scroll(page)
