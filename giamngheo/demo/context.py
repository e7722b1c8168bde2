"""What the demo's steps share: the settings of the run and what earlier steps created."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from giamngheo.geo.models import AdminUnit


@dataclass
class DemoContext:
    seed: int
    households: int  # total across the demo communes
    reference_date: dt.date
    progress: Callable[[str], None]
    province: AdminUnit | None = None
    communes: list[AdminUnit] = field(default_factory=list)  # the five detailed ones, in ``places.COMMUNES`` order
    # Every commune with households: the detailed ones first, then the rest of the province in code order,
    # with the description each was generated from (``places.DemoCommune``), keyed by commune code.
    all_communes: list[AdminUnit] = field(default_factory=list)
    specs: dict[str, Any] = field(default_factory=dict)
    hamlets: dict[str, list[AdminUnit]] = field(default_factory=dict)  # commune code → its hamlets
    users: dict[str, Any] = field(default_factory=dict)  # username → user
    # The generated households as records v1 (with citizen IDs), and household code → primary key.
    household_records: list[dict[str, Any]] = field(default_factory=list)
    household_ids: dict[str, int] = field(default_factory=dict)
    household_communes: dict[int, str] = field(default_factory=dict)  # household pk → commune code
    # Lines for the final summary, in order: (label, value); a step adds its own.
    summary: list[tuple[str, str]] = field(default_factory=list)
