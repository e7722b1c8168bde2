"""Pages: the resources summary (by source, by level, reconciliation, entries), its Excel export, one entry
(record, show, edit, delete) and the spending page where an officer links the support records it paid for.
Parse → access (selectors, 404 outside the user's units) → service → render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for
from giamngheo.core.errors import ApplicationError, ConcurrentEditError
from giamngheo.core.form_errors import apply_error
from giamngheo.core.formatting import format_date, format_percent
from giamngheo.reviews.views.once import once
from giamngheo.support.forms.resources import (
    CandidateFilterForm,
    EntryFilterForm,
    EntryForm,
    SummaryForm,
    VersionForm,
)
from giamngheo.support.models import FlowDirection, ResourceEntry
from giamngheo.support.selectors import resources as selectors
from giamngheo.support.services import resources as services
from giamngheo.support.views.resources_common import (
    PAGE_SIZE,
    campaign_choices,
    exact,
    money,
    page_number,
    pledge_choices,
    programme_choices,
)
from giamngheo.support.views.resources_export import CONTENT_TYPE, resources_export

TEMPLATES = "support/resources/"
MAX_CANDIDATES = 100
ENTRY_FIELDS = ("direction", "source", "amount", "on", "description", "document", "programme", "campaign", "pledge")


def _not_found() -> Http404:
    return Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))


def _summary_form(request: HttpRequest) -> tuple[SummaryForm | None, Any]:
    """The summary's unit and period, defaulting to the user's highest unit and this year. A unit outside the
    user's scope answers 404, like every object."""
    units = selectors.resource_units(user=request.user)
    first = units.first()
    if first is None:
        return None, units
    data = request.GET.copy()
    if not data.get("unit"):
        data["unit"] = first.code
    elif data["unit"] != first.code and not units.filter(code=str(data["unit"])[:20]).exists():
        raise _not_found()
    if not data.get("year"):
        data["year"] = str(timezone.localdate().year)
    return SummaryForm(data, units=units), units


def _flow(flow: selectors.Flow) -> dict[str, Any]:
    return {"mobilised": money(flow.mobilised), "spent": money(flow.spent), "balance": money(flow.balance),
            "mobilised_exact": exact(flow.mobilised), "spent_exact": exact(flow.spent),
            "balance_exact": exact(flow.balance), "negative": flow.balance < 0}


def _entry_row(entry: ResourceEntry) -> dict[str, Any]:
    return {"entry": entry, "on": format_date(entry.on), "amount": money(entry.amount), "exact": exact(entry.amount),
            "direction": entry.get_direction_display(), "source": entry.get_source_display()}  # type: ignore[attr-defined]


