"""Support fixtures: the review fixtures (``cast``: surveyor, officer, approver of commune A and an
outsider of commune B; ``make_household``) and ``set_status``, which writes a recognised status into the
ledger as a review would (a periodic entry, then the status spans), so lists and achievement read the
same tables as in production."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from giamngheo.reviews.engine import series_of
from giamngheo.reviews.models import LedgerEntry, LedgerKind
from giamngheo.reviews.status import status_spans_refresh
from tests.reviews.conftest import cast, make_household  # noqa: F401  (fixtures)

STANDARD_OF_YEAR = {2021: "2022-2025", 2022: "2022-2025", 2023: "2022-2025", 2024: "2022-2025",
                    2025: "2022-2025", 2026: "2026", 2027: "2027-2030"}


@pytest.fixture
def set_status(db: None) -> Callable[..., LedgerEntry]:
    def write(household: Any, year: int, klass: str, *, standard_id: str | None = None,
              effective_on: dt.date | None = None, ethnic_minority: bool = False,
              no_working_capacity: bool = False, kind: str = LedgerKind.PERIODIC) -> LedgerEntry:
        standard = standard_id or STANDARD_OF_YEAR[year]
        entry = LedgerEntry.objects.create(
            household=household, year=year, standard_id=standard, series=series_of(standard), kind=kind,
            klass=klass, effective_on=effective_on or dt.date(year, 12, 10), ethnic_minority=ethnic_minority,
            no_working_capacity=no_working_capacity, area=household.area, commune_id=household.commune_id,
            unit_path=household.unit_path)
        status_spans_refresh([household.pk])
        return entry

    return write
