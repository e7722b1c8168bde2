"""The import pages through the Django test client: upload, progress, preview, commit, errors, batch, access."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.households.models import Household
from giamngheo.imports import storage
from giamngheo.imports.models import ImportedHousehold, ImportJob, ImportStatus

from .conftest import household_rows

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(Role.COMMUNE_OFFICER, unit_tree.commune)


def upload(client: Any, path: Path, capture: Any, **fields: str) -> Any:
    """POST the upload form; the validation task runs inline once the upload's transaction commits."""
    with capture(execute=True), path.open("rb") as handle:
        return client.post(reverse("imports:upload"), {"kind": "households", "on_change": "update", "file": handle,
                                                      **fields})


def test_upload_validates_and_the_preview_shows_counts_then_commit_writes(
        unit_tree: Any, officer: Any, client_for: Any, write_workbook: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(officer)
    households, members = household_rows(unit_tree.commune.code, 4)
    response = upload(client, write_workbook(households, members, name="thon-a.xlsx"),
                      django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:job", args=[job.public_id])
    assert job.status == ImportStatus.READY

    page = client.get(response["Location"]).content.decode()
    assert "<h1>thon-a.xlsx</h1>" in page
    assert "Tệp hợp lệ" in page and "Ghi vào hệ thống" in page
    counts = page.split('class="table import-counts"')[1].split("</table>")[0]
    assert '<td class="num">4</td>' in counts and '<td class="num">12</td>' in counts  # 4 households, 12 members
    assert f"{unit_tree.commune.code}-T00001" in page  # a sample of the new households
    assert Household.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(reverse("imports:commit", args=[job.public_id]), {"on_change": "skip"})
    assert committed.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED and job.on_change == "skip"
    assert Household.objects.count() == 4
    report = client.get(reverse("imports:job", args=[job.public_id])).content.decode()
    assert "Đã ghi xong vào hệ thống" in report and "đã giữ nguyên" in report
    assert job.file_sha256[:12] in report
    batch = client.get(reverse("imports:households", args=[job.public_id])).content.decode()
    assert reverse("households:detail", args=[f"{unit_tree.commune.code}-T00003"]) in batch
    assert "Thêm mới" in batch

    # A second click on "Ghi vào hệ thống" writes nothing more and says why.
    again = client.post(reverse("imports:commit", args=[job.public_id]), follow=True)
    assert "không ở trạng thái sẵn sàng ghi" in again.content.decode()
    assert ImportedHousehold.objects.filter(job=job).count() == 4


def test_a_changed_household_shows_its_field_level_diff(unit_tree: Any, officer: Any, client_for: Any,
                                                        write_workbook: Any,
                                                        django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(officer)
    households, members = household_rows(unit_tree.commune.code, 2)
    upload(client, write_workbook(households, members), django_capture_on_commit_callbacks)
    first = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:commit", args=[first.public_id]))
    households[1][6] = "40"
    upload(client, write_workbook(households, members, name="lan-2.xlsx"), django_capture_on_commit_callbacks)
    second = ImportJob.objects.exclude(pk=first.pk).get()
    page = client.get(reverse("imports:job", args=[second.public_id])).content.decode()
    assert "Một số hộ thay đổi" in page
    assert 'Diện tích nhà ở' in page and '<span class="before">25,5</span> → <strong>40</strong>' in page


def test_invalid_file_lists_errors_and_the_error_workbook_downloads(
        unit_tree: Any, officer: Any, client_for: Any, write_workbook: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(officer)
    households, members = household_rows(unit_tree.commune.code, 3)
    members[3][4] = "31/02/1990"
    path = write_workbook(households, members, name="co loi.xlsx")
    upload(client, path, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.INVALID
    page = client.get(reverse("imports:job", args=[job.public_id])).content.decode()
    assert "Tải tệp lỗi (Excel)" in page and "sửa trong Excel rồi tải lên lại" in page
    assert "31/02/1990" in page and "Ghi vào hệ thống" not in page

    response = client.get(reverse("imports:errors", args=[job.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="loi-co loi.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    commented = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.comment]
    assert any("31/02/1990" in str(cell.comment.text) for cell in commented)
    assert Household.objects.count() == 0


def test_an_unreadable_upload_is_refused_on_the_form_and_nothing_is_created(
        officer: Any, client_for: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(officer)
    bad = tmp_path / "ghi-chu.pdf"
    bad.write_text("không phải bảng tính", encoding="utf-8")
    response = upload(client, bad, django_capture_on_commit_callbacks, on_change="skip")
    assert response.status_code == 422
    text = response.content.decode()
    assert "Chỉ nhận tệp Excel" in text
    # What the officer chose is still chosen.
    assert re.search(r'<input type="radio" name="on_change" value="skip"[^>]* checked', text)
    assert not ImportJob.objects.exists()

    missing = client.post(reverse("imports:upload"), {"kind": "households", "on_change": "update"})
    assert missing.status_code == 422 and "Hãy chọn tệp cần nhập." in missing.content.decode()


def test_progress_fragment_polls_while_running_and_hands_over_the_result_when_done(
        unit_tree: Any, officer: Any, client_for: Any, write_workbook: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(officer)
    # Without running the captured callbacks the job stays queued, as it does until a worker takes it.
    with write_workbook(*household_rows(unit_tree.commune.code, 2)).open("rb") as handle, \
            django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("imports:upload"), {"kind": "households", "on_change": "update", "file": handle})
    job = ImportJob.objects.get()
    storage.Progress(job.public_id).set(force=True, parsed=800, validated=200)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)
    url = reverse("imports:progress", args=[job.public_id])
    running = client.get(url, HTTP_HX_REQUEST="true")
    text = running.content.decode()
    assert 'hx-trigger="every 1s"' in text and '<progress value="200" max="800"' in text and "25%" in text
    assert "HX-Retarget" not in running

    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.READY)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Retarget"] == "#job-body" and done["HX-Reswap"] == "outerHTML"
    assert 'id="job-body"' in done.content.decode() and "every 1s" not in done.content.decode()


def test_out_of_scope_user_gets_404_and_bad_ids_are_404(
        unit_tree: Any, officer: Any, make_user: Any, client_for: Any, write_workbook: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    upload(client_for(officer), write_workbook(*household_rows(unit_tree.commune.code, 1)),
           django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    outsider = client_for(make_user(Role.COMMUNE_OFFICER, unit_tree.other_commune))
    for name in ("job", "progress", "errors", "households"):
        assert outsider.get(reverse(f"imports:{name}", args=[job.public_id])).status_code == 404, name
    assert outsider.post(reverse("imports:commit", args=[job.public_id])).status_code == 404
    assert outsider.post(reverse("imports:cancel", args=[job.public_id])).status_code == 404
    assert job.file_name not in outsider.get(reverse("imports:list")).content.decode()
    assert outsider.get("/nhap-du-lieu/not-a-uuid/").status_code == 404
    assert outsider.get("/nhap-du-lieu/00000000-0000-0000-0000-000000000000/").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.READY


def test_auditor_sees_the_job_but_is_offered_no_commit(
        unit_tree: Any, officer: Any, make_user: Any, client_for: Any, write_workbook: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    upload(client_for(officer), write_workbook(*household_rows(unit_tree.commune.code, 1)),
           django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    viewer = client_for(make_user(Role.PROVINCE_OFFICER, unit_tree.province))
    page = viewer.get(reverse("imports:job", args=[job.public_id]))
    assert page.status_code == 200 and "Ghi vào hệ thống" not in page.content.decode()
    refused = viewer.post(reverse("imports:commit", args=[job.public_id]), follow=True)
    assert "Chỉ người đã tải tệp lên" in refused.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.READY


def test_user_without_import_permission_sees_no_upload_and_is_refused(
        unit_tree: Any, make_user: Any, client_for: Any, write_workbook: Any) -> None:
    viewer = make_user(Role.PROVINCE_VIEWER, unit_tree.province)
    client = client_for(viewer)
    page = client.get(reverse("imports:list")).content.decode()
    assert reverse("imports:upload") not in page
    assert "Nhập dữ liệu" not in client.get(reverse("households:list")).content.decode()  # no nav item
    assert client.get(reverse("imports:upload")).status_code == 404
    assert client.get(reverse("imports:template")).status_code == 404
    with write_workbook(*household_rows(unit_tree.commune.code, 1)).open("rb") as handle:
        refused = client.post(reverse("imports:upload"), {"kind": "households", "on_change": "update",
                                                          "file": handle})
    assert refused.status_code == 403 and "Bạn không có quyền nhập dữ liệu" in refused.content.decode()
    assert not ImportJob.objects.exists()


def test_officer_has_the_nav_item_and_downloads_the_template(officer: Any, client_for: Any) -> None:
    client = client_for(officer)
    page = client.get(reverse("imports:list")).content.decode()
    assert f'href="{reverse("imports:list")}" aria-current="page">Nhập dữ liệu</a>' in page
    assert reverse("imports:upload") in page
    form = client.get(reverse("imports:upload")).content.decode()
    assert "Tải mẫu Excel" in form and "Giữ nguyên hộ đã có" in form
    response = client.get(reverse("imports:template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames


def test_batch_page_bounds_its_query_parameters(unit_tree: Any, officer: Any, client_for: Any,
                                                write_workbook: Any,
                                                django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(officer)
    upload(client, write_workbook(*household_rows(unit_tree.commune.code, 2)), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    url = reverse("imports:households", args=[job.public_id])
    for query in ({"start": "9" * 40, "after": "x:y"}, {"before": "99999999999999999999999:" + "z" * 300},
                  {"after": "%%%"}):
        assert client.get(url, query).status_code == 200


def test_owner_cancels_a_ready_job_and_the_page_says_nothing_was_written(
        unit_tree: Any, officer: Any, client_for: Any, write_workbook: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(officer)
    upload(client, write_workbook(*household_rows(unit_tree.commune.code, 2)), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    page = client.post(reverse("imports:cancel", args=[job.public_id]), follow=True).content.decode()
    assert "Lượt nhập đã huỷ" in page and "Đã huỷ lượt nhập" in page
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and Household.objects.count() == 0
    # The commit button is gone, and a stale form posted anyway is refused.
    assert "Ghi vào hệ thống" not in page
    refused = client.post(reverse("imports:commit", args=[job.public_id]), follow=True).content.decode()
    assert "không ở trạng thái sẵn sàng ghi" in refused and Household.objects.count() == 0


def test_a_failed_job_shows_its_reason(unit_tree: Any, officer: Any, client_for: Any) -> None:
    job = ImportJob.objects.create(kind="households", file_name="hong.xlsx", file_sha256="a" * 64,
                                   unit_path=unit_tree.commune.path, created_by=officer, status=ImportStatus.FAILED,
                                   failure="Không đọc được tệp: tệp Excel bị hỏng.")
    page = client_for(officer).get(reverse("imports:job", args=[job.public_id])).content.decode()
    assert "Lượt nhập bị lỗi; chưa ghi gì vào hệ thống" in page and "tệp Excel bị hỏng" in page
