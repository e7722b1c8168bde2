"""``/imports``: upload → validation → preview → commit through the API, with the refusals a client meets.

The tests' task backend runs a task the moment it is enqueued, and the import enqueues on transaction commit:
``django_capture_on_commit_callbacks(execute=True)`` around a request runs the validation (or the commit) as the
worker would, right after it.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from giamngheo.accounts.roles import Role
from giamngheo.households.models import Household, Member
from giamngheo.imports import services
from giamngheo.imports.models import ImportJob, ImportStatus
from tests.imports.conftest import HOUSEHOLD_HEADERS, MEMBER_HEADERS, household_rows

pytestmark = pytest.mark.django_db

LIST = "/api/v1/imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_KEYS = {"sheet", "row", "column", "field", "value", "message"}


@pytest.fixture(autouse=True)
def import_dir(settings: Any, tmp_path: Any) -> Any:
    """Each test's uploads in its own directory, not in the project's var/."""
    settings.GIAMNGHEO_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


def workbook(households: list[list[Any]], members: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Hộ gia đình"
    sheet.append(HOUSEHOLD_HEADERS)
    for row in households:
        sheet.append(row)
    other = book.create_sheet("Thành viên")
    other.append(MEMBER_HEADERS)
    for row in members:
        other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_file(unit_tree: Any, count: int = 3) -> bytes:
    return workbook(*household_rows(unit_tree.commune.code, count))


def bad_file(unit_tree: Any) -> bytes:
    """Three households; the second member of the first household (sheet row 3) born on 31/02/1990."""
    households, members = household_rows(unit_tree.commune.code, 3)
    members[1][4] = "31/02/1990"
    return workbook(households, members)


def upload(client: Any, content: bytes | None, *, name: str = "ho.xlsx", **fields: str) -> Any:
    data: dict[str, Any] = dict(fields)
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content, content_type=XLSX)
    return client.post(LIST, data)


@pytest.fixture
def validated(api_client_for: Any, owner: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Upload a file as the commune officer and let the background validation run; answers the job's URL."""

    def make(content: bytes) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(api_client_for(owner), content)
        assert response.status_code == 202, response.content
        return str(response.json()["links"]["self"])

    return make


def test_upload_status_preview_commit_writes_the_households(
    api_client_for: Any, owner: Any, unit_tree: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, good_file(unit_tree), kind="households", on_change="skip")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["kind"] == "households" and body["on_change"] == "skip"
    assert body["file_name"] == "ho.xlsx" and body["created_by"] == owner.username
    job_url = body["links"]["self"]
    assert job_url == f"{LIST}/{body['id']}"

    status = client.get(job_url).json()
    assert status["status"] == "ready", status
    assert status["summary"]["households"] == {"new": 3, "changed": 0, "unchanged": 0, "invalid": 0}
    assert status["summary"]["members"]["new"] == 9 and status["summary"]["errors"] == 0
    assert status["progress"]["stage"] == "ready" and status["progress"]["validated"] == 12

    preview = client.get(body["links"]["preview"]).json()
    assert preview["counts"]["households"]["new"] == 3 and preview["errors_total"] == 0
    assert [s["code"] for s in preview["samples"]["new"]] == [f"{unit_tree.commune.code}-T0000{n}" for n in (1, 2, 3)]
    assert client.get(body["links"]["errors"]).json() == {
        "items": [], "count": 0, "count_exact": True, "page": 1, "page_size": 100}
    assert client.get(body["links"]["errors_xlsx"]).status_code == 404
    assert not Household.objects.exists()  # nothing written before commit

    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(body["links"]["commit"], {"on_change": "update"}, content_type="application/json")
    assert committed.status_code == 202, committed.content
    assert committed.json()["status"] == "committing" and committed.json()["on_change"] == "update"
    final = client.get(job_url).json()
    assert final["status"] == "committed" and final["result"]["households_created"] == 3
    assert final["committed_by"] == owner.username and final["progress"]["stage"] == "done"
    assert Household.objects.filter(commune=unit_tree.commune).count() == 3 and Member.objects.count() == 9

    touched = client.get(body["links"]["households"]).json()
    assert touched["count"] == 3
    assert {(h["action"], h["head_name"]) for h in touched["items"]} == {
        ("created", f"Nguyễn Văn {n}") for n in (1, 2, 3)}
    listed = client.get(LIST).json()
    assert [job["id"] for job in listed["items"]] == [body["id"]] and listed["count"] == 1

    again = client.post(body["links"]["commit"], content_type="application/json")
    assert again.status_code == 409 and "sẵn sàng ghi" in again.json()["detail"]


