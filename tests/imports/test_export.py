"""Export of the registry list (issue 7, point 8): the list the user sees, in the import's layout, IDs masked where
the role may not see them, audited; the page's buttons, the download view and the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household
from giamngheo.households.services import household_create
from giamngheo.imports import columns as cols
from giamngheo.imports import export as ex
from giamngheo.imports.export import HouseholdListFilter, export_households

pytestmark = pytest.mark.django_db

LEADING_ZERO_ID = "012345678901"
OTHER_ID = "086200000001"


def head(**fields: Any) -> dict[str, Any]:
    return {"id": "1", "relation": "head", "sex": "male", **fields}


def household_record(code: str, commune_code: str, *, hamlet: str | None, members: list[dict[str, Any]],
                     **facts: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"id": code, "reference_date": "2025-10-01", "area": "rural",
                              "commune_code": commune_code, "members": members, **facts}
    if hamlet:
        record["hamlet"] = hamlet
    return record


@pytest.fixture
def officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="can-bo-xa")


@pytest.fixture
def province_officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province, username="can-bo-tinh")


@pytest.fixture
def commune(unit_tree: Any, officer: Any) -> list[Household]:
    """Three households of commune A with varied answers: dates and ages, devices and none, unanswered yes/no
    questions, an area with decimals and a whole one, a household without hamlet, a 0-leading citizen ID."""
    code = unit_tree.commune.code
    records = [
        household_record(
            "A-1", code, hamlet="Ấp Bình Minh", income=1_200_000,
            dwelling={"floor_area_m2": 25.5, "walls_durable": True, "frame_durable": False, "latrine": "none",
                      "water_source": "piped", "information_devices": ["tv", "mobile_phone"]},
            members=[
                head(name="Nguyễn Văn Ánh", citizen_id=LEADING_ZERO_ID, birth_date="1970-02-01",
                     health_insured=True, ethnicity="Kinh", education_completed="primary"),
                {"id": "2", "relation": "spouse", "name": "Trần Thị Bé", "sex": "female", "age": 48,
                 "disability": "mild", "ethnicity": "Tày"},
                {"id": "3", "relation": "child", "name": "Nguyễn Văn Cường", "sex": "male",
                 "birth_date": "2012-06-15", "in_education": True, "health_insured": False},
            ],
        ),
        household_record(
            "A-2", code, hamlet="Ấp Đồng Tâm", income=2_500_000,
            dwelling={"floor_area_m2": 40, "information_devices": [], "roof_durable": False},
            members=[head(name="Lê Văn Dũng", citizen_id="086100000002", age=61, meritorious=False)],
        ),
        household_record(
            "A-3", code, hamlet=None, area="urban", income=900_000,
            members=[head(name="Phạm Thị Em", sex="female", citizen_id="086100000003", birth_date="1990-12-31")],
        ),
    ]
    return [household_create(actor=officer, record=r) for r in records]


@pytest.fixture
def other_commune(unit_tree: Any, make_user: Any) -> Household:
    other = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)
    return household_create(actor=other, record=household_record(
        "B-1", unit_tree.other_commune.code, hamlet="Tổ dân phố 1", area="urban", income=3_000_000,
        members=[head(name="Hoàng Văn Giang", citizen_id=OTHER_ID, age=40)]))


def export_bytes(actor: Any, file_format: ex.FileFormat = "xlsx", **filters: Any) -> tuple[bytes, ex.ExportCounts]:
    out = io.BytesIO()
    counts = export_households(actor=actor, filters=HouseholdListFilter(**filters), file_format=file_format, out=out)
    return out.getvalue(), counts


def sheets(content: bytes) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book.worksheets}


def by_header(rows: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline=""), delimiter=";"))


# --- the workbook -------------------------------------------------------------------------------------------------


def test_commune_officer_gets_both_sheets_with_the_import_headers_and_full_ids(officer: Any, commune: Any,
                                                                               unit_tree: Any) -> None:
    content, counts = export_bytes(officer)
    book = sheets(content)
    assert list(book) == ["Hộ gia đình", "Thành viên"]
    assert book["Hộ gia đình"][0] == [c.header for c in cols.columns(cols.HOUSEHOLDS)]
    assert book["Thành viên"][0] == [c.header for c in cols.columns(cols.MEMBERS)]
    assert (counts.households, counts.members, counts.masked_members) == (3, 5, 0)

    households = {row["Mã hộ"]: row for row in by_header(book["Hộ gia đình"])}
    assert list(households) == ["A-3", "A-1", "A-2"]  # the registry page's order: unit, then id
    first = households["A-1"]
    assert first["Ngày rà soát"] == dt.datetime(2025, 10, 1)
    assert first["Khu vực"] == "Nông thôn"
    assert (first["Mã tỉnh"], first["Mã xã/phường"], first["Xã/phường"], first["Thôn/ấp"]) == (
        "86", "86001", "Xã An Bình", "Ấp Bình Minh")
    assert first["Thu nhập bình quân (đồng/người/tháng)"] == 1_200_000
    assert first["Diện tích nhà ở (m²)"] == 25.5
    assert (first["Tường bền chắc"], first["Cột/khung bền chắc"], first["Mái bền chắc"]) == ("Có", "Không", None)
    assert first["Phương tiện tiếp cận thông tin"] == "Ti vi, Điện thoại di động"
    assert first["Nhà tiêu"] == cols.label_of(cols.HOUSEHOLDS, "latrine", "none")
    assert households["A-2"]["Phương tiện tiếp cận thông tin"] == "Không có"
    assert households["A-3"]["Phương tiện tiếp cận thông tin"] is None  # not asked is not "none"
    assert households["A-3"]["Thôn/ấp"] is None

    members = by_header(book["Thành viên"])
    head_a1 = next(m for m in members if m["Mã hộ"] == "A-1" and m["Mã thành viên"] == "1")
    assert head_a1["Số định danh cá nhân"] == LEADING_ZERO_ID
    assert head_a1["Quan hệ với chủ hộ"] == "Chủ hộ" and head_a1["Giới tính"] == "Nam"
    assert head_a1["Ngày sinh"] == dt.datetime(1970, 2, 1) and head_a1["Tuổi"] is None
    assert head_a1["Có thẻ bảo hiểm y tế"] == "Có"
    spouse = next(m for m in members if m["Mã hộ"] == "A-1" and m["Mã thành viên"] == "2")
    assert spouse["Tuổi"] == 48 and spouse["Ngày sinh"] is None and spouse["Có thẻ bảo hiểm y tế"] is None
    assert spouse["Số định danh cá nhân"] is None
    assert [m["Mã thành viên"] for m in members if m["Mã hộ"] == "A-1"] == ["1", "2", "3"]


def test_cells_are_typed_and_formatted_as_officers_type_them(officer: Any, commune: Any) -> None:
    content, _counts = export_bytes(officer)
    book = openpyxl.load_workbook(io.BytesIO(content))
    households, members = book["Hộ gia đình"], book["Thành viên"]
    header = {c.value: c.column - 1 for c in households[1]}
    a1 = next(row for row in households.iter_rows(min_row=2) if row[0].value == "A-1")
    assert a1[header["Ngày rà soát"]].number_format == "dd/mm/yyyy"
    assert a1[header["Thu nhập bình quân (đồng/người/tháng)"]].number_format == "#,##0"
    assert a1[header["Diện tích nhà ở (m²)"]].number_format == "#,##0.##"
    member_header = {c.value: c.column - 1 for c in members[1]}
    citizen = next(row for row in members.iter_rows(min_row=2) if row[member_header["Số định danh cá nhân"]].value
                   == LEADING_ZERO_ID)[member_header["Số định danh cá nhân"]]
    assert citizen.data_type == "s" and citizen.number_format == "@"


def test_province_officer_gets_citizen_ids_masked(province_officer: Any, commune: Any, other_commune: Any) -> None:
    content, counts = export_bytes(province_officer)
    members = by_header(sheets(content)["Thành viên"])
    ids = {m["Số định danh cá nhân"] for m in members} - {None}
    assert ids == {"*********901", "*********002", "*********003", "*********001"}
    assert LEADING_ZERO_ID not in content.decode("latin-1") and OTHER_ID not in content.decode("latin-1")
    assert counts.households == 4 and counts.masked_members == 4
    assert AuditEntry.objects.get(action=ex.EXPORTED).data["citizen_ids_masked"] is True


def test_out_of_scope_households_never_appear(officer: Any, commune: Any, other_commune: Any,
                                              unit_tree: Any) -> None:
    for file_format in ("xlsx", "csv"):
        content, counts = export_bytes(officer, file_format)
        text = content.decode("utf-8", errors="replace") if file_format == "csv" else str(sheets(content))
        assert "B-1" not in text and "Hoàng Văn Giang" not in text and OTHER_ID not in text
        assert counts.households == 3
    # Asking for the other commune by code yields an empty list, as on the registry page.
    content, counts = export_bytes(officer, commune_code=unit_tree.other_commune.code)
    assert counts.households == 0 and "B-1" not in str(sheets(content))


def test_the_page_filters_narrow_the_export(officer: Any, commune: Any, unit_tree: Any) -> None:
    _content, counts = export_bytes(officer, hamlet_id=unit_tree.hamlet2.pk)
    assert counts.households == 1
    content, counts = export_bytes(officer, q="nguyen van anh")
    assert counts.households == 1 and [r["Mã hộ"] for r in by_header(sheets(content)["Hộ gia đình"])] == ["A-1"]


def test_a_sheet_continues_on_a_new_sheet_past_the_row_limit(officer: Any, commune: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex, "MAX_SHEET_ROWS", 3)  # header + 2 rows per sheet
    content, counts = export_bytes(officer)
    book = sheets(content)
    assert list(book) == ["Hộ gia đình", "Thành viên", "Thành viên (2)", "Hộ gia đình (2)", "Thành viên (3)"]
    for title, rows in book.items():
        expected = cols.columns(cols.HOUSEHOLDS if title.startswith("Hộ") else cols.MEMBERS)
        assert rows[0] == [c.header for c in expected] and 2 <= len(rows) <= 3
    assert sum(len(rows) - 1 for title, rows in book.items() if title.startswith("Hộ")) == 3
    assert sum(len(rows) - 1 for title, rows in book.items() if title.startswith("Thành")) == 5
    assert counts.sheets == 5


def test_text_that_looks_like_a_formula_stays_text(officer: Any, unit_tree: Any) -> None:
    household_create(actor=officer, record=household_record(
        "A-9", unit_tree.commune.code, hamlet=None,
        members=[head(name='=HYPERLINK("http://x","y")', age=30)]))
    content, _counts = export_bytes(officer)
    cell = next(c for row in openpyxl.load_workbook(io.BytesIO(content))["Thành viên"].iter_rows(min_row=2)
                for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s"
    content, _counts = export_bytes(officer, "csv")
    assert "'=HYPERLINK" in content.decode("utf-8")


# --- CSV ----------------------------------------------------------------------------------------------------------


def test_csv_is_one_row_per_member_with_bom_and_semicolons(officer: Any, commune: Any) -> None:
    content, counts = export_bytes(officer, "csv")
    rows = csv_rows(content)
    assert rows[0] == [c.header for c in ex.csv_columns()]
    assert rows[0].count("Mã hộ") == 1 and "Mã thành viên" in rows[0]
    assert len(rows) == 1 + 5 and counts.rows == 5
    assert b";" in content.splitlines()[0] and b"," not in content.splitlines()[0]
    records = by_header(rows)
    a1 = [r for r in records if r["Mã hộ"] == "A-1"]
    assert [r["Mã thành viên"] for r in a1] == ["1", "2", "3"]
    assert {r["Thu nhập bình quân (đồng/người/tháng)"] for r in a1} == {"1200000"}  # repeated on each member
    assert a1[0]["Ngày rà soát"] == "01/10/2025" and a1[0]["Ngày sinh"] == "01/02/1970"
    assert a1[0]["Diện tích nhà ở (m²)"] == "25,5"
    assert a1[0]["Phương tiện tiếp cận thông tin"] == "Ti vi, Điện thoại di động"
    assert a1[0]["Số định danh cá nhân"] == LEADING_ZERO_ID
    assert a1[1]["Có thẻ bảo hiểm y tế"] == "" and a1[2]["Có thẻ bảo hiểm y tế"] == "Không"
    a2 = next(r for r in records if r["Mã hộ"] == "A-2")
    assert a2["Diện tích nhà ở (m²)"] == "40" and a2["Phương tiện tiếp cận thông tin"] == "Không có"


# --- audit --------------------------------------------------------------------------------------------------------


def test_each_export_is_one_audit_entry(officer: Any, commune: Any, unit_tree: Any) -> None:
    before = AuditEntry.objects.count()
    export_bytes(officer, "csv", commune_code=unit_tree.commune.code, q="086100000002")
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action=ex.EXPORTED)
    assert entry.actor == officer and entry.object_type == "household_list"
    assert entry.unit_path == unit_tree.commune.path and entry.object_id == unit_tree.commune.code
    assert entry.data["format"] == "csv"
    assert (entry.data["households"], entry.data["members"], entry.data["citizen_ids_masked"]) == (1, 1, False)
    # The search is kept, but a citizen ID in it is not: province auditors read this trail.
    assert entry.data["filters"] == {"commune_code": "86001", "q": "*********002"}
    from giamngheo.core.audit import action_label, object_type_label
    assert action_label(ex.EXPORTED) == "Xuất danh sách hộ gia đình"
    assert object_type_label("household_list") == "Danh sách hộ gia đình"


def test_an_unfiltered_export_is_filed_under_the_users_unit(province_officer: Any, commune: Any,
                                                            unit_tree: Any) -> None:
    export_bytes(province_officer)
    entry = AuditEntry.objects.get(action=ex.EXPORTED)
    assert entry.unit_path == unit_tree.province.path and entry.object_id == unit_tree.province.code


# --- the page and the download ------------------------------------------------------------------------------------


def test_list_page_offers_both_exports_of_the_filtered_list(client_for: Any, officer: Any, commune: Any,
                                                            unit_tree: Any) -> None:
    page = client_for(officer).get(reverse("households:list"), {"hamlet": unit_tree.hamlet.pk, "q": "van"})
    html = page.content.decode()
    assert "Xuất Excel" in html and "Xuất CSV" in html
    url = reverse("households:export")
    assert f'href="{url}?hamlet={unit_tree.hamlet.pk}&amp;q=van&amp;format=xlsx"' in html
    assert f'href="{url}?hamlet={unit_tree.hamlet.pk}&amp;q=van&amp;format=csv"' in html


def test_download_is_the_filtered_list_named_after_the_unit(client_for: Any, province_officer: Any, commune: Any,
                                                            other_commune: Any, unit_tree: Any) -> None:
    client = client_for(province_officer)
    response = client.get(reverse("households:export"), {"commune": unit_tree.commune.pk, "format": "xlsx"})
    assert response.status_code == 200
    stamp = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="ho-gia-dinh-86001-{stamp}.xlsx"'
    assert response["Content-Type"] == ex.FORMATS["xlsx"]
    assert "no-store" in response["Cache-Control"]
    codes = [r["Mã hộ"] for r in by_header(sheets(b"".join(response.streaming_content))["Hộ gia đình"])]
    assert codes == ["A-3", "A-1", "A-2"]

    response = client.get(reverse("households:export"), {"format": "csv"})
    assert response["Content-Disposition"] == f'attachment; filename="ho-gia-dinh-86-{stamp}.csv"'
    rows = csv_rows(b"".join(response.streaming_content))
    assert {r[0] for r in rows[1:]} == {"A-1", "A-2", "A-3", "B-1"}


def test_download_refuses_what_it_cannot_give(client_for: Any, officer: Any, make_user: Any, commune: Any,
                                              other_commune: Any, unit_tree: Any) -> None:
    client = client_for(officer)
    url = reverse("households:export")
    assert client.get(url, {"format": "exe"}).status_code == 404
    assert client.post(url, {"format": "xlsx"}).status_code == 405
    assert client_for(make_user()).get(url).status_code == 404  # no household scope at all
    # Another commune's id in the query string is dropped, as on the list page: the officer's own list.
    response = client.get(url, {"commune": unit_tree.other_commune.pk, "format": "csv"})
    assert {r[0] for r in csv_rows(b"".join(response.streaming_content))[1:]} == {"A-1", "A-2", "A-3"}
    assert client.get(reverse("households:list")).status_code == 200
    anonymous = client_for(officer)
    anonymous.logout()
    assert anonymous.get(url).status_code == 302


# --- command line -------------------------------------------------------------------------------------------------


def test_command_exports_as_the_user(officer: Any, commune: Any, other_commune: Any, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "xa.xlsx"
    call_command("export", "households", "--user", "can-bo-xa", "--commune", "86001", str(out))
    book = sheets(out.read_bytes())
    assert [r["Mã hộ"] for r in by_header(book["Hộ gia đình"])] == ["A-3", "A-1", "A-2"]
    assert "3 hộ, 5 thành viên" in capsys.readouterr().out
    entry = AuditEntry.objects.get(action=ex.EXPORTED)
    assert entry.actor == officer and entry.data["format"] == "xlsx"

    out = tmp_path / "xa.csv"
    call_command("export", "households", "--user", "can-bo-xa", str(out))
    assert len(csv_rows(out.read_bytes())) == 1 + 5


@pytest.mark.parametrize(("arguments", "message"), [
    (["--user", "nobody"], "Không có người dùng “nobody”"),
    (["--user", "can-bo-xa", "--commune", "86002"], "Không có xã/phường mã “86002” trong địa bàn của bạn."),
    (["--user", "can-bo-xa", "--commune", "99999"], "Không có xã/phường mã “99999” trong địa bàn của bạn."),
])
def test_command_fails_in_one_vietnamese_line(officer: Any, commune: Any, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str], arguments: list[str],
                                              message: str) -> None:
    out = tmp_path / "out.xlsx"
    with pytest.raises(SystemExit) as exit_info:
        call_command("export", "households", *arguments, str(out))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()
    assert not AuditEntry.objects.filter(action=ex.EXPORTED).exists()


def test_command_refuses_an_unknown_format(officer: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("export", "households", "--user", "can-bo-xa", str(tmp_path / "out.pdf"))
    assert exit_info.value.code == 1
    assert "Chỉ xuất được tệp Excel (.xlsx) hoặc CSV (.csv)" in capsys.readouterr().err


# --- round trip ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_round_trip_zero_changes(officer: Any, commune: Any, tmp_path: Path, file_format: ex.FileFormat) -> None:
    """An exported commune, validated for import by the same officer: every household and member unchanged, no
    error — dates, ages, devices and "none", unanswered yes/no, a decimal area, a 0-leading citizen ID."""
    from giamngheo.imports.validate import validate_file

    content, _counts = export_bytes(officer, file_format)
    path = tmp_path / f"xa.{file_format}"
    path.write_bytes(content)
    result = validate_file(path, actor=officer)
    assert result.errors.is_empty(), result.errors.to_dicts()
    assert result.layout == ("two_sheets" if file_format == "xlsx" else "one_sheet")
    assert result.counts["households"] == {"new": 0, "changed": 0, "unchanged": 3, "invalid": 0}
    assert result.counts["members"] == {"new": 0, "changed": 0, "unchanged": 5, "invalid": 0}
    assert result.diffs == {}
