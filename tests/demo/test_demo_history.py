"""The demo's history: the province's rates fall about a point a year to the engine's 2025 classes, every
movement occurs every year, and the statistics are filled for every commune and year."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from giamngheo.demo.history import NEAR_POOR_PATH, POOR_PATH, Household, draw_history


def _population(n: int = 20_000, communes: int = 40) -> list[Household]:
    rng = random.Random(3)
    out = []
    for pk in range(1, n + 1):
        ratio = rng.lognormvariate(1.0, 0.5)
        current = "poor" if ratio < 1 and rng.random() < 0.45 else "near_poor" if ratio < 1.1 else "average"
        out.append(Household(pk=pk, commune=f"c{pk % communes:03d}", income_ratio=ratio, current=current))
    return out


def _movements(history: dict[int, dict[int, str]], year: int) -> Counter[str]:
    """Poor-table movements of ``year`` as ``reviews.ledger`` labels them (no household moves or leaves)."""
    before, now = history[year - 1], history[year]
    earlier = {pk for y, statuses in history.items() if y < year for pk, k in statuses.items() if k == "poor"}
    moves: Counter[str] = Counter()
    for pk in set(before) | set(now):
        was, is_ = before.get(pk), now.get(pk)
        if was == "poor" and is_ != "poor":
            moves["escaped"] += 1
        elif is_ == "poor" and was != "poor":
            moves["fell_from_near_poor" if was == "near_poor" else "re_poor" if pk in earlier else "newly_poor"] += 1
    return moves


def test_rates_fall_about_a_point_a_year_to_the_engines_2025_classes():
    people = _population()
    history = draw_history(people, seed=5)
    n = len(people)
    assert history[2025] == {h.pk: h.current for h in people if h.current in ("poor", "near_poor")}
    for year, rate in POOR_PATH.items():
        poor = Counter(history[year].values())
        assert poor["poor"] / n == pytest.approx(rate, abs=0.002)
        assert poor["near_poor"] / n == pytest.approx(NEAR_POOR_PATH[year], abs=0.004)
    rates = [Counter(history[y].values())["poor"] / n for y in range(2022, 2026)]
    assert all(0.005 <= a - b <= 0.02 for a, b in zip(rates, rates[1:], strict=False)), rates


def test_every_movement_occurs_every_year_and_the_same_seed_gives_the_same_history():
    people = _population(6000, 20)
    history = draw_history(people, seed=5)
    for year in (2023, 2024, 2025):
        moves = _movements(history, year)
        # Re-poor needs a poor year before the year before: the ledger starts in 2022, so from 2024 on.
        kinds = ("escaped", "fell_from_near_poor", "newly_poor") + (("re_poor",) if year >= 2024 else ())
        assert all(moves[k] > 0 for k in kinds), (year, moves)
    assert draw_history(people, seed=5) == history
    assert draw_history(people, seed=6) != history
