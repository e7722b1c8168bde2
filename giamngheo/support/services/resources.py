"""Money mobilised and spent, fund campaigns and their pledges, and the link from a spending to the support
records it paid for.

Every service follows ``reviews/services/cases.py::review_case_survey``: require → lock → check version →
validate everything → write → audit, in one transaction. A refusal is a ``ValidationFailed`` naming each field
at fault in the officer's words; nothing is stored then. Deleting sets ``deleted_at``: a report already sent
must still be explainable from the trail.

What must always hold (and what the reconciliation in ``selectors/resources.py`` re-checks):
- an entry belongs to a province or a commune, its ``level`` and ``unit_path`` are that unit's, its ``year`` is
  the year of its date;
- a receipt naming a pledge is money mobilised in that pledge's campaign;
- the support records linked to a spending are of households inside the spending's unit, given in the
  spending's year or before, and their amounts add up to no more than the spending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Model, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, require, scope_q
from giamngheo.core.audit import diff, log_action
from giamngheo.core.dates import date_in_bounds
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from giamngheo.core.formatting import format_date, format_number
from giamngheo.geo.models import AdminUnit, UnitLevel
from giamngheo.support.models import (
    Campaign,
    FlowDirection,
    FundSource,
    Pledge,
    Programme,
    ProviderType,
    ResourceEntry,
    SupportRecord,
)

# A province's whole budget for a year is far below 10^15 đồng; a bigger number is a typing mistake (and
# sums over a province of such numbers stay well inside a 64-bit integer).
MAX_AMOUNT = 10**15
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_CAMPAIGN_DAYS = 366
MAX_DESCRIPTION = 500
MAX_DOCUMENT = 200
MAX_NAME = 200
MAX_NOTE = 5000
# Records linked in one request: a page of candidates, or an API call; more is a script gone wrong.
MAX_LINKS = 500
RESOURCE_LEVELS = (UnitLevel.PROVINCE, UnitLevel.COMMUNE)
DONOR_TYPES = ProviderType

ENTRY_EDITABLE = ("direction", "source", "amount", "on", "programme", "campaign", "pledge", "description",
                  "document")
CAMPAIGN_EDITABLE = ("name", "source", "starts_on", "ends_on", "goal_amount", "note")
PLEDGE_EDITABLE = ("donor_name", "donor_type", "amount", "pledged_on", "note")

Errors = dict[str, list[str]]


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def money_text(amount: int | None) -> str:
    """An exact amount for a message: "1.234.567 đồng" (a rounded "1,2 triệu" hides the difference)."""
    return _("%(amount)s đồng") % {"amount": format_number(amount or 0)}


def _check_money(errors: Errors, field: str, value: Any, label: str, *, required: bool = True) -> None:
    if value is None:
        if required:
            _add(errors, field, _("%(label)s: chưa ghi số tiền.") % {"label": label})
        return
    if isinstance(value, bool) or not isinstance(value, int):
        _add(errors, field, _("%(label)s: số tiền phải là số nguyên (đồng).") % {"label": label})
    elif not 1 <= value <= MAX_AMOUNT:
        _add(errors, field, _("%(label)s: số tiền phải từ 1 đến %(max)s đồng.")
             % {"label": label, "max": format_number(MAX_AMOUNT)})


def _check_date(errors: Errors, field: str, value: Any, label: str, *, today: dt.date | None) -> None:
    """A date within 2000–2100; not after ``today`` unless ``today`` is None (a campaign may be planned)."""
    if value is None:
        _add(errors, field, _("%(label)s: chưa ghi ngày.") % {"label": label})
        return
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        _add(errors, field, _("%(label)s: ngày không hợp lệ.") % {"label": label})
        return
    if not date_in_bounds(value) or not FIRST_YEAR <= value.year <= LAST_YEAR:
        _add(errors, field, _("%(label)s: ngày %(date)s không hợp lệ (phải trong các năm %(first)s–%(last)s).")
             % {"label": label, "date": format_date(value), "first": FIRST_YEAR, "last": LAST_YEAR})
    elif today is not None and value > today:
        _add(errors, field, _("%(label)s không được sau ngày hôm nay (%(today)s).")
             % {"label": label, "today": format_date(today)})


def _check_text(errors: Errors, field: str, value: Any, label: str, *, max_length: int,
                required: bool = False) -> None:
    if not isinstance(value, str):
        _add(errors, field, _("%(label)s: phải là chữ.") % {"label": label})
    elif required and not value.strip():
        _add(errors, field, _("%(label)s: chưa ghi.") % {"label": label})
    elif len(value) > max_length:
        _add(errors, field, _("%(label)s: tối đa %(max)s ký tự.") % {"label": label, "max": max_length})


def _check_choice(errors: Errors, field: str, value: Any, label: str, allowed: Iterable[str]) -> None:
    allowed = list(allowed)
    if value not in allowed:
        _add(errors, field, _("%(label)s: giá trị không hợp lệ; chọn một trong: %(values)s.")
             % {"label": label, "values": ", ".join(allowed)})


def _refuse(errors: Errors, what: str) -> None:
    if errors:
        count = sum(len(v) for v in errors.values())
        raise ValidationFailed(
            ngettext("%(what)s có %(count)d ô cần sửa; chưa lưu gì. Hãy sửa ô được đánh dấu.",
                     "%(what)s có %(count)d ô cần sửa; chưa lưu gì. Hãy sửa các ô được đánh dấu.", count)
            % {"what": what, "count": count},
            errors=errors,
        )


def _stale(label: str, current: int) -> ConcurrentEditError:
    return ConcurrentEditError(
        _("%(what)s vừa được người khác lưu sau khi bạn mở. Hãy tải lại trang để xem bản mới nhất; thay đổi của bạn "
          "chưa được lưu.") % {"what": label},
        extra={"version": current},
    )


def _gone(label: str) -> ApplicationError:
    return ApplicationError(_("%(what)s đã bị xoá; không sửa được nữa.") % {"what": label})


def _lock(model: type[Model], pk: int) -> Any:
    return model.objects.select_for_update().get(pk=pk)  # type: ignore[attr-defined]


def _check_expected(obj: Any, expected_version: int | None, label: str, *, required: bool) -> None:
    if obj.deleted_at is not None:
        raise _gone(label)
    if expected_version is None and not required:
        return
    if expected_version != obj.version:
        raise _stale(label, obj.version)


# ---------------------------------------------------------------------------------------------------- units


def _resource_unit(actor: Any, unit: AdminUnit) -> None:
    """Money is booked by a province or a commune inside the actor's RESOURCE_MANAGE scope (404 outside)."""
    require(actor, Perm.RESOURCE_MANAGE, unit.path)
    if unit.level not in RESOURCE_LEVELS:
        raise ValidationFailed(
            _("Chỉ ghi nguồn lực cho tỉnh/thành phố hoặc xã/phường."),
            errors={"unit": [_("Đơn vị: chọn tỉnh/thành phố hoặc xã/phường (không ghi cho thôn/ấp).")]},
        )


