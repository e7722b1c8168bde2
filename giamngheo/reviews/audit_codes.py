"""The review's audit codes and their labels on the audit page (registered when the app loads)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from giamngheo.core.audit import register_action, register_object_type

CODES = {
    "giamngheo.review.cycle_opened": _("Mở đợt rà soát"),
    "giamngheo.review.case_listed": _("Đưa hộ vào danh sách rà soát"),
    "giamngheo.review.case_draft_saved": _("Lưu nháp phiếu khảo sát"),
    "giamngheo.review.case_surveyed": _("Hoàn thành phiếu khảo sát"),
    "giamngheo.review.case_classified": _("Phân loại hộ theo chuẩn nghèo"),
    "giamngheo.review.meeting_recorded": _("Ghi biên bản họp dân"),
    "giamngheo.review.case_meeting_agreed": _("Họp dân thống nhất kết quả"),
    "giamngheo.review.case_meeting_rejected": _("Họp dân không thống nhất, khảo sát lại"),
    "giamngheo.review.case_posted": _("Niêm yết công khai"),
    "giamngheo.review.complaint_filed": _("Tiếp nhận khiếu nại"),
    "giamngheo.review.complaint_resolved": _("Giải quyết khiếu nại"),
    "giamngheo.review.cycle_consulted": _("Ghi ý kiến của cấp trên"),
    "giamngheo.review.cycle_recognised": _("Công nhận danh sách và khoá đợt rà soát"),
    "giamngheo.review.case_recognised": _("Công nhận hộ"),
    "giamngheo.review.certificate_issued": _("Cấp giấy chứng nhận hộ nghèo, hộ cận nghèo"),
    "giamngheo.review.request_filed": _("Tiếp nhận đơn đề nghị"),
    "giamngheo.review.request_recognised": _("Công nhận theo đơn đề nghị"),
    "giamngheo.review.request_refused": _("Không công nhận đơn đề nghị, trả lời bằng văn bản"),
    "giamngheo.review.ledger_corrected": _("Đính chính sổ theo dõi"),
    "giamngheo.review.household_removed": _("Đưa hộ ra khỏi danh sách"),
    "giamngheo.review.movements_exported": _("Xuất bảng biến động hộ nghèo, hộ cận nghèo"),
}
OBJECT_TYPES = {
    "review_movements": _("Bảng biến động hộ nghèo, hộ cận nghèo"),
}


def register() -> None:
    for code, label in CODES.items():
        register_action(code, label)
    for code, label in OBJECT_TYPES.items():
        register_object_type(code, label)
