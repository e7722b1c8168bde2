"""Past recognised lists into the yearly ledger (issue 7, point 5), through the import's stages."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Member
from giamngheo.imports import services
from giamngheo.imports.models import ImportedHousehold, ImportKind, ImportStatus
from giamngheo.reviews import ledger
from giamngheo.reviews.models import Decision, LedgerEntry, LedgerKind, StatusSpan
from giamngheo.standards.definition import get_standard
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)

HEADERS = ["Mã hộ", "Họ tên chủ hộ", "Số định danh chủ hộ", "Phân loại", "Năm", "Chuẩn nghèo", "Số quyết định",
           "Ngày quyết định", "Mã xã/phường"]
DECIDED = "20/12/2025"


@pytest.fixture
def officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user("commune_officer", unit_tree.commune)


@pytest.fixture
def write_list(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[list[Any]], *, name: str = "danh-sach-2025.xlsx", headers: list[str] | None = None) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Danh sách"
        sheet.append(["DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2025"])  # a title line above the header, as officers write
        sheet.append(headers or HEADERS)
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    return write


@pytest.fixture
def households(unit_tree: Any, make_household: Any) -> dict[str, Any]:  # noqa: F811
    found = {
        "H1": make_household(unit_tree.hamlet, code="H1", head="Lò Văn Páo", ethnicity="Thái"),
        "H2": make_household(unit_tree.hamlet2, code="H2", head="Trần Thị Bình"),
        "H4": make_household(unit_tree.hamlet, code="H4", head="Lê Văn Dũng"),
        "OUT": make_household(unit_tree.other_hamlet, code="OUT", head="Phạm Văn Xa", area="urban"),
    }
    Member.objects.filter(household=found["H2"]).update(citizen_id="086090000002")
    Member.objects.filter(household=found["OUT"]).update(citizen_id="086090000099")
    return found


def run(path: Path, actor: Any, *, commit: bool = True) -> Any:
    with path.open("rb") as handle:
        job = services.import_upload(actor=actor, kind=ImportKind.LEDGER, file_name=path.name, content=handle)
    job = services.run_validation(job)
    if commit and job.status == ImportStatus.READY:
        job = services.run_commit(services.start_commit(actor=actor, job=job))
    return job


def cells(job: Any) -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["field"]) for e in services.read_errors(job)}


def message_at(job: Any, row: int, field: str) -> str:
    return next(e["message"] for e in services.read_errors(job) if e["row"] == row and e["field"] == field)


def periodic_entry(household: Any, year: int, klass: str, day: dt.date) -> LedgerEntry:
    """What a recognised review writes (straight through the ORM, as fixtures do)."""
    standard = get_standard("2022-2025" if year <= 2025 else "2026")
    return LedgerEntry.objects.create(
        household=household, year=year, standard_id=standard.id, standard_hash=standard.hash, series="national",
        kind=LedgerKind.PERIODIC, klass=klass, effective_on=day, area=household.area, commune=household.commune,
        unit_path=household.unit_path)


@pytest.mark.django_db(transaction=True)
def test_a_list_becomes_import_entries_with_its_decision_and_reimporting_it_changes_nothing(
        unit_tree: Any, officer: Any, households: dict[str, Any], write_list: Any) -> None:
    path = write_list([
        ["H1", "", "", "Hộ nghèo", 2025, "", "15/QĐ-UBND", DECIDED, unit_tree.commune.code],
        # By the head's name and citizen ID (no code); name compared without diacritics or case.
        ["", "tran thi BINH", "086090000002", "cận nghèo", "2025", "2022-2025", "15/QĐ-UBND", dt.date(2025, 12, 20),
         ""],
    ])
    job = run(path, officer)
    assert job.status == ImportStatus.COMMITTED, (job.failure, services.read_errors(job))
    assert job.summary["entries"] == {"new": 2, "changed": 0, "unchanged": 0, "invalid": 0}
    assert job.result == {"ledger_entries": 2, "decisions_created": 1}

    decision = Decision.objects.get()
    assert (decision.number, decision.signed_on, decision.year) == ("15/QĐ-UBND", dt.date(2025, 12, 20), 2025)
    assert decision.kind == "periodic" and decision.cycle is None and decision.commune == unit_tree.commune
    standard = get_standard("2022-2025")
    poor = LedgerEntry.objects.get(household=households["H1"])
    assert (poor.kind, poor.klass, poor.year, poor.standard_id, poor.series) == (
        "import", "poor", 2025, "2022-2025", "national")
    assert poor.standard_hash == standard.hash and poor.decision == decision
    assert poor.effective_on == dt.date(2025, 12, 20) and poor.recorded_by == officer
    assert poor.unit_path == unit_tree.hamlet.path and poor.commune == unit_tree.commune and poor.area == "rural"
    assert poor.ethnic_minority is True  # the head is Thái: the snapshot comes from the stored household
    near = LedgerEntry.objects.get(household=households["H2"])
    assert (near.klass, near.ethnic_minority, near.decision) == ("near_poor", False, decision)
    # The lists read the status spans (docs/adr/0008): the import refreshed them with the entries.
    assert set(StatusSpan.objects.values_list("entry_id", "first_year", "last_year", "klass")) == {
        (poor.pk, 2025, None, "poor"), (near.pk, 2025, None, "near_poor")}
    assert set(ImportedHousehold.objects.filter(job=job).values_list("household__code", "action")) == {
        ("H1", "ledger"), ("H2", "ledger")}
    batch = AuditEntry.objects.get(action="giamngheo.import.committed", object_id=str(job.public_id))
    assert batch.data["counts"] == {"ledger_entries": 2, "decisions_created": 1}

    again = run(path, officer)
    assert again.status == ImportStatus.COMMITTED
    assert again.summary["entries"] == {"new": 0, "changed": 0, "unchanged": 2, "invalid": 0}
    assert again.result == {"ledger_entries": 0, "decisions_created": 0}
    assert LedgerEntry.objects.count() == 2 and Decision.objects.count() == 1
    assert not ImportedHousehold.objects.filter(job=again).exists()


@pytest.mark.django_db(transaction=True)
def test_an_entry_a_review_wrote_is_never_overwritten_nor_a_different_import(
        unit_tree: Any, officer: Any, households: dict[str, Any], write_list: Any) -> None:
    reviewed = periodic_entry(households["H1"], 2025, "near_poor", dt.date(2025, 12, 1))
    run(write_list([["H2", "", "", "Hộ nghèo", 2025, "", "15/QĐ-UBND", DECIDED, ""]], name="first.xlsx"), officer)
    path = write_list([
        ["H1", "", "", "Hộ nghèo", 2025, "", "16/QĐ-UBND", DECIDED, ""],
        ["H2", "", "", "Hộ cận nghèo", 2025, "", "15/QĐ-UBND", DECIDED, ""],
        ["H4", "", "", "Hộ nghèo", 2025, "", "16/QĐ-UBND", DECIDED, ""],
    ])
    job = run(path, officer)
    assert job.status == ImportStatus.INVALID
    assert job.summary["entries"] == {"new": 1, "changed": 0, "unchanged": 0, "invalid": 2}
    assert cells(job) == {(3, "Năm", "year"), (4, "Phân loại", "class")}
    assert message_at(job, 3, "year") == ("Hộ đã có kết quả rà soát năm 2025 ghi bởi quy trình rà soát; không ghi "
                                          "đè.")
    assert "đính chính" in message_at(job, 4, "class") and "Hộ nghèo" in message_at(job, 4, "class")
    with pytest.raises(Exception, match="sẵn sàng ghi"):
        services.start_commit(actor=officer, job=job)
    assert list(LedgerEntry.objects.filter(household=households["H1"])) == [reviewed]
    assert LedgerEntry.objects.get(household=households["H2"]).klass == "poor"
    assert not LedgerEntry.objects.filter(household=households["H4"]).exists()


@pytest.mark.django_db(transaction=True)
def test_the_next_years_movements_start_from_the_imported_list(
        unit_tree: Any, officer: Any, households: dict[str, Any], write_list: Any) -> None:
    job = run(write_list([
        ["H1", "", "", "Hộ nghèo", 2025, "", "15/QĐ-UBND", DECIDED, ""],
        ["H2", "", "", "Hộ cận nghèo", 2025, "", "15/QĐ-UBND", DECIDED, ""],
        ["H4", "", "", "Hộ nghèo", 2025, "", "15/QĐ-UBND", DECIDED, ""],
    ]), officer)
    assert job.status == ImportStatus.COMMITTED, services.read_errors(job)
    # The 2026 review: H1 escapes into near-poverty, H2 falls into poverty, H4 stays poor.
    for code, klass in (("H1", "near_poor"), ("H2", "poor"), ("H4", "poor")):
        periodic_entry(households[code], 2026, klass, dt.date(2026, 12, 10))
    rows = ledger.movement_rows(unit_path=unit_tree.commune.path,
                                children=[(h.code, h.name, h.path) for h in (unit_tree.hamlet, unit_tree.hamlet2)],
                                unit_code=unit_tree.commune.code, unit_name=unit_tree.commune.name,
                                series="national", year=2026)
    total = rows[-1]
    assert total.is_total
    assert {k: total.poor[k] for k in ("start", "escaped", "fell_from_near_poor", "newly_poor", "end")} == {
        "start": 2, "escaped": 1, "fell_from_near_poor": 1, "newly_poor": 0, "end": 2}
    assert {k: total.near_poor[k] for k in ("start", "fell_to_poor", "from_poor", "newly_near_poor", "end")} == {
        "start": 1, "fell_to_poor": 1, "from_poor": 1, "newly_near_poor": 0, "end": 1}
    assert ledger.reconciles(total.poor, "poor") and ledger.reconciles(total.near_poor, "near_poor")
    assert ledger.movement_households(unit_path=unit_tree.commune.path, series="national", year=2026, klass="poor",
                                      area="all", row=unit_tree.commune.path, move="escaped") == [households["H1"].pk]


@pytest.mark.django_db(transaction=True)
def test_every_error_is_reported_at_its_cell_and_nothing_is_written(
        unit_tree: Any, officer: Any, households: dict[str, Any], write_list: Any) -> None:
    Decision.objects.create(kind="periodic", commune=unit_tree.commune, unit_path=unit_tree.commune.path, year=2025,
                            number="9/QĐ-UBND", signed_on=dt.date(2025, 12, 1), signer_name="", signer_title="")
    rows = [
        ["NOPE", "", "", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],  # 3: unknown code
        ["", "Nguyễn Văn Khác", "086090000002", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],  # 4: name ≠ head
        ["H1", "", "", "Hộ khá giả", 2025, "", "15/QĐ", DECIDED, ""],  # 5: class not in the list
        ["H1", "", "", "Hộ nghèo", 2015, "", "15/QĐ", DECIDED, ""],  # 6: year out of range
        ["H1", "", "", "Hộ nghèo", 2025, "2030-2035", "15/QĐ", DECIDED, ""],  # 7: unknown standard
        ["H1", "", "", "Hộ nghèo", 2025, "2027-2030", "15/QĐ", DECIDED, ""],  # 8: standard not of that year
        ["H1", "", "", "Hộ nghèo", 2024, "", "15/QĐ", "31/02/2024", ""],  # 9: no such date
        ["H1", "", "", "Hộ nghèo", 2023, "", "10/QĐ", "01/06/2022", ""],  # 10: decision before the year
        ["H2", "", "", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],  # 11: fine alone…
        ["H2", "", "", "Hộ cận nghèo", 2025, "2022-2025", "15/QĐ", DECIDED, ""],  # 12: …but H2 twice in 2025
        ["H4", "", "", "Hộ nghèo", 2024, "", "15/QĐ", "20/12/2024", ""],  # 13: 15/QĐ dated twice in the file
        ["H4", "", "", "Hộ nghèo", 2025, "", "9/QĐ-UBND", DECIDED, ""],  # 14: 9/QĐ-UBND stored with another date
        ["H4", "", "", "Hộ nghèo", 2023, "", "3/QĐ", "20/12/2023", "86002"],  # 15: not the household's commune
        ["H4", "", "", "Thoát nghèo", 2022, "", "2/QĐ", "20/12/2022", ""],  # 16: escaping is not a class
        ["", "Trần Thị Bình", "86090000002", "Hộ nghèo", 2021, "", "1/QĐ", "20/12/2021", ""],  # 17: 11 digits
        ["H4", "", "", "", "", "", "", "", ""],  # 18: class, year, number and date missing
    ]
    job = run(write_list(rows), officer)
    assert job.status == ImportStatus.INVALID
    assert cells(job) == {
        (3, "Mã hộ", "household_code"), (4, "Họ tên chủ hộ", "head_name"), (5, "Phân loại", "class"),
        (6, "Năm", "year"), (7, "Chuẩn nghèo", "standard_id"), (8, "Chuẩn nghèo", "standard_id"),
        (9, "Ngày quyết định", "decision_date"), (10, "Ngày quyết định", "decision_date"), (12, "Mã hộ", "household_code"),
        (13, "Số quyết định", "decision_number"), (14, "Số quyết định", "decision_number"),
        (15, "Mã xã/phường", "commune_code"), (16, "Phân loại", "class"), (17, "Số định danh chủ hộ", "head_citizen_id"),
        (18, "Phân loại", "class"), (18, "Năm", "year"), (18, "Số quyết định", "decision_number"),
        (18, "Ngày quyết định", "decision_date"),
    }
    assert message_at(job, 4, "head_name") == ("Họ tên chủ hộ không khớp với chủ hộ mang số định danh này trong hệ "
                                               "thống (Trần Thị Bình, hộ H2).")
    assert message_at(job, 6, "year").startswith("Năm phải từ 2016 đến")
    assert message_at(job, 8, "standard_id") == ("Chuẩn nghèo 2027-2030 áp dụng cho các năm 2027–2030, không áp dụng "
                                                 "cho năm 2025.")
    assert message_at(job, 10, "decision_date") == ("Ngày quyết định phải trong năm 2023 hoặc năm 2024 (danh sách năm "
                                                    "2023).")
    assert message_at(job, 12, "household_code").startswith("Hộ này đã có ở dòng 11")
    # The first row naming 15/QĐ in the commune is row 5 (row 3's household is unknown, row 4's unmatched).
    assert "dòng 5 với ngày 20/12/2025" in message_at(job, 13, "decision_number")
    assert "ngày 01/12/2025" in message_at(job, 14, "decision_number")
    assert "86001" in message_at(job, 15, "commune_code")
    assert "Hộ cận nghèo" in message_at(job, 16, "class")
    errors = services.read_errors(job)
    assert next(e for e in errors if e["row"] == 9)["value"] == "31/02/2024"
    assert job.summary["entries"] == {"new": 1, "changed": 0, "unchanged": 0, "invalid": 15}
    assert not LedgerEntry.objects.exists() and Decision.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_household_outside_the_importers_scope_is_refused_without_naming_its_unit(
        unit_tree: Any, officer: Any, households: dict[str, Any], write_list: Any) -> None:
    job = run(write_list([
        ["OUT", "", "", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],
        # The head's citizen ID of a household elsewhere: not matched where the officer may not see IDs.
        ["", "Phạm Văn Xa", "086090000099", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],
    ]), officer)
    assert job.status == ImportStatus.INVALID
    assert cells(job) == {(3, "Mã hộ", "household_code"), (4, "Số định danh chủ hộ", "head_citizen_id")}
    for error in services.read_errors(job):
        for leak in (unit_tree.other_commune.name, unit_tree.other_commune.code, unit_tree.other_hamlet.name,
                     unit_tree.other_commune.path):
            assert leak not in error["message"]
    assert "không được giao" in message_at(job, 3, "household_code")
    assert message_at(job, 4, "head_citizen_id").startswith("Không tìm thấy chủ hộ")
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_province_officer_matches_heads_only_where_citizen_ids_are_visible(
        unit_tree: Any, make_user: Any, households: dict[str, Any], write_list: Any) -> None:
    # Province staff may import and edit households but never see citizen IDs: an ID names nobody for them.
    province = make_user("province_officer", unit_tree.province)
    job = run(write_list([
        ["", "Trần Thị Bình", "086090000002", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],
        ["OUT", "", "", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],
    ]), province)
    assert cells(job) == {(3, "Số định danh chủ hộ", "head_citizen_id")}


@pytest.mark.django_db(transaction=True)
def test_a_review_written_between_validation_and_commit_fails_the_commit_and_writes_nothing(
        unit_tree: Any, officer: Any, households: dict[str, Any], write_list: Any) -> None:
    job = run(write_list([["H1", "", "", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],
                          ["H2", "", "", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""]]), officer, commit=False)
    assert job.status == ImportStatus.READY
    periodic_entry(households["H2"], 2025, "near_poor", dt.date(2025, 12, 1))
    job = services.run_commit(services.start_commit(actor=officer, job=job))
    assert job.status == ImportStatus.FAILED and "không ghi đè" in job.failure
    assert not LedgerEntry.objects.filter(kind="import").exists() and not Decision.objects.exists()
    assert not ImportedHousehold.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_header_without_the_required_columns_is_reported_on_the_header_row(
        officer: Any, households: dict[str, Any], write_list: Any) -> None:
    job = run(write_list([["H1", "Hộ nghèo", 2025]], headers=["Mã hộ", "Phân loại", "Năm"]), officer)
    assert job.status == ImportStatus.INVALID
    assert {(e["row"], e["field"]) for e in services.read_errors(job)} == {(2, "decision_number"),
                                                                          (2, "decision_date")}


@pytest.mark.django_db(transaction=True)
def test_command_line_prints_the_preview_commits_and_exits_2_on_errors(
        unit_tree: Any, officer: Any, households: dict[str, Any], write_list: Any) -> None:
    good = write_list([["H1", "", "", "Hộ nghèo", 2025, "", "15/QĐ", DECIDED, ""],
                       ["H2", "", "", "near_poor", 2025, "2022-2025", "15/QĐ", DECIDED, ""]], name="good.xlsx")

    def cli(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
        out = StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command("import", "ledger", str(path), "--user", officer.username, "--json", *extra, stdout=out)
        return int(exit_.value.code or 0), json.loads(out.getvalue())

    status, report = cli(good)
    assert status == 0
    assert report == {"entries": {"new": 2, "changed": 0, "unchanged": 0, "invalid": 0}, "errors": [],
                      "committed": False}
    assert not LedgerEntry.objects.exists()
    status, report = cli(good, "--commit")
    assert (status, report["committed"]) == (0, True)
    assert LedgerEntry.objects.filter(kind="import").count() == 2

    bad = write_list([["H4", "", "", "Hộ nghèo", 2025, "", "15/QĐ", "32/12/2025", ""]], name="bad.xlsx")
    marked = bad.with_name("loi.xlsx")
    status, report = cli(bad, "--commit", "--errors", str(marked))
    assert status == 2 and report["committed"] is False
    assert report["errors"] == [{"sheet": "Danh sách", "row": 3, "column": "Ngày quyết định", "field": "decision_date",
                                 "value": "32/12/2025", "message": report["errors"][0]["message"]}]
    assert not LedgerEntry.objects.filter(household=households["H4"]).exists()
    # The same error workbook as the household import: the bad cell of the officer's own sheet carries the message.
    comment = openpyxl.load_workbook(marked)["Danh sách"]["H3"].comment
    assert comment is not None and report["errors"][0]["message"] in comment.text
