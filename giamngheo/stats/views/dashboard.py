"""Dashboards: ``/thong-ke/`` (the user's home unit), ``/thong-ke/<code>/`` (a province, commune or hamlet),
each chart's data as Excel, the "update figures" button, and the province's commune boundaries for the map.

Views stay thin: parameters through ``views/common.py`` (bounded, 400 with a Vietnamese message), the unit
through its one scope check (404 outside scope), the page from ``stats/dashboard.py``."""

from __future__ import annotations

import io
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import re_path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from giamngheo.accounts.roles import Perm
from giamngheo.core.audit import log_action
from giamngheo.core.exports import xlsx_cell, xlsx_row
from giamngheo.core.formatting import format_date
from giamngheo.geo.models import AdminUnit
from giamngheo.stats import selectors
from giamngheo.stats.charts import BUILDERS, dashboard_charts
from giamngheo.stats.dashboard import Dashboard, can_request_refresh, dashboard_get
from giamngheo.stats.map import (
    MAX_BOUNDARY_BYTES,
    BoundaryError,
    boundary_geojson,
    dashboard_map,
    unit_boundary_save,
)
from giamngheo.stats.services import stats_request_refresh
from giamngheo.stats.views.common import (
    NOT_FOUND,
    BadParameter,
    series_param,
    stats_units,
    unit_in_scope,
    year_param,
)

CODE = r"(?P<code>[0-9][0-9A-Za-z-]{0,19})"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE_SAFE = re.compile(r"[^0-9A-Za-z-]+")


def _params(request: HttpRequest, unit: AdminUnit) -> tuple[int, str]:
    series = series_param(request, unit)
    return year_param(request, unit, series), series


def _dashboard_url(code: str, year: int | None = None, series: str = "national") -> str:
    url = reverse("stats:dashboard", kwargs={"code": code})
    query = {k: v for k, v in (("nam", year), ("chuan", series if series != "national" else None)) if v}
    return f"{url}?{urlencode(query)}" if query else url


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The highest unit in the user's scope (the first province for a national user)."""
    units = stats_units(request.user)
    if not units:
        raise Http404(NOT_FOUND)
    return redirect(_dashboard_url(units[0].code))


@login_required
@require_GET
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    unit = unit_in_scope(request, code)
    try:
        year, series = _params(request, unit)
    except BadParameter as error:
        return render(request, "stats/bad_parameter.html", {"unit": unit, "error": str(error)}, status=400)
    board = dashboard_get(unit=unit, year=year, series=series, user=request.user)
    charts = dashboard_charts(board)
    unit_map = dashboard_map(board, url_of=lambda c: _dashboard_url(c, year, series)) if not board.empty else None
    if unit_map is not None and unit_map.empty and unit.level != "province":
        unit_map = None  # hamlets seldom have coordinates: a commune page shows its map only when they do
    return render(request, "stats/dashboard.html", {
        "d": board, "unit": unit, "charts": charts, "unit_map": unit_map,
        "chart_data": {c.slug: c.as_json() for c in charts},
        "map_data": unit_map.as_json() if unit_map else None,
        "years": sorted({f.year for f in board.trend} | {year}, reverse=True),
        "series_choices": _series_choices(unit),
        "parent": _parent_in_scope(request, unit),
        "children": [{**row, "url": _dashboard_url(row["code"], year, series) if row["code"] else ""}
                     for row in board.child_rows()],
        "can_upload_boundary": unit.level == "province" and _allows(request, Perm.UNIT_MANAGE, unit),
        "max_boundary_mb": MAX_BOUNDARY_BYTES // (1024 * 1024),
    })


def _allows(request: HttpRequest, perm: str, unit: AdminUnit) -> bool:
    from giamngheo.accounts.scope import allows

    return allows(request.user, perm, unit.path)


def _series_choices(unit: AdminUnit) -> list[tuple[str, str]]:
    available = set(selectors.series_available(unit)) | {"national"}
    return [(s, _("Chuẩn quốc gia") if s == "national" else _("Chuẩn của tỉnh")) for s in sorted(available)]


def _parent_in_scope(request: HttpRequest, unit: AdminUnit) -> AdminUnit | None:
    parent = unit.parent
    if parent is None or parent.level == "district":
        return None
    return parent if _allows(request, Perm.STATS_VIEW, parent) else None


