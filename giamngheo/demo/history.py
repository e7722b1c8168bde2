"""The demo's poverty history 2022–2025, drawn backwards from the households' 2025 classification.

Pure Python over ``random.Random``: no database. The 2025 statuses are the classes the standards engine gave
(the registry's current ones); each earlier year is drawn from the next one so that the province's rates
follow a published-like path (``POOR_PATH``, ``NEAR_POOR_PATH``: about 1–1.5 points less each year, as
``context.md`` reports nationally) and every movement occurs every year: most poor households stay poor, some
escape to near-poverty or out of the lists, some near-poor fall into poverty, some households come back
(re-poor) and some are new. Poorer communes (by their 2025 lists) carry more of the province's past poverty,
and within a commune the households with the lowest incomes are the likeliest to have been on a list.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from giamngheo.demo.households import split_counts

FIRST_YEAR, LAST_YEAR = 2022, 2025
# Province rates (households on the list / all households) at the end of each year before the last; 2025's
# are what the engine decides for the generated population (about 1% poor, 2% near-poor by default).
POOR_PATH = {2022: 0.045, 2023: 0.033, 2024: 0.022}
NEAR_POOR_PATH = {2022: 0.052, 2023: 0.043, 2024: 0.034}
# Of the households poor (near-poor) at the end of a year, the share that already were at the end of the
# year before; the rest are new to that list (fell from near-poverty, came back, or newly poor).
STAY_POOR, STAY_NEAR = 0.72, 0.66
FELL_FROM_NEAR = 0.45  # of the poor who were not poor the year before: near-poor then
SHOCKED = 0.5  # of the other households new to poverty, the share never on a list before (newly poor)
RETURNING = 0.3  # of the other households new to poverty, the share that were poor two years before
SHRINK = 150  # a commune's own 2025 lists count as much as this many households at the province's rate


@dataclass(frozen=True)
class Household:
    pk: int
    commune: str
    income_ratio: float  # income / poverty line of its area
    current: str  # 2025 class


def _pick(rng: random.Random, candidates: Sequence[int], count: int, score: dict[int, float]) -> list[int]:
    """``count`` of ``candidates``, the highest scores (plus noise) first."""
    if count <= 0 or not candidates:
        return []
    ranked = sorted(candidates, key=lambda pk: score[pk] + rng.random(), reverse=True)
    return ranked[:count]


def draw_history(households: Sequence[Household], seed: int) -> dict[int, dict[int, str]]:
    """year → {household pk: "poor" | "near_poor"} for the households on a list at the end of that year."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by design)
    status: dict[int, dict[int, str]] = {LAST_YEAR: {h.pk: h.current for h in households
                                                     if h.current in ("poor", "near_poor")}}
    by_commune: dict[str, list[Household]] = {}
    for h in households:
        by_commune.setdefault(h.commune, []).append(h)
    communes = sorted(by_commune)
    n = len(households) or 1
    on_list = len(status[LAST_YEAR]) / n or 0.03
    weights = [(sum(1 for h in by_commune[c] if h.current in ("poor", "near_poor")) + SHRINK * on_list)
               / (len(by_commune[c]) + SHRINK) * len(by_commune[c]) for c in communes]
    # Low incomes first: a household far below the line is the likeliest to have been on a list.
    base = {h.pk: 2.0 * max(0.0, 1.6 - h.income_ratio) for h in households}
    # Households poor in a year after one off the lists that were poor before it (re-poor): decided when the
    # later year is drawn, placed first when the earlier one is.
    returning: dict[int, set[int]] = {year: set() for year in range(FIRST_YEAR, LAST_YEAR)}
    for year in range(LAST_YEAR - 1, FIRST_YEAR - 1, -1):
        later = status[year + 1]
        poor_counts = split_counts(round(n * POOR_PATH[year]), weights)
        near_counts = split_counts(round(n * NEAR_POOR_PATH[year]), weights)
        now: dict[int, str] = {}
        for commune, k_poor, k_near in zip(communes, poor_counts, near_counts, strict=True):
            members = by_commune[commune]
            poor_next = [h.pk for h in members if later.get(h.pk) == "poor"]
            near_next = [h.pk for h in members if later.get(h.pk) == "near_poor"]
            off_next = [h.pk for h in members if h.pk not in later]
            score = {pk: base[pk] + (10.0 if pk in returning[year] else 0.0) for pk in (h.pk for h in members)}
            kept = _pick(rng, poor_next, min(k_poor, round(len(poor_next) * STAY_POOR)), score)
            fresh = [pk for pk in poor_next if pk not in set(kept)]
            were_near = [pk for pk in fresh if rng.random() < FELL_FROM_NEAR]
            for pk in fresh:
                if pk in were_near:
                    continue
                roll = rng.random()
                if roll < SHOCKED:
                    base[pk] = -5.0  # a shock (illness, a failed harvest) hit a household never poor before
                elif roll < SHOCKED + RETURNING and year > FIRST_YEAR:
                    returning[year - 1].add(pk)  # off the lists in ``year``, poor the year before
            taken = set(kept) | set(fresh)
            # The rest of the year's poor escaped since: to near-poverty, or off the lists.
            escaped = _pick(rng, [pk for pk in near_next + off_next if pk not in taken], k_poor - len(kept), score)
            for pk in kept + escaped:
                now[pk] = "poor"
            taken |= set(escaped)
            near_kept = _pick(rng, [pk for pk in near_next if pk not in taken],
                              round(len(near_next) * STAY_NEAR), score)
            near = near_kept + were_near
            taken |= set(near)
            near += _pick(rng, [pk for pk in off_next if pk not in taken], k_near - len(near), score)
            for pk in near[:max(k_near, len(were_near))]:
                now[pk] = "near_poor"
        status[year] = now
    return status
