"""The one place that decides what a user may see and do, by administrative unit.

A role granted on a unit covers the unit and everything below it, so scope is a prefix test on the
materialized ``unit_path`` (``/86/29242/`` covers ``/86/29242/h12/``). Every selector, access helper,
export and API endpoint filters through ``scope_queryset`` or ``require``; nothing queries a domain
table for an interface any other way. Out-of-scope objects are reported as *not found*, so their
existence does not leak.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import ROLE_PERMISSIONS

M = TypeVar("M", bound=Model)
_CACHE_ATTR = "_giamngheo_grants"


def grants(user: Any) -> list[tuple[str, str]]:
    """(role, unit_path) pairs the user holds, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(user.grants.values_list("role", "unit_path"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def paths_for(user: Any, perm: str) -> list[str]:
    """The unit paths under which ``user`` holds ``perm``, without redundant nested paths."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return ["/"]
    paths = sorted({path for role, path in grants(user) if perm in ROLE_PERMISSIONS.get(role, ())})
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def scope_q(user: Any, perm: str, field: str = "unit_path") -> Q:
    paths = paths_for(user, perm)
    if not paths:
        return Q(pk__in=[])
    if paths == ["/"]:
        return Q()
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def scope_queryset(qs: QuerySet[M], user: Any, perm: str, field: str = "unit_path") -> QuerySet[M]:
    return qs.filter(scope_q(user, perm, field))


def allows(user: Any, perm: str, unit_path: str) -> bool:
    return any(unit_path.startswith(p) for p in paths_for(user, perm))


def require(user: Any, perm: str, unit_path: str) -> None:
    """Raise 404 (never 403) when the unit is outside the user's scope for ``perm``."""
    if not allows(user, perm, unit_path):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))


def can_see_citizen_id(user: Any, unit_path: str) -> bool:
    from giamngheo.accounts.roles import Perm

    return allows(user, Perm.CITIZEN_ID_VIEW, unit_path)


def mask_citizen_id(citizen_id: str | None) -> str:
    """Show only the last three digits: ``*********123``."""
    if not citizen_id:
        return ""
    return "*" * (len(citizen_id) - 3) + citizen_id[-3:]
