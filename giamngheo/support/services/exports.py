"""Exports too long for a request, run by the worker (docs/support.md, "Exports"; docs/adr/0007).

A page that would export more than ``IN_REQUEST_MAX`` rows records an ``ExportJob`` instead and sends the user to
the job's page, which shows the rows written so far and, once done, the download link. What each kind writes is
the same function the page calls for a small export (``EXPORTS``), given the validated filters the page stored
as JSON and a progress callback; the worker runs it as the job's creator, in the creator's language, so the
scope, the masking of citizen IDs and the audit entry are those of the direct export.

What must always hold:

* only the creator sees the job and fetches its file; anyone else is told it does not exist (404);
* the file is fetched only while the creator still holds, for each permission the kind depends on, every unit
  they held it on when the file was written (``ExportJob.scope``): a narrowed scope no longer reaches the file;
* a file is complete or absent: it is written under a temporary name and renamed once whole;
* files (and their jobs) older than ``KEEP_FOR`` are deleted when the next job starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for
from giamngheo.core.audit import json_safe, log_action, register_action, register_object_type
from giamngheo.support.models import ExportJob, ExportKind, ExportStatus

logger = logging.getLogger(__name__)

IN_REQUEST_MAX = 5000  # rows a page still exports inside the request
KEEP_FOR = dt.timedelta(days=2)
DOWNLOADED = "giamngheo.support.export_downloaded"
OBJECT_TYPE = "export_job"
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
}
PARTIAL_PREFIX = ".partial-"

register_action(DOWNLOADED, gettext_lazy("Tải về tệp xuất"))
register_object_type(OBJECT_TYPE, gettext_lazy("Lượt xuất tệp"))

Writer = Callable[[Any, dict[str, Any], BinaryIO, Callable[[int], None]], int]


@dataclass(frozen=True)
class ExportSpec:
    """``write(actor, parameters, out, on_progress) -> rows``; ``perms``: the permissions whose scope decides
    what the file holds; ``refusals``: errors whose (Vietnamese) message is the job's failure as it stands."""

    write: Writer
    perms: tuple[str, ...]
    refusals: tuple[type[Exception], ...] = ()


def _write_support_list(actor: Any, parameters: dict[str, Any], out: BinaryIO,
                        on_progress: Callable[[int], None]) -> int:
    from giamngheo.support.list_export import support_list_export_write

    return support_list_export_write(actor=actor, slug=parameters["slug"], year=parameters["year"],
                                     unit_path=parameters.get("unit_path"), klass=parameters.get("klass"),
                                     out=out, on_progress=on_progress)


def _write_support_records(actor: Any, parameters: dict[str, Any], out: BinaryIO,
                           on_progress: Callable[[int], None]) -> int:
    from giamngheo.imports.support_export import SupportExportFilter, export_support

    counts = export_support(actor=actor, filters=SupportExportFilter(**parameters["filters"]),
                            file_format=parameters["format"], out=out, on_progress=on_progress)
    return counts.records


def _records_refusals() -> tuple[type[Exception], ...]:
    from giamngheo.imports.support_export import TooManyRows

    return (TooManyRows,)


EXPORTS: dict[str, Callable[[], ExportSpec]] = {
    ExportKind.SUPPORT_LIST: lambda: ExportSpec(_write_support_list, (Perm.SUPPORT_VIEW, Perm.HOUSEHOLD_VIEW)),
    ExportKind.SUPPORT_RECORDS: lambda: ExportSpec(
        _write_support_records, (Perm.SUPPORT_VIEW, Perm.HOUSEHOLD_VIEW, Perm.CITIZEN_ID_VIEW), _records_refusals()),
}


