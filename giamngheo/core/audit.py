"""The audit trail: every service that changes a domain object calls ``log_action``.

Codes are dotted (``giamngheo.household.updated``); ``ACTION_LABELS`` turns them into translated text
for the audit page. ``changes`` maps each changed field to ``[before, after]`` in JSON-safe form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from giamngheo.core.models import AuditEntry

ACTION_LABELS: dict[str, Any] = {
    "giamngheo.household.created": _("Tạo hộ gia đình"),
    "giamngheo.household.updated": _("Sửa hộ gia đình"),
    "giamngheo.household.deleted": _("Xoá hộ gia đình"),
    "giamngheo.household.classified": _("Phân loại hộ gia đình"),
    "giamngheo.unit.created": _("Tạo đơn vị hành chính"),
    "giamngheo.unit.updated": _("Sửa đơn vị hành chính"),
    "giamngheo.unit.code_changed": _("Đổi mã đơn vị hành chính"),
    "giamngheo.user.role_granted": _("Cấp quyền"),
    "giamngheo.user.role_revoked": _("Thu hồi quyền"),
    "giamngheo.user.login_locked": _("Khoá đăng nhập do sai mật khẩu nhiều lần"),
    "giamngheo.user.token_created": _("Tạo mã truy cập API"),
}


# What kind of object an entry is about, as the audit page's filter and columns name it.
OBJECT_TYPE_LABELS: dict[str, Any] = {
    "household": _("Hộ gia đình"),
    "geo.AdminUnit": _("Đơn vị hành chính"),
    "user": _("Người dùng"),
    "api_token": _("Mã truy cập API"),
    "review_cycle": _("Đợt rà soát"),
    "review_case": _("Hồ sơ rà soát"),
    "review_request": _("Đề nghị rà soát"),
    "village_meeting": _("Hội nghị thôn"),
    "complaint": _("Khiếu nại"),
    "certificate": _("Giấy chứng nhận"),
    "ledger_entry": _("Sổ theo dõi hằng năm"),
}


# Coded field values the audit page shows by their label: (object_type, field) → {code: label}.
VALUE_LABELS: dict[tuple[str, str], Mapping[str, Any]] = {}


def register_value_labels(object_type: str, field: str, labels: Mapping[str, Any]) -> None:
    """So that ``role: commune_officer`` reads "Cán bộ giảm nghèo cấp xã" on the audit page and export."""
    VALUE_LABELS[(object_type, field)] = labels


def register_action(code: str, label: Any) -> None:
    """Apps register their own codes (``reviews`` does at import) so the trail can show them."""
    ACTION_LABELS[code] = label


def register_object_type(code: str, label: Any) -> None:
    """Apps register the object types they write entries about, for the audit page's filter."""
    OBJECT_TYPE_LABELS[code] = label


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def object_type_label(code: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(code, code))


def json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as ``{field: [before, after]}``; a field absent on one side is None."""
    changed: dict[str, list[Any]] = {}
    for key in list(before) + [k for k in after if k not in before]:
        old, new = json_safe(before.get(key)), json_safe(after.get(key))
        if old != new:
            changed[key] = [old, new]
    return changed


def log_action(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: str | int,
    object_repr: str = "",
    unit_path: str = "",
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=(user.get_username() if user else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        unit_path=unit_path,
        changes=json_safe(changes or {}),
        data=json_safe(data or {}),
    )
