"""A worker killed in the middle of a commit leaves no partial data (issue 7, acceptance).

The import runs in a separate process (``giamngheo import households … --commit``) against a real database file
(SQLite: a copy of the test database; PostgreSQL: the test database itself). A failpoint makes the process stop
inside the commit's transaction, after the households and their members are written; the test then kills it with
SIGKILL — no handler runs, no rollback is sent — and looks at the registry: nothing of the file is there. The same
file then imports whole.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from giamngheo.households.models import Household

from .conftest import household_rows

pytestmark = pytest.mark.django_db(transaction=True)
HOUSEHOLDS = 40


def _database_url(tmp_path: Path) -> str:
    if connection.vendor == "sqlite":
        path = tmp_path / "giamngheo.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    settings = connection.settings_dict
    host = settings["HOST"]
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgres://{auth}@/{settings['NAME']}?host={host}"
    return f"postgres://{auth}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


def _households(url: str) -> int:
    if url.startswith("sqlite:"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return int(db.execute("SELECT count(*) FROM households_household").fetchone()[0])
    return Household.objects.count()


def _command(path: Path, user: str) -> list[str]:
    return [sys.executable, "-m", "giamngheo.cli", "import", "households", str(path), "--user", user, "--commit"]


def test_a_worker_killed_inside_the_commit_leaves_nothing(unit_tree: Any, make_user: Any, write_workbook: Any,
                                                           tmp_path: Path) -> None:
    make_user("commune_officer", unit_tree.commune, username="xa_kill")
    households, members = household_rows(unit_tree.commune.code, HOUSEHOLDS)
    path = write_workbook(households, members)
    url = _database_url(tmp_path)
    marker = tmp_path / "inside-the-commit"
    env = {**os.environ, "GIAMNGHEO_DATABASE_URL": url, "GIAMNGHEO_DEBUG": "1",
           "GIAMNGHEO_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "giamngheo.settings",
           "GIAMNGHEO_IMPORT_FAILPOINT": f"after-members:{marker}"}
    worker = subprocess.Popen(_command(path, "xa_kill"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            if worker.poll() is not None:
                pytest.fail(f"the import ended before the failpoint: {worker.communicate()}")
            if time.monotonic() > deadline:
                pytest.fail("the import never reached the failpoint")
            time.sleep(0.1)
        # The households and members are written, inside the open transaction: nobody else sees them.
        assert _households(url) == 0
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.communicate()
    assert worker.returncode == -signal.SIGKILL
    if connection.vendor == "postgresql":
        # The server notices the dead client and rolls its transaction back; wait until its locks are gone.
        for _ in range(100):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%%' "
                               "AND datname = current_database()")
                if cursor.fetchone()[0] == 0:
                    break
            time.sleep(0.1)
    assert _households(url) == 0

    env.pop("GIAMNGHEO_IMPORT_FAILPOINT")
    again = subprocess.run(_command(path, "xa_kill"), env=env, capture_output=True, text=True, timeout=120,
                           cwd=Path(__file__).resolve().parents[2], check=False)
    assert again.returncode == 0, again.stderr
    assert _households(url) == HOUSEHOLDS
