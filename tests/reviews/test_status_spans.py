"""The status spans say, for every year, exactly what the ledger's own rule says (``reviews.ledger``):
random histories with same-year entries, corrections and removals, compared year by year."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from giamngheo.reviews.ledger import entries_frame, statuses_at_end
from giamngheo.reviews.models import LedgerEntry, LedgerKind, StatusSpan
from giamngheo.reviews.status import at_end_of, status_spans_rebuild, status_spans_refresh

pytestmark = pytest.mark.django_db
CLASSES = ("poor", "near_poor", "average", "none", "removed")


def _entry(household: Any, year: int, klass: str, day: int, corrects: LedgerEntry | None = None) -> LedgerEntry:
    return LedgerEntry.objects.create(
        household=household, year=year, standard_id="2022-2025", series="national",
        kind=LedgerKind.CORRECTION if corrects else LedgerKind.PERIODIC, klass=klass,
        effective_on=dt.date(year, 1, 1) + dt.timedelta(days=day), corrects=corrects, area=household.area,
        commune_id=household.commune_id, unit_path=household.unit_path)


@pytest.mark.parametrize("seed", range(6))
def test_spans_agree_with_the_ledger_rule_for_every_year(seed: int, unit_tree: Any, make_household: Any) -> None:
    rng = random.Random(seed)
    households = [make_household(unit_tree.hamlet, code=f"S{seed}-{i}") for i in range(12)]
    for household in households:
        for year in sorted(rng.sample(range(2021, 2028), rng.randint(0, 5))):
            for _n in range(rng.choice((1, 1, 2))):  # sometimes two entries in one year
                entry = _entry(household, year, rng.choice(CLASSES), rng.randint(0, 360))
                if rng.random() < 0.2:
                    _entry(household, year, rng.choice(CLASSES), entry.effective_on.timetuple().tm_yday - 1,
                           corrects=entry)
    status_spans_refresh(h.pk for h in households)
    frame = entries_frame(series="national", max_year=2030)
    for year in range(2020, 2030):
        expected = statuses_at_end(frame, year)
        spans = StatusSpan.objects.filter(at_end_of(year), series="national")
        got = dict(spans.values_list("household_id", "klass"))
        assert got == expected, (year, {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v},
                                  {k: v for k, v in got.items() if k not in expected})
        assert spans.count() == len(got)  # never two spans of one household at one year's end


def test_rebuild_drops_spans_of_entries_gone_and_refresh_is_idempotent(unit_tree: Any, make_household: Any) -> None:
    household = make_household(unit_tree.hamlet, code="S-R")
    _entry(household, 2024, "poor", 10)
    assert status_spans_refresh([household.pk]) == 1
    assert status_spans_refresh([household.pk]) == 1
    assert StatusSpan.objects.count() == 1
    assert status_spans_rebuild() == 1
    span = StatusSpan.objects.get()
    assert (span.first_year, span.last_year, span.klass) == (2024, None, "poor")
