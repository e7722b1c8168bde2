"""Two-factor log-in in Chromium (issue 11): an officer enrols on "Tài khoản của tôi" (the QR code is an inline
SVG image that the Content-Security-Policy lets through), signs out, and signs in again with the password and
then the code of the authenticator app — computed here with django-otp's own TOTP."""

from __future__ import annotations

import re
import time
from typing import Any

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from giamngheo.accounts.roles import Role

PASSWORD = "mat-khau-rat-dai-2025"  # noqa: S105 - a test account's password


def _code(user: Any) -> str:
    """What the app shows now; the device forgets the time step already used (django-otp refuses a replay)."""
    device = TOTPDevice.objects.filter(user=user).latest("pk")
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def _sign_in_with_password(page: Any) -> None:
    page.goto(reverse("accounts:login"))
    page.fill("input[name=username]", "hai.buoc")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_enrol_then_sign_in_with_password_and_code(page, unit_tree, make_user, screenshot, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # argon2 is not under test
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="hai.buoc", password=PASSWORD)
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
    page.fill("#id_confirm_code", _code(officer))
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".messages")).to_contain_text("Đã bật đăng nhập hai bước")

    page.context.clear_cookies()
    _sign_in_with_password(page)
    page.wait_for_url(re.compile(reverse("accounts:login_code") + "$"))
    screenshot("two-factor-code")
    page.fill("input[name=code]", _code(officer))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(reverse("accounts:me"))
    expect(page.locator("#two-factor")).to_contain_text("Đã bật đăng nhập hai bước")
    assert violations == []
