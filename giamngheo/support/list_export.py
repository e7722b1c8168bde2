"""One of the four support lists as an Excel workbook: the rule it follows on the first row, a header, then every
household of the list (``selectors.lists.list_rows``, a keyset page at a time). The list page answers a small
list with it directly and hands a long one to a background export (``support.services.exports``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action
from giamngheo.core.exports import xlsx_cell, xlsx_row
from giamngheo.core.formatting import format_date
from giamngheo.geo.models import AdminUnit
from giamngheo.households.templatetags.household_tags import class_label
from giamngheo.support.selectors import lists

EXPORTED = "giamngheo.support.list_exported"
PROGRESS_EVERY = 2000  # rows between two calls of ``on_progress``

TITLES = {
    lists.NO_SUPPORT: gettext_lazy("Hộ nghèo, cận nghèo chưa được hỗ trợ"),
    lists.UNMET_NEEDS: gettext_lazy("Hộ có nhu cầu hỗ trợ chưa được đáp ứng"),
    lists.OVERDUE_ASSIGNMENTS: gettext_lazy("Phân công giúp đỡ quá hạn"),
    lists.ESCAPED: gettext_lazy("Hộ đã thoát nghèo, thoát cận nghèo"),
}
RULES = {
    lists.NO_SUPPORT: gettext_lazy(
        "Hộ nghèo, cận nghèo vào cuối năm %(year)s chưa nhận hỗ trợ nào trong năm %(year)s (từ 01/01 đến 31/12)."),
    lists.UNMET_NEEDS: gettext_lazy(
        "Hộ nghèo, cận nghèo vào cuối năm %(year)s có nhu cầu đã nêu khi rà soát (lần khảo sát gần nhất) mà chưa "
        "nhận loại hỗ trợ đáp ứng nhu cầu đó kể từ ngày nêu, tính đến 31/12/%(year)s."),
    lists.OVERDUE_ASSIGNMENTS: gettext_lazy(
        "Hộ còn nghèo, cận nghèo vào cuối năm %(year)s có người, đơn vị được phân công giúp đỡ với năm phấn đấu "
        "thoát nghèo trước năm %(year)s và chưa kết thúc phân công."),
    lists.ESCAPED: gettext_lazy(
        "Hộ nghèo vào cuối năm %(previous)s đã là hộ cận nghèo, có mức sống trung bình hoặc không thuộc diện nào "
        "vào cuối năm %(year)s (thoát cận nghèo: từ cận nghèo sang trung bình hoặc không thuộc diện nào); "
        "kèm hỗ trợ hộ đã nhận trong ba năm %(first)s–%(year)s."),
}


def rule_text(slug: str, year: int) -> str:
    return str(RULES[slug] % {"year": year, "previous": year - 1, "first": year - 2})


def _header(slug: str, year: int) -> list[str]:
    header = [_("STT"), _("Mã hộ"), _("Chủ hộ"), _("Thôn/ấp"), _("Xã/phường")]
    if slug == lists.ESCAPED:
        header += [_("Phân loại cuối năm %(year)s") % {"year": year - 1}]
    header += [_("Phân loại cuối năm %(year)s") % {"year": year}]
    if slug == lists.UNMET_NEEDS:
        header += [_("Nhu cầu chưa được đáp ứng"), _("Nguyên nhân nghèo")]
    if slug == lists.OVERDUE_ASSIGNMENTS:
        header += [_("Người, đơn vị giúp đỡ"), _("Phân công từ ngày"), _("Năm phấn đấu thoát nghèo"),
                   _("Số năm quá hạn")]
    if slug == lists.ESCAPED:
        for y in (year - 2, year - 1, year):
            header += [_("Số lần hỗ trợ năm %(year)s") % {"year": y}, _("Số tiền năm %(year)s (đồng)") % {"year": y},
                       _("Loại hỗ trợ năm %(year)s") % {"year": y}]
    return header


def _cells(slug: str, number: int, row: lists.ListRow) -> list[Any]:
    cells: list[Any] = [number, row.code, row.head_name, row.hamlet_name, row.commune_name]
    if slug == lists.ESCAPED:
        cells.append(class_label(row.previous_klass))
    cells.append(class_label(row.klass))
    if slug == lists.UNMET_NEEDS:
        cells += ["; ".join(row.needs), "; ".join(row.causes)]
    if slug == lists.OVERDUE_ASSIGNMENTS:
        cells += ["; ".join(a["helper_name"] for a in row.assignments),
                  "; ".join(format_date(a["since"]) for a in row.assignments),
                  "; ".join(str(a["target_year"]) for a in row.assignments),
                  max((a["years_overdue"] for a in row.assignments), default=0)]
    if slug == lists.ESCAPED:
        for support in row.support:
            cells += [support.count, support.money, ", ".join(support.kinds)]
    return cells


def support_list_export_write(*, actor: Any, slug: str, year: int, unit_path: str | None, klass: str | None,
                        out: BinaryIO, on_progress: Callable[[int], None] | None = None) -> int:
    """Write the whole list ``actor`` sees with these filters to ``out`` and record the export in the audit
    trail; ``on_progress(rows written)`` every ``PROGRESS_EVERY`` rows. Returns the number of rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(TITLES[slug])[:31])
    sheet.freeze_panes = "A3"
    bold = Font(bold=True)
    sheet.append([xlsx_cell(sheet, rule_text(slug, year))])
    sheet.append([xlsx_cell(sheet, text, font=bold) for text in _header(slug, year)])
    count = 0
    for count, row in enumerate(lists.list_rows(slug, user=actor, year=year, unit_path=unit_path, klass=klass),
                                start=1):
        sheet.append(xlsx_row(sheet, _cells(slug, count, row)))
        if on_progress is not None and count % PROGRESS_EVERY == 0:
            on_progress(count)
    book.save(out)
    unit = AdminUnit.objects.filter(path=unit_path).only("code").first() if unit_path else None
    log_action(actor=actor, action=EXPORTED, object_type="support_list", object_id=slug,
               object_repr=str(TITLES[slug]), unit_path=unit_path or user_home_path(actor),
               data={"year": year, "unit": unit.code if unit else "", "klass": klass or "", "rows": count})
    return count


def support_list_file_name(*, slug: str, year: int) -> str:
    """``chua-duoc-ho-tro-2025-20251015.xlsx``."""
    return f"{slug}-{year}-{timezone.localdate().strftime('%Y%m%d')}.xlsx"
