"""Killing the server during a save leaves a consistent database (issue 11, acceptance).

The real app runs under gunicorn in another process, on the test's data (SQLite: a file copy of the test
database; PostgreSQL: the test database itself). An officer logs in over HTTP and saves a household through the
edit form; the server process dies by SIGKILL inside the save's transaction, after the household row, its members
and classification are written and just after the audit entry's INSERT (tests/ops/crash_server.py, a wrapper of
this test, not of the product). Then the whole server is killed. The database must be sound (SQLite's integrity
and foreign-key checks; no PostgreSQL session left in the transaction), the household exactly as before (version,
members, classification, status ledger and spans), no audit entry of the lost save, and a new server must serve
the household page and accept the same save.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from .conftest import CODE, PASSWORD, Database, database_url, form_fields, with_changes

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
EDIT = f"/ho/{CODE}/sua/"
CHANGES = {"income": "3.000.000", "members-1-name": "Trần Thị Bé Hai"}


class Browser:
    """Cookies, CSRF and forms over real HTTP, as a browser would send them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read().decode()

    def post(self, path: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
        """Redirects are followed (302 → GET), so a saved form answers the page it leads to."""
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()

    def log_in(self, username: str) -> None:
        _status, page = self.get("/tai-khoan/dang-nhap/")
        fields = with_changes(form_fields(page, "/dang-nhap/"), username=username, password=PASSWORD)
        _status, landing = self.post("/tai-khoan/dang-nhap/", fields)
        assert "dang-xuat" in landing, landing[:2000]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(url: str, tmp_path: Path, *, arm: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn (one sync worker) serving crash_server:application on a free loopback port, in its own process
    group; the group is SIGKILLed on the way out, however the test ends."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "giamngheo.settings", "GIAMNGHEO_DATABASE_URL": url,
           "GIAMNGHEO_DEBUG": "1", "GIAMNGHEO_VAR_DIR": str(tmp_path / "var"),
           "GIAMNGHEO_TEST_CRASH_ARM": str(arm or tmp_path / "not-armed")}
    (tmp_path / "var").mkdir(exist_ok=True)
    log = (tmp_path / f"gunicorn-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60",
         "--pythonpath", str(Path(__file__).parent), "crash_server:application"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/tai-khoan/dang-nhap/", timeout=30):  # noqa: S310 — loopback
                    break
            # Refused before gunicorn listens; a timeout or a dropped connection while its worker boots Django
            # on a busy machine.
            except (OSError, http.client.HTTPException):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {(tmp_path / f'gunicorn-{port}.log').read_text()[-3000:]}")
                time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        log.close()


def _wait_for_no_open_transaction() -> None:
    """PostgreSQL rolls a dead client's transaction back when it notices the closed socket: wait for that."""
    if connection.vendor != "postgresql":
        return
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'")
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)
    pytest.fail("a session of the killed server is still inside its transaction")


def test_a_server_killed_inside_a_save_leaves_the_household_as_it_was(household: Any, officer: Any,
                                                                      tmp_path: Path) -> None:
    url = database_url(tmp_path)
    database = Database(url)
    before = database.household_state()
    arm = tmp_path / "crash-armed"
    arm.touch()

    with server(url, tmp_path, arm=arm) as (base, process):
        browser = Browser(base)
        browser.log_in(officer.username)
        _status, page = browser.get(EDIT)
        save = with_changes(form_fields(page, "/sua/"), **CHANGES)
        with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            browser.post(EDIT, save)
        fired = json.loads((tmp_path / "crash-armed.fired").read_text())
        # Killed inside the transaction, with the whole save written but not committed.
        assert fired["in_atomic_block"] is True
        assert fired["writes"][0].startswith('UPDATE "households_household" SET "version"')
        assert any(w.startswith('UPDATE "households_member"') for w in fired["writes"])
        assert any(w.startswith('UPDATE "households_classification"') for w in fired["writes"])
        assert fired["writes"][-1].startswith('INSERT INTO "core_auditentry"')
        assert fired["pid"] != process.pid  # the worker that ran the save, not the master
        os.killpg(process.pid, signal.SIGKILL)  # and then the rest of the server
        process.wait(timeout=30)
    _wait_for_no_open_transaction()

    assert database.integrity_problems() == []
    assert database.household_state() == before

    with server(url, tmp_path) as (base, _process):
        browser = Browser(base)
        browser.log_in(officer.username)
        status, detail = browser.get(f"/ho/{CODE}/")
        assert status == 200 and "Nguyễn Văn Ánh" in detail
        _status, page = browser.get(EDIT)
        status, saved = browser.post(EDIT, with_changes(form_fields(page, "/sua/"), **CHANGES))
        assert status == 200 and "3.000.000" in saved and "Trần Thị Bé Hai" in saved
    _wait_for_no_open_transaction()
    after = database.household_state()
    assert after["households_household"] != before["households_household"]
    assert [row for row in after["core_auditentry"] if row not in before["core_auditentry"]][0][3:5] == (
        "giamngheo.household.updated", "household")
    assert database.integrity_problems() == []