def test_a_bad_file_lists_every_error_and_gives_the_annotated_workbook(
    api_client_for: Any, owner: Any, unit_tree: Any, validated: Any
) -> None:
    client = api_client_for(owner)
    job_url = validated(bad_file(unit_tree))
    status = client.get(job_url).json()
    assert status["status"] == "invalid" and status["summary"]["errors"] >= 1

    errors = client.get(f"{job_url}/errors").json()
    assert errors["count"] == status["summary"]["errors"]
    assert all(set(item) == ERROR_KEYS for item in errors["items"])
    birth = next(e for e in errors["items"] if e["field"] == "members.birth_date")
    assert (birth["sheet"], birth["row"], birth["column"], birth["value"]) == ("Thành viên", 3, "Ngày sinh",
                                                                              "31/02/1990")
    assert birth["message"]
    one = client.get(f"{job_url}/errors", {"page_size": 1, "page": 1}).json()
    assert len(one["items"]) == 1 and one["count"] == errors["count"]
    assert client.get(f"{job_url}/errors", {"page_size": 1001}).status_code == 422

    preview = client.get(f"{job_url}/preview").json()
    assert preview["errors_total"] == errors["count"] and set(preview["errors"][0]) == ERROR_KEYS

    download = client.get(f"{job_url}/errors.xlsx")
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert "ho-loi.xlsx" in download["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    members = next(sheet for sheet in book.worksheets if sheet.title == "Thành viên")
    assert members["E3"].comment is not None and "31/02/1990" in members["E3"].comment.text

    refused = client.post(f"{job_url}/commit", content_type="application/json")
    assert refused.status_code == 409 and refused.json()["detail"]
    assert not Household.objects.exists()


def test_another_communes_officer_finds_no_job(
    api_client_for: Any, owner: Any, outsider: Any, unit_tree: Any, validated: Any
) -> None:
    job_url = validated(bad_file(unit_tree))
    client = api_client_for(outsider)
    for path in ("", "/preview", "/errors", "/errors.xlsx", "/households"):
        response = client.get(job_url + path)
        assert response.status_code == 404, path
        assert response.json()["detail"] == "Không tìm thấy hoặc bạn không có quyền truy cập."
    for path in ("/commit", "/cancel"):
        assert client.post(job_url + path, content_type="application/json").status_code == 404
    assert client.get(LIST).json()["count"] == 0
    assert ImportJob.objects.get().status == ImportStatus.INVALID


def test_only_the_uploader_commits_or_cancels(
    api_client_for: Any, owner: Any, province: Any, unit_tree: Any, validated: Any
) -> None:
    """The province officer sees the commune's imports (audit trail) but never commits a preview they did not see."""
    job_url = validated(good_file(unit_tree))
    client = api_client_for(province)
    assert client.get(job_url).status_code == 200
    for path in ("/commit", "/cancel"):
        response = client.post(job_url + path, content_type="application/json")
        assert response.status_code == 403
        assert response.json()["detail"] == "Chỉ người đã tải tệp lên mới được ghi hoặc huỷ lượt nhập này."
    assert ImportJob.objects.get().status == ImportStatus.READY


def test_a_token_without_the_import_permission_is_refused_the_upload(
    api_client_for: Any, make_user: Any, unit_tree: Any
) -> None:
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    response = upload(api_client_for(viewer), good_file(unit_tree))
    assert response.status_code == 403
    assert response.json() == {"detail": "Bạn không có quyền nhập dữ liệu từ tệp."}
    assert not ImportJob.objects.exists()


def test_upload_refusals_name_the_file_field(
    api_client_for: Any, owner: Any, unit_tree: Any, monkeypatch: Any, import_dir: Any
) -> None:
    client = api_client_for(owner)
    missing = upload(client, None)
    assert missing.status_code == 400 and missing.json()["field"] == "file" and "“file”" in missing.json()["detail"]
    wrong = upload(client, b"hello", name="ho.pdf")
    assert wrong.status_code == 400 and wrong.json() == {
        "detail": "Chỉ nhận tệp Excel (.xlsx, .xls, .ods) hoặc CSV (.csv).", "field": "file"}
    empty = upload(client, b"", name="ho.csv")
    assert empty.status_code == 400 and empty.json()["field"] == "file"
    bad_kind = upload(client, good_file(unit_tree), kind="cattle")
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"][0]["loc"][-1] == "kind"
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 1024)
    too_big = upload(client, good_file(unit_tree))
    assert too_big.status_code == 413 and too_big.json()["field"] == "file"
    assert "Tệp quá lớn" in too_big.json()["detail"]
    assert not ImportJob.objects.exists()
    assert not any(import_dir.glob("*/upload.*"))


def test_preview_waits_for_validation_and_a_job_can_be_cancelled(
    api_client_for: Any, owner: Any, unit_tree: Any, import_dir: Any
) -> None:
    client = api_client_for(owner)
    body = upload(client, good_file(unit_tree)).json()  # no commit: the validation is still queued
    for link in ("preview", "errors"):
        response = client.get(body["links"][link])
        assert response.status_code == 409 and "Đang chờ kiểm tra" in response.json()["detail"]
    cancelled = client.post(body["links"]["cancel"])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert not (import_dir / body["id"]).exists()  # the personal data in the upload is not kept
    again = client.post(body["links"]["cancel"])
    assert again.status_code == 409 and again.json()["detail"]


def test_a_malformed_or_unknown_job_id_is_not_found(api_client_for: Any, owner: Any) -> None:
    client = api_client_for(owner)
    for job_id in ("A-001", "x" * 5000, str(uuid.uuid4())):
        response = client.get(f"{LIST}/{job_id}")
        assert response.status_code == 404 and response.json()["detail"]


def test_the_template_downloads(api_client_for: Any, owner: Any) -> None:
    response = api_client_for(owner).get(f"{LIST}/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "Họ và tên" in [cell.value for cell in book.worksheets[1][1]]


def test_the_openapi_document_describes_the_import_endpoints() -> None:
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    upload_body = schema["paths"][LIST]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(upload_body["properties"]) == {"kind", "on_change", "file"}
    errors = schema["paths"][f"{LIST}/{{id}}/errors"]["get"]
    assert next(p for p in errors["parameters"] if p["name"] == "page_size")["schema"]["maximum"] == 1000
    assert XLSX in schema["paths"][f"{LIST}/{{id}}/errors.xlsx"]["get"]["responses"]["200"]["content"]
    assert set(schema["components"]["schemas"]["FileError"]["properties"]) == ERROR_KEYS
