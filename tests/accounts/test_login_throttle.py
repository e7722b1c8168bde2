"""Failed log-ins are throttled without handing strangers a lock-out button (issue 13, class 9): failures
from one address lock that address's attempts — for the username, or for every username once it sprays —
never the owner signing in from elsewhere; only guessing from several addresses at once locks a username
everywhere. The client address is REMOTE_ADDR unless a setting says how many proxies stand in front."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from giamngheo.accounts.login_throttle import client_address
from giamngheo.accounts.services import user_authenticate
from giamngheo.core.errors import ApplicationError
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "Rà-soát-2025-an-toàn"  # noqa: S105
LOGIN = "/tai-khoan/dang-nhap/"
START = timezone.now()
STRANGER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def officer(make_user, unit_tree):
    return make_user("commune_officer", unit_tree.commune, username="canbo", password=PASSWORD)


def post_login(address: str, username: str, password: str, **headers: str):
    return Client(REMOTE_ADDR=address, headers=headers).post(LOGIN, {"username": username, "password": password})


def attempt(address: str, username: str, password: str, seconds: float = 0, **meta: str):
    request = RequestFactory().post(LOGIN, REMOTE_ADDR=address, **meta)
    request.session = SessionStore()
    return user_authenticate(
        request=request, username=username, password=password, now=START + dt.timedelta(seconds=seconds)
    )


def test_a_stranger_cannot_lock_the_officer_out_from_the_officers_own_address(officer):
    for _ in range(5):
        post_login(STRANGER, "canbo", "doan-bua")
    # The stranger is stopped, even with the right password…
    assert "tạm thời bị khoá" in post_login(STRANGER, "canbo", PASSWORD).text
    # …and the officer, at the commune office, signs in as usual.
    response = post_login(OWNER, "canbo", PASSWORD)
    assert response.status_code == 302


def test_the_lock_of_a_pair_is_audited_with_its_kind_and_address(officer, unit_tree):
    for _ in range(5):
        post_login(STRANGER, "canbo", "doan-bua")
    entry = AuditEntry.objects.get(action="giamngheo.user.login_locked")
    assert entry.unit_path == unit_tree.commune.path
    assert entry.data == {"kind": "pair", "failures": 5, "remote_addr": STRANGER}


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_ADDRESS_MAX_FAILURES=6, LOGIN_LOCKOUT_SECONDS=600)
def test_one_address_trying_many_usernames_is_stopped(officer):
    for name in ("a", "b", "c", "d", "e", "f"):
        post_login(STRANGER, name, "123456")
    assert "tạm thời bị khoá" in post_login(STRANGER, "canbo", PASSWORD).text
    assert post_login(OWNER, "canbo", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_USERNAME_MAX_FAILURES=4, LOGIN_LOCKOUT_SECONDS=600)
def test_one_address_alone_never_reaches_the_username_limit(officer):
    # Guessing all day from one address: three tries, wait out the lock, three more, and so on.
    for round_start in (0, 601, 1202, 1803):
        for i in range(3):
            with pytest.raises(ApplicationError):
                attempt(STRANGER, "canbo", "doan-bua", seconds=round_start + i)
        with pytest.raises(ApplicationError, match="tạm thời bị khoá"):
            attempt(STRANGER, "canbo", PASSWORD, seconds=round_start + 5)
        assert attempt(OWNER, "canbo", PASSWORD, seconds=round_start + 6) == officer


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_USERNAME_MAX_FAILURES=7, LOGIN_LOCKOUT_SECONDS=600)
def test_guessing_one_username_from_several_addresses_locks_it_everywhere_for_a_while(officer):
    for n, address in enumerate(["203.0.113.1", "203.0.113.2", "203.0.113.3"]):
        for i in range(3):
            with pytest.raises(ApplicationError):
                attempt(address, "canbo", "doan-bua", seconds=n * 10 + i)
    with pytest.raises(ApplicationError, match="tạm thời bị khoá"):
        attempt(OWNER, "canbo", PASSWORD, seconds=60)
    kinds = set(AuditEntry.objects.filter(action="giamngheo.user.login_locked").values_list("data__kind", flat=True))
    assert "username" in kinds
    assert attempt(OWNER, "canbo", PASSWORD, seconds=620) == officer  # the window has moved on


def test_x_forwarded_for_is_not_trusted_by_default(officer):
    for i in range(5):
        post_login(STRANGER, "canbo", "doan-bua", **{"X-Forwarded-For": f"10.9.9.{i}"})
    assert "tạm thời bị khoá" in post_login(STRANGER, "canbo", PASSWORD, **{"X-Forwarded-For": "10.1.1.1"}).text


def test_behind_configured_proxies_the_client_is_read_from_the_right_of_x_forwarded_for():
    def address(proxy_count: int, forwarded: str, remote: str = "10.0.0.1") -> str:
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        with override_settings(GIAMNGHEO_PROXY_COUNT=proxy_count):
            return client_address(request)

    assert address(0, "198.51.100.7") == "10.0.0.1"
    # The client forged the first entry; our one proxy appended the real address.
    assert address(1, "1.2.3.4, 198.51.100.7") == "198.51.100.7"
    assert address(2, "1.2.3.4, 198.51.100.7, 10.0.0.9") == "198.51.100.7"
    assert address(2, "198.51.100.7") == "10.0.0.1"  # fewer entries than proxies: not trusted
    assert address(1, "not-an-address") == "10.0.0.1"


def test_an_ipv6_customer_network_counts_as_one_address():
    def address(remote: str) -> str:
        return client_address(RequestFactory().get("/", REMOTE_ADDR=remote))

    assert address("2001:db8:1:2::1") == address("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address("2001:db8:1:3::1") != address("2001:db8:1:2::1")
    assert address("::ffff:203.0.113.66") == "203.0.113.66"
