"""Resources pages through the test client: the summary in Vietnamese money, forms that refuse bad input on
the field and keep what was typed, version conflicts, the spending page, campaigns and pledges, the export, and
404 for anything of another commune."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import Campaign, Pledge, ResourceEntry, SupportKind, SupportRecord

pytestmark = pytest.mark.django_db


def book(unit: Any, direction: str, source: str, amount: int, on: dt.date, **extra: Any) -> ResourceEntry:
    return ResourceEntry.objects.create(unit=unit, unit_path=unit.path, level=unit.level, direction=direction,
                                        source=source, amount=amount, on=on, year=on.year,
                                        description=extra.pop("description", "Khoản thử"), **extra)


@pytest.fixture
def officer_client(cast: Any, client_for: Any) -> Any:
    return client_for(cast.officer)


def text(response: Any) -> str:
    return response.content.decode()


def test_summary_in_vietnamese_money_with_reconciliation(unit_tree: Any, cast: Any, officer_client: Any) -> None:
    book(unit_tree.commune, "mobilised", "people", 60_800_000_000, dt.date(2026, 10, 20))
    book(unit_tree.commune, "mobilised", "local_budget", 10_000_000, dt.date(2026, 1, 5))
    book(unit_tree.commune, "spent", "local_budget", 850_000_000, dt.date(2026, 2, 5), description="Chi xây nhà")
    response = officer_client.get(reverse("support:resources"), {"unit": "86001", "year": "2026"})
    assert response.status_code == 200
    page = text(response)
    assert "60,8 tỷ đồng" in page and "850 triệu đồng" in page and "Chi xây nhà" in page
    assert "Chi vượt huy động" in page and "Chi vượt số huy động của nguồn" in page
    assert "840.000.000 đồng" in page  # the overspend, exactly
    assert "Khớp với tổng" in page
    # Defaults: the user's unit and this year, without a query.
    assert officer_client.get(reverse("support:resources")).status_code == 200
    # Filters of the entries list.
    filtered = text(officer_client.get(reverse("support:resources"), {"unit": "86001", "year": "2026",
                                                                       "direction": "spent"}))
    assert "Chi xây nhà" in filtered and "1 khoản huy động, chi" in filtered


def test_summary_queries_do_not_grow_with_entries(unit_tree: Any, make_user: Any, client_for: Any) -> None:
    client = client_for(make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province))
    url = reverse("support:resources")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"unit": "86", "year": "2026"}).status_code == 200
        return len(queries)

    book(unit_tree.commune, "spent", "people", 1, dt.date(2026, 1, 1))
    few = count()
    for day in range(1, 29):
        book(unit_tree.other_commune, "mobilised", "businesses", day, dt.date(2026, 2, day))
        book(unit_tree.province, "spent", "central_budget", day, dt.date(2026, 3, day))
    assert count() == few


def test_summary_scope(unit_tree: Any, cast: Any, client_for: Any) -> None:
    book(unit_tree.commune, "mobilised", "people", 123_456_789, dt.date(2026, 10, 20), description="Bí mật xã A")
    outsider = client_for(cast.outsider)
    assert outsider.get(reverse("support:resources"), {"unit": "86001", "year": "2026"}).status_code == 404
    own = text(outsider.get(reverse("support:resources")))
    assert "Bí mật xã A" not in own and "123,5 triệu" not in own
    # A hamlet surveyor books no money: told so, not shown an error.
    surveyor = text(client_for(cast.surveyor).get(reverse("support:resources")))
    assert "chưa được giao tỉnh hoặc xã nào" in surveyor


def test_province_sees_levels(unit_tree: Any, make_user: Any, client_for: Any) -> None:
    book(unit_tree.province, "mobilised", "central_budget", 5_000_000_000, dt.date(2026, 3, 1))
    book(unit_tree.commune, "spent", "central_budget", 1_000_000_000, dt.date(2026, 4, 1))
    client = client_for(make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province))
    page = text(client.get(reverse("support:resources"), {"year": "2026"}))
    assert "(cấp của đơn vị)" in page and "Xã An Bình" in page and "Phường Tân Hòa" in page
    assert "4 tỷ đồng" in page  # the province's balance


def test_create_entry_and_bad_input(unit_tree: Any, cast: Any, officer_client: Any) -> None:
    url = reverse("support:resource_create")
    form = {"unit": unit_tree.commune.pk, "direction": "mobilised", "source": "people", "amount": "60.800.000",
            "on": "20/10/2026", "description": "Nhân dân đóng góp"}
    bad = officer_client.post(url, {**form, "amount": "60,8 tỷ", "on": "31/12/2999"})
    assert bad.status_code == 200
    page = text(bad)
    assert "Số tiền không hợp lệ" in page and "Nhân dân đóng góp" in page  # the field named, the input kept
    future = text(officer_client.post(url, {**form, "on": "31/12/2099"}))
    assert "không được sau ngày hôm nay" in future
    assert not ResourceEntry.objects.exists()
    created = officer_client.post(url, form)
    entry = ResourceEntry.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("support:resource_detail", args=[entry.pk])
    assert (entry.amount, entry.on, entry.level) == (60_800_000, dt.date(2026, 10, 20), "commune")
    detail = text(officer_client.get(created["Location"]))
    assert "60.800.000 đ" in detail and "20/10/2026" in detail
    # The other commune is not offered: choosing it is refused on the field.
    other = text(officer_client.post(url, {**form, "unit": unit_tree.other_commune.pk}))
    assert "Hãy chọn một lựa chọn hợp lệ" in other
    assert ResourceEntry.objects.count() == 1


def test_edit_conflict_keeps_input_and_delete(unit_tree: Any, cast: Any, officer_client: Any) -> None:
    entry = book(unit_tree.commune, "mobilised", "people", 1_000_000, dt.date(2026, 3, 3))
    url = reverse("support:resource_edit", args=[entry.pk])
    assert "1.000.000" in text(officer_client.get(url))
    form = {"version": "1", "direction": "mobilised", "source": "people", "amount": "2.000.000", "on": "03/03/2026",
            "description": "Sửa lần một"}
    assert officer_client.post(url, form).status_code == 302
    assert ResourceEntry.objects.get(pk=entry.pk).amount == 2_000_000
    stale = officer_client.post(url, {**form, "amount": "3.000.000", "description": "Sửa lần hai"})
    assert stale.status_code == 409
    page = text(stale)
    assert "vừa được người khác lưu" in page and "Sửa lần hai" in page and "Sửa lần một" in page
    assert 'name="version" value="2"' in page
    assert ResourceEntry.objects.get(pk=entry.pk).amount == 2_000_000
    delete = reverse("support:resource_delete", args=[entry.pk])
    assert officer_client.get(delete).status_code == 200
    assert officer_client.post(delete, {"version": "2"}).status_code == 302
    assert ResourceEntry.objects.get(pk=entry.pk).deleted_at is not None
    assert officer_client.get(reverse("support:resource_detail", args=[entry.pk])).status_code == 404


def test_outsider_gets_404_on_every_object_page(unit_tree: Any, cast: Any, client_for: Any) -> None:
    entry = book(unit_tree.commune, "spent", "people", 1_000_000, dt.date(2026, 3, 3))
    campaign = Campaign.objects.create(unit=unit_tree.commune, unit_path=unit_tree.commune.path, name="Đợt A",
                                       starts_on=dt.date(2026, 10, 17), ends_on=dt.date(2026, 11, 18))
    pledge = Pledge.objects.create(campaign=campaign, unit_path=campaign.unit_path, donor_name="Công ty A",
                                   donor_type="business", amount=5, pledged_on=dt.date(2026, 10, 18))
    outsider = client_for(cast.outsider)
    for name, pk in (("resource_detail", entry.pk), ("resource_edit", entry.pk), ("resource_delete", entry.pk),
                     ("resource_links", entry.pk), ("campaign_detail", campaign.pk), ("campaign_edit", campaign.pk),
                     ("campaign_delete", campaign.pk), ("pledge_create", campaign.pk), ("pledge_edit", pledge.pk),
                     ("pledge_delete", pledge.pk)):
        url = reverse(f"support:{name}", args=[pk])
        assert outsider.get(url).status_code == 404, name
        assert outsider.post(url, {"version": "1", "record": "1"}).status_code in (404, 405), name
    assert ResourceEntry.objects.get(pk=entry.pk).deleted_at is None
    assert not AuditEntry.objects.exists()


def test_spending_page_links_and_unlinks(unit_tree: Any, cast: Any, officer_client: Any,
                                         make_household: Any) -> None:
    spending = book(unit_tree.commune, "spent", "local_budget", 30_000_000, dt.date(2026, 3, 3))
    household = make_household(unit_tree.hamlet, code="H-LINK", head="Hà Văn Bình")
    kind = SupportKind.objects.get(code="loan")
    records = [SupportRecord.objects.create(household=household, unit_path=household.unit_path, kind=kind,
                                            given_on=dt.date(2026, 2, 1), year=2026, provider_type="state_agency",
                                            amount=amount) for amount in (20_000_000, 15_000_000)]
    url = reverse("support:resource_links", args=[spending.pk])
    page = text(officer_client.get(url))
    assert "H-LINK" in page and "Chưa gắn lượt hỗ trợ nào" in page
    assert officer_client.post(url, {"action": "link", "record": [str(records[0].pk)]}).status_code == 302
    assert SupportRecord.objects.get(pk=records[0].pk).funded_by == spending
    refused = officer_client.post(url, {"action": "link", "record": [str(records[1].pk)]}, follow=True)
    assert "vượt số tiền của khoản chi" in text(refused)
    assert SupportRecord.objects.get(pk=records[1].pk).funded_by is None
    page = text(officer_client.get(url))
    assert "20.000.000 đ" in page and "66,7%" in page
    officer_client.post(url, {"action": "unlink", "record": [str(records[0].pk)]})
    assert SupportRecord.objects.get(pk=records[0].pk).funded_by is None
    # A receipt has no spending page.
    receipt = book(unit_tree.commune, "mobilised", "people", 1, dt.date(2026, 3, 3))
    assert officer_client.get(reverse("support:resource_links", args=[receipt.pk])).status_code == 404


def test_campaign_pages_and_pledges(unit_tree: Any, cast: Any, officer_client: Any) -> None:
    created = officer_client.post(reverse("support:campaign_create"), {
        "unit": unit_tree.commune.pk, "name": "Tháng cao điểm 2026", "source": "for_the_poor_fund",
        "starts_on": "17/10/2026", "ends_on": "18/11/2026", "goal_amount": "100.000.000"})
    assert created.status_code == 302, text(created)
    campaign = Campaign.objects.get()
    bad = text(officer_client.post(reverse("support:campaign_create"), {
        "unit": unit_tree.commune.pk, "name": "Sai ngày", "source": "for_the_poor_fund",
        "starts_on": "18/11/2026", "ends_on": "17/10/2026"}))
    assert "phải sau hoặc bằng ngày bắt đầu" in bad and "Sai ngày" in bad
    pledge_url = reverse("support:pledge_create", args=[campaign.pk])
    assert officer_client.post(pledge_url, {"donor_name": "Công ty Phát Đạt", "donor_type": "business",
                                            "amount": "40.000.000", "pledged_on": "20/10/2026"}).status_code == 302
    pledge = Pledge.objects.get()
    book(unit_tree.commune, "mobilised", "businesses", 45_000_000, dt.date(2026, 10, 25), campaign=campaign,
         pledge=pledge)
    page = text(officer_client.get(reverse("support:campaign_detail", args=[campaign.pk])))
    assert "Công ty Phát Đạt" in page and "Nhận vượt số đăng ký" in page and "45,0%" in page
    assert "17/10/2026 – 18/11/2026" in page and "25/10/2026" in page
    listing = text(officer_client.get(reverse("support:campaigns"), {"year": "2026"}))
    assert "Tháng cao điểm 2026" in listing and "45 triệu đồng" in listing
    edit = reverse("support:pledge_edit", args=[pledge.pk])
    assert officer_client.post(edit, {"version": "1", "donor_name": "Công ty Phát Đạt", "donor_type": "business",
                                      "amount": "50.000.000", "pledged_on": "20/10/2026"}).status_code == 302
    assert Pledge.objects.get().amount == 50_000_000
    refused = officer_client.post(reverse("support:pledge_delete", args=[pledge.pk]), {"version": "2"}, follow=True)
    assert "khoản tiền nhận" in text(refused) and Pledge.objects.get().deleted_at is None
    campaign_edit = reverse("support:campaign_edit", args=[campaign.pk])
    assert officer_client.post(campaign_edit, {"version": "1", "name": "Cao điểm 2026", "source": "for_the_poor_fund",
                                               "starts_on": "17/10/2026", "ends_on": "18/11/2026",
                                               "goal_amount": ""}).status_code == 302
    assert Campaign.objects.get().goal_amount is None


def test_excel_export(unit_tree: Any, cast: Any, officer_client: Any) -> None:
    book(unit_tree.commune, "mobilised", "people", 60_800_000_000, dt.date(2026, 10, 20))
    book(unit_tree.commune, "spent", "people", 70_000_000_000, dt.date(2026, 11, 20))
    response = officer_client.get(reverse("support:resources_export"), {"unit": "86001", "year": "2026"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="nguon-luc-86001-2026.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Theo nguồn", "Theo cấp", "Đối chiếu"]
    rows = list(workbook["Theo nguồn"].iter_rows(values_only=True))
    people = next(r for r in rows if r[0] == "Nhân dân đóng góp")
    assert people[1:] == (60_800_000_000, 70_000_000_000, -9_200_000_000)
    assert rows[-1][0] == "Tổng cộng" and rows[-1][1] == 60_800_000_000
    checks = list(workbook["Đối chiếu"].iter_rows(values_only=True))
    assert checks[1][0] == "Chi vượt số huy động của nguồn"
    assert AuditEntry.objects.filter(action="giamngheo.support.resources_exported").count() == 1
    assert cast.outsider and officer_client.get(reverse("support:resources_export"),
                                                {"unit": "86002", "year": "2026"}).status_code == 404
