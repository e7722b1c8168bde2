"""``/targets``: targets, their achievement and their allocation down the unit tree.

The same selectors (scope) and services (rules, audit) as the pages: a target outside the token user's units
answers 404, exactly like one that does not exist. Units are named by their code (``GET /units``); a target by
the ``id`` the list returns. Figures are computed from the ledger and the support records, never sent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows
from giamngheo.api.paging import PageParams, page_body, page_of
from giamngheo.api.schemas import ERRORS
from giamngheo.core.errors import ValidationFailed
from giamngheo.geo.models import AdminUnit
from giamngheo.support.indicators import INDICATORS, KIND_LABELS, indicator_choices, indicator_for
from giamngheo.support.models import Target
from giamngheo.support.selectors import targets as selectors
from giamngheo.support.services import targets as services
from giamngheo.support.targets.achievement import Achievement, format_value

router = Router(tags=["targets"])

_ERRORS: dict[int, Any] = dict(ERRORS)
_LEVELS = ("province", "commune", "hamlet")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class IndicatorOut(Schema):
    code: str
    label: str
    unit: str
    unit_label: str
    kind: str
    kind_label: str
    lower_is_better: bool
    how: str


class TargetOut(Schema):
    id: int
    unit_code: str
    unit_name: str
    unit_level: str
    indicator: str
    indicator_label: str
    standard_id: str
    baseline_year: int
    target_year: int
    value: Decimal
    value_text: str
    annual: bool
    parent_id: int | None
    source_document: str
    source_date: dt.date | None
    note: str
    version: int


class TargetPage(Schema):
    items: list[TargetOut]
    count: int
    count_exact: bool
    page: int
    page_size: int


class YearOut(Schema):
    year: int
    observed: bool
    level: Decimal | None = Field(description="Mức đo được cuối năm theo chuẩn của chỉ tiêu (tỷ lệ % hoặc số).")
    ledger_level: Decimal | None = Field(description="Cùng số liệu theo chuẩn đã dùng khi rà soát năm đó.")
    ledger_standards: list[str]
    actual: Decimal | None
    planned: Decimal | None
    rederived: int | None
    unmeasurable: int | None


class AchievementOut(Schema):
    target_id: int
    year: int | None
    status: str = Field(description="on_track, off_track, not_judged (chưa đủ số liệu để dự báo) hoặc no_data.")
    off_track: bool
    reason: str
    baseline: Decimal | None
    actual: Decimal | None
    planned: Decimal | None
    percent_of_plan: Decimal | None = Field(description="100 = đúng kế hoạch của năm; cách tính theo loại chỉ tiêu.")
    projection: Decimal | None = Field(description="Dự báo giá trị chỉ tiêu ở năm đích theo xu hướng (bình phương "
                                                   "tối thiểu).")
    unmeasurable: int
    unmeasurable_note: str
    series: list[YearOut]


class AllocationCheckOut(Schema):
    sums: bool
    combined: Decimal | None
    parent_value: Decimal
    matches: bool
    missing: list[str]
    summary: str
    accepted_mismatch: bool
    reason: str


class TargetDetailOut(TargetOut):
    allocations: list[TargetOut]
    allocation_check: AllocationCheckOut | None


class OffTrackItem(Schema):
    target: TargetOut
    achievement: AchievementOut


class OffTrackOut(Schema):
    year: int
    items: list[OffTrackItem]
    truncated: bool


class TargetFilters(Schema):
    unit: str | None = Field(None, max_length=20, description="Mã đơn vị: chỉ tiêu của đơn vị đó và cấp dưới.")
    indicator: str | None = Field(None, max_length=40, description="Mã chỉ tiêu (GET /targets/indicators).")
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="Chỉ các chỉ tiêu có kỳ bao gồm năm này.")


class YearParams(Schema):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="Năm đo; mặc định: năm gần nhất có số liệu trong kỳ.")


class OffTrackParams(Schema):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="Năm đo; mặc định: năm nay.")


class TargetIn(Schema):
    unit: str = Field(max_length=20, description="Mã đơn vị (tỉnh, xã hoặc thôn) trong địa bàn bạn quản lý.")
    indicator: str = Field(max_length=40, description="Mã chỉ tiêu (GET /targets/indicators).")
    standard_id: str = Field(max_length=32, description="Chuẩn nghèo đo kết quả, ví dụ 2022-2025.")
    baseline_year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    target_year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    value: Decimal = Field(description="Tỷ lệ theo %, mức giảm theo điểm % (số âm), hoặc số lượng.")
    annual: bool = Field(False, description="Giá trị là mức mỗi năm (thay đổi, giảm %, số lượng).")
    source_document: str = Field(max_length=200, description="Văn bản giao chỉ tiêu.")
    source_date: dt.date | None = None
    note: str = Field("", max_length=5000)


class TargetPatch(Schema):
    version: int = Field(ge=1, le=2**31 - 1, description="Phiên bản đã đọc; người khác đã lưu sau đó: 409.")
    indicator: str | None = Field(None, max_length=40)
    standard_id: str | None = Field(None, max_length=32)
    baseline_year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)
    target_year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)
    value: Decimal | None = None
    annual: bool | None = None
    source_document: str | None = Field(None, max_length=200)
    source_date: dt.date | None = None
    note: str | None = Field(None, max_length=5000)


class DeleteParams(Schema):
    version: int = Field(ge=1, le=2**31 - 1, description="Phiên bản đã đọc.")
    reason: str = Field("", max_length=500, description="Lý do xoá.")


class AllocationsIn(Schema):
    allocations: dict[str, Decimal] = Field(description="Giá trị cho từng đơn vị trực thuộc, theo mã đơn vị.")
    accept_mismatch: bool = Field(False, description="Chấp nhận phân bổ chưa khớp chỉ tiêu cấp trên (kèm lý do).")
    reason: str = Field("", max_length=500)


def target_body(target: Target) -> dict[str, Any]:
    indicator = indicator_for(target.indicator, active_only=False)
    return {
        "id": target.pk, "unit_code": target.unit.code, "unit_name": target.unit.name,
        "unit_level": target.unit.level, "indicator": target.indicator,
        "indicator_label": str(indicator.label) if indicator else target.indicator,
        "standard_id": target.standard_id, "baseline_year": target.baseline_year, "target_year": target.target_year,
        "value": target.value, "value_text": format_value(indicator, Decimal(target.value)) if indicator else "",
        "annual": target.annual, "parent_id": target.parent_id, "source_document": target.source_document,
        "source_date": target.source_date, "note": target.note, "version": target.version,
    }


def achievement_body(result: Achievement) -> dict[str, Any]:
    return {
        "target_id": result.target.pk, "year": result.year, "status": result.status, "off_track": result.off_track,
        "reason": result.reason, "baseline": result.baseline, "actual": result.actual, "planned": result.planned,
        "percent_of_plan": result.percent_of_plan, "projection": result.projection,
        "unmeasurable": result.unmeasurable, "unmeasurable_note": result.unmeasurable_note,
        "series": [{
            "year": f.year, "observed": f.observed, "actual": f.actual, "planned": f.planned,
            "level": f.measurement.value if f.measurement else None,
            "ledger_level": f.measurement.ledger_value if f.measurement else None,
            "ledger_standards": list(f.measurement.ledger_standards) if f.measurement else [],
            "rederived": f.measurement.rederived if f.measurement else None,
            "unmeasurable": f.measurement.unmeasurable if f.measurement else None,
        } for f in result.series],
    }


def _unit_by_code(user: Any, code: str, perm: str) -> AdminUnit | None:
    """The current unit of that code in the user's scope for ``perm`` (the higher level when codes clash)."""
    units = [u for u in AdminUnit.objects.filter(code=code, generation="2025", level__in=_LEVELS,
                                                 valid_to__isnull=True) if allows(user, perm, u.path)]
    units.sort(key=lambda u: _LEVELS.index(u.level))
    return units[0] if units else None


