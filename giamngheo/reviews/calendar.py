"""Review windows and deadlines: the national defaults, overridden per province by ``ReviewCalendar``.

Decision 24/2021: the periodic review runs 1 September – 14 December; the regular review runs monthly
from the 15th and the chair decides a request within 15 days of receiving it; results are posted for
03 working days (our reading; ``min_posting_days``, Monday to Friday, public holidays not counted as an
approximation — see ``docs/review.md``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Calendar:
    periodic_opens: tuple[int, int] = (9, 1)
    periodic_closes: tuple[int, int] = (12, 14)
    regular_opens_day: int = 15
    decision_days: int = 15
    consultation_required: bool = False
    min_posting_days: int = 3

    def periodic_window(self, year: int) -> tuple[dt.date, dt.date]:
        return dt.date(year, *self.periodic_opens), dt.date(year, *self.periodic_closes)

    def regular_window(self, year: int, month: int) -> tuple[dt.date, dt.date]:
        """The monthly cycle ``month`` runs from its opening day to the day before the next one opens."""
        opens = dt.date(year, month, self.regular_opens_day)
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        return opens, dt.date(next_year, next_month, self.regular_opens_day) - dt.timedelta(days=1)

    def regular_cycle_for(self, received_on: dt.date) -> tuple[int, int]:
        """(year, month) of the monthly cycle whose window holds ``received_on``."""
        if received_on.day >= self.regular_opens_day:
            return received_on.year, received_on.month
        if received_on.month == 1:
            return received_on.year - 1, 12
        return received_on.year, received_on.month - 1

    def deadline(self, received_on: dt.date) -> dt.date:
        return received_on + dt.timedelta(days=self.decision_days)

    def survey_window(self, *, kind: str, year: int, month: int) -> tuple[dt.date, dt.date]:
        """The dates a survey of this cycle may carry: the periodic window, or the monthly cycle's."""
        if kind == "periodic" or not month:
            return self.periodic_window(year)
        return self.regular_window(year, month)


DEFAULT = Calendar()


def calendar_for(commune: Any) -> Calendar:
    """The calendar of the commune's province (the commune's parent, or the commune itself for tests)."""
    from giamngheo.reviews.models import ReviewCalendar

    province = commune
    while province.parent_id is not None and province.level != "province":
        province = province.parent
    row = ReviewCalendar.objects.filter(province=province).first()
    if row is None:
        return DEFAULT
    return Calendar(
        periodic_opens=(row.periodic_opens_month, row.periodic_opens_day),
        periodic_closes=(row.periodic_closes_month, row.periodic_closes_day),
        regular_opens_day=row.regular_opens_day,
        decision_days=row.decision_days,
        consultation_required=row.consultation_required,
        min_posting_days=row.min_posting_days,
    )


def province_code_of(commune: Any) -> str | None:
    unit = commune
    while unit is not None and unit.level != "province":
        unit = unit.parent
    return unit.code if unit is not None else None