def export_root() -> Path:
    """``GIAMNGHEO_EXPORT_DIR``, else ``<VAR_DIR>/exports`` (as ``imports.storage`` picks ``var/imports``)."""
    configured = getattr(settings, "GIAMNGHEO_EXPORT_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "exports"


def export_job_start(*, actor: Any, kind: str, parameters: dict[str, Any], unit_path: str, rows_total: int,
                     file_name: str) -> ExportJob:
    """Record the job and queue it once committed; first delete the files and jobs past ``KEEP_FOR``."""
    if kind not in EXPORTS:
        raise ValueError(kind)
    export_jobs_expire()
    job = ExportJob.objects.create(kind=kind, parameters=json_safe(parameters), created_by=actor,
                                   unit_path=unit_path, rows_total=rows_total, file_name=file_name,
                                   language=translation.get_language() or "")
    from giamngheo.support.tasks import run_export_job

    transaction.on_commit(lambda: run_export_job.enqueue(job.pk))
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the job's file as its creator, the rows written saved every ``PROGRESS_EVERY`` rows of the writer.
    A refusal (too many rows) or an unexpected error marks the job failed with a Vietnamese message; the
    unexpected error is raised again, so the worker records its traceback."""
    # Claimed once: a task delivered twice writes the file once.
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(status=ExportStatus.RUNNING)
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    spec = EXPORTS[job.kind]()
    actor = job.created_by
    job.scope = {perm: paths_for(actor, perm) for perm in spec.perms}
    job.save(update_fields=["scope"])
    root = export_root()
    root.mkdir(parents=True, exist_ok=True)
    relative = f"{job.public_id}{Path(job.file_name).suffix.lower()}"
    partial = root / f"{PARTIAL_PREFIX}{relative}"

    def on_progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_written=rows)

    try:
        with translation.override(job.language or settings.LANGUAGE_CODE), partial.open("wb") as out:
            rows = spec.write(actor, job.parameters, out, on_progress)
    except spec.refusals as exc:
        partial.unlink(missing_ok=True)
        return _fail(job, str(exc))
    except Exception:
        partial.unlink(missing_ok=True)
        with translation.override(job.language or settings.LANGUAGE_CODE):
            _fail(job, _("Xuất tệp bị lỗi, chưa có tệp nào được tạo. Hãy xuất lại; nếu vẫn lỗi, hãy báo quản trị "
                         "hệ thống."))
        raise
    os.replace(partial, root / relative)
    job.status, job.file_path, job.finished_at = ExportStatus.DONE, relative, timezone.now()
    job.rows_written = job.rows_total = rows
    job.save(update_fields=["status", "file_path", "finished_at", "rows_written", "rows_total"])
    return job


def _fail(job: ExportJob, message: str) -> ExportJob:
    job.status, job.failure, job.finished_at = ExportStatus.FAILED, message[:2000], timezone.now()
    job.save(update_fields=["status", "failure", "finished_at"])
    return job


def export_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files older than ``KEEP_FOR`` (a killed worker's partial file too) and the jobs they belong
    to. Returns the number of jobs deleted."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    root = export_root()
    if root.is_dir():
        for path in root.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                    path.unlink()
            except FileNotFoundError:  # another request expiring at the same moment
                continue
    deleted, _by_model = ExportJob.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def export_job_get(*, user: Any, public_id: UUID) -> ExportJob:
    """The job, for its creator only: to anyone else it does not exist."""
    job = ExportJob.objects.filter(public_id=public_id, created_by_id=getattr(user, "pk", None)).first()
    if job is None:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    return job


def export_job_file(*, user: Any, job: ExportJob) -> Path:
    """The finished file, while its creator still holds the scope it was written with; the download is audited
    (the data leaves the system here)."""
    if job.status != ExportStatus.DONE or not job.file_path:
        raise Http404(_("Tệp chưa xuất xong."))
    for perm, paths in (job.scope or {}).items():
        if not all(allows(user, perm, path) for path in paths):
            raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    path = export_root() / job.file_path
    if not path.is_file():
        raise Http404(_("Tệp đã được xoá sau 2 ngày; hãy xuất lại."))
    log_action(actor=user, action=DOWNLOADED, object_type=OBJECT_TYPE, object_id=str(job.public_id),
               object_repr=job.file_name, unit_path=job.unit_path,
               data={"kind": job.kind, "parameters": job.parameters, "rows": job.rows_written})
    return path


def content_type(job: ExportJob) -> str:
    return CONTENT_TYPES.get(Path(job.file_name).suffix.lower(), "application/octet-stream")
