"""The printable written reply to a data-subject request (A4 PDF), built with the review printouts' fonts and
helpers: the answer text, then what the attached data holds (households, audit entries, reads) as tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from giamngheo.core.formatting import format_date
from giamngheo.privacy.models import DataRequest
from giamngheo.reviews.pdf import _build, _grid, _header, _p, _signature, _styles

MAX_ROWS = 200  # the reply lists at most this many entries per table; the JSON file holds them all


def _when(value: str) -> str:
    try:
        return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        return value or ""


def reply_pdf(*, request: DataRequest) -> bytes:
    st = _styles()
    export: dict[str, Any] = request.export or {}
    unit = request.unit
    day = timezone.localtime(request.answered_at).date() if request.answered_at else timezone.localdate()
    story: list[Any] = [
        _header(st, unit.name, f"{request.pk}/TL-DLCN", unit.name, day),
        Spacer(1, 8 * mm),
        _p(_("VĂN BẢN TRẢ LỜI YÊU CẦU VỀ DỮ LIỆU CÁ NHÂN"), st["title"]),
        Spacer(1, 4 * mm),
        _p(_("Kính gửi: %(name)s") % {"name": request.requester_name}, st["just"]),
        _p(_("Ngày %(date)s, %(unit)s nhận được yêu cầu \"%(kind)s\" về dữ liệu cá nhân của %(subject)s.")
           % {"date": format_date(timezone.localtime(request.received_at).date()), "unit": unit.name,
              "kind": request.get_kind_display().lower(), "subject": request.subject_name}, st["just"]),
    ]
    if request.refusal_reason:
        story.append(_p(_("Yêu cầu không được chấp nhận vì: %(reason)s") % {"reason": request.refusal_reason},
                        st["just"]))
    else:
        story.append(_p(request.answer_text, st["just"]))
    households = export.get("households", [])
    audit = export.get("audit", [])
    reads = export.get("reads", [])
    if export:
        story += [Spacer(1, 3 * mm), _p(_(
            "Kèm theo văn bản này là tệp dữ liệu hệ thống đang lưu về chủ thể dữ liệu: %(households)s hộ gia đình, "
            "%(audit)s lần thay đổi hoặc xử lý, %(reads)s lượt xem.")
            % {"households": len(households), "audit": len(audit), "reads": len(reads)}, st["just"])]
    if households:
        rows = [[_p(_("Mã hộ"), st["small_bold"]), _p(_("Thành viên có dữ liệu trong tệp"), st["small_bold"])]]
        for part in households:
            rows.append([_p(part["code"], st["small"]),
                         _p(", ".join(str(m.get("name") or "") for m in part.get("members", [])), st["small"])])
        story += [Spacer(1, 3 * mm), _grid(rows, [40 * mm, 130 * mm])]
    if audit:
        rows = [[_p(_("Thời điểm"), st["small_bold"]), _p(_("Người thực hiện"), st["small_bold"]),
                 _p(_("Hành động"), st["small_bold"])]]
        rows += [[_p(_when(e["at"]), st["small"]), _p(e["actor"], st["small"]), _p(e["action_label"], st["small"])]
                 for e in audit[:MAX_ROWS]]
        story += [Spacer(1, 3 * mm), _p(_("Các lần thay đổi, xử lý dữ liệu:"), st["just"]),
                  _grid(rows, [35 * mm, 40 * mm, 95 * mm])]
    if reads:
        rows = [[_p(_("Thời điểm"), st["small_bold"]), _p(_("Người xem"), st["small_bold"]),
                 _p(_("Cách xem"), st["small_bold"])]]
        rows += [[_p(_when(r["at"]), st["small"]), _p(r["reader"], st["small"]), _p(r["channel"], st["small"])]
                 for r in reads[:MAX_ROWS]]
        story += [Spacer(1, 3 * mm), _p(_("Những người đã xem hồ sơ:"), st["just"]),
                  _grid(rows, [35 * mm, 40 * mm, 95 * mm])]
    story.append(_signature(st, _("Thủ trưởng đơn vị"), ""))
    return _build(story, _("Trả lời yêu cầu về dữ liệu cá nhân"))
