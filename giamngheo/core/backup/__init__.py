"""Backups that restore (issue 11, item 4; docs/operations.md).

A backup is two files in the output folder: the database copy, named with its UTC time and engine
(``giamngheo-2026-12-04T01-30-00.123Z-postgresql.dump``), and its manifest beside it (same name + ``.json``): time,
engine, migrations applied, row count of every table, the audit trail's last entry and the copy's SHA-256. Both
are written under a temporary name and renamed when complete, the manifest last: a backup whose manifest exists
is complete, and nothing else in the folder looks like one.

Verification restores a copy into a scratch database (never the live one), summarises it the same way and
compares it with the manifest. Restoring checks the file against its manifest first, refuses a backup made by a
newer version of the code, restores, and compares the live database with the manifest.

The engine-specific parts (how to copy, restore into a scratch database, restore into the live one) are
``backup.sqlite`` and ``backup.postgresql``; what is compared is ``backup.summary``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
from django.db import DatabaseError
from django.db import connection as default_connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.core.backup import postgresql, sqlite
from giamngheo.core.backup.errors import BackupError
from giamngheo.core.backup.summary import Summary, differences

__all__ = ["BackupError", "BackupResult", "RestoreResult", "VerificationFailed", "backup_create", "backup_restore",
           "backup_verify", "backups_prune", "manifest_read"]

ENGINES: dict[str, ModuleType] = {sqlite.NAME: sqlite, postgresql.NAME: postgresql}
MANIFEST_FORMAT = 1
MANIFEST_SUFFIX = ".json"
BACKUP_NAME = re.compile(r"^giamngheo-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-(sqlite|postgresql)\.(sqlite3|dump)$")
MAX_KEEP = 10_000


class VerificationFailed(BackupError):
    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    verified: bool
    removed: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    # Migrations the code has and the backup had not applied: ``giamngheo migrate`` brings the database up to date.
    pending_migrations: list[str]


def engine_of(connection: Any) -> ModuleType:
    engine = ENGINES.get(connection.vendor)
    if engine is None:
        raise BackupError(_("Không sao lưu được cơ sở dữ liệu loại %(vendor)s; chỉ hỗ trợ SQLite và PostgreSQL.")
                          % {"vendor": connection.vendor})
    return engine


@contextmanager
def _database_errors() -> Iterator[None]:
    """A database error in the middle of a backup or restore is the operator's to read, not a traceback."""
    try:
        yield
    except (sqlite3.Error, psycopg.Error, DatabaseError) as exc:
        raise BackupError(_("Lỗi cơ sở dữ liệu: %(error)s") % {"error": str(exc).strip()}) from exc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _backup_name(moment: dt.datetime, engine: ModuleType) -> str:
    stamp = moment.astimezone(dt.UTC)
    return f"giamngheo-{stamp:%Y-%m-%dT%H-%M-%S}.{stamp.microsecond // 1000:03d}Z-{engine.NAME}{engine.SUFFIX}"


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def manifest_read(path: Path) -> dict[str, Any]:
    """The manifest of the backup at ``path``; BackupError when missing or unreadable."""
    source = manifest_path(path)
    if not path.is_file():
        raise BackupError(_("Không có tệp sao lưu %(path)s.") % {"path": path})
    try:
        manifest = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(_("Thiếu bản kê %(manifest)s bên cạnh tệp sao lưu: không kiểm tra được tệp nên không dùng "
                            "nó.") % {"manifest": source.name}) from exc
    except (OSError, ValueError) as exc:
        raise BackupError(_("Không đọc được bản kê %(manifest)s: %(error)s") % {"manifest": source.name,
                                                                              "error": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT or manifest.get("engine") not in ENGINES:
        raise BackupError(_("Bản kê %(manifest)s không đúng định dạng.") % {"manifest": source.name})
    return manifest


def _check_file(path: Path, manifest: dict[str, Any]) -> None:
    actual = sha256_of(path)
    if actual != manifest.get("sha256"):
        raise BackupError(_("Tệp sao lưu %(name)s không khớp mã SHA-256 trong bản kê (tệp đã bị sửa hoặc hỏng): không "
                            "dùng được.") % {"name": path.name})


def _verify_copy(path: Path, manifest: dict[str, Any], connection: Any) -> None:
    engine = ENGINES[manifest["engine"]]
    if engine is postgresql and connection.vendor != postgresql.NAME:
        raise BackupError(_("Cần một máy chủ PostgreSQL để khôi phục thử bản sao lưu PostgreSQL: hãy đặt "
                            "GIAMNGHEO_DATABASE_URL trỏ tới máy chủ đó (chỉ một cơ sở dữ liệu tạm được tạo ở đó)."))
    with _database_errors():
        summary = engine.scratch_summary(path, connection)
    problems = differences(manifest, summary)
    if problems:
        raise VerificationFailed(_("Bản sao lưu %(name)s khôi phục thử không khớp bản kê:") % {"name": manifest["file"]},
                                 problems)


def backup_create(*, output_dir: Path, verify: bool = True, keep: int | None = None, connection: Any = None,
                  now: dt.datetime | None = None) -> BackupResult:
    """Back up the configured database into ``output_dir``; verify the copy (default); then keep only the
    ``keep`` newest backups there. Nothing that looks like a backup is left when any step fails."""
    connection = connection or default_connection
    if keep is not None and not 1 <= keep <= MAX_KEEP:
        raise BackupError(_("--keep phải từ 1 đến %(max)d.") % {"max": MAX_KEEP})
    engine = engine_of(connection)
    moment = now or timezone.now()
    try:
        output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(_("Không tạo được thư mục sao lưu %(path)s: %(error)s") % {"path": output_dir,
                                                                                    "error": exc}) from exc
    final = output_dir / _backup_name(moment, engine)
    partial = output_dir / f".{final.name}.partial"
    manifest_partial = output_dir / f".{final.name}{MANIFEST_SUFFIX}.partial"
    if final.exists():
        raise BackupError(_("Đã có bản sao lưu %(name)s.") % {"name": final.name})
    try:
        with _database_errors():
            summary: Summary = engine.dump(connection, partial)
        os.chmod(partial, 0o600)  # personal data: readable by the service account only
        _fsync(partial)
        manifest = {
            "format": MANIFEST_FORMAT,
            "file": final.name,
            "engine": engine.NAME,
            "created_at": moment.astimezone(dt.UTC).isoformat(),
            "size": partial.stat().st_size,
            "sha256": sha256_of(partial),
            **summary.as_manifest(),
        }
        if verify:
            _verify_copy(partial, manifest, connection)
        manifest_partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                    encoding="utf-8")
        os.chmod(manifest_partial, 0o600)
        _fsync(manifest_partial)
        os.replace(partial, final)
        os.replace(manifest_partial, manifest_path(final))
        _fsync(output_dir)
    except BaseException as exc:
        for leftover in (partial, manifest_partial, manifest_path(final), final):
            leftover.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise BackupError(_("Không ghi được bản sao lưu vào %(path)s: %(error)s") % {"path": output_dir,
                                                                                        "error": exc}) from exc
        raise
    removed = backups_prune(output_dir=output_dir, keep=keep) if keep is not None else []
    return BackupResult(path=final, manifest=manifest, verified=verify, removed=removed)


def backups_prune(*, output_dir: Path, keep: int) -> list[Path]:
    """Remove the backups (and their manifests) older than the ``keep`` newest in ``output_dir``. Only files
    named as this module names them are touched."""
    if not 1 <= keep <= MAX_KEEP:
        raise BackupError(_("--keep phải từ 1 đến %(max)d.") % {"max": MAX_KEEP})
    ours = sorted(p for p in output_dir.iterdir() if BACKUP_NAME.match(p.name) and p.is_file())
    removed = []
    for old in ours[:-keep]:
        manifest_path(old).unlink(missing_ok=True)  # first: a copy without manifest is no longer "a backup"
        old.unlink()
        removed.append(old)
    return removed


def backup_verify(*, path: Path, connection: Any = None) -> dict[str, Any]:
    """Check a backup against its manifest (SHA-256, then a restore into a scratch database); its manifest."""
    manifest = manifest_read(path)
    _check_file(path, manifest)
    _verify_copy(path, manifest, connection or default_connection)
    return manifest


def _migration_check(manifest: dict[str, Any]) -> list[str]:
    """The code's migrations the backup lacks; refuses a backup with migrations the code does not know."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in (manifest.get("migrations") or {}).items() for name in names}
    newer = sorted(applied - known)
    if newer:
        raise BackupError(_("Bản sao lưu được tạo bởi phiên bản mới hơn của phần mềm (có migration mà mã nguồn này "
                            "không có: %(migrations)s). Hãy cài phiên bản đó rồi khôi phục.")
                          % {"migrations": ", ".join(f"{a}.{n}" for a, n in newer[:5])})
    return [f"{app}.{name}" for app, name in sorted(known - applied)]


def restore_check(*, path: Path, connection: Any = None) -> dict[str, Any]:
    """Everything checked before a restore touches the database: the manifest, the SHA-256, the engine and the
    migrations. The manifest."""
    connection = connection or default_connection
    manifest = manifest_read(path)
    _check_file(path, manifest)
    engine = engine_of(connection)
    if manifest["engine"] != engine.NAME:
        raise BackupError(_("Bản sao lưu là của %(backup)s nhưng cơ sở dữ liệu đang cấu hình là %(configured)s: "
                            "không khôi phục.") % {"backup": manifest["engine"], "configured": engine.NAME})
    _migration_check(manifest)
    return manifest


def backup_restore(*, path: Path, connection: Any = None) -> RestoreResult:
    """Replace the configured database's content with the backup at ``path`` and compare it with the manifest.

    Stop the app (web server and workers) first: a save made during the restore would be lost with everything
    else made after the backup, and on PostgreSQL their sessions would hold the locks the restore waits for."""
    connection = connection or default_connection
    manifest = restore_check(path=path, connection=connection)
    pending = _migration_check(manifest)
    with _database_errors():
        summary = engine_of(connection).restore(connection, path)
    problems = differences(manifest, summary)
    if problems:
        raise VerificationFailed(_("Đã khôi phục %(name)s nhưng cơ sở dữ liệu không khớp bản kê:") % {"name": path.name},
                                 problems)
    return RestoreResult(manifest=manifest, pending_migrations=pending)
