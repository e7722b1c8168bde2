"""Browser tests: the app served by pytest-django's ``live_server``, driven by Debian's headless Chromium.

Fixtures (see README.md beside this file):

``page``            a fresh Playwright page in a fresh browser profile, not signed in
``page_as(user)``   a fresh page already signed in as ``user`` (session cookie set, no log-in form involved)
``screenshot(name)``  saves the current ``page`` as ``<tmp>/<name>.png`` and returns the path

Why ``live_server``: it serves the very test database the test writes to. Requesting it makes the test
transactional, so rows created by the shared factories are committed and visible to the server thread;
on SQLite the test database is in memory and Django shares its one connection with the server thread.
A ``runserver`` subprocess would need a database file and a second migration run for every test.

Every test in this directory is marked ``browser``. Where ``/usr/bin/chromium`` is missing the tests are
skipped with a loud banner, unless ``GIAMNGHEO_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which fails them.
We never download a browser: Playwright's own ``playwright install`` is not used anywhere.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous for a 2-core machine shared with other work, short enough that a hang fails quickly.
TIMEOUT_MS = 15_000
MISSING = (
    "BROWSER TESTS SKIPPED: /usr/bin/chromium is not installed "
    "(apt-get install chromium; .ci/run installs it and sets GIAMNGHEO_REQUIRE_BROWSER=1)"
)


def _required() -> bool:
    return os.environ.get("GIAMNGHEO_REQUIRE_BROWSER", "") == "1"


def _available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


# tryfirst: the markers must be in place before `-m "not browser"` selects tests.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            if not _available() and not _required():
                item.add_marker(pytest.mark.skip(reason=MISSING))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _available() or _required():
        return
    skipped = [
        r for r in terminalreporter.stats.get("skipped", []) if MISSING in str(getattr(r, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_sep("#", red=True, bold=True)
        terminalreporter.write_sep("#", f"{len(skipped)} {MISSING}", red=True, bold=True)
        terminalreporter.write_sep("#", red=True, bold=True)


@pytest.fixture
def _chromium_profile(tmp_path: Path) -> Path:
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    return profile


# The live server answers each request in its own thread, and on SQLite every one of those threads uses the
# test's one connection. Two requests at once (a page's fetch beside its service worker's, an HTMX fragment
# beside a form post) interleave their transactions on that connection: "database table is locked", or a
# connection left in manual-transaction mode that fails every later transactional test of the run. So the
# server here answers one request at a time (the test's own ORM calls must still wait for the page to settle).
_ONE_REQUEST = threading.Lock()


def _serialised(handler: Callable[..., Any]) -> Callable[..., Any]:
    def call(self: Any, environ: Any, start_response: Any) -> Any:
        with _ONE_REQUEST:
            return handler(self, environ, start_response)

    return call


@pytest.fixture
def _browser_context(
    live_server: Any, _chromium_profile: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    from django.core.handlers.wsgi import WSGIHandler

    monkeypatch.setattr(WSGIHandler, "__call__", _serialised(WSGIHandler.__call__))
    if not _available():
        pytest.fail(MISSING.replace("SKIPPED", "REQUIRED") + " — GIAMNGHEO_REQUIRE_BROWSER=1", pytrace=False)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django would then refuse ORM calls from
    # the test body as "async unsafe", although the test itself is plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(_chromium_profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            base_url=live_server.url,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()
            # Playwright runs the test body in a greenlet with its own context variables, so Django opened
            # the test's database connections there; close them here, or PostgreSQL refuses to drop the
            # test database at the end ("being accessed by other users").
            connections.close_all()


@pytest.fixture
def page(_browser_context: Any) -> Any:
    """A page not signed in. ``page.goto("/tai-khoan/dang-nhap/")`` works: the base URL is the live server."""
    return _browser_context.pages[0] if _browser_context.pages else _browser_context.new_page()


@pytest.fixture
def page_as(_browser_context: Any, page: Any, live_server: Any) -> Callable[[Any], Any]:
    """Sign ``user`` in without the log-in form (tests of other pages should not depend on it)."""
    from django.conf import settings
    from django.test import Client

    def sign_in(user: Any) -> Any:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        _browser_context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return sign_in


@pytest.fixture
def screenshot(page: Any, tmp_path: Path) -> Callable[[str], Path]:
    def take(name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@contextmanager
def blank_page_with(script: Path, *, timeout_ms: int = TIMEOUT_MS) -> Iterator[Any]:
    """A blank page in headless Chromium with one of our scripts loaded, no server: for tests that run the
    phone's scripts (``offline/engine.js``, ``offline/record.js``) against the Python they must agree with."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(timeout_ms)
            page.set_content("<html><body></body></html>")
            page.add_script_tag(path=str(script))
            yield page
        finally:
            browser.close()
