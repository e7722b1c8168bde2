"""``/resources``: money mobilised and spent by provinces and communes, the summary by source and level with its
reconciliation, fund campaigns with their pledges, and the links from a spending to the support records it paid
for.

Every operation calls the services and selectors the pages use (``support.services.resources``,
``support.selectors.resources``): the same rules, scope and audit. Anything outside the token user's units answers
404, like something that does not exist. A bad value answers 422 naming the field; a stale ``version`` 409; a
delete refused because something still depends on the object (a spending that pays for support, a pledge with
receipts) 409 with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal, TypeVar

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows
from giamngheo.api.paging import PageParams, page_body, page_of
from giamngheo.api.schemas import ERRORS
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from giamngheo.geo.models import AdminUnit
from giamngheo.support.models import Campaign, Pledge, Programme, ResourceEntry
from giamngheo.support.selectors import resources as selectors
from giamngheo.support.services import resources as services

router = Router(tags=["resources"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Money = Annotated[int, Field(ge=1, le=services.MAX_AMOUNT, description="Số tiền (đồng), từ 1 đến 10^15.")]
Direction = Literal["mobilised", "spent"]
Source = Literal["central_budget", "local_budget", "policy_credit", "for_the_poor_fund", "businesses", "people",
                 "other"]
DonorType = Literal["social_policy_bank", "state_agency", "fund", "business", "mass_organisation", "party",
                    "community", "other"]
UnitCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$",
                                description="Mã tỉnh/thành phố hoặc xã/phường.")]

_ERRORS: dict[int, Any] = dict(ERRORS)
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 409: dict[str, Any]}


# ------------------------------------------------------------------------------------------------- schemas


class EntryIn(Schema):
    unit: UnitCode
    direction: Direction = Field(description="mobilised: huy động (tiền nhận được); spent: chi")
    source: Source = Field(description="Nguồn")
    amount: Money
    on: dt.date = Field(description="Ngày (yyyy-mm-dd), không sau hôm nay")
    description: str = Field(min_length=1, max_length=services.MAX_DESCRIPTION, description="Nội dung")
    document: str = Field("", max_length=services.MAX_DOCUMENT, description="Chứng từ, văn bản")
    programme: str | None = Field(None, max_length=60, description="Mã chương trình, dự án")
    campaign: Id | None = Field(None, description="Mã đợt vận động")
    pledge: Id | None = Field(None, description="Mã đăng ký ủng hộ mà khoản huy động này thực hiện")


class EntryPatch(Schema):
    version: int = Field(ge=1, le=MAX_ID, description="Phiên bản đã đọc; người khác đã lưu sau đó: 409")
    direction: Direction | None = None
    source: Source | None = None
    amount: Money | None = None
    on: dt.date | None = None
    description: str | None = Field(None, min_length=1, max_length=services.MAX_DESCRIPTION)
    document: str | None = Field(None, max_length=services.MAX_DOCUMENT)
    programme: str | None = Field(None, max_length=60, description="Mã chương trình; null để bỏ")
    campaign: Id | None = Field(None, description="Mã đợt vận động; null để bỏ")
    pledge: Id | None = Field(None, description="Mã đăng ký ủng hộ; null để bỏ")


class EntryOut(Schema):
    id: int
    unit: str
    unit_name: str
    level: str
    direction: str
    source: str
    amount: int
    on: dt.date
    year: int
    programme: str | None
    campaign: int | None
    pledge: int | None
    description: str
    document: str
    version: int
    created_at: str
    updated_at: str


class EntryPage(Schema):
    items: list[EntryOut]
    count: int
    count_exact: bool
    page: int
    page_size: int


class PeriodParams(Schema):
    year: int | None = Field(None, ge=services.FIRST_YEAR, le=services.LAST_YEAR,
                             description="Năm (2000–2100); mặc định: năm nay")
    quarter: int | None = Field(None, ge=1, le=4, description="Quý 1–4")
    month: int | None = Field(None, ge=1, le=12, description="Tháng 1–12 (nếu có cả quý: tháng phải thuộc quý)")


class EntryFilters(PeriodParams):
    unit: UnitCode | None = Field(None, description="Chỉ đơn vị này và các xã của nó")
    direction: Direction | None = None
    source: Source | None = None
    campaign: Id | None = Field(None, description="Chỉ các khoản của đợt vận động này")


class CampaignFilters(Schema):
    unit: UnitCode | None = Field(None, description="Chỉ đơn vị này và các xã của nó")
    year: int | None = Field(None, ge=services.FIRST_YEAR, le=services.LAST_YEAR,
                             description="Chỉ các đợt diễn ra trong năm này")


class SummaryParams(PeriodParams):
    unit: UnitCode | None = Field(None, description="Mã đơn vị; mặc định: đơn vị cao nhất bạn được xem")


class FlowOut(Schema):
    mobilised: int
    spent: int
    balance: int


class SourceOut(FlowOut):
    source: str
    label: str


class LevelOut(FlowOut):
    unit: str
    unit_name: str
    own: bool = Field(description="true: sổ của chính đơn vị; false: một xã/phường của đơn vị")


class MismatchOut(Schema):
    kind: str
    label: str
    message: str
    object_type: str
    object_id: int | None
    figures: dict[str, int]


class PeriodOut(Schema):
    year: int
    quarter: int | None
    month: int | None
    first: dt.date
    last: dt.date


class SummaryOut(Schema):
    unit: str
    unit_name: str
    period: PeriodOut
    total: FlowOut
    by_source: list[SourceOut]
    by_level: list[LevelOut]
    levels_add_up: bool = Field(description="Các dòng theo cấp cộng lại bằng tổng; false: có khoản cần kiểm tra")
    entries: int
    reconciliation: list[MismatchOut] = Field(description="Mọi chỗ chưa khớp (không tự sửa)")


class CampaignIn(Schema):
    unit: UnitCode
    name: str = Field(min_length=1, max_length=services.MAX_NAME)
    source: Source = "for_the_poor_fund"
    starts_on: dt.date
    ends_on: dt.date = Field(description="Sau hoặc bằng starts_on; một đợt dài tối đa 366 ngày")
    goal_amount: Money | None = None
    note: str = Field("", max_length=services.MAX_NOTE)


class CampaignPatch(Schema):
    version: int = Field(ge=1, le=MAX_ID)
    name: str | None = Field(None, min_length=1, max_length=services.MAX_NAME)
    source: Source | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    goal_amount: Money | None = None
    note: str | None = Field(None, max_length=services.MAX_NOTE)


class CampaignOut(Schema):
    id: int
    unit: str
    unit_name: str
    name: str
    source: str
    starts_on: dt.date
    ends_on: dt.date
    goal_amount: int | None
    note: str
    version: int
    pledged: int
    received: int


class CampaignPage(Schema):
    items: list[CampaignOut]
    count: int
    count_exact: bool
    page: int
    page_size: int


class PledgeOut(Schema):
    id: int
    campaign: int
    donor_name: str
    donor_type: str
    amount: int
    pledged_on: dt.date
    note: str
    version: int
    received: int
    outstanding: int = Field(description="Còn phải nhận; âm khi đã nhận nhiều hơn số đăng ký")


class DayOut(Schema):
    on: dt.date
    received: int
    cumulative: int


class CampaignDetailOut(CampaignOut):
    received_on_pledges: int
    received_without_pledge: int
    received_in_period: int = Field(description="Nhận trong thời gian của đợt")
    outstanding: int = Field(description="Tổng số còn phải nhận theo các đăng ký")
    share_of_goal: float | None = Field(description="Đã nhận / chỉ tiêu (0,62 = 62%)")
    pledges: list[PledgeOut]
    days: list[DayOut]


class PledgeIn(Schema):
    donor_name: str = Field(min_length=1, max_length=services.MAX_NAME)
    donor_type: DonorType
    amount: Money
    pledged_on: dt.date
    note: str = Field("", max_length=services.MAX_NOTE)


class PledgePatch(Schema):
    version: int = Field(ge=1, le=MAX_ID)
    donor_name: str | None = Field(None, min_length=1, max_length=services.MAX_NAME)
    donor_type: DonorType | None = None
    amount: Money | None = None
    pledged_on: dt.date | None = None
    note: str | None = Field(None, max_length=services.MAX_NOTE)


class LinksIn(Schema):
    record_ids: list[Id] = Field(min_length=1, max_length=services.MAX_LINKS,
                                 description="Mã các lượt hỗ trợ cho hộ (tối đa 500 mỗi lần)")


class LinkedRecordOut(Schema):
    id: int
    household: str
    kind: str
    given_on: dt.date
    year: int
    amount: int | None


class LinksOut(Schema):
    spending: int
    amount: int
    linked_total: int
    linked_count: int
    remaining: int
    changed: int = Field(0, description="Số lượt vừa gắn hoặc bỏ gắn")
    records: list[LinkedRecordOut] = Field(description="Các lượt đã gắn mà bạn được xem (tối đa 500)")


class DeleteParams(Schema):
    version: int | None = Field(None, ge=1, le=MAX_ID, description="Nếu có: chỉ xoá khi vẫn ở phiên bản này")


# ------------------------------------------------------------------------------------------------- helpers


def _refused(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={field: [message]})


def _unit(code: str) -> AdminUnit:
    unit = AdminUnit.objects.filter(code=code, valid_to__isnull=True).order_by("path").first()
    if unit is None:
        raise _refused("unit", _("Đơn vị: không có đơn vị mã %(code)s.") % {"code": code})
    return unit


def _programme(code: str | None) -> Programme | None:
    if code is None:
        return None
    programme = Programme.objects.filter(code=code).first()
    if programme is None:
        raise _refused("programme", _("Chương trình, dự án: không có mã %(code)s.") % {"code": code})
    return programme


M = TypeVar("M", Campaign, Pledge)


def _visible(user: Any, model: type[M], pk: int | None, field: str, label: str) -> M | None:
    """An object named in a body: one the user may not read is reported as not found, on its field."""
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk, deleted_at__isnull=True).first()
    if obj is None or not allows(user, Perm.SUPPORT_VIEW, obj.unit_path):
        raise _refused(field, _("%(label)s: không tìm thấy mã %(id)s.") % {"label": label, "id": pk})
    return obj


def _period(params: PeriodParams) -> selectors.Period:
    try:
        return selectors.resource_period(year=params.year or timezone.localdate().year, quarter=params.quarter,
                                         month=params.month)
    except ValidationFailed as exc:
        field, messages = next(iter(exc.errors.items()))
        raise ApplicationError(messages[0], field=field, extra={"where": "query"}) from exc


def _query_unit(user: Any, code: str | None) -> AdminUnit | None:
    if code is None:
        return None
    return selectors.resource_unit_get(user=user, code=code)


@contextmanager
def _conflicts() -> Iterator[None]:
    """A delete refused because something depends on the object: 409 with the reason (a field error stays 422)."""
    try:
        yield
    except (ValidationFailed, ConcurrentEditError):
        raise
    except ApplicationError as exc:
        raise ConcurrentEditError(exc.message) from exc


def _entry_out(entry: ResourceEntry) -> dict[str, Any]:
    return {
        "id": entry.pk, "unit": entry.unit.code, "unit_name": entry.unit.name, "level": entry.level,
        "direction": entry.direction, "source": entry.source, "amount": entry.amount, "on": entry.on,
        "year": entry.year, "programme": entry.programme.code if entry.programme_id else None,  # type: ignore[union-attr]
        "campaign": entry.campaign_id, "pledge": entry.pledge_id, "description": entry.description,
        "document": entry.document, "version": entry.version, "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }


def _campaign_out(campaign: Campaign, pledged: int, received: int) -> dict[str, Any]:
    return {
        "id": campaign.pk, "unit": campaign.unit.code, "unit_name": campaign.unit.name, "name": campaign.name,
        "source": campaign.source, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
        "goal_amount": campaign.goal_amount, "note": campaign.note, "version": campaign.version,
        "pledged": pledged, "received": received,
    }


def _pledge_out(pledge: Pledge, received: int) -> dict[str, Any]:
    return {"id": pledge.pk, "campaign": pledge.campaign_id, "donor_name": pledge.donor_name,
            "donor_type": pledge.donor_type, "amount": pledge.amount, "pledged_on": pledge.pledged_on,
            "note": pledge.note, "version": pledge.version, "received": received,
            "outstanding": pledge.amount - received}


def _campaign_detail(campaign: Campaign) -> dict[str, Any]:
    progress = selectors.campaign_progress(campaign=campaign)
    body = _campaign_out(campaign, progress.pledged, progress.received)
    share = progress.share_of_goal
    body.update({
        "received_on_pledges": progress.received_on_pledges,
        "received_without_pledge": progress.received_without_pledge,
        "received_in_period": progress.received_in_period, "outstanding": progress.outstanding,
        "share_of_goal": float(share) if share is not None else None,
        "pledges": [_pledge_out(row.pledge, row.received) for row in progress.pledges],
        "days": [{"on": d.on, "received": d.received, "cumulative": d.cumulative} for d in progress.days],
    })
    return body


def _links_out(user: Any, spending: ResourceEntry, changed: int = 0) -> dict[str, Any]:
    links = selectors.spending_links(spending=spending)
    records = selectors.spending_linked_records(user=user, spending=spending)[: services.MAX_LINKS]
    return {
        "spending": spending.pk, "amount": spending.amount, "linked_total": links.linked_total,
        "linked_count": links.linked_count, "remaining": links.remaining, "changed": changed,
        "records": [{"id": r.pk, "household": r.household.code, "kind": r.kind.code, "given_on": r.given_on,
                     "year": r.year, "amount": r.amount} for r in records],
    }


def _set_fields(body: Schema, lookups: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The fields a PATCH body names (a field sent as null clears it), with ids turned into objects."""
    fields = body.model_dump(exclude_unset=True)
    fields.pop("version", None)
    for name, lookup in lookups.items():
        if name in fields:
            fields[name] = lookup(fields[name])
    return fields


