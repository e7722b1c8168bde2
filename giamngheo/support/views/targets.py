"""Pages: targets, their achievement, allocation down the tree (``/chi-tieu/``). Views parse, call a selector
or a service, and render; every rule lives in ``services/targets.py`` and ``targets/``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for
from giamngheo.core.formatting import format_number
from giamngheo.reviews.views.common import attempt, cleaned
from giamngheo.reviews.views.once import once
from giamngheo.support.forms.targets import (
    FIRST_YEAR,
    LAST_YEAR,
    AllocateForm,
    TargetDeleteForm,
    TargetEditForm,
    TargetFilterForm,
    TargetForm,
)
from giamngheo.support.indicators import CHANGE, REDUCTION, Indicator, indicator_for
from giamngheo.support.selectors import targets as selectors
from giamngheo.support.services import targets as services
from giamngheo.support.targets.achievement import format_percent_of_plan, format_value

MAX_PAGE = 1000


def _year_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    if not raw.isdigit() or len(raw) != 4:
        return None
    year = int(raw)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def _page_param(request: HttpRequest) -> int:
    raw = request.GET.get("page", "")
    return min(int(raw), MAX_PAGE) if raw.isdigit() and len(raw) <= 6 and int(raw) > 0 else 1


def _list(request: HttpRequest, *, off_track: bool) -> HttpResponse:
    units = selectors.target_units(user=request.user)
    form = TargetFilterForm(request.GET or None, units=units)
    data = cleaned(form) if form.is_valid() else {}
    year = data.get("year")
    if off_track and year is None:
        year = _year_param(request) or timezone.localdate().year
    rows, cut = selectors.target_rows(user=request.user, year=year, unit=data.get("unit"),
                                      indicator=data.get("indicator") or "", off_track_only=off_track)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(_page_param(request))
    return render(request, "support/targets/list.html", {
        "form": form, "page": page, "cut": cut, "off_track": off_track, "year": year,
        "rows": [_row(r.target, r.achievement) for r in page.object_list],
        "can_manage": bool(paths_for(request.user, Perm.TARGET_MANAGE)),
    })


def _row(target: Any, result: Any) -> dict[str, Any]:
    indicator = result.indicator
    return {
        "target": target, "achievement": result, "label": indicator.label,
        "value": format_value(indicator, target.value), "actual": format_value(indicator, result.actual),
        "planned": format_value(indicator, result.planned), "projection": format_value(indicator, result.projection),
        "percent": _percent(result.percent_of_plan),
    }


def _percent(value: Decimal | None) -> str:
    """% of plan as the pages show it: a figure below zero (the indicator moved away from the target, e.g. more
    poor households than at the baseline) is said in words, not as a negative percentage."""
    if value is not None and value < 0:
        return _("đi ngược kế hoạch")
    return format_percent_of_plan(value)


@login_required
@require_http_methods(["GET"])
def target_list(request: HttpRequest) -> HttpResponse:
    return _list(request, off_track=False)


@login_required
@require_http_methods(["GET"])
def target_off_track(request: HttpRequest) -> HttpResponse:
    return _list(request, off_track=True)


def _level(indicator: Indicator, value: Decimal | None) -> str:
    """The measured level behind a figure: a rate for a change in points, households for a reduction."""
    if value is None:
        return "–"
    if indicator.kind == REDUCTION:
        return _("%(n)s hộ") % {"n": format_number(value)}
    base = indicator_for(indicator.base) if indicator.kind == CHANGE else None
    return format_value(base or indicator, value)


@login_required
@require_http_methods(["GET"])
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk)
    result = selectors.target_achievement(target=target, year=_year_param(request))
    indicator = result.indicator
    series = [{
        "figure": f, "actual": format_value(indicator, f.actual), "planned": format_value(indicator, f.planned),
        "level": _level(indicator, f.measurement.value if f.measurement else None),
        "ledger": _level(indicator, f.measurement.ledger_value if f.measurement else None),
    } for f in result.series]
    allocation = selectors.allocation_of(target)
    parent_allocation = selectors.allocation_record(target.parent) if target.parent is not None else None
    return render(request, "support/targets/detail.html", {
        "target": target, "result": result, "row": _row(target, result), "series": series,
        "allocation": allocation, "parent_allocation": parent_allocation,
        "allocation_values": {r.unit.pk: format_value(indicator, r.target.value) for r in allocation.rows if r.target},
        # A commune officer sees that the commune's target came from the province's, but may not open it.
        "parent_visible": target.parent is not None and allows(request.user, Perm.SUPPORT_VIEW,
                                                                 target.parent.unit_path),
        "can_manage": allows(request.user, Perm.TARGET_MANAGE, target.unit_path),
        "can_allocate": allows(request.user, Perm.TARGET_MANAGE, target.unit_path) and bool(allocation.rows),
    })


@login_required
@require_http_methods(["GET", "POST"])
@once
def target_create(request: HttpRequest) -> HttpResponse:
    units = selectors.target_units(user=request.user, perm=Perm.TARGET_MANAGE)
    if not units.exists():
        return redirect("support:targets")
    form = TargetForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        target = attempt(request, lambda: services.target_create(
            actor=request.user, unit=data["unit"], indicator=data["indicator"], standard_id=data["standard_id"],
            baseline_year=data["baseline_year"], target_year=data["target_year"], value=data["value"],
            annual=data["annual"], source_document=data["source_document"], source_date=data["source_date"],
            note=data["note"]), form)
        if target is not None:
            messages.success(request, _("Đã giao chỉ tiêu."))
            return redirect("support:target", pk=target.pk)
    return render(request, "support/targets/form.html", {"form": form, "target": None},
                  status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk, perm=Perm.TARGET_MANAGE)
    initial = {f: getattr(target, f) for f in services.EDITABLE}
    initial["value"] = format(Decimal(target.value).normalize(), "f").replace(".", ",")
    initial["version"] = target.version
    form = TargetEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        changes = {f: data[f] for f in services.EDITABLE}
        saved = attempt(request, lambda: services.target_update(
            actor=request.user, target=target, expected_version=data["version"], **changes), form)
        if saved is not None:
            messages.success(request, _("Đã lưu chỉ tiêu."))
            return redirect("support:target", pk=target.pk)
    return render(request, "support/targets/form.html", {"form": form, "target": target},
                  status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk, perm=Perm.TARGET_MANAGE)
    form = TargetDeleteForm(request.POST or None, initial={"version": target.version})
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        deleted = attempt(request, lambda: services.target_delete(
            actor=request.user, target=target, expected_version=data["version"], reason=data["reason"]), form)
        if deleted is not None:
            messages.success(request, _("Đã xoá chỉ tiêu."))
            return redirect("support:targets")
    return render(request, "support/targets/delete.html", {"form": form, "target": target},
                  status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@once
def target_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk, perm=Perm.TARGET_MANAGE)
    allocation = selectors.allocation_of(target)
    if not allocation.rows:
        messages.error(request, _("Đơn vị này không có đơn vị trực thuộc để phân bổ."))
        return redirect("support:target", pk=target.pk)
    initial = {r.unit.pk: Decimal(r.target.value) for r in allocation.rows if r.target is not None}
    units = [r.unit for r in allocation.rows]
    form = AllocateForm(request.POST or None, units=units, initial_values=initial)
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        written = attempt(request, lambda: services.targets_allocate(
            actor=request.user, parent=target, allocations=form.allocations(),
            accept_mismatch=data["accept_mismatch"], reason=data["reason"]), form)
        if written is not None:
            messages.success(request, _("Đã phân bổ chỉ tiêu cho %(n)s đơn vị.") % {"n": len(written)})
            return redirect("support:target", pk=target.pk)
    indicator = indicator_for(target.indicator, active_only=False)
    return render(request, "support/targets/allocate.html", {
        "form": form, "target": target, "allocation": allocation,
        "weights": {r.unit.pk: r.weight for r in allocation.rows},
        "sums": bool(indicator and indicator.sums), "unit_label": indicator.unit_label if indicator else "",
        "parent_value": format_value(indicator, target.value) if indicator else "",
    }, status=422 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("chi-tieu/", target_list, name="targets"),
    path("chi-tieu/chua-dat/", target_off_track, name="targets_off_track"),
    path("chi-tieu/them/", target_create, name="target_create"),
    path("chi-tieu/<int:pk>/", target_detail, name="target"),
    path("chi-tieu/<int:pk>/sua/", target_edit, name="target_edit"),
    path("chi-tieu/<int:pk>/xoa/", target_delete, name="target_delete"),
    path("chi-tieu/<int:pk>/phan-bo/", target_allocate, name="target_allocate"),
]
