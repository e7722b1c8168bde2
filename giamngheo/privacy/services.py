"""Writes of the data-subject request register: register → assign → answer (with the export) or refuse.
Each is one transaction with one audit entry; the unit check is ``selectors.require_handler`` (404 outside)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.core.audit import log_action
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from giamngheo.privacy import audit_codes
from giamngheo.privacy.deadlines import deadline_for
from giamngheo.privacy.export import subject_export
from giamngheo.privacy.models import (
    OPEN_STATUSES,
    DataRequest,
    ReadChannel,
    ReadRecord,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from giamngheo.privacy.reads import HOUSEHOLD, write_reads
from giamngheo.privacy.selectors import may_handle_at, require_handler

MAX_TEXT = 5000
MAX_PAST_DAYS = 366


def _locked(request: DataRequest) -> DataRequest:
    return DataRequest.objects.select_for_update().select_related("unit").get(pk=request.pk)


def _require_open(request: DataRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise ApplicationError(_("Yêu cầu này đã được trả lời hoặc từ chối; không thay đổi được nữa."))


def data_request_register(
    *, actor: Any, unit: AdminUnit, kind: str, citizen_id: str = "", household_code: str = "",
    subject_name: str, requester_name: str, requester_contact: str = "", channel: str, content: str = "",
    received_at: dt.datetime,
) -> DataRequest:
    """Register a request handled by ``unit``. A household code is looked up only under ``unit`` and in the
    actor's scope; a citizen ID is stored as typed and never looked up here, so the form tells nothing about
    people elsewhere."""
    require_handler(actor, unit.path)
    errors: dict[str, list[str]] = {}
    citizen_id, household_code = citizen_id.strip(), household_code.strip()
    if kind not in RequestKind.values:
        errors["kind"] = [_("Loại yêu cầu không hợp lệ.")]
    if channel not in RequestChannel.values:
        errors["channel"] = [_("Hình thức nhận không hợp lệ.")]
    if citizen_id and not (len(citizen_id) == 12 and citizen_id.isascii() and citizen_id.isdigit()):
        errors["citizen_id"] = [_("Số định danh cá nhân phải gồm đúng 12 chữ số.")]
    household = None
    if household_code:
        household = Household.objects.filter(code=household_code, deleted_at__isnull=True,
                                             unit_path__startswith=unit.path).first()
        if household is None or not may_handle_at(actor, household.unit_path):
            errors["household_code"] = [_("Không tìm thấy hộ có mã này trong đơn vị xử lý.")]
    if not citizen_id and not household_code:
        errors["citizen_id"] = [_("Hãy nhập số định danh cá nhân của chủ thể dữ liệu, hoặc mã hộ.")]
    if not subject_name.strip():
        errors["subject_name"] = [_("Hãy nhập họ tên chủ thể dữ liệu.")]
    if not requester_name.strip():
        errors["requester_name"] = [_("Hãy nhập họ tên người yêu cầu.")]
    now = timezone.now()
    if received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = [_("Thời điểm nhận không được ở tương lai.")]
    elif received_at < now - dt.timedelta(days=MAX_PAST_DAYS):
        errors["received_at"] = [_("Thời điểm nhận không được quá một năm trước.")]
    if len(content) > MAX_TEXT:
        errors["content"] = [_("Nội dung tối đa %(max)s ký tự.") % {"max": MAX_TEXT}]
    if errors:
        raise ValidationFailed(_("Chưa tiếp nhận được yêu cầu; hãy sửa các ô được đánh dấu."), errors=errors)
    with transaction.atomic():
        request = DataRequest.objects.create(
            unit=unit, unit_path=unit.path, kind=kind, citizen_id=citizen_id, household=household,
            subject_name=subject_name.strip()[:200], requester_name=requester_name.strip()[:200],
            requester_contact=requester_contact.strip()[:300], channel=channel, content=content,
            received_at=received_at, deadline=deadline_for(kind, received_at), created_by=actor,
        )
        # The audit entry never carries the citizen ID: the trail is read by more people than the register.
        log_action(actor=actor, action=audit_codes.REGISTERED, object_type=audit_codes.OBJECT_TYPE,
                   object_id=request.pk, object_repr=str(request), unit_path=request.unit_path,
                   data={"kind": kind, "channel": channel, "household": household_code,
                         "received_at": received_at, "deadline": request.deadline})
    return request


def data_request_assign(*, actor: Any, request: DataRequest, assignee: Any) -> DataRequest:
    require_handler(actor, request.unit_path)
    if assignee is None or not assignee.is_active or not may_handle_at(assignee, request.unit_path):
        raise ValidationFailed(_("Chưa giao được yêu cầu."), errors={
            "assignee": [_("Người này không có quyền xử lý yêu cầu của đơn vị.")]})
    with transaction.atomic():
        locked = _locked(request)
        _require_open(locked)
        before = locked.assignee.get_username() if locked.assignee else ""
        locked.assignee, locked.status = assignee, RequestStatus.ASSIGNED
        locked.save(update_fields=["assignee", "status"])
        log_action(actor=actor, action=audit_codes.ASSIGNED, object_type=audit_codes.OBJECT_TYPE,
                   object_id=locked.pk, object_repr=str(locked), unit_path=locked.unit_path,
                   changes={"assignee": [before, assignee.get_username()]})
    return locked


def _check_text(text: str, field: str, empty: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed(empty, errors={field: [empty]})
    if len(text) > MAX_TEXT:
        message = _("Nội dung tối đa %(max)s ký tự.") % {"max": MAX_TEXT}
        raise ValidationFailed(message, errors={field: [message]})
    return text


def data_request_answer(*, actor: Any, request: DataRequest, answer_text: str) -> DataRequest:
    """Answer in writing; the system builds the data export (stored with the request, so the reply handed to the
    person stays what it was) and records it as an export read of each household it contains."""
    require_handler(actor, request.unit_path)
    text = _check_text(answer_text, "answer_text", _("Hãy nhập nội dung trả lời."))
    with transaction.atomic():
        locked = _locked(request)
        _require_open(locked)
        export = subject_export(actor=actor, request=locked)
        now = timezone.now()
        locked.status, locked.answer_text, locked.answered_at, locked.answered_by = (
            RequestStatus.ANSWERED, text, now, actor)
        locked.export = export
        locked.save(update_fields=["status", "answer_text", "answered_at", "answered_by", "export"])
        households = export["households"]
        log_action(actor=actor, action=audit_codes.ANSWERED, object_type=audit_codes.OBJECT_TYPE,
                   object_id=locked.pk, object_repr=str(locked), unit_path=locked.unit_path,
                   changes={"status": [request.status, locked.status]},
                   data={"households": [h["code"] for h in households], "audit_entries": len(export["audit"]),
                         "reads": len(export["reads"]), "late": now > locked.deadline})
    record_export_reads(actor=actor, request=locked)
    return locked


def record_export_reads(*, actor: Any, request: DataRequest) -> None:
    """The export is a read of each household it holds (channel export, count = households)."""
    codes = [h["code"] for h in (request.export or {}).get("households", [])]
    paths = dict(Household.objects.filter(code__in=codes).values_list("code", "unit_path"))
    now = timezone.now()
    write_reads([ReadRecord(at=now, reader=actor, reader_name=actor.get_username(), object_type=HOUSEHOLD,
                            object_id=code, unit_path=paths.get(code, request.unit_path),
                            channel=ReadChannel.EXPORT, count=len(codes)) for code in codes])


def data_request_refuse(*, actor: Any, request: DataRequest, reason: str) -> DataRequest:
    require_handler(actor, request.unit_path)
    text = _check_text(reason, "refusal_reason", _("Hãy ghi rõ lý do từ chối."))
    with transaction.atomic():
        locked = _locked(request)
        _require_open(locked)
        now = timezone.now()
        locked.status, locked.refusal_reason, locked.answered_at, locked.answered_by = (
            RequestStatus.REFUSED, text, now, actor)
        locked.save(update_fields=["status", "refusal_reason", "answered_at", "answered_by"])
        log_action(actor=actor, action=audit_codes.REFUSED, object_type=audit_codes.OBJECT_TYPE,
                   object_id=locked.pk, object_repr=str(locked), unit_path=locked.unit_path,
                   changes={"status": [request.status, locked.status]}, data={"reason": text})
    return locked


def data_request_export_downloaded(*, actor: Any, request: DataRequest, file_format: str) -> None:
    """Each download of an answer's export is audited and recorded as a read of its households."""
    require_handler(actor, request.unit_path)
    with transaction.atomic():
        log_action(actor=actor, action=audit_codes.EXPORT_DOWNLOADED, object_type=audit_codes.OBJECT_TYPE,
                   object_id=request.pk, object_repr=str(request), unit_path=request.unit_path,
                   data={"format": file_format})
    record_export_reads(actor=actor, request=request)
