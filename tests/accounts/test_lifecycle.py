"""Account lifecycle (issue 11, item 3): deactivation that no reactivation undoes for old sessions, unlocking a
locked log-in, an administrator's password reset the user must replace before doing anything else, and idle
accounts switched off — each audited, each only by whoever may administer the whole account."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from giamngheo.accounts.lifecycle import user_reset_password, user_unlock, users_expire_idle
from giamngheo.accounts.models import ApiToken, LoginFailure, User
from giamngheo.accounts.roles import Role
from giamngheo.accounts.services import user_check_credentials, user_deactivate, user_reactivate
from giamngheo.accounts.tokens import api_token_authenticate, api_token_create
from giamngheo.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "Rà-soát-2025-an-toàn"  # noqa: S105
NEW = "Mật-khẩu-riêng-2026-dài"  # noqa: S105
LOGIN = "/tai-khoan/dang-nhap/"
STRANGER = "203.0.113.66"
HTMX = {"HX-Request": "true"}


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


@pytest.fixture
def province_officer(make_user, unit_tree):
    return make_user(Role.PROVINCE_OFFICER, unit_tree.province, username="tinh")


def login(username: str, password: str, address: str = "198.51.100.7") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.post(LOGIN, {"username": username, "password": password})
    return client


# ------------------------------------------------------------------------------------------- deactivation


def test_a_deactivated_users_sessions_stay_ended_after_reactivation(officer, admin):
    session = login("canbo", PASSWORD)
    assert session.get(reverse("accounts:me")).status_code == 200
    user_deactivate(actor=admin, user=officer)
    user_reactivate(actor=admin, user=officer)
    # The session taken before the deactivation (a shared PC, a stolen cookie) does not come back with it.
    assert session.get(reverse("accounts:me")).status_code == 302
    assert login("canbo", PASSWORD).get(reverse("accounts:me")).status_code == 200


# ------------------------------------------------------------------------------------------------- unlock


def test_the_users_page_shows_a_lock_and_the_administrator_lifts_it(officer, admin, client_for, unit_tree):
    for _ in range(5):
        Client(REMOTE_ADDR=STRANGER).post(LOGIN, {"username": "canbo", "password": "doan-bua"})
    assert "tạm thời bị khoá" in Client(REMOTE_ADDR=STRANGER).post(
        LOGIN, {"username": "canbo", "password": PASSWORD}).text
    manager = client_for(admin)
    page = manager.get(reverse("accounts:users"), {"q": "canbo"}).text
    assert "Đăng nhập bị khoá đến" in page and "Mở khoá đăng nhập" in page

    row = manager.post(reverse("accounts:user_unlock", args=[officer.pk]), headers=HTMX)
    assert row.status_code == 200 and "Đăng nhập bị khoá đến" not in row.text
    assert not LoginFailure.objects.filter(username="canbo").exists()
    entry = AuditEntry.objects.get(action="giamngheo.user.unlocked")
    assert (entry.actor, entry.unit_path, entry.data) == (admin, unit_tree.commune.path, {"failures_forgotten": 5})
    response = Client(REMOTE_ADDR=STRANGER).post(LOGIN, {"username": "canbo", "password": PASSWORD})
    assert response.status_code == 302


def test_only_who_may_administer_the_account_unlocks_it(officer, admin, province_officer, make_user,
                                                        make_unit_tree, client_for):
    LoginFailure.objects.create(username="canbo", address=STRANGER, at=timezone.now())
    # A province officer cannot appoint a commune officer (who sees citizen IDs), so cannot unlock one either.
    with pytest.raises(PermissionDenied):
        user_unlock(actor=province_officer, user=officer)
    with pytest.raises(PermissionDenied):
        user_unlock(actor=admin, user=admin)
    assert AuditEntry.objects.filter(action="giamngheo.user.unlock_refused").count() == 2
    # Someone of another province: the user does not exist for them, and nothing tells otherwise.
    elsewhere = make_user(Role.SYSTEM_ADMIN, make_unit_tree("87").province)
    assert client_for(elsewhere).post(reverse("accounts:user_unlock", args=[officer.pk])).status_code == 404
    # A commune officer manages no users: no page, no button.
    assert client_for(officer).post(reverse("accounts:user_unlock", args=[admin.pk])).status_code == 404
    assert LoginFailure.objects.filter(username="canbo").count() == 1


# ----------------------------------------------------------------------------------------- password reset


def test_a_generated_reset_is_shown_once_ends_sessions_and_tokens_and_is_audited(officer, admin, client_for,
                                                                                    unit_tree):
    session = login("canbo", PASSWORD)
    key = api_token_create(user=officer)
    response = client_for(admin).post(reverse("accounts:user_password_reset", args=[officer.pk]), {"password": ""},
                                      headers=HTMX)
    assert response.status_code == 200 and "chỉ hiện một lần" in response.text
    temporary = response.text.split('id="temporary-password">')[1].split("<")[0]
    officer.refresh_from_db()
    assert officer.check_password(temporary) and officer.must_change_password
    assert session.get(reverse("accounts:me")).status_code == 302
    assert api_token_authenticate(key) is None
    assert ApiToken.objects.filter(user=officer, revoked=False).count() == 0
    entry = AuditEntry.objects.get(action="giamngheo.user.password_reset")
    assert (entry.actor, entry.unit_path, entry.data) == (admin, unit_tree.commune.path, {"generated": True})
    every_entry = json.dumps(list(AuditEntry.objects.values("changes", "data", "object_repr")), default=str)
    assert temporary not in every_entry
    # The users page says the user has yet to change it.
    assert "Phải đổi mật khẩu khi đăng nhập" in client_for(admin).get(reverse("accounts:users")).text


def test_a_typed_temporary_password_must_pass_the_rules(officer, admin, client_for):
    with pytest.raises(ValidationFailed) as refused:
        user_reset_password(actor=admin, user=officer, password="12345")
    assert "password" in refused.value.errors
    response = client_for(admin).post(reverse("accounts:user_password_reset", args=[officer.pk]),
                                      {"password": "12345"}, follow=True)
    assert "Mật khẩu tạm chưa đạt yêu cầu" in response.text
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD) and not officer.must_change_password


def test_only_who_may_administer_the_account_resets_its_password(officer, admin, province_officer, client_for):
    with pytest.raises(PermissionDenied):
        user_reset_password(actor=province_officer, user=officer)
    with pytest.raises(PermissionDenied):
        user_reset_password(actor=admin, user=admin)
    assert client_for(officer).post(reverse("accounts:user_password_reset", args=[admin.pk])).status_code == 404
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="giamngheo.user.password_reset_refused").count() == 2


def test_after_a_reset_the_user_can_do_nothing_but_choose_a_new_password(officer, admin):
    temporary = user_reset_password(actor=admin, user=officer, password="Tạm-thời-2026-xyz")
    session = login("canbo", temporary)
    forced = reverse("accounts:password_change_required")
    # Every page, typed or followed, leads to the password change; HTMX is sent there too.
    for path in ("/", "/ho/", reverse("accounts:me"), reverse("accounts:two_factor")):
        response = session.get(path)
        assert response.status_code == 302 and response["Location"].startswith(forced), path
    assert session.post(reverse("accounts:token_create"), {"days": 30}).status_code == 302
    assert not ApiToken.objects.filter(user=officer).exists()
    assert session.get("/ho/", headers=HTMX)["HX-Redirect"] == forced
    # The API's one-step log-in sends them to the web page; their tokens are refused meanwhile.
    api = Client().post("/api/v1/auth/token", {"username": "canbo", "password": temporary},
                        content_type="application/json")
    assert api.status_code == 401 and "đổi mật khẩu" in api.json()["detail"]
    # The temporary password cannot be kept.
    same = session.post(forced, {"old_password": temporary, "new_password": temporary,
                                 "new_password_again": temporary})
    assert "phải khác mật khẩu hiện tại" in same.text
    done = session.post(forced + "?next=/ho/", {"old_password": temporary, "new_password": NEW,
                                                "new_password_again": NEW, "next": "/ho/"})
    assert done.status_code == 302 and done["Location"] == "/ho/"
    officer.refresh_from_db()
    assert not officer.must_change_password
    assert session.get(reverse("accounts:me")).status_code == 200
    entry = AuditEntry.objects.filter(action="giamngheo.user.password_changed").get()
    assert entry.changes == {"must_change_password": [True, False]}


# ------------------------------------------------------------------------------------------ idle accounts


def _age(user: User, days: int, *, logged_in: bool = True) -> None:
    moment = timezone.now() - dt.timedelta(days=days)
    User.objects.filter(pk=user.pk).update(last_login=moment if logged_in else None, date_joined=moment)


def test_the_command_switches_off_idle_accounts_once_each_with_the_reason(officer, admin, make_user, unit_tree):
    _age(officer, 91)
    fresh = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet, username="moi")
    never = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet, username="chuadung")
    _age(never, 120, logged_in=False)
    _age(fresh, 10)
    operator = make_user(username="vanhanh", is_superuser=True)
    demo = make_user(Role.COMMUNE_OFFICER, unit_tree.commune, username="xa", is_demo=True)
    _age(operator, 400)
    _age(demo, 400)
    key = api_token_create(user=officer)

    call_command("expire_idle_accounts", "--dry-run", stdout=(out := _Text()), stderr=(err := _Text()))
    assert "canbo" in out.text and "chuadung" in out.text and "2 tài khoản" in out.text
    assert "vanhanh" in err.text  # listed for the operator, never switched off
    assert User.objects.filter(is_active=False).count() == 0

    call_command("expire_idle_accounts", stdout=_Text(), stderr=_Text())
    call_command("expire_idle_accounts", stdout=(again := _Text()), stderr=_Text())  # a second run finds nothing
    assert "0 tài khoản" in again.text
    inactive = set(User.objects.filter(is_active=False).values_list("username", flat=True))
    assert inactive == {"canbo", "chuadung"}
    assert api_token_authenticate(key) is None
    entries = AuditEntry.objects.filter(action="giamngheo.user.expired_idle").order_by("object_repr")
    assert [e.object_repr for e in entries] == ["canbo", "chuadung"]
    assert entries[0].actor is None and entries[0].unit_path == unit_tree.commune.path
    assert entries[0].data["reason"] == "idle" and entries[0].data["idle_days"] == 90
    assert entries[0].data["via"] == "command"


def test_an_idle_account_is_refused_at_log_in_before_the_command_runs_and_reactivation_restarts_the_clock(
        officer, admin):
    _age(officer, 100)
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="198.51.100.7")
    with pytest.raises(ApplicationError) as refused:
        user_check_credentials(request=request, username="canbo", password=PASSWORD)
    assert "không được dùng quá 90 ngày" in refused.value.message
    officer.refresh_from_db()
    assert not officer.is_active
    assert AuditEntry.objects.get(action="giamngheo.user.expired_idle").data["via"] == "login"
    # Its manager switches it on again; the idle clock starts from then.
    user_reactivate(actor=admin, user=officer)
    assert users_expire_idle() == []
    assert login("canbo", PASSWORD).get(reverse("accounts:me")).status_code == 200


def test_a_password_reset_of_a_long_unused_account_lets_its_owner_back_in(officer, admin):
    """Forgotten passwords come after long absences: the reset restarts the idle clock."""
    _age(officer, 200)
    temporary = user_reset_password(actor=admin, user=officer)
    session = login("canbo", temporary)
    assert session.get(reverse("accounts:password_change_required")).status_code == 200
    officer.refresh_from_db()
    assert officer.is_active


@override_settings(GIAMNGHEO_IDLE_ACCOUNT_DAYS=0)
def test_expiry_can_be_switched_off(officer):
    _age(officer, 5000)
    assert users_expire_idle() == []
    assert login("canbo", PASSWORD).get(reverse("accounts:me")).status_code == 200


def test_idle_time_is_counted_at_the_moment_given(officer):
    """Frozen time: the service takes ``now``; 90 days after the last log-in is not yet idle, 91 is."""
    last = timezone.now()
    User.objects.filter(pk=officer.pk).update(last_login=last)
    assert users_expire_idle(now=last + dt.timedelta(days=90), dry_run=True) == []
    assert [u.username for u in users_expire_idle(now=last + dt.timedelta(days=91), dry_run=True)] == ["canbo"]


@pytest.mark.parametrize(("days", "accepted"), [("0", True), ("90", True), ("29", False), ("3651", False),
                                              ("-1", False), ("ba", False)])
def test_the_idle_setting_is_bounded(days, accepted, tmp_path):
    """Read in a clean subprocess, as tests/test_settings.py does: this process's settings were read once."""
    env = {"PATH": "/usr/bin:/bin", "GIAMNGHEO_VAR_DIR": str(tmp_path), "GIAMNGHEO_DEBUG": "1",
           "GIAMNGHEO_IDLE_ACCOUNT_DAYS": days}
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", "import giamngheo.settings as s; print(s.GIAMNGHEO_IDLE_ACCOUNT_DAYS)"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert (result.returncode == 0) == accepted, result.stderr
    if not accepted:
        assert "GIAMNGHEO_IDLE_ACCOUNT_DAYS must" in result.stderr


class _Text:
    """A stream for call_command that keeps what was written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, value: str) -> None:
        self.text += value

    def flush(self) -> None:
        pass
