"""Support given to a household: record, correct, withdraw.

Every service here follows ``reviews/services/cases.py::review_case_survey``: require → lock → check
version → validate everything → write → audit, in one transaction. A refusal is a ``ValidationFailed``
naming each field at fault in the officer's words; nothing is stored then.

The kind of support decides which facts a record carries (``SupportKind.fields``): an amount on a kind that
has none, or a loan term on a health-insurance card, is refused rather than stored and silently ignored by
the reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import diff, log_action
from giamngheo.core.dates import DATE_MAX, date_in_bounds
from giamngheo.core.errors import ConcurrentEditError, ValidationFailed
from giamngheo.core.formatting import format_date, format_money, format_number
from giamngheo.households.models import Household, Member
from giamngheo.support.models import Programme, ProviderType, SupportKind, SupportRecord

# Bounds: one household's support is never a trillion đồng; a bigger number is a typing mistake (and the
# reports add these up across a province).
MAX_AMOUNT = 10**12
MAX_QUANTITY = 100_000
MAX_LOAN_TERM_MONTHS = 600
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TEXT = 5000
MAX_REASON = 500

# The facts a record may carry, each tied to the kind's ``fields`` entry that allows it.
FACT_OF_FIELD = {
    "amount": "amount", "quantity": "quantity", "loan_term_months": "loan", "loan_outstanding": "loan",
    "loan_outstanding_on": "loan", "member_ref": "member", "description": "description",
}
EDITABLE = ("kind", "programme", "given_on", "provider_type", "provider_name", "member_ref", "amount", "quantity",
            "description", "loan_term_months", "loan_outstanding", "loan_outstanding_on", "note")


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def add_error(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def check_past_date(errors: dict[str, list[str]], field: str, value: Any, label: str, *, today: dt.date,
                    required: bool = True, earliest: dt.date | None = None) -> None:
    """A date that records something done: a date, within the bounds, not after today."""
    if value is None or value == "":
        if required:
            add_error(errors, field, _("%(label)s: chưa ghi ngày.") % {"label": label})
        return
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        add_error(errors, field, _("%(label)s: ngày không hợp lệ.") % {"label": label})
        return
    first = earliest or dt.date(FIRST_YEAR, 1, 1)
    if not date_in_bounds(value) or value < first:
        add_error(errors, field, _("%(label)s: ngày %(date)s không hợp lệ (phải từ %(first)s đến %(last)s).")
                  % {"label": label, "date": format_date(value), "first": format_date(first),
                     "last": format_date(DATE_MAX)})
    elif value > today:
        add_error(errors, field, _("%(label)s không được sau ngày hôm nay (%(today)s).")
                  % {"label": label, "today": format_date(today)})


def check_year(errors: dict[str, list[str]], field: str, value: Any, label: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        add_error(errors, field, _("%(label)s: phải là một năm, ví dụ 2027.") % {"label": label})
    elif not FIRST_YEAR <= value <= LAST_YEAR:
        add_error(errors, field, _("%(label)s: năm %(year)s không hợp lệ (phải từ %(first)s đến %(last)s).")
                  % {"label": label, "year": value, "first": FIRST_YEAR, "last": LAST_YEAR})


def check_text(errors: dict[str, list[str]], field: str, value: Any, label: str, *, max_length: int,
               required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        add_error(errors, field, _("%(label)s: phải là chữ.") % {"label": label})
        return ""
    value = value.strip()
    if required and not value:
        add_error(errors, field, _("%(label)s: chưa ghi.") % {"label": label})
    elif len(value) > max_length:
        add_error(errors, field, _("%(label)s: quá dài (tối đa %(max)s ký tự).")
                  % {"label": label, "max": format_number(max_length)})
    elif "\x00" in value:
        add_error(errors, field, _("%(label)s: có ký tự không hợp lệ.") % {"label": label})
    return value


def check_choice(errors: dict[str, list[str]], field: str, value: Any, label: str, choices: Any) -> None:
    if value not in {str(c) for c in choices.values}:
        add_error(errors, field, _("%(label)s: lựa chọn không hợp lệ.") % {"label": label})


def check_version(obj: Any, expected_version: Any, message: str) -> None:
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) or obj.version != expected_version:
        raise ConcurrentEditError(message, extra={"version": obj.version})


def lock(model: type[Model], pk: int) -> Any:
    return model.objects.select_for_update().get(pk=pk)  # type: ignore[attr-defined]


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f"{f}_id" if f in ("kind", "programme") else f) for f in fields}


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Thông tin hỗ trợ có ô chưa đúng; chưa lưu gì. Hãy sửa các ô được đánh dấu."),
                               errors=errors)


def _in_province(household: Household, obj: SupportKind | Programme) -> bool:
    """National entries serve everyone; a province's own serve only that province's households."""
    return obj.province_id is None or household.unit_path.startswith(obj.unit_path or "\x00")


def _check_amount(errors: dict[str, list[str]], field: str, value: Any, label: str, *, allow_zero: bool) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        add_error(errors, field, _("%(label)s: phải là số nguyên (đồng).") % {"label": label})
    elif value < 0 or (value == 0 and not allow_zero):
        add_error(errors, field, _("%(label)s: phải lớn hơn 0.") % {"label": label})
    elif value > MAX_AMOUNT:
        add_error(errors, field, _("%(label)s: quá lớn (tối đa %(max)s).")
                  % {"label": label, "max": format_money(MAX_AMOUNT)})


def _validate(household: Household, values: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Every rule of a support record, all problems at once; returns the cleaned values."""
    errors: dict[str, list[str]] = {}
    kind = values.get("kind")
    if not isinstance(kind, SupportKind):
        add_error(errors, "kind", _("Loại hỗ trợ: chưa chọn."))
        kind = None
    elif not kind.active:
        add_error(errors, "kind", _("Loại hỗ trợ «%(kind)s» không còn dùng.") % {"kind": kind.name})
    elif not _in_province(household, kind):
        add_error(errors, "kind", _("Loại hỗ trợ «%(kind)s» là của tỉnh khác.") % {"kind": kind.name})
    given_on = values.get("given_on")
    check_past_date(errors, "given_on", given_on, _("Ngày hỗ trợ"), today=today)
    programme = values.get("programme")
    if programme is not None:
        if not isinstance(programme, Programme):
            add_error(errors, "programme", _("Chương trình, dự án: lựa chọn không hợp lệ."))
        elif not programme.active:
            add_error(errors, "programme", _("Chương trình «%(name)s» không còn dùng.") % {"name": programme})
        elif not _in_province(household, programme):
            add_error(errors, "programme", _("Chương trình «%(name)s» là của tỉnh khác.") % {"name": programme})
        elif isinstance(given_on, dt.date) and "given_on" not in errors and not (
                (programme.first_year is None or programme.first_year <= given_on.year)
                and (programme.last_year is None or given_on.year <= programme.last_year)):
            add_error(errors, "programme", _(
                "Chương trình «%(name)s» thực hiện trong các năm %(first)s–%(last)s, không gồm ngày hỗ trợ "
                "%(date)s. Hãy chọn chương trình của năm đó hoặc sửa ngày.") % {
                "name": programme, "first": programme.first_year or "…", "last": programme.last_year or "…",
                "date": format_date(given_on)})
    check_choice(errors, "provider_type", values.get("provider_type"), _("Đơn vị hỗ trợ"), ProviderType)
    cleaned: dict[str, Any] = dict(values)
    cleaned["provider_name"] = check_text(errors, "provider_name", values.get("provider_name"),
                                          _("Tên đơn vị hỗ trợ"), max_length=200)
    cleaned["description"] = check_text(errors, "description", values.get("description"), _("Nội dung hỗ trợ"),
                                        max_length=500)
    cleaned["member_ref"] = check_text(errors, "member_ref", values.get("member_ref"), _("Thành viên nhận"),
                                       max_length=64)
    cleaned["note"] = check_text(errors, "note", values.get("note"), _("Ghi chú"), max_length=MAX_TEXT)
    _check_amount(errors, "amount", values.get("amount"), _("Số tiền"), allow_zero=False)
    _check_amount(errors, "loan_outstanding", values.get("loan_outstanding"), _("Dư nợ"), allow_zero=True)
    quantity = values.get("quantity")
    if quantity is not None:
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            add_error(errors, "quantity", _("Số lượng: phải là số nguyên."))
        elif not 1 <= quantity <= MAX_QUANTITY:
            add_error(errors, "quantity", _("Số lượng: phải từ 1 đến %(max)s.")
                      % {"max": format_number(MAX_QUANTITY)})
    term = values.get("loan_term_months")
    if term is not None:
        if isinstance(term, bool) or not isinstance(term, int):
            add_error(errors, "loan_term_months", _("Thời hạn vay: phải là số tháng."))
        elif not 1 <= term <= MAX_LOAN_TERM_MONTHS:
            add_error(errors, "loan_term_months", _("Thời hạn vay: phải từ 1 đến %(max)s tháng.")
                      % {"max": MAX_LOAN_TERM_MONTHS})
    outstanding_on = values.get("loan_outstanding_on")
    if outstanding_on is not None:
        check_past_date(errors, "loan_outstanding_on", outstanding_on, _("Dư nợ tính đến ngày"), today=today)
        if ("loan_outstanding_on" not in errors and isinstance(given_on, dt.date) and "given_on" not in errors
                and outstanding_on < given_on):
            add_error(errors, "loan_outstanding_on", _("Dư nợ tính đến ngày %(date)s: trước ngày vay %(given)s.")
                      % {"date": format_date(outstanding_on), "given": format_date(given_on)})
    if kind is not None:
        allowed = set(kind.fields or [])
        for field, fact in FACT_OF_FIELD.items():
            if fact not in allowed and cleaned.get(field) not in (None, ""):
                add_error(errors, field, _("Loại hỗ trợ «%(kind)s» không ghi thông tin này; hãy để trống.")
                          % {"kind": kind.name})
        if "loan" in allowed:
            if values.get("amount") is None:
                add_error(errors, "amount", _("Khoản vay: chưa ghi số tiền vay."))
            if term is None:
                add_error(errors, "loan_term_months", _("Khoản vay: chưa ghi thời hạn vay (tháng)."))
    amount, outstanding = values.get("amount"), values.get("loan_outstanding")
    if (isinstance(amount, int) and isinstance(outstanding, int) and "amount" not in errors
            and "loan_outstanding" not in errors and outstanding > amount):
        add_error(errors, "loan_outstanding", _("Dư nợ %(outstanding)s lớn hơn số tiền vay %(amount)s.")
                  % {"outstanding": format_money(outstanding), "amount": format_money(amount)})
    if cleaned["member_ref"] and "member_ref" not in errors and not Member.objects.filter(
            household=household, member_id=cleaned["member_ref"]).exists():
        add_error(errors, "member_ref", _("Thành viên nhận: không có thành viên mã %(ref)s trong hộ %(code)s.")
                  % {"ref": cleaned["member_ref"], "code": household.code})
    _refuse(errors)
    cleaned["year"] = given_on.year  # type: ignore[union-attr]
    return cleaned


