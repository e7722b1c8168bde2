"""What the two-standards page and its workbook show, built from a ``Comparison``: rows per child unit and area,
the transition matrix, and the households one standard cannot classify with the answers it lacks.

A rate is the share of the households the standard could classify (an unclassifiable household is in neither
the numerator nor the denominator, and is counted apart), so a standard that needs an answer the registry lacks
does not look less poor for it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from giamngheo.core.exports import xlsx_cell, xlsx_row
from giamngheo.core.formatting import format_date, format_number, format_percent
from giamngheo.geo.models import AdminUnit, Generation
from giamngheo.households.records import answer_label
from giamngheo.reviews.models import LedgerClass
from giamngheo.standards.definition import Standard
from giamngheo.stats.compare import CLASSES, FACT_REASONS, UNDETERMINED, Comparison
from giamngheo.stats.measures import AREA_LABELS, points, ratio

CLASS_LABELS: dict[str, Any] = {
    "poor": LedgerClass.POOR.label, "near_poor": LedgerClass.NEAR_POOR.label, "average": LedgerClass.AVERAGE.label,
    "none": LedgerClass.NONE.label, UNDETERMINED: gettext_lazy("Không phân loại được (thiếu thông tin)"),
}
NO_HAMLET = gettext_lazy("Hộ không thuộc thôn/ấp nào")
UNKNOWN_AREA = gettext_lazy("Chưa ghi khu vực")


@dataclass(frozen=True)
class Side:
    """One standard's figures on a row: counts and rates of poor and near-poor households."""

    poor: int
    near_poor: int
    classified: int
    undetermined: int

    @property
    def poor_rate(self) -> float | None:
        return ratio(self.poor, self.classified)

    @property
    def near_poor_rate(self) -> float | None:
        return ratio(self.near_poor, self.classified)


@dataclass(frozen=True)
class Row:
    unit: str
    area: str
    households: int
    a: Side
    b: Side
    only_a_undetermined: int
    only_b_undetermined: int
    kind: str = "area"  # "area" (one child, one area), "unit" (one child, all areas), "total"

    @property
    def poor_points(self) -> float | None:
        return points(self.b.poor_rate, self.a.poor_rate)

    @property
    def near_poor_points(self) -> float | None:
        return points(self.b.near_poor_rate, self.a.near_poor_rate)

    @property
    def shown(self) -> dict[str, str]:
        """The figures as the page prints them (Vietnamese number format; "–" where a rate is undefined)."""
        return {
            "households": format_number(self.households),
            "a_poor": format_number(self.a.poor), "a_poor_rate": _rate(self.a.poor_rate),
            "a_near_poor": format_number(self.a.near_poor), "a_near_poor_rate": _rate(self.a.near_poor_rate),
            "b_poor": format_number(self.b.poor), "b_poor_rate": _rate(self.b.poor_rate),
            "b_near_poor": format_number(self.b.near_poor), "b_near_poor_rate": _rate(self.b.near_poor_rate),
            "poor_points": _points(self.poor_points), "near_poor_points": _points(self.near_poor_points),
            "a_undetermined": format_number(self.a.undetermined),
            "b_undetermined": format_number(self.b.undetermined),
        }


@dataclass(frozen=True)
class Reason:
    label: str
    households: int


@dataclass
class ComparePage:
    unit: AdminUnit
    standard_a: Standard
    standard_b: Standard
    households: int
    computed_at: Any
    rows: list[Row] = field(default_factory=list)
    matrix: list[tuple[str, list[int], int]] = field(default_factory=list)
    matrix_totals: list[int] = field(default_factory=list)
    reasons_a: list[Reason] = field(default_factory=list)
    reasons_b: list[Reason] = field(default_factory=list)
    only_a: int = 0
    only_b: int = 0
    both: int = 0

    @property
    def class_labels(self) -> list[str]:
        return [str(CLASS_LABELS[c]) for c in CLASSES]

    @property
    def shown(self) -> dict[str, Any]:
        """Counts as the page prints them (Vietnamese number format)."""
        return {
            "households": format_number(self.households),
            "matrix": [(label, [format_number(n) for n in counts], format_number(total))
                       for label, counts, total in self.matrix],
            "matrix_totals": [format_number(n) for n in self.matrix_totals],
            "only_a": format_number(self.only_a), "only_b": format_number(self.only_b),
            "both": format_number(self.both),
            "reasons_a": [(r.label, format_number(r.households)) for r in self.reasons_a],
            "reasons_b": [(r.label, format_number(r.households)) for r in self.reasons_b],
        }


