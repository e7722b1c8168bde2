"""``/households``: the registry as household records v1 plus server fields.

Every operation goes through the same selectors (scope) and services (validation, audit, classification)
as the pages. A household outside the token user's units answers 404, exactly like one that does not
exist. ``{code}`` in a path is the ``id`` the list returns.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import can_see_citizen_id
from giamngheo.api.errors import parse_json
from giamngheo.api.paging import CursorParams, PageParams, page_body, paged
from giamngheo.api.record_schema import READ_ONLY_KEYS, json_body, record_schema
from giamngheo.api.schemas import ERRORS
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.geo.models import AdminUnit, UnitLevel
from giamngheo.households.models import Household
from giamngheo.households.records import household_to_record
from giamngheo.households.selectors import (
    household_classification_view,
    household_get,
    household_list,
    household_list_count,
)
from giamngheo.households.services import household_create, household_delete, household_update
from giamngheo.privacy.reads import record_household_read

router = Router(tags=["households"])

MAX_VERSION = 2**31  # the versions of support records, as bounded (api.support.Version)
ClassCode = Literal["poor", "near_poor", "average", "none", "undetermined"]


class HouseholdSummary(Schema):
    id: str
    commune_code: str
    commune_name: str
    hamlet: str | None
    head_name: str
    member_count: int
    area: str
    reference_date: str
    year: int | None
    class_: str = Field(alias="class")
    standard: str
    version: int
    updated_at: str


class HouseholdPage(Schema):
    items: list[HouseholdSummary]
    count: int | None = Field(description="Tổng số hộ; null trên trang đọc bằng cursor (không đếm lại).")
    count_exact: bool
    page: int | None = Field(description="Số trang; null trên trang đọc bằng cursor.")
    page_size: int
    next_cursor: str | None = Field(description="Con trỏ của trang sau (gửi lại qua ?cursor=); null ở trang cuối.")


def summary(household: Household) -> dict[str, Any]:
    return {
        "id": household.code,
        "commune_code": household.commune.code,
        "commune_name": household.commune.name,
        "hamlet": household.hamlet.name if household.hamlet else None,
        "head_name": household.head_name,
        "member_count": household.member_count,
        "area": household.area,
        "reference_date": household.reference_date.isoformat(),
        "year": household.year,
        "class": household.current_class,
        "standard": household.current_standard,
        "version": household.version,
        "updated_at": household.updated_at.isoformat(),
    }


def household_body(household: Household, user: Any) -> dict[str, Any]:
    """The record v1 (citizen IDs masked unless the user's role needs them) plus server fields."""
    body = household_to_record(household, show_citizen_ids=can_see_citizen_id(user, household.unit_path))
    body.update({
        "version": household.version,
        "created_at": household.created_at.isoformat(),
        "updated_at": household.updated_at.isoformat(),
        "class": household.current_class,
        "standard": household.current_standard,
    })
    return body


def _read_body(request: HttpRequest) -> Any:
    # ``request.body`` raises RequestDataTooBig over DATA_UPLOAD_MAX_MEMORY_SIZE: api.errors answers 413.
    data = parse_json(request.body)
    if isinstance(data, dict):
        # Server fields a client got from GET may come back unchanged; they are not the client's to set.
        data = {k: v for k, v in data.items() if k not in READ_ONLY_KEYS}
    return data


def _lang() -> str:
    return "en" if (translation.get_language() or "vi").startswith("en") else "vi"


_ERRORS: dict[int, Any] = dict(ERRORS)
_RECORD_IN = record_schema(with_server_fields=False)
_RECORD_PUT = record_schema(with_server_fields=False, masked_ids=True)  # a GET's masked IDs may come back
_RECORD_OUT = {"application/json": {"schema": record_schema(with_server_fields=True)}}


class HouseholdFilters(Schema):
    commune: str | None = Field(None, pattern=r"^[0-9]{5}$", description="Mã xã/phường (5 chữ số).")
    hamlet: str | None = Field(None, max_length=20, description="Mã thôn/ấp (như GET /units?level=hamlet trả về).")
    q: str | None = Field(
        None, max_length=200, description=(
            "Tìm theo mã hộ, tên, thôn/ấp, không phân biệt dấu; theo số định danh (cả số hoặc một phần) chỉ "
            "trong địa bàn bạn được xem số định danh."
        ),
    )
    klass: ClassCode | None = Field(None, alias="class", description="Phân loại hiện tại.")


class DeleteParams(Schema):
    version: int | None = Field(
        None, ge=1, le=MAX_VERSION, description="Nếu có: chỉ xoá khi hộ vẫn ở phiên bản này."
    )


class ClassificationParams(Schema):
    standard: str | None = Field(
        None, max_length=32, description="Mã chuẩn, ví dụ 2022-2025; mặc định: mọi chuẩn đang áp dụng."
    )


CURSOR_SALT = "giamngheo.api.households.cursor"
CURSOR_KEY = ("unit_path", "id")  # household_list's order; the primary key last makes it total


@router.get("", response={200: HouseholdPage, **_ERRORS}, summary="Danh sách hộ", by_alias=True)
def household_index(
    request: HttpRequest, paging: Query[PageParams], filters: Query[HouseholdFilters], after: Query[CursorParams]
) -> dict[str, Any]:
    """Hộ gia đình trong địa bàn bạn được giao, sắp theo đơn vị rồi theo thứ tự nhập. Trang sâu: dùng
    ``cursor`` (giá trị ``next_cursor`` của trang trước) thay cho ``page``."""
    hamlet_id: int | None = None
    if filters.hamlet:
        hamlet_id = (
            AdminUnit.objects.filter(level=UnitLevel.HAMLET, code=filters.hamlet).values_list("pk", flat=True).first()
        )
        if hamlet_id is None:
            return {**page_body([], 0, True, paging), "next_cursor": None}
    households = household_list(
        user=request.user, commune_code=filters.commune, hamlet_id=hamlet_id, q=filters.q, klass=filters.klass
    )
    # A deep page by cursor costs what the first page costs (docs/api.md, "Paging").
    rows, page = paged(households, paging=paging, cursor=after.cursor, key=CURSOR_KEY, salt=CURSOR_SALT,
                       count=household_list_count)
    return {"items": [summary(h) for h in rows], **page}


@router.post(
    "", response={201: dict[str, Any], **_ERRORS}, summary="Thêm hộ",
    openapi_extra={**json_body(_RECORD_IN, "Hồ sơ hộ v1. Không có id thì hệ thống cấp mã <mã xã>-<số thứ tự>."),
                   "responses": {201: {"content": _RECORD_OUT}}},
)
def household_store(request: HttpRequest) -> Status[dict[str, Any]]:
    """Thêm một hộ vào sổ hộ; hộ được phân loại ngay theo các chuẩn đang áp dụng."""
    household = household_create(actor=request.user, record=_read_body(request))
    return Status(201, household_body(household, request.user))


@router.get(
    "/{id}", response={200: dict[str, Any], **_ERRORS}, summary="Xem một hộ",
    openapi_extra={"responses": {200: {"content": _RECORD_OUT}}},
)
def household_show(request: HttpRequest, id: str) -> dict[str, Any]:
    household = household_get(user=request.user, code=id)
    record_household_read(request, household, channel="api")
    return household_body(household, request.user)


@router.put(
    "/{id}", response={200: dict[str, Any], 409: dict[str, Any], **_ERRORS}, summary="Sửa một hộ",
    openapi_extra={**json_body(
        {**_RECORD_PUT, "properties": {**_RECORD_PUT["properties"],
                                       "version": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION}},
         "required": [*_RECORD_PUT["required"], "version"]},
        "Toàn bộ hồ sơ hộ v1 kèm version đã đọc. Nếu người khác đã lưu sau đó: 409 kèm bản hiện tại.",
    ), "responses": {200: {"content": _RECORD_OUT}}},
)
def household_replace(request: HttpRequest, id: str) -> dict[str, Any]:
    """Thay toàn bộ hồ sơ của hộ. Bắt buộc gửi ``version`` của bản đã đọc."""
    household = household_get(user=request.user, code=id, perm=Perm.HOUSEHOLD_EDIT)
    data = _read_body(request)
    version = data.pop("version", None) if isinstance(data, dict) else None
    if isinstance(data, dict) and (version is None or isinstance(version, bool) or not isinstance(version, int)):
        message = (
            _("Thiếu version: gửi kèm số phiên bản của hồ sơ bạn đã đọc (GET /households/{id}).")
            if version is None else _("Phải là số nguyên.")
        )
        raise ValidationFailed(message, errors={"version": [message]})
    if isinstance(version, int) and not 1 <= version <= MAX_VERSION:
        # A version no household can have is a bad request (422), not a conflict with someone's save (409).
        message = _("Phải từ 1 đến %(max)s.") % {"max": MAX_VERSION}
        raise ValidationFailed(message, errors={"version": [message]})
    updated = household_update(actor=request.user, household=household, record=data, expected_version=version or 0)
    return household_body(updated, request.user)


@router.delete("/{id}", response={204: None, 409: dict[str, Any], **_ERRORS}, summary="Xoá một hộ")
def household_destroy(request: HttpRequest, id: str, params: Query[DeleteParams]) -> Status[None]:
    """Xoá hộ khỏi sổ hộ (xoá mềm: lịch sử vẫn được giữ)."""
    household = household_get(user=request.user, code=id, perm=Perm.HOUSEHOLD_EDIT)
    household_delete(actor=request.user, household=household, expected_version=params.version)
    return Status(204, None)


@router.get("/{id}/classification", response={200: list[dict[str, Any]], **_ERRORS}, summary="Kết quả phân loại")
def household_classification(
    request: HttpRequest, id: str, params: Query[ClassificationParams]
) -> list[dict[str, Any]]:
    """Phân loại của hộ theo từng chuẩn đang áp dụng (quốc gia, rồi địa phương), kèm giải thích."""
    household = household_get(user=request.user, code=id)
    record_household_read(request, household, channel="api")
    try:
        return household_classification_view(
            household=household, user=request.user, lang=_lang(), standard=params.standard
        )
    except ValidationFailed:
        raise
    except ApplicationError as exc:
        raise ApplicationError(exc.message, field=exc.field, extra={"where": "query"}) from exc
