"""A household's support, assignments and escape registrations: add, correct, end, withdraw.

Parse → access → service → render. Every page starts from the household (``households.selectors.household_get``
with ``household.view``) and then asks for ``support.edit`` on its unit: out of scope is 404 either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.households.models import Household
from giamngheo.households.selectors import household_get
from giamngheo.reviews.views.common import attempt
from giamngheo.reviews.views.once import once
from giamngheo.support.forms.help import AssignmentEndForm, AssignmentForm, RegistrationForm
from giamngheo.support.forms.records import ReasonForm, SupportRecordForm, VersionForm
from giamngheo.support.selectors.help import assignment_get, escape_registration_get
from giamngheo.support.selectors.records import support_record_get
from giamngheo.support.services import help as help_services
from giamngheo.support.services import records as record_services

FORM_TEMPLATE = "support/records/form.html"


def _household(request: HttpRequest, code: str) -> Household:
    household = household_get(user=request.user, code=code)
    require(request.user, Perm.SUPPORT_EDIT, household.unit_path)
    return household


def _back(household: Household) -> str:
    return reverse("households:detail", args=[household.code]) + "#ho-tro"


def _page(request: HttpRequest, household: Household, form: forms.Form, *, title: str, submit: str,
          intro: str = "", danger: bool = False, extra: forms.Form | None = None,
          form_id: str = "support-form") -> HttpResponse:
    return render(request, FORM_TEMPLATE, {
        "household": household, "form": form, "extra_form": extra, "title": title, "submit": submit,
        "intro": intro, "danger": danger, "back": _back(household), "form_id": form_id,
    }, status=422 if form.errors or (extra is not None and extra.errors) else 200)


def _saved(request: HttpRequest, household: Household, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(_back(household))


def _version_of(form: forms.Form, current: int) -> int:
    """The version the user loaded (the hidden field), so a save over someone else's is refused."""
    version = getattr(form, "cleaned_data", {}).get("version")
    return int(version) if version else current


RECORD_FORM_ID = "support-record-form"


def _typed(request: HttpRequest, initial: dict[str, Any]) -> dict[str, Any]:
    """What the officer has typed so far, sent back when the kind changes (the form is drawn again with that
    kind's facts): it becomes the new form's starting values, bounded like any input."""
    if request.method != "GET" or not request.GET:
        return initial
    typed = {name: value[:500] for name, value in request.GET.items()
             if name in SupportRecordForm.base_fields and name != "version"}
    return {**initial, **typed}


def _run(request: HttpRequest, form: forms.Form, action: Callable[[], Any]) -> Any:
    return attempt(request, action, form)