# -------------------------------------------------------------------------------------------------- entries


def _entry_snapshot(entry: ResourceEntry) -> dict[str, Any]:
    return {
        "unit": entry.unit_id, "direction": entry.direction, "source": entry.source, "amount": entry.amount,
        "on": entry.on, "year": entry.year, "programme": entry.programme_id, "campaign": entry.campaign_id,
        "pledge": entry.pledge_id, "description": entry.description, "document": entry.document,
    }


def _entry_repr(entry: ResourceEntry) -> str:
    direction = FlowDirection(entry.direction).label if entry.direction in FlowDirection.values else entry.direction
    return f"{direction} · {format_date(entry.on)} · {money_text(entry.amount)} · {entry.description}"[:255]


def _validate_entry(actor: Any, unit: AdminUnit, data: dict[str, Any], *, today: dt.date) -> Errors:
    """Every rule of an entry at once; fills ``data["campaign"]`` from the pledge when only the pledge is named."""
    errors: Errors = {}
    _check_choice(errors, "direction", data["direction"], _("Huy động hay chi"), FlowDirection.values)
    _check_choice(errors, "source", data["source"], _("Nguồn"), FundSource.values)
    _check_money(errors, "amount", data["amount"], _("Số tiền"))
    _check_date(errors, "on", data["on"], _("Ngày"), today=today)
    _check_text(errors, "description", data["description"], _("Nội dung"), max_length=MAX_DESCRIPTION,
                required=True)
    _check_text(errors, "document", data["document"], _("Chứng từ, văn bản"), max_length=MAX_DOCUMENT)
    programme: Programme | None = data["programme"]
    if programme is not None and programme.province_id is not None and not unit.path.startswith(programme.unit_path):
        _add(errors, "programme", _("Chương trình, dự án: đây là chương trình riêng của tỉnh khác."))
    pledge: Pledge | None = data["pledge"]
    campaign: Campaign | None = data["campaign"]
    if pledge is not None:
        if pledge.deleted_at is not None or not allows(actor, Perm.SUPPORT_VIEW, pledge.unit_path):
            _add(errors, "pledge", _("Đăng ký ủng hộ: không tìm thấy."))
        else:
            if data["direction"] != FlowDirection.MOBILISED:
                _add(errors, "pledge", _("Đăng ký ủng hộ: chỉ khoản huy động (tiền nhận được) mới ghi theo một "
                                         "đăng ký ủng hộ; khoản chi thì bỏ trống ô này."))
            if campaign is None:
                campaign = data["campaign"] = pledge.campaign
            elif campaign.pk != pledge.campaign_id:
                _add(errors, "pledge", _("Đăng ký ủng hộ: đăng ký của «%(donor)s» thuộc đợt vận động khác, không "
                                         "thuộc «%(campaign)s».") % {"donor": pledge.donor_name,
                                                                     "campaign": campaign.name})
    if campaign is not None:
        if campaign.deleted_at is not None or not allows(actor, Perm.SUPPORT_VIEW, campaign.unit_path):
            _add(errors, "campaign", _("Đợt vận động: không tìm thấy."))
        elif not unit.path.startswith(campaign.unit_path):
            _add(errors, "campaign", _("Đợt vận động: «%(campaign)s» không phải của đơn vị này hay đơn vị cấp trên "
                                       "của nó.") % {"campaign": campaign.name})
    return errors


