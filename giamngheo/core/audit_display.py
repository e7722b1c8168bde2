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


def _masked(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, key) for v in value]
    if _SENSITIVE_KEY in key and isinstance(value, str):
        return mask_citizen_id(value)
    return value


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
