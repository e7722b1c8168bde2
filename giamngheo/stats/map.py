"""The map of a dashboard's children: bubbles at the unit centroids, or a choropleth from the boundaries a
province uploaded (``UnitBoundary``).

No tile server: ECharts draws the bubbles on a plain longitude/latitude plane and the boundaries with
``registerMap``, so the map works offline and shows nothing but our own figures. Features are matched to
communes by a property holding the commune code; features that match no child are drawn grey."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from giamngheo.geo.models import AdminUnit
from giamngheo.stats.dashboard import Dashboard
from giamngheo.stats.measures import ratio

# Limits of an uploaded GeoJSON (views/dashboard.py checks the size before parsing).
MAX_BOUNDARY_BYTES = 20 * 1024 * 1024
MAX_FEATURES = 5000


@dataclass
class UnitMap:
    title: str
    points: list[dict[str, Any]] = field(default_factory=list)
    # Child units with figures but no coordinates: named under the map so nothing is silently left out.
    missing: list[str] = field(default_factory=list)
    boundary_key: str = ""  # the name the GeoJSON is registered under in ECharts; "" for bubbles
    code_property: str = ""
    # Without uploaded boundaries: cells around the centroids (Voronoi) clipped to their hull, a second view.
    cells: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return not self.points

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "points": self.points, "boundary": bool(self.boundary_key),
                "code_property": self.code_property or "code", "cells": self.cells,
                "labels": {"poor": _("Hộ nghèo"), "near_poor": _("Hộ cận nghèo"), "households": _("Tổng số hộ")}}

    def table(self) -> tuple[list[str], list[list[Any]]]:
        header = [_("Mã đơn vị"), _("Đơn vị"), _("Kinh độ"), _("Vĩ độ"), _("Tổng số hộ"), _("Số hộ nghèo"),
                  _("Tỷ lệ hộ nghèo (%)")]
        rows = [[p["code"], p["name"], p["lon"], p["lat"], p["households"], p["poor"], p["rate"]]
                for p in self.points]
        return header, rows


def dashboard_map(d: Dashboard, *, url_of: Any = None) -> UnitMap | None:
    """The children on a map (one query for their coordinates); None when the unit has no children."""
    children = d.real_children
    if not children:
        return None
    coords = dict((pk, (lat, lon)) for pk, lat, lon in AdminUnit.objects.filter(
        pk__in=[c.unit_id for c in children]).values_list("pk", "latitude", "longitude"))
    result = UnitMap(title=_("Bản đồ tỷ lệ hộ nghèo theo đơn vị, năm %(year)s") % {"year": d.year})
    boundary = boundary_of(d.unit)
    if boundary is not None:
        result.boundary_key = f"unit-{d.unit.code}"
        result.code_property = boundary.code_property
    for child in children:
        lat, lon = coords.get(child.unit_id, (None, None))
        rate = ratio(child["poor.end"], child.households)
        point = {"code": child.code, "name": child.name, "lat": lat, "lon": lon,
                 "households": child.households, "poor": child["poor.end"],
                 "near_poor": child["near_poor.end"],
                 "rate": None if rate is None else round(rate * 100, 4),
                 "url": url_of(child.code) if url_of else ""}
        if lat is None or lon is None:
            if child.households:
                result.missing.append(child.name)
            if not result.boundary_key:
                continue
        result.points.append(point)
    if not result.boundary_key:
        result.cells = centroid_cells([p for p in result.points if p["lat"] is not None])
    return result


def centroid_cells(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A GeoJSON FeatureCollection of one cell per point (``code``): the area nearer to it than to any other
    centroid, clipped to the points' convex hull widened a little. Not a boundary: an honest picture of "where"
    when a province has uploaded none. None with fewer than three points (no area to share)."""
    if len(points) < 3:
        return None
    import shapely
    from shapely.geometry import MultiPoint, Point, mapping

    where = {(round(p["lon"], 6), round(p["lat"], 6)): p["code"] for p in points}
    if len(where) < 3:
        return None
    sites = MultiPoint(list(where))
    hull = sites.convex_hull
    if hull.area == 0:
        return None
    # Widen by half the typical spacing between centroids, so the outer communes keep a cell around them.
    hull = hull.buffer((hull.area / len(where)) ** 0.5 / 2)
    features = []
    for cell in shapely.voronoi_polygons(sites, extend_to=hull).geoms:
        for (lon, lat), code in where.items():
            if cell.contains(Point(lon, lat)):
                shape = cell.intersection(hull).simplify(0.0005)
                features.append({"type": "Feature", "properties": {"code": code},
                                 "geometry": json.loads(json.dumps(mapping(shape)))})
                break
    return {"type": "FeatureCollection", "features": features}


