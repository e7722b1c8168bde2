"""The harness itself: the live server answers, Chromium renders the log-in page with its styles and htmx."""

from __future__ import annotations

from django.urls import reverse


def test_login_page_renders_in_chromium(page, screenshot):
    response = page.goto(reverse("accounts:login"))

    assert response is not None and response.status == 200
    assert page.title().startswith("Đăng nhập")
    assert page.locator("input[type=password]").count() == 1
    # The stylesheet and htmx are served (a page without them looks broken and its fragments do nothing).
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("document.styleSheets.length && document.styleSheets[0].cssRules.length") > 0
    shot = screenshot("login")
    assert shot.stat().st_size > 5_000
