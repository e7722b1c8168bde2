"""Settings fail closed (issue 13, class 6): debug only when asked for, production hardening by default, and
production error pages that show nothing of the failed request.

The settings are read in a subprocess with a clean environment: this process's settings were imported once,
by pytest-django, with the tests' own ``GIAMNGHEO_DEBUG=1`` (``tests/settings.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import path

REPO = Path(__file__).resolve().parent.parent
SHOWN = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "GIAMNGHEO_PROXY_COUNT",
]


def read_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, giamngheo.settings as s; "
        f"print(json.dumps({{k: getattr(s, k, None) for k in {SHOWN!r}}}))"
    )
    clean = {"PATH": "/usr/bin:/bin", "GIAMNGHEO_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], cwd=REPO, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def settings_of(tmp_path: Path, **env: str) -> dict[str, object]:
    result = read_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_is_off_unless_asked_for_and_then_a_secret_key_is_required(tmp_path):
    result = read_settings(tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "GIAMNGHEO_SECRET_KEY must be set" in result.stderr


def test_with_a_secret_key_and_nothing_else_production_is_hardened(tmp_path):
    values = settings_of(tmp_path, GIAMNGHEO_SECRET_KEY="x" * 50)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600  # type: ignore[operator]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["LANGUAGE_COOKIE_SECURE"]
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True and values["SECURE_REFERRER_POLICY"] == "same-origin"
    # Neither the proxy's scheme header nor X-Forwarded-For is trusted unless the operator says so.
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["GIAMNGHEO_PROXY_COUNT"] == 0


@pytest.mark.parametrize("spelling", ["1", "true", "yes", "on"])
def test_debug_on_only_when_explicitly_asked_for(tmp_path, spelling):
    values = settings_of(tmp_path, GIAMNGHEO_DEBUG=spelling)
    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0


def test_production_switches_are_configurable(tmp_path):
    values = settings_of(
        tmp_path, GIAMNGHEO_SECRET_KEY="x" * 50, GIAMNGHEO_SSL_REDIRECT="0", GIAMNGHEO_HSTS_SECONDS="300",
        GIAMNGHEO_TRUST_X_FORWARDED_PROTO="1", GIAMNGHEO_PROXY_COUNT="1",
    )
    assert values["DEBUG"] is False and values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 300
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["GIAMNGHEO_PROXY_COUNT"] == 1


def _failing_view(request):
    citizen_id_of_someone = "079123456789"  # a local variable the debug page would show
    raise RuntimeError(f"failed near {citizen_id_of_someone}")


class _BROKEN_URLS:  # noqa: N801 - stands for a URLconf module
    urlpatterns = [path("hong/", _failing_view)]


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF=_BROKEN_URLS)
def test_a_server_error_in_production_shows_a_plain_vietnamese_page_without_locals(settings):
    response = Client(raise_request_exception=False).get("/hong/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Đã xảy ra lỗi hệ thống" in text
    for leak in ("079123456789", "citizen_id_of_someone", "Traceback", "RuntimeError", settings.SECRET_KEY):
        assert leak not in text
    assert response["Cache-Control"].count("no-store") == 1


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_not_found_in_production_is_a_plain_vietnamese_page(client):
    response = client.get("/khong-co-trang-nay-BIMAT/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Không tìm thấy trang" in text
    assert "urlpatterns" not in text and "URLconf" not in text
    assert "BIMAT" not in text  # the requested address is not echoed


def test_a_username_limit_one_address_could_reach_alone_is_refused(tmp_path):
    result = read_settings(
        tmp_path, GIAMNGHEO_DEBUG="1", GIAMNGHEO_LOGIN_MAX_FAILURES="5", GIAMNGHEO_LOGIN_USERNAME_MAX_FAILURES="5"
    )
    assert result.returncode != 0
    assert "GIAMNGHEO_LOGIN_USERNAME_MAX_FAILURES must be greater" in result.stderr
