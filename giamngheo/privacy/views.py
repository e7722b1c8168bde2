"""Pages of the data-subject request register: list, register, detail with assign/answer/refuse, and the answer's
JSON export and printable PDF reply. Thin: parse → access (selectors) → service → render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from giamngheo.accounts import scope
from giamngheo.privacy import selectors, services
from giamngheo.privacy.forms import AnswerForm, AssignForm, ListFilterForm, RefuseForm, RegisterForm
from giamngheo.privacy.models import DataRequest
from giamngheo.privacy.pdf import reply_pdf
from giamngheo.reviews.views.common import attempt

PAGE_SIZE = 50


def _handler(request: HttpRequest) -> Any:
    if not selectors.may_handle_requests(request.user):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    return request.user


def _unit_choices(user: Any) -> list[tuple[int, str]]:
    return [(u.pk, u.name) for u in selectors.handler_units(user)[:500]]


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    user = _handler(request)
    units = _unit_choices(user)
    form = ListFilterForm(request.GET, units=units)
    page = None
    if form.is_valid():
        data = form.cleaned_data
        unit_path = ""
        if data["unit"] is not None:
            unit = selectors.handler_units(user).filter(pk=data["unit"]).first()
            unit_path = unit.path if unit is not None else ""
        rows = selectors.data_request_list(user=user, status=data["status"], kind=data["kind"], unit_path=unit_path,
                                           overdue=data["overdue"])
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "privacy/requests.html", {"form": form, "page": page, "now": timezone.now()})


@login_required
@require_http_methods(["GET", "POST"])
def request_register(request: HttpRequest) -> HttpResponse:
    user = _handler(request)
    form = RegisterForm(request.POST or None, units=_unit_choices(user),
                        initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = selectors.handler_units(user).filter(pk=data.pop("unit")).first()
        if unit is None:
            form.add_error("unit", _("Đơn vị này không có hoặc nằm ngoài phạm vi của bạn."))
        else:
            created = attempt(request, lambda: services.data_request_register(actor=user, unit=unit, **data), form)
            if created is not None:
                messages.success(request, _("Đã tiếp nhận yêu cầu; hạn trả lời: %(when)s.")
                                 % {"when": timezone.localtime(created.deadline).strftime("%d/%m/%Y %H:%M")})
                return redirect("privacy:detail", pk=created.pk)
    return render(request, "privacy/register.html", {"form": form}, status=422 if form.errors else 200)


def _detail_context(user: Any, data_request: DataRequest, **forms: Any) -> dict[str, Any]:
    candidates = selectors.assignee_candidates(user=user, request=data_request)
    show_id = scope.can_see_citizen_id(user, data_request.unit_path)
    export = data_request.export or {}
    return {
        "req": data_request,
        "citizen_id": data_request.citizen_id if show_id else scope.mask_citizen_id(data_request.citizen_id),
        "overdue": data_request.is_overdue(),
        "assign_form": forms.get("assign_form") or AssignForm(users=[(u.pk, u.get_username()) for u in candidates]),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "refuse_form": forms.get("refuse_form") or RefuseForm(),
        "export_counts": {"households": len(export.get("households", [])), "audit": len(export.get("audit", [])),
                          "reads": len(export.get("reads", []))},
    }


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = selectors.data_request_get(user=request.user, pk=pk)
    return render(request, "privacy/request.html", _detail_context(request.user, data_request))


@login_required
@require_POST
def request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    data_request = selectors.data_request_get(user=user, pk=pk)
    candidates = {u.pk: u for u in selectors.assignee_candidates(user=user, request=data_request)}
    form = AssignForm(request.POST, users=[(pk_, u.get_username()) for pk_, u in candidates.items()])
    if form.is_valid():
        assignee = candidates.get(form.cleaned_data["assignee"])
        if attempt(request, lambda: services.data_request_assign(actor=user, request=data_request,
                                                                 assignee=assignee), form) is not None:
            messages.success(request, _("Đã giao xử lý yêu cầu."))
            return redirect("privacy:detail", pk=pk)
    return render(request, "privacy/request.html", _detail_context(user, data_request, assign_form=form), status=422)


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    data_request = selectors.data_request_get(user=user, pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid() and attempt(request, lambda: services.data_request_answer(
            actor=user, request=data_request, answer_text=form.cleaned_data["answer_text"]), form) is not None:
        messages.success(request, _("Đã trả lời yêu cầu; tải tệp dữ liệu và in văn bản trả lời để gửi người yêu cầu."))
        return redirect("privacy:detail", pk=pk)
    return render(request, "privacy/request.html", _detail_context(user, data_request, answer_form=form), status=422)


@login_required
@require_POST
def request_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    data_request = selectors.data_request_get(user=user, pk=pk)
    form = RefuseForm(request.POST)
    if form.is_valid() and attempt(request, lambda: services.data_request_refuse(
            actor=user, request=data_request, reason=form.cleaned_data["refusal_reason"]), form) is not None:
        messages.success(request, _("Đã ghi nhận từ chối yêu cầu."))
        return redirect("privacy:detail", pk=pk)
    return render(request, "privacy/request.html", _detail_context(user, data_request, refuse_form=form), status=422)


def _answered(request: HttpRequest, pk: int) -> DataRequest:
    data_request = selectors.data_request_get(user=request.user, pk=pk)
    if data_request.export is None and not data_request.refusal_reason:
        raise Http404(_("Yêu cầu chưa được trả lời."))
    return data_request


@login_required
@require_GET
def request_export(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _answered(request, pk)
    if data_request.export is None:
        raise Http404(_("Yêu cầu chưa được trả lời."))
    services.data_request_export_downloaded(actor=request.user, request=data_request, file_format="json")
    body = json.dumps(data_request.export, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{data_request.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def request_reply(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _answered(request, pk)
    if data_request.export is not None:
        services.data_request_export_downloaded(actor=request.user, request=data_request, file_format="pdf")
    response = HttpResponse(reply_pdf(request=data_request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tra-loi-du-lieu-ca-nhan-{data_request.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