# ---------------------------------------------------------------------------------------------- campaigns
# Declared before ``/{entry_id}`` so that the fixed paths are matched first.


@router.get("/campaigns", response={200: CampaignPage, **_ERRORS}, summary="Danh sách đợt vận động")
def campaign_index(request: HttpRequest, paging: Query[PageParams],
                   filters: Query[CampaignFilters]) -> dict[str, Any]:
    """Các đợt vận động của đơn vị bạn được xem (và các xã của nó), mới nhất trước, kèm tổng số đăng ký ủng hộ
    và số đã nhận. ``year``: các đợt diễn ra trong năm đó."""
    unit = _query_unit(request.user, filters.unit)
    campaigns = selectors.campaign_list(user=request.user, unit=unit, year=filters.year)
    items, count, exact = page_of(campaigns, paging)
    return page_body([_campaign_out(c, c.pledged, c.received) for c in items],  # type: ignore[attr-defined]
                     count, exact, paging)


@router.post("/campaigns", response={201: CampaignDetailOut, **_ERRORS}, summary="Tạo đợt vận động")
def campaign_store(request: HttpRequest, body: CampaignIn) -> Status[dict[str, Any]]:
    """Tạo một đợt vận động của tỉnh hoặc xã (ví dụ tháng cao điểm «Vì người nghèo» 17/10–18/11)."""
    campaign = services.campaign_create(
        actor=request.user, unit=_unit(body.unit), name=body.name, source=body.source, starts_on=body.starts_on,
        ends_on=body.ends_on, goal_amount=body.goal_amount, note=body.note)
    return Status(201, _campaign_detail(campaign))


