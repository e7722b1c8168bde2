"""The stages of an import job: upload → validate → preview → commit (or cancel).

Pages, the API and the command line call these same functions; the page and the API run ``run_validation`` and
``run_commit`` in the background worker (``imports.tasks``), the command line runs them in its own process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import can_see_citizen_id, mask_citizen_id, paths_for
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import json_safe, log_action, register_action, register_object_type
from giamngheo.core.errors import ApplicationError, PermissionDenied
from giamngheo.households.models import Household
from giamngheo.imports import storage
from giamngheo.imports.models import ImportJob, ImportKind, ImportStatus, OnChange
from giamngheo.imports.read import CSV_SUFFIXES, EXCEL_SUFFIXES, ReadError

OBJECT_TYPE = "import_job"
# A commune or district per file: about 500,000 households as .xlsx with every answer filled (~390 KB per thousand
# households). A whole large province is imported commune by commune (docs/vi/nhap-du-lieu.md).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
SAMPLE = 10  # households shown per kind in the preview
register_object_type(OBJECT_TYPE, gettext_lazy("Lượt nhập dữ liệu"))
register_action("giamngheo.import.uploaded", gettext_lazy("Tải lên tệp nhập dữ liệu"))
register_action("giamngheo.import.validated", gettext_lazy("Kiểm tra tệp nhập dữ liệu"))
register_action("giamngheo.import.committed", gettext_lazy("Ghi dữ liệu nhập từ tệp"))
register_action("giamngheo.import.cancelled", gettext_lazy("Huỷ lượt nhập dữ liệu"))
register_action("giamngheo.import.failed", gettext_lazy("Lượt nhập dữ liệu bị lỗi"))
register_action("giamngheo.household.imported", gettext_lazy("Nhập hộ từ tệp"))


def may_import(actor: Any) -> bool:
    return bool(paths_for(actor, Perm.DATA_IMPORT))


def _require_import(actor: Any) -> None:
    if not may_import(actor):
        raise PermissionDenied(_("Bạn không có quyền nhập dữ liệu từ tệp."))


def import_upload(*, actor: Any, kind: str, file_name: str, content: IO[bytes],
                  on_change: str = OnChange.UPDATE) -> ImportJob:
    """Store the uploaded file as a new job (nothing is read yet). Refuses files of an unknown type or too large."""
    _require_import(actor)
    if kind not in ImportKind.values:
        raise ApplicationError(_("Loại dữ liệu nhập không hợp lệ."))
    if on_change not in OnChange.values:
        raise ApplicationError(_("Lựa chọn “khi hộ đã có thay đổi” không hợp lệ."))
    name = Path(file_name or "").name[:200] or "tep-nhap"
    suffix = Path(name).suffix.lower()
    if kind == ImportKind.ODK and suffix not in (".zip", *EXCEL_SUFFIXES, *CSV_SUFFIXES):
        raise ApplicationError(_("Phiếu từ ODK Central là tệp .zip (CSV có nhóm lặp); từ KoboToolbox là tệp Excel "
                                 "(.xlsx)."))
    if kind != ImportKind.ODK and suffix not in (*EXCEL_SUFFIXES, *CSV_SUFFIXES):
        raise ApplicationError(_("Chỉ nhận tệp Excel (.xlsx, .xls, .ods) hoặc CSV (.csv)."))
    job = ImportJob(kind=kind, file_name=name, on_change=on_change, unit_path=user_home_path(actor),
                    created_by=actor, file_sha256="")
    target = storage.job_dir(job.public_id) / f"{storage.UPLOAD}{suffix}"
    digest = hashlib.sha256()
    size = 0
    with open(target, "wb") as out:
        while chunk := content.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                storage.remove(job.public_id)
                raise ApplicationError(_("Tệp quá lớn: tối đa %(mb)d MB một lần nhập; hãy chia tệp theo xã.")
                                       % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        storage.remove(job.public_id)
        raise ApplicationError(_("Tệp rỗng."))
    job.file_sha256, job.file_size = digest.hexdigest(), size
    job.save()
    log_action(actor=actor, action="giamngheo.import.uploaded", object_type=OBJECT_TYPE, object_id=str(job.public_id),
               object_repr=job.file_name, unit_path=job.unit_path,
               data={"kind": kind, "file_name": name, "sha256": job.file_sha256, "size": size})
    storage.Progress(job.public_id).stage("queued")
    return job


def start_validation(job: ImportJob) -> None:
    """Queue the validation in the background worker (once the job row is committed)."""
    from giamngheo.imports.tasks import validate_job

    transaction.on_commit(lambda: validate_job.enqueue(job.pk))


def run_validation(job: ImportJob) -> ImportJob:
    """Read and check the whole file; store the validated rows and the preview. Never touches the registry."""
    from giamngheo.imports.validate import validate_file

    # Claimed once: a task delivered twice, or a command line racing a worker, validates the file once.
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(status=ImportStatus.VALIDATING):
        job.refresh_from_db()
        return job
    job.status = ImportStatus.VALIDATING
    progress = storage.Progress(job.public_id)
    progress.stage("validating")
    folder = storage.job_dir(job.public_id)
    result: Any
    try:
        if job.kind == ImportKind.LEDGER:
            from giamngheo.imports import ledger

            result = ledger.validate_ledger_file(storage.upload_path(job.public_id), actor=job.created_by,
                                                 on_progress=progress.set)
        elif job.kind == ImportKind.SUPPORT:
            from giamngheo.imports import support

            result = support.validate_support_file(storage.upload_path(job.public_id), actor=job.created_by,
                                                   on_progress=progress.set)
        elif job.kind == ImportKind.ODK:
            from giamngheo.imports import odk

            result = odk.validate_submissions(storage.upload_path(job.public_id), actor=job.created_by,
                                              on_progress=progress.set)
        else:
            result = validate_file(storage.upload_path(job.public_id), actor=job.created_by, on_progress=progress.set)
    except (ReadError, ValueError) as exc:
        return _fail(job, str(exc), progress)
    errors = result.errors
    errors.write_parquet(folder / storage.ERRORS_PARQUET)
    if job.kind == ImportKind.LEDGER:
        result.entries.write_parquet(folder / storage.LEDGER_PARQUET)
    elif job.kind == ImportKind.SUPPORT:
        from giamngheo.imports.support import SUPPORT_PARQUET

        result.entries.write_parquet(folder / SUPPORT_PARQUET)
    else:
        result.households.write_parquet(folder / storage.HOUSEHOLDS_PARQUET)
        result.members.write_parquet(folder / storage.MEMBERS_PARQUET)
        storage.write_json(folder / storage.DIFFS_JSON, result.diffs)
    preview = _preview(result)
    storage.write_json(folder / storage.PREVIEW_JSON, preview)
    if errors.height:
        progress.stage("annotating")
        error_workbook(job)
    job.summary = {**result.counts, "errors": errors.height, "layout": result.layout,
                   "ignored_columns": result.ignored_columns, **getattr(result, "summary_extra", {})}
    job.status = ImportStatus.INVALID if errors.height else ImportStatus.READY
    job.validated_at = timezone.now()
    # Only if nobody cancelled the job meanwhile (a cancel removes the files; they must not come back).
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATING).update(
            summary=job.summary, status=job.status, validated_at=job.validated_at):
        storage.remove(job.public_id)
        job.refresh_from_db()
        return job
    log_action(actor=job.created_by, action="giamngheo.import.validated", object_type=OBJECT_TYPE,
               object_id=str(job.public_id), object_repr=job.file_name, unit_path=job.unit_path,
               data={"summary": job.summary, "sha256": job.file_sha256})
    progress.stage("invalid" if errors.height else "ready")
    return job


def _fail(job: ImportJob, message: str, progress: storage.Progress) -> ImportJob:
    job.status, job.failure = ImportStatus.FAILED, message[:2000]
    job.save(update_fields=["status", "failure"])
    log_action(actor=job.created_by, action="giamngheo.import.failed", object_type=OBJECT_TYPE,
               object_id=str(job.public_id), object_repr=job.file_name, unit_path=job.unit_path,
               data={"failure": job.failure})
    progress.stage("failed")
    return job


def _preview(result: Any) -> dict[str, Any]:
    """What the preview page and the API show: counts, the first errors, samples of each kind, diffs of changed."""
    preview: dict[str, Any] = {"counts": result.counts, "errors_total": result.errors.height,
                               "errors": result.errors.head(200).rename({"_sheet": "sheet", "_sheet_row": "row"}).to_dicts(), "layout": result.layout,
                               "ignored_columns": result.ignored_columns, "samples": {}}
    if getattr(result, "samples", None):  # a list kind that shows its own rows (support)
        preview["samples"] = result.samples
    households = getattr(result, "households", None)
    if isinstance(households, pl.DataFrame) and not households.is_empty():
        for action in ("new", "changed", "unchanged"):
            rows = households.filter((pl.col("_action") == action) & ~pl.col("_invalid")).head(SAMPLE)
            preview["samples"][action] = [
                {"code": r["code"], "head_name": r.get("head_name") or "", "unit_path": r["unit_path"],
                 "member_count": r.get("member_count") or 0,
                 "changes": result.diffs.get(r["code"], {}) if action == "changed" else {}}
                for r in rows.iter_rows(named=True)]
        invalid = households.filter(pl.col("_invalid")).head(SAMPLE)
        first_error = {(e["_sheet"], e["_sheet_row"]): e for e in reversed(result.errors.head(5000).to_dicts())}
        preview["samples"]["invalid"] = [
            {"code": r["id"], "head_name": r.get("head_name") or "", "unit_path": r.get("unit_path") or "",
             "member_count": r.get("member_count") or 0, "changes": {},
             "error": (first_error.get((r["_sheet"], r["_sheet_row"])) or {}).get("message", "")}
            for r in invalid.iter_rows(named=True)]
    return preview


def read_preview(job: ImportJob) -> dict[str, Any]:
    return storage.read_json(storage.job_dir(job.public_id) / storage.PREVIEW_JSON, {}) or {}


def read_errors(job: ImportJob) -> list[dict[str, Any]]:
    path = storage.job_dir(job.public_id) / storage.ERRORS_PARQUET
    if not path.exists():
        return []
    return pl.read_parquet(path).rename({"_sheet": "sheet", "_sheet_row": "row"}).to_dicts()


_DIGITS = re.compile(r"\d{9,12}")


def may_read_file(viewer: Any, job: ImportJob) -> bool:
    """The uploaded file (and its error workbook) holds every citizen ID the officer typed: only the uploader,
    or someone who may see citizen IDs where the job is filed, gets it back."""
    return job.created_by_id == getattr(viewer, "pk", None) or can_see_citizen_id(viewer, job.unit_path)


def _masked_error(error: dict[str, Any], visible: bool) -> dict[str, Any]:
    if visible:
        return error
    hide = lambda text: _DIGITS.sub(lambda m: mask_citizen_id(m.group()), text) if isinstance(text, str) else text  # noqa: E731
    return {**error, "value": hide(error.get("value")), "message": hide(error.get("message"))}


def errors_for(job: ImportJob, viewer: Any) -> list[dict[str, Any]]:
    """Every error of the job as ``viewer`` may read it: citizen IDs in values masked unless the viewer may see
    them (a province auditor opening a commune's import sees the cells, not the numbers)."""
    visible = may_read_file(viewer, job)
    return [_masked_error(e, visible) for e in read_errors(job)]


def preview_for(job: ImportJob, viewer: Any) -> dict[str, Any]:
    preview = read_preview(job)
    visible = may_read_file(viewer, job)
    return {**preview, "errors": [_masked_error(e, visible) for e in preview.get("errors", [])]} if preview else {}


def error_workbook_for(job: ImportJob, viewer: Any) -> Path:
    if not may_read_file(viewer, job):
        raise PermissionDenied(_("Tệp lỗi là bản sao tệp đã tải lên, có số định danh của người dân: chỉ người đã tải "
                                 "tệp lên hoặc người được xem số định danh ở địa bàn này mới tải được."))
    return error_workbook(job)


def error_workbook(job: ImportJob) -> Path:
    """The officer's own workbook with every bad cell marked and commented, plus a sheet listing every error;
    made once (in the validation task) and kept with the job."""
    from giamngheo.imports.error_workbook import annotate

    path = storage.job_dir(job.public_id) / storage.ERRORS_WORKBOOK
    if not path.exists():
        data = annotate(storage.upload_path(job.public_id), read_errors(job))
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def _require_owner_or_manager(actor: Any, job: ImportJob) -> None:
    """Only the uploader commits or cancels; a job is never handed to someone who did not see its preview."""
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("Chỉ người đã tải tệp lên mới được ghi hoặc huỷ lượt nhập này."))


