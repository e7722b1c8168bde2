"""The case page: the Phiếu B survey form (phone-sized, tick-boxes, members added and removed in the page,
live classification as answers change, drafts), classification, complaints and the case's history.

The form is the registry's own household form (``households.forms``), so a survey and an edit of the
household parse answers the same way; the review adds causes of poverty and wishes for support.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, can_see_citizen_id, mask_citizen_id, require
from giamngheo.core.dates import FlexibleDateField
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed, database_busy
from giamngheo.geo.models import AdminUnit
from giamngheo.households.forms import (
    HouseholdForm,
    build_record,
    map_record_errors,
    member_formset,
    record_to_initial,
)
from giamngheo.households.models import Household
from giamngheo.households.records import (
    answer_label,
    draft_without_bad_values,
    household_to_record,
    record_errors,
)
from giamngheo.reviews import engine, selectors, services
from giamngheo.reviews.forms import CausesWishesForm, ComplaintForm, ComplaintResolveForm
from giamngheo.reviews.models import LedgerClass, ReviewCase
from giamngheo.reviews.states import CaseState, can_move
from giamngheo.reviews.views.common import DATABASE_BUSY, attempt, cleaned
from giamngheo.reviews.views.once import once

MEMBERS_PREFIX = "members"
# The survey does not move the household: code, commune and hamlet stay as the registry has them.
_FIXED = ("code", "commune", "hamlet", "year")
_DATE_FIELDS = ("reference_date",)
_MEMBER_DATE_FIELDS = ("birth_date",)


def _not_asked(case: ReviewCase) -> frozenset[str]:
    return engine.survey_not_asked([ref["id"] for ref in case.cycle.standards])


def _flexible_dates(form: Any, names: tuple[str, ...]) -> None:
    """Dates typed as on a phone keypad (02122026, 02.12.2026) are understood (``core.dates``)."""
    for name in names:
        if name in form.fields:
            old = form.fields[name]
            form.fields[name] = FlexibleDateField(label=old.label, help_text=old.help_text)


def _dropped_label(path: str) -> str:
    """What an officer calls a left-out part of a stored draft: a field's label, a whole member, or all of it."""
    whole_member = re.fullmatch(r"members\[(\d+)\]", path)
    if whole_member:
        return _("Thành viên %(number)s") % {"number": int(whole_member.group(1)) + 1}
    if path in ("$", ""):
        return _("Toàn bộ bản nháp")
    return answer_label(path)


def _base_record(case: ReviewCase, user: Any, show_ids: bool) -> dict[str, Any]:
    """The stored draft (values of a wrong shape left out), else the registry's household with today's
    date as the survey date: last year's date is never offered as this year's."""
    stored, _dropped = draft_without_bad_values(case.survey_record)
    if stored:
        return stored
    record = household_to_record(_with_members(case.household), show_citizen_ids=show_ids)
    record["reference_date"] = timezone.localdate().isoformat()
    return record


def _survey_forms(case: ReviewCase, user: Any, data: Any = None) -> tuple[HouseholdForm, Any]:
    household = case.household
    show_ids = can_see_citizen_id(user, case.unit_path)
    record = _base_record(case, user, show_ids)
    household_initial, members_initial = record_to_initial(record)
    form = HouseholdForm(
        data, initial=household_initial, communes=AdminUnit.objects.filter(pk=household.commune_id),
        hamlets_for=lambda commune: AdminUnit.objects.filter(pk=household.hamlet_id or 0), code_locked=True,
    )
    hidden = _not_asked(case)
    for name in (*_FIXED, *hidden):
        form.fields.pop(name, None)
    if hidden & {"information_devices"}:
        form.fields.pop("information_devices_unanswered", None)
    _flexible_dates(form, _DATE_FIELDS)
    form.fields["date_confirmed"] = forms.BooleanField(
        label=_("Xác nhận ngày rà soát"), required=False,
        help_text=_("Đánh dấu khi ngày rà soát đúng là ngày nằm ngoài thời gian của đợt."))
    groups: Any = tuple(
        (title, tuple(x for n in names if n in form.fields
                      for x in ((n, "date_confirmed") if n == "reference_date" else (n,))))
        for title, names in form.GROUPS)
    form.GROUPS = groups
    # A posted formset carries every member itself; with initial rows, unchanged members would be dropped.
    members = member_formset(data, initial=None if data is not None else members_initial, prefix=MEMBERS_PREFIX,
                             show_citizen_id=show_ids,
                             masked_citizen_ids=None if show_ids else _masked_ids(record))
    # Every member card, the empty one the page copies for a new member included, asks the same questions.
    base_form = members.form

    class AskedMemberForm(base_form):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for name in hidden:
                self.fields.pop(name, None)
            _flexible_dates(self, _MEMBER_DATE_FIELDS)

    members.form = AskedMemberForm
    return form, members


