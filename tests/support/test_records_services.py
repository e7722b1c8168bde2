"""Support records: every rule of the services, the audit trail, version conflicts and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404

from giamngheo.core.errors import ConcurrentEditError, ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Member
from giamngheo.support.models import Programme, SupportKind, SupportRecord
from giamngheo.support.services.programmes import programme_create, programme_update
from giamngheo.support.services.records import (
    support_record_create,
    support_record_delete,
    support_record_update,
)

TODAY = dt.date(2026, 6, 30)
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def household(unit_tree: Any, make_household: Any) -> Any:
    household = make_household(unit_tree.hamlet, code="H1", current_class="poor")
    Member.objects.create(household=household, position=1, member_id="2", relation="child", name="Lò Thị Mai",
                          sex="female", age=16)
    return household


def kind(code: str) -> SupportKind:
    return SupportKind.objects.get(code=code)


def loan(actor: Any, household: Any, **extra: Any) -> SupportRecord:
    values: dict[str, Any] = {"kind": kind("loan"), "given_on": DAY, "provider_type": "social_policy_bank",
                              "amount": 50_000_000, "loan_term_months": 60, "today": TODAY}
    values.update(extra)
    return support_record_create(actor=actor, household=household, **values)


def errors_of(excinfo: Any) -> dict[str, list[str]]:
    return dict(excinfo.value.errors)


def test_create_records_the_households_unit_year_and_an_audit_entry(cast: Any, household: Any) -> None:
    record = loan(cast.officer, household, loan_outstanding=20_000_000, loan_outstanding_on=dt.date(2026, 6, 1),
                  programme=Programme.objects.get(code="tin-dung-chinh-sach-ho-ngheo"))
    assert (record.unit_path, record.year, record.version) == (household.unit_path, 2026, 1)
    entry = AuditEntry.objects.get(action="giamngheo.support.record_created", object_id=str(record.pk))
    assert entry.unit_path == household.unit_path
    assert entry.changes["amount"] == [None, 50_000_000]
    assert entry.changes["kind"] == [None, kind("loan").pk]
    assert entry.actor == cast.officer


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"quantity": 3}, "quantity", "không ghi thông tin này"),  # a loan has no quantity
    ({"member_ref": "2"}, "member_ref", "không ghi thông tin này"),  # nor a member
    ({"amount": None}, "amount", "chưa ghi số tiền"),
    ({"loan_term_months": None}, "loan_term_months", "chưa ghi thời hạn"),
    ({"loan_term_months": 0}, "loan_term_months", "từ 1 đến"),
    ({"amount": 0}, "amount", "lớn hơn 0"),
    ({"amount": -5}, "amount", "lớn hơn 0"),
    ({"amount": 10**12 + 1}, "amount", "quá lớn"),
    ({"loan_outstanding": 60_000_000}, "loan_outstanding", "lớn hơn số tiền vay"),
    ({"loan_outstanding_on": dt.date(2026, 1, 1)}, "loan_outstanding_on", "trước ngày vay"),
    ({"given_on": dt.date(2026, 7, 1)}, "given_on", "sau ngày hôm nay"),
    ({"given_on": dt.date(1899, 1, 1)}, "given_on", "không hợp lệ"),
    ({"given_on": None}, "given_on", "chưa ghi ngày"),
    ({"provider_type": "bank_of_mars"}, "provider_type", "không hợp lệ"),
    ({"provider_name": "x" * 201}, "provider_name", "quá dài"),
    ({"programme_code": "ntp-2026-2035"}, "programme", "2026–2035"),  # a 2026 programme for a 2025 date
])
def test_each_rule_is_refused_on_its_field_and_nothing_is_stored(cast: Any, household: Any, extra: dict[str, Any],
                                                                 field: str, words: str) -> None:
    if "programme_code" in extra:
        extra = {"programme": Programme.objects.get(code=extra.pop("programme_code")), "given_on": dt.date(2025, 5, 5)}
    with pytest.raises(ValidationFailed) as excinfo:
        loan(cast.officer, household, **extra)
    errors = errors_of(excinfo)
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]
    assert not SupportRecord.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="giamngheo.support.").exists()


def test_member_must_belong_to_the_household_and_quantity_is_bounded(cast: Any, household: Any) -> None:
    card = {"kind": kind("health_insurance"), "given_on": DAY, "provider_type": "state_agency", "today": TODAY}
    with pytest.raises(ValidationFailed) as excinfo:
        support_record_create(actor=cast.officer, household=household, member_ref="99", quantity=100_001, **card)
    errors = errors_of(excinfo)
    assert "không có thành viên mã 99" in errors["member_ref"][0]
    assert "100.000" in errors["quantity"][0]
    record = support_record_create(actor=cast.officer, household=household, member_ref="2", quantity=1, **card)
    assert record.member_ref == "2"


def test_inactive_kind_and_another_provinces_kind_or_programme_are_refused(
        cast: Any, household: Any, make_unit_tree: Any) -> None:
    gift = kind("gift")
    gift.active = False
    gift.save()
    with pytest.raises(ValidationFailed) as excinfo:
        support_record_create(actor=cast.officer, household=household, kind=gift, given_on=DAY,
                              provider_type="business", today=TODAY)
    assert "không còn dùng" in errors_of(excinfo)["kind"][0]
    other = make_unit_tree("87").province
    foreign_kind = SupportKind.objects.create(code="p87-kind", name="Riêng tỉnh 87", fields=["amount"],
                                              province=other, unit_path=other.path)
    foreign_programme = Programme.objects.create(code="p87", name="Chương trình tỉnh 87", province=other,
                                                 unit_path=other.path)
    with pytest.raises(ValidationFailed) as excinfo:
        support_record_create(actor=cast.officer, household=household, kind=foreign_kind, given_on=DAY,
                              provider_type="business", programme=foreign_programme, today=TODAY)
    errors = errors_of(excinfo)
    assert "tỉnh khác" in errors["kind"][0] and "tỉnh khác" in errors["programme"][0]


def test_update_changes_named_fields_audits_before_and_after_and_checks_the_version(cast: Any,
                                                                                     household: Any) -> None:
    record = loan(cast.officer, household)
    updated = support_record_update(actor=cast.officer, record=record, expected_version=1,
                                    loan_outstanding=10_000_000, loan_outstanding_on=dt.date(2026, 6, 1), today=TODAY)
    assert (updated.version, updated.loan_outstanding, updated.amount) == (2, 10_000_000, 50_000_000)
    entry = AuditEntry.objects.get(action="giamngheo.support.record_updated")
    assert entry.changes == {"loan_outstanding": [None, 10_000_000], "loan_outstanding_on": [None, "2026-06-01"]}
    with pytest.raises(ConcurrentEditError) as excinfo:
        support_record_update(actor=cast.officer, record=updated, expected_version=1, amount=1, today=TODAY)
    assert excinfo.value.extra["version"] == 2
    assert SupportRecord.objects.get().amount == 50_000_000
    with pytest.raises(ValidationFailed) as failed:
        support_record_update(actor=cast.officer, record=updated, expected_version=2, amount=5_000_000, today=TODAY)
    assert "lớn hơn số tiền vay" in errors_of(failed)["loan_outstanding"][0]  # the whole result is checked
    with pytest.raises(ValidationFailed):
        support_record_update(actor=cast.officer, record=updated, expected_version=2, household=None)


def test_delete_is_soft_needs_a_reason_and_the_version(cast: Any, household: Any) -> None:
    record = loan(cast.officer, household)
    with pytest.raises(ValidationFailed) as excinfo:
        support_record_delete(actor=cast.officer, record=record, expected_version=1, reason="  ")
    assert "reason" in errors_of(excinfo)
    with pytest.raises(ConcurrentEditError):
        support_record_delete(actor=cast.officer, record=record, expected_version=7, reason="Ghi nhầm hộ")
    support_record_delete(actor=cast.officer, record=record, expected_version=1, reason="Ghi nhầm hộ")
    stored = SupportRecord.objects.get()
    assert stored.deleted_at is not None and stored.version == 2
    entry = AuditEntry.objects.get(action="giamngheo.support.record_deleted")
    assert entry.data["reason"] == "Ghi nhầm hộ"


def test_outsider_and_read_only_roles_get_not_found(cast: Any, household: Any) -> None:
    with pytest.raises(Http404):
        loan(cast.outsider, household)
    with pytest.raises(Http404):
        loan(cast.approver, household)  # support.view only
    record = loan(cast.officer, household)
    with pytest.raises(Http404):
        support_record_update(actor=cast.outsider, record=record, expected_version=1, amount=1)
    with pytest.raises(Http404):
        support_record_delete(actor=cast.outsider, record=record, expected_version=1, reason="x")
    assert SupportRecord.objects.get().deleted_at is None


def test_province_programmes_are_the_provinces_and_national_ones_read_only(
        unit_tree: Any, cast: Any, make_user: Any) -> None:
    from giamngheo.accounts.roles import Role

    province_officer = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    with pytest.raises(Http404):
        programme_create(actor=cast.officer, province=unit_tree.province, code="tinh-nha-o", name="Nhà ở tỉnh")
    parent = Programme.objects.get(code="ntp-2026-2035")
    created = programme_create(actor=province_officer, province=unit_tree.province, code="tinh-nha-o",
                               name="Nhà ở tỉnh", parent=parent, first_year=2026, last_year=2030)
    assert created.unit_path == unit_tree.province.path and created.province == unit_tree.province
    with pytest.raises(ValidationFailed) as excinfo:
        programme_create(actor=province_officer, province=unit_tree.province, code="tinh-nha-o", name="",
                         first_year=2030, last_year=2026)
    assert set(errors_of(excinfo)) == {"code", "name", "last_year"}
    updated = programme_update(actor=province_officer, programme=created, active=False, name="Nhà ở của tỉnh")
    assert not updated.active
    entry = AuditEntry.objects.get(action="giamngheo.support.programme_updated")
    assert entry.changes["active"] == [True, False]
    with pytest.raises(ValidationFailed):
        programme_update(actor=province_officer, programme=created, parent=created)
    from giamngheo.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        programme_update(actor=province_officer, programme=parent, name="Đổi tên")
