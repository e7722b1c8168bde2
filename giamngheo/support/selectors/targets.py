"""Reads of targets for pages and the API: scoped by the acting user, achievement computed on the fly.

Targets carry no personal data; they are shown to users with SUPPORT_VIEW over the target's unit (a commune
officer sees the commune's targets and its hamlets', not the province's). Out of scope is *not found*.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require, scope_queryset
from giamngheo.core.models import AuditEntry
from giamngheo.geo.models import AdminUnit
from giamngheo.support.indicators import indicator_for
from giamngheo.support.models import Target
from giamngheo.support.services.targets import (
    AllocationCheck,
    allocation_check,
    allocation_weights,
    child_units,
)
from giamngheo.support.targets.achievement import Achievement, achievement
from giamngheo.support.targets.measure import Measurer

MAX_EVALUATED = 500  # targets whose achievement one page computes (the off-track list reads them all)
PAGE_SIZE = 25
MAX_PAGE = 1000


def targets_visible(*, user: Any, perm: str = Perm.SUPPORT_VIEW) -> QuerySet[Target]:
    return scope_queryset(Target.objects.filter(deleted_at__isnull=True), user, perm).select_related("unit")


def target_get(*, user: Any, pk: Any, perm: str = Perm.SUPPORT_VIEW) -> Target:
    """A live target in the user's scope for ``perm``; 404 otherwise (never 403)."""
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
        raise Http404(_("Không tìm thấy chỉ tiêu."))
    target = Target.objects.filter(pk=pk, deleted_at__isnull=True).select_related("unit", "parent__unit").first()
    if target is None:
        raise Http404(_("Không tìm thấy chỉ tiêu."))
    require(user, perm, target.unit_path)
    return target


def target_units(*, user: Any, perm: str = Perm.SUPPORT_VIEW) -> QuerySet[AdminUnit]:
    """Current provinces, communes and hamlets in scope: the units a target can be set for or filtered by."""
    units = AdminUnit.objects.filter(generation="2025", level__in=("province", "commune", "hamlet"),
                                     valid_to__isnull=True)
    return scope_queryset(units, user, perm, field="path").order_by("path")


@dataclass(frozen=True)
class TargetRow:
    target: Target
    achievement: Achievement


def target_rows(*, user: Any, year: int | None = None, unit: AdminUnit | None = None, indicator: str = "",
                off_track_only: bool = False) -> tuple[list[TargetRow], bool]:
    """Targets in scope (optionally of one unit and what lies under it, one indicator, in force in ``year``)
    with their achievement in ``year`` (default: each target's latest year with data). Returns the rows and
    whether the list was cut at ``MAX_EVALUATED``."""
    qs = targets_visible(user=user)
    if unit is not None:
        qs = qs.filter(unit_path__startswith=unit.path)
    if indicator:
        qs = qs.filter(indicator=indicator)
    if year is not None:
        qs = qs.filter(baseline_year__lt=year, target_year__gte=year)
    targets = list(qs.order_by("unit_path", "indicator", "target_year", "pk")[:MAX_EVALUATED + 1])
    cut = len(targets) > MAX_EVALUATED
    measurer = Measurer()
    rows = []
    for target in targets[:MAX_EVALUATED]:
        result = achievement(target, year=year, measurer=measurer)
        if off_track_only and not result.off_track:
            continue
        rows.append(TargetRow(target=target, achievement=result))
    return rows, cut


@dataclass(frozen=True)
class AllocationRow:
    unit: AdminUnit
    weight: int
    target: Target | None


@dataclass(frozen=True)
class Allocation:
    rows: list[AllocationRow]
    check: AllocationCheck | None
    summary: str
    record: dict[str, Any] | None  # the latest allocation's audit data (an accepted mismatch and its reason)


def allocation_record(parent: Target) -> dict[str, Any] | None:
    """What the latest allocation of ``parent`` stored: the check, and the reason when a mismatch was
    accepted (``services/targets.py`` writes it into the audit entry)."""
    entry = (AuditEntry.objects.filter(object_type="target", object_id=str(parent.pk),
                                       action="giamngheo.support.targets_allocated")
             .order_by("-at", "-pk").first())
    if entry is None:
        return None
    data = dict(entry.data or {})
    data["at"], data["actor_name"] = entry.at, entry.actor_name
    return data


def allocation_of(target: Target) -> Allocation:
    """The children of the target's unit with their allocated targets and the sum/average check."""
    indicator = indicator_for(target.indicator, active_only=False)
    units = child_units(target.unit)
    children = {t.unit_id: t for t in Target.objects.filter(parent=target, deleted_at__isnull=True)}
    weights = allocation_weights(indicator, units) if indicator is not None and not indicator.sums else {}
    rows = [AllocationRow(unit=u, weight=weights.get(u.pk, 0), target=children.get(u.pk)) for u in units]
    check = None
    summary = ""
    if indicator is not None and children:
        values = {pk: Decimal(t.value) for pk, t in children.items()}
        check = allocation_check(target, indicator, values, units)
        summary = check.message(indicator, target.unit.name)
    return Allocation(rows=rows, check=check, summary=summary, record=allocation_record(target))


def target_achievement(*, target: Target, year: int | None = None) -> Achievement:
    return achievement(target, year=year)
