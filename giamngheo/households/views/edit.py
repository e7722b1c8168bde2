"""Create, edit and delete a household. Parse → access → service → render; the rules live in the service."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed, database_busy
from giamngheo.households import selectors, services
from giamngheo.households.forms import (
    BaseMemberFormSet,
    EditStateForm,
    HouseholdForm,
    build_record,
    map_record_errors,
    member_formset,
    record_to_initial,
)
from giamngheo.households.models import Household
from giamngheo.households.records import household_to_record, record_errors
from giamngheo.households.views.conflict import merge_after_conflict
from giamngheo.households.views.units import communes_for, hamlets_for

MEMBERS_PREFIX = "members"
_SIGNING_SALT = "giamngheo.households.edit-original"


def _sign(record: dict[str, Any]) -> str:
    return signing.dumps(record, salt=_SIGNING_SALT, compress=True)


def _unsign(value: str) -> dict[str, Any] | None:
    try:
        loaded = signing.loads(value, salt=_SIGNING_SALT)
    except signing.BadSignature:
        return None
    return loaded if isinstance(loaded, dict) else None


def _submit(
    form: HouseholdForm,
    members: BaseMemberFormSet,
    *,
    save: Callable[[dict[str, Any]], Household],
    stored_citizen_ids: dict[str, str] | None = None,
    code_optional: bool = False,
) -> tuple[Household | None, list[str], dict[str, Any]]:
    """Validate and save. Returns (household or None, messages for the top of the form, record as submitted).

    When a field does not even parse, the record rules are still run on the rest, so that the officer sees
    every problem at once rather than one round trip per mistake.
    """
    parsed = form.is_valid() & members.is_valid()
    record, form_index = build_record(household_form=form, members=members, stored_citizen_ids=stored_citizen_ids)
    if not parsed:
        preview = record_errors(record, plain=True)
        if code_optional and "id" not in record:
            preview.pop("id", None)
        unplaced = map_record_errors(preview, household_form=form, members=members, member_form_index=form_index,
                                     skip_fields_with_errors=True)
        return None, [_("Hồ sơ hộ có lỗi, chưa lưu gì. Hãy sửa các ô được đánh dấu rồi lưu lại."), *unplaced], record
    try:
        return save(record), [], record
    except ValidationFailed as exc:
        unplaced = map_record_errors(_in_officers_words(exc.errors, record), household_form=form, members=members,
                                     member_form_index=form_index)
        return None, [exc.message, *unplaced], record


def _in_officers_words(errors: dict[str, list[str]], record: dict[str, Any]) -> dict[str, list[str]]:
    """The service words record-rule errors for every client (the API's name record keys and list allowed
    values); on a form an officer reads them in field labels, on the field to change (issue 15, item 4). The
    service's own refusals (a duplicate citizen ID, a unit out of scope) are kept as they are."""
    rules = record_errors(record)
    worded = {path: list(texts) for path, texts in errors.items() if path not in rules}
    for path, texts in record_errors(record, plain=True).items():
        worded.setdefault(path, []).extend(texts)
    return worded


