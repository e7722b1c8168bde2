"""Concurrent saves through the real forms, over HTTP, against a real server (issue 11, item 6).

Several officers open the same household's edit form (same version), then all press "Lưu" at once: exactly one
save wins (302), every other gets the 409 merge page, the stored household is the winner's, its version moved by
exactly one and there is one audit entry — no update is lost, none is applied twice. Saves of two different
households at once both win. The review survey has the same version check: simultaneous draft saves of one case
give one winner and, for the others, the form back (422) saying someone else saved.

Why a gunicorn subprocess and not pytest-django's ``live_server``: on SQLite the test database is in memory and
``live_server`` hands every request thread the test's one connection, so requests would share a transaction
instead of racing. Here the test's rows (users, sessions, households) are committed (transactional test), then
gunicorn (2 workers × 4 threads, production settings with the test's key, so the sessions made by
``force_login`` are valid) serves them: on PostgreSQL from the test database itself, on SQLite from a file copy of
it, with the settings' own SQLite options (WAL, ``BEGIN IMMEDIATE``, busy timeout) as in production. Requests
are sent with ``http.client`` from threads released together by a barrier.

A write that still cannot get SQLite's lock in time is a busy server, not a crash: the edit form comes back
(503) with what was typed and a Vietnamese sentence (``test_a_locked_database_gives_the_form_back``).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.households.services import household_create
from giamngheo.reviews import services as review_services
from giamngheo.reviews.models import ReviewCase

from .test_views import record

SAVERS = 4
CONFLICT_MARKER = "Hồ sơ vừa được người khác sửa"
SURVEY_CONFLICT_MARKER = "vừa được người khác lưu sau khi bạn mở"
ROOT = Path(__file__).resolve().parents[2]


# --- a real server ------------------------------------------------------------------------------------------------


def _database_url(tmp_path: Path) -> str:
    """The database the server reads: the test database itself (PostgreSQL) or a file copy of it (SQLite)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "giamngheo.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    host = db["HOST"] or ""
    if host.startswith("/"):
        return f"postgres://{auth}@{port}/{quote(db['NAME'])}?host={quote(host)}"
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'])}"


@dataclass
class Server:
    port: int
    database_url: str

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read what the server wrote (SQLite: from the file copy; PostgreSQL: the test database)."""
        if self.database_url.startswith("sqlite:"):
            with sqlite3.connect(self.database_url.removeprefix("sqlite:///")) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """``serve()`` starts gunicorn on what the test has committed so far and returns a ``Server``."""
    started: list[subprocess.Popen[Any]] = []

    def start() -> Server:
        url = _database_url(tmp_path)
        port = _free_port()
        env = {**os.environ, "GIAMNGHEO_DATABASE_URL": url, "GIAMNGHEO_DEBUG": "0",
               "GIAMNGHEO_SECRET_KEY": settings.SECRET_KEY, "GIAMNGHEO_SSL_REDIRECT": "0",
               "GIAMNGHEO_ALLOWED_HOSTS": "127.0.0.1", "GIAMNGHEO_VAR_DIR": str(tmp_path),
               "DJANGO_SETTINGS_MODULE": "giamngheo.settings", "PYTHONPATH": str(ROOT)}
        with (tmp_path / "gunicorn.log").open("w") as log:
            process = subprocess.Popen(  # noqa: S603
                [str(Path(sys.executable).with_name("gunicorn")), "giamngheo.wsgi:application", "--bind",
                 f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--preload",
                 "--no-control-socket", "--timeout", "60"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text()[-3000:])
                time.sleep(0.1)
        return Server(port, url)

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


# --- a browser, minimal -------------------------------------------------------------------------------------------


class _Form(HTMLParser):
    """What a browser submits from the form with ``form_id`` (nothing inside a <template>)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.template = form_id, False, 0
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif tag == "template":
            self.template += 1
        if not self.inside or self.template or not a.get("name"):
            if tag == "option" and self.select is not None:
                self.options.append((a.get("value", ""), "selected" in a))
            return
        kind = a.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "file") and (
                kind not in ("checkbox", "radio") or "checked" in a):
            self.fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            self.select, self.options = a["name"], []
        elif tag == "textarea":
            self.textarea, self.text = a["name"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self.template -= 1
        elif tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = [v for v, on in self.options if on] or [v for v, _on in self.options[:1]]
            self.fields.extend((self.select, v) for v in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea, "".join(self.text)))
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text.append(data)


