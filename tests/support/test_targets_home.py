"""The home page's targets card counts targets in scope and those off track."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from giamngheo.support.models import Target
from giamngheo.support.targets.home import targets_home_card


def _target(unit: Any, value: str, **extra: Any) -> Target:
    fields: dict[str, Any] = {"indicator": "poverty_rate", "standard_id": "2026", "baseline_year": 2025,
                              "target_year": 2026, "value": Decimal(value), "source_document": "NQ 1/2025"}
    fields.update(extra)
    return Target.objects.create(unit=unit, unit_path=unit.path, **fields)


def test_card_counts_targets_in_scope_and_off_track(unit_tree: Any, cast: Any, make_household: Any,
                                                    set_status: Any) -> None:
    poor = make_household(unit_tree.hamlet, code="H1")
    make_household(unit_tree.hamlet, code="H2")
    set_status(poor, 2026, "poor")  # 1 of 2 households poor at the end of 2026: 50 %
    _target(unit_tree.commune, "10")  # off track
    _target(unit_tree.commune, "60", indicator="near_poverty_rate")  # 0 % near-poor: on track
    _target(unit_tree.commune, "1", baseline_year=2026, target_year=2027)  # the period 2027 does not cover 2026
    _target(unit_tree.other_commune, "1")  # out of scope

    card = targets_home_card(user=cast.officer, year=2026)

    assert card["total"] == 2
    assert card["off_track"] == 1
    assert card["url"].endswith("/chi-tieu/chua-dat/?year=2026")
    assert targets_home_card(user=cast.outsider, year=2026)["total"] == 1