def resource_entry_create(
    *,
    actor: Any,
    unit: AdminUnit,
    direction: str,
    source: str,
    amount: int,
    on: dt.date,
    description: str,
    programme: Programme | None = None,
    campaign: Campaign | None = None,
    pledge: Pledge | None = None,
    document: str = "",
    today: dt.date | None = None,
) -> ResourceEntry:
    """Record money mobilised or spent by ``unit`` (a province or a commune)."""
    _resource_unit(actor, unit)
    data: dict[str, Any] = {
        "direction": direction, "source": source, "amount": amount, "on": on, "description": description,
        "programme": programme, "campaign": campaign, "pledge": pledge, "document": document,
    }
    _refuse(_validate_entry(actor, unit, data, today=_today(today)), _("Khoản nguồn lực"))
    with transaction.atomic():
        # A pledge deleted meanwhile must not receive money.
        if data["pledge"] is not None and _lock(Pledge, data["pledge"].pk).deleted_at is not None:
            raise ValidationFailed(_("Đăng ký ủng hộ vừa bị xoá."),
                                   errors={"pledge": [_("Đăng ký ủng hộ: không tìm thấy.")]})
        entry = ResourceEntry.objects.create(
            unit=unit, unit_path=unit.path, level=unit.level, direction=direction, source=source, amount=amount,
            on=on, year=on.year, programme=programme, campaign=data["campaign"], pledge=pledge,
            description=description.strip(), document=document.strip(), created_by=_user(actor),
            updated_by=_user(actor),
        )
        log_action(actor=actor, action="giamngheo.support.resource_created", object_type="resource_entry",
                   object_id=entry.pk, object_repr=_entry_repr(entry), unit_path=entry.unit_path,
                   changes=diff({}, _entry_snapshot(entry)))
    return entry


def _linked(spending: ResourceEntry) -> Any:
    return SupportRecord.objects.filter(funded_by=spending, deleted_at__isnull=True)


