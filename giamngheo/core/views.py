"""The audit trail pages: the filterable list, its export, and one object's history (a fragment other pages
embed). Everything goes through ``core.selectors``, scoped by the reader's ``audit.view`` units."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from giamngheo.accounts import scope
from giamngheo.accounts.forms import unit_choice_label
from giamngheo.accounts.roles import Perm
from giamngheo.accounts.selectors import units_for_picker
from giamngheo.core.audit_display import EntryView, entry_view
from giamngheo.core.exports import FORMATS, MAX_EXPORT_ROWS, audit_export
from giamngheo.core.formatting import format_number
from giamngheo.core.forms import AuditFilterForm, ReadFilterForm
from giamngheo.core.models import AuditEntry
from giamngheo.core.selectors import (
    AuditFilter,
    ReadFilter,
    action_choices,
    audit_entries_for,
    object_history_for,
    object_type_choices,
    reads_for,
    unit_names_for,
)
from giamngheo.geo.models import AdminUnit

PAGE_SIZE = 50
HISTORY_SIZE = 50


def _reader(request: HttpRequest) -> Any:
    """The signed-in user, if they may read the trail of some unit; to anyone else the page does not exist."""
    if not scope.paths_for(request.user, Perm.AUDIT_VIEW):
        raise Http404
    return request.user


def _parse_filters(request: HttpRequest, user: Any) -> tuple[AuditFilterForm, AuditFilter | None]:
    """The filter form and what it asks for; ``None`` when the form has errors (nothing is listed then,
    rather than a list the user would take for the filtered one)."""
    picked: list[AdminUnit] = units_for_picker(user, Perm.AUDIT_VIEW)
    chosen = request.GET.get("unit", "")
    chosen_unit = None
    # At most an id's 19 digits: int() of thousands of digits fails, and the form refuses the value anyway.
    if chosen.isascii() and chosen.isdigit() and len(chosen) <= 19:
        chosen_unit = scope.scope_queryset(
            AdminUnit.objects.select_related("parent"), user, Perm.AUDIT_VIEW, field="path"
        ).filter(pk=int(chosen)).first()
        if chosen_unit is not None and chosen_unit not in picked:
            picked.insert(0, chosen_unit)  # keep the user's choice visible even beyond the first options
    form = AuditFilterForm(
        request.GET,
        actions=action_choices(),
        object_types=object_type_choices(user),
        units=[(u.pk, unit_choice_label(u)) for u in picked],
    )
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    if data["unit"] is not None and chosen_unit is None:
        form.add_error("unit", _("Đơn vị này không có hoặc nằm ngoài phạm vi của bạn."))
        return form, None
    filters = AuditFilter(
        date_from=data["date_from"],
        date_to=data["date_to"],
        actor=data["actor"],
        action=data["action"],
        object_type=data["object_type"],
        object_id=data["object_id"],
        unit_path=chosen_unit.path if chosen_unit is not None else "",
    )
    return form, filters


def _views(user: Any, entries: list[AuditEntry]) -> list[EntryView]:
    names = unit_names_for(user, {entry.unit_path for entry in entries})
    return [entry_view(entry, user, names) for entry in entries]


@login_required
@require_GET
def audit_list_view(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    form, filters = _parse_filters(request, user)
    page = None
    entries: list[EntryView] = []
    if filters is not None:
        paginator = Paginator(audit_entries_for(user, filters), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        entries = _views(user, list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("unit_q", None)
    context = {
        "form": form,
        "page": page,
        "entries": entries,
        "total": format_number(page.paginator.count) if page else "0",
        "export_query": query.urlencode(),
    }
    return render(request, "core/audit_list.html", context)


@login_required
@require_GET
def audit_export_view(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    file_format = request.GET.get("format", "xlsx")
    back = reverse("core:audit_list") + "?" + request.GET.urlencode()
    if file_format not in FORMATS:
        raise Http404
    form, filters = _parse_filters(request, user)
    if filters is None:
        messages.error(request, _("Bộ lọc chưa hợp lệ; hãy sửa bộ lọc rồi xuất lại."))
        return redirect(back)
    count = audit_entries_for(user, filters).count()
    if count > MAX_EXPORT_ROWS:
        messages.error(
            request,
            _("Có %(count)s dòng, nhiều hơn giới hạn %(max)s dòng mỗi lần xuất. Hãy thu hẹp bộ lọc (ví dụ theo ngày).")
            % {"count": format_number(count), "max": format_number(MAX_EXPORT_ROWS)},
        )
        return redirect(back)
    content = audit_export(actor=user, filters=filters, file_format=file_format)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-{stamp}.{file_format}"'
    return response


def object_history_context(user: Any, object_type: str, object_id: str) -> dict[str, Any]:
    """What ``core/_object_history.html`` needs; shared by the fragment view and the template tag."""
    allowed = bool(scope.paths_for(user, Perm.AUDIT_VIEW))
    entries = list(object_history_for(user, object_type, object_id)[: HISTORY_SIZE + 1]) if allowed else []
    return {
        "history_allowed": allowed,
        "history": _views(user, entries[:HISTORY_SIZE]),
        "history_more": len(entries) > HISTORY_SIZE,
        "history_list_url": reverse("core:audit_list") + "?" + urlencode(
            {"object_type": object_type, "object_id": object_id}
        ),
    }


@login_required
@require_GET
def object_history_view(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    user = _reader(request)
    return render(request, "core/_object_history.html", object_history_context(user, object_type, object_id))


@login_required
@require_GET
def audit_reads_view(request: HttpRequest) -> HttpResponse:
    """The "Lượt xem" tab: who read which household, when and how; filtered by household and by user."""
    from giamngheo.privacy.models import ReadChannel

    user = _reader(request)
    form = ReadFilterForm(request.GET, channels=[(value, str(label)) for value, label in ReadChannel.choices])
    page = None
    if form.is_valid():
        data = form.cleaned_data
        filters = ReadFilter(date_from=data["date_from"], date_to=data["date_to"], household=data["household"],
                             reader=data["reader"], channel=data["channel"])
        page = Paginator(reads_for(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    reads = list(page.object_list) if page else []
    names = unit_names_for(user, {r.unit_path for r in reads})
    return render(request, "core/audit_reads.html", {
        "form": form, "page": page, "rows": [{"read": r, "unit": names.get(r.unit_path, "")} for r in reads],
        "total": format_number(page.paginator.count) if page else "0",
    })