def start_commit(*, actor: Any, job: ImportJob, on_change: str | None = None, enqueue: bool = True) -> ImportJob:
    """Claim the job for writing and queue the commit (``enqueue=False``: the caller runs ``run_commit`` itself,
    as the command line does)."""
    _require_owner_or_manager(actor, job)
    _require_import(actor)
    if on_change is not None:
        if on_change not in OnChange.values:
            raise ApplicationError(_("Lựa chọn “khi hộ đã có thay đổi” không hợp lệ."))
        job.on_change = on_change
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.READY).update(
        status=ImportStatus.COMMITTING, on_change=job.on_change, committed_by=actor)
    if not claimed:
        job.refresh_from_db()
        raise ApplicationError(_("Lượt nhập này không ở trạng thái sẵn sàng ghi (%(status)s).")
                               % {"status": job.get_status_display()})
    job.status = ImportStatus.COMMITTING
    storage.Progress(job.public_id).stage("committing")
    if enqueue:
        from giamngheo.imports.tasks import commit_job

        transaction.on_commit(lambda: commit_job.enqueue(job.pk))
    return job


def run_commit(job: ImportJob) -> ImportJob:
    """Write the staged rows in one transaction. A failure leaves the registry untouched and the job FAILED."""
    from giamngheo.imports.commit import commit_frames

    # Claimed once (``committed_at`` marks the claim until the end): a task delivered twice writes once.
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.COMMITTING, committed_at__isnull=True).update(
            committed_at=timezone.now()):
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    actor = job.committed_by or job.created_by
    progress = storage.Progress(job.public_id)
    folder = storage.job_dir(job.public_id)
    try:
        if job.kind == ImportKind.LEDGER:
            from giamngheo.imports import ledger

            counts = ledger.commit_ledger(job=job, actor=actor, entries=pl.read_parquet(folder / storage.LEDGER_PARQUET),
                                          progress=progress.set, audit=lambda c: _audit_commit(job, actor, c, {}))
        elif job.kind == ImportKind.SUPPORT:
            from giamngheo.imports import support

            counts = support.commit_support(
                job=job, actor=actor, entries=pl.read_parquet(folder / support.SUPPORT_PARQUET),
                progress=progress.set, audit=lambda c: _audit_commit(job, actor, c, {}))
        else:
            households = pl.read_parquet(folder / storage.HOUSEHOLDS_PARQUET)
            members = pl.read_parquet(folder / storage.MEMBERS_PARQUET)
            _check_unchanged_since_preview(households)
            diffs = storage.read_json(folder / storage.DIFFS_JSON, {}) or {}
            progress.stage("writing", total=households.height + members.height)
            update_changed = job.on_change == OnChange.UPDATE

            def audit(counts: dict[str, int]) -> None:
                _audit_commit(job, actor, counts, diffs, households)
                if job.kind == ImportKind.ODK:  # in the same transaction as the rows
                    from giamngheo.imports.odk import record_submissions

                    record_submissions(job_id=job.pk, households=households, update_changed=update_changed)

            counts = commit_frames(
                households=households, members=members, actor=actor, job_id=job.pk,
                update_changed=update_changed, progress=progress.set, audit=audit)
    except (ApplicationError, IntegrityError) as exc:
        message = str(exc) if isinstance(exc, ApplicationError) else _(
            "Một mã hộ trong tệp vừa được người khác dùng trong lúc kiểm tra; chưa ghi gì. Hãy tải tệp lên lại.")
        return _fail(job, message, progress)
    job.status, job.result, job.committed_at = ImportStatus.COMMITTED, counts, timezone.now()
    job.save(update_fields=["status", "result", "committed_at"])
    progress.stage("done")
    shutil.rmtree(folder / "tmp", ignore_errors=True)
    return job


