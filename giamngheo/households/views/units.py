"""Which communes and hamlets a user may pick in the registry's filters and forms.

Scope comes from ``accounts.scope`` alone. A grant on a hamlet (a hamlet surveyor) still needs its
commune in the commune list, so the communes offered are those inside a granted unit *or* containing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from giamngheo.accounts import scope
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel


def _prefixes(path: str) -> list[str]:
    """``/86/86001/h1/`` → ``["/86/", "/86/86001/", "/86/86001/h1/"]``."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def communes_for(user: Any, perm: str, *, current_only: bool = False) -> QuerySet[AdminUnit]:
    paths = scope.paths_for(user, perm)
    communes = AdminUnit.objects.filter(level=UnitLevel.COMMUNE)
    if current_only:
        communes = communes.filter(generation=Generation.CURRENT, valid_to__isnull=True)
    if not paths:
        return communes.none()
    if paths != ["/"]:
        within = scope.scope_q(user, perm, field="path")
        containing = Q(path__in=[prefix for path in paths for prefix in _prefixes(path)])
        communes = communes.filter(within | containing)
    return communes.order_by("name", "code")


def hamlets_for(user: Any, perm: str, commune: AdminUnit | None) -> QuerySet[AdminUnit]:
    """The hamlets of ``commune`` inside the user's scope (all of them for a commune grant, one for a
    hamlet grant, none for a commune outside the scope)."""
    if commune is None:
        return AdminUnit.objects.none()
    hamlets = AdminUnit.objects.filter(level=UnitLevel.HAMLET, parent=commune, valid_to__isnull=True)
    return scope.scope_queryset(hamlets, user, perm, field="path").order_by("name", "code")