@router.get("/campaigns/{campaign_id}", response={200: CampaignDetailOut, **_ERRORS}, summary="Một đợt vận động")
def campaign_show(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """Đợt vận động với từng đăng ký ủng hộ (đã nhận, còn phải nhận), tiến độ so với chỉ tiêu theo ngày."""
    return _campaign_detail(selectors.campaign_get(user=request.user, pk=campaign_id))


@router.patch("/campaigns/{campaign_id}", response={200: CampaignDetailOut, **_WRITE_ERRORS},
              summary="Sửa đợt vận động")
def campaign_patch(request: HttpRequest, campaign_id: Id, body: CampaignPatch) -> dict[str, Any]:
    """Sửa các trường được gửi; bắt buộc gửi ``version`` của bản đã đọc."""
    campaign = selectors.campaign_get(user=request.user, pk=campaign_id, perm=Perm.RESOURCE_MANAGE)
    campaign = services.campaign_update(actor=request.user, campaign=campaign, expected_version=body.version,
                                        **_set_fields(body, {}))
    return _campaign_detail(campaign)


@router.delete("/campaigns/{campaign_id}", response={204: None, **_WRITE_ERRORS}, summary="Xoá đợt vận động")
def campaign_destroy(request: HttpRequest, campaign_id: Id, params: Query[DeleteParams]) -> Status[None]:
    """Xoá (mềm) một đợt chưa có đăng ký ủng hộ và chưa có khoản tiền nào ghi theo đợt; nếu còn: 409."""
    campaign = selectors.campaign_get(user=request.user, pk=campaign_id, perm=Perm.RESOURCE_MANAGE)
    with _conflicts():
        services.campaign_delete(actor=request.user, campaign=campaign, expected_version=params.version)
    return Status(204, None)


@router.get("/campaigns/{campaign_id}/pledges", response={200: list[PledgeOut], **_ERRORS},
            summary="Các đăng ký ủng hộ của đợt")
def pledge_index(request: HttpRequest, campaign_id: Id) -> list[dict[str, Any]]:
    """Mỗi đăng ký ủng hộ với số đã nhận và số còn phải nhận."""
    progress = selectors.campaign_progress(campaign=selectors.campaign_get(user=request.user, pk=campaign_id))
    return [_pledge_out(row.pledge, row.received) for row in progress.pledges]


@router.post("/campaigns/{campaign_id}/pledges", response={201: PledgeOut, **_ERRORS},
             summary="Ghi đăng ký ủng hộ")
def pledge_store(request: HttpRequest, campaign_id: Id, body: PledgeIn) -> Status[dict[str, Any]]:
    """Ghi lời đăng ký ủng hộ của một đơn vị, cá nhân trong đợt; tiền nhận được ghi bằng POST /resources với
    ``pledge``."""
    campaign = selectors.campaign_get(user=request.user, pk=campaign_id, perm=Perm.RESOURCE_MANAGE)
    pledge = services.pledge_create(actor=request.user, campaign=campaign, donor_name=body.donor_name,
                                    donor_type=body.donor_type, amount=body.amount, pledged_on=body.pledged_on,
                                    note=body.note)
    return Status(201, _pledge_out(pledge, 0))


def _pledge_of(request: HttpRequest, campaign_id: int, pledge_id: int) -> Pledge:
    pledge = selectors.pledge_get(user=request.user, pk=pledge_id, perm=Perm.RESOURCE_MANAGE)
    if pledge.campaign_id != campaign_id:
        selectors.campaign_get(user=request.user, pk=campaign_id)  # 404 when the campaign is not the user's
        raise _refused("pledge_id", _("Đăng ký ủng hộ %(id)s không thuộc đợt vận động này.") % {"id": pledge_id})
    return pledge


def _received_for(pledge: Pledge) -> int:
    progress = selectors.campaign_progress(campaign=pledge.campaign)
    return next((row.received for row in progress.pledges if row.pledge.pk == pledge.pk), 0)


@router.patch("/campaigns/{campaign_id}/pledges/{pledge_id}", response={200: PledgeOut, **_WRITE_ERRORS},
              summary="Sửa đăng ký ủng hộ")
def pledge_patch(request: HttpRequest, campaign_id: Id, pledge_id: Id, body: PledgePatch) -> dict[str, Any]:
    """Sửa các trường được gửi; bắt buộc gửi ``version``."""
    pledge = _pledge_of(request, campaign_id, pledge_id)
    pledge = services.pledge_update(actor=request.user, pledge=pledge, expected_version=body.version,
                                    **_set_fields(body, {}))
    return _pledge_out(pledge, _received_for(pledge))


@router.delete("/campaigns/{campaign_id}/pledges/{pledge_id}", response={204: None, **_WRITE_ERRORS},
               summary="Xoá đăng ký ủng hộ")
def pledge_destroy(request: HttpRequest, campaign_id: Id, pledge_id: Id, params: Query[DeleteParams]) -> Status[None]:
    """Xoá (mềm) một đăng ký chưa nhận được khoản tiền nào; nếu đã có: 409."""
    pledge = _pledge_of(request, campaign_id, pledge_id)
    with _conflicts():
        services.pledge_delete(actor=request.user, pledge=pledge, expected_version=params.version)
    return Status(204, None)


# ------------------------------------------------------------------------------------------------- summary


@router.get("/summary", response={200: SummaryOut, **_ERRORS}, summary="Tổng hợp nguồn lực và đối chiếu")
def resource_summary(request: HttpRequest, params: Query[SummaryParams]) -> dict[str, Any]:
    """Huy động, chi và còn lại của một đơn vị (và các xã của nó) trong năm, quý hoặc tháng: theo nguồn; theo
    cấp (sổ của chính đơn vị, rồi từng xã); kèm danh sách mọi chỗ chưa khớp (khoản chi gắn hỗ trợ vượt số tiền,
    tiền nhận vượt số đăng ký, chi vượt số huy động của nguồn, các cấp cộng lại không bằng tổng)."""
    period = _period(params)
    if params.unit:
        unit = selectors.resource_unit_get(user=request.user, code=params.unit)
    else:
        first = selectors.resource_units(user=request.user).first()
        if first is None:
            raise selectors.not_found()
        unit = first
    summary = selectors.resource_summary(user=request.user, unit=unit, period=period)
    mismatches = selectors.resource_reconciliation(user=request.user, unit=unit, period=period, summary=summary)

    def flow(f: selectors.Flow) -> dict[str, int]:
        return {"mobilised": f.mobilised, "spent": f.spent, "balance": f.balance}

    return {
        "unit": unit.code, "unit_name": unit.name,
        "period": {"year": period.year, "quarter": period.quarter, "month": period.month, "first": period.first,
                   "last": period.last},
        "total": flow(summary.total),
        "by_source": [{"source": r.source, "label": r.label, **flow(r.flow)} for r in summary.by_source],
        "by_level": [{"unit": r.unit.code, "unit_name": r.unit.name, "own": r.own, **flow(r.flow)}
                     for r in summary.by_level],
        "levels_add_up": summary.levels_add_up, "entries": summary.entries,
        "reconciliation": [{"kind": m.kind, "label": selectors.kind_label(m.kind), "message": m.message,
                            "object_type": m.object_type, "object_id": m.object_id, "figures": m.figures}
                           for m in mismatches],
    }


# ------------------------------------------------------------------------------------------------- entries


@router.get("", response={200: EntryPage, **_ERRORS}, summary="Danh sách khoản huy động, khoản chi")
def entry_index(request: HttpRequest, paging: Query[PageParams], filters: Query[EntryFilters]) -> dict[str, Any]:
    """Các khoản của đơn vị bạn được xem, mới nhất trước; lọc theo đơn vị, kỳ, huy động/chi, nguồn, đợt vận
    động."""
    period = _period(filters) if filters.year or filters.quarter or filters.month else None
    campaign = selectors.campaign_get(user=request.user, pk=filters.campaign) if filters.campaign else None
    entries = selectors.resource_entry_list(
        user=request.user, unit=_query_unit(request.user, filters.unit), period=period,
        direction=filters.direction, source=filters.source, campaign=campaign)
    items, count, exact = page_of(entries, paging)
    return page_body([_entry_out(e) for e in items], count, exact, paging)


@router.post("", response={201: EntryOut, **_ERRORS}, summary="Ghi khoản huy động hoặc khoản chi")
def entry_store(request: HttpRequest, body: EntryIn) -> Status[dict[str, Any]]:
    """Ghi tiền huy động hoặc chi của tỉnh hoặc xã. Khoản nhận theo một đăng ký ủng hộ phải là khoản huy động
    của đợt vận động có đăng ký đó (bỏ trống ``campaign`` thì lấy theo đăng ký)."""
    user = request.user
    entry = services.resource_entry_create(
        actor=user, unit=_unit(body.unit), direction=body.direction, source=body.source, amount=body.amount,
        on=body.on, description=body.description, document=body.document, programme=_programme(body.programme),
        campaign=_visible(user, Campaign, body.campaign, "campaign", _("Đợt vận động")),
        pledge=_visible(user, Pledge, body.pledge, "pledge", _("Đăng ký ủng hộ")))
    return Status(201, _entry_out(entry))


@router.get("/{entry_id}", response={200: EntryOut, **_ERRORS}, summary="Một khoản huy động hoặc chi")
def entry_show(request: HttpRequest, entry_id: Id) -> dict[str, Any]:
    """Một khoản của đơn vị bạn được xem; ngoài phạm vi: 404."""
    return _entry_out(selectors.resource_entry_get(user=request.user, pk=entry_id))


@router.patch("/{entry_id}", response={200: EntryOut, **_WRITE_ERRORS}, summary="Sửa khoản huy động hoặc chi")
def entry_patch(request: HttpRequest, entry_id: Id, body: EntryPatch) -> dict[str, Any]:
    """Sửa các trường được gửi (không đổi được đơn vị); bắt buộc gửi ``version`` của bản đã đọc."""
    user = request.user
    entry = selectors.resource_entry_get(user=user, pk=entry_id, perm=Perm.RESOURCE_MANAGE)
    fields = _set_fields(body, {
        "programme": _programme,
        "campaign": lambda pk: _visible(user, Campaign, pk, "campaign", _("Đợt vận động")),
        "pledge": lambda pk: _visible(user, Pledge, pk, "pledge", _("Đăng ký ủng hộ")),
    })
    for required in ("direction", "source", "amount", "on", "description", "document"):
        if required in fields and fields[required] is None:
            raise _refused(required, _("Trường này không để trống được."))
    entry = services.resource_entry_update(actor=user, entry=entry, expected_version=body.version, **fields)
    return _entry_out(selectors.resource_entry_get(user=user, pk=entry.pk))


@router.delete("/{entry_id}", response={204: None, **_WRITE_ERRORS}, summary="Xoá khoản huy động hoặc chi")
def entry_destroy(request: HttpRequest, entry_id: Id, params: Query[DeleteParams]) -> Status[None]:
    """Xoá (mềm). Khoản chi còn gắn với lượt hỗ trợ cho hộ: 409 (bỏ gắn trước)."""
    entry = selectors.resource_entry_get(user=request.user, pk=entry_id, perm=Perm.RESOURCE_MANAGE)
    with _conflicts():
        services.resource_entry_delete(actor=request.user, entry=entry, expected_version=params.version)
    return Status(204, None)


@router.get("/{entry_id}/links", response={200: LinksOut, **_ERRORS}, summary="Hỗ trợ đã chi từ khoản chi")
def links_show(request: HttpRequest, entry_id: Id) -> dict[str, Any]:
    """Tổng tiền các lượt hỗ trợ cho hộ đã gắn với khoản chi, so với số tiền của khoản chi."""
    return _links_out(request.user, selectors.resource_entry_get(user=request.user, pk=entry_id))


@router.post("/{entry_id}/links", response={200: LinksOut, **_ERRORS}, summary="Gắn lượt hỗ trợ vào khoản chi")
def links_add(request: HttpRequest, entry_id: Id, body: LinksIn) -> dict[str, Any]:
    """Ghi rằng khoản chi này đã trả cho các lượt hỗ trợ ``record_ids`` (hộ trong đơn vị của khoản chi, năm của
    khoản chi hoặc trước). Tổng tiền vượt số tiền khoản chi: 422, không gắn lượt nào."""
    spending = selectors.resource_entry_get(user=request.user, pk=entry_id, perm=Perm.RESOURCE_MANAGE)
    changed = services.spending_link_records(actor=request.user, spending=spending, record_ids=body.record_ids)
    return _links_out(request.user, spending, changed)


@router.post("/{entry_id}/links/remove", response={200: LinksOut, **_ERRORS}, summary="Bỏ gắn lượt hỗ trợ")
def links_remove(request: HttpRequest, entry_id: Id, body: LinksIn) -> dict[str, Any]:
    """Bỏ gắn các lượt hỗ trợ ``record_ids`` khỏi khoản chi này."""
    spending = selectors.resource_entry_get(user=request.user, pk=entry_id, perm=Perm.RESOURCE_MANAGE)
    changed = services.spending_unlink_records(actor=request.user, spending=spending, record_ids=body.record_ids)
    return _links_out(request.user, spending, changed)


__all__ = ["router"]
