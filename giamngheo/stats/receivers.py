"""What the statistics do when the ledger changes: mark the touched years stale and queue a refill."""

from __future__ import annotations

from typing import Any


def _on_ledger_changed(sender: Any, household_ids: list[int], **kwargs: Any) -> None:
    from giamngheo.stats.services import stats_mark_stale

    stats_mark_stale(household_ids=household_ids)


def _on_registry_changed(sender: Any, unit_paths: list[str], **kwargs: Any) -> None:
    from giamngheo.stats.services import stats_mark_registry_stale

    stats_mark_registry_stale(unit_paths=unit_paths)


def connect() -> None:
    from giamngheo.households.signals import registry_changed
    from giamngheo.reviews.signals import ledger_changed

    ledger_changed.connect(_on_ledger_changed, dispatch_uid="stats.ledger_changed")
    registry_changed.connect(_on_registry_changed, dispatch_uid="stats.registry_changed")
