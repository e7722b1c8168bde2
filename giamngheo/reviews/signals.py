"""Signals of the review: other apps (the statistics) follow the ledger without the ledger knowing them."""

from django.dispatch import Signal

# Sent by ``reviews.status.status_spans_refresh`` inside the writing transaction, with ``household_ids``:
# the households whose ledger entries changed.
ledger_changed = Signal()
