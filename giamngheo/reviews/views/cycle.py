"""The cycle page: cases by state with filters, and the steps that act on many cases at once — classify
the surveyed, record a village meeting, post, consult, recognise, issue certificates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, scope_queryset
from giamngheo.core.errors import ApplicationError
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from giamngheo.reviews import selectors, services
from giamngheo.reviews.forms import (
    AddHouseholdForm,
    CertificatesForm,
    ConsultForm,
    DecisionForm,
    MeetingForm,
    PostingForm,
)
from giamngheo.reviews.models import CycleKind, ReviewCycle
from giamngheo.reviews.states import ORDER, CaseState
from giamngheo.reviews.views.common import attempt, cleaned
from giamngheo.reviews.views.once import once

PAGE_SIZE = 50


def _units(cycle: ReviewCycle, user: Any, perm: str) -> Any:
    """The hamlets of the cycle's commune (and the commune itself, for households not in a hamlet)."""
    units = AdminUnit.objects.filter(path__startswith=cycle.unit_path, level__in=("hamlet", "commune"))
    return scope_queryset(units, user, perm, field="path").order_by("level", "name")


def _page(request: HttpRequest, cycle: ReviewCycle, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    state = request.GET.get("state") or ""
    hamlet = request.GET.get("hamlet") or ""
    q = request.GET.get("q") or ""
    cases = selectors.case_list(user=user, cycle=cycle, state=state or None,
                                hamlet_id=int(hamlet) if hamlet.isdigit() and len(hamlet) < 19 else None, q=q or None)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.state_counts(user=user, cycle=cycle)
    can_manage = allows(user, Perm.REVIEW_MANAGE, cycle.unit_path)
    can_approve = allows(user, Perm.REVIEW_APPROVE, cycle.unit_path)
    context = {
        "cycle": cycle, "page": page, "counts": [(s.value, s.label, counts.get(s, 0)) for s in ORDER],
        "state": state, "hamlet": hamlet, "q": q, "hamlets": _units(cycle, user, Perm.REVIEW_VIEW),
        "can_survey": allows(user, Perm.REVIEW_SURVEY, cycle.unit_path) or any(
            allows(user, Perm.REVIEW_SURVEY, u.path) for u in _units(cycle, user, Perm.REVIEW_SURVEY)),
        "can_manage": can_manage, "can_approve": can_approve,
        "surveyed": counts.get(CaseState.SURVEYED, 0),
        # Only documents the user may open: a hamlet surveyor sees the cycle of the commune above, but not the
        # minutes or lists of the other hamlets, nor the commune's Decision; certificates carry citizen IDs.
        "meetings": scope_queryset(cycle.meetings.select_related("unit"), user, Perm.REVIEW_VIEW).order_by("-held_on"),
        "postings": scope_queryset(cycle.postings.select_related("unit"), user, Perm.REVIEW_VIEW).order_by("-starts_on"),
        "decisions": scope_queryset(cycle.decisions.all(), user, Perm.REVIEW_VIEW).order_by("-signed_on"),
        "certificates": scope_queryset(selectors.certificate_list(user=user, cycle=cycle), user,
                                       Perm.CITIZEN_ID_VIEW)[:200],
        "is_periodic": cycle.kind == CycleKind.PERIODIC,
        "meeting_form": forms.get("meeting_form") or MeetingForm(units=_units(cycle, user, Perm.REVIEW_MANAGE)),
        "posting_form": forms.get("posting_form") or PostingForm(units=_units(cycle, user, Perm.REVIEW_MANAGE)),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "certificates_form": forms.get("certificates_form") or CertificatesForm(),
        "consult_form": forms.get("consult_form") or ConsultForm(),
        "add_form": forms.get("add_form") or AddHouseholdForm(),
    }
    return render(request, "reviews/cycle.html", context, status=status)


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.cycle_get(user=request.user, pk=pk))


@login_required
@require_POST
@once
def cycle_classify(request: HttpRequest, pk: int) -> HttpResponse:
    """Classify every surveyed case the user may survey (a bulk action over the same service)."""
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    done, refused = 0, []
    for case in selectors.case_list(user=request.user, cycle=cycle, state=CaseState.SURVEYED):
        if not allows(request.user, Perm.REVIEW_SURVEY, case.unit_path):
            continue
        try:
            services.review_case_classify(actor=request.user, case=case)
            done += 1
        except ApplicationError as exc:
            refused.append(exc.message)
    if done:
        messages.success(request, ngettext("Đã phân loại %(count)d hộ.", "Đã phân loại %(count)d hộ.", done) % {"count": done})
    for message in refused[:10]:
        messages.error(request, message)
    return redirect("reviews:cycle", pk=cycle.pk)