def resource_entry_update(
    *, actor: Any, entry: ResourceEntry, expected_version: int, today: dt.date | None = None, **fields: Any
) -> ResourceEntry:
    """Change an entry's facts (``ENTRY_EDITABLE``; the unit stays: an entry of another unit is a new entry).
    A spending that paid for support records keeps paying for them: it stays a spending, its amount covers
    them and its year is not before theirs."""
    unknown = set(fields) - set(ENTRY_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    label = _("Khoản nguồn lực")
    require(actor, Perm.RESOURCE_MANAGE, entry.unit_path)
    with transaction.atomic():
        entry = _lock(ResourceEntry, entry.pk)
        _check_expected(entry, expected_version, label, required=True)
        before = _entry_snapshot(entry)
        data: dict[str, Any] = {
            "direction": entry.direction, "source": entry.source, "amount": entry.amount, "on": entry.on,
            "description": entry.description, "document": entry.document, "programme": entry.programme,
            "campaign": entry.campaign, "pledge": entry.pledge,
        }
        data.update(fields)
        unit = entry.unit
        errors = _validate_entry(actor, unit, data, today=_today(today))
        linked = _linked(entry).aggregate(total=Coalesce(Sum("amount"), 0), count=Count("pk"))
        linked_count = linked["count"]
        if linked_count:
            if data["direction"] != FlowDirection.SPENT:
                _add(errors, "direction", ngettext(
                    "Huy động hay chi: khoản chi này đã gắn với %(count)d lượt hỗ trợ cho hộ; hãy bỏ gắn trước khi "
                    "đổi thành khoản huy động.",
                    "Huy động hay chi: khoản chi này đã gắn với %(count)d lượt hỗ trợ cho hộ; hãy bỏ gắn trước khi "
                    "đổi thành khoản huy động.", linked_count) % {"count": linked_count})
            amount = data["amount"]
            if isinstance(amount, int) and not isinstance(amount, bool) and amount < linked["total"]:
                _add(errors, "amount", _("Số tiền: các lượt hỗ trợ đã gắn với khoản chi này cộng lại %(linked)s, "
                                         "lớn hơn số tiền mới %(amount)s; hãy bỏ gắn bớt trước.")
                     % {"linked": money_text(linked["total"]), "amount": money_text(amount)})
            on = data["on"]
            if isinstance(on, dt.date) and _linked(entry).filter(year__gt=on.year).exists():
                _add(errors, "on", _("Ngày: có lượt hỗ trợ đã gắn ghi năm sau năm %(year)s; khoản chi không thể "
                                     "trả cho hỗ trợ của năm sau nó.") % {"year": on.year})
        _refuse(errors, label)
        for name in ENTRY_EDITABLE:
            setattr(entry, name, data[name])
        entry.description, entry.document = entry.description.strip(), entry.document.strip()
        entry.year = entry.on.year
        after = _entry_snapshot(entry)
        changes = diff(before, after)
        if not changes:
            return entry
        entry.updated_by = _user(actor)
        entry.version = F("version") + 1  # type: ignore[assignment]
        entry.save()
        entry.refresh_from_db(fields=["version"])
        log_action(actor=actor, action="giamngheo.support.resource_updated", object_type="resource_entry",
                   object_id=entry.pk, object_repr=_entry_repr(entry), unit_path=entry.unit_path, changes=changes)
    return entry


def resource_entry_delete(*, actor: Any, entry: ResourceEntry, expected_version: int | None) -> ResourceEntry:
    """Withdraw an entry (soft). A spending still paying for support records is refused: unlink them first,
    so the records never point at money that is no longer counted."""
    label = _("Khoản nguồn lực")
    require(actor, Perm.RESOURCE_MANAGE, entry.unit_path)
    with transaction.atomic():
        entry = _lock(ResourceEntry, entry.pk)
        _check_expected(entry, expected_version, label, required=False)
        count = _linked(entry).count()
        if count:
            raise ApplicationError(ngettext(
                "Khoản chi này đang gắn với %(count)d lượt hỗ trợ cho hộ; hãy bỏ gắn trước khi xoá.",
                "Khoản chi này đang gắn với %(count)d lượt hỗ trợ cho hộ; hãy bỏ gắn trước khi xoá.", count)
                % {"count": count})
        entry.deleted_at = timezone.now()
        entry.updated_by = _user(actor)
        entry.version = F("version") + 1  # type: ignore[assignment]
        entry.save()
        entry.refresh_from_db(fields=["version"])
        log_action(actor=actor, action="giamngheo.support.resource_deleted", object_type="resource_entry",
                   object_id=entry.pk, object_repr=_entry_repr(entry), unit_path=entry.unit_path,
                   changes={"deleted_at": [None, entry.deleted_at.isoformat()]}, data=_plain(_entry_snapshot(entry)))
    return entry


def _plain(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, (_none, value) in diff({}, dict(snapshot)).items()}


# ------------------------------------------------------------------------------------------------ campaigns


def _campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    return {"unit": campaign.unit_id, "name": campaign.name, "source": campaign.source,
            "starts_on": campaign.starts_on, "ends_on": campaign.ends_on, "goal_amount": campaign.goal_amount,
            "note": campaign.note}


def _validate_campaign(data: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    _check_text(errors, "name", data["name"], _("Tên đợt vận động"), max_length=MAX_NAME, required=True)
    _check_choice(errors, "source", data["source"], _("Nguồn"), FundSource.values)
    _check_date(errors, "starts_on", data["starts_on"], _("Từ ngày"), today=None)
    _check_date(errors, "ends_on", data["ends_on"], _("Đến ngày"), today=None)
    _check_money(errors, "goal_amount", data["goal_amount"], _("Chỉ tiêu vận động"), required=False)
    _check_text(errors, "note", data["note"], _("Ghi chú"), max_length=MAX_NOTE)
    starts, ends = data["starts_on"], data["ends_on"]
    if "starts_on" not in errors and "ends_on" not in errors:
        if ends < starts:
            _add(errors, "ends_on", _("Đến ngày: phải sau hoặc bằng ngày bắt đầu (%(start)s).")
                 % {"start": format_date(starts)})
        elif (ends - starts).days + 1 > MAX_CAMPAIGN_DAYS:
            _add(errors, "ends_on", _("Đến ngày: một đợt vận động dài tối đa %(days)s ngày (từ %(start)s đến "
                                      "%(end)s là %(length)s ngày).")
                 % {"days": MAX_CAMPAIGN_DAYS, "start": format_date(starts), "end": format_date(ends),
                    "length": format_number((ends - starts).days + 1)})
    return errors


def campaign_create(
    *,
    actor: Any,
    unit: AdminUnit,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    source: str = FundSource.FOR_THE_POOR_FUND,
    goal_amount: int | None = None,
    note: str = "",
) -> Campaign:
    """A fund-raising campaign of a province or commune (e.g. the peak month 17/10–18/11)."""
    _resource_unit(actor, unit)
    data = {"name": name, "source": source, "starts_on": starts_on, "ends_on": ends_on, "goal_amount": goal_amount,
            "note": note}
    _refuse(_validate_campaign(data), _("Đợt vận động"))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            unit=unit, unit_path=unit.path, name=name.strip(), source=source, starts_on=starts_on, ends_on=ends_on,
            goal_amount=goal_amount, note=note.strip(), created_by=_user(actor), updated_by=_user(actor))
        log_action(actor=actor, action="giamngheo.support.campaign_created", object_type="campaign",
                   object_id=campaign.pk, object_repr=campaign.name, unit_path=campaign.unit_path,
                   changes=diff({}, _campaign_snapshot(campaign)))
    return campaign


def campaign_update(*, actor: Any, campaign: Campaign, expected_version: int, **fields: Any) -> Campaign:
    """Change a campaign's facts (``CAMPAIGN_EDITABLE``)."""
    unknown = set(fields) - set(CAMPAIGN_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    label = _("Đợt vận động")
    require(actor, Perm.RESOURCE_MANAGE, campaign.unit_path)
    with transaction.atomic():
        campaign = _lock(Campaign, campaign.pk)
        _check_expected(campaign, expected_version, label, required=True)
        before = _campaign_snapshot(campaign)
        data = {name: getattr(campaign, name) for name in CAMPAIGN_EDITABLE}
        data.update(fields)
        _refuse(_validate_campaign(data), label)
        for name in CAMPAIGN_EDITABLE:
            setattr(campaign, name, data[name])
        campaign.name, campaign.note = campaign.name.strip(), campaign.note.strip()
        changes = diff(before, _campaign_snapshot(campaign))
        if not changes:
            return campaign
        campaign.updated_by = _user(actor)
        campaign.version = F("version") + 1  # type: ignore[assignment]
        campaign.save()
        campaign.refresh_from_db(fields=["version"])
        log_action(actor=actor, action="giamngheo.support.campaign_updated", object_type="campaign",
                   object_id=campaign.pk, object_repr=campaign.name, unit_path=campaign.unit_path, changes=changes)
    return campaign


def campaign_delete(*, actor: Any, campaign: Campaign, expected_version: int | None) -> Campaign:
    """Withdraw a campaign with no pledges and no money booked to it (those are deleted first, one by one,
    each with its own trail)."""
    label = _("Đợt vận động")
    require(actor, Perm.RESOURCE_MANAGE, campaign.unit_path)
    with transaction.atomic():
        campaign = _lock(Campaign, campaign.pk)
        _check_expected(campaign, expected_version, label, required=False)
        pledges = campaign.pledges.filter(deleted_at__isnull=True).count()
        entries = campaign.entries.filter(deleted_at__isnull=True).count()
        if pledges or entries:
            raise ApplicationError(
                _("Đợt vận động «%(name)s» còn %(pledges)s đăng ký ủng hộ và %(entries)s khoản tiền ghi theo đợt; "
                  "hãy xoá hoặc chuyển chúng trước khi xoá đợt.")
                % {"name": campaign.name, "pledges": format_number(pledges), "entries": format_number(entries)})
        campaign.deleted_at = timezone.now()
        campaign.updated_by = _user(actor)
        campaign.version = F("version") + 1  # type: ignore[assignment]
        campaign.save()
        campaign.refresh_from_db(fields=["version"])
        log_action(actor=actor, action="giamngheo.support.campaign_deleted", object_type="campaign",
                   object_id=campaign.pk, object_repr=campaign.name, unit_path=campaign.unit_path,
                   changes={"deleted_at": [None, campaign.deleted_at.isoformat()]},
                   data=_plain(_campaign_snapshot(campaign)))
    return campaign


# -------------------------------------------------------------------------------------------------- pledges


def _pledge_snapshot(pledge: Pledge) -> dict[str, Any]:
    return {"campaign": pledge.campaign_id, "donor_name": pledge.donor_name, "donor_type": pledge.donor_type,
            "amount": pledge.amount, "pledged_on": pledge.pledged_on, "note": pledge.note}


def _pledge_repr(pledge: Pledge) -> str:
    return f"{pledge.donor_name} · {money_text(pledge.amount)}"[:255]


def _validate_pledge(data: Mapping[str, Any], *, today: dt.date) -> Errors:
    errors: Errors = {}
    _check_text(errors, "donor_name", data["donor_name"], _("Đơn vị, cá nhân ủng hộ"), max_length=MAX_NAME,
                required=True)
    _check_choice(errors, "donor_type", data["donor_type"], _("Loại nhà hảo tâm"), DONOR_TYPES.values)
    _check_money(errors, "amount", data["amount"], _("Số tiền đăng ký"))
    _check_date(errors, "pledged_on", data["pledged_on"], _("Ngày đăng ký"), today=today)
    _check_text(errors, "note", data["note"], _("Ghi chú"), max_length=MAX_NOTE)
    return errors


def pledge_create(
    *,
    actor: Any,
    campaign: Campaign,
    donor_name: str,
    donor_type: str,
    amount: int,
    pledged_on: dt.date,
    note: str = "",
    today: dt.date | None = None,
) -> Pledge:
    """A donor's promise in ``campaign``; the money itself arrives as receipts naming the pledge."""
    require(actor, Perm.RESOURCE_MANAGE, campaign.unit_path)
    data = {"donor_name": donor_name, "donor_type": donor_type, "amount": amount, "pledged_on": pledged_on,
            "note": note}
    _refuse(_validate_pledge(data, today=_today(today)), _("Đăng ký ủng hộ"))
    with transaction.atomic():
        locked = _lock(Campaign, campaign.pk)
        if locked.deleted_at is not None:
            raise _gone(_("Đợt vận động"))
        pledge = Pledge.objects.create(
            campaign=locked, unit_path=locked.unit_path, donor_name=donor_name.strip(), donor_type=donor_type,
            amount=amount, pledged_on=pledged_on, note=note.strip(), created_by=_user(actor),
            updated_by=_user(actor))
        log_action(actor=actor, action="giamngheo.support.pledge_created", object_type="pledge", object_id=pledge.pk,
                   object_repr=_pledge_repr(pledge), unit_path=pledge.unit_path,
                   changes=diff({}, _pledge_snapshot(pledge)))
    return pledge


def pledge_update(
    *, actor: Any, pledge: Pledge, expected_version: int, today: dt.date | None = None, **fields: Any
) -> Pledge:
    """Change a pledge (``PLEDGE_EDITABLE``). A pledge lowered below what was received is allowed (the donor
    gave more than promised) and shown by the reconciliation."""
    unknown = set(fields) - set(PLEDGE_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    label = _("Đăng ký ủng hộ")
    require(actor, Perm.RESOURCE_MANAGE, pledge.unit_path)
    with transaction.atomic():
        pledge = _lock(Pledge, pledge.pk)
        _check_expected(pledge, expected_version, label, required=True)
        before = _pledge_snapshot(pledge)
        data = {name: getattr(pledge, name) for name in PLEDGE_EDITABLE}
        data.update(fields)
        _refuse(_validate_pledge(data, today=_today(today)), label)
        for name in PLEDGE_EDITABLE:
            setattr(pledge, name, data[name])
        pledge.donor_name, pledge.note = pledge.donor_name.strip(), pledge.note.strip()
        changes = diff(before, _pledge_snapshot(pledge))
        if not changes:
            return pledge
        pledge.updated_by = _user(actor)
        pledge.version = F("version") + 1  # type: ignore[assignment]
        pledge.save()
        pledge.refresh_from_db(fields=["version"])
        log_action(actor=actor, action="giamngheo.support.pledge_updated", object_type="pledge", object_id=pledge.pk,
                   object_repr=_pledge_repr(pledge), unit_path=pledge.unit_path, changes=changes)
    return pledge


def pledge_delete(*, actor: Any, pledge: Pledge, expected_version: int | None) -> Pledge:
    """Withdraw a pledge no money was received against."""
    label = _("Đăng ký ủng hộ")
    require(actor, Perm.RESOURCE_MANAGE, pledge.unit_path)
    with transaction.atomic():
        pledge = _lock(Pledge, pledge.pk)
        _check_expected(pledge, expected_version, label, required=False)
        receipts = pledge.receipts.filter(deleted_at__isnull=True).count()
        if receipts:
            raise ApplicationError(ngettext(
                "Đã có %(count)d khoản tiền nhận theo đăng ký của «%(donor)s»; hãy xoá hoặc sửa các khoản đó trước.",
                "Đã có %(count)d khoản tiền nhận theo đăng ký của «%(donor)s»; hãy xoá hoặc sửa các khoản đó trước.",
                receipts) % {"count": receipts, "donor": pledge.donor_name})
        pledge.deleted_at = timezone.now()
        pledge.updated_by = _user(actor)
        pledge.version = F("version") + 1  # type: ignore[assignment]
        pledge.save()
        pledge.refresh_from_db(fields=["version"])
        log_action(actor=actor, action="giamngheo.support.pledge_deleted", object_type="pledge", object_id=pledge.pk,
                   object_repr=_pledge_repr(pledge), unit_path=pledge.unit_path,
                   changes={"deleted_at": [None, pledge.deleted_at.isoformat()]},
                   data=_plain(_pledge_snapshot(pledge)))
    return pledge


# ---------------------------------------------------------------------------------------------------- links


def _record_ids(record_ids: Iterable[Any]) -> list[int]:
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        raise ValidationFailed(_("Chưa chọn lượt hỗ trợ nào."),
                               errors={"record_ids": [_("Lượt hỗ trợ: chọn ít nhất một lượt hỗ trợ.")]})
    if len(ids) > MAX_LINKS:
        message = _("Lượt hỗ trợ: mỗi lần gắn tối đa %(max)s lượt.") % {"max": MAX_LINKS}
        raise ValidationFailed(message, errors={"record_ids": [message]})
    if any(isinstance(i, bool) or not isinstance(i, int) or not 1 <= i < 2**63 for i in ids):
        message = _("Lượt hỗ trợ: mã không hợp lệ.")
        raise ValidationFailed(message, errors={"record_ids": [message]})
    return ids


def _records_in_reach(actor: Any) -> Q:
    # Support records name households: reading them needs both permissions on the record's unit.
    return scope_q(actor, Perm.SUPPORT_VIEW) & scope_q(actor, Perm.HOUSEHOLD_VIEW)


def _lock_spending(actor: Any, spending: ResourceEntry) -> ResourceEntry:
    require(actor, Perm.RESOURCE_MANAGE, spending.unit_path)
    locked: ResourceEntry = _lock(ResourceEntry, spending.pk)
    if locked.deleted_at is not None:
        raise _gone(_("Khoản chi"))
    if locked.direction != FlowDirection.SPENT:
        raise ApplicationError(_("Chỉ gắn lượt hỗ trợ cho khoản chi, không gắn cho khoản huy động."))
    return locked


def _audit_link(actor: Any, spending: ResourceEntry, rows: list[tuple[int, str, int | None]], *,
                linked: bool) -> None:
    for pk, path, before in rows:
        log_action(actor=actor, action="giamngheo.support.record_updated", object_type="support_record",
                   object_id=pk, object_repr=_("Lượt hỗ trợ #%(id)s") % {"id": pk}, unit_path=path,
                   changes={"funded_by": [before, spending.pk if linked else None]},
                   data={"spending": spending.pk, "linked": linked})


def spending_link_records(*, actor: Any, spending: ResourceEntry, record_ids: Iterable[int]) -> int:
    """Mark the support records ``record_ids`` as paid by ``spending``; returns how many were newly linked.

    Each record must be live, of a household inside the spending's unit, given in the spending's year or
    before, and not already paid by another spending; the linked amounts may not add up to more than the
    spending (the message gives the figures). Records already linked to this spending are left as they are.
    """
    ids = _record_ids(record_ids)
    with transaction.atomic():
        spending = _lock_spending(actor, spending)
        reach = _records_in_reach(actor)
        found = {
            row["pk"]: row for row in SupportRecord.objects.select_for_update()
            .filter(reach, pk__in=ids, deleted_at__isnull=True)
            .values("pk", "unit_path", "year", "funded_by_id", "amount")
        }
        errors: list[str] = []
        missing = [pk for pk in ids if pk not in found]
        if missing:
            errors.append(_("Không tìm thấy lượt hỗ trợ: %(ids)s.") % {"ids": ", ".join(map(str, missing))})
        outside = [pk for pk, row in found.items() if not row["unit_path"].startswith(spending.unit_path)]
        if outside:
            errors.append(_("Lượt hỗ trợ của hộ ngoài đơn vị của khoản chi: %(ids)s.")
                          % {"ids": ", ".join(map(str, outside))})
        later = [pk for pk, row in found.items() if row["year"] > spending.year]
        if later:
            errors.append(_("Lượt hỗ trợ ghi năm sau năm của khoản chi (%(year)s): %(ids)s.")
                          % {"year": spending.year, "ids": ", ".join(map(str, later))})
        elsewhere = [pk for pk, row in found.items() if row["funded_by_id"] not in (None, spending.pk)]
        if elsewhere:
            errors.append(_("Lượt hỗ trợ đã gắn với khoản chi khác (bỏ gắn ở đó trước): %(ids)s.")
                          % {"ids": ", ".join(map(str, elsewhere))})
        if errors:
            raise ValidationFailed(_("Chưa gắn lượt hỗ trợ nào: %(why)s") % {"why": " ".join(errors)},
                                   errors={"record_ids": errors})
        new = [pk for pk, row in found.items() if row["funded_by_id"] is None]
        current = _linked(spending).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
        adding = sum(found[pk]["amount"] or 0 for pk in new)
        if current + adding > spending.amount:
            message = _("Tổng tiền hỗ trợ gắn với khoản chi sẽ là %(total)s (đã gắn %(current)s, thêm %(adding)s), "
                        "vượt số tiền của khoản chi %(amount)s; chưa gắn lượt nào.") % {
                "total": money_text(current + adding), "current": money_text(current),
                "adding": money_text(adding), "amount": money_text(spending.amount)}
            raise ValidationFailed(message, errors={"record_ids": [message]})
        if new:
            SupportRecord.objects.filter(pk__in=new).update(funded_by=spending, version=F("version") + 1,
                                                            updated_at=timezone.now(), updated_by=_user(actor))
            _audit_link(actor, spending, [(pk, found[pk]["unit_path"], None) for pk in new], linked=True)
    return len(new)


def spending_unlink_records(*, actor: Any, spending: ResourceEntry, record_ids: Iterable[int]) -> int:
    """Take the records ``record_ids`` off ``spending``; returns how many were unlinked. A record not linked
    to this spending is refused by id (it may be linked to another one, which this request does not name)."""
    ids = _record_ids(record_ids)
    with transaction.atomic():
        spending = _lock_spending(actor, spending)
        found = {
            row["pk"]: row for row in SupportRecord.objects.select_for_update()
            .filter(_records_in_reach(actor), pk__in=ids, funded_by=spending)
            .values("pk", "unit_path")
        }
        missing = [pk for pk in ids if pk not in found]
        if missing:
            message = _("Các lượt hỗ trợ sau không gắn với khoản chi này: %(ids)s; chưa bỏ gắn lượt nào.") % {
                "ids": ", ".join(map(str, missing))}
            raise ValidationFailed(message, errors={"record_ids": [message]})
        SupportRecord.objects.filter(pk__in=list(found)).update(funded_by=None, version=F("version") + 1,
                                                                updated_at=timezone.now(), updated_by=_user(actor))
        _audit_link(actor, spending, [(pk, row["unit_path"], spending.pk) for pk, row in found.items()],
                    linked=False)
    return len(found)
