"""The measures, declared once: every count a rollup stores, and how the figures people read (rates, changes,
Alkire–Foster H, A, M0 and contributions) are derived from them.

A rollup stores only additive counts (``Rollup.counts``), so the counts of units add up to their parent's and a
rate is always recomputed from counts, never averaged. Codes:

``households``, ``persons``, ``households_em``
    the year's household count of the unit (``HouseholdCount``, kept as history), its persons, and its
    ethnic-minority households: the denominators.
``<class>.<move>``  (class ``poor`` or ``near_poor``)
    the ledger's movements table (``reviews.ledger``): ``start``, ``end``, the exits and entries, and at the
    end of the year ``end_ethnic_minority``, ``end_meritorious``, ``end_social_protection``,
    ``end_no_capacity`` (categories snapshotted on the ledger entry) and ``end_persons``.
``average.end``
    households recognised as having an average living standard at the end of the year.
``profiled``, ``profiled.poor``, ``profiled.near_poor``
    households with a deprivation profile for the year under the year's standard (a survey of that year's
    review, else the registry's classification for that year), all / poor / near-poor at the end of the year.
``dep.<indicator>``, ``dep_poor.<indicator>``, ``dep_near_poor.<indicator>``
    of those, households deprived in the indicator.
``cause.<code>``, ``causes_known``
    poor households at the end of the year by cause of poverty (their survey of that year; codes
    ``reviews.services.CAUSES``), and how many had any cause recorded.
``af.n``, ``af.q``, ``af.c``, ``af.ch.<indicator>``, ``af.excluded``; the same with ``af_em.`` for
    ethnic-minority households: Alkire–Foster sums over profiled households with no unknown indicator:
    units, multidimensionally poor units, sum of their censored deprivation scores, censored headcount per
    indicator; households left out for an unknown indicator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The movements page's classes, areas and their labels: one vocabulary for both.
from giamngheo.reviews.movements import AREA_LABELS, AREAS, CLASS_LABELS, CLASSES

__all__ = ["AREAS", "AREA_LABELS", "CLASSES", "CLASS_LABELS", "AlkireFoster", "add", "alkire_foster", "count",
           "points", "ratio"]


def count(counts: Mapping[str, Any], code: str) -> int:
    return int(counts.get(code, 0) or 0)


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """A share, or None where the denominator is zero or unknown (shown as "–", never as 0%)."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def points(now: float | None, before: float | None) -> float | None:
    """Change of a rate in percentage points (now − before), None when either is unknown."""
    if now is None or before is None:
        return None
    return (now - before) * 100


@dataclass(frozen=True)
class AlkireFoster:
    n: int
    q: int
    H: float | None
    A: float | None
    M0: float | None
    censored: dict[str, float | None]
    contribution: dict[str, float | None]
    excluded: int


def alkire_foster(counts: Mapping[str, Any], indicators: list[str], *, prefix: str = "af") -> AlkireFoster:
    """H, A, M0 and each indicator's contribution from the additive sums (equal weights, as the rollup was
    filled; ``stats/fill.py``)."""
    n, q = count(counts, f"{prefix}.n"), count(counts, f"{prefix}.q")
    c_sum = float(counts.get(f"{prefix}.c", 0) or 0)
    m0 = c_sum / n if n else None
    h = q / n if n else None
    weight = 1 / len(indicators) if indicators else 0
    censored = {c: ratio(count(counts, f"{prefix}.ch.{c}"), n) for c in indicators}
    contribution = {
        c: (weight * (censored[c] or 0) / m0 if m0 else None) for c in indicators
    }
    return AlkireFoster(n=n, q=q, H=h, A=(m0 / h if m0 is not None and h else None), M0=m0, censored=censored,
                        contribution=contribution, excluded=count(counts, f"{prefix}.excluded"))


def add(into: dict[str, Any], counts: Mapping[str, Any]) -> dict[str, Any]:
    """Sum ``counts`` into ``into`` code by code (rollups are additive)."""
    for code, value in counts.items():
        into[code] = into.get(code, 0) + value
    return into
