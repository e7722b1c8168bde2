"""Two-factor log-in with an authenticator app (issue 11, item 3): enrolment on "Tài khoản của tôi", the code as
a second log-in step that no other address skips and whose wrong answers count as failed log-ins, removal with
password and code, a province that requires it of its officers, and an administrator's reset for a lost phone."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from giamngheo.accounts.models import TwoFactorRule
from giamngheo.accounts.roles import Role
from giamngheo.accounts.two_factor import two_factor_reset, two_factor_rule_set
from giamngheo.accounts.views.login import PENDING_LOGIN_KEY
from giamngheo.core.errors import PermissionDenied
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "Rà-soát-2025-an-toàn"  # noqa: S105
LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_code")
ME = reverse("accounts:me")


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """The hash algorithm is not what these tests are about; argon2 at every log-in would cost seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(make_user, unit_tree):
    return make_user(Role.COMMUNE_OFFICER, unit_tree.commune, username="canbo", password=PASSWORD)


@pytest.fixture
def admin(make_user, unit_tree):
    return make_user(Role.SYSTEM_ADMIN, unit_tree.province, username="quantri")


def code_for(user) -> str:
    """The code the user's app shows now. The device forgets earlier codes and wrong tries first: django-otp
    refuses a code of a time step already used, and delays a device after wrong codes."""
    device = TOTPDevice.objects.filter(user=user).latest("pk")
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def password_step(address: str = "198.51.100.7", username: str = "canbo", password: str = PASSWORD) -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/ho/"})
    assert response.status_code == 302
    return client


