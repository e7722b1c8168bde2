"""``/imports``: bring a workbook of households or of past recognised lists in, through the same stages as the
pages — upload → validation (background) → preview → commit (background) → report.

Every step calls the import services and selectors (``giamngheo.imports``): the same checks, scope, audit and
background tasks as the pages. A job the token's user may not see answers 404 like one that does not exist; a
malformed job id too (it names no job). A refusal of the user's role answers 403, a step asked of a job in the
wrong stage 409; upload refusals answer 400/413 naming the form field at fault.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Field, File, Form, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import ConfigDict

from giamngheo.api.paging import PageParams, page_body, page_of
from giamngheo.api.schemas import ERRORS, Detail
from giamngheo.core.errors import ApplicationError, PermissionDenied
from giamngheo.households.models import Household
from giamngheo.imports import selectors, services, storage
from giamngheo.imports.models import ImportedHousehold, ImportJob, ImportStatus
from giamngheo.imports.template import kind_template

router = Router(tags=["imports"])
# Any text: one that is no UUID names no job and answers 404, as an unknown or invisible job does.
JobId = Annotated[str, Path(description="Mã lượt nhập (UUID), trường id mà POST /imports trả về.")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ERROR_PAGE_SIZE = 1000
# The stages at which a preview exists: validated, with or without errors, and after.
_VALIDATED = {ImportStatus.INVALID, ImportStatus.READY, ImportStatus.COMMITTING, ImportStatus.COMMITTED}
_XLSX_RESPONSE = {"description": "Excel (.xlsx)", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}


class Counts(Schema):
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    invalid: int = 0


class JobSummary(Schema):
    """What validation found. Ledger and support imports count their rows under ``entries``."""

    model_config = ConfigDict(extra="allow")

    households: Counts | None = None
    members: Counts | None = None
    entries: Counts | None = Field(None, description="Các dòng của danh sách (nhập danh sách đã công nhận, nhập hỗ "
                                                     "trợ cho hộ)")
    errors: int = Field(0, description="Tổng số lỗi trong tệp")
    layout: str | None = Field(None, description="Bố cục tệp nhận ra (hai trang hoặc một trang)")
    ignored_columns: list[str] = Field(default_factory=list, description="Các cột không dùng đến")


class Progress(Schema):
    """Rows parsed, validated and written so far (updated by the worker while it runs)."""

    model_config = ConfigDict(extra="allow")

    stage: str | None = Field(None, description="queued, validating, annotating, ready, invalid, committing, "
                                                "writing, done, failed")
    total: int | None = None
    parsed: int | None = None
    validated: int | None = None
    written: int | None = None
    classified: int | None = None


class JobLinks(Schema):
    self: str
    preview: str
    errors: str
    errors_xlsx: str
    commit: str
    cancel: str
    households: str


class JobOut(Schema):
    id: uuid.UUID
    kind: Literal["households", "ledger", "support"]
    status: Literal["queued", "validating", "invalid", "ready", "committing", "committed", "cancelled", "failed"]
    status_label: str
    file_name: str
    file_size: int
    file_sha256: str
    on_change: Literal["update", "skip"]
    created_by: str
    created_at: str
    validated_at: str | None
    committed_by: str | None
    committed_at: str | None
    summary: JobSummary
    result: dict[str, int] = Field(description="Những gì đã ghi: households_created, households_updated, "
                                               "members_written, ledger_entries…")
    failure: str = Field(description="Lý do khi trạng thái là failed")
    links: JobLinks


class JobDetailOut(JobOut):
    progress: Progress


class JobPage(Schema):
    items: list[JobOut]
    count: int
    count_exact: bool
    page: int
    page_size: int


class FileError(Schema):
    sheet: str | None = Field(description="Trang tính (hoặc tên tệp CSV)")
    row: int | None = Field(description="Số dòng trong bảng tính (dòng tiêu đề là dòng 1)")
    column: str | None = Field(description="Tiêu đề cột như trong tệp")
    field: str | None = Field(description="Đường dẫn trường của hồ sơ hộ v1, ví dụ members.birth_date")
    value: str | None = Field(description="Giá trị trong ô")
    message: str


class ErrorPage(Schema):
    items: list[FileError]
    count: int
    count_exact: bool
    page: int
    page_size: int


class Sample(Schema):
    code: str
    head_name: str
    unit_path: str
    member_count: int
    changes: dict[str, list[Any]] = Field(description="Với hộ có thay đổi: trường → [giá trị cũ, giá trị mới]")


class PreviewOut(Schema):
    model_config = ConfigDict(extra="allow")

    counts: dict[str, Counts]
    errors_total: int
    errors: list[FileError] = Field(description="Các lỗi đầu tiên (tối đa 200); đủ cả: GET /imports/{id}/errors")
    layout: str | None = None
    ignored_columns: list[str] = Field(default_factory=list)
    samples: dict[str, list[Sample]] = Field(description="Mẫu hộ thêm mới (new), thay đổi (changed), không đổi "
                                                         "(unchanged)")


class TouchedHousehold(Schema):
    id: str
    action: Literal["created", "updated", "ledger", "support"]
    commune_code: str
    hamlet: str | None
    head_name: str
    member_count: int
    deleted: bool


class TouchedPage(Schema):
    items: list[TouchedHousehold]
    count: int
    count_exact: bool
    page: int
    page_size: int


class UploadRefused(Schema):
    detail: str
    field: str | None = Field(None, description="Trường của biểu mẫu bị từ chối (không có khi cả yêu cầu hỏng)")


class CommitIn(Schema):
    on_change: Literal["update", "skip"] | None = Field(
        None, description="Khi hộ đã có thay đổi: update (cập nhật theo tệp) hoặc skip (giữ nguyên, chỉ thêm hộ "
                          "mới); mặc định: lựa chọn lúc tải lên.")


class ErrorPageParams(PageParams):
    page_size: int = Field(
        100, ge=1, le=MAX_ERROR_PAGE_SIZE, description=f"Số lỗi mỗi trang (tối đa {MAX_ERROR_PAGE_SIZE})."
    )


_ERRORS: dict[int, Any] = dict(ERRORS)
_JOB_ERRORS: dict[int, Any] = {**_ERRORS, 403: Detail, 409: Detail}


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's refusal as the API states it: the role may not (403), the job is not at that stage (409)."""
    try:
        yield
    except PermissionDenied as exc:
        raise HttpError(403, exc.message) from None
    except ApplicationError as exc:
        raise HttpError(409, exc.message) from None


