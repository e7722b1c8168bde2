"""Reading the rollups: one unit's figures, its children's, its series over the years, and the fill state.

Everything here reads ``Rollup`` rows (a few hundred for a province), never the ledger, so a dashboard or a
table costs a handful of indexed queries whatever the number of households. Callers check scope first
(``accounts.scope``); these functions trust the unit they are given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from giamngheo.geo.models import AdminUnit
from giamngheo.stats.measures import AlkireFoster, alkire_foster, count, points, ratio
from giamngheo.stats.models import FillState, Rollup, RollupLevel

CHILD_LEVEL = {"province": "commune", "commune": "hamlet"}
# Measure codes without a dot (``stats/measures.py``); every other code is ``<group>.<name>``.
PLAIN_CODES = frozenset({"households", "persons", "households_em", "profiled", "causes_known"})


@dataclass
class Figures:
    """The counts of one unit, year, standard and area, with what is derived from them."""

    unit_id: int
    unit_path: str
    level: str
    year: int
    series: str
    standard_id: str
    area: str
    counts: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    code: str = ""

    def __getitem__(self, code: str) -> int:
        """A count by its code (0 when missing). A name that is not a measure code raises ``KeyError``, so a
        template's ``figures.poor_rate`` falls through to the attribute instead of reading as a count of 0."""
        if code not in self.counts and "." not in code and code not in PLAIN_CODES:
            raise KeyError(code)
        return count(self.counts, code)

    @property
    def households(self) -> int:
        return self["households"]

    def rate(self, code: str, denominator: str = "households") -> float | None:
        """``code`` over the year's households (or another count), None when there are none."""
        return ratio(self[code], self[denominator])

    @property
    def poor_rate(self) -> float | None:
        return self.rate("poor.end")

    @property
    def near_poor_rate(self) -> float | None:
        return self.rate("near_poor.end")

    def af(self, indicators: list[str]) -> AlkireFoster:
        return alkire_foster(self.counts, indicators)


def _figures(row: Rollup, names: dict[int, tuple[str, str]] | None = None) -> Figures:
    name, code = (names or {}).get(row.unit_id, ("", ""))
    return Figures(unit_id=row.unit_id, unit_path=row.unit_path, level=row.level, year=row.year,
                   series=row.series, standard_id=row.standard_id, area=row.area, counts=row.counts,
                   name=name, code=code)


def rollup(unit: AdminUnit, *, year: int, series: str = "national", area: str = "all") -> Figures | None:
    row = Rollup.objects.filter(unit=unit, level=unit.level, year=year, series=series, area=area).first()
    return _figures(row, {unit.pk: (unit.name, unit.code)}) if row else None


def rollup_series(unit: AdminUnit, *, series: str = "national", area: str = "all") -> list[Figures]:
    """The unit's figures for every year filled, oldest first."""
    rows = Rollup.objects.filter(unit=unit, level=unit.level, series=series, area=area).order_by("year")
    return [_figures(r, {unit.pk: (unit.name, unit.code)}) for r in rows]


def child_rollups(unit: AdminUnit, *, year: int, series: str = "national", area: str = "all",
                  include_empty: bool = True) -> list[Figures]:
    """One row per child unit (communes of a province, hamlets of a commune), in code order, and for a
    commune the households on no hamlet as a last row (level ``direct``) when there are any. A child with no
    rollup row (no household, no ledger entry) is shown with zero counts when ``include_empty``."""
    level = CHILD_LEVEL.get(unit.level)
    if level is None:
        return []
    children = list(AdminUnit.objects.filter(parent=unit, level=level).order_by("code", "name")
                    .values_list("id", "path", "name", "code"))
    rows = {r.unit_id: r for r in Rollup.objects.filter(
        unit_id__in=[c[0] for c in children], level=level, year=year, series=series, area=area)}
    out: list[Figures] = []
    for pk, path, name, code in children:
        row = rows.get(pk)
        if row is not None:
            out.append(_figures(row, {pk: (name, code)}))
        elif include_empty:
            out.append(Figures(unit_id=pk, unit_path=path, level=level, year=year, series=series,
                               standard_id="", area=area, name=name, code=code))
    if unit.level == "commune":
        direct = Rollup.objects.filter(unit=unit, level=RollupLevel.DIRECT, year=year, series=series,
                                       area=area).first()
        if direct is not None:
            out.append(_figures(direct, {unit.pk: (str(RollupLevel.DIRECT.label), "")}))
    return out


def change_points(now: Figures | None, before: Figures | None, code: str = "poor.end") -> float | None:
    """Change of the rate of ``code`` in points between two years' figures (each over its own year's
    households)."""
    if now is None or before is None:
        return None
    return points(now.rate(code), before.rate(code))


def fill_state(unit: AdminUnit, *, year: int, series: str = "national") -> FillState | None:
    province_path = "/" + unit.path.strip("/").split("/")[0] + "/"
    return FillState.objects.filter(province__path=province_path, year=year, series=series).first()


def latest_year_with_movements(unit: AdminUnit, *, series: str = "national") -> int | None:
    """The last filled year in which the unit's lists moved (a review was recognised): the year a page opens
    on. A year under review (this year's, before its recognition) repeats last year's lists and says little."""
    moving = [f.year for f in rollup_series(unit, series=series)
              if any(v for k, v in f.counts.items() if k.startswith(("poor.", "near_poor."))
                     and k.split(".", 1)[1] not in ("start", "end") and not k.split(".", 1)[1].startswith("end_"))]
    return moving[-1] if moving else None


def years_filled(unit: AdminUnit, *, series: str = "national") -> list[int]:
    return sorted(Rollup.objects.filter(unit=unit, level=unit.level, series=series, area="all")
                  .values_list("year", flat=True).distinct())


def series_available(unit: AdminUnit) -> list[str]:
    return sorted(Rollup.objects.filter(unit=unit, level=unit.level, area="all")
                  .values_list("series", flat=True).distinct())
