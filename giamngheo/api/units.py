"""``/units``: administrative units as reference data (public names and codes, no personal data).

Every signed-in client may read the whole tree: a commune officer's import tool needs other communes'
codes as much as its own. What lives *in* a unit (households) is scoped; the unit itself is not.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from giamngheo.api.paging import PageParams, page_body, page_of
from giamngheo.api.schemas import ERRORS
from giamngheo.core.text import fold
from giamngheo.geo.models import AdminUnit

router = Router(tags=["units"])

Level = Literal["province", "district", "commune", "hamlet"]
GenerationCode = Literal["2025", "legacy"]
_LEVEL_ORDER = ("province", "district", "commune", "hamlet")


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    level: str
    kind: str
    generation: str
    parent_code: str | None
    area_type: str
    valid_from: str | None
    valid_to: str | None
    latitude: float | None
    longitude: float | None


class UnitPage(Schema):
    items: list[UnitOut]
    count: int
    count_exact: bool
    page: int
    page_size: int


def unit_body(unit: AdminUnit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "level": unit.level,
        "kind": unit.kind,
        "generation": unit.generation,
        "parent_code": unit.parent.code if unit.parent else None,
        "area_type": unit.area_type,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "latitude": unit.latitude,
        "longitude": unit.longitude,
    }


def unit_list(
    *, level: str | None, parent: str | None, q: str | None, generation: str
) -> QuerySet[AdminUnit]:
    units = AdminUnit.objects.filter(generation=generation).select_related("parent")
    if level:
        units = units.filter(level=level)
    if parent:
        units = units.filter(parent__code=parent, parent__generation=generation)
    for word in fold(q).split() if q else []:
        units = units.filter(Q(name_folded__contains=word) | Q(code__startswith=word))
    return units.order_by("path")


class UnitFilters(Schema):
    level: Level | None = Field(None, description="Cấp: province, district, commune, hamlet.")
    parent: str | None = Field(None, max_length=20, description="Mã đơn vị cấp trên.")
    q: str | None = Field(None, max_length=200, description="Tìm theo tên (không phân biệt dấu) hoặc đầu mã.")
    generation: GenerationCode = Field("2025", description="2025: đơn vị hiện hành; legacy: trước 01/07/2025.")


class UnitParams(Schema):
    generation: GenerationCode = Field("2025", description="2025: đơn vị hiện hành; legacy: trước 01/07/2025.")


@router.get("", response={200: UnitPage, **ERRORS}, summary="Danh sách đơn vị hành chính")
def unit_index(request: HttpRequest, paging: Query[PageParams], filters: Query[UnitFilters]) -> dict[str, Any]:
    units = unit_list(level=filters.level, parent=filters.parent, q=filters.q, generation=filters.generation)
    items, count, exact = page_of(units, paging)
    return page_body([unit_body(u) for u in items], count, exact, paging)


@router.get("/{code}", response={200: UnitOut, **ERRORS}, summary="Xem một đơn vị")
def unit_show(request: HttpRequest, code: str, params: Query[UnitParams]) -> dict[str, Any]:
    units = list(AdminUnit.objects.filter(code=code, generation=params.generation).select_related("parent"))
    if not units:
        raise Http404(_("Không có đơn vị hành chính mã %(code)s.") % {"code": code})
    # Codes are unique per level; should two levels share one, the higher level is meant.
    units.sort(key=lambda u: _LEVEL_ORDER.index(u.level) if u.level in _LEVEL_ORDER else len(_LEVEL_ORDER))
    return unit_body(units[0])
