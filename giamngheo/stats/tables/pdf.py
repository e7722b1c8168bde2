"""The result table as a PDF: landscape A4, DejaVu fonts (Vietnamese glyphs, registered once by
``reviews.pdf``), Vietnamese numbers (1.234; 0,95%), both header rows repeated on every page, page numbers, one
class per part, the signature block at the end."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from giamngheo.core.formatting import format_number, format_percent
from giamngheo.reviews.pdf import _fonts
from giamngheo.stats.measures import CLASSES
from giamngheo.stats.tables.result import SUBTOTAL, TOTAL, ResultTable, columns, printed_rows

PAGE = landscape(A4)
MARGIN = 10 * mm
WIDTH = PAGE[0] - 2 * MARGIN


def styles() -> dict[str, ParagraphStyle]:
    _fonts()
    base = ParagraphStyle("base", fontName="GNSerif", fontSize=8, leading=10)
    return {
        "cell": base,
        "num": ParagraphStyle("num", parent=base, alignment=TA_RIGHT),
        "bold": ParagraphStyle("bold", parent=base, fontName="GNSerif-Bold"),
        "num_bold": ParagraphStyle("numb", parent=base, fontName="GNSerif-Bold", alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName="GNSerif-Bold", fontSize=7, leading=8.5,
                               alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName="GNSerif-Bold", fontSize=13, leading=17,
                                alignment=TA_CENTER),
        "line": ParagraphStyle("line", parent=base, fontSize=9.5, leading=13, alignment=TA_CENTER),
        "italic": ParagraphStyle("italic", parent=base, fontName="GNSerif-Italic", fontSize=9.5, leading=13,
                                 alignment=TA_CENTER),
        "sign": ParagraphStyle("sign", parent=base, fontName="GNSerif-Bold", fontSize=10.5, leading=14,
                               alignment=TA_CENTER),
    }


def p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def shown(value: Any, rate: bool) -> str:
    if rate:
        return format_percent(value)
    return format_number(value) if isinstance(value, int | float) else str(value or "")


def grid(rows: list[list[Any]], widths: list[float], *, header_rows: int, spans: list[tuple[Any, ...]],
         bold_rows: list[int]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eeeeee")),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        *[("SPAN", *span) for span in spans],
        *[("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f6f6f6")) for r in bold_rows],
    ]
    table.setStyle(TableStyle(style))
    return table


def signature(st: dict[str, ParagraphStyle]) -> Any:
    left = [p(_("Người lập biểu"), st["sign"]), p(_("(Ký, ghi rõ họ tên)"), st["italic"])]
    right = [p(_("…………, ngày …… tháng …… năm ……"), st["italic"]), p(_("Thủ trưởng đơn vị"), st["sign"]),
             p(_("(Ký, ghi rõ họ tên, đóng dấu)"), st["italic"])]
    table = Table([[[Spacer(1, 13), *left], right]], colWidths=[WIDTH / 2, WIDTH / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 5 * mm), table, Spacer(1, 20 * mm)])


def titles(st: dict[str, ParagraphStyle], lines: list[str]) -> list[Any]:
    out: list[Any] = [p(lines[0].upper(), st["title"])]
    out += [p(line, st["line"] if index == 0 else st["italic"]) for index, line in enumerate(lines[1:])]
    return [*out, Spacer(1, 3 * mm)]


def class_table(table: ResultTable, klass: str, st: dict[str, ParagraphStyle]) -> Table:
    cols = columns(klass)
    name_width, number_width, count_width = 40 * mm, 8 * mm, 15 * mm
    rest = (WIDTH - name_width - number_width - count_width) / len(cols)
    top: list[Any] = [p(_("STT"), st["head"]), p(table.child_label, st["head"]), p(_("Tổng số hộ"), st["head"])]
    spans: list[tuple[Any, ...]] = [((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (2, 1))]
    start = 3
    for index, column in enumerate(cols):
        if index and cols[index - 1].group == column.group:
            top.append("")
            continue
        # Consecutive columns of the same group share one merged cell.
        span_end = index
        while span_end + 1 < len(cols) and cols[span_end + 1].group == column.group:
            span_end += 1
        top.append(p(column.group, st["head"]))
        spans.append(((start + index, 0), (start + span_end, 0)))
    bottom: list[Any] = ["", "", "", *[p(c.label, st["head"]) for c in cols]]
    rows: list[list[Any]] = [top, bottom]
    bold_rows: list[int] = []
    for row in printed_rows(table, klass):
        index = len(rows)
        if row.kind == "heading":
            rows.append([p(row.number, st["bold"]), p(row.name, st["bold"])] + [""] * (len(cols) + 1))
            spans.append(((1, index), (-1, index)))
            continue
        bold = row.kind in (SUBTOTAL, TOTAL)
        if bold:
            bold_rows.append(index)
        num = st["num_bold"] if bold else st["num"]
        rows.append([p(row.number, st["cell"]), p(row.name, st["bold"] if bold else st["cell"]),
                     p(format_number(row.households), num),
                     *[p(shown(value, c.rate), num) for value, c in zip(row.cells, cols, strict=True)]])
    return grid(rows, [number_width, name_width, count_width, *[rest] * len(cols)], header_rows=2,
                spans=spans, bold_rows=bold_rows)


def _numbered(canvas: Canvas, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont("GNSerif", 8)
    canvas.drawRightString(PAGE[0] - MARGIN, 6 * mm, _("Trang %(page)s") % {"page": doc.page})
    canvas.restoreState()


def build(story: list[Any], title: str) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=10 * mm,
                            bottomMargin=12 * mm, title=title, author="giamngheo")
    doc.build(story, onFirstPage=_numbered, onLaterPages=_numbered)
    return buffer.getvalue()


def result_pdf(table: ResultTable) -> bytes:
    """Both classes' result tables, each starting on a new page, signed at the end."""
    from giamngheo.stats.tables.excel import table_titles

    st = styles()
    story: list[Any] = []
    for index, klass in enumerate(CLASSES):
        if index:
            story.append(PageBreak())
        story += titles(st, table_titles(table, table.title(klass)))
        if not table.lines:
            story.append(p(_("Năm này chưa có số liệu tổng hợp."), st["line"]))
            continue
        story.append(class_table(table, klass, st))
    story.append(signature(st))
    return build(story, _("Kết quả rà soát năm %(year)s · %(unit)s") % {"year": table.year,
                                                                       "unit": table.unit.name})


