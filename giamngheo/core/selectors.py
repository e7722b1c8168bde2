"""Reads of the audit trail for the audit page, its export and the object-history fragment. Every read takes
the acting user and is scoped by ``AuditEntry.unit_path`` through the one scope policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm
from giamngheo.core.audit import ACTION_LABELS, action_label, object_type_label
from giamngheo.core.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """What the user asked for; empty fields do not filter. ``unit_path`` limits to a unit and below."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    unit_path: str = ""


def _day_start(day: dt.date) -> dt.datetime:
    # Days are the user's days in Vietnam, not UTC days: an entry at 06:30 on 15/04 belongs to 15/04.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries_visible(user: Any) -> QuerySet[AuditEntry]:
    return scope.scope_queryset(AuditEntry.objects.select_related("actor"), user, Perm.AUDIT_VIEW)


def audit_entries_for(user: Any, filters: AuditFilter) -> QuerySet[AuditEntry]:
    """The entries ``user`` may read that match ``filters``, newest first."""
    entries = audit_entries_visible(user)
    if filters.date_from:
        entries = entries.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        entries = entries.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.actor.strip():
        entries = entries.filter(actor_name__icontains=filters.actor.strip())
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.object_id.strip():
        entries = entries.filter(object_id=filters.object_id.strip())
    if filters.unit_path:
        entries = entries.filter(unit_path__startswith=filters.unit_path)
    return entries.order_by("-at", "-id")


def object_history_for(user: Any, object_type: str, object_id: str | int) -> QuerySet[AuditEntry]:
    """Everything recorded about one object that ``user`` may read, newest first."""
    return audit_entries_for(user, AuditFilter(object_type=object_type, object_id=str(object_id)))


def action_choices() -> list[tuple[str, str]]:
    """Every registered action, by its translated label."""
    return sorted(((code, action_label(code)) for code in ACTION_LABELS), key=lambda pair: pair[1].lower())


def object_type_choices(user: Any) -> list[tuple[str, str]]:
    """The object types that occur in the entries ``user`` may read."""
    codes = audit_entries_visible(user).order_by().values_list("object_type", flat=True).distinct()
    return sorted(((code, object_type_label(code)) for code in codes), key=lambda pair: pair[1].lower())


def unit_names_for(user: Any, paths: set[str]) -> dict[str, str]:
    """Unit path → unit name for the paths shown on a page (one query), within ``user``'s audit scope."""
    from giamngheo.geo.models import AdminUnit

    if not paths:
        return {}
    units = scope.scope_queryset(AdminUnit.objects.filter(path__in=paths), user, Perm.AUDIT_VIEW, field="path")
    return dict(units.values_list("path", "name"))


@dataclass(frozen=True)
class ReadFilter:
    """The "Lượt xem" tab's filters; empty fields do not filter."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    household: str = ""
    reader: str = ""
    channel: str = ""


def reads_for(user: Any, filters: ReadFilter) -> QuerySet[Any]:
    """Recorded reads ``user`` may see (``audit.view`` scope, exactly like the trail), newest first."""
    from giamngheo.privacy.models import ReadRecord

    reads = scope.scope_queryset(ReadRecord.objects.all(), user, Perm.AUDIT_VIEW)
    if filters.date_from:
        reads = reads.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        reads = reads.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.household.strip():
        reads = reads.filter(object_type="household", object_id=filters.household.strip())
    if filters.reader.strip():
        reads = reads.filter(reader_name__icontains=filters.reader.strip())
    if filters.channel:
        reads = reads.filter(channel=filters.channel)
    return reads.order_by("-at", "-id")
