"""Template filters of the dashboards: rates and changes in points as an officer reads them ("0,95%",
"−0,49 điểm")."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from giamngheo.core.formatting import format_number, format_percent

register = template.Library()


@register.filter
def rate(value: float | None, decimals: int = 2) -> str:
    """A ratio (0.0095) as "0,95%"; None → "–"."""
    return format_percent(value, decimals)


@register.filter
def points(value: float | None) -> str:
    """A change in percentage points with its sign: "−0,49 điểm", "+0,12 điểm"; None → "–"."""
    if value is None:
        return "–"
    value = round(value, 2)  # "+0,00 điểm" for a change that rounds to nothing reads as a rise
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return _("%(sign)s%(value)s điểm") % {"sign": sign, "value": format_number(abs(value), 2)}


@register.filter
def number(value: Any, decimals: int = 0) -> str:
    return format_number(value, decimals) if value not in (None, "") else "–"


@register.filter
def percent_number(value: float | None) -> str:
    """A value already in percent (1.32) as "1,32%"."""
    return "–" if value is None else format_number(value, 2) + "%"


@register.filter
def stats_count(figures: Any, code: str) -> int | None:
    """One count of a unit's figures (``Figures[code]``); None without figures."""
    return None if figures is None else figures[code]


@register.filter
def sort_key(value: float | None) -> str:
    """A rate as the plain number the table sorts by (unknown sorts first)."""
    return "-1" if value is None else f"{value:.8f}"
