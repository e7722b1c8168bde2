"""How an audit entry reads on a page and in an export: changed fields as before → after, with citizen IDs
masked for readers whose role does not need them (Law 91/2025), whatever the writer stored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from giamngheo.accounts.scope import can_see_citizen_id, mask_citizen_id
from giamngheo.core.audit import VALUE_LABELS, action_label, object_type_label
from giamngheo.core.models import AuditEntry

_SENSITIVE_KEY = "citizen_id"


@dataclass(frozen=True)
class ChangeRow:
    field: str
    before: str
    after: str
    before_empty: bool
    after_empty: bool


@dataclass(frozen=True)
class EntryView:
    entry: AuditEntry
    action: str
    object_type: str
    unit_name: str
    changes: list[ChangeRow]


def masked_by_key(value: Any, key: str = "") -> Any:
    """``value`` with every citizen ID masked, found by its key (``citizen_id``, ``head_citizen_id``…) at
    any depth and whatever its type: a number or a nested object stored where a string belongs is masked
    just the same (issue 13), never shown in full because masking did not recognise its type."""
    if _SENSITIVE_KEY in key and value is not None and value != "" and not isinstance(value, bool | list):
        return mask_citizen_id(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    if isinstance(value, dict):
        return {k: masked_by_key(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        # A list under a citizen-ID key (e.g. before → after pairs) is masked item by item.
        return [masked_by_key(v, key) for v in value]
    return value


_masked = masked_by_key


def display_value(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def change_rows(entry: AuditEntry, *, show_citizen_ids: bool) -> list[ChangeRow]:
    rows = []
    for field, pair in (entry.changes or {}).items():
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        labels = VALUE_LABELS.get((entry.object_type, field))
        if labels:
            before, after = (labels.get(v, v) if isinstance(v, str) else v for v in (before, after))
        if not show_citizen_ids:
            before, after = _masked(before, field), _masked(after, field)
        shown_before, shown_after = display_value(before), display_value(after)
        rows.append(ChangeRow(field, shown_before, shown_after, shown_before == "", shown_after == ""))
    return rows


def entry_view(entry: AuditEntry, user: Any, unit_names: dict[str, str]) -> EntryView:
    return EntryView(
        entry=entry,
        action=action_label(entry.action),
        object_type=object_type_label(entry.object_type),
        unit_name=unit_names.get(entry.unit_path, entry.unit_path),
        changes=change_rows(entry, show_citizen_ids=can_see_citizen_id(user, entry.unit_path)),
    )


def changes_text(view: EntryView) -> str:
    """One line per changed field, for a spreadsheet cell."""
    empty = _("(trống)")
    return "\n".join(f"{row.field}: {row.before or empty} → {row.after or empty}" for row in view.changes)
