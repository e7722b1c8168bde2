"""Background exports (``support.services.exports``): the job's page, which follows the worker's progress and
then offers the file, and the download. Both are the creator's alone; anyone else is told they do not exist."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from giamngheo.core.formatting import format_number
from giamngheo.support.models import ExportJob, ExportKind, ExportStatus
from giamngheo.support.services import exports

RUNNING = (ExportStatus.QUEUED, ExportStatus.RUNNING)
# Whole sentences per kind: what a row of the file is.
WRITING = {
    ExportKind.SUPPORT_LIST: _("Đang xuất: %(written)s / %(total)s hộ"),
    ExportKind.SUPPORT_RECORDS: _("Đang xuất: %(written)s / %(total)s dòng hỗ trợ"),
}
WRITTEN = {
    ExportKind.SUPPORT_LIST: _("Đã xuất xong %(total)s hộ."),
    ExportKind.SUPPORT_RECORDS: _("Đã xuất xong %(total)s dòng hỗ trợ."),
}


def _back_url(job: ExportJob) -> str:
    """The page the export was asked from (its unit filter aside: the job keeps the unit's path, not its id)."""
    if job.kind == ExportKind.SUPPORT_LIST:
        return f"{reverse('support:list', args=[job.parameters['slug']])}?year={job.parameters['year']}"
    return reverse("support:index")


def _context(job: ExportJob) -> dict[str, Any]:
    total = max(job.rows_total, job.rows_written)
    numbers = {"written": format_number(job.rows_written), "total": format_number(total)}
    return {
        "job": job,
        "running": job.status in RUNNING,
        "done": job.status == ExportStatus.DONE,
        "failed": job.status == ExportStatus.FAILED,
        "written": min(job.rows_written, total),
        "total": total,
        "percent": min(100, job.rows_written * 100 // total) if total else None,
        "detail": (WRITTEN if job.status == ExportStatus.DONE else WRITING)[ExportKind(job.kind)] % numbers,
        "keep_days": exports.KEEP_FOR.days,
        "back_url": _back_url(job),
    }


@login_required
@require_GET
def export_job_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The job's page; polled by itself (HTMX, every 2 s) for its progress block until the job ends."""
    job = exports.export_job_get(user=request.user, public_id=public_id)
    template = "support/exports/progress.html" if request.htmx else "support/exports/job.html"  # type: ignore[attr-defined]
    return render(request, template, _context(job))


@login_required
@require_GET
def export_job_download(request: HttpRequest, public_id: UUID) -> FileResponse:
    job = exports.export_job_get(user=request.user, public_id=public_id)
    file = exports.export_job_file(user=request.user, job=job)
    return FileResponse(file.open("rb"), as_attachment=True, filename=job.file_name,
                        content_type=exports.content_type(job))


urlpatterns: list[URLPattern] = [
    path("ho-tro/xuat/<uuid:public_id>/", export_job_page, name="export_job"),
    path("ho-tro/xuat/<uuid:public_id>/tai-ve/", export_job_download, name="export_job_download"),
]
