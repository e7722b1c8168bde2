"""The registry list: filters, diacritics-free search, keyset paging; and the hamlet options fragment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm
from giamngheo.geo.models import AdminUnit
from giamngheo.households import selectors
from giamngheo.households.templatetags.household_tags import class_label
from giamngheo.households.views.paging import keyset_page, small_int
from giamngheo.households.views.units import communes_for, hamlets_for

PAGE_SIZE = 50
CLASS_CODES = ("poor", "near_poor", "average", "none", "undetermined")


class ListFilterForm(forms.Form):
    """The list's query string. A value that is not offered (another commune's id) is simply dropped."""

    commune = forms.ModelChoiceField(label=_("Xã/phường"), queryset=AdminUnit.objects.none(), required=False,
                                     empty_label=_("Tất cả xã/phường"))
    hamlet = forms.ModelChoiceField(label=_("Thôn/ấp"), queryset=AdminUnit.objects.none(), required=False,
                                    empty_label=_("Tất cả thôn/ấp"))
    klass = forms.ChoiceField(label=_("Phân loại"), required=False)
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=100)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        communes = communes_for(user, Perm.HOUSEHOLD_VIEW)
        commune_field: Any = self.fields["commune"]
        commune_field.queryset = communes
        commune_field.widget.attrs.update({
            "hx-get": reverse("households:hamlet_options") + "?purpose=filter",
            "hx-target": "#id_hamlet", "hx-include": "this", "hx-swap": "innerHTML",
        })
        raw = data.get("commune")
        number = small_int(str(raw)) if raw else None
        commune = communes.filter(pk=number).first() if number is not None else None
        hamlet_field: Any = self.fields["hamlet"]
        hamlet_field.queryset = hamlets_for(user, Perm.HOUSEHOLD_VIEW, commune)
        klass_field: Any = self.fields["klass"]
        klass_field.choices = [("", _("Tất cả"))] + [(c, class_label(c)) for c in CLASS_CODES]
        # Only a user who sees citizen IDs somewhere may search by them (households.search).
        hint = (
            _("Tên, mã hộ hoặc số định danh — gõ không dấu cũng được")
            if scope.paths_for(user, Perm.CITIZEN_ID_VIEW) else _("Tên, mã hộ hoặc thôn/ấp — gõ không dấu cũng được")
        )
        self.fields["q"].widget.attrs.update({"placeholder": hint, "type": "search"})

    def value(self, name: str) -> Any:
        """The cleaned value, or None when the given one was not valid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        if name in self.errors:
            return None
        return self.cleaned_data.get(name) or None


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scope.paths_for(user, Perm.HOUSEHOLD_VIEW):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    filters = ListFilterForm(request.GET, user=user)
    commune, hamlet = filters.value("commune"), filters.value("hamlet")
    households = selectors.household_list(
        user=user,
        commune_code=commune.code if commune else None,
        hamlet_id=hamlet.pk if hamlet else None,
        q=filters.value("q"),
        klass=filters.value("klass"),
    ).select_related("commune", "hamlet")
    total = households.count()
    start = request.GET.get("start", "")
    page = keyset_page(
        households,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        start=small_int(start, digits=9) or 1,
        size=PAGE_SIZE,
    )
    context = {
        "filters": filters,
        "page": page,
        "total": total,
        "end": page.start + len(page.rows) - 1,
        "next_start": page.start + len(page.rows),
        "filtered": any(filters.value(name) for name in ("commune", "hamlet", "klass", "q")),
        "can_create": bool(scope.paths_for(user, Perm.HOUSEHOLD_EDIT)),
    }
    template = "households/partials/list_results.html" if request.htmx else "households/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_GET
def hamlet_options(request: HttpRequest) -> HttpResponse:
    """``<option>``s of the chosen commune's hamlets in the user's scope, for the filter (``purpose=filter``)
    or the household form (``purpose=edit``: hamlets where the user may enter households)."""
    purpose = request.GET.get("purpose", "filter")
    perm = Perm.HOUSEHOLD_EDIT if purpose == "edit" else Perm.HOUSEHOLD_VIEW
    raw = request.GET.get("commune", "")
    commune = None
    if raw:
        number = small_int(raw)
        commune = communes_for(request.user, perm).filter(pk=number).first() if number is not None else None
        if commune is None:
            raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    blank = _("Tất cả thôn/ấp") if purpose == "filter" else _("— Không ghi thôn/ấp —")
    return render(request, "households/partials/hamlet_options.html", {
        "blank": blank,
        "hamlets": hamlets_for(request.user, perm, commune),
    })
