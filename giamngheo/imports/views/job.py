"""One import job: its page through every stage, the progress fragment the page polls, commit, cancel, and the
error workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from giamngheo.core.errors import ApplicationError, PermissionDenied
from giamngheo.imports import selectors, services, storage
from giamngheo.imports.models import ImportJob, ImportStatus, OnChange
from giamngheo.imports.views.jobs import XLSX
from giamngheo.imports.views.present import (
    RUNNING,
    count_rows,
    error_rows,
    progress_bar,
    sample_rows,
)
from giamngheo.reviews.views.once import once

SAMPLE_KINDS = ("new", "changed", "unchanged")


def _job_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    running = job.status in RUNNING
    context: dict[str, Any] = {
        "job": job,
        "running": running,
        "can_act": services.may_import(request.user) and job.created_by_id == request.user.pk,
        # The error workbook is the uploaded file itself, citizen IDs included.
        "can_read_file": services.may_read_file(request.user, job),
        "counts": count_rows(job.summary or {}),
        "ignored_columns": (job.summary or {}).get("ignored_columns") or [],
    }
    if running:
        context["bar"] = progress_bar(job, storage.read_progress(job.public_id))
    if job.status in (ImportStatus.READY, ImportStatus.INVALID):
        preview = services.preview_for(job, request.user)
        context["errors"] = error_rows(preview)
        context["errors_total"] = int((job.summary or {}).get("errors") or preview.get("errors_total") or 0)
        samples = preview.get("samples") or {}
        context["samples"] = [(kind, sample_rows(samples, kind)) for kind in SAMPLE_KINDS]
        context["on_change_choices"] = OnChange.choices
    if job.status == ImportStatus.COMMITTED:
        context["touched"] = selectors.touched_households(request.user, job).count()
    return context


@login_required
@require_GET
def job_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    job = selectors.job_get(request.user, public_id)
    return render(request, "imports/job.html", _job_context(request, job))


@login_required
@require_GET
def job_progress(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The progress bar, polled by the job page every second. Once the job has left the running stages, the
    answer is the page's whole result block instead, put in place of the old one (HX-Retarget): the preview,
    the errors or the report appear without the officer reloading anything."""
    job = selectors.job_get(request.user, public_id)
    context = _job_context(request, job)
    if job.status in RUNNING:
        return render(request, "imports/partials/progress.html", context)
    response = render(request, "imports/partials/job_body.html", context)
    if request.htmx:  # type: ignore[attr-defined]
        response["HX-Retarget"] = "#job-body"
        response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_POST
@once
def job_commit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """"Ghi vào hệ thống": queue the commit. A second click finds the job no longer ready (``start_commit``
    claims it with a conditional update) and, with the same idempotency key, is simply sent to the page."""
    job = selectors.job_get(request.user, public_id)
    on_change = request.POST.get("on_change") or None
    try:
        services.start_commit(actor=request.user, job=job, on_change=on_change)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("imports:job", public_id=job.public_id)


@login_required
@require_POST
@once
def job_cancel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    job = selectors.job_get(request.user, public_id)
    try:
        services.import_cancel(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã huỷ lượt nhập; không có gì được ghi vào hệ thống."))
    return redirect("imports:job", public_id=job.public_id)


@login_required
@require_GET
def job_error_workbook(request: HttpRequest, public_id: UUID) -> FileResponse:
    """The officer's own workbook with each bad cell marked and commented, and a sheet of every error."""
    job = selectors.job_get(request.user, public_id)
    if job.status != ImportStatus.INVALID:
        raise Http404(_("Lượt nhập này không có tệp lỗi."))
    try:
        path = services.error_workbook_for(job, request.user)
    except (FileNotFoundError, PermissionDenied) as exc:  # removed upload, or a viewer who may not have the file
        raise Http404(_("Lượt nhập này không có tệp lỗi.")) from exc
    stem = Path(job.file_name).stem or "tep-nhap"
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"loi-{stem}.xlsx", content_type=XLSX)