def _survey_record(case: ReviewCase, user: Any, form: HouseholdForm, members: Any) -> tuple[dict[str, Any], list[int]]:
    """The record on screen, with the answers the form does not ask carried over from the stored draft
    or the registry (the survey writes the registry: an answer it did not ask must not be erased)."""
    record, index = build_record(household_form=form, members=members)
    hidden = _not_asked(case)
    if not hidden:
        return record, index
    base = _base_record(case, user, can_see_citizen_id(user, case.unit_path))
    for key in hidden:
        if key in base:
            record.setdefault(key, base[key])
        if key in (base.get("dwelling") or {}):
            record.setdefault("dwelling", {}).setdefault(key, base["dwelling"][key])
    stored_members = {m.get("id"): m for m in base.get("members") or [] if isinstance(m, dict)}
    for member in record.get("members") or []:
        stored = stored_members.get(member.get("id")) or {}
        for key in hidden:
            if key in stored:
                member.setdefault(key, stored[key])
    return record, index


def _with_members(household: Household) -> Household:
    return Household.objects.select_related("commune__parent", "hamlet").prefetch_related("members").get(
        pk=household.pk)


def _masked_ids(record: dict[str, Any]) -> dict[str, str]:
    return {str(m["id"]): mask_citizen_id(str(m["citizen_id"])) for m in record.get("members") or []
            if isinstance(m, dict) and m.get("id") and m.get("citizen_id")}