def test_enrolment_shows_a_qr_code_and_the_secret_and_a_right_code_confirms_it(officer, unit_tree):
    other_session = password_step()
    client = password_step()
    assert "Bật đăng nhập hai bước" in client.get(ME).text
    assert client.post(reverse("accounts:two_factor_start")).status_code == 302
    page = client.get(reverse("accounts:two_factor")).text
    assert 'src="data:image/svg+xml;base64,' in page and 'id="two-factor-secret"' in page
    device = TOTPDevice.objects.get(user=officer)
    assert not device.confirmed
    wrong = client.post(reverse("accounts:two_factor_confirm"), {"code": "000000"})
    assert "Mã xác thực không đúng" in wrong.text
    response = client.post(reverse("accounts:two_factor_confirm"), {"code": code_for(officer)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    entry = AuditEntry.objects.get(action="giamngheo.user.two_factor_enabled")
    assert entry.unit_path == unit_tree.commune.path
    # This session stays; one that never gave a code is signed out; the secret is not shown again.
    assert client.get(ME).status_code == 200
    assert other_session.get(ME).status_code == 302
    assert 'id="two-factor-secret"' not in client.get(reverse("accounts:two_factor")).text


def test_the_code_step_cannot_be_skipped(officer):
    enrolled(officer)
    client = password_step()
    assert client.session.get(PENDING_LOGIN_KEY)
    # Right password, no code: nothing is signed in, whatever address is typed next.
    for path in (ME, "/ho/", "/", reverse("accounts:two_factor"), reverse("accounts:password_change_required")):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN), path
    assert client.post(reverse("accounts:token_create"), {"days": 30})["Location"].startswith(LOGIN)
    # The one-step API log-in refuses an account with two-factor log-in.
    api = Client().post("/api/v1/auth/token", {"username": "canbo", "password": PASSWORD},
                        content_type="application/json")
    assert api.status_code == 401 and "hai bước" in api.json()["detail"]
    response = client.post(CODE, {"code": code_for(officer)})
    assert response.status_code == 302 and response["Location"] == "/ho/"
    assert client.get(ME).status_code == 200
    # The session records the device that verified it (request.user.is_verified()), and the step is over.
    assert client.session.get("otp_device_id") and PENDING_LOGIN_KEY not in client.session


def test_the_code_step_expires_and_needs_a_password_step_first(officer):
    enrolled(officer)
    assert Client().get(CODE)["Location"] == LOGIN
    client = password_step()
    session = client.session
    session[PENDING_LOGIN_KEY] = {**session[PENDING_LOGIN_KEY], "at": time.time() - 301}
    session.save()
    response = client.post(CODE, {"code": code_for(officer)}, follow=True)
    assert "Phiên đăng nhập đã hết hạn" in response.text
    assert client.get(ME).status_code == 302


def test_wrong_codes_count_as_failed_log_ins(officer, unit_tree):
    enrolled(officer)
    client = password_step("203.0.113.66")
    for _ in range(4):
        assert "Mã xác thực không đúng" in client.post(CODE, {"code": "123456"}).text
    # A right password again does not forgive the wrong codes: only a whole log-in does.
    client = password_step("203.0.113.66")
    assert "tạm thời bị khoá" in client.post(CODE, {"code": "654321"}).text
    assert "tạm thời bị khoá" in client.post(CODE, {"code": code_for(officer)}).text
    assert client.get(ME).status_code == 302
    lock = AuditEntry.objects.get(action="giamngheo.user.login_locked")
    assert lock.unit_path == unit_tree.commune.path and lock.data["kind"] == "pair"
    # The owner, from their own office, is not held by the guesser.
    owner = password_step("198.51.100.7")
    assert owner.post(CODE, {"code": code_for(officer)}).status_code == 302


def test_removing_needs_the_password_and_a_code(officer, client_for):
    enrolled(officer)
    client = password_step()
    client.post(CODE, {"code": code_for(officer)})
    disable = reverse("accounts:two_factor_disable")
    assert "Mật khẩu hiện tại không đúng" in client.post(disable, {"password": "sai", "code": code_for(officer)}).text
    assert "Mã xác thực không đúng" in client.post(disable, {"password": PASSWORD, "code": "000000"}).text
    assert TOTPDevice.objects.filter(user=officer).exists()
    assert client.post(disable, {"password": PASSWORD, "code": code_for(officer)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEntry.objects.filter(action="giamngheo.user.two_factor_disabled").count() == 1
    assert client.get(ME).status_code == 200


def test_a_province_requires_two_factor_log_in_and_its_officers_enrol_before_anything_else(officer, admin,
                                                                                          unit_tree):
    two_factor_rule_set(actor=admin, unit=unit_tree.province, required=True)
    assert AuditEntry.objects.get(action="giamngheo.user.two_factor_rule_changed").changes == {
        "two_factor_required": [False, True]}
    client = password_step()
    enrol = reverse("accounts:two_factor")
    for path in ("/ho/", ME, "/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(enrol), path
    assert client.get("/ho/", headers={"HX-Request": "true"})["HX-Redirect"] == enrol
    assert "Tỉnh của bạn yêu cầu" in client.get(enrol).text
    client.post(reverse("accounts:two_factor_start"))
    client.post(reverse("accounts:two_factor_confirm"), {"code": code_for(officer)})
    assert client.get("/ho/").status_code == 200
    # Required: the officer cannot remove it.
    refused = client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD, "code": code_for(officer)})
    assert "không tắt được" in refused.text
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()


def test_only_the_provinces_system_admin_sets_the_rule(admin, make_user, unit_tree, client_for, officer):
    province_officer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    with pytest.raises(PermissionDenied):
        two_factor_rule_set(actor=province_officer, unit=unit_tree.province, required=False)
    assert AuditEntry.objects.filter(action="giamngheo.user.two_factor_rule_refused").count() == 1
    page = client_for(province_officer).get(reverse("accounts:two_factor_rules")).text
    assert unit_tree.province.name in page and "Do quản trị hệ thống của tỉnh quyết định" in page
    assert client_for(officer).get(reverse("accounts:two_factor_rules")).status_code == 404
    url = reverse("accounts:two_factor_rule_set", args=[unit_tree.province.pk])
    assert client_for(officer).post(url, {"required": "1"}).status_code == 404
    assert client_for(admin).post(url, {"required": "1"}).status_code == 302
    assert TwoFactorRule.objects.get(unit=unit_tree.province).required


def test_an_administrator_resets_a_lost_phone(officer, admin, make_user, make_unit_tree, unit_tree, client_for):
    enrolled(officer)
    client = password_step()
    client.post(CODE, {"code": code_for(officer)})
    users_page = client_for(admin).get(reverse("accounts:users")).text
    assert "Đặt lại đăng nhập hai bước" in users_page
    province_officer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    with pytest.raises(PermissionDenied):
        two_factor_reset(actor=province_officer, user=officer)
    elsewhere = make_user(Role.SYSTEM_ADMIN, make_unit_tree("87").province)
    url = reverse("accounts:user_two_factor_reset", args=[officer.pk])
    assert client_for(elsewhere).post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=officer).exists()
    assert client_for(admin).post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert client.get(ME).status_code == 302  # signed out everywhere
    entry = AuditEntry.objects.get(action="giamngheo.user.two_factor_reset")
    assert entry.actor == admin and entry.unit_path == unit_tree.commune.path
    # The password alone signs in again.
    assert password_step().get(ME).status_code == 200
