"""Support records entered in bulk through the import's stages (issue 8, point 6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from giamngheo.core.errors import ApplicationError, PermissionDenied
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Member
from giamngheo.imports import services
from giamngheo.imports.error_workbook import error_sentence
from giamngheo.imports.models import ImportedHousehold, ImportKind, ImportStatus
from giamngheo.support.models import Programme, SupportKind, SupportRecord
from giamngheo.support.services.bulk import support_records_import
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)

HEADERS = ["Mã hộ", "Số định danh chủ hộ", "Loại hỗ trợ", "Ngày hỗ trợ", "Đơn vị hỗ trợ", "Tên đơn vị hỗ trợ",
           "Chương trình/dự án", "Thành viên nhận", "Số tiền (đồng)", "Số lượng", "Nội dung", "Thời hạn vay (tháng)",
           "Dư nợ", "Dư nợ đến ngày", "Ghi chú"]


def row(code: str = "H1", cid: str = "", kind: str = "Vay vốn tín dụng ưu đãi", on: Any = "15/03/2025",
        provider: str = "Ngân hàng Chính sách xã hội", provider_name: str = "", programme: str = "", member: str = "",
        amount: Any = "", quantity: Any = "", description: str = "", term: Any = "", outstanding: Any = "",
        outstanding_on: Any = "", note: str = "") -> list[Any]:
    return [code, cid, kind, on, provider, provider_name, programme, member, amount, quantity, description, term,
            outstanding, outstanding_on, note]


@pytest.fixture(autouse=True)
def catalogue(db: None) -> None:
    """The shipped kinds and programmes (a data migration loads them; a transactional test's flush removes them)."""
    from giamngheo.support.catalog import load_catalog
    from giamngheo.support.models import SupportKindNeed

    load_catalog(SupportKind, SupportKindNeed, Programme)


@pytest.fixture
def officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user("commune_officer", unit_tree.commune)


@pytest.fixture
def households(unit_tree: Any, make_household: Any) -> dict[str, Any]:  # noqa: F811
    found = {
        "H1": make_household(unit_tree.hamlet, code="H1", head="Lò Văn Páo"),
        "H2": make_household(unit_tree.hamlet2, code="H2", head="Trần Thị Bình"),
        "OUT": make_household(unit_tree.other_hamlet, code="OUT", head="Phạm Văn Xa"),
    }
    Member.objects.create(household=found["H1"], position=1, member_id="2", relation="child", name="Lò Thị Mai",
                          sex="female", age=12, ethnicity="Thái")
    Member.objects.filter(household=found["H2"], relation="head").update(citizen_id="086090000002")
    Member.objects.filter(household=found["OUT"], relation="head").update(citizen_id="086090000099")
    return found


@pytest.fixture
def write_list(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[list[Any]], *, name: str = "ho-tro.xlsx", headers: list[str] | None = None) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Hỗ trợ"
        sheet.append(["DANH SÁCH HỘ ĐƯỢC HỖ TRỢ NĂM 2025"])  # a title above the header, as officers write
        sheet.append(headers or HEADERS)
        for values in rows:
            sheet.append(values)
        path = tmp_path / name
        book.save(path)
        return path

    return write


def run(path: Path, actor: Any, *, commit: bool = True) -> Any:
    with path.open("rb") as handle:
        job = services.import_upload(actor=actor, kind=ImportKind.SUPPORT, file_name=path.name, content=handle)
    job = services.run_validation(job)
    if commit and job.status == ImportStatus.READY:
        job = services.run_commit(services.start_commit(actor=actor, job=job, enqueue=False))
    return job


def errors_at(job: Any) -> dict[tuple[int, str], str]:
    return {(e["row"], e["column"]): e["message"] for e in services.read_errors(job)}


VALID = [
    row("H1", amount="50.000.000", term=60, outstanding="40.000.000", outstanding_on="31/12/2025",
        programme="tin-dung-chinh-sach-ho-ngheo", provider_name="PGD NHCSXH huyện"),
    # By the head's citizen ID; the kind by its code, the provider by a common abbreviation, no diacritics.
    row("", cid="086090000002", kind="health_insurance", on=dt.date(2025, 1, 2), provider="nhcsxh", member="tran thi binh",
        quantity=1),
    row("H1", kind="Cấp thẻ bảo hiểm y tế", provider="Cơ quan nhà nước", member="2", quantity="1",
        programme="Hỗ trợ BHYT"),
    row("H2", kind="Hỗ trợ sửa chữa nhà ở", on="01/06/2025", provider="Mặt trận", amount="30.000.000",
        description="Sửa mái", programme="Dự án 5 (2021–2025)"),
]


@pytest.mark.django_db(transaction=True)
def test_a_valid_list_commits_and_the_records_appear_with_their_audit(
        officer: Any, households: dict[str, Any], write_list: Any) -> None:
    job = run(write_list(VALID), officer)
    assert job.status == ImportStatus.COMMITTED, (job.failure, services.read_errors(job))
    assert job.summary["entries"] == {"new": 4, "changed": 0, "unchanged": 0, "invalid": 0}
    assert job.result == {"support_records": 4, "households": 2}
    loan = SupportRecord.objects.get(household=households["H1"], kind__code="loan")
    assert (loan.amount, loan.loan_term_months, loan.loan_outstanding, loan.loan_outstanding_on) == (
        50_000_000, 60, 40_000_000, dt.date(2025, 12, 31))
    assert (loan.given_on, loan.year, loan.provider_type, loan.provider_name) == (
        dt.date(2025, 3, 15), 2025, "social_policy_bank", "PGD NHCSXH huyện")
    assert loan.programme == Programme.objects.get(code="tin-dung-chinh-sach-ho-ngheo")
    assert loan.unit_path == households["H1"].unit_path and loan.created_by == officer
    card = SupportRecord.objects.get(household=households["H2"], kind__code="health_insurance")
    assert (card.member_ref, card.quantity, card.provider_type) == ("1", 1, "social_policy_bank")
    assert SupportRecord.objects.get(household=households["H1"], kind__code="health_insurance").member_ref == "2"
    house = SupportRecord.objects.get(kind__code="housing_repair")
    assert (house.amount, house.description, house.programme.code) == (30_000_000, "Sửa mái", "ntp-2021-2025-da5")
    assert set(ImportedHousehold.objects.filter(job=job).values_list("household__code", "action")) == {
        ("H1", "support"), ("H2", "support")}
    # One entry for the batch, one per record (the single record's entry, naming the file it came from).
    assert AuditEntry.objects.filter(action="giamngheo.import.committed", object_id=str(job.public_id)).count() == 1
    created = AuditEntry.objects.filter(action="giamngheo.support.record_created", object_id=str(loan.pk)).get()
    assert created.actor == officer and created.unit_path == loan.unit_path
    assert created.changes["amount"] == [None, 50_000_000] and created.data["import"] == str(job.public_id)
    assert AuditEntry.objects.filter(action="giamngheo.support.record_created").count() == 4

    # The same file again: every row is a stored record, nothing is written twice.
    again = run(write_list(VALID, name="lai.xlsx"), officer)
    assert again.status == ImportStatus.COMMITTED
    assert again.summary["entries"] == {"new": 0, "changed": 0, "unchanged": 4, "invalid": 0}
    assert SupportRecord.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_an_invalid_list_writes_nothing_and_names_the_row_and_column_of_each_error(
        officer: Any, households: dict[str, Any], write_list: Any) -> None:
    rows = [
        *VALID,
        row("H1", kind="Vay vốn", amount="10.000.000", term=12),  # row 7: unknown kind
        row("H1", on="31/02/2025", amount="1.000.000", term=12),  # row 8: no such date
        row("H1", on="01/01/2099", amount="1.000.000", term=12),  # row 9: a future date
        row("H1", provider="Ông A", amount="1.000.000", term=12),  # row 10: unknown provider type
        row("H1", amount="abc", term=12),  # row 11: not a number
        row("H1", amount="2.000.000.000.000", term=12),  # row 12: beyond the bound
        row("H2", kind="Cấp thẻ bảo hiểm y tế", provider="Cơ quan nhà nước", amount="500.000"),  # row 13: no amount
        row("H2", kind="Cấp thẻ bảo hiểm y tế", provider="Cơ quan nhà nước", member="Không Ai"),  # row 14
        row("H1", amount="10.000.000", term=12, outstanding="20.000.000"),  # row 15: more owed than lent
        row("H1", on="16/03/2025", amount="10.000.000"),  # row 16: a loan without its term
        row("H2", kind="Hỗ trợ sửa chữa nhà ở", on="01/06/2025", provider="Mặt trận", amount="30.000.000",
            description="Sửa mái", programme="Dự án 5 (2021–2025)"),  # row 17: twice in the file (row 6)
        row("H2", kind="housing_repair", on="01/06/2026", provider="Mặt trận", amount="30.000.000",
            programme="Dự án 5 (2021–2025)"),  # row 18: the programme ended in 2025
        row("", kind="gift", provider="Mặt trận"),  # row 19: no household at all
        row("", cid="*********002", kind="gift", provider="Mặt trận"),  # row 20: a masked ID names nobody
    ]
    job = run(write_list(rows), officer, commit=False)
    assert job.status == ImportStatus.INVALID
    found = errors_at(job)
    assert found[(7, "Loại hỗ trợ")].startswith("không có trong danh mục loại hỗ trợ")
    assert found[(8, "Ngày hỗ trợ")].startswith("không phải ngày hợp lệ")
    assert found[(9, "Ngày hỗ trợ")].startswith("phải từ 01/01/2000 đến hôm nay")
    assert found[(10, "Đơn vị hỗ trợ")].startswith("không có trong danh sách")
    assert found[(11, "Số tiền (đồng)")] == "không phải là số"
    assert found[(12, "Số tiền (đồng)")].startswith("phải từ 1 đến 1.000.000.000.000")
    assert found[(13, "Số tiền (đồng)")] == "Loại hỗ trợ «Cấp thẻ bảo hiểm y tế» không ghi thông tin này; hãy để trống."
    assert found[(14, "Thành viên nhận")].startswith("không phải thành viên của hộ")
    assert found[(15, "Dư nợ")] == "Dư nợ không được lớn hơn số tiền vay."
    assert found[(16, "Thời hạn vay (tháng)")] == "Khoản vay: chưa ghi thời hạn vay (tháng)."
    assert found[(17, "Mã hộ")].startswith("Dòng này trùng với dòng 6")
    assert found[(18, "Chương trình/dự án")].startswith("Chương trình «Dự án 5 (2021–2025)» thực hiện trong các năm 2021–2025")
    assert found[(19, "Mã hộ")].startswith("Thiếu mã hộ")
    assert found[(20, "Số định danh chủ hộ")].startswith("Số định danh đã bị che")
    assert not any(r <= 6 for r, _c in found)  # the valid rows have no error
    assert job.summary["entries"]["invalid"] == 14
    # The officer reads each one with its place.
    sentence = error_sentence(next(e for e in services.read_errors(job) if e["row"] == 11))
    assert sentence == "Dòng 11, cột Số tiền (đồng): 'abc' không phải là số"
    # The error workbook is the officer's file with the bad cells marked, and a sheet listing every error.
    book = openpyxl.load_workbook(services.error_workbook(job))
    assert book["Hỗ trợ"]["I11"].comment is not None and "không phải là số" in book["Hỗ trợ"]["I11"].comment.text
    assert book["Lỗi"].max_row >= 15
    listed = [[c for c in r if c is not None] for r in book["Lỗi"].iter_rows(values_only=True)]
    assert any(11 in r and "Số tiền (đồng)" in r for r in listed)
    assert SupportRecord.objects.count() == 0
    with pytest.raises(ApplicationError):
        services.start_commit(actor=officer, job=job, enqueue=False)


@pytest.mark.django_db(transaction=True)
def test_an_outsiders_household_is_not_found_exactly_like_a_code_that_does_not_exist(
        officer: Any, households: dict[str, Any], write_list: Any) -> None:
    job = run(write_list([row("OUT", kind="gift", provider="Mặt trận", amount="500.000"),
                          row("NOPE", kind="gift", provider="Mặt trận", amount="500.000"),
                          # Another commune's head by citizen ID: not found either.
                          row("", cid="086090000099", kind="gift", provider="Mặt trận", amount="500.000")]), officer)
    assert job.status == ImportStatus.INVALID
    found = errors_at(job)
    assert found[(3, "Mã hộ")] == found[(4, "Mã hộ")] == "Không có hộ nào mang mã này trong địa bàn bạn được nhập hỗ trợ."
    assert found[(5, "Số định danh chủ hộ")].startswith("Không tìm thấy chủ hộ")
    text = " ".join(e["message"] for e in services.read_errors(job))
    assert "Phạm Văn Xa" not in text and "other" not in text.lower()
    assert SupportRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_missing_columns_are_reported_once_on_the_header_row(officer: Any, households: dict[str, Any],
                                                               write_list: Any) -> None:
    job = run(write_list([["H1", "15/03/2025"]], headers=["Ma ho", "NGAY HO TRO"]), officer)
    assert job.status == ImportStatus.INVALID
    found = errors_at(job)
    assert found == {(2, "Loại hỗ trợ"): "Thiếu cột “Loại hỗ trợ” ở dòng tiêu đề.",
                     (2, "Đơn vị hỗ trợ"): "Thiếu cột “Đơn vị hỗ trợ” ở dòng tiêu đề."}


@pytest.mark.django_db
def test_the_service_refuses_a_household_out_of_scope_and_a_duplicate_and_writes_nothing(
        officer: Any, households: dict[str, Any]) -> None:
    gift = SupportKind.objects.get(code="gift")
    frame = pl.DataFrame({
        "household_id": [households["H1"].pk], "kind_id": [gift.pk], "programme_id": [None],
        "given_on": [dt.date(2025, 2, 1)], "provider_type": ["fund"], "provider_name": [None], "member_ref": [None],
        "amount": [500_000], "quantity": [None], "description": ["Quà Tết"], "loan_term_months": [None],
        "loan_outstanding": [None], "loan_outstanding_on": [None], "note": [None]})
    assert support_records_import(actor=officer, rows=frame) == {"support_records": 1, "households": 1}
    batch = AuditEntry.objects.get(action="giamngheo.support.records_imported")
    assert batch.data["counts"] == {"support_records": 1, "households": 1}
    with pytest.raises(ApplicationError):
        support_records_import(actor=officer, rows=frame)
    outside = frame.with_columns(pl.lit(households["OUT"].pk).alias("household_id"))
    with pytest.raises(PermissionDenied):
        support_records_import(actor=officer, rows=outside)
    too_much = frame.with_columns(pl.lit(10**13).alias("amount"), pl.lit(dt.date(2025, 2, 2)).alias("given_on"))
    with pytest.raises(ApplicationError):
        support_records_import(actor=officer, rows=too_much)
    assert SupportRecord.objects.count() == 1


@pytest.mark.django_db
def test_the_pages_and_the_api_take_a_support_list_through_the_stages(
        officer: Any, households: dict[str, Any], write_list: Any, client_for: Any, api_client_for: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = client_for(officer)
    template = client.get(reverse("imports:template") + "?kind=support")
    assert template.status_code == 200 and "mau-nhap-ho-tro.xlsx" in template["Content-Disposition"]
    path = write_list(VALID)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post(reverse("imports:upload"), {"kind": "support", "on_change": "update", "file": handle})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Tệp hợp lệ" in page and "Dòng trong tệp" in page
    # The preview shows what will be written: household, kind, date, amount as the officer reads them.
    assert "Một số hỗ trợ sẽ được ghi" in page and "Vay vốn tín dụng ưu đãi" in page and "50 triệu đồng" in page
    assert "Khi một hộ đã có trong hệ thống" not in page  # no household is changed by this kind
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"] + "ghi/")
    page = client.get(response["Location"]).content.decode()
    assert "Đã ghi xong vào hệ thống" in page and "Hỗ trợ đã ghi" in page
    assert SupportRecord.objects.count() == 4

    api = api_client_for(officer)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/imports", {"kind": "support", "file": SimpleUploadedFile(
            "lai.xlsx", path.read_bytes(), content_type="application/octet-stream")})
    assert created.status_code == 202 and created.json()["kind"] == "support"
    shown = api.get(created.json()["links"]["self"]).json()
    assert shown["status"] == "ready" and shown["summary"]["entries"]["unchanged"] == 4
    preview = api.get(created.json()["links"]["preview"]).json()
    assert {s["code"] for s in preview["samples"]["unchanged"]} == {"H1", "H2"} and preview["samples"]["new"] == []
    template = api.get("/api/v1/imports/template.xlsx?kind=support")
    assert template.status_code == 200 and "mau-nhap-ho-tro.xlsx" in template["Content-Disposition"]