def _check_unchanged_since_preview(households: pl.DataFrame) -> None:
    """The preview compared the file with the registry as it was then; a household edited since would be
    overwritten with a change nobody saw. Refuse instead (the officer uploads the file again)."""
    staged = households.filter(pl.col("household_pk").is_not_null()).select("household_pk", "version")
    if staged.is_empty():
        return
    pks = staged["household_pk"].to_list()
    now: dict[int, int] = {}
    for start in range(0, len(pks), 5000):
        now.update(Household.objects.filter(pk__in=pks[start:start + 5000], deleted_at__isnull=True)
                   .values_list("pk", "version"))
    moved = [pk for pk, version in staged.iter_rows() if now.get(pk) != version]
    if moved:
        raise ApplicationError(_("%(count)d hộ trong tệp đã được sửa hoặc xoá sau khi kiểm tra tệp; chưa ghi gì. Hãy "
                                 "tải tệp lên lại để xem thay đổi mới nhất.") % {"count": len(moved)})


def _audit_commit(job: ImportJob, actor: Any, counts: dict[str, int], diffs: dict[str, Any],
                  households: pl.DataFrame | None = None) -> None:
    """One entry for the batch (who, when, file name and hash, counts), and one per household written, in the
    household's own history, with the field-level changes (citizen IDs masked)."""
    log_action(actor=actor, action="giamngheo.import.committed", object_type=OBJECT_TYPE,
               object_id=str(job.public_id), object_repr=job.file_name, unit_path=job.unit_path,
               data={"file_name": job.file_name, "sha256": job.file_sha256, "kind": job.kind,
                     "on_change": job.on_change, "counts": counts, "summary": job.summary})
    if households is None:
        return
    from giamngheo.imports.commit import write_audit_rows

    wanted = ["new", "changed"] if job.on_change == OnChange.UPDATE else ["new"]
    rows = households.filter(pl.col("_action").is_in(wanted)).select("code", "unit_path", "head_name", "_action")
    base = {"import": str(job.public_id), "file_name": job.file_name}
    created, updated = (json.dumps({**base, "operation": op}, ensure_ascii=False) for op in ("create", "update"))
    changes = {code: json.dumps(json_safe(change), ensure_ascii=False) for code, change in diffs.items()}
    write_audit_rows(actor=actor, rows=rows.select(
        pl.lit("giamngheo.household.imported").alias("action"), pl.lit("household").alias("object_type"),
        pl.col("code").alias("object_id"),
        pl.concat_str(pl.col("code"), pl.lit(" · "), pl.col("head_name").fill_null("")).str.slice(0, 255)
        .alias("object_repr"),
        pl.col("unit_path"),
        pl.when(pl.col("_action") == "changed").then(
            pl.col("code").replace_strict(changes, default="{}", return_dtype=pl.String)).otherwise(pl.lit("{}"))
        .alias("changes"),
        pl.when(pl.col("_action") == "new").then(pl.lit(created)).otherwise(pl.lit(updated)).alias("data"),
    ))


