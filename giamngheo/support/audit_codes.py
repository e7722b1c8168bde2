"""The support app's audit codes and their labels on the audit page (registered when the app loads)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from giamngheo.core.audit import register_action, register_object_type

CODES = {
    "giamngheo.support.record_created": _("Ghi nhận hỗ trợ cho hộ"),
    "giamngheo.support.record_updated": _("Sửa thông tin hỗ trợ cho hộ"),
    "giamngheo.support.record_deleted": _("Xoá thông tin hỗ trợ cho hộ"),
    "giamngheo.support.records_imported": _("Nhập hỗ trợ cho hộ từ tệp"),
    "giamngheo.support.records_exported": _("Xuất danh sách hỗ trợ cho hộ"),
    "giamngheo.support.assignment_created": _("Phân công giúp đỡ hộ"),
    "giamngheo.support.assignment_updated": _("Sửa phân công giúp đỡ hộ"),
    "giamngheo.support.assignment_ended": _("Kết thúc phân công giúp đỡ hộ"),
    "giamngheo.support.assignment_deleted": _("Xoá phân công giúp đỡ hộ"),
    "giamngheo.support.registration_created": _("Ghi nhận đăng ký thoát nghèo"),
    "giamngheo.support.registration_updated": _("Sửa đăng ký thoát nghèo"),
    "giamngheo.support.registration_deleted": _("Xoá đăng ký thoát nghèo"),
    "giamngheo.support.programme_created": _("Thêm chương trình, dự án của tỉnh"),
    "giamngheo.support.programme_updated": _("Sửa chương trình, dự án của tỉnh"),
    "giamngheo.support.resource_created": _("Ghi nguồn lực huy động hoặc chi"),
    "giamngheo.support.resource_updated": _("Sửa nguồn lực huy động hoặc chi"),
    "giamngheo.support.resource_deleted": _("Xoá nguồn lực huy động hoặc chi"),
    "giamngheo.support.campaign_created": _("Tạo đợt vận động"),
    "giamngheo.support.campaign_updated": _("Sửa đợt vận động"),
    "giamngheo.support.campaign_deleted": _("Xoá đợt vận động"),
    "giamngheo.support.pledge_created": _("Ghi đăng ký ủng hộ"),
    "giamngheo.support.pledge_updated": _("Sửa đăng ký ủng hộ"),
    "giamngheo.support.pledge_deleted": _("Xoá đăng ký ủng hộ"),
    "giamngheo.support.resources_exported": _("Xuất tổng hợp nguồn lực"),
    "giamngheo.support.target_created": _("Giao chỉ tiêu"),
    "giamngheo.support.target_updated": _("Sửa chỉ tiêu"),
    "giamngheo.support.target_deleted": _("Xoá chỉ tiêu"),
    "giamngheo.support.targets_allocated": _("Phân bổ chỉ tiêu cho cấp dưới"),
    "giamngheo.support.list_exported": _("Xuất danh sách hộ (hỗ trợ)"),
}
OBJECT_TYPES = {
    "support_record": _("Hỗ trợ cho hộ"),
    "assignment": _("Phân công giúp đỡ hộ"),
    "escape_registration": _("Đăng ký thoát nghèo"),
    "programme": _("Chương trình, dự án"),
    "resource_entry": _("Nguồn lực"),
    "campaign": _("Đợt vận động"),
    "pledge": _("Đăng ký ủng hộ"),
    "target": _("Chỉ tiêu"),
    "support_list": _("Danh sách hộ (hỗ trợ)"),
}


def register() -> None:
    for code, label in CODES.items():
        register_action(code, label)
    for code, label in OBJECT_TYPES.items():
        register_object_type(code, label)
