"""Pages: fund campaigns (list, detail with pledges, receipts and progress against the goal day by day; create,
edit, delete) and their pledges (add, edit, delete)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for
from giamngheo.core.errors import ApplicationError, ConcurrentEditError
from giamngheo.core.form_errors import apply_error
from giamngheo.core.formatting import format_date, format_percent
from giamngheo.reviews.views.once import once
from giamngheo.support.forms.resources import CampaignForm, PledgeForm, VersionForm
from giamngheo.support.models import Campaign, Pledge, ProviderType
from giamngheo.support.selectors import resources as selectors
from giamngheo.support.services import resources as services
from giamngheo.support.views.resources_common import PAGE_SIZE, exact, money, page_number

TEMPLATES = "support/resources/"
CAMPAIGN_FIELDS = ("name", "source", "starts_on", "ends_on", "goal_amount", "note")
PLEDGE_FIELDS = ("donor_name", "donor_type", "amount", "pledged_on", "note")
MAX_RECEIPTS = 200


class CampaignFilterForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Năm"), required=False, min_value=services.FIRST_YEAR,
                              max_value=services.LAST_YEAR)


def _not_found() -> Http404:
    return Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))


def _share(part: int, whole: int | None) -> str:
    return format_percent(part / whole, 1) if whole else "–"


@login_required
@require_GET
def campaigns(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not paths_for(user, Perm.SUPPORT_VIEW):
        raise _not_found()
    filters = CampaignFilterForm(request.GET)
    year = filters.cleaned_data.get("year") if filters.is_valid() else None
    page = Paginator(selectors.campaign_list(user=user, year=year), PAGE_SIZE) \
        .get_page(page_number(request.GET.get("page")))
    rows = [{"campaign": c, "dates": f"{format_date(c.starts_on)} – {format_date(c.ends_on)}",
             "goal": money(c.goal_amount), "pledged": money(c.pledged),  # type: ignore[attr-defined]
             "received": money(c.received), "share": _share(c.received, c.goal_amount)}  # type: ignore[attr-defined]
            for c in page.object_list]
    return render(request, TEMPLATES + "campaigns.html", {
        "filters": filters, "page": page, "rows": rows, "year": year or "",
        "can_manage": bool(paths_for(user, Perm.RESOURCE_MANAGE)),
    })


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(user=user, pk=pk)
    progress = selectors.campaign_progress(campaign=campaign)
    receipts = selectors.resource_entry_list(user=user, campaign=campaign)[:MAX_RECEIPTS]
    return render(request, TEMPLATES + "campaign.html", {
        "campaign": campaign, "dates": f"{format_date(campaign.starts_on)} – {format_date(campaign.ends_on)}",
        "can_manage": allows(user, Perm.RESOURCE_MANAGE, campaign.unit_path),
        "figures": {
            "goal": money(progress.goal), "goal_exact": exact(progress.goal), "pledged": money(progress.pledged),
            "pledged_exact": exact(progress.pledged), "received": money(progress.received),
            "received_exact": exact(progress.received), "on_pledges": exact(progress.received_on_pledges),
            "without_pledge": exact(progress.received_without_pledge), "outstanding": exact(progress.outstanding),
            "in_period": exact(progress.received_in_period),
            "share": format_percent(float(progress.share_of_goal), 1) if progress.share_of_goal is not None else "–",
            "bar": min(int((progress.share_of_goal or 0) * 100), 100),
        },
        "pledges": [{"pledge": row.pledge, "type": ProviderType(row.pledge.donor_type).label
                     if row.pledge.donor_type in ProviderType.values else row.pledge.donor_type,
                     "amount": exact(row.pledge.amount), "received": exact(row.received),
                     "outstanding": exact(row.outstanding), "over": row.over, "on": format_date(row.pledge.pledged_on)}
                    for row in progress.pledges],
        "days": [{"on": format_date(d.on), "received": exact(d.received), "cumulative": exact(d.cumulative),
                  "share": format_percent(float(d.share_of_goal), 1) if d.share_of_goal is not None else "–",
                  "in_period": campaign.starts_on <= d.on <= campaign.ends_on} for d in progress.days],
        "receipts": [{"entry": e, "on": format_date(e.on), "amount": exact(e.amount)} for e in receipts],
    })


@login_required
@require_http_methods(["GET", "POST"])
@once
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = selectors.resource_units(user=user, perm=Perm.RESOURCE_MANAGE)
    if not paths_for(user, Perm.RESOURCE_MANAGE):
        raise _not_found()
    if request.method == "POST":
        form = CampaignForm(request.POST, units=units)
        if form.is_valid():
            try:
                campaign = services.campaign_create(actor=user, **form.cleaned_data)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã tạo đợt vận động «%(name)s».") % {"name": campaign.name})
                return redirect("support:campaign_detail", pk=campaign.pk)
    else:
        year = timezone.localdate().year
        form = CampaignForm(units=units, initial={
            "name": _("Tháng cao điểm «Vì người nghèo» năm %(year)s") % {"year": year},
            "starts_on": timezone.localdate().replace(month=10, day=17),
            "ends_on": timezone.localdate().replace(month=11, day=18)})
    return render(request, TEMPLATES + "form.html", {
        "form": form, "title": _("Tạo đợt vận động"), "cancel": reverse("support:campaigns")})


def _conflict_rows(campaign: Campaign) -> list[tuple[str, str]]:
    return [(_("Tên đợt vận động"), campaign.name), (_("Từ ngày"), format_date(campaign.starts_on)),
            (_("Đến ngày"), format_date(campaign.ends_on)), (_("Chỉ tiêu vận động"), exact(campaign.goal_amount))]


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
    units = selectors.resource_units(user=user, perm=Perm.RESOURCE_MANAGE)
    state = VersionForm(initial={"version": campaign.version})
    conflict: list[tuple[str, str]] | None = None
    if request.method == "POST":
        form = CampaignForm(request.POST, units=units, unit_locked=True)
        posted = VersionForm(request.POST)
        if not posted.is_valid():
            form.is_valid()
            form.add_error(None, _("Phiếu thiếu thông tin phiên bản; hãy mở lại trang sửa rồi nhập lại."))
        elif form.is_valid():
            try:
                services.campaign_update(actor=user, campaign=campaign, expected_version=posted.cleaned_data["version"],
                                         **{name: form.cleaned_data[name] for name in CAMPAIGN_FIELDS})
            except ConcurrentEditError as exc:
                campaign = selectors.campaign_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
                form.add_error(None, exc.message)
                conflict, state = _conflict_rows(campaign), VersionForm(initial={"version": campaign.version})
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã lưu thay đổi."))
                return redirect("support:campaign_detail", pk=campaign.pk)
    else:
        form = CampaignForm(units=units, unit_locked=True,
                            initial={name: getattr(campaign, name) for name in CAMPAIGN_FIELDS})
    return render(request, TEMPLATES + "form.html", {
        "form": form, "state": state, "conflict": conflict, "unit": campaign.unit, "title": _("Sửa đợt vận động"),
        "cancel": reverse("support:campaign_detail", args=[campaign.pk])}, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
    if request.method == "POST":
        state = VersionForm(request.POST)
        try:
            services.campaign_delete(actor=user, campaign=campaign,
                                     expected_version=state.cleaned_data["version"] if state.is_valid() else None)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("support:campaign_detail", pk=campaign.pk)
        messages.success(request, _("Đã xoá đợt vận động."))
        return redirect("support:campaigns")
    return render(request, TEMPLATES + "delete.html", {
        "title": _("Xoá đợt vận động?"), "what": campaign.name, "details": _conflict_rows(campaign),
        "state": VersionForm(initial={"version": campaign.version}),
        "cancel": reverse("support:campaign_detail", args=[campaign.pk])})


# -------------------------------------------------------------------------------------------------- pledges


@login_required
@require_http_methods(["GET", "POST"])
@once
def pledge_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
    if request.method == "POST":
        form = PledgeForm(request.POST)
        if form.is_valid():
            try:
                services.pledge_create(actor=user, campaign=campaign, **form.cleaned_data)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã ghi đăng ký ủng hộ."))
                return redirect("support:campaign_detail", pk=campaign.pk)
    else:
        form = PledgeForm(initial={"pledged_on": timezone.localdate()})
    return render(request, TEMPLATES + "form.html", {
        "form": form, "title": _("Ghi đăng ký ủng hộ · %(name)s") % {"name": campaign.name},
        "cancel": reverse("support:campaign_detail", args=[campaign.pk])})


def _pledge_rows(pledge: Pledge) -> list[tuple[str, str]]:
    return [(_("Đơn vị, cá nhân ủng hộ"), pledge.donor_name), (_("Số tiền đăng ký"), exact(pledge.amount)),
            (_("Ngày đăng ký"), format_date(pledge.pledged_on))]


@login_required
@require_http_methods(["GET", "POST"])
def pledge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    pledge = selectors.pledge_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
    state = VersionForm(initial={"version": pledge.version})
    conflict: list[tuple[str, str]] | None = None
    if request.method == "POST":
        form = PledgeForm(request.POST)
        posted = VersionForm(request.POST)
        if not posted.is_valid():
            form.is_valid()
            form.add_error(None, _("Phiếu thiếu thông tin phiên bản; hãy mở lại trang sửa rồi nhập lại."))
        elif form.is_valid():
            try:
                services.pledge_update(actor=user, pledge=pledge, expected_version=posted.cleaned_data["version"],
                                       **{name: form.cleaned_data[name] for name in PLEDGE_FIELDS})
            except ConcurrentEditError as exc:
                pledge = selectors.pledge_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
                form.add_error(None, exc.message)
                conflict, state = _pledge_rows(pledge), VersionForm(initial={"version": pledge.version})
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã lưu thay đổi."))
                return redirect("support:campaign_detail", pk=pledge.campaign_id)
    else:
        form = PledgeForm(initial={name: getattr(pledge, name) for name in PLEDGE_FIELDS})
    return render(request, TEMPLATES + "form.html", {
        "form": form, "state": state, "conflict": conflict, "title": _("Sửa đăng ký ủng hộ"),
        "cancel": reverse("support:campaign_detail", args=[pledge.campaign_id])}, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def pledge_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    pledge = selectors.pledge_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
    if request.method == "POST":
        state = VersionForm(request.POST)
        try:
            services.pledge_delete(actor=user, pledge=pledge,
                                   expected_version=state.cleaned_data["version"] if state.is_valid() else None)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã xoá đăng ký ủng hộ."))
        return redirect("support:campaign_detail", pk=pledge.campaign_id)
    return render(request, TEMPLATES + "delete.html", {
        "title": _("Xoá đăng ký ủng hộ?"), "what": pledge.donor_name, "details": _pledge_rows(pledge),
        "state": VersionForm(initial={"version": pledge.version}),
        "cancel": reverse("support:campaign_detail", args=[pledge.campaign_id])})