@router.get("/indicators", response={200: list[IndicatorOut], **_ERRORS}, summary="Danh mục chỉ tiêu")
def indicator_index(request: HttpRequest) -> list[dict[str, Any]]:
    """Các mã chỉ tiêu được giao: chỉ tiêu cố định và ``support:<mã loại hỗ trợ>`` cho mỗi loại hỗ trợ đang dùng."""
    out = []
    for code, _label in indicator_choices():
        indicator = INDICATORS.get(code) or indicator_for(code)
        if indicator is None:
            continue
        out.append({"code": code, "label": str(indicator.label), "unit": indicator.unit,
                    "unit_label": indicator.unit_label, "kind": indicator.kind,
                    "kind_label": str(KIND_LABELS[indicator.kind]), "lower_is_better": indicator.lower_is_better,
                    "how": str(indicator.how)})
    return out


@router.get("", response={200: TargetPage, **_ERRORS}, summary="Danh sách chỉ tiêu")
def target_index(request: HttpRequest, paging: Query[PageParams], filters: Query[TargetFilters]) -> dict[str, Any]:
    """Chỉ tiêu của các đơn vị trong địa bàn bạn được xem, sắp theo đơn vị, chỉ tiêu, năm đích."""
    qs = selectors.targets_visible(user=request.user)
    if filters.unit:
        unit = _unit_by_code(request.user, filters.unit, Perm.SUPPORT_VIEW)
        if unit is None:
            return page_body([], 0, True, paging)
        qs = qs.filter(unit_path__startswith=unit.path)
    if filters.indicator:
        qs = qs.filter(indicator=filters.indicator)
    if filters.year is not None:
        qs = qs.filter(baseline_year__lt=filters.year, target_year__gte=filters.year)
    items, count, exact = page_of(qs.order_by("unit_path", "indicator", "target_year", "pk"), paging)
    return page_body([target_body(t) for t in items], count, exact, paging)


