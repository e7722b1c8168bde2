"""Form 01 / Form 04 requests of the regular review: list with deadlines, filing, deciding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for, scope_queryset
from giamngheo.households.models import Household
from giamngheo.reviews import selectors, services
from giamngheo.reviews.forms import RequestDecideForm, RequestFileForm
from giamngheo.reviews.models import Certificate
from giamngheo.reviews.views.common import attempt, cleaned
from giamngheo.reviews.views.once import once


@login_required
@require_http_methods(["GET", "POST"])
@once
def request_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = RequestFileForm(request.POST or None, initial={"received_on": today})
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        household = scope_queryset(Household.objects.filter(deleted_at__isnull=True), request.user,
                                   Perm.REVIEW_MANAGE).filter(code=data["household"].strip()).first()
        if household is None:
            form.add_error("household", _("Không tìm thấy hộ mã %(code)s trong địa bàn bạn được giao.")
                           % {"code": data["household"]})
        else:
            filed = attempt(request, lambda: services.review_request_file(
                actor=request.user, household=household, form=data["form"], received_on=data["received_on"],
                channel=data["channel"], applicant_name=data["applicant_name"], content=data["content"]), form)
            if filed is not None:
                messages.success(request, _("Đã tiếp nhận đơn; hạn quyết định: %(date)s.")
                                 % {"date": filed.deadline.strftime("%d/%m/%Y")})
                return redirect("reviews:request", pk=filed.pk)
    status = request.GET.get("status") or ""
    rows = selectors.request_list(user=request.user, status=status or None)[:200]
    return render(request, "reviews/requests.html", {
        "form": form, "rows": rows, "today": today, "status": status,
        "can_file": bool(paths_for(request.user, Perm.REVIEW_MANAGE)),
    }, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@once
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    regular = selectors.request_get(user=request.user, pk=pk)
    form = RequestDecideForm(request.POST or None, initial={"decided_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        decided = attempt(request, lambda: services.review_request_decide(
            actor=request.user, request=regular, recognise=data["recognise"], decided_on=data["decided_on"],
            number=data["number"], signer_name=data["signer_name"], signer_title=data["signer_title"],
            refusal_reason=data["refusal_reason"]), form)
        if decided is not None:
            messages.success(request, _("Đã ghi quyết định cho đơn."))
            return redirect("reviews:request", pk=regular.pk)
    case = regular.cases.select_related("cycle").order_by("-pk").first()
    return render(request, "reviews/request.html", {
        "req": regular, "case": case, "form": form, "today": timezone.localdate(),
        "can_decide": allows(request.user, Perm.REVIEW_APPROVE, regular.unit_path) and regular.status == "received",
        "certificate": Certificate.objects.filter(household=regular.household,
                                                  ledger_entry__decision=regular.decision).first()
        if regular.decision else None,
    }, status=422 if form.errors else 200)
