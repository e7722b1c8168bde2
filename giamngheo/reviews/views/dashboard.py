"""The commune officer's review dashboard: cycles of their communes with counts per state, overdue
requests, and opening this year's periodic review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.geo.models import AdminUnit
from giamngheo.reviews import selectors, services
from giamngheo.reviews.forms import OpenCycleForm
from giamngheo.reviews.states import ORDER, CaseState
from giamngheo.reviews.views.common import attempt, cleaned
from giamngheo.reviews.views.once import once


def _managed_communes(user: object) -> object:
    paths = paths_for(user, Perm.REVIEW_MANAGE)
    if not paths:
        return AdminUnit.objects.none()
    where = Q()
    for path in paths:
        where |= Q(path__startswith=path)
    return AdminUnit.objects.filter(where, level="commune", generation="2025", valid_to__isnull=True).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
@once
def index(request: HttpRequest) -> HttpResponse:
    if not paths_for(request.user, Perm.REVIEW_VIEW):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    today = timezone.localdate()
    communes = _managed_communes(request.user)
    form = OpenCycleForm(request.POST or None, communes=communes, initial={"year": today.year})
    if request.method == "POST" and form.is_valid():
        data = cleaned(form)
        cycle = attempt(request, lambda: services.review_cycle_open(
            actor=request.user, commune=data["commune"], year=data["year"]), form)
        if cycle is not None:
            listed = cycle.cases.count()
            messages.success(request, ngettext("Đã mở đợt rà soát và lập danh sách %(count)d hộ.",
                                               "Đã mở đợt rà soát và lập danh sách %(count)d hộ.", listed)
                             % {"count": listed})
            return redirect("reviews:cycle", pk=cycle.pk)
    cycles = list(selectors.cycle_list(user=request.user)[:60])
    counts: dict[int, dict[str, int]] = {}
    rows = (selectors.case_list(user=request.user).filter(cycle__in=cycles).order_by()
            .values("cycle_id", "state").annotate(n=Count("id")))
    for row in rows:
        counts.setdefault(row["cycle_id"], {})[row["state"]] = row["n"]
    states = [(s.value, s.label) for s in ORDER]
    table = [
        {"cycle": c, "counts": [counts.get(c.pk, {}).get(s, 0) for s, _label in states],
         "total": sum(counts.get(c.pk, {}).values())}
        for c in cycles
    ]
    overdue = list(selectors.requests_overdue(user=request.user, today=today)[:50])
    pending = selectors.request_list(user=request.user, status="received").count()
    return render(request, "reviews/dashboard.html", {
        "table": table, "states": states, "overdue": overdue, "pending": pending, "form": form,
        "can_open": communes.exists(), "today": today,  # type: ignore[attr-defined]
        "open_state": CaseState.LISTED, "can_survey": bool(paths_for(request.user, Perm.REVIEW_SURVEY)),
    })


@login_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """Where a signed-in user starts: a hamlet surveyor on the households to survey; a user who may read support
    and households on the overview "Tổng quan" (``support.views.home``); anyone else on the registry."""
    from giamngheo.support.views.home import home_units, support_home

    if selectors.is_surveyor_only(user=request.user):
        return redirect("reviews:my_cases")
    if home_units(request.user) or paths_for(request.user, Perm.SUPPORT_VIEW) == ["/"]:
        return support_home(request)
    return redirect("households:list")


@login_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    """"Hộ cần rà soát của tôi": the open cycles' cases of the hamlets the user surveys, households still
    to survey first. The cycle links come first so a phone shows them without scrolling."""
    cases = selectors.cases_to_survey(user=request.user)
    if not paths_for(request.user, Perm.REVIEW_SURVEY):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    state = request.GET.get("state") or ""
    counts = {row["state"]: row["n"] for row in cases.order_by().values("state").annotate(n=Count("id"))}
    cycles = list(selectors.cycle_list(user=request.user).filter(pk__in=cases.order_by().values("cycle_id")))
    shown = cases.filter(state=state) if state else cases
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    return render(request, "reviews/my_cases.html", {
        "cycles": cycles, "page": page, "state": state, "to_survey": counts.get(CaseState.LISTED, 0),
        "counts": [(s.value, s.label, counts[s.value]) for s in ORDER if counts.get(s.value)],
        "total": sum(counts.values()),
    })
