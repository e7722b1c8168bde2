"""The offline sync's audit codes and their labels on the audit page (registered when the app loads)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from giamngheo.core.audit import register_action

RECEIVED = "giamngheo.offline.draft_received"
CONFLICT = "giamngheo.offline.draft_conflict"
REFUSED = "giamngheo.offline.draft_refused"

CODES = {
    RECEIVED: _("Nhận phiếu khảo sát gửi từ máy ngoại tuyến"),
    CONFLICT: _("Phiếu gửi từ máy ngoại tuyến xung đột với bản mới trên máy chủ"),
    REFUSED: _("Từ chối phiếu gửi từ máy ngoại tuyến"),
}


def register() -> None:
    for code, label in CODES.items():
        register_action(code, label)
