"""Log-in and log-out: success, refusal, lock-out (known usernames or not), release, demo accounts, and the
session's lifetime. Who is locked out from where: test_login_throttle.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from giamngheo.accounts.models import LoginFailure
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "Rà-soát-2025-an-toàn"  # noqa: S105
LOGIN = "/tai-khoan/dang-nhap/"


def post_login(client: Client, username: str, password: str, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


# One fixed instant: argon2 takes real time, so "now" read at each call would drift between attempts.
START = timezone.now()


def at(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


@pytest.fixture
def officer(make_user, unit_tree):
    return make_user("commune_officer", unit_tree.commune, username="canbo", password=PASSWORD)


def test_login_page_is_in_vietnamese_and_at_its_address(client):
    assert reverse("accounts:login") == LOGIN
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "Tên đăng nhập" in response.text and "Mật khẩu" in response.text


def test_correct_password_signs_in_and_goes_to_next(client, officer):
    response = post_login(client, "canbo", PASSWORD, next="/tai-khoan/")
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    assert int(client.session["_auth_user_id"]) == officer.pk


def test_next_pointing_to_another_site_is_ignored(client, officer):
    response = post_login(client, "canbo", PASSWORD, next="https://evil.example/")
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_wrong_password_is_refused_with_a_vietnamese_message(client, officer):
    response = post_login(client, "canbo", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(username="canbo", address="127.0.0.1").count() == 1


def test_unknown_username_gets_the_same_message(client, officer):
    wrong_user = post_login(client, "khong-co-ai", "sai-mat-khau").text
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong_user


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_lock_after_max_failures_even_with_the_right_password(client, officer):
    for _ in range(2):
        assert "không đúng" in post_login(client, "canbo", "sai").text
    third = post_login(client, "canbo", "sai").text
    assert "tạm thời bị khoá" in third and "10 phút" in third
    # Locked: the right password does not open it either.
    response = post_login(client, "canbo", PASSWORD)
    assert "tạm thời bị khoá" in response.text
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="giamngheo.user.login_locked")
    assert entry.object_id == str(officer.pk)
    assert entry.unit_path == officer.grants.get().unit_path  # the commune's auditors see it


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_lock_is_released_after_the_lock_period(rf, officer, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    from giamngheo.accounts.services import user_authenticate
    from giamngheo.core.errors import ApplicationError

    def attempt(password: str, now: dt.datetime):
        request = rf.post(LOGIN)
        request.session = SessionStore()
        return user_authenticate(request=request, username="canbo", password=password, now=now)

    for _ in range(3):
        with pytest.raises(ApplicationError):
            attempt("sai", at(0))
    with pytest.raises(ApplicationError, match="tạm thời bị khoá"):
        attempt(PASSWORD, at(599))
    assert attempt(PASSWORD, at(601)) == officer
    assert not LoginFailure.objects.filter(username="canbo").exists()


@override_settings(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_SECONDS=600)
def test_after_a_lock_runs_out_the_count_starts_afresh(rf, officer):
    from django.contrib.sessions.backends.db import SessionStore

    from giamngheo.accounts.services import user_authenticate
    from giamngheo.core.errors import ApplicationError

    request = rf.post(LOGIN)
    request.session = SessionStore()
    for _ in range(2):
        with pytest.raises(ApplicationError):
            user_authenticate(request=request, username="canbo", password="sai", now=at(0))
    # One failure after the lock ran out is one failure, not a new lock.
    with pytest.raises(ApplicationError, match="không đúng"):
        user_authenticate(request=request, username="canbo", password="sai", now=at(700))


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_unknown_usernames_are_locked_like_real_ones(client, officer):
    answers = [post_login(client, "ai-do", "sai").text for _ in range(4)]
    assert "không đúng" in answers[0]
    assert "tạm thời bị khoá" in answers[2] and "tạm thời bị khoá" in answers[3]
    assert LoginFailure.objects.filter(username="ai-do").count() == 3  # locked attempts are not counted
    assert AuditEntry.objects.filter(action="giamngheo.user.login_locked", object_id="ai-do").count() == 1
    # Someone else's lock is not the officer's: the officer still signs in.
    assert post_login(client, "canbo", PASSWORD).status_code == 302


def test_success_resets_the_failure_count(client, officer):
    post_login(client, "canbo", "sai")
    post_login(client, "canbo", PASSWORD)
    assert not LoginFailure.objects.filter(username="canbo").exists()


def test_empty_fields_are_named(client):
    response = post_login(client, "", "")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"username", "password"}


def test_inactive_user_cannot_sign_in(client, officer):
    officer.is_active = False
    officer.save()
    assert "không đúng" in post_login(client, "canbo", PASSWORD).text


def test_demo_user_is_refused_outside_a_demo_database(client, make_user, monkeypatch):
    make_user(username="xa", password=PASSWORD, is_demo=True)
    monkeypatch.setattr("giamngheo.accounts.login_policy.on_demo_database", lambda: False)
    response = post_login(client, "xa", PASSWORD)
    assert "Tài khoản thử nghiệm chỉ đăng nhập được trên cơ sở dữ liệu thử nghiệm" in response.text
    assert "_auth_user_id" not in client.session
    monkeypatch.setattr("giamngheo.accounts.login_policy.on_demo_database", lambda: True)
    assert post_login(client, "xa", PASSWORD).status_code == 302


def test_logout_is_post_only_and_ends_the_session(client, officer):
    post_login(client, "canbo", PASSWORD)
    assert client.get("/tai-khoan/dang-xuat/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_session_expires_after_the_configured_inactivity(client, officer):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    post_login(client, "canbo", PASSWORD)
    session = Session.objects.get(session_key=client.session.session_key)
    lifetime = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < lifetime <= settings.SESSION_COOKIE_AGE
    # Once expired, a protected page sends the user back to the log-in page.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_each_request_pushes_the_expiry_forward(client, officer):
    post_login(client, "canbo", PASSWORD)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(seconds=30))
    client.get(reverse("accounts:me"))
    remaining = (Session.objects.get(pk=key).expire_date - timezone.now()).total_seconds()
    assert remaining > settings.SESSION_COOKIE_AGE - 60


def test_demo_user_signs_in_on_a_database_marked_as_demo(client, make_user):
    marker = pytest.importorskip("giamngheo.demo.marker")
    make_user(username="xa", password=PASSWORD, is_demo=True)
    assert "Tài khoản thử nghiệm" in post_login(client, "xa", PASSWORD).text
    marker.mark_demo_database(province_code="86", seed=1, households=0)
    assert post_login(client, "xa", PASSWORD).status_code == 302