def _repr(record: SupportRecord, household: Household) -> str:
    return f"{household.code} · {record.kind.name} · {format_date(record.given_on)}"


def _stale(record: SupportRecord, household: Household) -> str:
    return _("Thông tin hỗ trợ của hộ %(code)s vừa được người khác sửa sau khi bạn mở. Hãy tải lại trang để xem bản "
             "mới nhất; thay đổi của bạn chưa được lưu.") % {"code": household.code}


def support_record_create(
    *,
    actor: Any,
    household: Household,
    kind: SupportKind,
    given_on: dt.date,
    provider_type: str,
    provider_name: str = "",
    programme: Programme | None = None,
    member_ref: str = "",
    amount: int | None = None,
    quantity: int | None = None,
    description: str = "",
    loan_term_months: int | None = None,
    loan_outstanding: int | None = None,
    loan_outstanding_on: dt.date | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> SupportRecord:
    """Record one thing the household received. The record keeps the household's unit of the day (a household
    that moves later keeps its history where it was helped)."""
    require(actor, Perm.SUPPORT_EDIT, household.unit_path)
    require(actor, Perm.HOUSEHOLD_VIEW, household.unit_path)
    values = {
        "kind": kind, "programme": programme, "given_on": given_on, "provider_type": provider_type,
        "provider_name": provider_name, "member_ref": member_ref, "amount": amount, "quantity": quantity,
        "description": description, "loan_term_months": loan_term_months, "loan_outstanding": loan_outstanding,
        "loan_outstanding_on": loan_outstanding_on, "note": note,
    }
    with transaction.atomic():
        household = lock(Household, household.pk)
        if household.deleted_at is not None:
            raise ValidationFailed(_("Hộ đã bị xoá khỏi sổ hộ."), errors={"household": [_("Hộ đã bị xoá khỏi sổ hộ.")]})
        cleaned = _validate(household, values, today=today_or(today))
        record = SupportRecord.objects.create(
            household=household, unit_path=household.unit_path, created_by=user_or_none(actor),
            updated_by=user_or_none(actor), **cleaned)
        log_action(actor=actor, action="giamngheo.support.record_created", object_type="support_record",
                   object_id=record.pk, object_repr=_repr(record, household), unit_path=record.unit_path,
                   changes=diff({}, snapshot(record, EDITABLE)), data={"household": household.code})
    return record


def support_record_update(*, actor: Any, record: SupportRecord, expected_version: int, today: dt.date | None = None,
                          **fields: Any) -> SupportRecord:
    """Correct a record: only the named fields change, the rest stay as stored; the whole result is checked."""
    require(actor, Perm.SUPPORT_EDIT, record.unit_path)
    require(actor, Perm.HOUSEHOLD_VIEW, record.unit_path)
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(_("Có trường không sửa được."),
                               errors={name: [_("Trường này không sửa được.")] for name in unknown})
    with transaction.atomic():
        record = lock(SupportRecord, record.pk)
        household = Household.objects.get(pk=record.household_id)
        if record.deleted_at is not None:
            raise ValidationFailed(_("Thông tin hỗ trợ này đã bị xoá."),
                                   errors={"$": [_("Thông tin hỗ trợ này đã bị xoá.")]})
        check_version(record, expected_version, _stale(record, household))
        current = {f: getattr(record, f) for f in EDITABLE}
        before = snapshot(record, EDITABLE)
        cleaned = _validate(household, {**current, **fields}, today=today_or(today))
        for name, value in cleaned.items():
            setattr(record, name, value)
        changes = diff(before, snapshot(record, EDITABLE))
        if not changes:
            return record
        record.version += 1
        record.updated_by = user_or_none(actor)
        record.save()
        log_action(actor=actor, action="giamngheo.support.record_updated", object_type="support_record",
                   object_id=record.pk, object_repr=_repr(record, household), unit_path=record.unit_path,
                   changes=changes, data={"household": household.code})
    return record


def support_record_delete(*, actor: Any, record: SupportRecord, expected_version: int, reason: str) -> SupportRecord:
    """Withdraw a record entered by mistake. It stays stored (``deleted_at``) so the audit trail and the
    spending it was paid from still add up; every list and total leaves it out."""
    require(actor, Perm.SUPPORT_EDIT, record.unit_path)
    require(actor, Perm.HOUSEHOLD_VIEW, record.unit_path)
    errors: dict[str, list[str]] = {}
    reason = check_text(errors, "reason", reason, _("Lý do xoá"), max_length=MAX_REASON, required=True)
    _refuse(errors)
    with transaction.atomic():
        record = lock(SupportRecord, record.pk)
        household = Household.objects.get(pk=record.household_id)
        if record.deleted_at is not None:
            return record
        check_version(record, expected_version, _stale(record, household))
        record.deleted_at = timezone.now()
        record.version += 1
        record.updated_by = user_or_none(actor)
        record.save(update_fields=["deleted_at", "version", "updated_by", "updated_at"])
        log_action(actor=actor, action="giamngheo.support.record_deleted", object_type="support_record",
                   object_id=record.pk, object_repr=_repr(record, household), unit_path=record.unit_path,
                   changes={"deleted_at": [None, record.deleted_at]},
                   data={"household": household.code, "reason": reason})
    return record


def fields_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields among ``values`` (a form's or an API body's cleaned data)."""
    return {k: v for k, v in values.items() if k in EDITABLE}