def _form_context(user: Any) -> dict[str, Any]:
    return {"communes": communes_for(user, Perm.HOUSEHOLD_EDIT, current_only=True),
            "hamlets_for": partial(hamlets_for, user, Perm.HOUSEHOLD_EDIT)}


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scope.paths_for(user, Perm.HOUSEHOLD_EDIT):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    units = _form_context(user)
    errors: list[str] = []
    if request.method == "POST":
        form = HouseholdForm(request.POST, **units)
        members = member_formset(request.POST, prefix=MEMBERS_PREFIX)

        def save(record: dict[str, Any]) -> Household:
            return services.household_create(actor=user, record=record, commune=form.cleaned_data["commune"],
                                             hamlet=form.cleaned_data.get("hamlet"))

        household, errors, _record = _submit(form, members, save=save, code_optional=True)
        if household is not None:
            messages.success(request, _("Đã lưu hộ %(code)s.") % {"code": household.code})
            return redirect("households:detail", code=household.code)
    else:
        communes = list(units["communes"][:2])
        only = communes[0] if len(communes) == 1 else None
        initial: dict[str, Any] = {"reference_date": timezone.localdate(), "information_devices_unanswered": True}
        if only is not None:
            initial.update(commune=only, area=only.area_type or "")
        form = HouseholdForm(initial=initial, **units)
        members = member_formset(prefix=MEMBERS_PREFIX, initial=[{"relation": "head"}])
    return render(request, "households/form.html", {
        "form": form, "members": members, "errors": errors, "household": None, "state": None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    household = selectors.household_get(user=user, code=code, perm=Perm.HOUSEHOLD_EDIT)
    show_ids = scope.can_see_citizen_id(user, household.unit_path)
    masked = None if show_ids else _masked_ids(household_to_record(household, show_citizen_ids=False))
    units = _form_context(user)
    errors: list[str] = []
    if request.method == "POST":
        state = EditStateForm(request.POST)
        form = HouseholdForm(request.POST, code_locked=True, initial={"code": household.code}, **units)
        members = member_formset(request.POST, prefix=MEMBERS_PREFIX, show_citizen_id=show_ids,
                                masked_citizen_ids=masked)
        if not state.is_valid():
            # Without the version the save cannot be checked against other people's: refuse, keep the input.
            errors = [_("Phiếu thiếu thông tin phiên bản; hãy mở lại trang sửa hộ rồi nhập lại.")]
            form.is_valid()
            members.is_valid()
        else:
            version = state.cleaned_data["version"]
            try:
                saved, errors, _record = _submit(
                    form, members, stored_citizen_ids=masked,
                    save=lambda record: services.household_update(
                        actor=user, household=household, record=record, expected_version=version),
                )
            except ConcurrentEditError as exc:
                return _conflict_response(request, exc, household=household, state=state, form=form,
                                          members=members, show_ids=show_ids, units=units)
            except OperationalError as exc:
                if not database_busy(exc):
                    raise
                # SQLite's busy timeout ran out (issue 11): nothing was saved; the form comes back as typed.
                return render(request, "households/form.html", {
                    "form": form, "members": members, "errors": [_(
                        "Hệ thống đang bận ghi dữ liệu khác nên chưa lưu được. Những gì bạn đã nhập vẫn còn trên "
                        "trang; hãy bấm lưu lại sau ít giây.")],
                    "household": household, "state": state, "conflict": None, "show_ids": show_ids,
                }, status=503)
            if saved is not None:
                messages.success(request, _("Đã lưu thay đổi của hộ %(code)s.") % {"code": saved.code})
                return redirect("households:detail", code=saved.code)
    else:
        record = household_to_record(household, show_citizen_ids=show_ids)
        initial, member_initial = record_to_initial(record)
        initial.update(commune=household.commune, hamlet=household.hamlet)
        form = HouseholdForm(initial=initial, code_locked=True, **units)
        members = member_formset(prefix=MEMBERS_PREFIX, initial=member_initial, show_citizen_id=show_ids,
                                masked_citizen_ids=masked)
        state = EditStateForm(initial={"version": household.version, "original": _sign(record)})
    return render(request, "households/form.html", {
        "form": form, "members": members, "errors": errors, "household": household, "state": state,
        "conflict": None, "show_ids": show_ids,
    })


def _masked_ids(record: dict[str, Any]) -> dict[str, str]:
    """Member id → masked citizen ID, for a user who may not read the IDs."""
    return {str(m["id"]): m["citizen_id"] for m in record.get("members", []) if m.get("citizen_id")}


def _conflict_response(request: HttpRequest, exc: ConcurrentEditError, *, household: Household,
                       state: EditStateForm, form: HouseholdForm, members: BaseMemberFormSet, show_ids: bool,
                       units: dict[str, Any]) -> HttpResponse:
    """The save was refused: show who saved, when, and every difference; offer the merged form to save again."""
    theirs: dict[str, Any] = exc.extra.get("current") or {}
    masked = None if show_ids else _masked_ids(theirs)
    mine, _index = build_record(household_form=form, members=members, stored_citizen_ids=masked)
    mine.setdefault("id", household.code)
    original = _unsign(state.cleaned_data.get("original") or "")
    merged, rows = merge_after_conflict(original, mine, theirs)
    initial, member_initial = record_to_initial(merged)
    initial.update(commune=form.cleaned_data.get("commune", household.commune),
                   hamlet=_hamlet_for(merged, form, household))
    merged_form = HouseholdForm(initial=initial, code_locked=True, **units)
    merged_members = member_formset(prefix=MEMBERS_PREFIX, initial=member_initial, show_citizen_id=show_ids,
                                   masked_citizen_ids=masked)
    new_state = EditStateForm(initial={"version": exc.extra.get("version", household.version),
                                       "original": _sign(theirs)})
    conflict = {
        "message": exc.message,
        "changed_by": exc.extra.get("changed_by") or _("người khác"),
        "rows": rows,
        "both_changed": [row for row in rows if row.changed_by_me and row.changed_by_them],
    }
    return render(request, "households/form.html", {
        "form": merged_form, "members": merged_members, "errors": [], "household": household,
        "state": new_state, "conflict": conflict, "show_ids": show_ids,
    }, status=409)


def _hamlet_for(record: dict[str, Any], form: HouseholdForm, household: Household) -> Any:
    """The hamlet unit the merged record names (the officer's choice, or the other person's)."""
    chosen = form.cleaned_data.get("hamlet")
    name = record.get("hamlet")
    if chosen is not None and chosen.name == name:
        return chosen
    if household.hamlet is not None and household.hamlet.name == name:
        return household.hamlet
    return chosen


@login_required
@require_http_methods(["GET", "POST"])
def household_delete(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    household = selectors.household_get(user=user, code=code, perm=Perm.HOUSEHOLD_EDIT)
    if request.method == "POST":
        state = EditStateForm(request.POST)
        version = state.cleaned_data["version"] if state.is_valid() else None
        try:
            services.household_delete(actor=user, household=household, expected_version=version)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("households:detail", code=household.code)
        messages.success(request, _("Đã xoá hộ %(code)s khỏi danh sách.") % {"code": household.code})
        return redirect("households:list")
    return render(request, "households/delete.html", {
        "household": household,
        "state": EditStateForm(initial={"version": household.version}),
    })