@login_required
@require_POST
@once
def cycle_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = MeetingForm(request.POST, units=_units(cycle, request.user, Perm.REVIEW_MANAGE))
    if form.is_valid():
        data = cleaned(form)
        meeting = attempt(request, lambda: services.review_meeting_record(
            actor=request.user, cycle=cycle, unit=data["unit"], held_on=data["held_on"],
            attendees=data["attendees"], agreeing=data["agreeing"], chair_name=data["chair_name"],
            secretary_name=data["secretary_name"], minutes=data["minutes"]), form)
        if meeting is not None:
            if meeting.passed:
                messages.success(request, _("Họp dân đã thống nhất kết quả (%(agree)d/%(total)d người đồng ý).")
                                 % {"agree": meeting.agreeing, "total": meeting.attendees})
            else:
                messages.warning(request, _("Dưới 50%% người dự họp đồng ý (%(agree)d/%(total)d): các hộ được đưa "
                                            "về khảo sát lại.") % {"agree": meeting.agreeing, "total": meeting.attendees})
            return redirect("reviews:cycle", pk=cycle.pk)
    return _page(request, cycle, status=422, meeting_form=form)


@login_required
@require_POST
@once
def cycle_posting(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = PostingForm(request.POST, units=_units(cycle, request.user, Perm.REVIEW_MANAGE))
    if form.is_valid():
        data = cleaned(form)
        posting = attempt(request, lambda: services.review_case_post(
            actor=request.user, cycle=cycle, unit=data["unit"], place=data["place"], starts_on=data["starts_on"],
            ends_on=data["ends_on"]), form)
        if posting is not None:
            posted = posting.cases.count()
            messages.success(request, ngettext("Đã niêm yết công khai %(count)d hộ.", "Đã niêm yết công khai %(count)d hộ.",
                                               posted) % {"count": posted})
            return redirect("reviews:cycle", pk=cycle.pk)
    return _page(request, cycle, status=422, posting_form=form)


@login_required
@require_POST
@once
def cycle_consult(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = ConsultForm(request.POST)
    if form.is_valid():
        data = cleaned(form)
        if attempt(request, lambda: services.review_cycle_consult(
                actor=request.user, cycle=cycle, consulted_on=data["consulted_on"], note=data["note"]), form):
            messages.success(request, _("Đã ghi ý kiến của cấp trên."))
            return redirect("reviews:cycle", pk=cycle.pk)
    return _page(request, cycle, status=422, consult_form=form)


@login_required
@require_POST
@once
def cycle_recognise(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = cleaned(form)
        decision = attempt(request, lambda: services.review_cycle_recognise(
            actor=request.user, cycle=cycle, number=data["number"], signed_on=data["signed_on"],
            signer_name=data["signer_name"], signer_title=data["signer_title"]), form)
        if decision is not None:
            messages.success(request, _("Đã công nhận danh sách theo Quyết định số %(number)s; danh sách năm %(year)s "
                                        "đã được khoá.") % {"number": decision.number, "year": cycle.year})
            return redirect("reviews:cycle", pk=cycle.pk)
    return _page(request, cycle, status=422, decision_form=form)


@login_required
@require_POST
@once
def cycle_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = CertificatesForm(request.POST)
    if form.is_valid():
        data = cleaned(form)
        issued = attempt(request, lambda: services.review_certificates_issue(
            actor=request.user, cycle=cycle, issued_on=data["issued_on"]), form)
        if issued is not None:
            messages.success(request, ngettext("Đã cấp %(count)d giấy chứng nhận.", "Đã cấp %(count)d giấy chứng nhận.",
                                                       len(issued)) % {"count": len(issued)})
            return redirect("reviews:cycle", pk=cycle.pk)
    return _page(request, cycle, status=422, certificates_form=form)


@login_required
@require_POST
@once
def cycle_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A household the hamlet head proposes: found by its code among the households the user may see."""
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    form = AddHouseholdForm(request.POST)
    if form.is_valid():
        data = cleaned(form)
        household = scope_queryset(Household.objects.filter(deleted_at__isnull=True), request.user,
                                   Perm.REVIEW_SURVEY).filter(code=data["code"].strip()).first()
        if household is None:
            form.add_error("code", _("Không tìm thấy hộ mã %(code)s trong địa bàn bạn được giao.")
                           % {"code": data["code"]})
        else:
            case = attempt(request, lambda: services.review_case_add(
                actor=request.user, cycle=cycle, household=household, note=data["note"]), form)
            if case is not None:
                messages.success(request, _("Đã đưa hộ %(code)s vào danh sách rà soát.") % {"code": household.code})
                return redirect("reviews:case", pk=case.pk)
    return _page(request, cycle, status=422, add_form=form)
