"""Dates as officers type them, and the bounds every date of a form or an API body must keep.

One parser for every date field: surveyors on a phone often have no "/" on the numeric keypad, so
``02122026``, ``02.12.2026``, ``2-12-2026`` and ``2026-12-02`` all mean 2 December 2026. Day first always
(Vietnamese order), except the ISO form ``yyyy-mm-dd`` that browsers and the API send.

Every date is also bounded (``DATE_MIN``…``DATE_MAX``): ``01/01/0001`` or ``31/12/9999`` are typing
mistakes, and arithmetic on them (a deadline 15 days later, the month before) overflows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# The earliest birth date a household record accepts (standards/record.py EARLIEST_BIRTH): a form must be able
# to take every date the record does.
DATE_MIN = dt.date(1890, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DIGITS = re.compile(r"^(\d{2})(\d{2})(\d{4})$")


def parse_date(text: str) -> dt.date | None:
    """The date ``text`` stands for, or None when it is not a date (or outside ``DATE_MIN``…``DATE_MAX``).

    >>> parse_date("02122026"), parse_date("2.12.2026"), parse_date("2026-12-02")
    (datetime.date(2026, 12, 2), datetime.date(2026, 12, 2), datetime.date(2026, 12, 2))
    >>> parse_date("31/02/2026") is None and parse_date("31/12/9999") is None
    True
    """
    text = (text or "").strip()
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DAY_FIRST.match(text) or _DIGITS.match(text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return None
    return value if DATE_MIN <= value <= DATE_MAX else None


def date_in_bounds(value: dt.date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


def working_days(first: dt.date, last: dt.date) -> int:
    """Monday-to-Friday days from ``first`` to ``last``, both included (0 when ``last`` is before
    ``first``). Public holidays are not known to the system and count as working days."""
    if last < first:
        return 0
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(rest):
        if (first + dt.timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def add_working_days(first: dt.date, count: int) -> dt.date:
    """The last day of a period of ``count`` working days starting on ``first`` (``count`` ≥ 1)."""
    day = first
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    remaining = count - 1
    while remaining > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


class FlexibleDateField(forms.DateField):
    """A date typed as dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, ddmmyyyy or yyyy-mm-dd; always
    bounded, and named in the error message."""

    widget = forms.DateInput(format="%d/%m/%Y",
                             attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Ngày không hợp lệ: hãy nhập ngày/tháng/năm, ví dụ 15/04/2026 (hoặc 15042026, 15.04.2026)."),
        "bounds": _("Ngày phải trong khoảng từ năm %(first)s đến năm %(last)s."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            if not date_in_bounds(value):
                raise forms.ValidationError(self.error_messages["bounds"], code="bounds",
                                            params={"first": DATE_MIN.year, "last": DATE_MAX.year})
            return value
        parsed = parse_date(str(value))
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed
