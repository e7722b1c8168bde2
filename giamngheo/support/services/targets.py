"""Targets: set, correct, withdraw, and allocate down the unit tree.

Every service follows ``reviews/services/cases.py::review_case_survey``: require → lock → check version →
validate everything → write → audit, in one transaction. A refusal is a ``ValidationFailed`` naming each field
at fault; nothing is stored then.

Allocation (``targets_allocate``) gives each child unit of the target's unit (the communes of a province, the
hamlets of a commune) its own target, allocated from the parent. Counts must add up to the parent's value;
rates and changes in points must reach it on average, each child weighted by its households in the registry
(ethnic-minority households for the ethnic-minority indicators). A mismatch is refused with the sum or the
average beside the parent's value, unless the officer accepts it with a reason: the check and the reason are
stored in the allocation's audit entry (``data.check``, ``data.reason``), which the target pages read back
(``selectors/targets.py::allocation_record``), so an accepted mismatch is always shown, never silent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import diff, log_action
from giamngheo.core.dates import DATE_MAX, date_in_bounds
from giamngheo.core.errors import ConcurrentEditError, ValidationFailed
from giamngheo.core.formatting import format_date, format_number
from giamngheo.geo.models import AdminUnit
from giamngheo.support.indicators import CHANGE, LEVEL, Indicator, indicator_for
from giamngheo.support.models import Target

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TEXT = 5000
MAX_REASON = 500
MAX_ALLOCATIONS = 2000  # more children than any commune has hamlets or any province communes
EDITABLE = ("indicator", "standard_id", "baseline_year", "target_year", "value", "annual", "source_document",
            "source_date", "note")
# What an allocated target shares with its parent: changing it on one side would break the allocation.
SHARED_WITH_PARENT = ("indicator", "standard_id", "baseline_year", "target_year", "annual")
CHILD_LEVEL = {"province": "commune", "commune": "hamlet"}


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Thông tin chỉ tiêu có ô chưa đúng; chưa lưu gì. Hãy sửa các ô được đánh dấu."),
                               errors=errors)


def _province_code(unit: AdminUnit) -> str:
    return unit.path.strip("/").split("/")[0]


def check_standard(errors: dict[str, list[str]], standard_id: Any, unit: AdminUnit | None) -> None:
    """The standard exists, and a local one belongs to the unit's province."""
    from giamngheo.standards.definition import StandardError, get_standard

    if not isinstance(standard_id, str) or not standard_id or len(standard_id) > 32:
        _add(errors, "standard_id", _("Chuẩn nghèo: chưa chọn."))
        return
    try:
        standard = get_standard(standard_id)
    except StandardError:
        _add(errors, "standard_id", _("Chuẩn nghèo «%(id)s» không có trong hệ thống.") % {"id": standard_id})
        return
    if standard.is_local and unit is not None and standard.province_code != _province_code(unit):
        _add(errors, "standard_id", _("Chuẩn nghèo «%(id)s» là chuẩn riêng của tỉnh khác.") % {"id": standard_id})


