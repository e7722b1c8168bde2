"""The full report of a province (by commune) or a commune (by hamlet) as one workbook: the result tables of
both classes, the categories of poor and near-poor households (figures 6 and 12), the deprivation profile and
the causes of poverty (figure 9), Alkire–Foster by unit and for ethnic-minority households (figure 13), and,
when their records exist and the reader may see them, targets against achievement, money mobilised and spent,
and support outputs (figures 8, 10, 11; ``tables/extra.py``).

It reads rollups (a few hundred rows for a province), so a province of a million households is written in well
under a second; ``bench/`` calls ``province_report_workbook``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.geo.models import AdminUnit
from giamngheo.reviews.forms import CAUSE_LABELS
from giamngheo.standards.definition import get_standard
from giamngheo.stats import selectors
from giamngheo.stats.measures import CLASS_LABELS, CLASSES, alkire_foster
from giamngheo.stats.selectors import Figures
from giamngheo.stats.tables import excel, extra
from giamngheo.stats.tables.excel import COUNT_FORMAT, DECIMAL_FORMAT, RATE_FORMAT, simple_sheet
from giamngheo.stats.tables.result import ResultTable, result_table

CATEGORIES: list[tuple[str, Any]] = [
    ("end_ethnic_minority", gettext_lazy("Dân tộc thiểu số")),
    ("end_meritorious", gettext_lazy("Có người có công với cách mạng")),
    ("end_social_protection", gettext_lazy("Có đối tượng bảo trợ xã hội")),
    ("end_no_capacity", gettext_lazy("Không có khả năng lao động")),
]


def indicator_names(standard_id: str) -> list[tuple[str, str]]:
    """(code, Vietnamese name) of the standard's indicators, as the standard declares them."""
    if not standard_id:
        return []
    try:
        return [(i.code, i.name_vi) for i in get_standard(standard_id).indicators]
    except Exception:  # an unknown or retired standard id: the profile sheets are left out, the rest is written
        return []


def _titles(table: ResultTable, title: str) -> list[str]:
    return [*excel.table_titles(table, title)[:3], table.as_of]


def _rows(unit: AdminUnit, year: int, series: str) -> list[Figures]:
    # Like the result table: a unit with no household and no count has no row.
    children = selectors.child_rollups(unit, year=year, series=series, include_empty=False)
    whole = selectors.rollup(unit, year=year, series=series)
    return [*children, whole] if whole else children


def _name(figures: Figures, unit: AdminUnit) -> str:
    if figures.level == unit.level:
        return str(_("Tổng cộng"))
    return figures.name


def categories_sheet(book: Any, table: ResultTable, rows: list[Figures], klass: str) -> None:
    headers = [table.child_label, _("Tổng số hộ"), _("%(class)s cuối năm") % {"class": CLASS_LABELS[klass]},
               _("Tỷ lệ trên tổng số hộ")]
    for _code, label in CATEGORIES:
        headers += [_("%(category)s: số hộ") % {"category": label},
                    _("%(category)s: tỷ lệ trên tổng số hộ") % {"category": label}]
    headers.append(_("Số nhân khẩu"))
    data = []
    for figures in rows:
        values: list[Any] = [_name(figures, table.unit), figures.households, figures[f"{klass}.end"],
                             figures.rate(f"{klass}.end")]
        for code, _label in CATEGORIES:
            values += [figures[f"{klass}.{code}"], figures.rate(f"{klass}.{code}")]
        values.append(figures[f"{klass}.end_persons"])
        data.append(values)
    formats: list[str | None] = [None, COUNT_FORMAT, COUNT_FORMAT, RATE_FORMAT,
                                 *[COUNT_FORMAT, RATE_FORMAT] * len(CATEGORIES), COUNT_FORMAT]
    title = _("Phân loại %(class)s năm %(year)s") % {"class": str(CLASS_LABELS[klass]).lower(), "year": table.year}
    simple_sheet(book, title, _titles(table, title), headers, data, formats,
                 [28, *[12] * (len(headers) - 1)], bold_last=True)