def list_pdf(households: Any) -> bytes:
    """A household list (``tables.household_lists.HouseholdList``): the posted list's columns, signed."""
    from giamngheo.stats.tables.household_lists import list_columns

    st = styles()
    cols = list_columns(households)
    lines = [households.title, _("Đơn vị: %(unit)s") % {"unit": households.unit.name}]
    if households.hidden:
        lines.append(_("Không hiển thị %(count)s hộ hiện đăng ký ngoài phạm vi bạn được xem.") % {
            "count": households.hidden})
    story = titles(st, lines)
    if not households.rows:
        story.append(p(_("Không có hộ nào."), st["line"]))
    else:
        share = {"number": 10, "head_name": 55, "code": 35, "citizen_id": 35, "hamlet": 45, "commune": 45,
                 "class": 45}
        total = sum(share[key] for key, _label in cols)
        widths = [WIDTH * share[key] / total for key, _label in cols]
        rows: list[list[Any]] = [[p(label, st["head"]) for _key, label in cols]]
        rows += [[p(row[key], st["num"] if key == "number" else st["cell"]) for key, _label in cols]
                 for row in households.rows]
        story.append(grid(rows, widths, header_rows=1, spans=[], bold_rows=[]))
    story.append(signature(st))
    return build(story, households.title)
