"""Reads for the privacy pages. Who may see and handle data-subject requests: users holding both
``audit.view`` (the answer is mostly the audit trail) and ``citizen_id.view`` (requests name a person by citizen
ID) on the request's unit — commune officers, commune approvers, system admins. Province officers, who see IDs
masked everywhere, do not: a register searchable by citizen ID would unmask them (docs/privacy.md)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm
from giamngheo.geo.models import AdminUnit
from giamngheo.privacy.models import OPEN_STATUSES, DataRequest, ReadRecord

PERMS = (Perm.AUDIT_VIEW, Perm.CITIZEN_ID_VIEW)
WHO_VIEWED_SIZE = 10


def _scope_q(user: Any, field: str = "unit_path") -> Q:
    return scope.scope_q(user, PERMS[0], field) & scope.scope_q(user, PERMS[1], field)


def may_handle_requests(user: Any) -> bool:
    """Whether the register exists for ``user`` at all (navigation, list page)."""
    return bool(scope.paths_for(user, PERMS[0])) and bool(scope.paths_for(user, PERMS[1]))


def may_handle_at(user: Any, unit_path: str) -> bool:
    return all(scope.allows(user, perm, unit_path) for perm in PERMS)


def require_handler(user: Any, unit_path: str) -> None:
    if not may_handle_at(user, unit_path):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))


def data_requests_visible(user: Any) -> QuerySet[DataRequest]:
    return DataRequest.objects.filter(_scope_q(user)).select_related("unit", "assignee", "household")


def data_request_list(*, user: Any, status: str = "", kind: str = "", unit_path: str = "",
                      overdue: bool = False) -> QuerySet[DataRequest]:
    rows = data_requests_visible(user)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if unit_path:
        rows = rows.filter(unit_path__startswith=unit_path)
    if overdue:
        rows = rows.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.now())
    return rows.order_by("deadline", "id")


def data_request_get(*, user: Any, pk: int) -> DataRequest:
    found = data_requests_visible(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    return found


def handler_units(user: Any) -> QuerySet[AdminUnit]:
    """Units where ``user`` may register requests (a request is handled by a commune or a province)."""
    return AdminUnit.objects.filter(_scope_q(user, "path"), level__in=("commune", "province")).order_by("path")


def assignee_candidates(*, user: Any, request: DataRequest) -> list[Any]:
    """Active users who may handle ``request``'s unit, among those ``user`` can see there (same unit tree)."""
    from django.contrib.auth import get_user_model

    from giamngheo.accounts.roles import ROLE_PERMISSIONS

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if set(PERMS) <= perms]
    path = request.unit_path
    prefixes = [path[: i + 1] for i, c in enumerate(path) if c == "/"]
    users = get_user_model().objects.filter(
        is_active=True, grants__role__in=roles, grants__unit_path__in=prefixes
    ).distinct().order_by("username")
    return [u for u in users if may_handle_at(u, path)]


def who_viewed(*, user: Any, household: Any, limit: int = WHO_VIEWED_SIZE) -> list[ReadRecord] | None:
    """The latest reads of ``household``, or None when ``user`` may not see its audit trail."""
    if not scope.allows(user, Perm.AUDIT_VIEW, household.unit_path):
        return None
    return list(
        ReadRecord.objects.filter(object_type="household", object_id=household.code)
        .order_by("-at", "-id")[:limit]
    )
