"""Issue 7's acceptance workbook: 30 planted errors of different kinds, each reported at its own cell in
Vietnamese in one pass, nothing written; the same workbook fixed goes in whole."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from giamngheo.core.text import fold
from giamngheo.geo.models import AdminUnit, UnitCrosswalk
from giamngheo.households.models import Household, Member

from .conftest import HOUSEHOLD_HEADERS, MEMBER_HEADERS

HOUSEHOLDS, MEMBERS = "Hộ gia đình", "Thành viên"
MEMBER_HEADERS_FULL = [*MEMBER_HEADERS, "Mã thành viên"]


def _legacy(code: str, name: str, parent: Any) -> Any:
    return AdminUnit.objects.create(code=code, level="commune", kind="xa", generation="legacy", name=name,
                                    short_name=name, name_folded=fold(name), parent=parent, path=f"/86/L{code}/",
                                    valid_to=dt.date(2025, 6, 30), source="tests")


@pytest.fixture
def setup(unit_tree: Any, make_user: Any) -> dict[str, Any]:
    officer = make_user("system_admin", unit_tree.province, username="quantri_test")
    split = _legacy("70001", "Xã Cũ Bị Tách", unit_tree.province)
    merged = _legacy("70002", "Xã Cũ Sáp Nhập", unit_tree.province)
    UnitCrosswalk.objects.create(old_unit=split, new_unit=unit_tree.commune, is_split=True, is_default=True)
    UnitCrosswalk.objects.create(old_unit=split, new_unit=unit_tree.other_commune, is_split=True)
    UnitCrosswalk.objects.create(old_unit=merged, new_unit=unit_tree.commune)
    existing = Household.objects.create(code="CO-SAN-1", commune=unit_tree.commune, hamlet=unit_tree.hamlet,
                                        unit_path=unit_tree.hamlet.path, reference_date=dt.date(2025, 10, 1),
                                        area="rural", head_name="Người Đã Có", member_count=1)
    Member.objects.create(household=existing, position=0, member_id="1", relation="head", name="Người Đã Có",
                          sex="male", age=50, citizen_id="086099999999")
    return {"officer": officer, "tree": unit_tree}


def _rows(commune: str, broken: bool) -> tuple[list[list[Any]], list[list[Any]], list[tuple[str, int, str]]]:
    """20 households of 3 members; with ``broken``, the 30 planted errors and where each must be reported."""
    households: list[list[Any]] = []
    members: list[list[Any]] = []
    for n in range(1, 21):
        code = f"HH{n:02d}"
        households.append([code, "15/10/2025", "Nông thôn", commune, "Ấp Bình Minh", "1.500.000", "30,5",
                           "Nước máy", "Tự hoại", "Ti vi, Điện thoại di động", "Có"])
        members.append([code, f"Lê Văn {n}", "Chủ hộ", "Nam", "01/02/1970", f"0860700000{n:02d}", "Kinh", "Có", "1"])
        members.append([code, f"Phạm Thị {n}", "Vợ/chồng", "Nữ", "03/04/1972", f"0861720000{n:02d}", "Kinh", "Có", "2"])
        members.append([code, f"Lê Văn Út {n}", "Con", "Nam", "05/06/2012", "", "Kinh", "Có", "3"])
    expected: list[tuple[str, int, str]] = []
    if not broken:
        return households, members, expected

    def h(n: int, column: str, value: Any) -> None:
        households[n - 1][HOUSEHOLD_HEADERS.index(column)] = value
        expected.append((HOUSEHOLDS, n + 1, column))

    def m(n: int, k: int, column: str, value: Any, where: str | None = None) -> None:
        members[(n - 1) * 3 + (k - 1)][MEMBER_HEADERS_FULL.index(column)] = value
        expected.append((MEMBERS, (n - 1) * 3 + k + 1, where or column))

    date_h, commune_h, area_h = "Ngày rà soát", "Mã xã/phường", "Khu vực"
    h(1, date_h, "31/02/2025")                                   # 1 not a date
    h(2, commune_h, "99999")                                     # 2 unknown commune
    h(3, commune_h, "70001")                                     # 3 pre-2025 commune split between two
    h(4, area_h, "Miền núi")                                     # 4 answer not in the list
    h(5, "Diện tích nhà ở (m²)", "-5")                           # 5 negative area
    h(6, "Thu nhập bình quân (đồng/người/tháng)", "nhiều")       # 6 text in a number column
    h(7, "Nguồn nước sinh hoạt", "Sông suối")                    # 7
    h(8, "Tường bền chắc", "có lẽ")                              # 8 not a yes/no answer
    h(9, "Nhà tiêu", "Hố xí")                                    # 9
    h(10, date_h, "2025/13/01")                                  # 10
    h(11, "Phương tiện tiếp cận thông tin", "Ti vi, Tủ lạnh")    # 11 one item not in the list
    h(12, "Thôn/ấp", "Ấp Không Có")                              # 12 unknown hamlet
    h(13, "Thu nhập bình quân (đồng/người/tháng)", "-1.000")     # 13 below the minimum
    h(14, date_h, "01/01/1999")                                  # 14 before the earliest date
    households[19][0] = "HH19"                                   # 15 household code twice
    expected.append((HOUSEHOLDS, 21, "Mã hộ"))
    del members[19 * 3:]                                         # (household 20's own members are gone with it)
    members.append(["KHONG-CO", "Người Lạ", "Chủ hộ", "Nam", "01/01/1980", "", "Kinh", "Có", "1"])
    expected.append((MEMBERS, len(members) + 1, "Mã hộ"))        # 16 a member of a household not in the file
    m(15, 1, "Ngày sinh", "31/02/1990")                          # 17 not a date
    m(16, 2, "Số định danh cá nhân", "086070000016")             # 18 same ID as the head of household 16
    m(17, 3, "Số định danh cá nhân", "086099999999")             # 19 ID of a member of a registry household
    m(18, 2, "Quan hệ với chủ hộ", "Chủ hộ")                     # 20 two heads
    m(19, 1, "Quan hệ với chủ hộ", "Con")                        # 21 no head (on the first member's relation)
    m(15, 2, "Quan hệ với chủ hộ", "Hàng xóm")                   # 22 relation not in the list
    m(16, 3, "Số định danh cá nhân", "12345")                    # 23 not 12 digits
    m(17, 3, "Ngày sinh", "01/01/2030")                          # 24 born after the review date
    m(18, 3, "Có thẻ bảo hiểm y tế", "chắc có")                  # 25
    m(14, 3, "Ngày sinh", "01/01/1940")                          # 26 a child older than the head — but household
    # 14's reference date is planted wrong (1999): age checks need a date; use household 13 instead.
    members[(14 - 1) * 3 + 2][MEMBER_HEADERS_FULL.index("Ngày sinh")] = "05/06/2012"
    expected.pop()
    m(13, 3, "Ngày sinh", "01/01/1940")                          # 26 a child older than the head
    m(12, 3, "Quan hệ với chủ hộ", "Bố/mẹ")                      # 27 a parent younger than the head …
    expected.pop()
    expected.append((MEMBERS, (12 - 1) * 3 + 3 + 1, "Ngày sinh"))  # … reported on the birth date
    m(11, 2, "Họ và tên", "A" * 201)                             # 28 name too long
    m(10, 2, "Ngày sinh", "không rõ")                            # 29 not a date
    return households, members, expected


def _write(path: Path, households: list[list[Any]], members: list[list[Any]], *, drop_sex: bool) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = HOUSEHOLDS
    sheet.append(HOUSEHOLD_HEADERS)
    for row in households:
        sheet.append(row)
    other = book.create_sheet(MEMBERS)
    keep = [i for i, h in enumerate(MEMBER_HEADERS_FULL) if not (drop_sex and h == "Giới tính")]
    other.append([MEMBER_HEADERS_FULL[i] for i in keep])
    for row in members:
        other.append([row[i] for i in keep])
    book.save(path)
    return path


def _run(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "households", str(path), "--user", "quantri_test", "--json", *args, stdout=out)
    return int(exit_info.value.code or 0), json.loads(out.getvalue())


@pytest.mark.django_db(transaction=True)
def test_thirty_planted_errors_are_reported_at_their_cells_then_the_fixed_file_goes_in(
        setup: dict[str, Any], tmp_path: Path, settings: Any) -> None:
    settings.GIAMNGHEO_IMPORT_DIR = str(tmp_path / "imports")
    commune = setup["tree"].commune.code
    households, members, expected = _rows(commune, broken=True)
    # 30: the header "Giới tính" is missing from the members sheet.
    expected.append((MEMBERS, 1, "Giới tính"))
    assert len(expected) == 30
    before = (Household.objects.count(), Member.objects.count())
    status, report = _run(_write(tmp_path / "broken.xlsx", households, members, drop_sex=True), "--commit")
    assert status == 2
    assert report["committed"] is False
    found = [(e["sheet"], e["row"], e["column"]) for e in report["errors"]]
    assert sorted(found) == sorted(expected), json.dumps(report["errors"], ensure_ascii=False, indent=1)
    for error in report["errors"]:
        assert error["message"].startswith("Dòng "), error
        assert error["field"]
    by_cell = {(e["sheet"], e["row"]): e for e in report["errors"]}
    assert by_cell[(MEMBERS, 15 * 3 - 1)]["field"] == "members.birth_date"
    assert "31/02/1990" in by_cell[(MEMBERS, 15 * 3 - 1)]["message"]
    assert "chia cho nhiều xã/phường mới" in by_cell[(HOUSEHOLDS, 4)]["message"]
    assert by_cell[(HOUSEHOLDS, 6)]["field"] == "dwelling.floor_area_m2"
    assert (Household.objects.count(), Member.objects.count()) == before

    fixed_households, fixed_members, _ = _rows(commune, broken=False)
    status, report = _run(_write(tmp_path / "fixed.xlsx", fixed_households, fixed_members, drop_sex=False),
                          "--commit")
    assert status == 0, report["errors"]
    assert report["committed"] is True
    assert report["households"] == {"new": 20, "changed": 0, "unchanged": 0, "invalid": 0}
    assert report["members"] == {"new": 60, "changed": 0, "unchanged": 0, "invalid": 0}
    assert Household.objects.count() == before[0] + 20


@pytest.mark.django_db(transaction=True)
def test_a_merged_pre_2025_commune_resolves_through_the_crosswalk(setup: dict[str, Any], tmp_path: Path,
                                                                  settings: Any) -> None:
    settings.GIAMNGHEO_IMPORT_DIR = str(tmp_path / "imports")
    households, members, _ = _rows("70002", broken=False)
    status, report = _run(_write(tmp_path / "old.xlsx", households[:2], members[:6], drop_sex=False), "--commit")
    assert status == 0, report["errors"]
    assert Household.objects.get(code="HH01").commune == setup["tree"].commune



@pytest.mark.django_db(transaction=True)
def test_text_in_the_income_column_is_one_error_not_also_a_missing_basis(setup: dict[str, Any], tmp_path: Path,
                                                                          settings: Any) -> None:
    settings.GIAMNGHEO_IMPORT_DIR = str(tmp_path / "imports")
    households, members, _ = _rows(setup["tree"].commune.code, broken=False)
    headers = [*HOUSEHOLD_HEADERS, "Căn cứ thu nhập"]
    rows = [[*row, "Thu nhập"] for row in households[:2]]
    rows[0][HOUSEHOLD_HEADERS.index("Thu nhập bình quân (đồng/người/tháng)")] = "khoảng 2 triệu"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = HOUSEHOLDS
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    other = book.create_sheet(MEMBERS)
    other.append(MEMBER_HEADERS_FULL)
    for row in members[:6]:
        other.append(row)
    path = tmp_path / "basis.xlsx"
    book.save(path)
    status, report = _run(path)
    assert status == 2
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "Thu nhập bình quân (đồng/người/tháng)")]
