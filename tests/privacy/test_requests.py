"""The data-subject request register: pages, deadlines, the state moves, the downloads, and scope."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from giamngheo.accounts.roles import Role
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.privacy import services
from giamngheo.privacy.deadlines import parse_hours
from giamngheo.privacy.models import DataRequest, ReadRecord, RequestStatus
from tests.privacy.conftest import SUBJECT_ID, received
from tests.reviews.conftest import cast, make_household, reviewed  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _register(actor: Any, unit: Any, **overrides: Any) -> DataRequest:
    fields: dict[str, Any] = {
        "kind": "access", "citizen_id": SUBJECT_ID, "subject_name": "Nguyễn Văn Ánh",
        "requester_name": "Nguyễn Văn Ánh", "channel": "in_person", "received_at": received()}
    fields.update(overrides)
    return services.data_request_register(actor=actor, unit=unit, **fields)


def _form(unit: Any, **overrides: Any) -> dict[str, Any]:
    data = {"unit": unit.pk, "kind": "access", "subject_name": "Nguyễn Văn Ánh", "citizen_id": SUBJECT_ID,
            "household_code": "", "requester_name": "Nguyễn Văn Ánh", "requester_contact": "0912 345 678",
            "channel": "in_person", "received_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"), "content": ""}
    data.update(overrides)
    return data


def test_register_page_sets_the_72_hour_deadline_and_audits_without_the_id(
    unit_tree: Any, officer: Any, client_for: Any,
) -> None:
    response = client_for(officer).post(reverse("privacy:register"), _form(unit_tree.commune))
    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert request.deadline - request.received_at == dt.timedelta(hours=72)
    assert (request.status, request.citizen_id, request.unit_path) == ("registered", SUBJECT_ID, "/86/86001/")
    entry = AuditEntry.objects.get(action="giamngheo.privacy.request_registered")
    assert SUBJECT_ID not in json.dumps([entry.changes, entry.data, entry.object_repr])


def test_register_form_names_the_field_at_fault(unit_tree: Any, officer: Any, client_for: Any) -> None:
    client = client_for(officer)
    response = client.post(reverse("privacy:register"), _form(unit_tree.commune, citizen_id="12ab"))
    assert response.status_code == 422
    assert 'id="id_citizen_id_error"><li>Số định danh cá nhân phải gồm đúng 12 chữ số.' in response.content.decode()
    late = client.post(reverse("privacy:register"), _form(unit_tree.commune, received_at="32/13/2025 10:00"))
    assert late.status_code == 422 and 'id="id_received_at_error"' in late.content.decode()
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%d/%m/%Y %H:%M")
    ahead = client.post(reverse("privacy:register"), _form(unit_tree.commune, received_at=future))
    assert "Thời điểm nhận không được ở tương lai." in ahead.content.decode()
    assert not DataRequest.objects.exists()


def test_household_code_elsewhere_reads_like_a_code_that_does_not_exist(
    unit_tree: Any, officer: Any, client_for: Any, outside_household: Any,
) -> None:
    client = client_for(officer)
    elsewhere = client.post(reverse("privacy:register"), _form(unit_tree.commune, household_code="HH-9"))
    nowhere = client.post(reverse("privacy:register"), _form(unit_tree.commune, household_code="KHONG-CO"))
    assert elsewhere.status_code == nowhere.status_code == 422
    message = "Không tìm thấy hộ có mã này trong đơn vị xử lý."
    assert message in elsewhere.content.decode() and message in nowhere.content.decode()
    # A unit outside the officer's scope is not offered and not accepted.
    other = client.post(reverse("privacy:register"), _form(unit_tree.other_commune))
    assert other.status_code == 422 and not DataRequest.objects.exists()


def test_a_citizen_id_of_someone_elsewhere_finds_nothing_in_the_answer(
    unit_tree: Any, officer: Any, outside_household: Any,
) -> None:
    request = _register(officer, unit_tree.commune, citizen_id="086999999991")
    answered = services.data_request_answer(actor=officer, request=request, answer_text="Không có dữ liệu.")
    assert answered.export["households"] == [] and answered.export["reads"] == []
    assert "HH-9" not in json.dumps(answered.export)


def test_outsiders_and_province_officers_see_no_requests(
    unit_tree: Any, officer: Any, other_officer: Any, client_for: Any, make_user: Any, household: Any,
) -> None:
    request = _register(officer, unit_tree.commune)
    outsider = client_for(other_officer)
    assert "Nguyễn Văn Ánh" not in outsider.get(reverse("privacy:list")).content.decode()
    for name in ("detail", "export", "reply"):
        assert outsider.get(reverse(f"privacy:{name}", args=[request.pk])).status_code == 404
    assert outsider.post(reverse("privacy:answer", args=[request.pk]), {"answer_text": "x"}).status_code == 404
    province = client_for(make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province))
    assert province.get(reverse("privacy:list")).status_code == 404
    assert "Dữ liệu cá nhân" not in province.get(reverse("core:audit_list")).content.decode()
    assert "Dữ liệu cá nhân" in client_for(officer).get(reverse("core:audit_list")).content.decode()
    assert DataRequest.objects.get().status == RequestStatus.REGISTERED


def test_overdue_requests_are_flagged_and_filtered(unit_tree: Any, officer: Any, client_for: Any) -> None:
    late = _register(officer, unit_tree.commune, received_at=received(hours_ago=80), subject_name="Người Quá Hạn")
    _register(officer, unit_tree.commune, subject_name="Người Còn Hạn")
    assert late.is_overdue()
    client = client_for(officer)
    page = client.get(reverse("privacy:list")).content.decode()
    assert page.count("Quá hạn</span>") == 1
    overdue = client.get(reverse("privacy:list") + "?overdue=on").content.decode()
    assert "Người Quá Hạn" in overdue and "Người Còn Hạn" not in overdue
    assert "Quá hạn" in client.get(reverse("privacy:detail", args=[late.pk])).content.decode()


def test_assign_answer_refuse_move_as_the_table_says(
    unit_tree: Any, officer: Any, approver: Any, other_officer: Any, client_for: Any, household: Any,
) -> None:
    request = _register(officer, unit_tree.commune)
    with pytest.raises(ValidationFailed):
        services.data_request_assign(actor=officer, request=request, assignee=other_officer)
    client = client_for(officer)
    assert client.post(reverse("privacy:assign", args=[request.pk]), {"assignee": approver.pk}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.assignee) == ("assigned", approver)
    empty = client.post(reverse("privacy:refuse", args=[request.pk]), {"refusal_reason": "  "})
    assert empty.status_code == 422
    assert client.post(reverse("privacy:answer", args=[request.pk]), {"answer_text": "Gửi kèm dữ liệu."}
                       ).status_code == 302
    request.refresh_from_db()
    with pytest.raises(ApplicationError):
        services.data_request_refuse(actor=officer, request=request, reason="muộn")
    assert list(AuditEntry.objects.filter(object_type="data_request").order_by("id").values_list(
        "action", flat=True)) == ["giamngheo.privacy.request_registered", "giamngheo.privacy.request_assigned",
                                  "giamngheo.privacy.request_answered"]


def test_downloads_are_audited_and_recorded_as_reads(
    unit_tree: Any, officer: Any, client_for: Any, household: Any, tmp_path: Any,
) -> None:
    request = _register(officer, unit_tree.commune)
    client = client_for(officer)
    assert client.get(reverse("privacy:export", args=[request.pk])).status_code == 404  # not answered yet
    services.data_request_answer(actor=officer, request=request, answer_text="Gửi ông dữ liệu kèm theo.")
    data = client.get(reverse("privacy:export", args=[request.pk]))
    assert data["Content-Type"].startswith("application/json")
    assert json.loads(data.content)["households"][0]["code"] == household.code
    pdf = client.get(reverse("privacy:reply", args=[request.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    (tmp_path / "reply.pdf").write_bytes(pdf.content)
    assert AuditEntry.objects.filter(action="giamngheo.privacy.export_downloaded").count() == 2
    assert ReadRecord.objects.filter(channel="export", object_id=household.code).count() == 3  # answer + 2


def test_export_by_household_holds_the_review_history(
    unit_tree: Any, cast: Any, reviewed: Any,  # noqa: F811
) -> None:
    household = reviewed.case.household
    request = services.data_request_register(
        actor=cast.officer, unit=unit_tree.commune, kind="access", household_code=household.code,
        subject_name="Lò Văn Páo", requester_name="Lò Văn Páo", channel="post", received_at=received())
    export = services.data_request_answer(actor=cast.officer, request=request, answer_text="Kèm dữ liệu.").export
    kinds = {e["object_type"] for e in export["audit"]}
    assert {"household", "review_case", "certificate", "complaint", "review_request", "data_request"} <= kinds
    (part,) = export["households"]
    assert part["ledger"] and part["status_history"]


def test_deadline_periods_are_configurable_and_bounded() -> None:
    assert parse_hours("correction=240")["correction"] == 240
    for bad in ("access=5", "write=72", "access=abc"):
        with pytest.raises(ImproperlyConfigured):
            parse_hours(bad)


def test_list_pages_cost_the_same_whatever_the_rows(unit_tree: Any, officer: Any, client_for: Any,
                                                     household: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(officer)

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as requests_page:
            assert client.get(reverse("privacy:list")).status_code == 200
        with CaptureQueriesContext(connection) as reads_page:
            assert client.get(reverse("core:audit_reads")).status_code == 200
        return len(requests_page), len(reads_page)

    _register(officer, unit_tree.commune)
    client.get(f"/ho/{household.code}/")
    few = cost()
    for _ in range(4):
        _register(officer, unit_tree.commune, household_code=household.code)
        client.get(f"/ho/{household.code}/")
    assert cost() == few
