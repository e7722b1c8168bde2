"""The privacy app's audit codes and their labels on the audit page (registered when the app loads)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from giamngheo.core.audit import register_action, register_object_type

OBJECT_TYPE = "data_request"
REGISTERED = "giamngheo.privacy.request_registered"
ASSIGNED = "giamngheo.privacy.request_assigned"
ANSWERED = "giamngheo.privacy.request_answered"
REFUSED = "giamngheo.privacy.request_refused"
EXPORT_DOWNLOADED = "giamngheo.privacy.export_downloaded"
READS_PURGED = "giamngheo.privacy.reads_purged"

CODES = {
    REGISTERED: _("Tiếp nhận yêu cầu về dữ liệu cá nhân"),
    ASSIGNED: _("Giao xử lý yêu cầu về dữ liệu cá nhân"),
    ANSWERED: _("Trả lời yêu cầu về dữ liệu cá nhân"),
    REFUSED: _("Từ chối yêu cầu về dữ liệu cá nhân"),
    EXPORT_DOWNLOADED: _("Tải dữ liệu cung cấp cho chủ thể dữ liệu"),
    READS_PURGED: _("Xoá lượt xem quá thời hạn lưu"),
}


def register() -> None:
    for code, label in CODES.items():
        register_action(code, label)
    register_object_type(OBJECT_TYPE, _("Yêu cầu về dữ liệu cá nhân"))
    register_object_type("read_audit", _("Lượt xem"))
