"""PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``.

The dump and the manifest's counts read the same snapshot: a REPEATABLE READ transaction exports its snapshot
(``pg_export_snapshot``), counts the rows, and ``pg_dump --snapshot`` dumps exactly that, so a save committed
during the backup is either in both or in neither. Passwords go to the client programs through ``PGPASSWORD`` in
their environment, never on a command line (which every user of the machine can read in the process list).
"""

from __future__ import annotations

import glob
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from django.utils.translation import gettext as _
from psycopg import sql
from psycopg.conninfo import make_conninfo

from giamngheo.core.backup.errors import BackupError
from giamngheo.core.backup.summary import Summary, summarise

NAME = "postgresql"
SUFFIX = ".dump"
TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
# A dump or restore of a province's database takes minutes; one that takes hours is stuck.
TIMEOUT_SECONDS = 6 * 3600


def find_program(name: str) -> str:
    """``pg_dump``/``pg_restore``: GIAMNGHEO_PG_BINDIR (as scripts/pg-throwaway), then PATH, then the newest of
    Debian's /usr/lib/postgresql/<version>/bin (Debian keeps the versioned binaries off PATH)."""
    bindir = os.environ.get("GIAMNGHEO_PG_BINDIR")
    candidates = [str(Path(bindir) / name)] if bindir else []
    found = shutil.which(name)
    if found:
        candidates.append(found)
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: [int(x) if x.isdigit() else 0 for x in re.split(r"[/.]", p)], reverse=True)
    candidates.extend(versions)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(_("Không tìm thấy chương trình %(program)s của PostgreSQL. Hãy cài gói postgresql-client "
                        "(cùng phiên bản chính với máy chủ hoặc mới hơn), hoặc đặt GIAMNGHEO_PG_BINDIR là thư mục "
                        "chứa nó.") % {"program": name})


def _settings(connection: Any) -> dict[str, str]:
    s = connection.settings_dict
    return {"dbname": s["NAME"], "user": s.get("USER") or "", "password": s.get("PASSWORD") or "",
            "host": s.get("HOST") or "", "port": str(s.get("PORT") or "")}


def _connect(connection: Any, *, dbname: str | None = None, autocommit: bool = False) -> psycopg.Connection[Any]:
    params = {k: v for k, v in _settings(connection).items() if v}
    if dbname is not None:
        params["dbname"] = dbname
    return psycopg.connect(make_conninfo(**params), autocommit=autocommit)


def _environment(connection: Any, dbname: str) -> dict[str, str]:
    env = dict(os.environ)
    settings = _settings(connection)
    for key, variable in (("user", "PGUSER"), ("password", "PGPASSWORD"), ("host", "PGHOST"), ("port", "PGPORT")):
        if settings[key]:
            env[variable] = settings[key]
    env["PGDATABASE"] = dbname
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,  # noqa: S603
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(_("%(program)s không chạy được: %(error)s") % {"program": Path(command[0]).name,
                                                                          "error": exc}) from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-8:]
        raise BackupError(_("%(program)s thất bại (mã %(code)d): %(detail)s") % {
            "program": Path(command[0]).name, "code": result.returncode, "detail": " | ".join(detail)})


def _summary(db: psycopg.Connection[Any]) -> Summary:
    with db.cursor() as cursor:
        cursor.execute(TABLES_SQL)
        return summarise(cursor, [row[0] for row in cursor.fetchall()])


def dump(connection: Any, target: Path) -> Summary:
    pg_dump = find_program("pg_dump")
    dbname = _settings(connection)["dbname"]
    with _connect(connection) as db:
        db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        db.read_only = True
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
            assert row is not None
            snapshot = str(row[0])
        summary = _summary(db)
        # The snapshot lives as long as this transaction: pg_dump runs while it is open.
        _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}"],
             _environment(connection, dbname))
        db.rollback()
    return summary


@contextmanager
def _scratch_database(connection: Any) -> Iterator[str]:
    """A new, empty database beside the configured one (``<name>_verify_<random>``), dropped afterwards."""
    name = f"{_settings(connection)['dbname'][:40]}_verify_{secrets.token_hex(4)}"
    try:
        with _connect(connection, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise BackupError(_("Không tạo được cơ sở dữ liệu tạm %(name)s để kiểm tra (tài khoản cơ sở dữ liệu cần "
                            "quyền CREATEDB): %(error)s") % {"name": name, "error": exc}) from exc
    try:
        yield name
    finally:
        with _connect(connection, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def scratch_summary(path: Path, connection: Any) -> Summary:
    pg_restore = find_program("pg_restore")
    with _scratch_database(connection) as name:
        _run([pg_restore, "--no-password", "--exit-on-error", "--single-transaction", "--no-owner",
              "--no-privileges", f"--dbname={name}", str(path)], _environment(connection, name))
        with _connect(connection, dbname=name) as db:
            return _summary(db)


def restore(connection: Any, path: Path) -> Summary:
    """Replace the configured database's content in one transaction: every object of the dump is dropped and
    recreated (``--clean --if-exists``), and any error rolls the whole restore back."""
    from django.db import connections

    pg_restore = find_program("pg_restore")
    dbname = _settings(connection)["dbname"]
    # This process's own sessions would hold locks the drops wait for.
    connections.close_all()
    _run([pg_restore, "--no-password", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
          "--no-owner", "--no-privileges", f"--dbname={dbname}", str(path)], _environment(connection, dbname))
    with _connect(connection) as db:
        return _summary(db)