def _context(request: HttpRequest, case: ReviewCase, **extra: Any) -> dict[str, Any]:
    user = request.user
    form, members = extra.pop("forms", None) or _survey_forms(case, user)
    labels = dict(LedgerClass.choices)
    return {
        "case": case, "cycle": case.cycle, "household": case.household, "form": form, "members": members,
        "extra_form": extra.pop("extra_form", None) or CausesWishesForm(initial={
            "causes": case.causes, "wishes": case.wishes, "note": case.note}),
        "complaint_form": extra.pop("complaint_form", None) or ComplaintForm(),
        "resolve_form": ComplaintResolveForm(),
        "can_survey": allows(user, Perm.REVIEW_SURVEY, case.unit_path) and not case.cycle.is_locked
        and case.state in (CaseState.LISTED, CaseState.SURVEYED, CaseState.CLASSIFIED),
        "can_classify": allows(user, Perm.REVIEW_SURVEY, case.unit_path)
        and can_move(case.state, CaseState.CLASSIFIED) and case.survey_complete,
        "can_complain": allows(user, Perm.REVIEW_MANAGE, case.unit_path) and case.state == CaseState.POSTED,
        "can_manage": allows(user, Perm.REVIEW_MANAGE, case.unit_path),
        "results": [
            {"standard": engine.standard_title(sid), "class": labels.get(r.get("class"), r.get("class")),
             "text": (r.get("explanation") or {}).get("text", ""), "explanation": r.get("explanation")}
            for sid, r in case.results.items()
        ],
        "proposed_label": labels.get(case.proposed_class, ""),
        "history": case.transitions.select_related("actor"),
        "complaints": case.complaints.order_by("-received_on"),
        "ledger": selectors.ledger_history(user=user, household_id=case.household_id),
        "errors": extra.pop("errors", []),
        "idempotency_key": secrets.token_urlsafe(16),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@once
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    if request.method == "GET":
        _stored, dropped = draft_without_bad_values(case.survey_record)
        if dropped:
            # A draft stored before drafts were checked: say what could not be shown, never fail on it.
            messages.warning(request, _(
                "Bản nháp đã lưu có câu trả lời sai dạng nên không hiện ra: %(answers)s. Hãy trả lời lại rồi lưu."
            ) % {"answers": ", ".join(f"«{_dropped_label(path)}»" for path in dropped)})
        return render(request, "reviews/case.html", _context(request, case))
    require(request.user, Perm.REVIEW_SURVEY, case.unit_path)
    form, members = _survey_forms(case, request.user, request.POST)
    extra_form = CausesWishesForm(request.POST)
    complete = request.POST.get("action") == "complete"
    parsed = form.is_valid() & members.is_valid() & extra_form.is_valid()
    errors: list[str] = []
    if parsed:
        record, index = _survey_record(case, request.user, form, members)
        extra = cleaned(extra_form)
        version = request.POST.get("version", "")
        try:
            services.review_case_survey(
                actor=request.user, case=case, record=record,
                expected_version=int(version) if version.isdigit() and len(version) < 12 else -1,
                complete=complete, causes=extra["causes"], wishes=extra["wishes"], note=extra["note"],
                date_confirmed=bool(cleaned(form).get("date_confirmed")),
            )
        except ValidationFailed as exc:
            errors = [exc.message, *map_record_errors(exc.errors, household_form=form, members=members,
                                                      member_form_index=index)]
        except (ConcurrentEditError, ApplicationError) as exc:
            errors = [exc.message]
        except OperationalError as exc:
            if not database_busy(exc):
                raise
            # Nothing was saved; the page comes back with everything the surveyor typed.
            errors = [str(DATABASE_BUSY)]
        else:
            if complete:
                messages.success(request, _("Đã hoàn thành phiếu khảo sát của hộ %(code)s.") % {"code": case.household.code})
            else:
                messages.success(request, _("Đã lưu nháp phiếu khảo sát."))
            return redirect("reviews:case", pk=case.pk)
    else:
        errors = [_("Có ô nhập chưa đúng; chưa lưu gì. Hãy sửa các ô được đánh dấu.")]
    case.refresh_from_db()
    return render(request, "reviews/case.html",
                  _context(request, case, forms=(form, members), extra_form=extra_form, errors=errors), status=422)


@login_required
@require_POST
def case_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The live classification of the answers on screen (an HTMX fragment; nothing is saved)."""
    case = selectors.case_get(user=request.user, pk=pk)
    require(request.user, Perm.REVIEW_SURVEY, case.unit_path)
    form, members = _survey_forms(case, request.user, request.POST)
    form.is_valid()
    members.is_valid()
    record, _index = _survey_record(case, request.user, form, members)
    record["id"] = case.household.code
    record["year"] = case.cycle.year
    record.setdefault("reference_date", timezone.localdate().isoformat())
    # In the officer's words, naming each unanswered question (never "Thiếu trường bắt buộc.").
    problems = record_errors(record, plain=True)
    labels = dict(LedgerClass.choices)
    results = []
    if not problems:
        classified = engine.classify(record, [ref["id"] for ref in case.cycle.standards])
        problems = {path: msgs for path, msgs in services.missing_answer_errors(case, record, classified).items() if path != "$"}
        for sid, result in classified.items():
            results.append({"standard": engine.standard_title(sid),
                            "class": labels.get(result["class"], _("Chưa xác định được")),
                            "klass": result["class"], "text": result["explanation"]["text"],
                            "explanation": result["explanation"]})
    return render(request, "reviews/partials/live_result.html", {
        "results": results, "problems": [m for msgs in problems.values() for m in msgs][:8]})


@login_required
@require_POST
@once
def case_classify(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    if attempt(request, lambda: services.review_case_classify(actor=request.user, case=case)):
        messages.success(request, _("Đã phân loại hộ theo chuẩn nghèo."))
    return redirect("reviews:case", pk=case.pk)


@login_required
@require_POST
@once
def case_complaint(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = ComplaintForm(request.POST)
    if form.is_valid():
        data = cleaned(form)
        if attempt(request, lambda: services.review_complaint_file(
                actor=request.user, case=case, received_on=data["received_on"], complainant=data["complainant"],
                content=data["content"]), form):
            messages.success(request, _("Đã tiếp nhận khiếu nại; hộ chờ phúc tra."))
            return redirect("reviews:case", pk=case.pk)
    return render(request, "reviews/case.html", _context(request, case, complaint_form=form), status=422)


@login_required
@require_POST
@once
def complaint_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    form = ComplaintResolveForm(request.POST)
    if form.is_valid():
        data = cleaned(form)
        if attempt(request, lambda: services.review_complaint_resolve(
                actor=request.user, complaint=complaint, outcome=data["outcome"], resolution=data["resolution"],
                resolved_on=data["resolved_on"]), form):
            messages.success(request, _("Đã giải quyết khiếu nại."))
    else:
        messages.error(request, _("Hãy chọn kết quả, ghi nội dung và ngày giải quyết."))
    return redirect("reviews:case", pk=complaint.case_id)
