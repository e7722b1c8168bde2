"""Two-factor log-in in Chromium (issue 11): an officer enrols on "Tài khoản của tôi" (the QR code is an inline
SVG image that the Content-Security-Policy lets through), signs out, and signs in again with the password and
then the code of the authenticator app — computed here, like the app does, from the secret the page shows,
with django-otp's own TOTP. The test thread never touches the database while the server runs: on SQLite the
live server shares the test's one connection, and a query from here in the middle of a request breaks both."""

from __future__ import annotations

import re
import time
from base64 import b32decode
from typing import Any

from django.urls import reverse
from django_otp.oath import TOTP
from playwright.sync_api import expect

from giamngheo.accounts.roles import Role

PASSWORD = "mat-khau-rat-dai-2025"  # noqa: S105 - a test account's password


class _AuthenticatorApp:
    """The officer's phone: knows the secret, shows the code of the current 30-second step. django-otp refuses a
    step already used (replay) and accepts one step ahead, so a second code inside the same step is the next one."""

    def __init__(self, secret: str) -> None:
        self.totp = TOTP(b32decode(secret.replace(" ", "")), step=30, t0=0, digits=6, drift=0)
        self.last_step = -1

    def code(self) -> str:
        self.totp.time = time.time()
        step = max(self.totp.t(), self.last_step + 1)
        self.last_step = step
        self.totp.time = step * 30 + 1
        return f"{self.totp.token():06d}"


def _sign_in_with_password(page: Any) -> None:
    page.goto(reverse("accounts:login"))
    page.fill("input[name=username]", "hai.buoc")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_enrol_then_sign_in_with_password_and_code(page, unit_tree, make_user, screenshot, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # argon2 is not under test
    make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="hai.buoc", password=PASSWORD)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    _sign_in_with_password(page)
    page.wait_for_url(re.compile(r"/$"))
    page.goto(reverse("accounts:me"))
    page.get_by_role("button", name="Bật đăng nhập hai bước").click()
    page.wait_for_url(re.compile(reverse("accounts:two_factor") + "$"))
    qr = page.locator("#two-factor-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("document.getElementById('two-factor-qr').naturalWidth") > 100  # the image rendered
    screenshot("two-factor-enrol")
    phone = _AuthenticatorApp(page.locator("#two-factor-secret").inner_text())
    page.fill("#id_confirm_code", phone.code())
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".messages")).to_contain_text("Đã bật đăng nhập hai bước")

    page.context.clear_cookies()
    _sign_in_with_password(page)
    page.wait_for_url(re.compile(reverse("accounts:login_code") + "$"))
    screenshot("two-factor-code")
    page.fill("input[name=code]", phone.code())
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(reverse("accounts:me"))
    expect(page.locator("#two-factor")).to_contain_text("Đã bật đăng nhập hai bước")
    assert violations == []
