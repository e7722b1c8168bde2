"""Vietnamese number, percent, money and date formatting for pages and reports.

Django's localisation formats numbers in templates; these helpers serve exports, PDFs and
messages built in Python, where the active language must be honoured explicitly.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils import translation
from django.utils.translation import gettext as _


def _separators() -> tuple[str, str]:
    lang = (translation.get_language() or "vi").split("-")[0]
    return (",", ".") if lang == "vi" else (".", ",")


def format_number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """1234567.85 → '1.234.567,9' (vi) or '1,234,567.9' (en); None → '–'."""
    if value is None:
        return "–"
    quant = Decimal(1).scaleb(-decimals) if decimals else Decimal(1)
    number = Decimal(str(value))
    if not number.is_finite():
        return str(value)  # inf/nan stored before the record bounds existed: shown as is, never a crash
    # Enough precision for any magnitude (1e308 has 309 digits; the default context holds 28).
    with localcontext() as context:
        context.prec = max(28, number.adjusted() + decimals + 2)
        number = number.quantize(quant, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):f}"
    whole, _sep, frac = text.partition(".")
    decimal_sep, thousand_sep = _separators()
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = thousand_sep.join(groups)
    if decimals:
        out += decimal_sep + frac
    return sign + out


def format_percent(ratio: float | None, decimals: int = 2) -> str:
    """A ratio (0.0095) as a percent: '0,95%'."""
    if ratio is None:
        return "–"
    return format_number(ratio * 100, decimals) + "%"


def format_money(vnd: int | float | Decimal | None) -> str:
    """Money for reports: 60_800_000_000 → '60,8 tỷ đồng'; 850_000_000 → '850 triệu đồng'."""
    if vnd is None:
        return "–"
    amount = Decimal(str(vnd))
    if abs(amount) >= Decimal(1_000_000_000):
        return _("%(amount)s tỷ đồng") % {"amount": _trim(format_number(amount / Decimal(1_000_000_000), 1))}
    if abs(amount) >= Decimal(1_000_000):
        return _("%(amount)s triệu đồng") % {"amount": _trim(format_number(amount / Decimal(1_000_000), 1))}
    return _("%(amount)s đồng") % {"amount": format_number(amount)}


def _trim(text: str) -> str:
    decimal_sep, _thousand = _separators()
    if decimal_sep in text:
        text = text.rstrip("0").rstrip(decimal_sep)
    return text


def format_date(value: dt.date | None) -> str:
    """15/04/2024 in both languages (the official form)."""
    return value.strftime("%d/%m/%Y") if value else "–"
