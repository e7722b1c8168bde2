"""The audit trail pages: scoped, filterable, exportable; one object's history as a fragment."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from giamngheo.accounts.roles import Role
from giamngheo.core.audit import log_action
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(unit_tree, make_user):
    """One entry in each commune, and one in another province."""
    author = make_user(Role.PROVINCE_OFFICER, unit_tree.province, username="tacgia")
    mine = log_action(
        actor=author, action="giamngheo.household.updated", object_type="household", object_id="86001-0001",
        object_repr="Nguyễn Văn An", unit_path=unit_tree.hamlet.path,
        changes={"head_name": ["Nguyễn Văn A", "Nguyễn Văn An"], "members[0].citizen_id": [None, "079123456789"]},
    )
    neighbour = log_action(
        actor=author, action="giamngheo.household.created", object_type="household", object_id="86002-0001",
        object_repr="Trần Thị Bé", unit_path=unit_tree.other_hamlet.path, changes={"head_name": [None, "Trần Thị Bé"]},
    )
    return {"author": author, "mine": mine, "neighbour": neighbour}


def test_a_commune_officer_never_sees_another_communes_entries(trail, unit_tree, make_user, client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    page = client_for(officer).get(reverse("core:audit_list"))
    assert page.status_code == 200
    assert "86001-0001" in page.text and "Sửa hộ gia đình" in page.text
    assert "86002-0001" not in page.text and "Trần Thị Bé" not in page.text


def test_the_province_sees_both_communes(trail, unit_tree, make_user, client_for):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    text = client_for(viewer).get(reverse("core:audit_list")).text
    assert "86001-0001" in text and "86002-0001" in text


def test_changes_show_before_and_after(trail, unit_tree, make_user, client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    text = client_for(officer).get(reverse("core:audit_list")).text
    assert "head_name" in text and "Nguyễn Văn A<" in text and "Nguyễn Văn An<" in text


def test_coded_values_read_as_labels(unit_tree, make_user, client_for):
    from giamngheo.accounts.services import role_grant

    manager = make_user(Role.SYSTEM_ADMIN, unit_tree.province)  # commune roles are the system admin's to grant
    role_grant(actor=manager, user=make_user(), role=Role.COMMUNE_APPROVER, unit=unit_tree.commune)
    text = client_for(manager).get(reverse("core:audit_list")).text
    assert "Lãnh đạo xã (phê duyệt)" in text and ">commune_approver<" not in text


def test_citizen_ids_in_the_trail_are_masked_for_roles_that_do_not_need_them(trail, unit_tree, make_user, client_for):
    province = make_user(Role.PROVINCE_OFFICER, unit_tree.province)  # no citizen_id.view
    commune = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)  # citizen_id.view
    assert "079123456789" not in client_for(province).get(reverse("core:audit_list")).text
    assert "*********789" in client_for(province).get(reverse("core:audit_list")).text
    assert "079123456789" in client_for(commune).get(reverse("core:audit_list")).text


def test_roles_without_audit_view_get_not_found(trail, unit_tree, make_user, client_for):
    surveyor = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet)
    for name in ("core:audit_list", "core:audit_export"):
        assert client_for(surveyor).get(reverse(name)).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "giamngheo.household.created"}, {"86002-0001"}),
        ({"object_id": "86001-0001"}, {"86001-0001"}),
        ({"actor": "TACGIA"}, {"86001-0001", "86002-0001"}),
        ({"actor": "ai-khac"}, set()),
        ({"object_type": "household"}, {"86001-0001", "86002-0001"}),
    ],
)
def test_filters(trail, unit_tree, make_user, client_for, params, expected):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    response = client_for(viewer).get(reverse("core:audit_list"), params)
    shown = {view.entry.object_id for view in response.context["entries"]}
    assert shown == expected


def test_filter_by_unit_includes_units_below(trail, unit_tree, make_user, client_for):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    response = client_for(viewer).get(reverse("core:audit_list"), {"unit": unit_tree.commune.pk})
    assert {v.entry.object_id for v in response.context["entries"]} == {"86001-0001"}


def test_filter_by_a_unit_out_of_scope_is_an_error_not_a_leak(trail, unit_tree, make_user, client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    response = client_for(officer).get(reverse("core:audit_list"), {"unit": unit_tree.other_commune.pk})
    assert "nằm ngoài phạm vi" in response.text
    assert "86002-0001" not in response.text


def test_filter_by_date_uses_vietnamese_days(trail, unit_tree, make_user, client_for):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    # 23:30 on 14/04 in Hà Nội is 16:30 UTC on 14/04; 06:30 on 15/04 in Hà Nội is 23:30 UTC on 14/04.
    late = timezone.make_aware(dt.datetime(2025, 4, 14, 23, 30))
    early = timezone.make_aware(dt.datetime(2025, 4, 15, 6, 30))
    AuditEntry.objects.filter(pk=trail["mine"].pk).update(at=late)
    AuditEntry.objects.filter(pk=trail["neighbour"].pk).update(at=early)
    response = client_for(viewer).get(reverse("core:audit_list"), {"date_from": "15/04/2025", "date_to": "15/04/2025"})
    assert {v.entry.object_id for v in response.context["entries"]} == {"86002-0001"}
    assert "15/04/2025 06:30" in response.text


def test_a_date_that_is_not_a_date_is_named(trail, unit_tree, make_user, client_for):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    response = client_for(viewer).get(reverse("core:audit_list"), {"date_from": "31/02/2025"})
    assert "date_from" in response.context["form"].errors
    assert response.context["entries"] == []


def test_reversed_dates_are_named(trail, unit_tree, make_user, client_for):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    response = client_for(viewer).get(reverse("core:audit_list"), {"date_from": "01/05/2025", "date_to": "2025-04-01"})
    assert response.context["form"].errors["date_to"] == ["Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."]
    assert response.context["entries"] == []


def test_paging(unit_tree, make_user, client_for):
    viewer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    for number in range(55):
        log_action(actor=viewer, action="giamngheo.household.updated", object_type="household",
                   object_id=f"H{number:03d}", unit_path=unit_tree.commune.path)
    client = client_for(viewer)
    first = client.get(reverse("core:audit_list"))
    second = client.get(reverse("core:audit_list"), {"page": 2})
    assert len(first.context["entries"]) == 50 and len(second.context["entries"]) == 5
    assert "Trang 2/2" in second.text


def test_list_queries_do_not_grow_with_the_page(unit_tree, make_user, client_for, django_assert_max_num_queries):
    viewer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    for number in range(40):
        log_action(actor=viewer, action="giamngheo.household.updated", object_type="household",
                   object_id=f"H{number:03d}", unit_path=unit_tree.hamlet.path, changes={"x": [1, 2]})
    client = client_for(viewer)
    with django_assert_max_num_queries(15):
        client.get(reverse("core:audit_list"))


# ---------------------------------------------------------------------------------------------- export


def test_excel_export_has_vietnamese_headers_dates_and_only_entries_in_scope(trail, unit_tree, make_user, client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    AuditEntry.objects.filter(pk=trail["mine"].pk).update(at=timezone.make_aware(dt.datetime(2025, 4, 15, 8, 5)))
    response = client_for(officer).get(reverse("core:audit_export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Thời điểm", "Người thực hiện", "Hành động")
    assert len(rows) == 2
    assert rows[1][0] == "15/04/2025 08:05"
    assert rows[1][2] == "Sửa hộ gia đình" and rows[1][4] == "86001-0001"
    assert "head_name: Nguyễn Văn A → Nguyễn Văn An" in rows[1][7]


def test_csv_export_follows_the_filters_and_keeps_vietnamese_letters(trail, unit_tree, make_user, client_for):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    response = client_for(viewer).get(
        reverse("core:audit_export"), {"format": "csv", "action": "giamngheo.household.created"}
    )
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Thời điểm"
    assert [row[4] for row in rows[1:]] == ["86002-0001"]
    assert "Trần Thị Bé" in text


def test_export_masks_citizen_ids_and_is_itself_recorded(trail, unit_tree, make_user, client_for):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    response = client_for(viewer).get(reverse("core:audit_export"), {"format": "csv"})
    assert "079123456789" not in response.content.decode("utf-8-sig")
    exported = AuditEntry.objects.get(action="giamngheo.audit.exported")
    assert exported.actor == viewer and exported.object_id == "csv"


def test_unknown_export_format_is_not_found(trail, unit_tree, make_user, client_for):
    viewer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    assert client_for(viewer).get(reverse("core:audit_export"), {"format": "pdf"}).status_code == 404


# --------------------------------------------------------------------------------------- object history


def test_object_history_fragment_is_scoped(trail, unit_tree, make_user, client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    client = client_for(officer)
    own = client.get(reverse("core:object_history", args=["household", "86001-0001"]))
    assert own.status_code == 200 and "Nguyễn Văn An" in own.text and "<html" not in own.text
    other = client.get(reverse("core:object_history", args=["household", "86002-0001"]))
    assert "Trần Thị Bé" not in other.text
    assert "Chưa có thay đổi nào" in other.text


def test_object_history_template_tag(trail, unit_tree, make_user):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    request = RequestFactory().get("/")
    request.user = officer
    html = Template('{% load audit %}{% object_history "household" code %}').render(
        Context({"request": request, "code": "86001-0001"})
    )
    assert "Lịch sử thay đổi" in html and "Nguyễn Văn An" in html


def test_object_history_tag_shows_nothing_to_roles_without_audit_view(trail, unit_tree, make_user):
    surveyor = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet)
    request = RequestFactory().get("/")
    request.user = surveyor
    html = Template('{% load audit %}{% object_history "household" "86001-0001" %}').render(
        Context({"request": request})
    )
    assert html.strip() == ""
