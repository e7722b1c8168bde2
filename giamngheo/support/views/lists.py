"""Pages: the four support lists (``/ho-tro/danh-sach/<slug>/``) with their filters, keyset pages and the Excel
export of a whole list; the home page ``/`` is ``views.home`` (wired in ``giamngheo/urls.py``)."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.exports import FORMATS
from giamngheo.geo.models import AdminUnit
from giamngheo.households.templatetags.household_tags import class_label
from giamngheo.households.views.paging import small_int
from giamngheo.households.views.units import communes_for
from giamngheo.support.list_export import TITLES, rule_text, support_list_export_write, support_list_file_name
from giamngheo.support.models import ExportKind, HelperType
from giamngheo.support.selectors import lists
from giamngheo.support.services import exports
from giamngheo.support.views import home

PAGE_SIZE = 50
NOT_FOUND = gettext_lazy("Không tìm thấy hoặc bạn không có quyền truy cập.")

class ListFilterForm(forms.Form):
    """The list's query string: year, a unit in the user's scope, a class. A bad value is an error naming the
    field, never a silently wider list."""

    year = forms.IntegerField(label=gettext_lazy("Năm"), min_value=lists.YEAR_MIN, max_value=lists.YEAR_MAX,
                              required=False)
    unit = forms.ModelChoiceField(label=gettext_lazy("Địa bàn"), queryset=AdminUnit.objects.none(),
                                  required=False, empty_label=gettext_lazy("Tất cả địa bàn của tôi"))
    klass = forms.ChoiceField(label=gettext_lazy("Phân loại"), required=False)

    def __init__(self, data: Any, *, user: Any, slug: str) -> None:
        super().__init__(data)
        self.slug = slug
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = units_for(user)
        unit_field.error_messages["invalid_choice"] = _(
            "Xã/phường đã chọn không có hoặc không thuộc địa bàn của bạn.")
        klass_field: Any = self.fields["klass"]
        if slug == lists.ESCAPED:
            klass_field.label = _("Thoát khỏi")
            klass_field.choices = [("", _("Hộ nghèo (thoát nghèo)")), ("near_poor", _("Hộ cận nghèo (thoát cận nghèo)"))]
        else:
            klass_field.choices = [("", _("Hộ nghèo và hộ cận nghèo")), ("poor", class_label("poor")),
                                   ("near_poor", class_label("near_poor"))]
        self.fields["year"].error_messages.update({
            "invalid": _("Năm phải là một số, ví dụ %(year)s.") % {"year": timezone.localdate().year},
            "min_value": _("Năm phải từ %(min)d đến %(max)d.") % {"min": lists.YEAR_MIN, "max": lists.YEAR_MAX},
            "max_value": _("Năm phải từ %(min)d đến %(max)d.") % {"min": lists.YEAR_MIN, "max": lists.YEAR_MAX},
        })
        self.fields["klass"].error_messages["invalid_choice"] = _("Phân loại đã chọn không có trong danh sách.")

    def clean_unit(self) -> AdminUnit | None:
        # A number too long for an id is "not one of the choices", not a database error.
        raw = self.data.get("unit")
        if raw and small_int(str(raw)) is None:
            raise forms.ValidationError(_("Xã/phường đã chọn không có hoặc không thuộc địa bàn của bạn."))
        unit: AdminUnit | None = self.cleaned_data.get("unit")
        return unit

    def clean_year(self) -> int:
        year: int | None = self.cleaned_data.get("year")
        year = year or timezone.localdate().year
        if self.slug == lists.ESCAPED and year <= lists.YEAR_MIN:
            raise forms.ValidationError(_("Năm phải từ %(min)d đến %(max)d.") % {"min": lists.YEAR_MIN + 1,
                                                                               "max": lists.YEAR_MAX})
        return year


def units_for(user: Any) -> Any:
    """The units a list may be narrowed to: the communes whose households' support the user may read, and the
    units of the user's own grants (a province officer's province, as the home page offers it)."""
    paths = [p for p in paths_for(user, Perm.SUPPORT_VIEW) if allows(user, Perm.HOUSEHOLD_VIEW, p)]
    allowed = [unit.pk for unit in communes_for(user, Perm.SUPPORT_VIEW)
               if allows(user, Perm.SUPPORT_VIEW, unit.path) and allows(user, Perm.HOUSEHOLD_VIEW, unit.path)]
    return AdminUnit.objects.filter(Q(pk__in=allowed) | Q(path__in=paths)).order_by("path")


def _slug_or_404(slug: str) -> str:
    if slug not in lists.SLUGS:
        raise Http404(NOT_FOUND)
    return slug


def _readable(user: Any) -> None:
    if not paths_for(user, Perm.SUPPORT_VIEW) or not paths_for(user, Perm.HOUSEHOLD_VIEW):
        raise Http404(NOT_FOUND)


def _filters(form: ListFilterForm) -> dict[str, Any]:
    data = form.cleaned_data
    unit = data.get("unit")
    return {"year": data["year"], "unit_path": unit.path if unit else None, "klass": data.get("klass") or None}


@login_required
@require_GET
def support_list(request: HttpRequest, slug: str) -> HttpResponse:
    slug = _slug_or_404(slug)
    user = request.user
    _readable(user)
    form = ListFilterForm(request.GET, user=user, slug=slug)
    form.fields["year"].widget.attrs["placeholder"] = str(timezone.localdate().year)
    context: dict[str, Any] = {"slug": slug, "title": TITLES[slug], "form": form, "tabs": list(TITLES.items()),
                               "page": None, "total": 0}
    if not form.is_valid():
        return render(request, "support/lists/list.html", context, status=400)
    filters = _filters(form)
    year = filters["year"]
    try:
        # The total is its own request (``support_list_count``, loaded by the page): a page of rows costs the same
        # at any depth, but counting a province's list reads every matching household (docs/performance.md).
        page = lists.list_page(slug, user=user, after=request.GET.get("after"), before=request.GET.get("before"),
                               start=small_int(request.GET.get("start", ""), digits=9) or 1, page_size=PAGE_SIZE,
                               with_total=False, **filters)
    except lists.ListParameterError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return render(request, "support/lists/list.html", context, status=400)
    context.update({
        "page": page, "year": year, "count_query": _count_query(form), "previous_year": year - 1,
        "years": [year - 2, year - 1, year],
        "rule": rule_text(slug, year),
        "end": page.start + len(page.rows) - 1, "next_start": page.start + len(page.rows),
        "helper_types": dict(HelperType.choices), "this_year": timezone.localdate().year,
    })
    return render(request, "support/lists/list.html", context)


def _count_query(form: ListFilterForm) -> str:
    data = form.cleaned_data
    query = {"year": data["year"], "unit": data["unit"].pk if data.get("unit") else "", "klass": data.get("klass")}
    return urlencode({key: value for key, value in query.items() if value})


@login_required
@require_GET
def support_list_count(request: HttpRequest, slug: str) -> HttpResponse:
    """The number of households of a list with the page's filters (a fragment the page and the home page load)."""
    slug = _slug_or_404(slug)
    user = request.user
    _readable(user)
    form = ListFilterForm(request.GET, user=user, slug=slug)
    if not form.is_valid():
        messages = "; ".join(str(m) for errors in form.errors.values() for m in errors)
        return HttpResponse(messages, status=400, content_type="text/plain; charset=utf-8")
    total = lists.list_count(slug, user=user, **_filters(form))
    return render(request, "support/lists/count.html", {"total": total, "bare": request.GET.get("bare") == "1"})


