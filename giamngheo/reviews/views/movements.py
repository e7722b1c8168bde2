"""The movements page: one unit, year and standard; the poor and near-poor tables with rates and the
reconciliation check; and the same table as an Excel file."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from giamngheo.accounts.scope import can_see_citizen_id, mask_citizen_id
from giamngheo.reviews import engine, exports, selectors
from giamngheo.reviews.forms import MovementsForm
from giamngheo.reviews.movements import (
    AREA_LABELS,
    AREAS,
    CLASS_LABELS,
    CLASSES,
    COLUMN_LABELS,
    ORPHAN_ROW,
    MovementTable,
)


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


def _explicit(request: HttpRequest, form: MovementsForm) -> HttpResponse | None:
    """A page opened without a unit or year is redirected to the same page naming them: the year shown is
    always in the address (a bookmark or a shared link keeps showing that year, even after a later
    Decision moves the default), and the page says which year it shows and why."""
    if request.GET.get("unit") and request.GET.get("year"):
        return None
    query = request.GET.copy()
    query["unit"] = form.data["unit"]
    query["year"] = form.data["year"]
    query["mac_dinh"] = "1"
    return redirect(f"{request.path}?{query.urlencode()}")


@login_required
@require_GET
def movements(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    explicit = _explicit(request, form)
    if explicit is not None:
        return explicit
    table = _table(request, form)
    context: dict[str, Any] = {"form": form, "table": table, "defaulted": request.GET.get("mac_dinh") == "1"}
    if table is not None:
        context["year_status"] = selectors.movements_year_status(user=request.user, unit=table.unit,
                                                                 year=table.year)
        # The start of every drill-down link; the template appends the class, row and column.
        context["drill_base"] = "{}?{}&klass=".format(
            reverse("reviews:movement_households", args=[table.unit.code]),
            urlencode({"year": table.year, "standard": table.standard_id, "area": form.cleaned_data["area"] or "all"}))
        area = form.cleaned_data["area"] or "all"
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


@login_required
@require_GET
def movement_households(request: HttpRequest, code: str) -> HttpResponse:
    """The households behind one number of the movements table (unit ``code``; year, standard, class, area,
    row and column in the query, each with the page's default). Scoped like the table; citizen IDs masked
    for readers who may not see them."""
    unit = selectors.unit_for_movements(user=request.user, code=code)
    form = MovementsForm({"unit": unit.code, "year": request.GET.get("year") or str(
        selectors.movements_default_year(user=request.user, unit=unit)), "standard": request.GET.get("standard", ""),
        "area": request.GET.get("area") or "all"}, units=selectors.movement_units(user=request.user),
        standards_for=lambda u, y: selectors.movement_standards(unit=u, year=y))
    if not form.is_valid():
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    data = form.cleaned_data
    klass = request.GET.get("klass") or "poor"
    column = request.GET.get("column") or "end"
    row = request.GET.get("row")
    row_code = None if not row else ("" if row == ORPHAN_ROW else row)
    households = selectors.movement_households(user=request.user, unit=unit, year=data["year"],
                                               standard_id=data["standard"], klass=klass, area=data["area"],
                                               row_code=row_code, column=column)
    row_unit = unit.children.filter(code=row_code).first() if row_code else None
    page = Paginator(households.prefetch_related("members"), 100).get_page(request.GET.get("page"))
    rows = [{"household": h, "head_id": _head_id(h, request.user)} for h in page]
    return render(request, "reviews/movement_households.html", {
        "unit": unit, "row_unit": row_unit, "orphans": row_code == "", "year": data["year"],
        "standard_title": engine.standard_title(data["standard"]), "class_label": CLASS_LABELS.get(klass, ""),
        "column_label": _column_label(klass, column), "area_label": AREA_LABELS[data["area"]], "rows": rows,
        "page": page, "query": request.GET.copy(),
        "back": f"?unit={unit.code}&year={data['year']}&standard={data['standard']}&area={data['area']}",
    })


def _column_label(klass: str, column: str) -> Any:
    fixed = {"start": _("Đầu năm"), "end": _("Cuối năm"), "end_ethnic_minority": _("Cuối năm, dân tộc thiểu số")}
    return fixed.get(column) or COLUMN_LABELS[klass].get(column, "")


def _head_id(household: Any, user: Any) -> str:
    head = next((m for m in household.members.all() if m.relation == "head"), None)
    if head is None or not head.citizen_id:
        return ""
    return head.citizen_id if can_see_citizen_id(user, household.unit_path) else mask_citizen_id(head.citizen_id)
