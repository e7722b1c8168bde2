"""Resources services: every rule, the audit trail with before/after, version conflicts and scope (an
outsider gets 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404

from giamngheo.accounts.roles import Role
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import Campaign, Pledge, Programme, ResourceEntry, SupportKind, SupportRecord
from giamngheo.support.services import resources as svc

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def province_officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)


def entry(actor: Any, unit: Any, **overrides: Any) -> ResourceEntry:
    fields: dict[str, Any] = {"direction": "mobilised", "source": "local_budget", "amount": 100_000_000,
                              "on": dt.date(2026, 3, 1), "description": "Ngân sách xã cấp"}
    fields.update(overrides)
    return svc.resource_entry_create(actor=actor, unit=unit, today=TODAY, **fields)


def record(household: Any, *, amount: int | None = 10_000_000, year: int = 2026, **fields: Any) -> SupportRecord:
    kind = SupportKind.objects.get(code="loan")
    return SupportRecord.objects.create(household=household, unit_path=household.unit_path, kind=kind,
                                        given_on=dt.date(year, 2, 1), year=year, provider_type="social_policy_bank",
                                        amount=amount, **fields)


def errors_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, list[str]]:
    return exc.value.errors


# ------------------------------------------------------------------------------------------------- entries


def test_create_copies_level_path_and_year_and_audits(unit_tree: Any, cast: Any) -> None:
    created = entry(cast.officer, unit_tree.commune, on=dt.date(2025, 11, 30))
    assert (created.level, created.unit_path, created.year) == ("commune", unit_tree.commune.path, 2025)
    audit = AuditEntry.objects.get(action="giamngheo.support.resource_created")
    assert audit.object_id == str(created.pk) and audit.unit_path == unit_tree.commune.path
    assert audit.changes["amount"] == [None, 100_000_000]
    assert audit.changes["on"] == [None, "2025-11-30"]


def test_outsider_and_viewer_cannot_book_money(unit_tree: Any, cast: Any, make_user: Any) -> None:
    with pytest.raises(Http404):
        entry(cast.outsider, unit_tree.commune)
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    with pytest.raises(Http404):
        entry(viewer, unit_tree.commune)
    # A commune officer may not book for the province above it.
    with pytest.raises(Http404):
        entry(cast.officer, unit_tree.province)
    assert not ResourceEntry.objects.exists()


def test_hamlet_is_refused_on_the_unit_field(unit_tree: Any, cast: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        entry(cast.officer, unit_tree.hamlet)
    assert "unit" in errors_of(exc)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"amount": 0}, "amount"),
    ({"amount": 10**15 + 1}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": "100"}, "amount"),
    ({"on": dt.date(2026, 12, 4)}, "on"),  # tomorrow
    ({"on": dt.date(1999, 12, 31)}, "on"),
    ({"on": None}, "on"),
    ({"direction": "stolen"}, "direction"),
    ({"source": "lottery"}, "source"),
    ({"description": "   "}, "description"),
    ({"description": "x" * 501}, "description"),
    ({"document": "x" * 201}, "document"),
])
def test_each_rule_names_its_field(unit_tree: Any, cast: Any, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        entry(cast.officer, unit_tree.commune, **overrides)
    assert field in errors_of(exc), errors_of(exc)
    assert "chưa lưu gì" in exc.value.message
    assert not ResourceEntry.objects.exists()


def test_largest_amount_and_today_are_accepted(unit_tree: Any, cast: Any) -> None:
    assert entry(cast.officer, unit_tree.commune, amount=10**15, on=TODAY).amount == 10**15


def test_another_provinces_programme_is_refused(unit_tree: Any, make_unit_tree: Any, cast: Any) -> None:
    other = make_unit_tree("87")
    theirs = Programme.objects.create(code="rieng-87", name="Riêng tỉnh 87", province=other.province,
                                      unit_path=other.province.path)
    ours = Programme.objects.create(code="rieng-86", name="Riêng tỉnh 86", province=unit_tree.province,
                                    unit_path=unit_tree.province.path)
    with pytest.raises(ValidationFailed) as exc:
        entry(cast.officer, unit_tree.commune, programme=theirs)
    assert "programme" in errors_of(exc)
    assert entry(cast.officer, unit_tree.commune, programme=ours).programme == ours


def campaign(actor: Any, unit: Any, **overrides: Any) -> Campaign:
    fields: dict[str, Any] = {"name": "Tháng cao điểm Vì người nghèo 2026", "starts_on": dt.date(2026, 10, 17),
                              "ends_on": dt.date(2026, 11, 18), "goal_amount": 500_000_000}
    fields.update(overrides)
    return svc.campaign_create(actor=actor, unit=unit, **fields)


def pledge(actor: Any, in_campaign: Campaign, **overrides: Any) -> Pledge:
    fields: dict[str, Any] = {"donor_name": "Công ty Phát Đạt", "donor_type": "business", "amount": 50_000_000,
                              "pledged_on": dt.date(2026, 10, 20)}
    fields.update(overrides)
    return svc.pledge_create(actor=actor, campaign=in_campaign, today=TODAY, **fields)


def test_receipt_on_a_pledge_takes_the_pledges_campaign(unit_tree: Any, cast: Any) -> None:
    drive = campaign(cast.officer, unit_tree.commune)
    promise = pledge(cast.officer, drive)
    receipt = entry(cast.officer, unit_tree.commune, source="businesses", pledge=promise, on=dt.date(2026, 10, 25))
    assert receipt.campaign == drive


def test_a_pledge_only_receives_money_mobilised_in_its_campaign(unit_tree: Any, cast: Any) -> None:
    drive, other_drive = campaign(cast.officer, unit_tree.commune), campaign(cast.officer, unit_tree.commune,
                                                                             name="Tết 2026")
    promise = pledge(cast.officer, drive)
    with pytest.raises(ValidationFailed) as exc:
        entry(cast.officer, unit_tree.commune, direction="spent", pledge=promise)
    assert "pledge" in errors_of(exc)
    with pytest.raises(ValidationFailed) as exc:
        entry(cast.officer, unit_tree.commune, pledge=promise, campaign=other_drive)
    assert "thuộc đợt vận động khác" in errors_of(exc)["pledge"][0]


def test_campaign_must_be_of_the_unit_or_above(unit_tree: Any, cast: Any, province_officer: Any) -> None:
    commune_drive = campaign(cast.officer, unit_tree.commune)
    province_drive = campaign(province_officer, unit_tree.province)
    # A province campaign may receive a commune's receipt (booked by the province officer) …
    assert entry(province_officer, unit_tree.commune, campaign=province_drive).campaign == province_drive
    # … but a commune's campaign takes no money of the sibling commune.
    with pytest.raises(ValidationFailed) as exc:
        entry(province_officer, unit_tree.other_commune, campaign=commune_drive)
    assert "campaign" in errors_of(exc)
    # The commune officer does not see the province's campaign: named as not found.
    with pytest.raises(ValidationFailed) as exc:
        entry(cast.officer, unit_tree.commune, campaign=province_drive)
    assert errors_of(exc)["campaign"] == ["Đợt vận động: không tìm thấy."]


def test_update_checks_version_and_audits_before_after(unit_tree: Any, cast: Any) -> None:
    created = entry(cast.officer, unit_tree.commune)
    updated = svc.resource_entry_update(actor=cast.officer, entry=created, expected_version=1, today=TODAY,
                                        amount=120_000_000, on=dt.date(2025, 12, 1))
    assert (updated.version, updated.amount, updated.year) == (2, 120_000_000, 2025)
    audit = AuditEntry.objects.get(action="giamngheo.support.resource_updated")
    assert audit.changes == {"amount": [100_000_000, 120_000_000], "on": ["2026-03-01", "2025-12-01"],
                             "year": [2026, 2025]}
    with pytest.raises(ConcurrentEditError) as conflict:
        svc.resource_entry_update(actor=cast.officer, entry=created, expected_version=1, today=TODAY, amount=1)
    assert conflict.value.extra == {"version": 2}
    assert ResourceEntry.objects.get(pk=created.pk).amount == 120_000_000


def test_update_by_outsider_is_404_and_unknown_field_is_a_programming_error(unit_tree: Any, cast: Any) -> None:
    created = entry(cast.officer, unit_tree.commune)
    with pytest.raises(Http404):
        svc.resource_entry_update(actor=cast.outsider, entry=created, expected_version=1, amount=5)
    with pytest.raises(TypeError):
        svc.resource_entry_update(actor=cast.officer, entry=created, expected_version=1, unit=unit_tree.hamlet)


def test_update_keeps_a_spending_able_to_pay_for_its_links(unit_tree: Any, cast: Any, make_household: Any) -> None:
    spending = entry(cast.officer, unit_tree.commune, direction="spent", amount=30_000_000)
    household = make_household(unit_tree.hamlet, code="H1", current_class="poor")
    linked = record(household, amount=20_000_000)
    svc.spending_link_records(actor=cast.officer, spending=spending, record_ids=[linked.pk])
    for change, field in (({"amount": 19_999_999}, "amount"), ({"direction": "mobilised"}, "direction"),
                          ({"on": dt.date(2025, 12, 31)}, "on")):
        with pytest.raises(ValidationFailed) as exc:
            svc.resource_entry_update(actor=cast.officer, entry=spending, expected_version=1, today=TODAY, **change)
        assert field in errors_of(exc), change
    assert svc.resource_entry_update(actor=cast.officer, entry=spending, expected_version=1, today=TODAY,
                                     amount=20_000_000).amount == 20_000_000


def test_delete_is_soft_audited_and_refused_while_linked(unit_tree: Any, cast: Any, make_household: Any) -> None:
    spending = entry(cast.officer, unit_tree.commune, direction="spent", amount=30_000_000)
    linked = record(make_household(unit_tree.hamlet, code="H1"), amount=1_000_000)
    svc.spending_link_records(actor=cast.officer, spending=spending, record_ids=[linked.pk])
    with pytest.raises(ApplicationError, match="bỏ gắn trước khi xoá"):
        svc.resource_entry_delete(actor=cast.officer, entry=spending, expected_version=None)
    svc.spending_unlink_records(actor=cast.officer, spending=spending, record_ids=[linked.pk])
    with pytest.raises(ConcurrentEditError):
        svc.resource_entry_delete(actor=cast.officer, entry=spending, expected_version=7)
    with pytest.raises(Http404):
        svc.resource_entry_delete(actor=cast.outsider, entry=spending, expected_version=None)
    deleted = svc.resource_entry_delete(actor=cast.officer, entry=spending, expected_version=1)
    assert deleted.deleted_at is not None and ResourceEntry.objects.filter(pk=spending.pk).exists()
    audit = AuditEntry.objects.get(action="giamngheo.support.resource_deleted")
    assert audit.changes["deleted_at"][0] is None and audit.data["amount"] == 30_000_000
    with pytest.raises(ApplicationError, match="đã bị xoá"):
        svc.resource_entry_update(actor=cast.officer, entry=spending, expected_version=2, amount=1)


# ----------------------------------------------------------------------------------------------- campaigns


@pytest.mark.parametrize(("overrides", "field"), [
    ({"ends_on": dt.date(2026, 10, 16)}, "ends_on"),
    ({"starts_on": dt.date(2026, 1, 1), "ends_on": dt.date(2027, 1, 2)}, "ends_on"),  # 367 days
    ({"goal_amount": 0}, "goal_amount"),
    ({"goal_amount": 10**15 + 1}, "goal_amount"),
    ({"name": ""}, "name"),
    ({"source": "x"}, "source"),
    ({"starts_on": dt.date(1999, 1, 1)}, "starts_on"),
])
def test_campaign_rules(unit_tree: Any, cast: Any, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        campaign(cast.officer, unit_tree.commune, **overrides)
    assert field in errors_of(exc)


def test_campaign_of_a_leap_year_may_last_366_days_and_be_planned(unit_tree: Any, cast: Any) -> None:
    drive = campaign(cast.officer, unit_tree.commune, starts_on=dt.date(2028, 1, 1), ends_on=dt.date(2028, 12, 31))
    assert drive.pk


def test_campaign_update_delete(unit_tree: Any, cast: Any) -> None:
    drive = campaign(cast.officer, unit_tree.commune)
    with pytest.raises(Http404):
        svc.campaign_update(actor=cast.outsider, campaign=drive, expected_version=1, name="X")
    drive = svc.campaign_update(actor=cast.officer, campaign=drive, expected_version=1, goal_amount=600_000_000)
    assert drive.version == 2
    assert AuditEntry.objects.get(action="giamngheo.support.campaign_updated").changes == {
        "goal_amount": [500_000_000, 600_000_000]}
    with pytest.raises(ConcurrentEditError):
        svc.campaign_update(actor=cast.officer, campaign=drive, expected_version=1, name="X")
    promise = pledge(cast.officer, drive)
    with pytest.raises(ApplicationError, match="còn 1 đăng ký ủng hộ"):
        svc.campaign_delete(actor=cast.officer, campaign=drive, expected_version=2)
    svc.pledge_delete(actor=cast.officer, pledge=promise, expected_version=1)
    assert svc.campaign_delete(actor=cast.officer, campaign=drive, expected_version=2).deleted_at is not None
    assert AuditEntry.objects.filter(action="giamngheo.support.campaign_deleted").count() == 1


# ------------------------------------------------------------------------------------------------- pledges


@pytest.mark.parametrize(("overrides", "field"), [
    ({"donor_type": "alien"}, "donor_type"),
    ({"amount": -5}, "amount"),
    ({"pledged_on": dt.date(2026, 12, 4)}, "pledged_on"),
    ({"donor_name": " "}, "donor_name"),
])
def test_pledge_rules(unit_tree: Any, cast: Any, overrides: dict[str, Any], field: str) -> None:
    drive = campaign(cast.officer, unit_tree.commune)
    with pytest.raises(ValidationFailed) as exc:
        pledge(cast.officer, drive, **overrides)
    assert field in errors_of(exc)


def test_pledge_update_delete_scope_and_receipts(unit_tree: Any, cast: Any) -> None:
    drive = campaign(cast.officer, unit_tree.commune)
    with pytest.raises(Http404):
        pledge(cast.outsider, drive)
    promise = pledge(cast.officer, drive)
    assert promise.unit_path == unit_tree.commune.path
    promise = svc.pledge_update(actor=cast.officer, pledge=promise, expected_version=1, today=TODAY,
                                amount=40_000_000)
    assert AuditEntry.objects.get(action="giamngheo.support.pledge_updated").changes == {
        "amount": [50_000_000, 40_000_000]}
    with pytest.raises(ConcurrentEditError):
        svc.pledge_update(actor=cast.officer, pledge=promise, expected_version=1, today=TODAY, amount=1)
    receipt = entry(cast.officer, unit_tree.commune, pledge=promise, source="businesses")
    with pytest.raises(ApplicationError, match="khoản tiền nhận"):
        svc.pledge_delete(actor=cast.officer, pledge=promise, expected_version=None)
    svc.resource_entry_delete(actor=cast.officer, entry=receipt, expected_version=1)
    assert svc.pledge_delete(actor=cast.officer, pledge=promise, expected_version=2).deleted_at is not None
    # A deleted pledge receives nothing more.
    with pytest.raises(ValidationFailed) as exc:
        entry(cast.officer, unit_tree.commune, pledge=Pledge.objects.get(pk=promise.pk))
    assert "pledge" in errors_of(exc)


# --------------------------------------------------------------------------------------------------- links


def test_link_and_unlink_records(unit_tree: Any, cast: Any, make_household: Any) -> None:
    spending = entry(cast.officer, unit_tree.commune, direction="spent", amount=25_000_000)
    household = make_household(unit_tree.hamlet, code="H1", current_class="poor")
    first, second = record(household, amount=10_000_000), record(household, amount=None)
    older = record(household, amount=15_000_000, year=2025)
    assert svc.spending_link_records(actor=cast.officer, spending=spending,
                                     record_ids=[first.pk, second.pk, older.pk]) == 3
    assert set(SupportRecord.objects.filter(funded_by=spending).values_list("pk", flat=True)) == {
        first.pk, second.pk, older.pk}
    assert SupportRecord.objects.get(pk=first.pk).version == 2
    audits = AuditEntry.objects.filter(action="giamngheo.support.record_updated", object_type="support_record")
    assert audits.count() == 3
    assert audits.get(object_id=str(first.pk)).changes == {"funded_by": [None, spending.pk]}
    # Linking again is a no-op, not an error.
    assert svc.spending_link_records(actor=cast.officer, spending=spending, record_ids=[first.pk]) == 0
    assert svc.spending_unlink_records(actor=cast.officer, spending=spending, record_ids=[first.pk]) == 1
    assert audits.filter(object_id=str(first.pk)).latest("pk").changes == {"funded_by": [spending.pk, None]}
    with pytest.raises(ValidationFailed, match="không gắn với khoản chi này"):
        svc.spending_unlink_records(actor=cast.officer, spending=spending, record_ids=[first.pk])


def test_linking_more_than_the_spending_is_refused_with_the_figures(unit_tree: Any, cast: Any,
                                                                    make_household: Any) -> None:
    spending = entry(cast.officer, unit_tree.commune, direction="spent", amount=25_000_000)
    household = make_household(unit_tree.hamlet, code="H1")
    first, second = record(household, amount=20_000_000), record(household, amount=6_000_000)
    svc.spending_link_records(actor=cast.officer, spending=spending, record_ids=[first.pk])
    with pytest.raises(ValidationFailed) as exc:
        svc.spending_link_records(actor=cast.officer, spending=spending, record_ids=[second.pk])
    message = errors_of(exc)["record_ids"][0]
    for figure in ("26.000.000 đồng", "20.000.000 đồng", "6.000.000 đồng", "25.000.000 đồng"):
        assert figure in message
    assert SupportRecord.objects.get(pk=second.pk).funded_by is None


def test_links_must_be_inside_the_unit_and_not_later(unit_tree: Any, cast: Any, make_household: Any,
                                                     province_officer: Any) -> None:
    spending = entry(cast.officer, unit_tree.commune, direction="spent", amount=90_000_000, on=dt.date(2025, 6, 1))
    later = record(make_household(unit_tree.hamlet, code="H1"), year=2026)
    elsewhere = record(make_household(unit_tree.other_hamlet, code="B1"), year=2025)
    deleted = record(make_household(unit_tree.hamlet2, code="H2"), year=2025)
    SupportRecord.objects.filter(pk=deleted.pk).update(deleted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    # The commune officer does not even see the other commune's record: not found.
    with pytest.raises(ValidationFailed) as exc:
        svc.spending_link_records(actor=cast.officer, spending=spending,
                                  record_ids=[later.pk, elsewhere.pk, deleted.pk])
    text = " ".join(errors_of(exc)["record_ids"])
    assert f"Không tìm thấy lượt hỗ trợ: {elsewhere.pk}, {deleted.pk}" in text
    assert "năm sau năm của khoản chi (2025)" in text
    # The province officer sees it, and is told it is outside the spending's unit.
    with pytest.raises(ValidationFailed) as exc:
        svc.spending_link_records(actor=province_officer, spending=spending, record_ids=[elsewhere.pk])
    assert "ngoài đơn vị" in errors_of(exc)["record_ids"][0]
    assert not SupportRecord.objects.filter(funded_by__isnull=False).exists()


def test_links_refused_on_receipts_other_spending_outsider_and_bad_ids(unit_tree: Any, cast: Any,
                                                                       make_household: Any) -> None:
    receipt = entry(cast.officer, unit_tree.commune)
    spending = entry(cast.officer, unit_tree.commune, direction="spent", amount=90_000_000)
    other = entry(cast.officer, unit_tree.commune, direction="spent", amount=90_000_000)
    given = record(make_household(unit_tree.hamlet, code="H1"))
    with pytest.raises(ApplicationError, match="chỉ gắn|Chỉ gắn"):
        svc.spending_link_records(actor=cast.officer, spending=receipt, record_ids=[given.pk])
    svc.spending_link_records(actor=cast.officer, spending=other, record_ids=[given.pk])
    with pytest.raises(ValidationFailed, match="khoản chi khác"):
        svc.spending_link_records(actor=cast.officer, spending=spending, record_ids=[given.pk])
    with pytest.raises(Http404):
        svc.spending_link_records(actor=cast.outsider, spending=spending, record_ids=[given.pk])
    bad_lists: list[list[Any]] = [[], [0], ["1"], [True], list(range(1, svc.MAX_LINKS + 2))]
    for bad in bad_lists:
        with pytest.raises(ValidationFailed) as exc:
            svc.spending_link_records(actor=cast.officer, spending=spending, record_ids=bad)
        assert "record_ids" in errors_of(exc)
