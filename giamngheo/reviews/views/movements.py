"""The movements page: one unit, year and standard; the poor and near-poor tables with rates and the
reconciliation check; and the same table as an Excel file."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from giamngheo.reviews import exports, selectors
from giamngheo.reviews.forms import MovementsForm
from giamngheo.reviews.movements import AREA_LABELS, AREAS, CLASS_LABELS, CLASSES, MovementTable


def _form(request: HttpRequest) -> MovementsForm:
    units = selectors.movement_units(user=request.user)
    first = units.first()
    if first is None:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    data = request.GET.copy()
    if not data.get("unit"):
        data["unit"] = first.code
    chosen = first if data["unit"] == first.code else units.filter(code=data["unit"]).first()
    if chosen is None:  # a unit outside the user's scope answers 404, like every object
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    if not data.get("year"):
        data["year"] = str(selectors.movements_default_year(user=request.user, unit=chosen))
    return MovementsForm(data, units=units,
                         standards_for=lambda unit, year: selectors.movement_standards(unit=unit, year=year))


def _table(request: HttpRequest, form: MovementsForm) -> MovementTable | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    return selectors.movements_table(user=request.user, unit=data["unit"], year=data["year"],
                                     standard_id=data["standard"])


@login_required
@require_GET
def movements(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    table = _table(request, form)
    context: dict[str, Any] = {"form": form, "table": table}
    if table is not None:
        area = form.cleaned_data["area"]
        # A province has a hundred communes and more, most of them not yet in the registry: their all-zero rows
        # are hidden unless asked for (the Excel export always lists every unit).
        show_empty = request.GET.get("all") == "1"
        empty = {line.unit_code for line in table.lines("poor", area) if line.is_empty} & {
            line.unit_code for line in table.lines("near_poor", area) if line.is_empty}
        context.update({
            "area": area, "area_label": AREA_LABELS[area],
            "show_empty": show_empty, "hidden_count": 0 if show_empty else len(empty),
            "sections": [
                {"klass": klass, "label": CLASS_LABELS[klass], "headers": table.headers(klass),
                 "lines": [line.shown(klass) for line in table.lines(klass, area)
                           if show_empty or line.unit_code not in empty]}
                for klass in CLASSES
            ],
            "split": [
                {"label": AREA_LABELS[a], "poor": table.lines("poor", a)[-1].shown("poor"),
                 "near_poor": table.lines("near_poor", a)[-1].shown("near_poor")}
                for a in AREAS
            ],
            "failures": table.failures(),
            "export_query": request.GET.urlencode(),
        })
    return render(request, "reviews/movements.html", context)


@login_required
@require_GET
def movements_export(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    table = _table(request, form)
    if table is None:
        return movements(request)
    content = exports.movements_export(actor=request.user, table=table)
    response = HttpResponse(content, content_type=exports.CONTENT_TYPE)
    filename = f"bien-dong-{table.unit.code}-{table.year}-{table.standard_id}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
