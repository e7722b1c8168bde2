"""Reads for the account and user-management pages. Each takes the acting user and goes through the
scope policy; whatever lies outside it is *not found*."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from giamngheo.accounts import scope
from giamngheo.accounts.models import RoleGrant, User
from giamngheo.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from giamngheo.core.text import fold
from giamngheo.geo.models import AdminUnit, Generation

_LEVEL_ORDER = Case(
    When(level="province", then=Value(0)),
    When(level="commune", then=Value(1)),
    When(level="hamlet", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def grants_managed_by(actor: User) -> QuerySet[RoleGrant]:
    """The grants on units where ``actor`` manages users."""
    return scope.scope_queryset(
        RoleGrant.objects.select_related("unit", "user"), actor, Perm.USER_MANAGE
    ).order_by("unit_path", "role")


def users_managed_by(actor: User, *, search: str = "") -> QuerySet[User]:
    """Users holding at least one grant in ``actor``'s user-management scope, each with ``scoped_grants``
    (only the grants the actor may see: a user's roles elsewhere are none of this manager's business)."""
    grants = grants_managed_by(actor)
    users = User.objects.filter(pk__in=grants.values("user_id"))
    if search.strip():
        term = search.strip()
        users = users.filter(Q(username__icontains=term) | Q(first_name__icontains=term) | Q(last_name__icontains=term))
    return users.order_by("username").prefetch_related(Prefetch("grants", queryset=grants, to_attr="scoped_grants"))


def user_get_managed(actor: User, user_id: int) -> User:
    user = users_managed_by(actor).filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


def grant_get_managed(actor: User, grant_id: int) -> RoleGrant:
    grant = grants_managed_by(actor).filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    return grant


def units_for_picker(actor: User, perm: str, *, search: str = "", limit: int = 200) -> list[AdminUnit]:
    """Current units inside ``actor``'s scope for ``perm``, provinces first, then communes, then hamlets;
    ``search`` matches a code prefix or part of the name, with or without diacritics."""
    units = scope.scope_queryset(
        AdminUnit.objects.filter(generation=Generation.CURRENT, valid_to__isnull=True), actor, perm, field="path"
    )
    term = search.strip()
    if term:
        units = units.filter(Q(code__startswith=term) | Q(name_folded__contains=fold(term)))
    return list(units.select_related("parent").order_by(_LEVEL_ORDER, "path")[:limit])


def unit_get_for(actor: User, perm: str, unit_id: int) -> AdminUnit:
    unit = scope.scope_queryset(AdminUnit.objects.all(), actor, perm, field="path").filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def grants_of(user: User) -> QuerySet[RoleGrant]:
    """The user's own roles, for their account page."""
    return user.grants.select_related("unit", "unit__parent").order_by("unit_path", "role")


def roles_grantable_by(actor: User, unit_path: str) -> list[str]:
    """The roles ``actor`` may grant or revoke on the unit at ``unit_path``: those whose every permission the
    actor itself holds there. A manager can hand out no more than it has — a province officer, who never sees
    citizen IDs, cannot make anyone (itself included, through a second account) a commune officer."""
    if not scope.allows(actor, Perm.USER_MANAGE, unit_path):
        return []
    every_perm: set[str] = set().union(*ROLE_PERMISSIONS.values())
    held = {perm for perm in every_perm if scope.allows(actor, perm, unit_path)}
    return [role for role in Role.values if ROLE_PERMISSIONS[role] <= held]


def roles_grantable_anywhere(actor: User) -> list[str]:
    """The roles ``actor`` may grant on at least one unit, in the order of ``Role``: what the users page
    offers (the service still checks the chosen unit)."""
    paths = set(scope.paths_for(actor, Perm.USER_MANAGE)) | {path for _role, path in scope.grants(actor)}
    grantable = {role for path in paths for role in roles_grantable_by(actor, path)}
    return [role for role in Role.values if role in grantable]
