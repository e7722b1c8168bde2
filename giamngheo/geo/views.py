"""Unit pages for officers who manage units (``Perm.UNIT_MANAGE``): province → communes → hamlets,
with hamlets added and renamed in place (HTMX). Every page and fragment goes through the scoped
selectors; a unit outside the user's scope answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from giamngheo.core.errors import ApplicationError
from giamngheo.geo import selectors, services
from giamngheo.geo.forms import HamletForm
from giamngheo.geo.models import AdminUnit

# The rename form shares the page with the add form: its own prefix keeps field ids unique.
RENAME_PREFIX = "rename"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    provinces = selectors.provinces_for_unit_pages(request.user)
    if not provinces:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    if len(provinces) == 1:
        # One province: go straight to it (or to the one commune an officer manages).
        communes = selectors.communes_overview(request.user, provinces[0].unit)
        if len(communes) == 1:
            return redirect("geo:commune", code=communes[0].unit.code)
        return redirect("geo:province", code=provinces[0].unit.code)
    return render(request, "geo/index.html", {"provinces": provinces})


@login_required
@require_GET
def province(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.access_province_for_unit_pages(request.user, code)
    rows = selectors.communes_overview(request.user, unit)
    return render(request, "geo/province.html", {
        "province": unit, "communes": rows,
        "households": sum(r.households for r in rows), "hamlets": sum(r.hamlets for r in rows),
    })


def _commune_context(request: HttpRequest, commune: AdminUnit, form: HamletForm | None = None) -> dict[str, Any]:
    hamlets, unplaced = selectors.hamlets_overview(request.user, commune)
    return {"commune": commune, "hamlets": hamlets, "unplaced": unplaced, "form": form or HamletForm(),
            "households": sum(h.households for h in hamlets) + unplaced}


@login_required
@require_GET
def commune(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.access_commune_for_unit_pages(request.user, code)
    return render(request, "geo/commune.html", _commune_context(request, unit))


@login_required
@require_POST
def hamlet_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.access_commune_for_unit_pages(request.user, code)
    form = HamletForm(request.POST)
    created = None
    if form.is_valid():
        try:
            created = services.hamlet_create(actor=request.user, commune=unit, name=form.cleaned_data["name"],
                                             kind=form.cleaned_data["kind"])
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if created is not None and not _is_htmx(request):
        messages.success(request, _("Đã thêm %(name)s.") % {"name": created.name})
        return redirect("geo:commune", code=unit.code)
    context = _commune_context(request, unit, form if created is None else None)
    context["just_created"] = created
    if _is_htmx(request):
        return render(request, "geo/_hamlets.html", context)
    return render(request, "geo/commune.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def hamlet_rename(request: HttpRequest, code: str) -> HttpResponse:
    hamlet = selectors.access_hamlet_for_unit_pages(request.user, code)
    commune = hamlet.parent
    assert commune is not None
    status = 200
    if request.method == "POST":
        form = HamletForm(request.POST, prefix=RENAME_PREFIX)
        if form.is_valid():
            try:
                renamed = services.hamlet_rename(actor=request.user, hamlet=hamlet, name=form.cleaned_data["name"],
                                                 kind=form.cleaned_data["kind"])
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if _is_htmx(request):
                    return render(request, "geo/_hamlets.html", _commune_context(request, commune))
                messages.success(request, _("Đã đổi tên thành %(name)s.") % {"name": renamed.name})
                return redirect("geo:commune", code=commune.code)
        status = 200 if _is_htmx(request) else 400
    else:
        form = HamletForm(prefix=RENAME_PREFIX, initial={"kind": hamlet.kind, "name": hamlet.short_name or hamlet.name})
    if _is_htmx(request):
        # The list is redrawn with this hamlet's row turned into its rename form.
        context = {**_commune_context(request, commune), "editing": hamlet, "rename_form": form}
        return render(request, "geo/_hamlets.html", context, status=status)
    return render(request, "geo/hamlet_rename.html", {"hamlet": hamlet, "commune": commune, "form": form},
                  status=status)
