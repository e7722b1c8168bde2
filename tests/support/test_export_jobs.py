"""Background exports (docs/support.md, "Exports"): a small list is still answered as the file; a long one (the
threshold patched from 5,000 to 2) becomes a job the worker writes — here inline, ImmediateBackend — whose page
shows the progress, then a download that only its creator gets, holding the same rows as the direct export."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from giamngheo.accounts.models import RoleGrant
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import ExportJob, ExportKind, ExportStatus
from giamngheo.support.selectors import lists
from giamngheo.support.services import exports
from tests.support.test_lists_selectors import (  # noqa: F401  (fixtures)
    YEAR,
    ListsWorld,
    cast,
    expected,
    lists_world,
    make_household,
    set_status,
)

pytestmark = pytest.mark.django_db

LIST_EXPORT = f"/ho-tro/danh-sach/{lists.NO_SUPPORT}/xuat/?year={YEAR}"
RECORDS_EXPORT = "/nhap-du-lieu/xuat-ho-tro/?format=csv"
JOB_URL = re.compile(r"^/ho-tro/xuat/([0-9a-f-]{36})/$")


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Path) -> Path:
    settings.GIAMNGHEO_EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


@pytest.fixture
def long_lists(monkeypatch: Any) -> None:
    """Every list of more than two rows is "long"."""
    monkeypatch.setattr(exports, "IN_REQUEST_MAX", 2)


def cells(content: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def read(response: Any) -> bytes:
    """A file response's bytes; read to the end, the test client closes the file (calling ``close()`` here
    would also close the test's database connection)."""
    return b"".join(response.streaming_content)


def start(client: Any, url: str, capture: Any) -> ExportJob:
    """Ask for an export that is long: the answer is the job's page; the task runs once the request commits."""
    with capture(execute=True):
        response = client.get(url)
    assert response.status_code == 302, response.content[:300]
    match = JOB_URL.match(response["Location"])
    assert match, response["Location"]
    return ExportJob.objects.get(public_id=match.group(1))