def deprivation_sheet(book: Any, table: ResultTable, whole: Figures, indicators: list[tuple[str, str]]) -> None:
    headers = [_("Chỉ số thiếu hụt"), _("Số hộ thiếu hụt"), _("Tỷ lệ trên số hộ được đánh giá"),
               _("Hộ nghèo thiếu hụt"), _("Tỷ lệ trên số hộ nghèo"), _("Hộ cận nghèo thiếu hụt"),
               _("Tỷ lệ trên số hộ cận nghèo")]
    data = [[name, whole[f"dep.{code}"], whole.rate(f"dep.{code}", "profiled"),
             whole[f"dep_poor.{code}"], whole.rate(f"dep_poor.{code}", "profiled.poor"),
             whole[f"dep_near_poor.{code}"], whole.rate(f"dep_near_poor.{code}", "profiled.near_poor")]
            for code, name in indicators]
    data.append([_("Số hộ được đánh giá"), whole["profiled"], None, whole["profiled.poor"], None,
                 whole["profiled.near_poor"], None])
    title = _("Mức độ thiếu hụt các dịch vụ xã hội cơ bản năm %(year)s") % {"year": table.year}
    simple_sheet(book, _("Thiếu hụt"), _titles(table, title), headers, data,
                 [None, COUNT_FORMAT, RATE_FORMAT] * 2 + [COUNT_FORMAT], [40, 14, 14, 14, 14, 14, 14],
                 bold_last=True)
    cause_rows: list[list[Any]] = [[str(CAUSE_LABELS.get(code, code)), whole[f"cause.{code}"],
                                    whole.rate(f"cause.{code}", "causes_known")] for code in _causes(whole)]
    cause_rows.append([_("Số hộ nghèo có ghi nguyên nhân"), whole["causes_known"], whole.rate("causes_known",
                                                                                             "poor.end")])
    title = _("Nguyên nhân nghèo năm %(year)s") % {"year": table.year}
    simple_sheet(book, _("Nguyên nhân nghèo"), _titles(table, title),
                 [_("Nguyên nhân"), _("Số hộ nghèo"), _("Tỷ lệ trên số hộ nghèo có ghi nguyên nhân")],
                 cause_rows, [None, COUNT_FORMAT, RATE_FORMAT], [44, 14, 18], bold_last=True)


def _causes(whole: Figures) -> list[str]:
    """The survey's causes (``reviews.forms.CAUSE_LABELS``, the codes a case records), then any other code
    found in the counts."""
    declared = list(CAUSE_LABELS)
    found = sorted(code.removeprefix("cause.") for code in whole.counts if code.startswith("cause."))
    return [*declared, *[c for c in found if c not in declared]]


def alkire_foster_sheet(book: Any, table: ResultTable, rows: list[Figures], indicators: list[tuple[str, str]]) -> None:
    codes = [code for code, _name in indicators]
    headers = [table.child_label, _("Số hộ được đánh giá (n)"), _("Số hộ nghèo đa chiều (q)"),
               _("Tỷ lệ nghèo đa chiều H"), _("Mức độ thiếu hụt bình quân A"), _("Chỉ số nghèo đa chiều M0"),
               *[_("Đóng góp: %(indicator)s") % {"indicator": name} for _code, name in indicators],
               _("Số hộ không tính (thiếu thông tin)")]
    data: list[list[Any]] = []
    for figures in rows:
        af = figures.af(codes)
        data.append([_name(figures, table.unit), af.n, af.q, af.H, af.A, af.M0,
                     *[af.contribution[c] for c in codes], af.excluded])
    whole = rows[-1] if rows and rows[-1].level == table.unit.level else None
    if whole is not None:
        em = alkire_foster(whole.counts, codes, prefix="af_em")
        if em.n:
            data.append([_("Trong đó: hộ dân tộc thiểu số"), em.n, em.q, em.H, em.A, em.M0,
                         *[em.contribution[c] for c in codes], em.excluded])
    formats: list[str | None] = [None, COUNT_FORMAT, COUNT_FORMAT, RATE_FORMAT, RATE_FORMAT, DECIMAL_FORMAT,
                                 *[RATE_FORMAT] * len(codes), COUNT_FORMAT]
    title = _("Chỉ số nghèo đa chiều (Alkire–Foster) năm %(year)s") % {"year": table.year}
    simple_sheet(book, "Alkire-Foster", _titles(table, title), headers, data, formats,
                 [28, *[12] * (len(headers) - 1)])


def province_report_workbook(province: AdminUnit, year: int, series: str, *, user: Any = None) -> bytes:
    """The full report of ``province`` (or a commune) for ``year`` and ``series``, as xlsx bytes. The caller
    checked the scope; ``user`` decides whether the support figures are added (they need ``support.view`` and
    are read in the user's scope; without a user they are left out)."""
    book = excel.new_workbook()
    table = result_table(province, year=year, series=series)
    for klass in CLASSES:
        excel.result_sheet(book, table, klass)
    rows = _rows(province, year, series)
    for klass in CLASSES:
        categories_sheet(book, table, rows, klass)
    whole = rows[-1] if rows and rows[-1].level == province.level else None
    indicators = indicator_names(table.standard_id)
    if whole is not None and indicators:
        deprivation_sheet(book, table, whole, indicators)
        alkire_foster_sheet(book, table, rows, indicators)
    if user is not None:
        extra.support_sheets(book, table, user=user)
    return excel.save(book)


__all__ = ["province_report_workbook"]
