"""A household's ledger year by year, and the commune approver's two ledger writes: correcting an entry
(a new entry naming the wrong one) and taking a household off the lists (moved away, dissolved, died)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows
from giamngheo.reviews import selectors, services
from giamngheo.reviews.forms import HouseholdRemoveForm, LedgerCorrectForm
from giamngheo.reviews.views.common import attempt, cleaned
from giamngheo.reviews.views.once import once


def _approver_only(request: HttpRequest, unit_path: str) -> None:
    # Seeing the ledger is not enough to write it; like every refusal of scope, the answer is 404.
    if not allows(request.user, Perm.REVIEW_APPROVE, unit_path):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))


@login_required
@require_GET
def household_ledger(request: HttpRequest, code: str) -> HttpResponse:
    household = selectors.household_for_ledger(user=request.user, code=code)
    rows = selectors.ledger_history(user=request.user, household_id=household.pk)
    series: dict[str, list[selectors.HistoryRow]] = {}
    for row in rows:
        series.setdefault(row.entry.series, []).append(row)
    return render(request, "reviews/household_ledger.html", {
        "household": household,
        "series": [(name, _("Chuẩn quốc gia") if name == "national" else _("Chuẩn của địa phương"), items)
                   for name, items in series.items()],
        "can_approve": allows(request.user, Perm.REVIEW_APPROVE, household.unit_path),
    })


@login_required
@require_http_methods(["GET", "POST"])
@once
def ledger_correct(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.ledger_entry_get(user=request.user, pk=pk)
    _approver_only(request, entry.unit_path)
    form = LedgerCorrectForm(request.POST or None, initial={"klass": entry.klass})
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        correction = attempt(request, lambda: services.review_ledger_correct(
            actor=request.user, entry=entry, klass=data["klass"], reason=data["reason"]), form)
        if correction is not None:
            messages.success(request, _("Đã ghi đính chính; mục cũ được giữ lại và không còn được tính."))
            return redirect("reviews:household_ledger", code=entry.household.code)
    return render(request, "reviews/ledger_correct.html", {"entry": entry, "form": form},
                  status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@once
def household_remove(request: HttpRequest, code: str) -> HttpResponse:
    household = selectors.household_for_ledger(user=request.user, code=code)
    _approver_only(request, household.unit_path)
    form = HouseholdRemoveForm(request.POST or None, initial={"effective_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        created = attempt(request, lambda: services.review_household_remove(
            actor=request.user, household=household, effective_on=data["effective_on"], reason=data["reason"]), form)
        if created is not None:
            messages.success(request, _("Đã đưa hộ ra khỏi danh sách; hộ được tính là “đưa ra khỏi danh sách”, "
                                        "không tính là thoát nghèo."))
            return redirect("reviews:household_ledger", code=household.code)
    return render(request, "reviews/household_remove.html", {"household": household, "form": form},
                  status=422 if form.errors else 200)
