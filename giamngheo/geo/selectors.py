"""Reads of the unit tree for other apps and for the unit pages.

Units themselves are public reference data (``unit_by_code``, ``hamlets_of``); anything listed for a
user, and every household count, goes through ``accounts.scope``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm
from giamngheo.core.errors import ApplicationError
from giamngheo.geo.models import AdminUnit, Generation, UnitAlias, UnitLevel


def current_units() -> QuerySet[AdminUnit]:
    return AdminUnit.objects.filter(generation=Generation.CURRENT, valid_to__isnull=True)


def unit_by_code(code: str, level: str = UnitLevel.COMMUNE, generation: str = Generation.CURRENT) -> AdminUnit | None:
    """The unit with this code, or the one that had it (a code recorded as an alias); None if neither.

    A unit's own code wins over another unit's alias. Retired units are found too: old records keep
    pointing at them.
    """
    unit = AdminUnit.objects.filter(generation=generation, level=level, code=code).first()
    if unit is not None:
        return unit
    aliases = UnitAlias.objects.filter(code=code, unit__generation=generation, unit__level=level)
    units = {alias.unit_id for alias in aliases}
    if len(units) == 1:
        return AdminUnit.objects.get(pk=units.pop())
    return None


def units_in_scope(user: Any, perm: str, level: str | None = None) -> QuerySet[AdminUnit]:
    """Current units at or below the units where ``user`` holds ``perm``."""
    qs = current_units()
    if level is not None:
        qs = qs.filter(level=level)
    return scope.scope_queryset(qs, user, perm, field="path")


def communes_in_scope(user: Any, perm: str) -> QuerySet[AdminUnit]:
    return units_in_scope(user, perm, level=UnitLevel.COMMUNE)


def hamlets_of(commune: AdminUnit) -> QuerySet[AdminUnit]:
    """The commune's current hamlets, in the order they were created (Ấp 1, Ấp 2, …, Ấp 10)."""
    return current_units().filter(parent=commune, level=UnitLevel.HAMLET).order_by("id")


def household_unit_path(commune: AdminUnit, hamlet: AdminUnit | None = None) -> str:
    """The ``unit_path`` a household of ``commune`` (and ``hamlet``) is stored under: the hamlet's path
    when it has one, else the commune's, so that scope covers it either way."""
    if commune.level != UnitLevel.COMMUNE:
        raise ApplicationError(_("“%(name)s” không phải là xã/phường/đặc khu.") % {"name": commune.name},
                               field="commune")
    if hamlet is None:
        return commune.path
    if hamlet.level != UnitLevel.HAMLET or hamlet.parent_id != commune.pk:
        raise ApplicationError(
            _("“%(hamlet)s” không thuộc %(commune)s.") % {"hamlet": hamlet.name, "commune": commune.name},
            field="hamlet",
        )
    return hamlet.path


# --- the unit pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    unit: AdminUnit
    households: int
    hamlets: int = 0
    communes: int = 0


def _live_households(user: Any) -> QuerySet[Any]:
    household = apps.get_model("households", "Household")
    return scope.scope_queryset(household.objects.filter(deleted_at__isnull=True), user, Perm.UNIT_MANAGE)


def _province_codes(user: Any) -> set[str] | None:
    """Provinces in which the user manages at least one unit; None means all of them."""
    paths = scope.paths_for(user, Perm.UNIT_MANAGE)
    if "/" in paths:
        return None
    return {path.strip("/").split("/")[0] for path in paths}


def provinces_for_unit_pages(user: Any) -> list[UnitRow]:
    codes = _province_codes(user)
    provinces = current_units().filter(level=UnitLevel.PROVINCE).order_by("code")
    if codes is not None:
        provinces = provinces.filter(code__in=codes)
    communes = communes_in_scope(user, Perm.UNIT_MANAGE)
    commune_counts = dict(communes.values("parent_id").annotate(n=Count("id")).values_list("parent_id", "n"))
    household_counts = dict(
        _live_households(user).values("commune__parent_id").annotate(n=Count("id"))
        .values_list("commune__parent_id", "n")
    )
    return [UnitRow(p, households=household_counts.get(p.pk, 0), communes=commune_counts.get(p.pk, 0))
            for p in provinces]


def access_province_for_unit_pages(user: Any, code: str) -> AdminUnit:
    """The province, if the user manages any unit in it; 404 otherwise (out of scope looks like absent)."""
    codes = _province_codes(user)
    province = current_units().filter(level=UnitLevel.PROVINCE, code=code).first()
    if province is None or (codes is not None and code not in codes):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    return province


def communes_overview(user: Any, province: AdminUnit) -> list[UnitRow]:
    communes = list(communes_in_scope(user, Perm.UNIT_MANAGE).filter(parent=province).order_by("name_folded"))
    ids = [c.pk for c in communes]
    hamlet_counts = dict(
        current_units().filter(level=UnitLevel.HAMLET, parent_id__in=ids).values("parent_id")
        .annotate(n=Count("id")).values_list("parent_id", "n")
    )
    household_counts = dict(
        _live_households(user).filter(commune_id__in=ids).values("commune_id").annotate(n=Count("id"))
        .values_list("commune_id", "n")
    )
    return [UnitRow(c, households=household_counts.get(c.pk, 0), hamlets=hamlet_counts.get(c.pk, 0))
            for c in communes]


def access_commune_for_unit_pages(user: Any, code: str) -> AdminUnit:
    """The current commune with this code, if the user may manage it; 404 otherwise."""
    commune = current_units().filter(level=UnitLevel.COMMUNE, code=code).select_related("parent").first()
    if commune is None:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    scope.require(user, Perm.UNIT_MANAGE, commune.path)
    return commune


def access_hamlet_for_unit_pages(user: Any, code: str) -> AdminUnit:
    hamlet = current_units().filter(level=UnitLevel.HAMLET, code=code).select_related("parent").first()
    if hamlet is None:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    scope.require(user, Perm.UNIT_MANAGE, hamlet.path)
    return hamlet


def hamlets_overview(user: Any, commune: AdminUnit) -> tuple[list[UnitRow], int]:
    """The commune's hamlets with their household counts, and the households not placed in any hamlet."""
    scope.require(user, Perm.UNIT_MANAGE, commune.path)
    hamlets = list(hamlets_of(commune))
    counts = dict(
        _live_households(user).filter(commune=commune).values("hamlet_id").annotate(n=Count("id"))
        .values_list("hamlet_id", "n")
    )
    return [UnitRow(h, households=counts.get(h.pk, 0)) for h in hamlets], counts.get(None, 0)