@login_required
@require_GET
def resources(request: HttpRequest) -> HttpResponse:
    user = request.user
    form, _units = _summary_form(request)
    context: dict[str, Any] = {"form": form, "can_manage": bool(paths_for(user, Perm.RESOURCE_MANAGE))}
    if form is None or not form.is_valid():
        return render(request, TEMPLATES + "summary.html", context)
    data = form.cleaned_data
    unit = data["unit"]
    period = selectors.Period(year=data["year"], quarter=None if data["month"] else data["quarter"],
                              month=data["month"])
    summary = selectors.resource_summary(user=user, unit=unit, period=period)
    mismatches = selectors.resource_reconciliation(user=user, unit=unit, period=period, summary=summary)
    filters = EntryFilterForm(request.GET)
    entries = selectors.resource_entry_list(user=user, unit=unit, period=period, direction=filters.value("direction"),
                                            source=filters.value("source"))
    page = Paginator(entries, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    query = {"unit": unit.code, "year": period.year, "quarter": data["quarter"] or "", "month": data["month"] or ""}
    context.update({
        "summary": summary, "period": period,
        "sources": [{"label": row.label, "overspent": row.overspent, **_flow(row.flow)} for row in summary.by_source],
        "total": _flow(summary.total),
        "levels": [{"unit": row.unit, "own": row.own, **_flow(row.flow)} for row in summary.by_level],
        "levels_total": _flow(summary.levels_total),
        "mismatches": [{"label": selectors.kind_label(m.kind), "message": m.message, "link": _mismatch_link(m)}
                       for m in mismatches],
        "filters": filters, "page": page, "rows": [_entry_row(e) for e in page.object_list],
        "query": urlencode(query),
        "entries_query": urlencode({**query, "direction": filters.value("direction") or "",
                                    "source": filters.value("source") or ""}),
        "can_manage_unit": allows(user, Perm.RESOURCE_MANAGE, unit.path),
    })
    return render(request, TEMPLATES + "summary.html", context)


def _mismatch_link(mismatch: selectors.Mismatch) -> str:
    if mismatch.object_type == "resource_entry" and mismatch.object_id:
        return reverse("support:resource_links", args=[mismatch.object_id])
    if mismatch.object_type == "campaign" and mismatch.object_id:
        return reverse("support:campaign_detail", args=[mismatch.object_id])
    return ""


@login_required
@require_GET
def resources_export_view(request: HttpRequest) -> HttpResponse:
    form, _units = _summary_form(request)
    if form is None:
        raise _not_found()
    if not form.is_valid():
        return redirect(f"{reverse('support:resources')}?{request.GET.urlencode()}")
    data = form.cleaned_data
    period = selectors.Period(year=data["year"], quarter=None if data["month"] else data["quarter"],
                              month=data["month"])
    summary = selectors.resource_summary(user=request.user, unit=data["unit"], period=period)
    mismatches = selectors.resource_reconciliation(user=request.user, unit=data["unit"], period=period,
                                                   summary=summary)
    content = resources_export(actor=request.user, summary=summary, mismatches=mismatches)
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    suffix = f"-q{period.quarter}" if period.quarter else (f"-t{period.month}" if period.month else "")
    response["Content-Disposition"] = f'attachment; filename="nguon-luc-{summary.unit.code}-{period.year}{suffix}.xlsx"'
    return response


# ------------------------------------------------------------------------------------------------- entries


def _entry_form(request: HttpRequest, data: Any = None, *, initial: dict[str, Any] | None = None,
                unit_locked: bool = False) -> EntryForm:
    user = request.user
    return EntryForm(data, initial=initial, units=selectors.resource_units(user=user, perm=Perm.RESOURCE_MANAGE),
                     programmes=programme_choices(user), campaigns=campaign_choices(user),
                     pledges=pledge_choices(user), unit_locked=unit_locked)


@login_required
@require_http_methods(["GET", "POST"])
@once
def resource_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not paths_for(user, Perm.RESOURCE_MANAGE):
        raise _not_found()
    if request.method == "POST":
        form = _entry_form(request, request.POST)
        if form.is_valid():
            try:
                entry = services.resource_entry_create(actor=user, **form.cleaned_data)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã ghi khoản %(what)s %(amount)s.") % {
                    "what": entry.get_direction_display().lower(), "amount": exact(entry.amount)})  # type: ignore[attr-defined]
                return redirect("support:resource_detail", pk=entry.pk)
    else:
        initial: dict[str, Any] = {"on": timezone.localdate(), "direction": request.GET.get("direction", "")}
        campaign = request.GET.get("campaign", "")
        if campaign.isdigit() and len(campaign) < 19:
            initial["campaign"] = campaign_choices(user).filter(pk=int(campaign)).first()
        form = _entry_form(request, initial=initial)
    return render(request, TEMPLATES + "form.html", {
        "form": form, "title": _("Ghi nguồn lực huy động hoặc chi"), "cancel": reverse("support:resources")})


@login_required
@require_GET
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.resource_entry_get(user=request.user, pk=pk)
    context: dict[str, Any] = {"row": _entry_row(entry), "entry": entry,
                               "can_manage": allows(request.user, Perm.RESOURCE_MANAGE, entry.unit_path)}
    if entry.direction == FlowDirection.SPENT:
        links = selectors.spending_links(spending=entry)
        context["links"] = {"total": exact(links.linked_total), "count": links.linked_count,
                            "remaining": exact(links.remaining), "over": links.over}
    return render(request, TEMPLATES + "entry.html", context)