def _side(summary: dict[str, Any], side: str) -> Side:
    undetermined = int(summary[f"{side}_{UNDETERMINED}"])
    return Side(poor=int(summary[f"{side}_poor"]), near_poor=int(summary[f"{side}_near_poor"]),
                classified=int(summary["households"]) - undetermined, undetermined=undetermined)


def _row(summary: dict[str, Any], unit: str, area: str, kind: str) -> Row:
    return Row(unit=unit, area=area, households=int(summary["households"]), a=_side(summary, "a"),
               b=_side(summary, "b"), only_a_undetermined=int(summary["only_a_undetermined"]),
               only_b_undetermined=int(summary["only_b_undetermined"]), kind=kind)


def _area_label(area: str | None) -> str:
    return str(AREA_LABELS[area]) if area in AREA_LABELS else str(UNKNOWN_AREA)


def child_names(unit: AdminUnit, codes: list[str | None]) -> dict[str | None, str]:
    """Names of the child units by code (one query); a code no current unit has shows as itself."""
    level = {"province": "commune", "commune": "hamlet"}.get(unit.level)
    names: dict[str | None, str] = {None: str(NO_HAMLET)}
    if level is not None:
        found = AdminUnit.objects.filter(level=level, path__startswith=unit.path, generation=Generation.CURRENT,
                                         code__in=[c for c in codes if c]).values_list("code", "name")
        names.update(dict(found))
    return {code: names.get(code, code or str(NO_HAMLET)) for code in codes}


def _reason_label(code: str, standard: Standard) -> str:
    if code in FACT_REASONS:
        return answer_label(code)
    english = (translation.get_language() or "vi").startswith("en")
    for indicator in standard.indicators:
        if indicator.code == code:
            return indicator.name_en if english else indicator.name_vi
    return code


def compare_page(*, unit: AdminUnit, standard_a: Standard, standard_b: Standard, comparison: Comparison,
                 households: int, computed_at: Any) -> ComparePage:
    page = ComparePage(unit=unit, standard_a=standard_a, standard_b=standard_b, households=households,
                       computed_at=computed_at)
    by = comparison.by
    if by is not None:
        by_unit = comparison.summary([by]).to_dicts()
        names = child_names(unit, [r[by] for r in by_unit])
        by_area: dict[Any, list[dict[str, Any]]] = {}
        for summary in comparison.summary([by, "area"]).to_dicts():
            by_area.setdefault(summary[by], []).append(summary)
        for summary in sorted(by_unit, key=lambda r: (r[by] is None, names[r[by]])):
            areas = by_area[summary[by]]
            for area in areas:
                page.rows.append(_row(area, names[summary[by]], _area_label(area["area"]), "area"))
            if len(areas) > 1:
                page.rows.append(_row(summary, names[summary[by]], str(AREA_LABELS["all"]), "unit"))
    total_name = unit.name
    area_totals = comparison.summary(["area"]).to_dicts()
    if by is None or len(area_totals) > 1:
        page.rows += [_row(s, total_name, _area_label(s["area"]), "total") for s in area_totals]
    total = comparison.summary([]).to_dicts()[0]
    page.rows.append(_row(total, total_name, str(AREA_LABELS["all"]), "total"))
    page.only_a, page.only_b = int(total["only_a_undetermined"]), int(total["only_b_undetermined"])
    page.both = int(total["both_undetermined"])

    cells = {(r["class_a"], r["class_b"]): int(r["households"]) for r in comparison.matrix().to_dicts()}
    for klass_a in CLASSES:
        counts = [cells.get((klass_a, klass_b), 0) for klass_b in CLASSES]
        page.matrix.append((str(CLASS_LABELS[klass_a]), counts, sum(counts)))
    page.matrix_totals = [sum(cells.get((a, b), 0) for a in CLASSES) for b in CLASSES]

    for reason in comparison.reason_counts().to_dicts():
        standard = standard_a if reason["side"] == "a" else standard_b
        target = page.reasons_a if reason["side"] == "a" else page.reasons_b
        target.append(Reason(label=_reason_label(reason["reason"], standard), households=int(reason["households"])))
    return page


def _rate(value: float | None) -> str:
    return format_percent(value) if value is not None else "–"


def _points(value: float | None) -> str:
    if value is None:
        return "–"
    sign = "+" if value > 0.005 else ("−" if value < -0.005 else "")
    return sign + format_number(abs(value), 2)


