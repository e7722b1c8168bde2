"""API v1: support given to households (``/support``), the catalogue (``/support/kinds``,
``/support/programmes``), the support outputs (``/support/outputs``), assignments (``/assignments``) and escape
registrations (``/escape-registrations``).

The same selectors (scope: ``support.view`` and ``household.view`` on the record's unit) and services
(validation, audit, version check) as the pages. A household is named by its code; anything outside the
token user's units answers 404 like something that does not exist. A PATCH or DELETE names the ``version``
it read: a stale one answers 409 with the current version.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import scope_queryset
from giamngheo.api.paging import CursorParams, PageParams, page_body, page_of, paged
from giamngheo.api.schemas import ERRORS
from giamngheo.core.errors import ValidationFailed
from giamngheo.geo.models import AdminUnit, UnitLevel
from giamngheo.households.models import Household
from giamngheo.households.selectors import household_get
from giamngheo.support.models import Assignment, EscapeRegistration, Programme, SupportKind, SupportRecord
from giamngheo.support.selectors import help as help_selectors
from giamngheo.support.selectors.records import (
    not_found,
    programmes_for,
    programmes_for_user,
    province_path,
    support_outputs,
    support_record_get,
    support_record_list,
)
from giamngheo.support.services import help as help_services
from giamngheo.support.services import programmes as programme_services
from giamngheo.support.services import records as record_services

router = Router(tags=["support"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=2**31, description="Phiên bản đã đọc (GET trả về trường version).")]
Code = Annotated[str, Field(max_length=64)]
_ERRORS: dict[int, Any] = dict(ERRORS)
_CONFLICT: dict[int, Any] = {**ERRORS, 409: dict[str, Any]}


# --- schemas -------------------------------------------------------------------------------------------------


class RecordOut(Schema):
    id: int
    household: str = Field(description="Mã hộ")
    kind: str = Field(description="Mã loại hỗ trợ (GET /support/kinds)")
    kind_name: str
    programme: str | None = Field(description="Mã chương trình, dự án (GET /support/programmes)")
    given_on: dt.date
    year: int
    provider_type: str
    provider_name: str
    member_ref: str = Field(description="Mã thành viên nhận (id của thành viên trong hồ sơ hộ)")
    amount: int | None = Field(description="Số tiền (đồng)")
    quantity: int | None
    description: str
    loan_term_months: int | None
    loan_outstanding: int | None
    loan_outstanding_on: dt.date | None
    note: str
    version: int


class RecordPage(Schema):
    items: list[RecordOut]
    count: int | None = Field(description="Tổng số lượt; null trên trang đọc bằng cursor (không đếm lại).")
    count_exact: bool
    page: int | None = Field(description="Số trang; null trên trang đọc bằng cursor.")
    page_size: int
    next_cursor: str | None = Field(None, description="Con trỏ của trang sau (gửi lại qua ?cursor=); null ở trang cuối.")


class RecordFacts(Schema):
    programme: Code | None = Field(None, description="Mã chương trình, dự án; để trống nếu không thuộc chương trình nào")
    provider_name: str = Field("", max_length=200)
    member_ref: str = Field("", max_length=64, description="Mã thành viên nhận")
    amount: int | None = Field(None, description="Số tiền (đồng), 0 < x ≤ 10^12")
    quantity: int | None = Field(None, description="Số lượng, 1–100.000")
    description: str = Field("", max_length=500)
    loan_term_months: int | None = Field(None, description="Thời hạn vay (tháng); bắt buộc với khoản vay")
    loan_outstanding: int | None = Field(None, description="Dư nợ (đồng), không lớn hơn số tiền vay")
    loan_outstanding_on: dt.date | None = None
    note: str = Field("", max_length=5000)


class RecordIn(RecordFacts):
    household: Code = Field(description="Mã hộ")
    kind: Code = Field(description="Mã loại hỗ trợ")
    given_on: dt.date = Field(description="Ngày hỗ trợ (không sau hôm nay)")
    provider_type: str = Field(max_length=24)


class RecordPatch(Schema):
    version: Version
    kind: Code | None = None
    programme: Code | None = None
    given_on: dt.date | None = None
    provider_type: str | None = Field(None, max_length=24)
    provider_name: str | None = Field(None, max_length=200)
    member_ref: str | None = Field(None, max_length=64)
    amount: int | None = None
    quantity: int | None = None
    description: str | None = Field(None, max_length=500)
    loan_term_months: int | None = None
    loan_outstanding: int | None = None
    loan_outstanding_on: dt.date | None = None
    note: str | None = Field(None, max_length=5000)


class RecordFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Năm hỗ trợ")
    kind: Code | None = Field(None, description="Mã loại hỗ trợ")
    programme: Code | None = Field(None, description="Mã chương trình, dự án")
    unit: str | None = Field(None, max_length=20, description="Mã đơn vị (tỉnh, xã, thôn/ấp)")
    provider_type: str | None = Field(None, max_length=24)
    household: Code | None = Field(None, description="Mã hộ")


class DeleteParams(Schema):
    version: Version
    reason: str = Field(min_length=1, max_length=500, description="Lý do xoá")


class KindOut(Schema):
    code: str
    name: str
    group: str
    fields: list[str] = Field(description="Thông tin ghi với loại này: amount, quantity, loan, member, description")
    output_label: str
    needs: list[str] = Field(description="Nhu cầu (mã WISHES của phiếu rà soát) mà loại hỗ trợ này đáp ứng")
    province: str | None
    active: bool


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    parent: str | None
    legal_basis: str
    first_year: int | None
    last_year: int | None
    province: str | None = Field(description="Mã tỉnh với chương trình riêng của tỉnh; null với chương trình quốc gia")
    active: bool


class ProgrammeIn(Schema):
    province: str = Field(max_length=20, description="Mã tỉnh")
    code: str = Field(max_length=60)
    name: str = Field(max_length=300)
    short_name: str = Field("", max_length=120)
    parent: Code | None = None
    legal_basis: str = Field("", max_length=200)
    first_year: int | None = Field(None, ge=2000, le=2100)
    last_year: int | None = Field(None, ge=2000, le=2100)


class ProgrammePatch(Schema):
    code: str | None = Field(None, max_length=60)
    name: str | None = Field(None, max_length=300)
    short_name: str | None = Field(None, max_length=120)
    parent: Code | None = None
    legal_basis: str | None = Field(None, max_length=200)
    first_year: int | None = Field(None, ge=2000, le=2100)
    last_year: int | None = Field(None, ge=2000, le=2100)
    active: bool | None = None


class OutputsParams(Schema):
    year: int = Field(ge=2000, le=2100)
    unit: str | None = Field(None, max_length=20, description="Mã đơn vị; mặc định cả địa bàn được giao")


class AssignmentOut(Schema):
    id: int
    household: str
    helper_type: str
    helper_name: str
    helper_unit: str
    since: dt.date
    target_year: int
    ended_on: dt.date | None
    end_reason: str
    note: str
    version: int


class AssignmentIn(Schema):
    household: Code
    helper_type: str = Field(max_length=16, description="party_member, agency, organisation, business, individual")
    helper_name: str = Field(max_length=200)
    helper_unit: str = Field("", max_length=200)
    since: dt.date
    target_year: int = Field(description="Năm phấn đấu thoát nghèo, 2000–2100, không trước năm phân công")
    note: str = Field("", max_length=5000)


class AssignmentPatch(Schema):
    version: Version
    helper_type: str | None = Field(None, max_length=16)
    helper_name: str | None = Field(None, max_length=200)
    helper_unit: str | None = Field(None, max_length=200)
    since: dt.date | None = None
    target_year: int | None = None
    note: str | None = Field(None, max_length=5000)


class AssignmentEndIn(Schema):
    version: Version
    ended_on: dt.date
    end_reason: str = Field(max_length=12, description="escaped, moved, replaced, other")


class AssignmentFilters(Schema):
    household: Code | None = None
    unit: str | None = Field(None, max_length=20)
    active: bool | None = Field(None, description="true: đang giúp đỡ; false: đã kết thúc")
    helper_type: str | None = Field(None, max_length=16)


class AssignmentPage(Schema):
    items: list[AssignmentOut]
    count: int
    count_exact: bool
    page: int
    page_size: int


class RegistrationOut(Schema):
    id: int
    household: str
    registered_on: dt.date
    goal: str
    target_year: int
    commitments: str
    note: str
    version: int
    outcome: str = Field(description="Theo sổ theo dõi: reached, missed, pending, unknown")
    outcome_year: int | None
    outcome_text: str


class RegistrationIn(Schema):
    household: Code
    registered_on: dt.date
    goal: str = Field("escape_poor", max_length=16, description="escape_poor hoặc escape_near_poor")
    target_year: int
    commitments: str = Field(max_length=5000)
    note: str = Field("", max_length=5000)


class RegistrationPatch(Schema):
    version: Version
    registered_on: dt.date | None = None
    goal: str | None = Field(None, max_length=16)
    target_year: int | None = None
    commitments: str | None = Field(None, max_length=5000)
    note: str | None = Field(None, max_length=5000)


class RegistrationFilters(Schema):
    household: Code | None = None
    unit: str | None = Field(None, max_length=20)
    target_year: int | None = Field(None, ge=2000, le=2100)


class RegistrationPage(Schema):
    items: list[RegistrationOut]
    count: int
    count_exact: bool
    page: int
    page_size: int


# --- helpers -------------------------------------------------------------------------------------------------


def _record_body(record: SupportRecord) -> dict[str, Any]:
    return {
        "id": record.pk, "household": record.household.code, "kind": record.kind.code, "kind_name": record.kind.name,
        "programme": record.programme.code if record.programme else None, "given_on": record.given_on,
        "year": record.year, "provider_type": record.provider_type, "provider_name": record.provider_name,
        "member_ref": record.member_ref, "amount": record.amount, "quantity": record.quantity,
        "description": record.description, "loan_term_months": record.loan_term_months,
        "loan_outstanding": record.loan_outstanding, "loan_outstanding_on": record.loan_outstanding_on,
        "note": record.note, "version": record.version,
    }


def _assignment_body(a: Assignment) -> dict[str, Any]:
    return {"id": a.pk, "household": a.household.code, "helper_type": a.helper_type, "helper_name": a.helper_name,
            "helper_unit": a.helper_unit, "since": a.since, "target_year": a.target_year, "ended_on": a.ended_on,
            "end_reason": a.end_reason, "note": a.note, "version": a.version}


def _registration_body(r: EscapeRegistration, outcome: help_selectors.Outcome | None = None) -> dict[str, Any]:
    if outcome is None:
        outcome = help_selectors.registration_outcome_of(r)
    return {"id": r.pk, "household": r.household.code, "registered_on": r.registered_on, "goal": r.goal,
            "target_year": r.target_year, "commitments": r.commitments, "note": r.note, "version": r.version,
            "outcome": outcome.code, "outcome_year": outcome.year, "outcome_text": outcome.text}


def _unit_path(code: str | None) -> str | None:
    """The path of a current unit by code; a code of no unit gives a path that matches nothing (every stored path
    starts with ``/``; not a NUL, which PostgreSQL refuses in a query: a 500 the API fuzzing found)."""
    if not code:
        return None
    path = AdminUnit.objects.filter(code=code, valid_to__isnull=True).values_list("path", flat=True).first()
    return path or "!none"


def _household_in_scope(user: Any, code: str | None) -> Household | None:
    if not code:
        return None
    return scope_queryset(Household.objects.filter(code=code, deleted_at__isnull=True), user,
                          Perm.HOUSEHOLD_VIEW).first()


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={field: [message]})


def _kind(household: Household, code: str) -> SupportKind:
    kind = SupportKind.objects.filter(code=code).first()
    if kind is None or (kind.province_id is not None and not household.unit_path.startswith(kind.unit_path)):
        raise _refuse("kind", _("Không có loại hỗ trợ mã %(code)s (xem GET /support/kinds).") % {"code": code})
    return kind


def _programme(household: Household, code: str | None) -> Programme | None:
    if not code:
        return None
    programme = programmes_for(unit_path=household.unit_path, active_only=False).filter(code=code).first()
    if programme is None:
        raise _refuse("programme", _("Không có chương trình mã %(code)s (xem GET /support/programmes).")
                      % {"code": code})
    return programme


# --- support records -----------------------------------------------------------------------------------------


@router.get("/support/kinds", response={200: list[KindOut], **_ERRORS}, summary="Danh mục loại hỗ trợ")
def support_kinds(request: HttpRequest) -> list[dict[str, Any]]:
    """Các loại hỗ trợ (quốc gia và của tỉnh trong địa bàn bạn được giao), với thông tin cần ghi cho từng loại."""
    # The provinces of the user's grants ("" for a grant on the whole country: every province).
    provinces = {province_path(unit_path) for unit_path in _scope_paths(request.user)}
    kinds = SupportKind.objects.prefetch_related("needs").select_related("province").order_by("position", "name")
    return [{"code": k.code, "name": k.name, "group": k.group, "fields": list(k.fields or []),
             "output_label": k.output_label, "needs": [n.need for n in k.needs.all()],
             "province": k.province.code if k.province else None, "active": k.active}
            for k in kinds if k.province_id is None or k.unit_path in provinces or "" in provinces]


def _scope_paths(user: Any) -> list[str]:
    from giamngheo.accounts.scope import paths_for

    return paths_for(user, Perm.SUPPORT_VIEW)


def _programme_body(p: Programme) -> dict[str, Any]:
    return {"id": p.pk, "code": p.code, "name": p.name, "short_name": p.short_name,
            "parent": p.parent.code if p.parent else None, "legal_basis": p.legal_basis, "first_year": p.first_year,
            "last_year": p.last_year, "province": p.province.code if p.province else None, "active": p.active}


@router.get("/support/programmes", response={200: list[ProgrammeOut], **_ERRORS},
            summary="Danh mục chương trình, dự án")
def support_programmes(request: HttpRequest) -> list[dict[str, Any]]:
    """Chương trình quốc gia (chỉ đọc) và chương trình riêng của các tỉnh trong địa bàn bạn được giao."""
    programmes = programmes_for_user(user=request.user, active_only=False).select_related("province")
    return [_programme_body(p) for p in programmes.order_by("position", "code")[:2000]]


@router.post("/support/programmes", response={201: ProgrammeOut, **_ERRORS}, summary="Thêm chương trình của tỉnh")
def support_programme_store(request: HttpRequest, body: ProgrammeIn) -> Status[dict[str, Any]]:
    """Cán bộ cấp tỉnh (giao chỉ tiêu hoặc quản lý nguồn lực) thêm chương trình, dự án riêng của tỉnh."""
    province = AdminUnit.objects.filter(level=UnitLevel.PROVINCE, code=body.province, valid_to__isnull=True).first()
    if province is None:
        raise not_found()
    parent = programmes_for(unit_path=province.path, active_only=False).filter(code=body.parent).first() \
        if body.parent else None
    if body.parent and parent is None:
        raise _refuse("parent", _("Không có chương trình mã %(code)s.") % {"code": body.parent})
    data = body.model_dump(exclude={"province", "parent"})
    programme = programme_services.programme_create(actor=request.user, province=province, parent=parent, **data)
    return Status(201, _programme_body(programme))


@router.patch("/support/programmes/{id}", response={200: ProgrammeOut, **_ERRORS},
              summary="Sửa chương trình của tỉnh")
def support_programme_patch(request: HttpRequest, id: Id, body: ProgrammePatch) -> dict[str, Any]:
    """Chỉ sửa được chương trình riêng của tỉnh mình; chương trình quốc gia chỉ đọc (404 với người ngoài tỉnh)."""
    programme = Programme.objects.filter(pk=id, province__isnull=False).select_related("province").first()
    if programme is None or programme.province is None or not programme_services.may_manage_programmes(
            request.user, programme.province):
        raise not_found()
    fields = body.model_dump(exclude_unset=True)
    if "parent" in fields:
        code = fields.pop("parent")
        parent = programmes_for(unit_path=programme.unit_path, active_only=False).filter(code=code).first() \
            if code else None
        if code and parent is None:
            raise _refuse("parent", _("Không có chương trình mã %(code)s.") % {"code": code})
        fields["parent"] = parent
    updated = programme_services.programme_update(actor=request.user, programme=programme, **fields)
    return _programme_body(updated)


@router.get("/support/outputs", response={200: dict[str, Any], **_ERRORS}, summary="Kết quả hỗ trợ của một năm")
def support_outputs_view(request: HttpRequest, params: Query[OutputsParams]) -> dict[str, Any]:
    """Theo từng loại hỗ trợ: số lượt, số hộ, số lượng, số tiền; và số người, đơn vị được phân công giúp đỡ hộ
    theo loại (các phân công còn hiệu lực trong năm)."""
    path = _unit_path(params.unit) or ""
    outputs = support_outputs(user=request.user, year=params.year, unit_path=path)
    return {
        "year": outputs.year, "unit": params.unit,
        "kinds": [{"kind": row["kind_id"], "name": row["kind__name"], "output_label": row["kind__output_label"],
                   "records": row["records"], "households": row["households"], "quantity": row["quantity"],
                   "amount": row["amount"]} for row in outputs.kinds],
        "totals": outputs.totals, "helpers": outputs.helpers, "helper_totals": outputs.helper_totals,
    }


RECORD_CURSOR_SALT = "giamngheo.api.support.cursor"
RECORD_CURSOR_KEY = ("unit_path", "id")  # support_record_list's order; the primary key last makes it total


@router.get("/support", response={200: RecordPage, **_ERRORS}, summary="Danh sách hỗ trợ cho hộ")
def support_index(
    request: HttpRequest, paging: Query[PageParams], filters: Query[RecordFilters], after: Query[CursorParams]
) -> dict[str, Any]:
    """Các lượt hỗ trợ trong địa bàn bạn được giao, sắp theo đơn vị rồi theo thứ tự ghi. Trang sâu: dùng
    ``cursor`` (giá trị ``next_cursor`` của trang trước) thay cho ``page``."""
    household = _household_in_scope(request.user, filters.household)
    if filters.household and household is None:
        return page_body([], 0, True, paging)
    kind = SupportKind.objects.filter(code=filters.kind).first() if filters.kind else None
    programme = Programme.objects.filter(code=filters.programme).first() if filters.programme else None
    if (filters.kind and kind is None) or (filters.programme and programme is None):
        return page_body([], 0, True, paging)
    records = support_record_list(user=request.user, year=filters.year, kind=kind, programme=programme,
                                  unit_path=_unit_path(filters.unit), provider_type=filters.provider_type,
                                  household=household)
    rows, page = paged(records, paging=paging, cursor=after.cursor, key=RECORD_CURSOR_KEY, salt=RECORD_CURSOR_SALT)
    return {"items": [_record_body(r) for r in rows], **page}


@router.post("/support", response={201: RecordOut, **_ERRORS}, summary="Ghi hỗ trợ cho hộ")
def support_store(request: HttpRequest, body: RecordIn) -> Status[dict[str, Any]]:
    """Ghi một lượt hỗ trợ. Loại hỗ trợ quyết định thông tin được ghi (fields của GET /support/kinds)."""
    household = household_get(user=request.user, code=body.household)
    kind = _kind(household, body.kind)
    programme = _programme(household, body.programme)
    data = body.model_dump(exclude={"household", "kind", "programme"})
    record = record_services.support_record_create(actor=request.user, household=household, kind=kind,
                                                   programme=programme, **data)
    return Status(201, _record_body(record))


@router.get("/support/{id}", response={200: RecordOut, **_ERRORS}, summary="Xem một lượt hỗ trợ")
def support_show(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Một lượt hỗ trợ (404 nếu không thuộc địa bàn bạn được giao hoặc đã xoá)."""
    return _record_body(support_record_get(user=request.user, pk=id))