# --- support records -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@once
def record_add(request: HttpRequest, code: str) -> HttpResponse:
    household = _household(request, code)
    form = SupportRecordForm(request.POST or None, household=household, initial=_typed(
        request, {"given_on": timezone.localdate(), "provider_type": "state_agency"}))
    if request.method == "POST" and form.is_valid():
        saved = _run(request, form, lambda: record_services.support_record_create(
            actor=request.user, household=household, **form.values()))
        if saved is not None:
            return _saved(request, household, _("Đã ghi hỗ trợ cho hộ."))
    return _page(request, household, form, title=_("Ghi hỗ trợ cho hộ"), submit=_("Lưu"), form_id=RECORD_FORM_ID)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = _household(request, code)
    record = support_record_get(user=request.user, pk=pk, perm=Perm.SUPPORT_EDIT, household=household)
    initial = {f: getattr(record, f) for f in record_services.EDITABLE}
    initial.update({"kind": record.kind_id, "programme": record.programme_id})
    form = SupportRecordForm(request.POST or None, household=household, initial=_typed(request, initial))
    version = VersionForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and form.is_valid() & version.is_valid():
        saved = _run(request, form, lambda: record_services.support_record_update(
            actor=request.user, record=record, expected_version=_version_of(version, record.version),
            **form.values()))
        if saved is not None:
            return _saved(request, household, _("Đã sửa thông tin hỗ trợ."))
    return _page(request, household, form, title=_("Sửa thông tin hỗ trợ"), submit=_("Lưu"), extra=version,
                 form_id=RECORD_FORM_ID)


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = _household(request, code)
    record = support_record_get(user=request.user, pk=pk, perm=Perm.SUPPORT_EDIT, household=household)
    form = ReasonForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and form.is_valid():
        saved = _run(request, form, lambda: record_services.support_record_delete(
            actor=request.user, record=record, expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"]))
        if saved is not None:
            return _saved(request, household, _("Đã xoá thông tin hỗ trợ."))
    intro = _("Xoá «%(kind)s» ngày %(date)s. Thông tin vẫn được lưu trong nhật ký thay đổi.") % {
        "kind": record.kind.name, "date": record.given_on.strftime("%d/%m/%Y")}
    return _page(request, household, form, title=_("Xoá thông tin hỗ trợ"), submit=_("Xoá"), intro=intro,
                 danger=True)


# --- assignments ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@once
def assignment_add(request: HttpRequest, code: str) -> HttpResponse:
    household = _household(request, code)
    today = timezone.localdate()
    form = AssignmentForm(request.POST or None, initial={"since": today, "target_year": today.year + 1})
    if request.method == "POST" and form.is_valid():
        saved = _run(request, form, lambda: help_services.assignment_create(
            actor=request.user, household=household, **form.values()))
        if saved is not None:
            return _saved(request, household, _("Đã ghi phân công giúp đỡ hộ."))
    return _page(request, household, form, title=_("Phân công giúp đỡ hộ"), submit=_("Lưu"))


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = _household(request, code)
    assignment = assignment_get(user=request.user, pk=pk, perm=Perm.SUPPORT_EDIT, household=household)
    form = AssignmentForm(request.POST or None,
                          initial={f: getattr(assignment, f) for f in help_services.ASSIGNMENT_FIELDS})
    version = VersionForm(request.POST or None, initial={"version": assignment.version})
    if request.method == "POST" and form.is_valid() & version.is_valid():
        saved = _run(request, form, lambda: help_services.assignment_update(
            actor=request.user, assignment=assignment,
            expected_version=_version_of(version, assignment.version), **form.values()))
        if saved is not None:
            return _saved(request, household, _("Đã sửa phân công giúp đỡ hộ."))
    return _page(request, household, form, title=_("Sửa phân công giúp đỡ hộ"), submit=_("Lưu"), extra=version)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = _household(request, code)
    assignment = assignment_get(user=request.user, pk=pk, perm=Perm.SUPPORT_EDIT, household=household)
    form = AssignmentEndForm(request.POST or None, initial={"ended_on": timezone.localdate(),
                                                            "version": assignment.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _run(request, form, lambda: help_services.assignment_end(
            actor=request.user, assignment=assignment, expected_version=data["version"], ended_on=data["ended_on"],
            end_reason=data["end_reason"]))
        if saved is not None:
            return _saved(request, household, _("Đã kết thúc phân công giúp đỡ hộ."))
    intro = _("Kết thúc phân công của %(name)s (từ ngày %(since)s).") % {
        "name": assignment.helper_name, "since": assignment.since.strftime("%d/%m/%Y")}
    return _page(request, household, form, title=_("Kết thúc phân công giúp đỡ hộ"), submit=_("Kết thúc"),
                 intro=intro)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = _household(request, code)
    assignment = assignment_get(user=request.user, pk=pk, perm=Perm.SUPPORT_EDIT, household=household)
    form = ReasonForm(request.POST or None, initial={"version": assignment.version})
    if request.method == "POST" and form.is_valid():
        saved = _run(request, form, lambda: help_services.assignment_delete(
            actor=request.user, assignment=assignment, expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"]))
        if saved is not None:
            return _saved(request, household, _("Đã xoá phân công giúp đỡ hộ."))
    intro = _("Chỉ xoá khi phân công được ghi nhầm; khi thôi giúp đỡ, hãy dùng «Kết thúc».")
    return _page(request, household, form, title=_("Xoá phân công giúp đỡ hộ"), submit=_("Xoá"), intro=intro,
                 danger=True)


# --- escape registrations ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@once
def registration_add(request: HttpRequest, code: str) -> HttpResponse:
    household = _household(request, code)
    today = timezone.localdate()
    form = RegistrationForm(request.POST or None, initial={"registered_on": today, "target_year": today.year + 1})
    if request.method == "POST" and form.is_valid():
        saved = _run(request, form, lambda: help_services.escape_registration_create(
            actor=request.user, household=household, **form.values()))
        if saved is not None:
            return _saved(request, household, _("Đã ghi đăng ký thoát nghèo của hộ."))
    return _page(request, household, form, title=_("Đăng ký thoát nghèo"), submit=_("Lưu"))


@login_required
@require_http_methods(["GET", "POST"])
def registration_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = _household(request, code)
    registration = escape_registration_get(user=request.user, pk=pk, perm=Perm.SUPPORT_EDIT, household=household)
    form = RegistrationForm(request.POST or None,
                            initial={f: getattr(registration, f) for f in help_services.REGISTRATION_FIELDS})
    version = VersionForm(request.POST or None, initial={"version": registration.version})
    if request.method == "POST" and form.is_valid() & version.is_valid():
        saved = _run(request, form, lambda: help_services.escape_registration_update(
            actor=request.user, registration=registration,
            expected_version=_version_of(version, registration.version), **form.values()))
        if saved is not None:
            return _saved(request, household, _("Đã sửa đăng ký thoát nghèo."))
    return _page(request, household, form, title=_("Sửa đăng ký thoát nghèo"), submit=_("Lưu"), extra=version)


@login_required
@require_http_methods(["GET", "POST"])
def registration_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = _household(request, code)
    registration = escape_registration_get(user=request.user, pk=pk, perm=Perm.SUPPORT_EDIT, household=household)
    form = ReasonForm(request.POST or None, initial={"version": registration.version})
    if request.method == "POST" and form.is_valid():
        saved = _run(request, form, lambda: help_services.escape_registration_delete(
            actor=request.user, registration=registration, expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"]))
        if saved is not None:
            return _saved(request, household, _("Đã xoá đăng ký thoát nghèo."))
    return _page(request, household, form, title=_("Xoá đăng ký thoát nghèo"), submit=_("Xoá"), danger=True)
