"""What files an officer (or another system) brings: CSV encodings and separators, the one-sheet layout, record v1
names as headers, the spellings of answers, continuation sheets — and the update/skip choice."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from giamngheo.households.models import Household, Member
from giamngheo.imports import services
from giamngheo.imports.models import ImportStatus
from giamngheo.imports.read import ReadError, decode_csv, read_file

from .conftest import household_rows, run_import

pytestmark = pytest.mark.django_db(transaction=True)

ONE_SHEET_HEADERS = ["STT", "Mã hộ", "Ngày rà soát", "Khu vực", "Mã xã", "Thôn", "Họ tên", "Quan hệ", "Giới tính",
                     "Ngày sinh", "CCCD", "Dân tộc", "BHYT", "Ghi chú"]


TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """Text as Excel on Vietnamese Windows saves "CSV": letters with circumflex, breve or horn precomposed,
    tone marks as combining characters after them (Python's codec does not compose this itself)."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


@pytest.fixture
def officer(unit_tree: Any, make_user: Any, settings: Any, tmp_path: Path) -> Any:
    settings.GIAMNGHEO_IMPORT_DIR = str(tmp_path / "imports")
    return make_user("commune_officer", unit_tree.commune)


run = run_import


def one_sheet_rows(commune: str) -> list[list[Any]]:
    """A commune's own list: household cells on the head's row only, members below with "Mã hộ" left blank."""
    return [
        [1, "A-01", "15/10/2025", "nong thon", commune, "Binh Minh", "Nguyễn Văn Một", "Chủ hộ", "Nam", "1/2/1970",
         "086070000101", "kinh", "x", "hộ khó khăn"],
        [None, None, None, None, None, None, "Lê Thị Hai", "vo/chong", "nu", "03-04-1972", "086172 000 102", "Kinh",
         "Không", None],
        [None, None, None, None, None, None, "Nguyễn Văn Ba", "con", "NAM", "2012-06-05", None, "KINH", "có", None],
        [2, "A-02", "15/10/2025", "Nông thôn", commune, "Ấp Đồng Tâm", "Trần Văn Bốn", "CH", "Nam", "01.01.1960",
         "086060000104", "Khmer", "1", None],
    ]


def test_one_sheet_with_household_cells_on_the_first_row_and_spellings_of_every_kind(
        unit_tree: Any, officer: Any, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(["DANH SÁCH HỘ GIA ĐÌNH XÃ AN BÌNH"])  # a title line above the table
    sheet.append(ONE_SHEET_HEADERS)
    for row in one_sheet_rows(unit_tree.commune.code):
        sheet.append(row)
    path = tmp_path / "mot-trang.xlsx"
    book.save(path)
    job = run(path, officer)
    assert job.status == ImportStatus.COMMITTED, services.read_errors(job)
    assert job.summary["layout"] == "one_sheet"
    assert set(job.summary["ignored_columns"]) == {"STT", "Ghi chú"}
    first = Household.objects.get(code="A-01")
    assert first.hamlet == unit_tree.hamlet and first.area == "rural" and first.member_count == 3
    members = {m.name: m for m in first.members.all()}
    assert members["Lê Thị Hai"].relation == "spouse" and members["Lê Thị Hai"].sex == "female"
    assert members["Lê Thị Hai"].citizen_id == "086172000102"
    assert members["Lê Thị Hai"].health_insured is False and members["Nguyễn Văn Một"].health_insured is True
    assert members["Nguyễn Văn Ba"].ethnicity == "Kinh" and members["Nguyễn Văn Ba"].health_insured is True
    assert members["Nguyễn Văn Một"].birth_date.isoformat() == "1970-02-01"
    assert Household.objects.get(code="A-02").members.get().ethnicity == "Khmer"


def test_record_v1_names_as_headers_in_two_sheets(unit_tree: Any, officer: Any, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "households"
    sheet.append(["id", "reference_date", "area", "commune_code", "hamlet", "income", "dwelling.floor_area_m2",
                  "dwelling.latrine"])
    sheet.append(["EXT-1", "2025-10-15", "urban", unit_tree.commune.code, "Ấp Bình Minh", 2500000, 42.5, "septic"])
    members = book.create_sheet("members")
    members.append(["household_id", "id", "relation", "name", "citizen_id", "sex", "birth_date"])
    members.append(["EXT-1", "m1", "head", "Vũ Văn Năm", "086080000105", "male", "1980-05-05"])
    members.append(["EXT-1", "m2", "child", "Vũ Thị Sáu", None, "female", "2015-07-07"])
    path = tmp_path / "other-system.xlsx"
    book.save(path)
    job = run(path, officer)
    assert job.status == ImportStatus.COMMITTED, services.read_errors(job)
    household = Household.objects.get(code="EXT-1")
    assert household.area == "urban" and household.income == 2_500_000 and household.floor_area_m2 == 42.5
    assert sorted(Member.objects.filter(household=household).values_list("member_id", flat=True)) == ["m1", "m2"]


@pytest.mark.parametrize(("encoding", "separator"), [("utf-8-sig", ";"), ("utf-8", ","), ("cp1258", ";")])
def test_csv_in_the_encodings_and_separators_excel_writes(unit_tree: Any, officer: Any, tmp_path: Path,
                                                          encoding: str, separator: str) -> None:
    lines = [separator.join(ONE_SHEET_HEADERS[1:-1])]
    for row in one_sheet_rows(unit_tree.commune.code):
        lines.append(separator.join("" if v is None else str(v) for v in row[1:-1]))
    path = tmp_path / "danh-sach.csv"
    text = "\r\n".join(lines)
    path.write_bytes(windows_1258(text) if encoding == "cp1258" else text.encode(encoding))
    job = run(path, officer)
    assert job.status == ImportStatus.COMMITTED, services.read_errors(job)
    assert Household.objects.get(code="A-01").members.get(relation="spouse").name == "Lê Thị Hai"


def test_csv_encodings_are_told_apart_or_refused_clearly() -> None:
    assert decode_csv(windows_1258("Ấp Bình Minh")) == "Ấp Bình Minh"
    assert decode_csv("Café Münster".encode("cp1252")) == "Café Münster"
    with pytest.raises(ReadError, match="bảng mã"):
        decode_csv(b"\x81\x8d\x8f\x90\x9d")


def test_a_file_that_is_not_a_workbook_is_refused_in_vietnamese(tmp_path: Path) -> None:
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ReadError, match="Không đọc được tệp Excel"):
        read_file(path)


def test_skip_keeps_changed_households_and_only_adds_new_ones(unit_tree: Any, officer: Any,
                                                              write_workbook: Any) -> None:
    households, members = household_rows(unit_tree.commune.code, 2)
    run(write_workbook(households, members), officer)
    households[0][6] = "99"
    more, more_members = household_rows(unit_tree.commune.code, 1, start=3)
    job = run(write_workbook(households + more, members + more_members, name="b.xlsx"), officer, on_change="skip")
    assert job.status == ImportStatus.COMMITTED
    assert job.summary["households"] == {"new": 1, "changed": 1, "unchanged": 1, "invalid": 0}
    assert job.result["households_created"] == 1 and job.result["households_updated"] == 0
    assert Household.objects.get(code=households[0][0]).floor_area_m2 == 25.5
    assert Household.objects.count() == 3


def test_continuation_sheets_past_the_row_limit_are_read_as_one(unit_tree: Any, officer: Any,
                                                                tmp_path: Path) -> None:
    from .conftest import HOUSEHOLD_HEADERS, MEMBER_HEADERS

    households, members = household_rows(unit_tree.commune.code, 4)
    book = openpyxl.Workbook()
    for title, headers, rows in (("Hộ gia đình", HOUSEHOLD_HEADERS, households[:2]),
                                 ("Thành viên", MEMBER_HEADERS, members[:6]),
                                 ("Hộ gia đình (2)", HOUSEHOLD_HEADERS, households[2:]),
                                 ("Thành viên (2)", MEMBER_HEADERS, members[6:])):
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    del book["Sheet"]
    path = tmp_path / "lon.xlsx"
    book.save(path)
    job = run(path, officer)
    assert job.status == ImportStatus.COMMITTED, services.read_errors(job)
    assert Household.objects.count() == 4 and Member.objects.count() == 12