def _job(request: HttpRequest, id: str) -> ImportJob:
    """The job the caller may see, or 404 — also for an id that is no UUID at all (it names no job)."""
    try:
        public_id = uuid.UUID(id)
    except ValueError:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập.")) from None
    return selectors.job_get(request.user, public_id)


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _links(job: ImportJob) -> dict[str, str]:
    base = reverse("api:import_show", kwargs={"id": str(job.public_id)})
    return {"self": base, "preview": f"{base}/preview", "errors": f"{base}/errors",
            "errors_xlsx": f"{base}/errors.xlsx", "commit": f"{base}/commit", "cancel": f"{base}/cancel",
            "households": f"{base}/households"}


def job_body(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.public_id,
        "kind": job.kind,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "file_name": job.file_name,
        "file_size": job.file_size,
        "file_sha256": job.file_sha256,
        "on_change": job.on_change,
        "created_by": job.created_by.get_username(),
        "created_at": job.created_at.isoformat(),
        "validated_at": _when(job.validated_at),
        "committed_by": job.committed_by.get_username() if job.committed_by else None,
        "committed_at": _when(job.committed_at),
        "summary": job.summary or {},
        "result": job.result or {},
        "failure": job.failure,
        "links": _links(job),
    }


def _detail(job: ImportJob) -> dict[str, Any]:
    return {**job_body(job), "progress": storage.read_progress(job.public_id)}


def _error_item(error: dict[str, Any]) -> dict[str, Any]:
    value = error.get("value")
    return {"sheet": error.get("sheet"), "row": error.get("row"), "column": error.get("column"),
            "field": error.get("field"), "value": None if value is None else str(value),
            "message": str(error.get("message") or "")}


@router.get("/template.xlsx", response={**ERRORS}, summary="Tải mẫu tệp nhập hộ",
            openapi_extra={"responses": {200: _XLSX_RESPONSE}})
