"""Signals of the registry: other apps (the statistics) follow it without the registry knowing them."""

from django.dispatch import Signal

# Sent when many households were added or changed at once (the household import), inside the writing
# transaction, with ``unit_paths``: the units they sit on.
registry_changed = Signal()
