"""Issue 15 item 7 in Chromium: a double tap on a survey button saves once and blames nobody; answers
typed before the session expired are still on the form after logging in again (kept on the device)."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from giamngheo.accounts.roles import Role


def _case(unit_tree, make_user):
    from giamngheo.households.models import Household, Member
    from giamngheo.reviews import services

    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    household = Household.objects.create(
        code="H1", commune=unit_tree.commune, hamlet=unit_tree.hamlet, unit_path=unit_tree.hamlet.path,
        area="rural", head_name="Lò Văn Páo", member_count=1, current_class="poor", current_standard="2022-2025",
        reference_date=dt.date(2024, 10, 1))
    Member.objects.create(household=household, position=0, member_id="1", relation="head", name="Lò Văn Páo",
                          sex="male", age=40, ethnicity="Thái")
    cycle = services.review_cycle_open(actor=officer, commune=unit_tree.commune, year=2025)
    return cycle.cases.get()


def test_double_tap_saves_once_and_an_expired_session_keeps_the_answers(unit_tree, make_user, page_as, page):
    from django.contrib.sessions.models import Session
    from playwright.sync_api import expect

    from giamngheo.core.models import AuditEntry

    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)
    case = _case(unit_tree, make_user)
    url = reverse("reviews:case", args=[case.pk])
    page.set_viewport_size({"width": 390, "height": 844})
    page_as(surveyor)
    page.goto(url)
    page.fill("input[name=income]", "1.200.000")
    page.locator("button[name=action][value=draft]").dblclick()
    expect(page.locator(".messages")).to_contain_text("Đã lưu nháp phiếu khảo sát", timeout=15_000)
    expect(page.locator(".messages")).not_to_contain_text("người khác")
    assert AuditEntry.objects.filter(action="giamngheo.review.case_draft_saved", object_id=str(case.pk)).count() == 1

    # The session expires while the surveyor types; the save lands on the log-in page.
    page.fill("input[name=income]", "1.350.000")
    Session.objects.all().delete()
    page.locator("button[name=action][value=draft]").click()
    expect(page).to_have_url(re.compile("dang-nhap"), timeout=15_000)
    page_as(surveyor)
    page.goto(url)
    expect(page.locator("#draft-restored")).to_be_visible(timeout=15_000)
    expect(page.locator("input[name=income]")).to_have_value("1.350.000")
