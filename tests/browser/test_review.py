"""A whole periodic review through the pages in headless Chromium: open the cycle, survey a household on
a phone-sized screen with live classification, classify, village meeting, posting, recognition and the
certificate."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from giamngheo.accounts.roles import Role

from .review_steps import answer_survey, issue_certificates, post_list, recognise, record_meeting


def _household(unit_tree):
    from giamngheo.households.models import Household, Member

    household = Household.objects.create(
        code="H1", commune=unit_tree.commune, hamlet=unit_tree.hamlet, unit_path=unit_tree.hamlet.path,
        reference_date=dt.date(2024, 10, 1), area="rural", head_name="Lò Văn Páo", member_count=1,
        current_class="poor", current_standard="2022-2025",
    )
    Member.objects.create(household=household, position=0, member_id="1", relation="head", name="Lò Văn Páo",
                          sex="male", age=40, ethnicity="Thái", citizen_id="079201012345")
    return household


def test_whole_review_through_the_pages(unit_tree, make_user, page_as, screenshot):
    from playwright.sync_api import expect

    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)
    approver = make_user(role=Role.COMMUNE_APPROVER, unit=unit_tree.commune)
    _household(unit_tree)

    # The commune officer opens the 2025 periodic review; the list is drawn automatically.
    page = page_as(officer)
    page.goto(reverse("reviews:index"))
    page.select_option("select[name=commune]", label=unit_tree.commune.name)
    page.fill("input[name=year]", "2025")
    page.get_by_role("button", name="Mở đợt và lập danh sách").click()
    page.wait_for_selector("#cases")
    assert "Lò Văn Páo" in page.inner_text("#cases")
    cycle_url = page.url

    # The hamlet surveyor fills Phiếu B on a phone; the class updates as answers change.
    page = page_as(surveyor)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(cycle_url)
    page.get_by_role("link", name="H1").click()
    answer_survey(page, surveyed_on="01/10/2025")
    # A locator wait, not wait_for_function: Playwright evaluates a string predicate with eval, which the
    # Content-Security-Policy forbids on our pages.
    expect(page.locator("#live-result")).to_contain_text("Hộ nghèo")
    screenshot("review-survey-phone")
    page.get_by_role("button", name="Hoàn thành phiếu").click()
    page.get_by_role("button", name="Phân loại hộ").click()
    # Wait for the classification's page to arrive before another user acts: on a loaded machine the next
    # user's request would otherwise race the still-running POST.
    expect(page.locator("#case-state")).to_contain_text("Đã phân loại")
    page.wait_for_load_state("networkidle")

    # The officer records the village meeting and posts the list.
    page = page_as(officer)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(cycle_url)
    record_meeting(page, hamlet=unit_tree.hamlet.name, held_on="10/10/2025")
    expect(page.locator(".messages")).to_contain_text("Họp dân đã thống nhất")
    post_list(page, hamlet=unit_tree.hamlet.name, starts_on="12/10/2025", ends_on="15/10/2025")
    expect(page.locator(".messages")).to_contain_text("Đã niêm yết công khai 1 hộ")
    page.get_by_role("link", name="Danh sách niêm yết").first.click()
    posted = page.inner_text("#posted-list")
    assert "Lò Văn Páo" in posted and "Hộ nghèo" in posted and "1.200.000" not in posted

    # The chair recognises the list and issues the certificate.
    page = page_as(approver)
    page.goto(cycle_url)
    recognise(page, number="15/QĐ-UBND", signed_on="20/10/2025")
    expect(page.locator(".messages")).to_contain_text("danh sách năm 2025 đã được khoá")
    issue_certificates(page, issued_on="21/10/2025")
    expect(page.locator(".messages")).to_contain_text("Đã cấp 1 giấy chứng nhận")
    screenshot("review-cycle-recognised")
    link = page.get_by_role("link", name="Giấy chứng nhận 1/GCN-HN.HCN")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