@router.patch("/support/{id}", response={200: RecordOut, **_CONFLICT}, summary="Sửa một lượt hỗ trợ")
def support_patch(request: HttpRequest, id: Id, body: RecordPatch) -> dict[str, Any]:
    """Chỉ các trường gửi lên được sửa; bắt buộc gửi version đã đọc (409 nếu người khác đã sửa)."""
    record = support_record_get(user=request.user, pk=id, perm=Perm.SUPPORT_EDIT)
    fields = body.model_dump(exclude_unset=True)
    version = fields.pop("version")
    if "kind" in fields:
        code = fields.pop("kind")
        if code is None:
            raise _refuse("kind", _("Loại hỗ trợ: chưa chọn."))
        fields["kind"] = _kind(record.household, code)
    if "programme" in fields:
        fields["programme"] = _programme(record.household, fields.pop("programme"))
    for name in ("provider_name", "member_ref", "description", "note"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    updated = record_services.support_record_update(actor=request.user, record=record, expected_version=version,
                                                    **fields)
    return _record_body(updated)


@router.delete("/support/{id}", response={204: None, **_CONFLICT}, summary="Xoá một lượt hỗ trợ")
def support_destroy(request: HttpRequest, id: Id, params: Query[DeleteParams]) -> Status[None]:
    """Xoá mềm (vẫn giữ trong nhật ký thay đổi); cần version đã đọc và lý do."""
    record = support_record_get(user=request.user, pk=id, perm=Perm.SUPPORT_EDIT)
    record_services.support_record_delete(actor=request.user, record=record, expected_version=params.version,
                                          reason=params.reason)
    return Status(204, None)


# --- assignments ---------------------------------------------------------------------------------------------


@router.get("/assignments", response={200: AssignmentPage, **_ERRORS}, summary="Danh sách phân công giúp đỡ hộ")
def assignment_index(request: HttpRequest, paging: Query[PageParams],
                     filters: Query[AssignmentFilters]) -> dict[str, Any]:
    """Phân công giúp đỡ hộ trong địa bàn bạn được giao; lọc theo hộ, đơn vị, còn hiệu lực hay đã kết thúc."""
    household = _household_in_scope(request.user, filters.household)
    if filters.household and household is None:
        return page_body([], 0, True, paging)
    assignments = help_selectors.assignment_list(user=request.user, household=household,
                                                 unit_path=_unit_path(filters.unit), active=filters.active,
                                                 helper_type=filters.helper_type)
    items, count, exact = page_of(assignments, paging)
    return page_body([_assignment_body(a) for a in items], count, exact, paging)


@router.post("/assignments", response={201: AssignmentOut, **_ERRORS}, summary="Phân công giúp đỡ hộ")
def assignment_store(request: HttpRequest, body: AssignmentIn) -> Status[dict[str, Any]]:
    """Đảng viên, cơ quan, đoàn thể… được phân công giúp đỡ một hộ từ một ngày, phấn đấu thoát nghèo vào một năm."""
    household = household_get(user=request.user, code=body.household)
    assignment = help_services.assignment_create(actor=request.user, household=household,
                                                 **body.model_dump(exclude={"household"}))
    return Status(201, _assignment_body(assignment))


@router.get("/assignments/{id}", response={200: AssignmentOut, **_ERRORS}, summary="Xem một phân công")
def assignment_show(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Một phân công giúp đỡ hộ."""
    return _assignment_body(help_selectors.assignment_get(user=request.user, pk=id))


@router.patch("/assignments/{id}", response={200: AssignmentOut, **_CONFLICT}, summary="Sửa một phân công")
def assignment_patch(request: HttpRequest, id: Id, body: AssignmentPatch) -> dict[str, Any]:
    """Chỉ các trường gửi lên được sửa; bắt buộc gửi version đã đọc (409 nếu người khác đã sửa)."""
    assignment = help_selectors.assignment_get(user=request.user, pk=id, perm=Perm.SUPPORT_EDIT)
    fields = body.model_dump(exclude_unset=True)
    version = fields.pop("version")
    updated = help_services.assignment_update(actor=request.user, assignment=assignment, expected_version=version,
                                              **fields)
    return _assignment_body(updated)


@router.post("/assignments/{id}/end", response={200: AssignmentOut, **_CONFLICT}, summary="Kết thúc một phân công")
def assignment_finish(request: HttpRequest, id: Id, body: AssignmentEndIn) -> dict[str, Any]:
    """Thôi giúp đỡ từ một ngày, với lý do (hộ đã thoát nghèo, chuyển đi, phân công người khác…)."""
    assignment = help_selectors.assignment_get(user=request.user, pk=id, perm=Perm.SUPPORT_EDIT)
    ended = help_services.assignment_end(actor=request.user, assignment=assignment, expected_version=body.version,
                                         ended_on=body.ended_on, end_reason=body.end_reason)
    return _assignment_body(ended)


@router.delete("/assignments/{id}", response={204: None, **_CONFLICT}, summary="Xoá một phân công ghi nhầm")
def assignment_destroy(request: HttpRequest, id: Id, params: Query[DeleteParams]) -> Status[None]:
    """Xoá mềm phân công ghi nhầm (khi thôi giúp đỡ thì dùng /end); cần version đã đọc và lý do."""
    assignment = help_selectors.assignment_get(user=request.user, pk=id, perm=Perm.SUPPORT_EDIT)
    help_services.assignment_delete(actor=request.user, assignment=assignment, expected_version=params.version,
                                    reason=params.reason)
    return Status(204, None)


# --- escape registrations ------------------------------------------------------------------------------------


@router.get("/escape-registrations", response={200: RegistrationPage, **_ERRORS},
            summary="Danh sách đăng ký thoát nghèo")
def registration_index(request: HttpRequest, paging: Query[PageParams],
                       filters: Query[RegistrationFilters]) -> dict[str, Any]:
    """Đăng ký thoát nghèo trong địa bàn, kèm kết quả đọc từ sổ theo dõi (đạt, chưa đạt, đang thực hiện)."""
    household = _household_in_scope(request.user, filters.household)
    if filters.household and household is None:
        return page_body([], 0, True, paging)
    registrations = help_selectors.escape_registration_list(
        user=request.user, household=household, unit_path=_unit_path(filters.unit), target_year=filters.target_year)
    items, count, exact = page_of(registrations, paging)
    outcomes = help_selectors.registration_outcomes(items)
    return page_body([_registration_body(r, outcomes[r.pk]) for r in items], count, exact, paging)


@router.post("/escape-registrations", response={201: RegistrationOut, **_ERRORS}, summary="Ghi đăng ký thoát nghèo")
def registration_store(request: HttpRequest, body: RegistrationIn) -> Status[dict[str, Any]]:
    """Hộ đăng ký thoát nghèo (hoặc thoát cận nghèo) vào một năm, kèm cam kết của hộ."""
    household = household_get(user=request.user, code=body.household)
    registration = help_services.escape_registration_create(actor=request.user, household=household,
                                                            **body.model_dump(exclude={"household"}))
    return Status(201, _registration_body(registration))


@router.get("/escape-registrations/{id}", response={200: RegistrationOut, **_ERRORS},
            summary="Xem một đăng ký thoát nghèo")
def registration_show(request: HttpRequest, id: Id) -> dict[str, Any]:
    """Một đăng ký thoát nghèo, kèm kết quả đọc từ sổ theo dõi."""
    return _registration_body(help_selectors.escape_registration_get(user=request.user, pk=id))


@router.patch("/escape-registrations/{id}", response={200: RegistrationOut, **_CONFLICT},
              summary="Sửa một đăng ký thoát nghèo")
def registration_patch(request: HttpRequest, id: Id, body: RegistrationPatch) -> dict[str, Any]:
    """Chỉ các trường gửi lên được sửa; bắt buộc gửi version đã đọc (409 nếu người khác đã sửa)."""
    registration = help_selectors.escape_registration_get(user=request.user, pk=id, perm=Perm.SUPPORT_EDIT)
    fields = body.model_dump(exclude_unset=True)
    version = fields.pop("version")
    updated = help_services.escape_registration_update(actor=request.user, registration=registration,
                                                       expected_version=version, **fields)
    return _registration_body(updated)


@router.delete("/escape-registrations/{id}", response={204: None, **_CONFLICT},
               summary="Xoá một đăng ký thoát nghèo ghi nhầm")
def registration_destroy(request: HttpRequest, id: Id, params: Query[DeleteParams]) -> Status[None]:
    """Xoá mềm đăng ký ghi nhầm; cần version đã đọc và lý do."""
    registration = help_selectors.escape_registration_get(user=request.user, pk=id, perm=Perm.SUPPORT_EDIT)
    help_services.escape_registration_delete(actor=request.user, registration=registration,
                                             expected_version=params.version, reason=params.reason)
    return Status(204, None)

