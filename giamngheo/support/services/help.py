"""Who helps a household (assignments) and what the household commits to (escape registrations).

Same order as every service: require → lock → check version → validate all → write → audit. An assignment
is *ended* when the help stops (the history of who helped stays); *deleting* is for one entered by mistake.
Whether a registered household escaped is never typed in: the ledger says so (``selectors.help``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import diff, log_action
from giamngheo.core.errors import ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.households.models import Household
from giamngheo.support.models import Assignment, AssignmentEnd, EscapeGoal, EscapeRegistration, HelperType
from giamngheo.support.services.records import (
    MAX_REASON,
    MAX_TEXT,
    add_error,
    check_choice,
    check_past_date,
    check_text,
    check_version,
    check_year,
    lock,
    today_or,
    user_or_none,
)

ASSIGNMENT_FIELDS = ("helper_type", "helper_name", "helper_unit", "since", "target_year", "note")
REGISTRATION_FIELDS = ("registered_on", "goal", "target_year", "commitments", "note")


def _require(actor: Any, unit_path: str) -> None:
    require(actor, Perm.SUPPORT_EDIT, unit_path)
    require(actor, Perm.HOUSEHOLD_VIEW, unit_path)


def _refuse(errors: dict[str, list[str]], message: str) -> None:
    if errors:
        raise ValidationFailed(message, errors=errors)


def _unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationFailed(_("Có trường không sửa được."),
                               errors={name: [_("Trường này không sửa được.")] for name in unknown})


def _live_household(pk: int) -> Household:
    household = lock(Household, pk)
    if household.deleted_at is not None:
        message = _("Hộ đã bị xoá khỏi sổ hộ.")
        raise ValidationFailed(message, errors={"household": [message]})
    return household


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


# --- assignments ---------------------------------------------------------------------------------------------

_ASSIGNMENT_REFUSED = gettext_lazy("Phân công giúp đỡ có ô chưa đúng; chưa lưu gì. Hãy sửa các ô được đánh dấu.")


def _assignment_clean(values: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    check_choice(errors, "helper_type", values.get("helper_type"), _("Người/đơn vị giúp đỡ"), HelperType)
    cleaned = dict(values)
    cleaned["helper_name"] = check_text(errors, "helper_name", values.get("helper_name"),
                                        _("Họ tên hoặc tên đơn vị"), max_length=200, required=True)
    cleaned["helper_unit"] = check_text(errors, "helper_unit", values.get("helper_unit"), _("Thuộc chi bộ, cơ quan"),
                                        max_length=200)
    cleaned["note"] = check_text(errors, "note", values.get("note"), _("Ghi chú"), max_length=MAX_TEXT)
    since = values.get("since")
    check_past_date(errors, "since", since, _("Phân công từ ngày"), today=today)
    target_year = values.get("target_year")
    check_year(errors, "target_year", target_year, _("Năm phấn đấu thoát nghèo"))
    if "since" not in errors and "target_year" not in errors and target_year < since.year:  # type: ignore[union-attr]
        add_error(errors, "target_year", _("Năm phấn đấu thoát nghèo %(year)s: trước năm bắt đầu phân công (%(since)s).")
                  % {"year": target_year, "since": since.year})  # type: ignore[union-attr]
    _refuse(errors, str(_ASSIGNMENT_REFUSED))
    return cleaned


def _assignment_repr(assignment: Assignment, household: Household) -> str:
    return f"{household.code} · {assignment.helper_name}"


def _assignment_stale(household: Household) -> str:
    return _("Phân công giúp đỡ hộ %(code)s vừa được người khác sửa sau khi bạn mở. Hãy tải lại trang; thay đổi "
             "của bạn chưa được lưu.") % {"code": household.code}


def assignment_create(
    *,
    actor: Any,
    household: Household,
    helper_type: str,
    helper_name: str,
    since: dt.date,
    target_year: int,
    helper_unit: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> Assignment:
    """Assign a party member, agency or organisation to help the household from ``since``, aiming for the
    household to escape poverty by ``target_year``."""
    _require(actor, household.unit_path)
    values = {"helper_type": helper_type, "helper_name": helper_name, "helper_unit": helper_unit, "since": since,
              "target_year": target_year, "note": note}
    with transaction.atomic():
        household = _live_household(household.pk)
        cleaned = _assignment_clean(values, today=today_or(today))
        assignment = Assignment.objects.create(household=household, unit_path=household.unit_path,
                                               created_by=user_or_none(actor), updated_by=user_or_none(actor),
                                               **cleaned)
        log_action(actor=actor, action="giamngheo.support.assignment_created", object_type="assignment",
                   object_id=assignment.pk, object_repr=_assignment_repr(assignment, household),
                   unit_path=assignment.unit_path, changes=diff({}, _snapshot(assignment, ASSIGNMENT_FIELDS)),
                   data={"household": household.code})
    return assignment


def assignment_update(*, actor: Any, assignment: Assignment, expected_version: int, today: dt.date | None = None,
                      **fields: Any) -> Assignment:
    _require(actor, assignment.unit_path)
    _unknown(fields, ASSIGNMENT_FIELDS)
    with transaction.atomic():
        assignment = lock(Assignment, assignment.pk)
        household = Household.objects.get(pk=assignment.household_id)
        _require_live(assignment)
        check_version(assignment, expected_version, _assignment_stale(household))
        before = _snapshot(assignment, ASSIGNMENT_FIELDS)
        cleaned = _assignment_clean({**before, **fields}, today=today_or(today))
        if assignment.ended_on is not None and cleaned["since"] > assignment.ended_on:
            raise ValidationFailed(str(_ASSIGNMENT_REFUSED), errors={"since": [
                _("Phân công từ ngày: sau ngày kết thúc %(ended)s.") % {"ended": format_date(assignment.ended_on)}]})
        for name, value in cleaned.items():
            setattr(assignment, name, value)
        changes = diff(before, _snapshot(assignment, ASSIGNMENT_FIELDS))
        if not changes:
            return assignment
        _save(actor, assignment)
        log_action(actor=actor, action="giamngheo.support.assignment_updated", object_type="assignment",
                   object_id=assignment.pk, object_repr=_assignment_repr(assignment, household),
                   unit_path=assignment.unit_path, changes=changes, data={"household": household.code})
    return assignment


def assignment_end(*, actor: Any, assignment: Assignment, expected_version: int, ended_on: dt.date, end_reason: str,
                   today: dt.date | None = None) -> Assignment:
    """The help stops on ``ended_on`` (the household escaped, moved, someone else took over…)."""
    _require(actor, assignment.unit_path)
    with transaction.atomic():
        assignment = lock(Assignment, assignment.pk)
        household = Household.objects.get(pk=assignment.household_id)
        _require_live(assignment)
        check_version(assignment, expected_version, _assignment_stale(household))
        errors: dict[str, list[str]] = {}
        if assignment.ended_on is not None:
            add_error(errors, "ended_on", _("Phân công này đã kết thúc ngày %(date)s.")
                      % {"date": format_date(assignment.ended_on)})
        check_past_date(errors, "ended_on", ended_on, _("Ngày kết thúc"), today=today_or(today))
        if "ended_on" not in errors and ended_on < assignment.since:
            add_error(errors, "ended_on", _("Ngày kết thúc %(date)s: trước ngày bắt đầu phân công %(since)s.")
                      % {"date": format_date(ended_on), "since": format_date(assignment.since)})
        check_choice(errors, "end_reason", end_reason, _("Lý do kết thúc"), AssignmentEnd)
        _refuse(errors, _("Chưa kết thúc được phân công; hãy sửa các ô được đánh dấu."))
        assignment.ended_on, assignment.end_reason = ended_on, end_reason
        _save(actor, assignment)
        log_action(actor=actor, action="giamngheo.support.assignment_ended", object_type="assignment",
                   object_id=assignment.pk, object_repr=_assignment_repr(assignment, household),
                   unit_path=assignment.unit_path,
                   changes={"ended_on": [None, ended_on], "end_reason": ["", end_reason]},
                   data={"household": household.code})
    return assignment


def assignment_delete(*, actor: Any, assignment: Assignment, expected_version: int, reason: str) -> Assignment:
    """Remove an assignment entered by mistake (soft: kept for the audit trail)."""
    _require(actor, assignment.unit_path)
    return _soft_delete(actor=actor, model=Assignment, obj=assignment, expected_version=expected_version,
                        reason=reason, action="giamngheo.support.assignment_deleted", object_type="assignment",
                        stale=_assignment_stale, describe=_assignment_repr)


# --- escape registrations ------------------------------------------------------------------------------------

_REGISTRATION_REFUSED = gettext_lazy("Đăng ký thoát nghèo có ô chưa đúng; chưa lưu gì. Hãy sửa các ô được đánh dấu.")


def _registration_clean(values: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    registered_on = values.get("registered_on")
    check_past_date(errors, "registered_on", registered_on, _("Ngày đăng ký"), today=today)
    check_choice(errors, "goal", values.get("goal"), _("Mục tiêu"), EscapeGoal)
    target_year = values.get("target_year")
    check_year(errors, "target_year", target_year, _("Năm đăng ký thoát nghèo"))
    if "registered_on" not in errors and "target_year" not in errors and target_year < registered_on.year:  # type: ignore[union-attr]
        add_error(errors, "target_year", _("Năm đăng ký thoát nghèo %(year)s: trước năm đăng ký (%(registered)s).")
                  % {"year": target_year, "registered": registered_on.year})  # type: ignore[union-attr]
    cleaned["commitments"] = check_text(errors, "commitments", values.get("commitments"), _("Cam kết của hộ"),
                                        max_length=MAX_TEXT, required=True)
    cleaned["note"] = check_text(errors, "note", values.get("note"), _("Ghi chú"), max_length=MAX_TEXT)
    _refuse(errors, str(_REGISTRATION_REFUSED))
    return cleaned


def _registration_repr(registration: EscapeRegistration, household: Household) -> str:
    return f"{household.code} · {registration.target_year}"


def _registration_stale(household: Household) -> str:
    return _("Đăng ký thoát nghèo của hộ %(code)s vừa được người khác sửa sau khi bạn mở. Hãy tải lại trang; thay "
             "đổi của bạn chưa được lưu.") % {"code": household.code}


def escape_registration_create(
    *,
    actor: Any,
    household: Household,
    registered_on: dt.date,
    target_year: int,
    commitments: str,
    goal: str = EscapeGoal.ESCAPE_POVERTY,
    note: str = "",
    today: dt.date | None = None,
) -> EscapeRegistration:
    """The household registers to escape poverty (or near-poverty) by ``target_year``, with its commitments."""
    _require(actor, household.unit_path)
    values = {"registered_on": registered_on, "goal": str(goal), "target_year": target_year,
              "commitments": commitments, "note": note}
    with transaction.atomic():
        household = _live_household(household.pk)
        cleaned = _registration_clean(values, today=today_or(today))
        registration = EscapeRegistration.objects.create(
            household=household, unit_path=household.unit_path, created_by=user_or_none(actor),
            updated_by=user_or_none(actor), **cleaned)
        log_action(actor=actor, action="giamngheo.support.registration_created", object_type="escape_registration",
                   object_id=registration.pk, object_repr=_registration_repr(registration, household),
                   unit_path=registration.unit_path,
                   changes=diff({}, _snapshot(registration, REGISTRATION_FIELDS)), data={"household": household.code})
    return registration


def escape_registration_update(*, actor: Any, registration: EscapeRegistration, expected_version: int,
                               today: dt.date | None = None, **fields: Any) -> EscapeRegistration:
    _require(actor, registration.unit_path)
    _unknown(fields, REGISTRATION_FIELDS)
    with transaction.atomic():
        registration = lock(EscapeRegistration, registration.pk)
        household = Household.objects.get(pk=registration.household_id)
        _require_live(registration)
        check_version(registration, expected_version, _registration_stale(household))
        before = _snapshot(registration, REGISTRATION_FIELDS)
        cleaned = _registration_clean({**before, **fields}, today=today_or(today))
        for name, value in cleaned.items():
            setattr(registration, name, value)
        changes = diff(before, _snapshot(registration, REGISTRATION_FIELDS))
        if not changes:
            return registration
        _save(actor, registration)
        log_action(actor=actor, action="giamngheo.support.registration_updated", object_type="escape_registration",
                   object_id=registration.pk, object_repr=_registration_repr(registration, household),
                   unit_path=registration.unit_path, changes=changes, data={"household": household.code})
    return registration


def escape_registration_delete(*, actor: Any, registration: EscapeRegistration, expected_version: int,
                               reason: str) -> EscapeRegistration:
    _require(actor, registration.unit_path)
    return _soft_delete(actor=actor, model=EscapeRegistration, obj=registration, expected_version=expected_version,
                        reason=reason, action="giamngheo.support.registration_deleted",
                        object_type="escape_registration", stale=_registration_stale, describe=_registration_repr)


# --- shared --------------------------------------------------------------------------------------------------


def _require_live(obj: Any) -> None:
    if obj.deleted_at is not None:
        message = _("Mục này đã bị xoá.")
        raise ValidationFailed(message, errors={"$": [message]})


def _save(actor: Any, obj: Any) -> None:
    obj.version += 1
    obj.updated_by = user_or_none(actor)
    obj.save()


def _soft_delete(*, actor: Any, model: Any, obj: Any, expected_version: int, reason: str, action: str,
                 object_type: str, stale: Any, describe: Any) -> Any:
    errors: dict[str, list[str]] = {}
    reason = check_text(errors, "reason", reason, _("Lý do xoá"), max_length=MAX_REASON, required=True)
    _refuse(errors, _("Chưa xoá được; hãy ghi lý do xoá."))
    with transaction.atomic():
        obj = lock(model, obj.pk)
        household = Household.objects.get(pk=obj.household_id)
        if obj.deleted_at is not None:
            return obj
        check_version(obj, expected_version, stale(household))
        obj.deleted_at = timezone.now()
        _save(actor, obj)
        log_action(actor=actor, action=action, object_type=object_type, object_id=obj.pk,
                   object_repr=describe(obj, household), unit_path=obj.unit_path,
                   changes={"deleted_at": [None, obj.deleted_at]}, data={"household": household.code, "reason": reason})
    return obj
