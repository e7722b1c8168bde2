"""Printable PDFs: the recognition Decision (Form 02) with its lists, and the certificate (Form 03).

Fonts are the DejaVu Serif files shipped in ``reviews/fonts`` (Vietnamese glyphs, embedded), so a fresh
machine prints the same paper. Neither document shows health, disability, income or scores: the
Decision lists head's name, hamlet and class; the certificate shows what Form 03 asks for.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from giamngheo.core.formatting import format_date

FONTS = Path(__file__).resolve().parent / "fonts"
_REGISTERED = False


def _fonts() -> None:
    global _REGISTERED
    if _REGISTERED:
        return
    pdfmetrics.registerFont(TTFont("GNSerif", str(FONTS / "DejaVuSerif.ttf")))
    pdfmetrics.registerFont(TTFont("GNSerif-Bold", str(FONTS / "DejaVuSerif-Bold.ttf")))
    pdfmetrics.registerFont(TTFont("GNSerif-Italic", str(FONTS / "DejaVuSerif-Italic.ttf")))
    pdfmetrics.registerFontFamily("GNSerif", normal="GNSerif", bold="GNSerif-Bold", italic="GNSerif-Italic",
                                  boldItalic="GNSerif-Bold")
    _REGISTERED = True


def _styles() -> dict[str, ParagraphStyle]:
    _fonts()
    base = ParagraphStyle("base", fontName="GNSerif", fontSize=11, leading=15)
    return {
        "base": base,
        "just": ParagraphStyle("just", parent=base, alignment=TA_JUSTIFY, spaceafter=4),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "center_bold": ParagraphStyle("cb", parent=base, alignment=TA_CENTER, fontName="GNSerif-Bold"),
        "title": ParagraphStyle("title", parent=base, alignment=TA_CENTER, fontName="GNSerif-Bold", fontSize=14,
                                leading=19, spaceBefore=6),
        "italic_center": ParagraphStyle("ic", parent=base, alignment=TA_CENTER, fontName="GNSerif-Italic"),
        "small": ParagraphStyle("small", parent=base, fontSize=9.5, leading=12),
        "small_bold": ParagraphStyle("smallb", parent=base, fontSize=9.5, leading=12, fontName="GNSerif-Bold"),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _dated(place: str, day: dt.date) -> str:
    return _("%(place)s, ngày %(day)02d tháng %(month)02d năm %(year)d") % {
        "place": place, "day": day.day, "month": day.month, "year": day.year}


_HEADER_LEFT = 70 * mm
_HEADER_PADDING = 12  # Table cells are padded 6 pt on each side by default.


def _unbreakable(text: str, style: ParagraphStyle, width: float) -> Paragraph:
    """One line that never breaks: a unit's name ("XÃ CÀNG LONG") split across lines reads as two names.
    Words are joined by non-breaking spaces, and the font shrinks (not below 7 pt) until the line fits."""
    size = style.fontSize
    while size > 7 and pdfmetrics.stringWidth(text, style.fontName, size) > width:
        size -= 0.5
    fitted = ParagraphStyle(f"{style.name}-fit", parent=style, fontSize=size, leading=max(size * 1.35, size + 2))
    return Paragraph(escape(text).replace(" ", "\u00a0"), fitted)


def _header(st: dict[str, ParagraphStyle], commune_name: str, number: str, place: str, day: dt.date) -> Table:
    left = [_p(_("Ủy ban nhân dân").upper(), st["center_bold"]),
            _unbreakable(commune_name.upper(), st["center_bold"], _HEADER_LEFT - _HEADER_PADDING),
            _p(_("Số: %(number)s") % {"number": number}, st["center"])]
    right = [
        _p(_("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"), st["center_bold"]),
        _p(_("Độc lập - Tự do - Hạnh phúc"), st["center_bold"]),
        Spacer(1, 3 * mm),
        _p(_dated(place, day), st["italic_center"]),
    ]
    table = Table([[left, right]], colWidths=[_HEADER_LEFT, 105 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _signature(st: dict[str, ParagraphStyle], title: str, name: str) -> Table:
    block = [_p(title.upper(), st["center_bold"]), _p(_("(Ký, ghi rõ họ tên và đóng dấu)"), st["italic_center"]),
             Spacer(1, 20 * mm), _p(name, st["center_bold"])]
    table = Table([["", block]], colWidths=[85 * mm, 90 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([Spacer(1, 6 * mm), table])


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]))
    return table


def _build(story: list[Any], title: str) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=15 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=title, author="giamngheo")
    doc.build(story)
    return buffer.getvalue()


def decision_pdf(*, decision: Any, commune: Any, province_name: str, lists: dict[str, list[dict[str, str]]]) -> bytes:
    """Form 02: the chair's decision and, annexed, one list per group (head's name and hamlet only)."""
    st = _styles()
    story: list[Any] = [
        _header(st, commune.name, decision.number, commune.name, decision.signed_on),
        Spacer(1, 6 * mm),
        _p(_("QUYẾT ĐỊNH"), st["title"]),
        _p(_("Về việc công nhận hộ nghèo, hộ cận nghèo; hộ thoát nghèo, hộ thoát cận nghèo năm %(year)d")
           % {"year": decision.year}, st["center_bold"]),
        Spacer(1, 4 * mm),
        _p(_("CHỦ TỊCH ỦY BAN NHÂN DÂN %(commune)s") % {"commune": commune.name.upper()}, st["center_bold"]),
        Spacer(1, 3 * mm),
        _p(_("Căn cứ Quyết định số 24/2021/QĐ-TTg ngày 16/7/2021 của Thủ tướng Chính phủ quy định quy trình rà "
             "soát hộ nghèo, hộ cận nghèo hằng năm và quy trình xác định hộ làm nông nghiệp, lâm nghiệp, ngư "
             "nghiệp và diêm nghiệp có mức sống trung bình;"), st["just"]),
        _p(_("Căn cứ kết quả rà soát, biên bản họp dân và kết quả niêm yết công khai;"), st["just"]),
        _p(_("Xét đề nghị của công chức phụ trách công tác giảm nghèo,"), st["just"]),
        Spacer(1, 2 * mm),
        _p(_("QUYẾT ĐỊNH:"), st["center_bold"]),
        Spacer(1, 2 * mm),
    ]
    groups = [
        ("poor", _("hộ nghèo")), ("near_poor", _("hộ cận nghèo")),
        ("escaped_poor", _("hộ thoát nghèo")), ("escaped_near_poor", _("hộ thoát cận nghèo")),
    ]
    counts = "; ".join(
        _("%(count)d %(group)s") % {"count": len(lists.get(key, [])), "group": label} for key, label in groups
    )
    story.append(_p(_("Điều 1. Công nhận trên địa bàn %(commune)s, %(province)s năm %(year)d: %(counts)s "
                      "(có danh sách kèm theo).") % {"commune": commune.name, "province": province_name,
                                                    "year": decision.year, "counts": counts}, st["just"]))
    story.append(_p(_("Điều 2. Hộ nghèo, hộ cận nghèo có tên trong danh sách được cấp Giấy chứng nhận và được "
                      "hưởng các chính sách hỗ trợ theo quy định."), st["just"]))
    story.append(_p(_("Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Công chức phụ trách công tác giảm nghèo, "
                      "trưởng các thôn, ấp và các hộ gia đình có tên trong danh sách chịu trách nhiệm thi hành "
                      "Quyết định này."), st["just"]))
    story.append(_signature(st, decision.signer_title, decision.signer_name))
    for key, label in groups:
        rows = lists.get(key, [])
        story.append(PageBreak())
        story.append(_p(_("DANH SÁCH %(group)s NĂM %(year)d") % {"group": str(label).upper(), "year": decision.year},
                        st["title"]))
        story.append(_p(_("(Kèm theo Quyết định số %(number)s ngày %(date)s của Chủ tịch Ủy ban nhân dân "
                          "%(commune)s)") % {"number": decision.number, "date": format_date(decision.signed_on),
                                             "commune": commune.name}, st["italic_center"]))
        story.append(Spacer(1, 4 * mm))
        if not rows:
            story.append(_p(_("Không có hộ nào."), st["center"]))
            continue
        table = [[_p(_("STT"), st["small_bold"]), _p(_("Họ và tên chủ hộ"), st["small_bold"]),
                  _p(_("Thôn/ấp"), st["small_bold"]), _p(_("Mã hộ"), st["small_bold"])]]
        for number, row in enumerate(rows, start=1):
            table.append([_p(str(number), st["small"]), _p(row["head_name"], st["small"]),
                          _p(row["hamlet"], st["small"]), _p(row["code"], st["small"])])
        story.append(_grid(table, [12 * mm, 75 * mm, 55 * mm, 33 * mm]))
    return _build(story, _("Quyết định %(number)s") % {"number": decision.number})


def certificate_pdf(*, certificate: Any, commune: Any, decision: Any | None) -> bytes:
    """Form 03: the certificate of a poor or near-poor household, numbered ``…/GCN-HN.HCN``, citing the
    recognition Decision (number and date) it rests on."""
    st = _styles()
    holder = certificate.holder
    kind = _("HỘ NGHÈO") if certificate.klass == "poor" else _("HỘ CẬN NGHÈO")
    residence = ", ".join(part for part in (holder.get("hamlet"), holder.get("commune"), holder.get("province")) if part)
    story: list[Any] = [
        _header(st, commune.name, certificate.number, commune.name, certificate.issued_on),
        Spacer(1, 8 * mm),
        _p(_("GIẤY CHỨNG NHẬN %(kind)s") % {"kind": kind}, st["title"]),
        _p(_("Năm %(year)d") % {"year": certificate.year}, st["center_bold"]),
        Spacer(1, 6 * mm),
        _p(_("Ủy ban nhân dân %(commune)s chứng nhận:") % {"commune": commune.name}, st["just"]),
        _p(_("Họ và tên chủ hộ: %(name)s") % {"name": holder.get("head_name", "")}, st["just"]),
        _p(_("Dân tộc: %(ethnicity)s") % {"ethnicity": holder.get("head_ethnicity") or "–"}, st["just"]),
        _p(_("Số định danh cá nhân: %(id)s") % {"id": holder.get("head_citizen_id") or "–"}, st["just"]),
        _p(_("Nơi cư trú: %(residence)s") % {"residence": residence}, st["just"]),
        _p(_("Là %(kind)s năm %(year)d theo Quyết định số %(number)s ngày %(date)s của Chủ tịch Ủy ban nhân dân "
             "%(commune)s.") % {"kind": kind.lower(), "year": certificate.year, "number": decision.number,
                                "date": format_date(decision.signed_on), "commune": commune.name}
           if decision is not None else
           _("Là %(kind)s năm %(year)d theo Quyết định công nhận của Chủ tịch Ủy ban nhân dân %(commune)s.")
           % {"kind": kind.lower(), "year": certificate.year, "commune": commune.name}, st["just"]),
        Spacer(1, 3 * mm),
        _p(_("Các thành viên trong hộ:"), st["just"]),
    ]
    table = [[_p(_("STT"), st["small_bold"]), _p(_("Họ và tên"), st["small_bold"]),
              _p(_("Quan hệ với chủ hộ"), st["small_bold"]), _p(_("Ngày sinh"), st["small_bold"]),
              _p(_("Số định danh cá nhân"), st["small_bold"])]]
    for number, member in enumerate(holder.get("members") or [], start=1):
        birth = member.get("birth") or ""
        if birth:
            birth = format_date(dt.date.fromisoformat(birth))
        table.append([_p(str(number), st["small"]), _p(member.get("name") or "", st["small"]),
                      _p(member.get("relation") or "", st["small"]), _p(birth, st["small"]),
                      _p(member.get("citizen_id") or "", st["small"])])
    story.append(_grid(table, [12 * mm, 55 * mm, 35 * mm, 28 * mm, 45 * mm]))
    story.append(_signature(st, decision.signer_title if decision else "", decision.signer_name if decision else ""))
    return _build(story, certificate.number)
