"""Target services: the rules of a target, allocation down the tree with its sum/average check, audit, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from giamngheo.accounts.roles import Role
from giamngheo.core.errors import ConcurrentEditError, ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import Target
from giamngheo.support.selectors.targets import allocation_of, allocation_record
from giamngheo.support.services.targets import target_create, target_delete, target_update, targets_allocate


@pytest.fixture
def province_officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)


def _create(actor: Any, unit: Any, **extra: Any) -> Target:
    fields: dict[str, Any] = {"indicator": "poverty_rate", "standard_id": "2022-2025", "baseline_year": 2021,
                              "target_year": 2025, "value": Decimal("1"), "source_document": "NQ 12/NQ-HĐND"}
    fields.update(extra)
    return target_create(actor=actor, unit=unit, **fields)


def test_create_is_audited(unit_tree: Any, cast: Any) -> None:
    target = _create(cast.officer, unit_tree.commune, source_date=dt.date(2021, 3, 1))
    entry = AuditEntry.objects.get(action="giamngheo.support.target_created", object_id=str(target.pk))
    assert entry.actor == cast.officer
    assert entry.changes["value"] == [None, "1.0000"]
    assert entry.unit_path == unit_tree.commune.path


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"indicator": "made_up"}, "indicator", "không có trong danh mục"),
    ({"indicator": "support:no_such_kind"}, "indicator", "không có trong danh mục"),
    ({"standard_id": "1999"}, "standard_id", "không có trong hệ thống"),
    ({"standard_id": "79-2025"}, "standard_id", "chuẩn riêng của tỉnh khác"),
    ({"baseline_year": 2025}, "target_year", "phải sau năm gốc"),
    ({"baseline_year": 1999}, "baseline_year", "phải từ 2000 đến 2100"),
    ({"target_year": 2101}, "target_year", "phải từ 2000 đến 2100"),
    ({"value": Decimal("100.5")}, "value", "phải từ 0 đến 100"),
    ({"value": "abc"}, "value", "phải là một số"),
    ({"value": Decimal("1.00001")}, "value", "4 chữ số thập phân"),
    ({"indicator": "poverty_rate_change", "value": Decimal("-101")}, "value", "phải từ -100 đến 100"),
    ({"indicator": "poverty_rate_change", "value": Decimal("1.5")}, "value", "ghi số âm"),
    ({"indicator": "jobs_created", "value": Decimal(10**7 + 1)}, "value", "10.000.000"),
    ({"annual": True}, "annual", "không giao theo từng năm"),
    ({"source_document": "  "}, "source_document", "chưa ghi"),
    ({"source_date": dt.date(2999, 1, 1)}, "source_date", "không hợp lệ"),
])
def test_bad_input_names_the_field_and_stores_nothing(unit_tree: Any, cast: Any, fields: dict[str, Any], field: str,
                                                      message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _create(cast.officer, unit_tree.commune, **fields)
    assert any(message in m for m in caught.value.errors[field]), caught.value.errors
    assert not Target.objects.exists()
    assert not AuditEntry.objects.filter(object_type="target").exists()


def test_support_kind_indicator_and_duplicate(unit_tree: Any, cast: Any) -> None:
    _create(cast.officer, unit_tree.commune, indicator="support:housing_new", value=Decimal(12))
    with pytest.raises(ValidationFailed) as caught:
        _create(cast.officer, unit_tree.commune, indicator="support:housing_new", value=Decimal(5))
    assert "đã có chỉ tiêu này" in caught.value.errors["indicator"][0]


def test_outsider_and_viewer_cannot_set_targets(unit_tree: Any, cast: Any) -> None:
    with pytest.raises(Http404):
        _create(cast.outsider, unit_tree.commune)
    with pytest.raises(Http404):
        _create(cast.surveyor, unit_tree.hamlet)


def test_update_checks_version_and_audits_before_after(unit_tree: Any, cast: Any) -> None:
    target = _create(cast.officer, unit_tree.commune)
    updated = target_update(actor=cast.officer, target=target, expected_version=1, value=Decimal("0.8"))
    assert updated.version == 2
    entry = AuditEntry.objects.get(action="giamngheo.support.target_updated")
    assert entry.changes == {"value": ["1.0000", "0.8000"]}
    with pytest.raises(ConcurrentEditError):
        target_update(actor=cast.officer, target=target, expected_version=1, value=Decimal("0.7"))
    with pytest.raises(Http404):
        target_update(actor=cast.outsider, target=target, expected_version=2, value=Decimal("0.7"))
    target.refresh_from_db()
    assert target.value == Decimal("0.8")


def test_delete_is_soft_and_audited(unit_tree: Any, cast: Any) -> None:
    target = _create(cast.officer, unit_tree.commune)
    target_delete(actor=cast.officer, target=target, expected_version=1, reason="Giao nhầm")
    target.refresh_from_db()
    assert target.deleted_at is not None
    assert AuditEntry.objects.get(action="giamngheo.support.target_deleted").data == {"reason": "Giao nhầm"}
    _create(cast.officer, unit_tree.commune)  # the same target may be set again


# --- allocation ---------------------------------------------------------------------------------------


def test_count_allocation_must_add_up(unit_tree: Any, province_officer: Any) -> None:
    parent = _create(province_officer, unit_tree.province, indicator="support:housing_new", value=Decimal(10))
    with pytest.raises(ValidationFailed) as caught:
        targets_allocate(actor=province_officer, parent=parent,
                         allocations={unit_tree.commune: Decimal(6), unit_tree.other_commune: Decimal(3)})
    assert caught.value.message.startswith("Phân bổ chưa khớp chỉ tiêu của Tỉnh Thử Nghiệm 86: tổng các đơn vị 9 lượt, "
                                           "chỉ tiêu của Tỉnh Thử Nghiệm 86 10 lượt")
    assert not Target.objects.filter(parent=parent).exists()
    written = targets_allocate(actor=province_officer, parent=parent,
                               allocations={unit_tree.commune: Decimal(6), unit_tree.other_commune: Decimal(4)})
    assert sorted(t.value for t in written) == [Decimal(4), Decimal(6)]
    assert all(t.indicator == "support:housing_new" and t.parent_id == parent.pk for t in written)
    allocation = allocation_of(parent)
    assert allocation.check is not None and allocation.check.matches
    # Allocating again updates the shares, audited as updates.
    targets_allocate(actor=province_officer, parent=parent,
                     allocations={unit_tree.commune: Decimal(5), unit_tree.other_commune: Decimal(5)})
    assert AuditEntry.objects.filter(action="giamngheo.support.target_updated").count() == 2
    assert Target.objects.filter(parent=parent, deleted_at__isnull=True).count() == 2


def test_rate_allocation_weighted_by_households_and_mismatch_accepted_with_reason(
        unit_tree: Any, province_officer: Any, make_household: Any) -> None:
    for i in range(3):
        make_household(unit_tree.hamlet, code=f"A{i}")
    make_household(unit_tree.other_hamlet, code="B0")
    parent = _create(province_officer, unit_tree.province, value=Decimal("2"))
    # Weighted average (3 × 1 + 1 × 6) / 4 = 2,25% > 2 %: refused.
    allocations = {unit_tree.commune: Decimal(1), unit_tree.other_commune: Decimal(6)}
    with pytest.raises(ValidationFailed) as caught:
        targets_allocate(actor=province_officer, parent=parent, allocations=allocations)
    assert "bình quân theo số hộ 2,25%, chỉ tiêu của Tỉnh Thử Nghiệm 86 2,00%" in caught.value.message
    with pytest.raises(ValidationFailed) as caught:
        targets_allocate(actor=province_officer, parent=parent, allocations=allocations, accept_mismatch=True)
    assert "hãy ghi lý do" in caught.value.errors["reason"][0]
    targets_allocate(actor=province_officer, parent=parent, allocations=allocations, accept_mismatch=True,
                     reason="Phường Tân Hòa mới sáp nhập")
    record = allocation_record(parent)
    assert record is not None and record["accepted_mismatch"] and record["reason"] == "Phường Tân Hòa mới sáp nhập"
    allocation = allocation_of(parent)
    assert allocation.check is not None and not allocation.check.matches
    # (3 × 1 + 1 × 2) / 4 = 1,25% meets 2 %.
    targets_allocate(actor=province_officer, parent=parent,
                     allocations={unit_tree.commune: Decimal(1), unit_tree.other_commune: Decimal(2)})
    record = allocation_record(parent)
    assert record is not None and not record["accepted_mismatch"]


def test_allocation_refuses_units_that_are_not_children_and_missing_children(unit_tree: Any,
                                                                           province_officer: Any) -> None:
    parent = _create(province_officer, unit_tree.province, indicator="jobs_created", value=Decimal(10))
    with pytest.raises(ValidationFailed) as caught:
        targets_allocate(actor=province_officer, parent=parent, allocations={unit_tree.hamlet: Decimal(10)})
    assert "không phải đơn vị trực thuộc" in next(iter(caught.value.errors.values()))[0]
    with pytest.raises(ValidationFailed) as caught:
        targets_allocate(actor=province_officer, parent=parent, allocations={unit_tree.commune: Decimal(10)})
    assert "chưa phân bổ cho Phường Tân Hòa" in caught.value.message


def test_allocated_target_keeps_what_it_shares_and_parent_cannot_be_deleted_first(unit_tree: Any,
                                                                                province_officer: Any) -> None:
    parent = _create(province_officer, unit_tree.province, indicator="jobs_created", value=Decimal(10))
    child, _other = targets_allocate(actor=province_officer, parent=parent,
                                     allocations={unit_tree.commune: Decimal(4), unit_tree.other_commune: Decimal(6)})
    with pytest.raises(ValidationFailed):
        target_update(actor=province_officer, target=child, expected_version=1, target_year=2030)
    with pytest.raises(ValidationFailed) as caught:
        target_delete(actor=province_officer, target=parent, expected_version=1)
    assert "phân bổ cho cấp dưới" in caught.value.message


def test_commune_officer_cannot_allocate_a_province_target(unit_tree: Any, cast: Any, province_officer: Any) -> None:
    parent = _create(province_officer, unit_tree.province, indicator="jobs_created", value=Decimal(10))
    with pytest.raises(Http404):
        targets_allocate(actor=cast.officer, parent=parent, allocations={unit_tree.commune: Decimal(10)})


def test_a_retired_kind_of_support_keeps_its_targets_measured_but_takes_no_new_one(unit_tree: Any,
                                                                                   cast: Any) -> None:
    from giamngheo.support.models import SupportKind
    from giamngheo.support.targets.achievement import achievement

    target = _create(cast.officer, unit_tree.commune, indicator="support:gift", value=Decimal(5))
    SupportKind.objects.filter(code="gift").update(active=False)
    assert achievement(target, year=2022).indicator.kind_code == "gift"
    target_update(actor=cast.officer, target=target, expected_version=1, value=Decimal(6))
    with pytest.raises(ValidationFailed):
        _create(cast.officer, unit_tree.commune, indicator="support:gift", value=Decimal(5), target_year=2026)