@router.post("", response={201: TargetOut, **_ERRORS}, summary="Giao chỉ tiêu")
def target_store(request: HttpRequest, body: TargetIn) -> Status[dict[str, Any]]:
    """Giao một chỉ tiêu cho đơn vị trong địa bàn bạn quản lý. Mọi lỗi được trả về theo từng ô (422)."""
    unit = _unit_by_code(request.user, body.unit, Perm.TARGET_MANAGE)
    if unit is None:
        message = _("Không có đơn vị mã %(code)s trong địa bàn bạn quản lý.") % {"code": body.unit}
        raise ValidationFailed(message, errors={"unit": [message]})
    target = services.target_create(
        actor=request.user, unit=unit, indicator=body.indicator, standard_id=body.standard_id,
        baseline_year=body.baseline_year, target_year=body.target_year, value=body.value, annual=body.annual,
        source_document=body.source_document, source_date=body.source_date, note=body.note)
    return Status(201, target_body(target))


@router.get("/off-track", response={200: OffTrackOut, **_ERRORS}, summary="Chỉ tiêu có nguy cơ không đạt")
def target_off_track(request: HttpRequest, params: Query[OffTrackParams]) -> dict[str, Any]:
    """Chỉ tiêu có kỳ bao gồm năm được hỏi mà kết quả (hoặc dự báo đến năm đích) chưa đạt, kèm lý do."""
    from django.utils import timezone

    year = params.year or timezone.localdate().year
    rows, cut = selectors.target_rows(user=request.user, year=year, off_track_only=True)
    return {"year": year, "truncated": cut,
            "items": [{"target": target_body(r.target), "achievement": achievement_body(r.achievement)}
                      for r in rows]}


@router.get("/{id}", response={200: TargetDetailOut, **_ERRORS}, summary="Xem một chỉ tiêu")
def target_show(request: HttpRequest, id: int) -> dict[str, Any]:
    """Chỉ tiêu, các chỉ tiêu đã phân bổ cho cấp dưới và kiểm tra tổng/bình quân so với chỉ tiêu này."""
    target = selectors.target_get(user=request.user, pk=id)
    allocation = selectors.allocation_of(target)
    check = None
    if allocation.check is not None:
        record = allocation.record or {}
        check = {"sums": allocation.check.sums, "combined": allocation.check.combined,
                 "parent_value": allocation.check.parent_value, "matches": allocation.check.matches,
                 "missing": list(allocation.check.missing), "summary": allocation.summary,
                 "accepted_mismatch": bool(record.get("accepted_mismatch")), "reason": str(record.get("reason", ""))}
    return {**target_body(target), "allocation_check": check,
            "allocations": [target_body(r.target) for r in allocation.rows if r.target is not None]}