def boundary_of(unit: AdminUnit) -> Any:
    """The province's uploaded boundaries, if any (only a province dashboard draws them)."""
    if unit.level != "province":
        return None
    from giamngheo.stats.models import UnitBoundary

    return UnitBoundary.objects.filter(province=unit).only("pk", "code_property", "uploaded_at").first()


def boundary_geojson(unit: AdminUnit) -> str:
    """The GeoJSON text served to the page for ``registerMap`` ("" when none)."""
    from giamngheo.stats.models import UnitBoundary

    row = UnitBoundary.objects.filter(province=unit).first()
    return json.dumps(row.geojson, ensure_ascii=False) if row else ""


class BoundaryError(ValueError):
    """An uploaded GeoJSON that cannot be used; the message is Vietnamese and says what to fix."""


_GEOMETRIES = ("Polygon", "MultiPolygon")
_PROPERTY = re.compile(r"^[0-9A-Za-z_.:-]{1,64}$")


def _parse_boundaries(raw: bytes, code_property: str) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BoundaryError(_("Tệp không phải GeoJSON hợp lệ (JSON lỗi: %(error)s).") % {"error": error}) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise BoundaryError(_("Tệp phải là một FeatureCollection của GeoJSON."))
    features = data["features"]
    if not features:
        raise BoundaryError(_("Tệp không có vùng nào."))
    if len(features) > MAX_FEATURES:
        raise BoundaryError(_("Tệp có %(n)s vùng, nhiều hơn giới hạn %(max)s.") % {
            "n": len(features), "max": MAX_FEATURES})
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in _GEOMETRIES:
            raise BoundaryError(_("Vùng thứ %(n)s không phải Polygon hoặc MultiPolygon.") % {"n": number})
        properties = feature.get("properties")
        if not isinstance(properties, dict) or properties.get(code_property) in (None, ""):
            raise BoundaryError(_("Vùng thứ %(n)s không có thuộc tính “%(prop)s” chứa mã xã.") % {
                "n": number, "prop": code_property})
        # ECharts matches a feature to its data by this property: keep it as text.
        properties[code_property] = str(properties[code_property]).strip()
    return data


def unit_boundary_save(*, actor: Any, province: AdminUnit, upload: Any, code_property: str) -> Any:
    """Validate an uploaded GeoJSON of the province's communes and keep it (one per province, replaced on
    each upload); audited. Raises ``BoundaryError`` with what to fix; nothing is kept then."""
    from giamngheo.core.audit import log_action
    from giamngheo.stats.models import UnitBoundary

    code_property = (code_property or "").strip()
    if not _PROPERTY.match(code_property):
        raise BoundaryError(_("Tên thuộc tính chứa mã xã phải có 1–64 ký tự chữ, số, dấu gạch."))
    if upload is None:
        raise BoundaryError(_("Chọn tệp GeoJSON để tải lên."))
    if upload.size > MAX_BOUNDARY_BYTES:
        raise BoundaryError(_("Tệp lớn hơn %(mb)s MB.") % {"mb": MAX_BOUNDARY_BYTES // (1024 * 1024)})
    data = _parse_boundaries(upload.read(MAX_BOUNDARY_BYTES + 1), code_property)
    codes = set(AdminUnit.objects.filter(parent=province, level="commune").values_list("code", flat=True))
    matched = sum(1 for f in data["features"] if f["properties"][code_property] in codes)
    if not matched:
        raise BoundaryError(_("Không vùng nào có mã xã của tỉnh trong thuộc tính “%(prop)s”.") % {
            "prop": code_property})
    with transaction.atomic():
        row, _created = UnitBoundary.objects.update_or_create(province=province, defaults={
            "geojson": data, "code_property": code_property, "features": len(data["features"]),
            "matched": matched, "file_name": str(getattr(upload, "name", ""))[:255], "uploaded_by": actor})
        log_action(actor=actor, action="giamngheo.stats.boundary_uploaded", object_type="unit_boundary",
                   object_id=row.pk, object_repr=province.name, unit_path=province.path,
                   data={"features": row.features, "matched": matched, "code_property": code_property,
                         "file_name": row.file_name})
    return row