@login_required
@require_GET
def chart_xlsx(request: HttpRequest, code: str, chart: str) -> HttpResponse:
    """One chart's data as a workbook: the same table the chart draws, with unit, year and date of data."""
    unit = unit_in_scope(request, code)
    if chart not in BUILDERS and chart != "ban-do":
        raise Http404(_("Không có biểu đồ này."))
    try:
        year, series = _params(request, unit)
    except BadParameter as error:
        return HttpResponseBadRequest(str(error))
    board = dashboard_get(unit=unit, year=year, series=series)
    if board.empty:
        raise Http404(_("Chưa tổng hợp số liệu năm %(year)s.") % {"year": year})
    if chart == "ban-do":
        unit_map = dashboard_map(board)
        if unit_map is None:
            raise Http404(_("Không có biểu đồ này."))
        title, (header, rows) = unit_map.title, unit_map.table()
    else:
        built = BUILDERS[chart](board)
        title, (header, rows) = built.title, built.table()
    content = _workbook(board, title, header, rows)
    log_action(actor=request.user, action="giamngheo.stats.chart_exported", object_type="stats_chart",
               object_id=chart, object_repr=f"{unit.name} {year}: {title}", unit_path=unit.path,
               data={"year": year, "series": series, "chart": chart})
    response = HttpResponse(content, content_type=XLSX)
    name = _FILE_SAFE.sub("-", f"thong-ke-{unit.code}-{year}-{chart}")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _workbook(board: Dashboard, title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Số liệu")[:31])
    bold = Font(bold=True)
    as_of = board.fill.filled_at if board.fill and board.fill.filled_at else None
    sheet.append([xlsx_cell(sheet, title, font=bold)])
    sheet.append(xlsx_row(sheet, [_("Đơn vị: %(unit)s. Năm %(year)s. Chuẩn: %(standard)s.") % {
        "unit": board.unit.name, "year": board.year, "standard": board.standard_id}]))
    sheet.append(xlsx_row(sheet, [_("Số liệu tính đến %(date)s.") % {
        "date": format_date(as_of.date()) if as_of else "–"}]))
    sheet.append([])
    sheet.append([xlsx_cell(sheet, text, font=bold) for text in header])
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@login_required
@require_POST
def refresh(request: HttpRequest, code: str) -> HttpResponse:
    """"Cập nhật số liệu": every year of the unit's province is marked stale and refilled in the background."""
    unit = unit_in_scope(request, code)
    if not can_request_refresh(request.user, unit):
        raise Http404(NOT_FOUND)
    province = AdminUnit.objects.get(path="/" + unit.path.strip("/").split("/")[0] + "/",
                                     generation=unit.generation)
    stats_request_refresh(actor=request.user, province=province)
    messages.success(request, _("Đã yêu cầu cập nhật số liệu. Trang sẽ hiện số liệu mới sau ít phút."))
    return redirect(_dashboard_url(unit.code, *_safe_params(request, unit)))


def _safe_params(request: HttpRequest, unit: AdminUnit) -> tuple[int | None, str]:
    """The page's year and series to return to; the defaults when the query was tampered with."""
    try:
        series = series_param(request, unit)
        return (year_param(request, unit, series) if request.GET.get("nam") else None), series
    except BadParameter:
        return None, "national"


@login_required
def boundary(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the province's commune boundaries (GeoJSON) for the map. POST: upload them (unit.manage)."""
    if request.method == "GET":
        unit = unit_in_scope(request, code)
        text = boundary_geojson(unit) if unit.level == "province" else ""
        if not text:
            raise Http404(_("Tỉnh chưa tải lên ranh giới xã."))
        return HttpResponse(text, content_type="application/geo+json; charset=utf-8")
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    unit = unit_in_scope(request, code, perm=Perm.UNIT_MANAGE)
    if unit.level != "province":
        raise Http404(NOT_FOUND)
    upload = request.FILES.get("tep")
    try:
        saved = unit_boundary_save(actor=request.user, province=unit, upload=upload,
                                   code_property=request.POST.get("thuoc_tinh", ""))
    except BoundaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Đã lưu ranh giới: %(matched)s/%(features)s vùng khớp với mã xã.") % {
            "matched": saved.matched, "features": saved.features})
    return redirect(reverse("stats:dashboard", kwargs={"code": unit.code}) + "#ban-do")


urlpatterns = [
    re_path(r"^$", home, name="home"),
    re_path(rf"^{CODE}/$", dashboard, name="dashboard"),
    re_path(rf"^{CODE}/bieu-do/(?P<chart>[a-z-]{{1,20}})\.xlsx$", chart_xlsx, name="chart_xlsx"),
    re_path(rf"^{CODE}/cap-nhat/$", refresh, name="refresh"),
    re_path(rf"^{CODE}/ranh-gioi/$", boundary, name="boundary"),
]