STALE_COMMIT = dt.timedelta(minutes=15)


def commit_is_stale(job: ImportJob) -> bool:
    """A commit whose worker died: still ``committing``, and its progress file untouched for ``STALE_COMMIT``
    (a live commit writes it at every stage and at least every few seconds while writing). Its transaction was
    rolled back by the database; the job may be cancelled and the file uploaded again."""
    if job.status != ImportStatus.COMMITTING:
        return False
    touched = storage.progress_updated_at(job.public_id)
    return touched is None or timezone.now() - touched > STALE_COMMIT


def import_cancel(*, actor: Any, job: ImportJob) -> ImportJob:
    _require_owner_or_manager(actor, job)
    cancellable = [ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.INVALID, ImportStatus.READY,
                   ImportStatus.FAILED]
    if commit_is_stale(job):
        cancellable.append(ImportStatus.COMMITTING)
    claimed = ImportJob.objects.filter(pk=job.pk, status__in=cancellable).update(status=ImportStatus.CANCELLED)
    if not claimed:
        raise ApplicationError(_("Không huỷ được: lượt nhập đang ghi hoặc đã ghi xong."))
    log_action(actor=actor, action="giamngheo.import.cancelled", object_type=OBJECT_TYPE, object_id=str(job.public_id),
               object_repr=job.file_name, unit_path=job.unit_path)
    # The uploaded file holds personal data: it is not kept once the job will never be written.
    storage.remove(job.public_id)
    job.status = ImportStatus.CANCELLED
    return job