@pytest.mark.django_db(transaction=True)
def test_the_command_line_imports_a_support_list(officer: Any, households: dict[str, Any], write_list: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("import", "support", str(write_list(VALID)), "--user", officer.username, "--commit", "--json",
                     stdout=out)
    assert exit_status.value.code == 0
    report = json.loads(out.getvalue())
    assert report["entries"] == {"new": 4, "changed": 0, "unchanged": 0, "invalid": 0} and report["committed"]
    assert SupportRecord.objects.count() == 4


@pytest.mark.django_db
def test_a_provinces_own_kind_serves_its_households_only_and_a_shared_name_asks_for_the_code(
        unit_tree: Any, officer: Any, households: dict[str, Any], write_list: Any) -> None:
    province = unit_tree.province
    SupportKind.objects.create(code="qua-tinh", name="Quà tặng (Tết, thiên tai…)", fields=["amount"],
                               province=province, unit_path=province.path)
    SupportKind.objects.create(code="bo-tinh-khac", name="Bò giống tỉnh khác", fields=["quantity"],
                               province=province, unit_path="/99/")
    job = run(write_list([
        row("H1", kind="Quà tặng (Tết, thiên tai…)", provider="Mặt trận", amount="500.000"),  # row 3: two kinds
        row("H1", kind="qua-tinh", provider="Mặt trận", amount="500.000"),  # row 4: by its code, fine
        row("H1", kind="Bò giống tỉnh khác", provider="Mặt trận", quantity=1),  # row 5: another province's
    ]), officer, commit=False)
    found = errors_at(job)
    assert found == {
        (3, "Loại hỗ trợ"): "Tên loại hỗ trợ này trùng với nhiều loại trong danh mục; hãy ghi mã loại hỗ trợ.",
        (5, "Loại hỗ trợ"): "Loại hỗ trợ «Bò giống tỉnh khác» là của tỉnh khác."}
