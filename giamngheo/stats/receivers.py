"""What the statistics do when the ledger changes: mark the touched years stale and queue a refill."""

from __future__ import annotations

from typing import Any


def _on_ledger_changed(sender: Any, household_ids: list[int], **kwargs: Any) -> None:
    from giamngheo.stats.services import stats_mark_stale

    stats_mark_stale(household_ids=household_ids)


def connect() -> None:
    from giamngheo.reviews.signals import ledger_changed

    ledger_changed.connect(_on_ledger_changed, dispatch_uid="stats.ledger_changed")