@login_required
@require_GET
def support_list_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The whole list the page shows (same filters) as an Excel workbook; the export is audited. A list longer
    than ``exports.IN_REQUEST_MAX`` is written by the worker: the user is sent to the job's progress page."""
    slug = _slug_or_404(slug)
    user = request.user
    _readable(user)
    if request.GET.get("format", "xlsx") != "xlsx":
        return HttpResponse(_("Chỉ xuất được tệp Excel (.xlsx)."), status=400, content_type="text/plain; charset=utf-8")
    form = ListFilterForm(request.GET, user=user, slug=slug)
    if not form.is_valid():
        messages = "; ".join(str(m) for errors in form.errors.values() for m in errors)
        return HttpResponse(messages, status=400, content_type="text/plain; charset=utf-8")
    filters = _filters(form)
    name = support_list_file_name(slug=slug, year=filters["year"])
    total = lists.list_count(slug, user=user, **filters)
    if total > exports.IN_REQUEST_MAX:
        job = exports.export_job_start(actor=user, kind=ExportKind.SUPPORT_LIST, parameters={"slug": slug, **filters},
                                       unit_path=filters["unit_path"] or user_home_path(user), rows_total=total,
                                       file_name=name)
        return redirect("support:export_job", public_id=job.public_id)
    out = io.BytesIO()
    support_list_export_write(actor=user, slug=slug, out=out, **filters)
    response = HttpResponse(out.getvalue(), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("ho-tro/danh-sach/<slug:slug>/", support_list, name="list"),
    path("ho-tro/danh-sach/<slug:slug>/so-ho/", support_list_count, name="list_count"),
    path("ho-tro/danh-sach/<slug:slug>/xuat/", support_list_export, name="list_export"),
    path("ho-tro/tong-quan/ho-ngheo-can-ngheo/", home.support_home_status, name="home_status"),
    path("ho-tro/tong-quan/chi-tieu/", home.support_home_targets, name="home_targets"),
]
