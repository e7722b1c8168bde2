"""How long a unit has to answer each kind of data-subject request.

Decree 13/2023/NĐ-CP on personal data protection gave 72 hours for each of these rights: access/provision
(Art. 14 cl. 1), correction (Art. 15 cl. 1 and 3), deletion (Art. 16 cl. 3), restriction (Art. 17 cl. 2) and
objection (Art. 18 cl. 2). Law 91/2025/QH15 (in force 01/01/2026) and Decree 356/2025/NĐ-CP replace it; we have
not confirmed whether they keep 72 hours for every kind (docs/privacy.md flags this), so the periods are
configurable: ``GIAMNGHEO_DATA_REQUEST_HOURS="access=72,correction=72,objection=72,deletion=72"``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from giamngheo.privacy.models import RequestKind

DEFAULT_HOURS: dict[str, int] = {
    RequestKind.ACCESS: 72,  # Decree 13/2023 Art. 14
    RequestKind.CORRECTION: 72,  # Decree 13/2023 Art. 15
    RequestKind.OBJECTION: 72,  # Decree 13/2023 Art. 17-18 (restriction, objection)
    RequestKind.DELETION: 72,  # Decree 13/2023 Art. 16
}
MIN_HOURS, MAX_HOURS = 24, 24 * 90


def parse_hours(text: str) -> dict[str, int]:
    """``"access=72,correction=240"`` → periods; unknown kinds or out-of-bounds hours are refused at start-up."""
    periods = dict(DEFAULT_HOURS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, hours = part.partition("=")
        kind = kind.strip()
        if kind not in DEFAULT_HOURS or not hours.strip().isdigit():
            raise ImproperlyConfigured(f"GIAMNGHEO_DATA_REQUEST_HOURS: cannot read {part!r}")
        value = int(hours)
        if not MIN_HOURS <= value <= MAX_HOURS:
            raise ImproperlyConfigured(f"GIAMNGHEO_DATA_REQUEST_HOURS: {kind} must be {MIN_HOURS}-{MAX_HOURS} hours")
        periods[kind] = value
    return periods


def configured_hours() -> dict[str, int]:
    return parse_hours(str(getattr(settings, "GIAMNGHEO_DATA_REQUEST_HOURS", "")))


def hours_for(kind: str) -> int:
    return configured_hours()[kind]


def deadline_for(kind: str, received_at: dt.datetime) -> dt.datetime:
    return received_at + dt.timedelta(hours=hours_for(kind))
