"""The read audit: what is recorded, how cheaply, who sees it (audit page tab, household block), retention."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.privacy.models import ReadRecord
from giamngheo.privacy.reads import reads_purge
from tests.privacy.conftest import record
from tests.reviews.conftest import cast, make_household, reviewed  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _inserts(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT") and "readrecord" in q["sql"]]


def test_household_page_read_is_one_insert_after_the_answer(officer: Any, household: Any, client_for: Any) -> None:
    client = client_for(officer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/ho/{household.code}/").status_code == 200
    assert len(_inserts(queries)) == 1
    read = ReadRecord.objects.get()
    assert (read.reader, read.object_type, read.object_id, read.unit_path, read.channel) == (
        officer, "household", household.code, household.unit_path, "page")


def test_refused_page_records_nothing(other_officer: Any, household: Any, client_for: Any, api_client_for: Any
                                      ) -> None:
    assert client_for(other_officer).get(f"/ho/{household.code}/").status_code == 404
    assert api_client_for(other_officer).get(f"/api/v1/households/{household.code}").status_code == 404
    assert not ReadRecord.objects.exists()


def test_a_failed_write_is_logged_and_the_page_still_answers(
    officer: Any, household: Any, client_for: Any, monkeypatch: Any, caplog: Any,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ReadRecord.objects, "bulk_create", broken)
    with caplog.at_level(logging.ERROR, logger="giamngheo.privacy.reads"):
        assert client_for(officer).get(f"/ho/{household.code}/").status_code == 200
    assert "could not record 1 read" in caplog.text
    assert not ReadRecord.objects.exists()


def test_household_export_records_each_household_with_the_count_in_bulk(
    unit_tree: Any, officer: Any, household: Any, client_for: Any,
) -> None:
    from giamngheo.households.services import household_create

    household_create(actor=officer, record=record("HH-2", ids=("086123450001", "086123450002")))
    with CaptureQueriesContext(connection) as queries:
        response = client_for(officer).get(reverse("households:export") + "?format=csv")
        b"".join(response.streaming_content)
    assert response.status_code == 200
    assert len(_inserts(queries)) == 1
    assert sorted(ReadRecord.objects.values_list("object_id", "channel", "count")) == [
        ("HH-1", "export", 2), ("HH-2", "export", 2)]


def test_certificate_pdf_is_a_read_of_its_household(cast: Any, reviewed: Any, client_for: Any) -> None:  # noqa: F811
    response = client_for(cast.approver).get(reverse("reviews:certificate_pdf", args=[reviewed.certificate.pk]))
    assert response.status_code == 200
    assert list(ReadRecord.objects.values_list("object_id", "channel")) == [
        (reviewed.certificate.household.code, "certificate")]


def test_who_viewed_block_only_for_those_who_may_read_the_trail(
    unit_tree: Any, officer: Any, household: Any, client_for: Any, make_user: Any,
) -> None:
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.commune, username="ra-soat-vien")
    assert client_for(surveyor).get(f"/ho/{household.code}/").status_code == 200
    seen = client_for(officer).get(f"/ho/{household.code}/").content.decode()
    assert "Ai đã xem hồ sơ này" in seen and "ra-soat-vien" in seen
    again = client_for(surveyor).get(f"/ho/{household.code}/").content.decode()
    assert "Ai đã xem hồ sơ này" not in again and "can-bo-xa" not in again


def test_reads_tab_filters_by_household_and_reader_within_scope(
    unit_tree: Any, officer: Any, approver: Any, other_officer: Any, household: Any, outside_household: Any,
    client_for: Any,
) -> None:
    client_for(approver).get(f"/ho/{household.code}/")
    client_for(other_officer).get(f"/ho/{outside_household.code}/")
    url = reverse("core:audit_reads")
    page = client_for(officer).get(url).content.decode()
    assert "lanh-dao-xa" in page and "HH-9" not in page and "can-bo-xa-khac" not in page
    assert "lanh-dao-xa" in client_for(officer).get(url + "?household=HH-1&reader=lanh").content.decode()
    assert "lanh-dao-xa" not in client_for(officer).get(url + "?reader=nobody").content.decode()
    outsider = client_for(other_officer).get(url + "?household=HH-1").content.decode()
    assert "lanh-dao-xa" not in outsider and "can-bo-xa-khac" in client_for(other_officer).get(url).content.decode()
    bad = client_for(officer).get(url + "?date_from=31/02/2025")
    assert bad.status_code == 200 and "Bộ lọc chưa hợp lệ" in bad.content.decode()


def test_reads_tab_does_not_exist_without_audit_view(unit_tree: Any, make_user: Any, client_for: Any) -> None:
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    assert client_for(viewer).get(reverse("core:audit_reads")).status_code == 404


def test_purge_deletes_only_reads_past_retention(officer: Any, household: Any, settings: Any, capsys: Any) -> None:
    settings.GIAMNGHEO_READ_AUDIT_DAYS = 90
    now = timezone.now()
    for days in (91, 89):
        ReadRecord.objects.create(at=now - dt.timedelta(days=days), reader=officer, object_type="household",
                                  object_id=household.code, unit_path=household.unit_path, channel="page")
    call_command("purge_reads")
    assert "1 read(s) older than 90 days deleted" in capsys.readouterr().out
    assert list(ReadRecord.objects.values_list("at", flat=True)) == [now - dt.timedelta(days=89)]
    assert reads_purge(now=now) == 0
    assert AuditEntry.objects.get(action="giamngheo.privacy.reads_purged").data["deleted"] == 1
