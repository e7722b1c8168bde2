"""The review case's states and the moves allowed between them, as data.

Every service that moves a case asks ``check_transition`` first, so an illegal move is refused with the
same message whatever page, API call or command asked for it. The table is the procedure of Decision
24/2021 (see ``docs/review.md``): a failed village vote and an upheld complaint send the case back to
the survey (``listed``), never forward.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from giamngheo.core.errors import ApplicationError


class CaseState(models.TextChoices):
    LISTED = "listed", _("Chờ khảo sát")
    SURVEYED = "surveyed", _("Đã khảo sát")
    CLASSIFIED = "classified", _("Đã phân loại")
    MEETING = "meeting", _("Đã họp dân thống nhất")
    POSTED = "posted", _("Đang niêm yết")
    COMPLAINT = "complaint", _("Có khiếu nại, đang phúc tra")
    RECOGNISED = "recognised", _("Đã công nhận")
    CERTIFICATE_ISSUED = "certificate_issued", _("Đã cấp giấy chứng nhận")
    REFUSED = "refused", _("Không công nhận (đã trả lời bằng văn bản)")


S = CaseState

# to-state -> the states it may be reached from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    # A draft may be saved, and a survey redone, until the village meeting has agreed.
    S.SURVEYED: frozenset({S.LISTED, S.SURVEYED, S.CLASSIFIED}),
    S.CLASSIFIED: frozenset({S.SURVEYED, S.CLASSIFIED}),
    S.MEETING: frozenset({S.CLASSIFIED}),
    # Below 50% agreement, an upheld complaint: back to the survey.
    S.LISTED: frozenset({S.CLASSIFIED, S.COMPLAINT}),
    S.POSTED: frozenset({S.MEETING, S.COMPLAINT}),
    S.COMPLAINT: frozenset({S.POSTED}),
    S.RECOGNISED: frozenset({S.POSTED}),
    S.CERTIFICATE_ISSUED: frozenset({S.RECOGNISED}),
    S.REFUSED: frozenset({S.POSTED, S.MEETING, S.CLASSIFIED}),
}

# States in which a case is finished: nothing but a certificate may follow.
CLOSED_STATES = frozenset({S.RECOGNISED, S.CERTIFICATE_ISSUED, S.REFUSED})
# The order pages list the states in (the path of a normal case).
ORDER = [S.LISTED, S.SURVEYED, S.CLASSIFIED, S.MEETING, S.POSTED, S.COMPLAINT, S.RECOGNISED,
         S.CERTIFICATE_ISSUED, S.REFUSED]


def can_move(from_state: str, to_state: str) -> bool:
    return from_state in ALLOWED_FROM.get(to_state, frozenset())


def check_transition(from_state: str, to_state: str) -> None:
    if not can_move(from_state, to_state):
        raise ApplicationError(
            gettext("Không thể chuyển hồ sơ từ trạng thái “%(from)s” sang “%(to)s”.")
            % {"from": CaseState(from_state).label, "to": CaseState(to_state).label},
            field="state",
        )
