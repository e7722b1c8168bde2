"""Pages: support given (``/ho-tro/``), the programme catalogue (``/ho-tro/chuong-trinh/``) and the forms of a
household's support, assignments and escape registrations (``/ho/<code>/ho-tro/…``, ``views.records_household``).
This module collects their routes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.core.formatting import format_money, format_number
from giamngheo.geo.models import AdminUnit, UnitLevel
from giamngheo.households.views.paging import keyset_page, small_int
from giamngheo.households.views.units import communes_for
from giamngheo.reviews.views.common import attempt
from giamngheo.reviews.views.once import once
from giamngheo.support.forms.records import ProgrammeForm, RecordFilterForm
from giamngheo.support.models import HelperType, Programme, ProviderType
from giamngheo.support.selectors.records import (
    not_found,
    programmes_for_user,
    support_kinds_for,
    support_outputs,
    support_record_list,
)
from giamngheo.support.services.programmes import (
    PROGRAMME_FIELDS,
    may_manage_programmes,
    programme_create,
    programme_update,
)
from giamngheo.support.views import records_household as household_views

PAGE_SIZE = 50


def _units(user: Any) -> list[AdminUnit]:
    """The units a user may narrow the page to: the provinces they hold a grant on, and their communes."""
    paths = paths_for(user, Perm.SUPPORT_VIEW)
    provinces = list(AdminUnit.objects.filter(level=UnitLevel.PROVINCE, path__in=paths).order_by("name"))
    if paths == ["/"]:
        provinces = list(AdminUnit.objects.filter(level=UnitLevel.PROVINCE, valid_to__isnull=True).order_by("name"))
    communes = list(communes_for(user, Perm.SUPPORT_VIEW, current_only=True)[:1000])
    return provinces + communes


def present_record(record: Any) -> Any:
    """Numbers as the officer reads them (1.234; 30 triệu đồng), set on the row for the template."""
    record.amount_text = format_money(record.amount) if record.amount is not None else ""
    record.outstanding_text = format_money(record.loan_outstanding) if record.loan_outstanding is not None else ""
    record.quantity_text = format_number(record.quantity) if record.quantity is not None else ""
    return record


def _present_outputs(outputs: Any) -> None:
    helper_labels = dict(HelperType.choices)
    for row in outputs.kinds:
        row["records_text"] = format_number(row["records"])
        row["households_text"] = format_number(row["households"])
        row["quantity_text"] = format_number(row["quantity"]) if row["quantity"] is not None else "–"
        row["amount_text"] = format_money(row["amount"]) if row["amount"] else "–"
    totals = outputs.totals
    totals["records_text"] = format_number(totals["records"] or 0)
    totals["households_text"] = format_number(totals["households"] or 0)
    totals["amount_text"] = format_money(totals["amount"]) if totals["amount"] else "–"
    for row in outputs.helpers:
        row["label"] = helper_labels.get(row["helper_type"], row["helper_type"])
        for key in ("assignments", "helpers", "households"):
            row[f"{key}_text"] = format_number(row[key])
    outputs.helper_totals["assignments_text"] = format_number(outputs.helper_totals["assignments"] or 0)
    outputs.helper_totals["households_text"] = format_number(outputs.helper_totals["households"] or 0)


@login_required
@require_GET
def support_index(request: HttpRequest) -> HttpResponse:
    """Support given in the user's scope: the outputs of the chosen unit and year (figure 11), then the
    records themselves, filtered, a page at a time."""
    user = request.user
    units = _units(user)
    by_pk = {str(u.pk): u for u in units}
    kinds = support_kinds_for(unit_path="", active_only=False)
    programmes = programmes_for_user(user=user, active_only=False)
    filters = RecordFilterForm(request.GET or None, kinds=kinds, programmes=programmes,
                               units=[(str(u.pk), u.name) for u in units])
    data: dict[str, Any] = {}
    if filters.is_bound:
        filters.is_valid()
        data = dict(getattr(filters, "cleaned_data", {}))
    year = data.get("year") or timezone.localdate().year
    unit = by_pk.get(str(data.get("unit") or ""))
    unit_path = unit.path if unit is not None else ""
    outputs = support_outputs(user=user, year=year, unit_path=unit_path)
    _present_outputs(outputs)
    records = support_record_list(user=user, year=year, kind=data.get("kind"), programme=data.get("programme"),
                                  unit_path=unit_path or None, provider_type=data.get("provider_type") or None)
    page = keyset_page(records, after=request.GET.get("after"), before=request.GET.get("before"),
                       start=small_int(request.GET.get("start", ""), digits=9) or 1, size=PAGE_SIZE)
    rows = [present_record(r) for r in page.rows]
    return render(request, "support/records/index.html", {
        "filters": filters, "year": year, "unit": unit, "outputs": outputs, "page": page, "rows": rows,
        "next_start": page.start + len(page.rows), "end": page.start + len(page.rows) - 1,
        "provider_labels": dict(ProviderType.choices),
        "lists": _list_links(year, unit),
        "export_query": _export_query(request),
    })


# The follow-up lists (views.lists, by another part of issue 8) and the export (imports.views.support) take the
# same ``year`` and ``unit`` (a unit's id); linked by path so this page does not depend on their route names.
LISTS = (
    ("chua-ho-tro", gettext_lazy("Hộ nghèo, cận nghèo chưa được hỗ trợ")),
    ("nhu-cau-chua-dap-ung", gettext_lazy("Hộ có nhu cầu hỗ trợ chưa được đáp ứng")),
    ("phan-cong-qua-han", gettext_lazy("Phân công giúp đỡ quá hạn")),
    ("da-thoat-ngheo", gettext_lazy("Hộ đã thoát nghèo, thoát cận nghèo")),
)


def _list_links(year: int, unit: AdminUnit | None) -> list[tuple[str, str]]:
    query = urlencode({"year": year, **({"unit": unit.pk} if unit is not None else {})})
    return [(f"/ho-tro/danh-sach/{slug}/?{query}", str(title)) for slug, title in LISTS]


def _export_query(request: HttpRequest) -> str:
    kept = {k: v[:20] for k, v in request.GET.items() if k in ("year", "unit", "kind", "programme", "provider_type")}
    return urlencode(kept)


# --- the programme catalogue ----------------------------------------------------------------------------------


def _tree(programmes: list[Programme]) -> list[tuple[Programme, int]]:
    """Programmes in catalogue order with their depth, children under their parent."""
    children: dict[int | None, list[Programme]] = {}
    ids = {p.pk for p in programmes}
    for programme in programmes:
        parent = programme.parent_id if programme.parent_id in ids else None
        children.setdefault(parent, []).append(programme)
    ordered: list[tuple[Programme, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for programme in children.get(parent, []):
            ordered.append((programme, depth))
            if depth < 10:
                walk(programme.pk, depth + 1)

    walk(None, 0)
    return ordered


def _managed_provinces(user: Any) -> list[AdminUnit]:
    paths = set(paths_for(user, Perm.TARGET_MANAGE)) | set(paths_for(user, Perm.RESOURCE_MANAGE))
    qs = AdminUnit.objects.filter(level=UnitLevel.PROVINCE)
    qs = qs.filter(path__in=paths) if "/" not in paths else qs.filter(valid_to__isnull=True)
    return [p for p in qs.order_by("name")[:100] if may_manage_programmes(user, p)]


@login_required
@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    """National programmes (read-only) and the user's provinces' own."""
    programmes = list(programmes_for_user(user=request.user, active_only=False))
    managed = _managed_provinces(request.user)
    return render(request, "support/records/programmes.html", {
        "national": _tree([p for p in programmes if p.province_id is None]),
        "own": _tree([p for p in programmes if p.province_id is not None]),
        "managed": managed,
        "managed_paths": {p.path for p in managed},
    })


def _province(request: HttpRequest, code: str) -> AdminUnit:
    province = get_object_or_404(AdminUnit, level=UnitLevel.PROVINCE, code=code[:20], valid_to__isnull=True)
    if not may_manage_programmes(request.user, province):
        raise not_found()
    return province


@login_required
@require_http_methods(["GET", "POST"])
@once
def programme_add(request: HttpRequest, code: str) -> HttpResponse:
    province = _province(request, code)
    form = ProgrammeForm(request.POST or None, province_path=province.path)
    if request.method == "POST" and form.is_valid():
        created = attempt(request, lambda: programme_create(actor=request.user, province=province, **form.values()),
                          form)
        if created is not None:
            messages.success(request, _("Đã thêm chương trình «%(name)s».") % {"name": created.name})
            return redirect("support:programmes")
    return render(request, "support/records/programme_form.html", {
        "form": form, "province": province, "title": _("Thêm chương trình, dự án của tỉnh"),
    }, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = Programme.objects.filter(pk=pk, province__isnull=False).select_related("province").first()
    if programme is None or programme.province is None or not may_manage_programmes(request.user,
                                                                                     programme.province):
        raise not_found()
    province = programme.province
    initial = {f: getattr(programme, f) for f in PROGRAMME_FIELDS}
    initial["parent"] = programme.parent_id
    form = ProgrammeForm(request.POST or None, province_path=province.path, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = attempt(request, lambda: programme_update(actor=request.user, programme=programme, **form.values()),
                        form)
        if saved is not None:
            messages.success(request, _("Đã sửa chương trình «%(name)s».") % {"name": saved.name})
            return redirect("support:programmes")
    return render(request, "support/records/programme_form.html", {
        "form": form, "province": province, "title": _("Sửa chương trình, dự án của tỉnh"),
    }, status=422 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("ho-tro/", support_index, name="index"),
    path("ho-tro/chuong-trinh/", programme_list, name="programmes"),
    path("ho-tro/chuong-trinh/them/<str:code>/", programme_add, name="programme_add"),
    path("ho-tro/chuong-trinh/<int:pk>/sua/", programme_edit, name="programme_edit"),
    path("ho/<str:code>/ho-tro/them/", household_views.record_add, name="record_add"),
    path("ho/<str:code>/ho-tro/<int:pk>/sua/", household_views.record_edit, name="record_edit"),
    path("ho/<str:code>/ho-tro/<int:pk>/xoa/", household_views.record_delete, name="record_delete"),
    path("ho/<str:code>/phan-cong/them/", household_views.assignment_add, name="assignment_add"),
    path("ho/<str:code>/phan-cong/<int:pk>/sua/", household_views.assignment_edit, name="assignment_edit"),
    path("ho/<str:code>/phan-cong/<int:pk>/ket-thuc/", household_views.assignment_end, name="assignment_end"),
    path("ho/<str:code>/phan-cong/<int:pk>/xoa/", household_views.assignment_delete, name="assignment_delete"),
    path("ho/<str:code>/dang-ky-thoat-ngheo/them/", household_views.registration_add, name="registration_add"),
    path("ho/<str:code>/dang-ky-thoat-ngheo/<int:pk>/sua/", household_views.registration_edit,
         name="registration_edit"),
    path("ho/<str:code>/dang-ky-thoat-ngheo/<int:pk>/xoa/", household_views.registration_delete,
         name="registration_delete"),
]