def _current_values(entry: ResourceEntry) -> list[tuple[str, str]]:
    row = _entry_row(entry)
    return [(_("Huy động hay chi"), row["direction"]), (_("Nguồn"), row["source"]), (_("Số tiền"), row["exact"]),
            (_("Ngày"), row["on"]), (_("Nội dung"), entry.description), (_("Chứng từ, văn bản"), entry.document)]


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = selectors.resource_entry_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
    conflict: list[tuple[str, str]] | None = None
    state = VersionForm(initial={"version": entry.version})
    if request.method == "POST":
        form = _entry_form(request, request.POST, unit_locked=True)
        posted = VersionForm(request.POST)
        if not posted.is_valid():
            form.is_valid()
            form.add_error(None, _("Phiếu thiếu thông tin phiên bản; hãy mở lại trang sửa rồi nhập lại."))
        elif form.is_valid():
            try:
                services.resource_entry_update(actor=user, entry=entry, expected_version=posted.cleaned_data["version"],
                                               **{name: form.cleaned_data[name] for name in ENTRY_FIELDS})
            except ConcurrentEditError as exc:
                # Nothing typed is lost: the form keeps the officer's values, the page shows what is stored now,
                # and saving again (with the new version) is the officer's explicit choice.
                entry = selectors.resource_entry_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
                form.add_error(None, exc.message)
                conflict = _current_values(entry)
                state = VersionForm(initial={"version": entry.version})
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Đã lưu thay đổi."))
                return redirect("support:resource_detail", pk=entry.pk)
    else:
        form = _entry_form(request, unit_locked=True, initial={
            name: getattr(entry, name) for name in ENTRY_FIELDS})
    return render(request, TEMPLATES + "form.html", {
        "form": form, "state": state, "conflict": conflict, "unit": entry.unit,
        "title": _("Sửa khoản nguồn lực"), "cancel": reverse("support:resource_detail", args=[entry.pk]),
    }, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = selectors.resource_entry_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
    if request.method == "POST":
        state = VersionForm(request.POST)
        try:
            services.resource_entry_delete(actor=user, entry=entry,
                                           expected_version=state.cleaned_data["version"] if state.is_valid() else None)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("support:resource_detail", pk=entry.pk)
        messages.success(request, _("Đã xoá khoản nguồn lực."))
        return redirect("support:resources")
    return render(request, TEMPLATES + "delete.html", {
        "title": _("Xoá khoản nguồn lực?"), "what": _entry_row(entry)["entry"],
        "details": _current_values(entry), "state": VersionForm(initial={"version": entry.version}),
        "cancel": reverse("support:resource_detail", args=[entry.pk]),
    })


# ------------------------------------------------------------------------------------------- spending links


def _record_row(record: Any) -> dict[str, Any]:
    return {"record": record, "given_on": format_date(record.given_on), "amount": exact(record.amount)}


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values[: services.MAX_LINKS + 1] if v.isascii() and v.isdigit() and len(v) < 19]


@login_required
@require_http_methods(["GET", "POST"])
def resource_links(request: HttpRequest, pk: int) -> HttpResponse:
    """The spending page: the support records it paid for (and their total against its amount), and the records
    it could still pay for, to tick and link."""
    user = request.user
    if request.method == "POST":
        spending = selectors.resource_entry_get(user=user, pk=pk, perm=Perm.RESOURCE_MANAGE)
        unlink = request.POST.get("action") == "unlink"
        ids = _ids(request.POST.getlist("record"))
        try:
            if unlink:
                count = services.spending_unlink_records(actor=user, spending=spending, record_ids=ids)
            else:
                count = services.spending_link_records(actor=user, spending=spending, record_ids=ids)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            text = _("Đã bỏ gắn %(count)s lượt hỗ trợ.") if unlink else _("Đã gắn %(count)s lượt hỗ trợ.")
            messages.success(request, text % {"count": count})
        return redirect(request.get_full_path())
    spending = selectors.resource_entry_get(user=user, pk=pk)
    if spending.direction != FlowDirection.SPENT:
        raise _not_found()
    links = selectors.spending_links(spending=spending)
    can_manage = allows(user, Perm.RESOURCE_MANAGE, spending.unit_path)
    filters = CandidateFilterForm(request.GET)
    candidates: list[Any] = []
    more = False
    if can_manage:
        found = list(selectors.spending_candidates(user=user, spending=spending, year=filters.value("year"),
                                                   q=filters.value("q") or "")[: MAX_CANDIDATES + 1])
        more, candidates = len(found) > MAX_CANDIDATES, found[:MAX_CANDIDATES]
    linked = selectors.spending_linked_records(user=user, spending=spending)[: services.MAX_LINKS]
    share = links.linked_total / spending.amount if spending.amount else None
    return render(request, TEMPLATES + "links.html", {
        "spending": spending, "row": _entry_row(spending), "can_manage": can_manage, "filters": filters,
        "linked": [_record_row(r) for r in linked], "candidates": [_record_row(r) for r in candidates],
        "more": more, "max_candidates": MAX_CANDIDATES,
        "totals": {"linked": exact(links.linked_total), "count": links.linked_count,
                   "remaining": exact(links.remaining), "over": links.over,
                   "share": format_percent(share, 1) if share is not None else "–"},
    })