def _year(errors: dict[str, list[str]], field: str, value: Any, label: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        _add(errors, field, _("%(label)s: phải là một năm, ví dụ 2027.") % {"label": label})
        return None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        _add(errors, field, _("%(label)s: năm %(year)s không hợp lệ (phải từ %(first)s đến %(last)s).")
             % {"label": label, "year": value, "first": FIRST_YEAR, "last": LAST_YEAR})
        return None
    return value


def _text(errors: dict[str, list[str]], field: str, value: Any, label: str, *, max_length: int,
          required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        _add(errors, field, _("%(label)s: phải là chữ.") % {"label": label})
        return ""
    value = value.strip()
    if required and not value:
        _add(errors, field, _("%(label)s: chưa ghi.") % {"label": label})
    elif len(value) > max_length:
        _add(errors, field, _("%(label)s: quá dài (tối đa %(max)s ký tự).")
             % {"label": label, "max": format_number(max_length)})
    elif "\x00" in value:
        _add(errors, field, _("%(label)s: có ký tự không hợp lệ.") % {"label": label})
    return value


def check_value(errors: dict[str, list[str]], field: str, value: Any, indicator: Indicator | None,
                label: str) -> Decimal | None:
    """A decimal within the indicator's unit bounds, at most 4 decimals (what the column keeps)."""
    if isinstance(value, bool) or value is None or value == "":
        _add(errors, field, _("%(label)s: chưa ghi.") % {"label": label})
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        _add(errors, field, _("%(label)s: phải là một số.") % {"label": label})
        return None
    if not number.is_finite():
        _add(errors, field, _("%(label)s: phải là một số.") % {"label": label})
        return None
    low, high = indicator.bounds if indicator is not None else (Decimal(-(10**7)), Decimal(10**7))
    if not low <= number <= high:
        _add(errors, field, _("%(label)s: phải từ %(low)s đến %(high)s %(unit)s.") % {
            "label": label, "low": format_number(low), "high": format_number(high),
            "unit": indicator.unit_label if indicator is not None else ""})
        return None
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        _add(errors, field, _("%(label)s: tối đa 4 chữ số thập phân.") % {"label": label})
        return None
    return number.quantize(Decimal("0.0001"))  # as the column keeps it, so the audit's before and after compare


def _validate(values: dict[str, Any], *, unit: AdminUnit, exclude_pk: int | None = None,
              current_indicator: str = "") -> dict[str, Any]:
    """Every rule of a target, all problems at once; returns the cleaned values."""
    errors: dict[str, list[str]] = {}
    code = values.get("indicator")
    # A kind of support retired since the target was set still names a valid target; a new one may not.
    indicator = (indicator_for(code, active_only=code != current_indicator) if isinstance(code, str) and code
                 else None)
    if indicator is None:
        _add(errors, "indicator", _("Chỉ tiêu «%(code)s» không có trong danh mục chỉ tiêu.") % {"code": code or ""})
    check_standard(errors, values.get("standard_id"), unit)
    baseline = _year(errors, "baseline_year", values.get("baseline_year"), _("Năm gốc"))
    target_year = _year(errors, "target_year", values.get("target_year"), _("Năm đích"))
    if baseline is not None and target_year is not None and baseline >= target_year:
        _add(errors, "target_year", _("Năm đích %(target)s phải sau năm gốc %(baseline)s.")
             % {"target": target_year, "baseline": baseline})
    value = check_value(errors, "value", values.get("value"), indicator, _("Giá trị chỉ tiêu"))
    annual = values.get("annual", False)
    if not isinstance(annual, bool):
        _add(errors, "annual", _("Mỗi năm: chỉ nhận có hoặc không."))
    elif annual and indicator is not None and indicator.kind == LEVEL:
        _add(errors, "annual", _("Chỉ tiêu «%(label)s» là mức cần đạt đến năm đích, không giao theo từng năm.")
             % {"label": indicator.label})
    if (value is not None and indicator is not None and indicator.kind == CHANGE and value > 0
            and indicator.lower_is_better):
        _add(errors, "value", _("Mức giảm tỷ lệ ghi số âm, ví dụ -1,5 (giảm 1,5 điểm %)."))
    cleaned = dict(values)
    cleaned["value"] = value
    cleaned["source_document"] = _text(errors, "source_document", values.get("source_document"),
                                       _("Văn bản giao chỉ tiêu"), max_length=200, required=True)
    cleaned["note"] = _text(errors, "note", values.get("note"), _("Ghi chú"), max_length=MAX_TEXT)
    source_date = values.get("source_date")
    if source_date is not None:
        if not isinstance(source_date, dt.date) or isinstance(source_date, dt.datetime):
            _add(errors, "source_date", _("Ngày ban hành: ngày không hợp lệ."))
        elif not date_in_bounds(source_date) or source_date.year < FIRST_YEAR:
            _add(errors, "source_date", _("Ngày ban hành %(date)s không hợp lệ (phải từ 01/01/%(first)s đến "
                                          "%(last)s).") % {"date": format_date(source_date), "first": FIRST_YEAR,
                                                          "last": format_date(DATE_MAX)})
        elif source_date > timezone.localdate():
            _add(errors, "source_date", _("Ngày ban hành không được sau ngày hôm nay."))
    if not errors and baseline is not None and target_year is not None:
        clash = Target.objects.filter(unit=unit, indicator=code, standard_id=values["standard_id"],
                                      baseline_year=baseline, target_year=target_year, deleted_at__isnull=True)
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            _add(errors, "indicator", _("Đơn vị đã có chỉ tiêu này cho kỳ %(baseline)s–%(target)s theo chuẩn "
                                        "%(standard)s; hãy sửa chỉ tiêu đó.")
                 % {"baseline": baseline, "target": target_year, "standard": values["standard_id"]})
    _refuse(errors)
    return cleaned


def _unit_ok(unit: Any) -> AdminUnit:
    if not isinstance(unit, AdminUnit) or unit.valid_to is not None:
        raise ValidationFailed(_("Đơn vị không hợp lệ."), errors={"unit": [_("Đơn vị: chưa chọn hoặc đã giải thể.")]})
    return unit


def target_repr(target: Target) -> str:
    indicator = indicator_for(target.indicator, active_only=False)
    label = str(indicator.label) if indicator else target.indicator
    return f"{label} · {target.baseline_year}–{target.target_year}"


def _snapshot(target: Target) -> dict[str, Any]:
    return {field: getattr(target, field) for field in EDITABLE}


def target_create(
    *,
    actor: Any,
    unit: AdminUnit,
    indicator: str,
    standard_id: str,
    baseline_year: int,
    target_year: int,
    value: Decimal | int | str,
    source_document: str,
    annual: bool = False,
    source_date: dt.date | None = None,
    note: str = "",
) -> Target:
    """Set a target for a unit in the actor's TARGET_MANAGE scope."""
    unit = _unit_ok(unit)
    require(actor, Perm.TARGET_MANAGE, unit.path)
    cleaned = _validate({"indicator": indicator, "standard_id": standard_id, "baseline_year": baseline_year,
                         "target_year": target_year, "value": value, "annual": annual,
                         "source_document": source_document, "source_date": source_date, "note": note}, unit=unit)
    with transaction.atomic():
        target = Target.objects.create(unit=unit, unit_path=unit.path, **cleaned)
        log_action(actor=actor, action="giamngheo.support.target_created", object_type="target", object_id=target.pk,
                   object_repr=target_repr(target), unit_path=unit.path,
                   changes=diff({}, _snapshot(target)), data={"unit": unit.code})
    return target


def _stale(target: Target) -> str:
    return _("Chỉ tiêu «%(target)s» vừa được người khác sửa sau khi bạn mở. Hãy tải lại trang để xem bản mới nhất; "
             "thay đổi của bạn chưa được lưu.") % {"target": target_repr(target)}


def _locked(target: Target, actor: Any, expected_version: Any) -> Target:
    require(actor, Perm.TARGET_MANAGE, target.unit_path)
    current = Target.objects.select_for_update().get(pk=target.pk)
    if current.deleted_at is not None:
        raise ValidationFailed(_("Chỉ tiêu này đã bị xoá."), errors={"__all__": [_("Chỉ tiêu này đã bị xoá.")]})
    if isinstance(expected_version, bool) or not isinstance(expected_version, int) \
            or current.version != expected_version:
        raise ConcurrentEditError(_stale(current), extra={"version": current.version})
    return current


def _has_allocations(target: Target) -> bool:
    return target.allocations.filter(deleted_at__isnull=True).exists()


def target_update(*, actor: Any, target: Target, expected_version: int, **changes: Any) -> Target:
    """Correct a target. What an allocated target shares with its parent (indicator, standard, years, annual)
    cannot change on either side while the allocation stands."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(_("Có ô không sửa được."), errors={f: [_("Ô này không sửa được.")] for f in unknown})
    with transaction.atomic():
        current = _locked(target, actor, expected_version)
        before = _snapshot(current)
        shared = [f for f in SHARED_WITH_PARENT if f in changes and changes[f] != before[f]]
        if shared and (current.parent_id is not None or _has_allocations(current)):
            raise ValidationFailed(_("Chỉ tiêu đã phân bổ; chưa lưu gì."), errors={f: [_(
                "Chỉ tiêu này đã được phân bổ (từ cấp trên hoặc cho cấp dưới): không đổi được chỉ tiêu, chuẩn, kỳ "
                "hay cách giao theo năm. Hãy xoá phân bổ rồi giao lại.")] for f in shared})
        cleaned = _validate({**before, **changes}, unit=current.unit, exclude_pk=current.pk,
                            current_indicator=current.indicator)
        for field in EDITABLE:
            setattr(current, field, cleaned[field])
        changed = diff(before, _snapshot(current))
        # Nothing changed, nothing written: a new version would only make others' open forms stale (and a write
        # with no audit entry).
        if changed:
            current.version += 1
            current.save()
            log_action(actor=actor, action="giamngheo.support.target_updated", object_type="target",
                       object_id=current.pk, object_repr=target_repr(current), unit_path=current.unit_path,
                       changes=changed)
    return current


def target_delete(*, actor: Any, target: Target, expected_version: int, reason: str = "") -> Target:
    """Withdraw a target (soft delete). A target allocated further down is withdrawn only after its
    allocations."""
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, _("Lý do xoá"), max_length=MAX_REASON)
    _refuse(errors)
    with transaction.atomic():
        current = _locked(target, actor, expected_version)
        if _has_allocations(current):
            raise ValidationFailed(_("Chỉ tiêu đã phân bổ cho cấp dưới; chưa xoá."), errors={"__all__": [_(
                "Chỉ tiêu này đã phân bổ cho cấp dưới; hãy xoá các chỉ tiêu phân bổ trước.")]})
        current.deleted_at = timezone.now()
        current.version += 1
        current.save(update_fields=["deleted_at", "version", "updated_at"])
        log_action(actor=actor, action="giamngheo.support.target_deleted", object_type="target", object_id=current.pk,
                   object_repr=target_repr(current), unit_path=current.unit_path,
                   changes={"deleted_at": [None, current.deleted_at]}, data={"reason": reason})
    return current


# --- allocation ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationCheck:
    """How the children's values compare with the parent's: ``combined`` is their sum (counts) or their
    household-weighted average (rates, changes); ``matches`` whether that meets the parent."""

    sums: bool
    combined: Decimal | None
    parent_value: Decimal
    matches: bool
    missing: tuple[str, ...]  # names of children without a value

    def message(self, indicator: Indicator, unit_name: str) -> str:
        from giamngheo.support.targets.achievement import format_value

        parts = []
        if self.combined is None:
            parts.append(_("không tính được bình quân (các đơn vị chưa có hộ trong sổ)"))
        elif self.sums:
            parts.append(_("tổng các đơn vị %(combined)s, chỉ tiêu của %(unit)s %(parent)s") % {
                "combined": format_value(indicator, self.combined), "unit": unit_name,
                "parent": format_value(indicator, self.parent_value)})
        else:
            parts.append(_("bình quân theo số hộ %(combined)s, chỉ tiêu của %(unit)s %(parent)s") % {
                "combined": format_value(indicator, self.combined), "unit": unit_name,
                "parent": format_value(indicator, self.parent_value)})
        if self.missing:
            parts.append(_("chưa phân bổ cho %(units)s") % {"units": ", ".join(self.missing)})
        return "; ".join(parts)


def child_units(unit: AdminUnit) -> list[AdminUnit]:
    """The units a target of ``unit`` is allocated to: a province's communes, a commune's hamlets (current)."""
    level = CHILD_LEVEL.get(unit.level)
    if level is None:
        return []
    return list(AdminUnit.objects.filter(parent=unit, level=level, valid_to__isnull=True).order_by("name", "pk"))


def allocation_weights(indicator: Indicator, units: list[AdminUnit]) -> dict[int, int]:
    """Households of each child unit in the registry: the weights of a rate's average (ethnic-minority
    households for the ethnic-minority indicators)."""
    from giamngheo.support.targets.measure import ethnic_minority_households, registry_households

    counter = ethnic_minority_households if indicator.measure == "ethnic_minority_rate" else registry_households
    return {unit.pk: counter(unit.path).count() for unit in units}


def allocation_check(parent: Target, indicator: Indicator, values: dict[int, Decimal],
                     units: list[AdminUnit]) -> AllocationCheck:
    """Compare children's values (by unit id) with the parent's value."""
    parent_value = Decimal(parent.value)
    missing = tuple(u.name for u in units if u.pk not in values)
    if indicator.sums:
        combined: Decimal | None = sum(values.values(), Decimal(0))
        matches = combined == parent_value
    else:
        weights = allocation_weights(indicator, [u for u in units if u.pk in values])
        total = sum(weights.values())
        combined = (sum((values[pk] * weights[pk] for pk in values), Decimal(0)) / total) if total else None
        if combined is None:
            matches = False
        else:
            combined = combined.quantize(Decimal("0.0001"))
            matches = combined <= parent_value if indicator.lower_is_better else combined >= parent_value
    return AllocationCheck(sums=indicator.sums, combined=combined, parent_value=parent_value,
                           matches=matches and not missing, missing=missing)


def targets_allocate(*, actor: Any, parent: Target, allocations: dict[AdminUnit, Any],
                     accept_mismatch: bool = False, reason: str = "") -> list[Target]:
    """Give each child unit its share of ``parent`` (create, or update a share given before). A sum or an
    average that does not meet the parent is refused unless ``accept_mismatch`` with a ``reason``."""
    require(actor, Perm.TARGET_MANAGE, parent.unit_path)
    indicator = indicator_for(parent.indicator, active_only=False)
    if indicator is None:
        raise ValidationFailed(_("Chỉ tiêu không có trong danh mục."), errors={"indicator": [
            _("Chỉ tiêu «%(code)s» không có trong danh mục chỉ tiêu.") % {"code": parent.indicator}]})
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, _("Lý do chấp nhận phân bổ chưa khớp"), max_length=MAX_REASON)
    if not isinstance(allocations, dict) or not allocations:
        _add(errors, "allocations", _("Chưa ghi giá trị phân bổ cho đơn vị nào."))
    elif len(allocations) > MAX_ALLOCATIONS:
        _add(errors, "allocations", _("Quá nhiều đơn vị."))
    units = child_units(parent.unit)
    by_pk = {u.pk: u for u in units}
    values: dict[int, Decimal] = {}
    for unit, raw in (allocations.items() if isinstance(allocations, dict) else []):
        key = f"allocations.{getattr(unit, 'code', '')}"
        if not isinstance(unit, AdminUnit) or unit.pk not in by_pk:
            _add(errors, key, _("Đơn vị %(unit)s không phải đơn vị trực thuộc %(parent)s.")
                 % {"unit": getattr(unit, "name", unit), "parent": parent.unit.name})
            continue
        value = check_value(errors, key, raw, indicator, _("Giá trị phân bổ cho %(unit)s") % {"unit": unit.name})
        if value is not None:
            values[unit.pk] = value
    _refuse(errors)
    check = allocation_check(parent, indicator, values, units)
    summary = check.message(indicator, parent.unit.name)
    if not check.matches:
        if not accept_mismatch:
            raise ValidationFailed(
                _("Phân bổ chưa khớp chỉ tiêu của %(unit)s: %(summary)s. Chưa lưu gì.")
                % {"unit": parent.unit.name, "summary": summary},
                errors={"allocations": [_("Phân bổ chưa khớp chỉ tiêu của %(unit)s: %(summary)s.")
                                        % {"unit": parent.unit.name, "summary": summary}]})
        if not reason:
            _refuse({"reason": [_("Phân bổ chưa khớp (%(summary)s): hãy ghi lý do chấp nhận.")
                                % {"summary": summary}]})
    written: list[Target] = []
    with transaction.atomic():
        parent = Target.objects.select_for_update().get(pk=parent.pk)
        if parent.deleted_at is not None:
            _refuse({"__all__": [_("Chỉ tiêu này đã bị xoá.")]})
        existing = {t.unit_id: t for t in Target.objects.select_for_update().filter(
            parent=parent, deleted_at__isnull=True)}
        for pk, value in values.items():
            unit = by_pk[pk]
            child = existing.get(pk)
            if child is None:
                clash = Target.objects.filter(unit=unit, indicator=parent.indicator, standard_id=parent.standard_id,
                                              baseline_year=parent.baseline_year, target_year=parent.target_year,
                                              deleted_at__isnull=True).exists()
                if clash:
                    _refuse({f"allocations.{unit.code}": [_(
                        "%(unit)s đã có chỉ tiêu này cho cùng kỳ (không phân bổ từ chỉ tiêu này); hãy xoá chỉ tiêu "
                        "đó trước.") % {"unit": unit.name}]})
                child = Target.objects.create(
                    unit=unit, unit_path=unit.path, indicator=parent.indicator, standard_id=parent.standard_id,
                    baseline_year=parent.baseline_year, target_year=parent.target_year, value=value,
                    annual=parent.annual, parent=parent, source_document=parent.source_document,
                    source_date=parent.source_date)
                log_action(actor=actor, action="giamngheo.support.target_created", object_type="target",
                           object_id=child.pk, object_repr=target_repr(child), unit_path=unit.path,
                           changes=diff({}, _snapshot(child)), data={"allocated_from": parent.pk})
            elif child.value != value:
                before = _snapshot(child)
                child.value = value
                child.version += 1
                child.save(update_fields=["value", "version", "updated_at"])
                log_action(actor=actor, action="giamngheo.support.target_updated", object_type="target",
                           object_id=child.pk, object_repr=target_repr(child), unit_path=unit.path,
                           changes=diff(before, _snapshot(child)), data={"allocated_from": parent.pk})
            written.append(child)
        log_action(
            actor=actor, action="giamngheo.support.targets_allocated", object_type="target", object_id=parent.pk,
            object_repr=target_repr(parent), unit_path=parent.unit_path,
            data={"allocations": {by_pk[pk].code: value for pk, value in values.items()},
                  "check": {"sums": check.sums, "combined": check.combined, "parent": check.parent_value,
                            "matches": check.matches, "missing": list(check.missing), "summary": summary},
                  "accepted_mismatch": not check.matches, "reason": reason if not check.matches else ""})
    return written