def test_a_small_list_is_answered_as_the_file(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    response = client_for(lists_world.officer).get(LIST_EXPORT)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert {row[1] for row in cells(response.content)[2:]} == expected(lists.NO_SUPPORT, lists_world,
                                                                        lists_world.officer, YEAR)
    assert not ExportJob.objects.exists()
    response = client_for(lists_world.officer).get(RECORDS_EXPORT)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert b"POOR-TO-NEAR" in read(response)
    assert not ExportJob.objects.exists()


def test_a_long_list_is_written_by_the_worker_and_downloaded_as_the_same_workbook(
        lists_world: ListsWorld, client_for: Any, monkeypatch: Any,  # noqa: F811
        django_capture_on_commit_callbacks: Any, export_dir: Path) -> None:
    client = client_for(lists_world.officer)
    direct = cells(client.get(LIST_EXPORT).content)
    assert len(direct) - 2 > 2  # more rows than the patched threshold
    monkeypatch.setattr(exports, "IN_REQUEST_MAX", 2)

    job = start(client, LIST_EXPORT, django_capture_on_commit_callbacks)
    assert (job.kind, job.status, job.created_by) == (ExportKind.SUPPORT_LIST, ExportStatus.DONE, lists_world.officer)
    assert job.rows_written == job.rows_total == len(direct) - 2
    assert (export_dir / job.file_path).is_file()

    page = client.get(f"/ho-tro/xuat/{job.public_id}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Đã xuất xong" in html and 'hx-trigger="every 2s"' not in html
    assert f'href="/ho-tro/xuat/{job.public_id}/tai-ve/"' in html and "2 ngày" in html

    download = client.get(f"/ho-tro/xuat/{job.public_id}/tai-ve/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith(f'attachment; filename="{lists.NO_SUPPORT}-{YEAR}-')
    assert cells(read(download)) == direct
    entry = AuditEntry.objects.get(action=exports.DOWNLOADED)
    assert entry.actor == lists_world.officer and entry.object_id == str(job.public_id)
    # The export itself is audited as the direct one is, by its creator.
    assert AuditEntry.objects.filter(action="giamngheo.support.list_exported", actor=lists_world.officer).count() == 2


def test_long_support_records_are_written_by_the_worker_byte_for_byte(
        lists_world: ListsWorld, client_for: Any, monkeypatch: Any,  # noqa: F811
        django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(lists_world.officer)
    direct = read(client.get(RECORDS_EXPORT))
    monkeypatch.setattr(exports, "IN_REQUEST_MAX", 2)
    job = start(client, RECORDS_EXPORT, django_capture_on_commit_callbacks)
    assert (job.kind, job.status, job.parameters["format"]) == (ExportKind.SUPPORT_RECORDS, ExportStatus.DONE, "csv")
    assert job.rows_written == direct.count(b"\r\n") - 1 > 2
    html = client.get(f"/ho-tro/xuat/{job.public_id}/").content.decode()
    assert f"Đã xuất xong {job.rows_written} dòng hỗ trợ." in html
    download = client.get(f"/ho-tro/xuat/{job.public_id}/tai-ve/")
    assert download["Content-Type"].startswith("text/csv")
    assert read(download) == direct


def test_the_page_polls_and_shows_the_rows_written_while_the_worker_runs(
        lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    job = ExportJob.objects.create(kind=ExportKind.SUPPORT_LIST, created_by=lists_world.officer,
                                   parameters={"slug": lists.NO_SUPPORT, "year": YEAR}, status=ExportStatus.RUNNING,
                                   rows_written=12_000, rows_total=48_000, file_name="x.xlsx")
    client = client_for(lists_world.officer)
    html = client.get(f"/ho-tro/xuat/{job.public_id}/").content.decode()
    assert "Đang xuất: 12.000 / 48.000 hộ" in html and 'hx-trigger="every 2s"' in html and "25%" in html
    fragment = client.get(f"/ho-tro/xuat/{job.public_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith(("{", "<section")) and "<html" not in fragment
    assert "Đang xuất: 12.000 / 48.000 hộ" in fragment
    assert client.get(f"/ho-tro/xuat/{job.public_id}/tai-ve/").status_code == 404  # not written yet


def test_the_worker_writes_its_progress_to_the_job_as_it_goes(
        lists_world: ListsWorld, client_for: Any, long_lists: None, monkeypatch: Any,  # noqa: F811
        django_capture_on_commit_callbacks: Any) -> None:
    from giamngheo.support import list_export

    monkeypatch.setattr(list_export, "PROGRESS_EVERY", 1)
    seen: list[tuple[str, int]] = []
    rows_of = lists.list_rows

    def watched(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for row in rows_of(*args, **kwargs):
            job = ExportJob.objects.get()
            seen.append((job.status, job.rows_written))
            yield row

    monkeypatch.setattr(lists, "list_rows", watched)
    job = start(client_for(lists_world.officer), LIST_EXPORT, django_capture_on_commit_callbacks)
    assert seen == [(ExportStatus.RUNNING, n) for n in range(job.rows_written)]


def test_only_the_creator_sees_the_job_and_only_while_holding_the_scope_it_was_written_with(
        lists_world: ListsWorld, cast: Any, client_for: Any, long_lists: None,  # noqa: F811
        django_capture_on_commit_callbacks: Any) -> None:
    world = lists_world
    job = start(client_for(world.officer), LIST_EXPORT, django_capture_on_commit_callbacks)
    # Another officer of the same commune, a province officer above it, an officer of another commune.
    for other in (cast.approver, world.province_user, world.outsider):
        client = client_for(other)
        assert client.get(f"/ho-tro/xuat/{job.public_id}/").status_code == 404
        assert client.get(f"/ho-tro/xuat/{job.public_id}/tai-ve/").status_code == 404
    # The creator moved to the other commune: the file of commune A is no longer theirs to take.
    RoleGrant.objects.filter(user=world.officer).update(unit=world.unit_tree.other_commune,
                                                        unit_path=world.unit_tree.other_commune.path)
    assert client_for(world.officer).get(f"/ho-tro/xuat/{job.public_id}/tai-ve/").status_code == 404
    assert not AuditEntry.objects.filter(action=exports.DOWNLOADED).exists()


def test_a_failing_export_marks_the_job_failed_with_a_vietnamese_message(
        lists_world: ListsWorld, client_for: Any, long_lists: None, monkeypatch: Any,  # noqa: F811
        django_capture_on_commit_callbacks: Any, export_dir: Path) -> None:
    from giamngheo.support import list_export

    def broken(**kwargs: Any) -> int:
        kwargs["out"].write(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(list_export, "support_list_export_write", broken)
    client = client_for(lists_world.officer)
    job = start(client, LIST_EXPORT, django_capture_on_commit_callbacks)
    assert job.status == ExportStatus.FAILED and job.finished_at is not None
    assert job.failure.startswith("Xuất tệp bị lỗi, chưa có tệp nào được tạo.")
    assert not job.file_path and not any(export_dir.iterdir())  # no half file left behind
    html = client.get(f"/ho-tro/xuat/{job.public_id}/").content.decode()
    assert "Xuất tệp không thành công" in html and "Xuất tệp bị lỗi" in html and "every 2s" not in html
    assert client.get(f"/ho-tro/xuat/{job.public_id}/tai-ve/").status_code == 404


def test_files_older_than_two_days_are_deleted_when_a_job_starts(
        lists_world: ListsWorld, client_for: Any, long_lists: None,  # noqa: F811
        django_capture_on_commit_callbacks: Any, export_dir: Path) -> None:
    client = client_for(lists_world.officer)
    old = start(client, LIST_EXPORT, django_capture_on_commit_callbacks)
    recent = start(client, LIST_EXPORT, django_capture_on_commit_callbacks)
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    ExportJob.objects.filter(pk=old.pk).update(created_at=three_days_ago)
    stamp = three_days_ago.timestamp()
    os.utime(export_dir / old.file_path, (stamp, stamp))
    newest = start(client, LIST_EXPORT, django_capture_on_commit_callbacks)
    assert not ExportJob.objects.filter(pk=old.pk).exists() and not (export_dir / old.file_path).exists()
    assert client.get(f"/ho-tro/xuat/{old.public_id}/").status_code == 404
    for kept in (recent, newest):
        assert (export_dir / kept.file_path).is_file()
        download = client.get(f"/ho-tro/xuat/{kept.public_id}/tai-ve/")
        assert download.status_code == 200 and read(download)


def test_the_real_worker_writes_the_file_the_page_then_offers(
        lists_world: ListsWorld, client_for: Any, long_lists: None, task_worker: Any) -> None:  # noqa: F811
    """With the production backend the job is a queued task until a worker takes it."""
    client = client_for(lists_world.officer)
    response = client.get(LIST_EXPORT)
    job = ExportJob.objects.get(public_id=JOB_URL.match(response["Location"]).group(1))
    assert job.status == ExportStatus.QUEUED
    # On PostgreSQL the worker thread works the queue all the time, so it may already have taken the job: the
    # page shows the job's state at that moment, whichever it is (queued, being written, or done).
    page = client.get(f"/ho-tro/xuat/{job.public_id}/").content.decode()
    assert any(text in page for text in ("Đang chờ đến lượt xuất", "Đang xuất tệp", "Đã xuất xong")), page[-800:]
    task_worker.wait_for_all()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    download = client.get(f"/ho-tro/xuat/{job.public_id}/tai-ve/")
    assert {row[1] for row in cells(read(download))[2:]} == expected(lists.NO_SUPPORT, lists_world,
                                                                     lists_world.officer, YEAR)