def table_header(page: ComparePage) -> list[str]:
    a, b = page.standard_a.id, page.standard_b.id
    return [
        _("Đơn vị"), _("Khu vực"), _("Số hộ"),
        _("Hộ nghèo theo %(s)s") % {"s": a}, _("Tỷ lệ hộ nghèo theo %(s)s") % {"s": a},
        _("Hộ cận nghèo theo %(s)s") % {"s": a}, _("Tỷ lệ hộ cận nghèo theo %(s)s") % {"s": a},
        _("Hộ nghèo theo %(s)s") % {"s": b}, _("Tỷ lệ hộ nghèo theo %(s)s") % {"s": b},
        _("Hộ cận nghèo theo %(s)s") % {"s": b}, _("Tỷ lệ hộ cận nghèo theo %(s)s") % {"s": b},
        _("Chênh lệch tỷ lệ nghèo (điểm %)"), _("Chênh lệch tỷ lệ cận nghèo (điểm %)"),
        _("Không phân loại được theo %(s)s") % {"s": a}, _("Không phân loại được theo %(s)s") % {"s": b},
    ]


def table_rows(page: ComparePage) -> Iterator[list[Any]]:
    """Rates as fractions (the workbook formats them); points rounded to 2 decimals; None where undefined."""
    for row in page.rows:
        poor_points, near_points = row.poor_points, row.near_poor_points
        yield [row.unit, row.area, row.households, row.a.poor, row.a.poor_rate, row.a.near_poor,
               row.a.near_poor_rate, row.b.poor, row.b.poor_rate, row.b.near_poor, row.b.near_poor_rate,
               round(poor_points, 2) if poor_points is not None else None,
               round(near_points, 2) if near_points is not None else None,
               row.a.undetermined, row.b.undetermined]


def compare_workbook(page: ComparePage) -> bytes:
    """The page as a workbook: the table, the transition matrix, the households one standard cannot classify.
    Every text cell goes through ``xlsx_row`` / ``xlsx_cell`` (formula injection)."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    sheet = book.create_sheet(_("So sánh"))
    title = _("So sánh chuẩn %(a)s và chuẩn %(b)s: %(unit)s") % {
        "a": page.standard_a.id, "b": page.standard_b.id, "unit": page.unit.name}
    sheet.append([xlsx_cell(sheet, title, font=bold)])
    sheet.append(xlsx_row(sheet, [_("Số liệu tính từ sổ hộ ngày %(when)s; %(n)s hộ.") % {
        "when": format_date(timezone.localtime(page.computed_at).date()), "n": format_number(page.households)}]))
    sheet.append(xlsx_row(sheet, [_("Tỷ lệ tính trên số hộ phân loại được theo từng chuẩn.")]))
    sheet.append([xlsx_cell(sheet, text, font=bold) for text in table_header(page)])
    rate_columns = {4, 6, 8, 10}
    for values in table_rows(page):
        cells = xlsx_row(sheet, values)
        for index in rate_columns:
            cells[index].number_format = "0.00%"
        sheet.append(cells)

    matrix = book.create_sheet(_("Ma trận chuyển đổi"))
    matrix.append([xlsx_cell(matrix, _("Theo %(a)s (dòng) → theo %(b)s (cột)") % {
        "a": page.standard_a.id, "b": page.standard_b.id}, font=bold)])
    matrix.append([xlsx_cell(matrix, text, font=bold) for text in ["", *page.class_labels, _("Cộng")]])
    for label, counts, total in page.matrix:
        matrix.append(xlsx_row(matrix, [label, *counts, total]))
    matrix.append(xlsx_row(matrix, [_("Cộng"), *page.matrix_totals, page.households]))

    missing = book.create_sheet(_("Không phân loại được"))
    missing.append([xlsx_cell(missing, text, font=bold) for text in [_("Chuẩn"), _("Thông tin còn thiếu"),
                                                                        _("Số hộ")]])
    missing.append(xlsx_row(missing, [page.standard_a.id, _("Tổng số hộ chỉ chuẩn này không phân loại được"),
                                      page.only_a]))
    for reason in page.reasons_a:
        missing.append(xlsx_row(missing, [page.standard_a.id, reason.label, reason.households]))
    missing.append(xlsx_row(missing, [page.standard_b.id, _("Tổng số hộ chỉ chuẩn này không phân loại được"),
                                      page.only_b]))
    for reason in page.reasons_b:
        missing.append(xlsx_row(missing, [page.standard_b.id, reason.label, reason.households]))
    missing.append(xlsx_row(missing, [_("Cả hai chuẩn"), _("Không phân loại được theo cả hai chuẩn"), page.both]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

