"""The pages work under the Content-Security-Policy (issue 13, class 10): log-in, the household form (adding
a member is app.js, no inline script), the household page with its HTMX history fragment, and the review
case page's live classification (HTMX) — with no CSP violation reported by Chromium."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from playwright.sync_api import expect

from giamngheo.accounts.roles import Role
from giamngheo.households.services import household_create

PASSWORD = "mat-khau-rat-dai-2025"  # noqa: S105 - a test account's password


def _watch_violations(page: Any) -> list[str]:
    """Collect every CSP violation the page reports, from the console and from the DOM event."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def test_login_household_form_and_page_work_without_csp_violations(page, unit_tree, make_user):
    from tests.browser.test_households import poor_household_record

    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="csp.xa", password=PASSWORD)
    household_create(actor=officer, record=poor_household_record())
    violations = _watch_violations(page)

    response = page.goto(reverse("accounts:login"))
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=username]", "csp.xa")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/$"))
    # The home page loads its counts through htmx.
    page.wait_for_load_state("networkidle")

    # The household page loads its history fragment through htmx.
    page.goto(reverse("households:detail", args=["HH-77"]))
    expect(page.locator("article.explanation").first).to_contain_text("Hộ nghèo")
    page.wait_for_load_state("networkidle")

    # Adding a member card is app.js's work: it only happens if the script was allowed to run.
    page.goto(reverse("households:edit", args=["HH-77"]))
    cards = page.locator("#member-forms .member-card")
    before = cards.count()
    page.locator("#add-member").click()
    expect(cards).to_have_count(before + 1)
    assert page.input_value("#id_members-TOTAL_FORMS") == str(before + 1)

    assert violations == []


def test_review_case_live_classification_works_without_csp_violations(page_as, unit_tree, make_user):
    from tests.browser.test_review import _household

    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    _household(unit_tree)
    page = page_as(officer)
    violations = _watch_violations(page)
    page.goto(reverse("reviews:index"))
    page.select_option("select[name=commune]", label=unit_tree.commune.name)
    page.fill("input[name=year]", "2025")
    page.get_by_role("button", name="Mở đợt và lập danh sách").click()
    page.wait_for_selector("#cases")
    page.get_by_role("link", name="H1").click()
    page.fill("input[name=reference_date]", "01/10/2025")
    page.fill("input[name=income]", "1.200.000")
    page.fill("input[name=floor_area_m2]", "20")
    page.check("input[name='walls_durable'][value='no']")
    # The live result is an HTMX fragment refreshed as the answers change.
    expect(page.locator("#live-result")).not_to_be_empty()
    page.locator("#add-member").click()
    expect(page.locator("#member-forms .member-card")).to_have_count(2)
    page.wait_for_load_state("networkidle")

    assert violations == []
