"""Two standards side by side: ``/thong-ke/<code>/so-sanh-chuan/?a=<standard>&b=<standard>`` (page, its
workbook at ``…/so-sanh-chuan/excel/``; POST on the page asks the worker again after a failed run).

Views stay thin: the unit through the one scope check (404 outside scope), ``a``/``b`` checked against the
standards the unit may use (400 naming the parameter), the figures from ``stats.compare_registry``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from giamngheo.core.audit import log_action
from giamngheo.geo.models import AdminUnit
from giamngheo.standards.definition import Standard, StandardError, list_standards, national_standard_for_year
from giamngheo.stats.compare_page import compare_page, compare_workbook
from giamngheo.stats.compare_registry import (
    Pending,
    StoredComparison,
    comparison_for_page,
    registry_key,
)
from giamngheo.stats.views.common import BadParameter, unit_in_scope

CODE = r"(?P<code>[0-9][0-9A-Za-z-]{0,19})"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAX_ID = 32


def standard_choices(unit: AdminUnit) -> list[Standard]:
    """The national standards, then the local standards of the unit's province."""
    province_code = unit.path.strip("/").split("/")[0]
    return [s for s in list_standards() if not s.is_local or s.province_code == province_code]


def _defaults(choices: list[Standard]) -> tuple[str, str]:
    """This year's national standard against the next national one (or the one before, at the end)."""
    national = [s for s in choices if not s.is_local]
    try:
        current = national_standard_for_year(timezone.localdate().year)
    except StandardError:
        current = national[-1]
    position = next(i for i, s in enumerate(national) if s.id == current.id)
    other = national[position + 1] if position + 1 < len(national) else national[max(position - 1, 0)]
    return current.id, other.id


def _standard_param(request: HttpRequest, name: str, choices: list[Standard], default: str) -> Standard:
    raw = request.GET.get(name, "").strip() or default
    for standard in choices:
        if len(raw) <= _MAX_ID and standard.id == raw:
            return standard
    known = ", ".join(s.id for s in choices)
    raise BadParameter(_("Chuẩn nghèo (%(name)s) không hợp lệ: chọn một trong %(known)s.")
                       % {"name": name, "known": known})


def _params(request: HttpRequest, unit: AdminUnit) -> tuple[Standard, Standard, list[Standard]]:
    choices = standard_choices(unit)
    default_a, default_b = _defaults(choices)
    standard_a = _standard_param(request, "a", choices, default_a)
    standard_b = _standard_param(request, "b", choices, default_b)
    if standard_a.id == standard_b.id:
        raise BadParameter(_("Chọn hai chuẩn nghèo khác nhau (a và b)."))
    return standard_a, standard_b, choices


def _page_url(unit: AdminUnit, a: Standard, b: Standard, name: str = "stats:compare") -> str:
    return f"{reverse(name, args=[unit.code])}?{urlencode({'a': a.id, 'b': b.id})}"


@login_required
@require_http_methods(["GET", "POST"])
def compare_view(request: HttpRequest, code: str) -> HttpResponse:
    """The comparison, computed now or shown as the worker's progress (the page polls itself until done)."""
    unit = unit_in_scope(request, code)
    try:
        standard_a, standard_b, choices = _params(request, unit)
    except BadParameter as error:
        return HttpResponseBadRequest(str(error))
    key = registry_key(unit=unit, standard_a=standard_a, standard_b=standard_b)
    result = comparison_for_page(key=key, retry=request.method == "POST")
    if request.method == "POST":
        return redirect(_page_url(unit, standard_a, standard_b))
    context: dict[str, Any] = {
        "unit": unit, "a": standard_a, "b": standard_b, "choices": choices,
        "xlsx_url": _page_url(unit, standard_a, standard_b, "stats:compare_xlsx"),
        "page_url": _page_url(unit, standard_a, standard_b),
    }
    htmx = bool(getattr(request, "htmx", False))
    if isinstance(result, Pending):
        context["pending"] = result
        template = "stats/compare_progress.html" if htmx else "stats/compare.html"
        return render(request, template, context)
    if htmx:  # the progress block polled and the result is ready: load the whole page
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context["page"] = compare_page(unit=unit, standard_a=standard_a, standard_b=standard_b,
                                   comparison=result.comparison, households=result.households,
                                   computed_at=result.computed_at)
    return render(request, "stats/compare.html", context)


@login_required
@require_GET
def compare_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """The comparison as a workbook (audited: figures of the unit leave the system). Only a result already
    computed is written; while the worker is still computing, the page is shown instead."""
    unit = unit_in_scope(request, code)
    try:
        standard_a, standard_b, _choices = _params(request, unit)
    except BadParameter as error:
        return HttpResponseBadRequest(str(error))
    result = comparison_for_page(key=registry_key(unit=unit, standard_a=standard_a, standard_b=standard_b))
    if not isinstance(result, StoredComparison):
        return redirect(_page_url(unit, standard_a, standard_b))
    page = compare_page(unit=unit, standard_a=standard_a, standard_b=standard_b, comparison=result.comparison,
                        households=result.households, computed_at=result.computed_at)
    content = compare_workbook(page)
    log_action(actor=request.user, action="giamngheo.stats.compare_exported", object_type="stats_compare",
               object_id=f"{unit.code}:{standard_a.id}:{standard_b.id}",
               object_repr=_("%(unit)s: chuẩn %(a)s và chuẩn %(b)s") % {
                   "unit": unit.name, "a": standard_a.id, "b": standard_b.id},
               unit_path=unit.path, data={"households": result.households, "a": standard_a.id, "b": standard_b.id})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="so-sanh-chuan-{unit.code}-{standard_a.id}-{standard_b.id}.xlsx"')
    return response


urlpatterns = [
    re_path(rf"^{CODE}/so-sanh-chuan/$", compare_view, name="compare"),
    re_path(rf"^{CODE}/so-sanh-chuan/excel/$", compare_xlsx, name="compare_xlsx"),
]