@router.patch("/{id}", response={200: TargetOut, 409: dict[str, Any], **_ERRORS}, summary="Sửa một chỉ tiêu")
def target_patch(request: HttpRequest, id: int, body: TargetPatch) -> dict[str, Any]:
    """Sửa các ô được gửi; bắt buộc gửi ``version`` đã đọc."""
    target = selectors.target_get(user=request.user, pk=id, perm=Perm.TARGET_MANAGE)
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version")
    updated = services.target_update(actor=request.user, target=target, expected_version=version, **changes)
    return target_body(updated)


@router.delete("/{id}", response={204: None, 409: dict[str, Any], **_ERRORS}, summary="Xoá một chỉ tiêu")
def target_destroy(request: HttpRequest, id: int, params: Query[DeleteParams]) -> Status[None]:
    """Xoá chỉ tiêu (xoá mềm, ghi nhật ký). Chỉ tiêu đã phân bổ cho cấp dưới phải xoá phân bổ trước."""
    target = selectors.target_get(user=request.user, pk=id, perm=Perm.TARGET_MANAGE)
    services.target_delete(actor=request.user, target=target, expected_version=params.version, reason=params.reason)
    return Status(204, None)


@router.get("/{id}/achievement", response={200: AchievementOut, **_ERRORS}, summary="Kết quả thực hiện chỉ tiêu")
def target_achievement(request: HttpRequest, id: int, params: Query[YearParams]) -> dict[str, Any]:
    """Thực hiện, kế hoạch của năm, % kế hoạch, dự báo đến năm đích và đánh giá, tính từ sổ theo dõi và các lần
    hỗ trợ, đo theo chuẩn của chỉ tiêu; từng năm kèm số liệu theo chuẩn đã dùng khi rà soát để đối chiếu."""
    target = selectors.target_get(user=request.user, pk=id)
    return achievement_body(selectors.target_achievement(target=target, year=params.year))


@router.post("/{id}/allocations", response={200: list[TargetOut], **_ERRORS}, summary="Phân bổ chỉ tiêu cho cấp dưới")
def target_allocate(request: HttpRequest, id: int, body: AllocationsIn) -> list[dict[str, Any]]:
    """Giao cho từng đơn vị trực thuộc (xã của tỉnh, thôn của xã) phần chỉ tiêu của mình. Số lượng phải cộng đủ
    bằng chỉ tiêu cấp trên; tỷ lệ phải đạt chỉ tiêu cấp trên khi bình quân theo số hộ. Chưa khớp thì bị từ chối
    (422), trừ khi ``accept_mismatch`` kèm lý do."""
    target = selectors.target_get(user=request.user, pk=id, perm=Perm.TARGET_MANAGE)
    if len(body.allocations) > services.MAX_ALLOCATIONS:
        message = _("Quá nhiều đơn vị.")
        raise ValidationFailed(message, errors={"allocations": [message]})
    children = {u.code: u for u in services.child_units(target.unit)}
    unknown = [code for code in body.allocations if code not in children]
    if unknown:
        raise ValidationFailed(_("Có mã đơn vị không trực thuộc."), errors={f"allocations.{code[:20]}": [
            _("Đơn vị mã %(code)s không phải đơn vị trực thuộc %(parent)s.")
            % {"code": code[:20], "parent": target.unit.name}] for code in unknown[:50]})
    written = services.targets_allocate(
        actor=request.user, parent=target, allocations={children[c]: v for c, v in body.allocations.items()},
        accept_mismatch=body.accept_mismatch, reason=body.reason)
    return [target_body(t) for t in written]
