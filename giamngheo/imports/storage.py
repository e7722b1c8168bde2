"""Where a job's files live, and its progress.

Each job has a directory ``<GIAMNGHEO_IMPORT_DIR>/<public id>/`` (default ``var/imports``) holding the uploaded
file, the validated rows as Parquet, the preview and the error workbook. Progress is a small JSON file written
atomically (write, then rename) by the worker and read by the page: the commit runs in one long transaction, so
progress written to the database inside it would stay invisible until the very end, and written through another
connection it would wait for the same write lock on SQLite.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings

UPLOAD = "upload"  # the uploaded file, under this name plus its original suffix
HOUSEHOLDS_PARQUET = "households.parquet"
MEMBERS_PARQUET = "members.parquet"
LEDGER_PARQUET = "ledger.parquet"
ERRORS_PARQUET = "errors.parquet"
PREVIEW_JSON = "preview.json"
DIFFS_JSON = "diffs.json"  # every changed household's field-level changes, for the audit trail at commit
PROGRESS_JSON = "progress.json"
ERRORS_WORKBOOK = "errors.xlsx"


def root() -> Path:
    configured = getattr(settings, "GIAMNGHEO_IMPORT_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "imports"


def job_dir(public_id: Any) -> Path:
    path = root() / str(public_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_path(public_id: Any) -> Path:
    """The stored upload (its suffix tells the reader the format)."""
    folder = job_dir(public_id)
    found = sorted(folder.glob(f"{UPLOAD}.*"))
    if not found:
        raise FileNotFoundError(folder / UPLOAD)
    return found[0]


def write_json(path: Path, data: Any) -> None:
    """Atomically: a reader sees the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, default=str)
    os.replace(tmp, path)


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return default


class Progress:
    """Rows parsed, validated and written so far, for the progress bar. Writes at most every ``interval``
    seconds (a million rows must not mean a million file renames), except stage changes, always written."""

    def __init__(self, public_id: Any, interval: float = 0.3) -> None:
        self.path = job_dir(public_id) / PROGRESS_JSON
        self.interval = interval
        self.state: dict[str, Any] = read_json(self.path, {}) or {}
        self._last = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        self.state["stage"] = name
        if total is not None:
            self.state["total"] = total
        self._flush(force=True)

    def set(self, force: bool = False, **counts: int) -> None:
        self.state.update(counts)
        self._flush(force=force)

    def _flush(self, *, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            write_json(self.path, self.state)


def read_progress(public_id: Any) -> dict[str, Any]:
    return read_json(root() / str(public_id) / PROGRESS_JSON, {}) or {}


def progress_updated_at(public_id: Any) -> dt.datetime | None:
    try:
        stamp = (root() / str(public_id) / PROGRESS_JSON).stat().st_mtime
    except FileNotFoundError:
        return None
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)


def remove(public_id: Any) -> None:
    shutil.rmtree(root() / str(public_id), ignore_errors=True)
