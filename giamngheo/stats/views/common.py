"""What every statistics page needs: the unit asked for (in scope or 404), the year and the series, bounded.

The one scope check of the statistics pages lives here (through ``accounts.scope``): a unit outside the user's
scope answers exactly like a unit that does not exist, so a page never tells which codes exist elsewhere."""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for
from giamngheo.geo.models import AdminUnit, Generation
from giamngheo.stats import selectors

# Lazy: translated in the language of the request that raises it, not the one active at start-up.
NOT_FOUND = gettext_lazy("Không tìm thấy hoặc bạn không có quyền truy cập.")
_CODE = re.compile(r"^[0-9A-Za-z-]{1,20}$")
_SERIES = re.compile(r"^(national|local-[0-9]{2})$")
YEAR_MIN, YEAR_MAX = 2016, 2100


def stats_units(user: Any) -> list[AdminUnit]:
    """The units whose figures the user may read at the top of their scope (a superuser: every province)."""
    paths = paths_for(user, Perm.STATS_VIEW)
    if paths == ["/"]:
        return list(AdminUnit.objects.filter(level="province", generation=Generation.CURRENT).order_by("name"))
    return list(AdminUnit.objects.filter(path__in=paths).order_by("path"))


def unit_in_scope(request: HttpRequest, code: str, perm: str = Perm.STATS_VIEW) -> AdminUnit:
    """The current-generation unit with ``code`` if the user may read it with ``perm``; 404 otherwise."""
    if not _CODE.match(code or ""):
        raise Http404(NOT_FOUND)
    # Codes are unique per level; should a hamlet ever carry a bare number that is also a commune's or a
    # province's code, the higher unit is the one a code names.
    units = {u.level: u for u in AdminUnit.objects.filter(code=code, generation=Generation.CURRENT)
             .exclude(level="district")}
    unit = next((units[level] for level in ("province", "commune", "hamlet") if level in units), None)
    if unit is None or not allows(request.user, perm, unit.path):
        raise Http404(NOT_FOUND)
    return unit


class BadParameter(ValueError):
    """A query parameter out of bounds; the message is Vietnamese and names the parameter."""


def year_param(request: HttpRequest, unit: AdminUnit, series: str, name: str = "nam") -> int:
    """``?nam=`` bounded to 2016–2100; default: the latest year whose lists moved, else the latest year with
    figures, else this year."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        moved = selectors.latest_year_with_movements(unit, series=series)
        if moved is not None:
            return moved
        years = selectors.years_filled(unit, series=series)
        return years[-1] if years else timezone.localdate().year
    if not raw.isdigit() or not YEAR_MIN <= int(raw) <= YEAR_MAX:
        raise BadParameter(_("Năm (%(name)s) phải là số từ %(low)s đến %(high)s.") % {
            "name": name, "low": YEAR_MIN, "high": YEAR_MAX})
    return int(raw)


def series_param(request: HttpRequest, unit: AdminUnit, name: str = "chuan") -> str:
    """``?chuan=national`` or ``local-<province code>`` (the unit's own province only)."""
    raw = request.GET.get(name, "").strip() or "national"
    province_code = unit.path.strip("/").split("/")[0]
    if not _SERIES.match(raw) or (raw.startswith("local-") and raw != f"local-{province_code}"):
        raise BadParameter(_("Chuẩn nghèo (%(name)s) không hợp lệ: chọn chuẩn quốc gia hoặc chuẩn của tỉnh.")
                           % {"name": name})
    return raw
