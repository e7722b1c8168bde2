"""Security headers (issue 13, class 10): a Content-Security-Policy that runs no inline script, no caching of
anything the application answers (pages, HTMX fragments, API answers, exports, the log-in page), and the
API docs page served from this site instead of a CDN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from giamngheo.accounts.roles import Role

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
REQUIRED_DIRECTIVES = [
    "default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'",
]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_not_stored(response) -> None:
    assert "no-store" in response["Cache-Control"], (response.request["PATH_INFO"], response["Cache-Control"])


def assert_hardened(response) -> None:
    policy = response["Content-Security-Policy"]
    for directive in REQUIRED_DIRECTIVES:
        assert directive in policy
    script = directives(response).get("script-src", directives(response)["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert_not_stored(response)


def test_the_login_page_is_hardened_and_not_stored(client):
    response = client.get("/tai-khoan/dang-nhap/")
    assert response.status_code == 200
    assert_hardened(response)


@pytest.mark.parametrize(
    "url", ["/ho/", "/tai-khoan/", "/nhat-ky/", "/ra-soat/", "/nhat-ky/xuat/?format=csv", "/nhat-ky/xuat/?format=xlsx"]
)
def test_signed_in_pages_and_exports_are_hardened_and_not_stored(url, unit_tree, make_user, client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    response = client_for(officer).get(url)
    assert response.status_code == 200, url
    assert_hardened(response)


def test_htmx_fragments_are_not_stored(unit_tree, make_user, client_for):
    manager = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    response = client_for(manager).get(
        "/tai-khoan/chon-don-vi/", {"for": "users", "unit_q": "An"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert_not_stored(response)


def test_api_answers_and_errors_are_not_stored(unit_tree, make_user, api_client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    api = api_client_for(officer)
    assert_not_stored(api.get("/api/v1/households"))
    missing = api.get("/api/v1/households/KHONG-CO")
    assert missing.status_code == 404
    assert_not_stored(missing)
    assert_not_stored(Client().get("/api/v1/households"))  # 401 as well


def test_api_docs_load_nothing_from_a_cdn():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert sources, html
    assert all(s.startswith("/") for s in sources), sources
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert Client().get("/api/v1/openapi.json").status_code == 200


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=\s*["']""", re.I)


def test_no_template_carries_an_inline_script_or_event_handler():
    """The policy would silently switch them off: behaviour belongs in giamngheo/static/giamngheo/*.js."""
    offenders = []
    for template in sorted((REPO / "giamngheo").rglob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            for match in pattern.finditer(text):
                offenders.append(f"{template.relative_to(REPO)}: {match.group(0).strip()}")
    assert offenders == []
