"""The statistics' audit codes and their labels on the audit page (registered when the app loads).

Figures leave the system through these: a table, a chart's data, a comparison of two standards. Uploaded
boundaries change what the map shows; a refill asked for by hand is recorded with who asked."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from giamngheo.core.audit import register_action, register_object_type

CODES = {
    "giamngheo.stats.table_exported": _("Tải bảng số liệu thống kê"),
    "giamngheo.stats.chart_exported": _("Tải số liệu biểu đồ thống kê"),
    "giamngheo.stats.compare_exported": _("Tải bảng so sánh hai chuẩn nghèo"),
    "giamngheo.stats.boundary_uploaded": _("Tải lên ranh giới xã"),
    "giamngheo.stats.refresh_requested": _("Yêu cầu tổng hợp lại số liệu thống kê"),
}
OBJECT_TYPES = {
    "stats_table": _("Bảng số liệu thống kê"),
    "stats_chart": _("Biểu đồ thống kê"),
    "stats_compare": _("So sánh hai chuẩn nghèo"),
    "unit_boundary": _("Ranh giới đơn vị hành chính"),
    "stats_fill": _("Tổng hợp số liệu thống kê"),
}


def register() -> None:
    for code, label in CODES.items():
        register_action(code, label)
    for code, label in OBJECT_TYPES.items():
        register_object_type(code, label)
