"""SQLite: SQLite's online backup API, which copies a consistent snapshot while the app keeps reading and
writing (each step holds a read lock only; in WAL mode writers are never blocked)."""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from giamngheo.core.backup.summary import Summary, summarise

NAME = "sqlite"
SUFFIX = ".sqlite3"
TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _summary(db: sqlite3.Connection, *, check: bool) -> Summary:
    cursor = db.cursor()
    cursor.execute(TABLES_SQL)
    summary = summarise(cursor, [row[0] for row in cursor.fetchall()])
    if check:
        result = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            summary.problems.append(_("Kiểm tra toàn vẹn SQLite báo lỗi: %(result)s") % {"result": "; ".join(result[:5])})
        violations = db.execute("PRAGMA foreign_key_check").fetchall()
        if violations:
            summary.problems.append(_("Có %(count)d dòng vi phạm khoá ngoại (bảng đầu tiên: %(table)s).")
                                    % {"count": len(violations), "table": violations[0][0]})
    return summary


def dump(connection: Any, target: Path) -> Summary:
    """Copy the live database (Django's ``connection``) into ``target``; the summary of what was copied."""
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
        # A backup is a standalone file: no -wal/-shm beside it, readable from a read-only medium.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _summary(copy, check=False)


def scratch_summary(path: Path, _connection: Any) -> Summary:
    """Restore ``path`` into a scratch file (never the live database), check it and summarise it."""
    with tempfile.TemporaryDirectory(prefix="giamngheo-verify-") as folder, \
            closing(_read_only(path)) as source, closing(sqlite3.connect(Path(folder) / "scratch.sqlite3")) as scratch:
        source.backup(scratch)
        return _summary(scratch, check=True)


def restore(connection: Any, path: Path) -> Summary:
    """Replace the live database's content with the backup's, through the backup API into the live connection:
    one write transaction on the live file, so other processes see the old database or the new one, never a
    mixture; then check and summarise what is live."""
    connection.ensure_connection()
    live = connection.connection
    with closing(_read_only(path)) as source:
        source.backup(live)
    return _summary(live, check=True)