def import_template(request: HttpRequest, kind: Literal["households", "support"] = "households") -> HttpResponse:
    """Mẫu Excel để nhập hộ và thành viên: tiêu đề cột tiếng Việt, danh sách chọn cho từng câu trả lời, trang
    hướng dẫn. ``kind=support``: mẫu nhập hỗ trợ đã nhận của hộ (danh mục loại hỗ trợ, đơn vị hỗ trợ, chương
    trình ở trang hướng dẫn)."""
    content, name = kind_template(kind)
    if kind == "households":
        name = "mau-nhap-ho.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "", response={**_ERRORS, 202: JobOut, 400: UploadRefused, 403: Detail, 413: UploadRefused},
    summary="Tải tệp lên để nhập",
)
def import_store(
    request: HttpRequest,
    kind: Form[Literal["households", "ledger", "support"]] = "households",
    on_change: Form[Literal["update", "skip"]] = "update",
    file: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    """Gửi tệp Excel (.xlsx, .xls, .ods) hoặc CSV dạng multipart/form-data: ``file`` là tệp, ``kind`` là loại dữ
    liệu (households: hộ và thành viên; ledger: danh sách hộ nghèo, cận nghèo đã công nhận; support: hỗ trợ đã nhận
    của hộ), ``on_change`` là cách
    xử lý hộ đã có mà tệp thay đổi (update hoặc skip). Chưa ghi gì: hệ thống kiểm tra toàn bộ tệp ở nền; theo dõi
    tại ``links.self``, rồi xem trước và ghi."""
    if not services.may_import(request.user):
        return Status(403, {"detail": _("Bạn không có quyền nhập dữ liệu từ tệp.")})
    if file is None:
        return Status(400, {"detail": _("Thiếu tệp: gửi tệp Excel hoặc CSV trong trường “file” "
                                        "(multipart/form-data)."), "field": "file"})
    if file.size is not None and file.size > services.MAX_UPLOAD_BYTES:
        return Status(413, {"detail": _("Tệp quá lớn: tối đa %(mb)d MB một lần nhập; hãy chia tệp theo xã.")
                            % {"mb": services.MAX_UPLOAD_BYTES // (1024 * 1024)}, "field": "file"})
    try:
        job = services.import_upload(actor=request.user, kind=kind, file_name=file.name or "", content=file,
                                     on_change=on_change)
    except PermissionDenied as exc:
        return Status(403, {"detail": exc.message})
    except ApplicationError as exc:
        return Status(400, {"detail": exc.message, "field": "file"})
    services.start_validation(job)
    return Status(202, job_body(job))


@router.get("", response={200: JobPage, **_ERRORS}, summary="Các lượt nhập")
def import_index(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """Lượt nhập bạn đã tải lên, và lượt nhập của các đơn vị mà bạn được xem nhật ký; mới nhất trước."""
    jobs = selectors.jobs_visible_to(request.user).order_by("-created_at", "-id")
    items, count, exact = page_of(jobs, paging)
    return page_body([job_body(job) for job in items], count, exact, paging)


@router.get("/{id}", response={200: JobDetailOut, **_ERRORS}, summary="Trạng thái một lượt nhập",
            url_name="import_show")
def import_show(request: HttpRequest, id: JobId) -> dict[str, Any]:
    """Trạng thái, tiến độ (số dòng đã đọc, đã kiểm tra, đã ghi), số liệu kiểm tra và kết quả ghi."""
    return _detail(_job(request, id))


@router.get("/{id}/preview", response={200: PreviewOut, **_JOB_ERRORS}, summary="Xem trước trước khi ghi")
def import_preview(request: HttpRequest, id: JobId) -> Any:
    """Số hộ thêm mới, thay đổi, không đổi, có lỗi; mẫu mỗi loại, các trường thay đổi, cột không dùng đến, các
    lỗi đầu tiên. 409 khi tệp chưa kiểm tra xong."""
    job = _job(request, id)
    preview = services.preview_for(job, request.user) if job.status in _VALIDATED else {}
    if not preview:
        return Status(409, {"detail": _("Lượt nhập này chưa có bản xem trước (%(status)s).")
                            % {"status": job.get_status_display()}})
    return {**preview, "errors": [_error_item(e) for e in preview.get("errors", [])]}


@router.get("/{id}/errors", response={200: ErrorPage, **_JOB_ERRORS}, summary="Mọi lỗi trong tệp")
def import_errors(request: HttpRequest, id: JobId, paging: Query[ErrorPageParams]) -> Any:
    """Từng lỗi: trang tính, dòng (dòng tiêu đề là 1), cột, trường hồ sơ, giá trị, thông báo. 409 khi tệp chưa
    kiểm tra xong."""
    job = _job(request, id)
    if job.status not in _VALIDATED:
        return Status(409, {"detail": _("Lượt nhập này chưa kiểm tra xong (%(status)s).")
                            % {"status": job.get_status_display()}})
    errors = services.errors_for(job, request.user)
    start = (paging.page - 1) * paging.page_size
    items = [_error_item(e) for e in errors[start:start + paging.page_size]]
    return page_body(items, len(errors), True, paging)


@router.get("/{id}/errors.xlsx", response=_ERRORS, summary="Tệp của bạn, đánh dấu các ô lỗi",
            openapi_extra={"responses": {200: _XLSX_RESPONSE}})
def import_error_workbook(request: HttpRequest, id: JobId) -> FileResponse:
    """Bản sao tệp đã tải lên: mỗi ô lỗi được tô màu và có ghi chú tiếng Việt, thêm một trang liệt kê mọi lỗi.
    404 khi tệp không có lỗi."""
    job = _job(request, id)
    if job.status not in _VALIDATED or not (job.summary or {}).get("errors"):
        raise Http404(_("Lượt nhập này không có lỗi nào để tải về."))
    try:
        path = services.error_workbook_for(job, request.user)
    except (FileNotFoundError, PermissionDenied):
        raise Http404(_("Lượt nhập này không có lỗi nào để tải về.")) from None
    stem = job.file_name.rsplit(".", 1)[0] or "tep-nhap"
    return FileResponse(path.open("rb"), content_type=XLSX, as_attachment=True, filename=f"{stem}-loi.xlsx")


@router.post("/{id}/commit", response={202: JobOut, **_JOB_ERRORS}, summary="Ghi vào hệ thống")
def import_commit(request: HttpRequest, id: JobId, body: Body[CommitIn | None] = None) -> Status[dict[str, Any]]:
    """Ghi lượt nhập đã kiểm tra, không lỗi, trong một giao dịch ở nền (chỉ người đã tải tệp lên). Thân yêu cầu
    tuỳ chọn: ``{"on_change": "update" | "skip"}``. 409 khi lượt nhập không ở trạng thái sẵn sàng ghi."""
    job = _job(request, id)
    with _refusals():
        job = services.start_commit(actor=request.user, job=job, on_change=body.on_change if body else None)
    return Status(202, job_body(job))


@router.post("/{id}/cancel", response={200: JobOut, **_JOB_ERRORS}, summary="Huỷ lượt nhập")
def import_cancel(request: HttpRequest, id: JobId) -> dict[str, Any]:
    """Huỷ lượt nhập chưa ghi (chỉ người đã tải tệp lên); tệp đã tải lên bị xoá. 409 khi đang ghi hoặc đã ghi."""
    job = _job(request, id)
    with _refusals():
        job = services.import_cancel(actor=request.user, job=job)
    return job_body(job)


@router.get("/{id}/households", response={200: TouchedPage, **_ERRORS}, summary="Các hộ lượt nhập đã ghi")
def import_households(request: HttpRequest, id: JobId, paging: Query[PageParams]) -> dict[str, Any]:
    """Hộ mà lượt nhập đã thêm hoặc cập nhật, trong địa bàn bạn được xem hộ, theo thứ tự ghi."""
    job = _job(request, id)
    touched = selectors.touched_households(request.user, job).select_related(
        "household__commune", "household__hamlet")
    items, count, exact = page_of(touched, paging)
    return page_body([_touched(row) for row in items], count, exact, paging)


def _touched(row: ImportedHousehold) -> dict[str, Any]:
    household: Household = row.household
    return {"id": household.code, "action": row.action, "commune_code": household.commune.code,
            "hamlet": household.hamlet.name if household.hamlet else None, "head_name": household.head_name,
            "member_count": household.member_count, "deleted": household.deleted_at is not None}


__all__ = ["job_body", "router"]