class Browser:
    """One officer's session (made with ``force_login`` before the server starts) talking HTTP to the server."""

    server: Server

    def __init__(self, user: Any) -> None:
        client = Client()
        client.force_login(user)
        self.cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}

    def request(self, method: str, path: str, fields: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Referer": f"http://127.0.0.1:{self.server.port}{path}"}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name.strip()] = value.strip()
        conn.close()
        return response.status, text

    def open_form(self, path: str, form_id: str) -> list[tuple[str, str]]:
        status, html = self.request("GET", path)
        assert status == 200, html[-2000:]
        parser = _Form(form_id)
        parser.feed(html)
        assert parser.fields, f"no form {form_id} at {path}"
        return parser.fields


def _with(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in fields if k not in values] + list(values.items())


def _all_at_once(jobs: list[Any]) -> list[tuple[int, str]]:
    """Run every job in its own thread, released together."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Any) -> tuple[int, str]:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _income(number: int) -> str:
    return f"{number:,}".replace(",", ".")


# --- the tests ----------------------------------------------------------------------------------------------------


@pytest.fixture
def officers(unit_tree: Any, make_user: Any) -> list[Any]:
    return [make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, first_name=f"Cán bộ {i}")
            for i in range(SAVERS)]


def _online(serve: Any, users: list[Any]) -> tuple[Server, list[Browser]]:
    browsers = [Browser(user) for user in users]
    server = serve()
    for browser in browsers:
        browser.server = server
    return server, browsers


def _parallel(jobs: list[Any]) -> list[Any]:
    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(lambda job: job(), jobs))


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_never_lose_an_update(officers, serve):
    """One server for the three races (starting it is most of the cost)."""
    household = household_create(actor=officers[0], record=record())
    other = household_create(actor=officers[0], record=record("HH-2", ids=("086123450001", "086123450002")))
    surveyed = household_create(actor=officers[0], record=record("HH-3", ids=("086123450003", "086123450004")))
    cycle = review_services.review_cycle_open(actor=officers[0], commune=household.commune, year=2026)
    case = ReviewCase.objects.get(cycle=cycle, household=surveyed)
    server, browsers = _online(serve, officers)

    # 1. Everyone opens the household's form at version 1, then all save at once, each with another income:
    # one wins, every other gets the merge page; the stored household is the winner's, one step, one audit entry.
    url = reverse("households:edit", args=[household.code])
    forms = _parallel([lambda b=b: b.open_form(url, "household-form") for b in browsers])
    incomes = [1_300_000 + 10_000 * i for i in range(SAVERS)]
    answers = _all_at_once([
        (lambda b=b, f=f, income=income: b.request("POST", url, _with(f, income=_income(income))))
        for b, f, income in zip(browsers, forms, incomes, strict=True)
    ])
    statuses = [status for status, _html in answers]
    assert sorted(statuses) == [302] + [409] * (SAVERS - 1), statuses
    assert all(CONFLICT_MARKER in html for status, html in answers if status == 409)
    winner = incomes[statuses.index(302)]
    [(version, income)] = server.rows("SELECT version, income FROM households_household WHERE code = %s",
                                      (household.code,))
    assert (version, income) == (2, winner)
    assert server.rows("SELECT COUNT(*) FROM core_auditentry WHERE action = %s AND object_id = %s",
                       ("giamngheo.household.updated", household.code)) == [(1,)]

    # 2. Two officers saving two different households at the same moment both win.
    opened = [(browsers[1], reverse("households:edit", args=[household.code])),
              (browsers[2], reverse("households:edit", args=[other.code]))]
    pair_forms = _parallel([lambda b=b, path=path: b.open_form(path, "household-form") for b, path in opened])
    answers = _all_at_once([
        (lambda b=b, path=path, f=f: b.request("POST", path, _with(f, income=_income(2_000_000))))
        for (b, path), f in zip(opened, pair_forms, strict=True)
    ])
    assert [status for status, _html in answers] == [302, 302]
    rows = dict(server.rows("SELECT code, version FROM households_household WHERE code IN (%s, %s)",
                            (household.code, other.code)))
    assert rows == {household.code: 3, other.code: 2}

    # 3. The review survey checks the case's version the same way: simultaneous draft saves of one case give one
    # winner; the others get the form back (422) saying someone else saved, with nothing of theirs stored.
    url = reverse("reviews:case", args=[case.pk])
    forms = _parallel([lambda b=b: b.open_form(url, "survey-form") for b in browsers])
    incomes = [1_100_000 + 10_000 * i for i in range(SAVERS)]
    answers = _all_at_once([
        (lambda b=b, f=f, income=income: b.request("POST", url, _with(f, action="draft", income=_income(income))))
        for b, f, income in zip(browsers, forms, incomes, strict=True)
    ])
    statuses = [status for status, _html in answers]
    assert sorted(statuses) == [302] + [422] * (SAVERS - 1), statuses
    assert all(SURVEY_CONFLICT_MARKER in html for status, html in answers if status == 422)
    winner = incomes[statuses.index(302)]
    [(version, draft)] = server.rows("SELECT version, survey_record FROM reviews_reviewcase WHERE id = %s",
                                     (case.pk,))
    assert version == case.version + 1
    draft = draft if isinstance(draft, dict) else json.loads(draft)
    assert draft["income"] == winner
    assert server.rows("SELECT COUNT(*) FROM core_auditentry WHERE action = %s AND object_id = %s",
                       ("giamngheo.review.case_draft_saved", str(case.pk))) == [(1,)]


@pytest.mark.django_db
def test_a_locked_database_gives_the_form_back(officers, client_for, monkeypatch):
    """SQLite's busy timeout ran out (or PostgreSQL's lock timeout): a Vietnamese page with what was typed,
    status 503, never a 500; nothing is stored."""
    household = household_create(actor=officers[0], record=record())

    def locked(**kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    client = client_for(officers[0])
    url = reverse("households:edit", args=[household.code])
    page = client.get(url)
    parser = _Form("household-form")
    parser.feed(page.content.decode())
    monkeypatch.setattr("giamngheo.households.services.household_update", locked)
    data: dict[str, list[str]] = {}
    for name, value in _with(parser.fields, income=_income(1_700_000)):
        data.setdefault(name, []).append(value)
    response = client.post(url, data)
    assert response.status_code == 503
    body = response.content.decode()
    assert "Hệ thống đang bận" in body and 'value="1.700.000"' in body
    household.refresh_from_db()
    assert household.version == 1 and household.income == 1_200_000
