"""The annotated error workbook: bad cells filled and commented in the officer's own file, every error listed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.comments import Comment

from giamngheo.imports import error_workbook
from giamngheo.imports.error_workbook import ERROR_COLOUR, annotate, error_sentence


def _error(sheet: str, row: int, column_index: int | None, column: str, value: Any, message: str,
           field: str = "members.birth_date") -> dict[str, Any]:
    return {"sheet": sheet, "row": row, "column_index": column_index, "column": column, "field": field,
            "value": value, "message": message}


def test_error_sentence_quotes_the_value_of_a_predicate() -> None:
    assert error_sentence(_error("Thành viên", 17, 4, "Ngày sinh", "31/02/1990", "không phải ngày hợp lệ")) == \
        "Dòng 17, cột Ngày sinh: '31/02/1990' không phải ngày hợp lệ"
    # A whole sentence, or no value: nothing is quoted.
    assert error_sentence(_error("Hộ gia đình", 1, None, "Khu vực", "", "Thiếu cột “Khu vực”.")) == \
        "Dòng 1, cột Khu vực: Thiếu cột “Khu vực”."
    assert error_sentence(_error("Hộ gia đình", 5, 2, "Khu vực", None, "cần ghi")) == "Dòng 5, cột Khu vực: cần ghi"
    assert error_sentence(_error("Hộ gia đình", 5, 2, "Khu vực", "X", "Hộ này có hai chủ hộ.")) == \
        "Dòng 5, cột Khu vực: Hộ này có hai chủ hộ."


@pytest.fixture
def upload(tmp_path: Path) -> Path:
    workbook = openpyxl.Workbook()
    households = workbook.active
    assert households is not None
    households.title = "Hộ gia đình"
    households.append(["Mã hộ", "Ngày rà soát", "Diện tích nhà ở (m²)"])
    households.append(["H1", "15/10/2025", "25,5"])
    households.append(["H2", "15/10/2025", "-3"])
    members = workbook.create_sheet("Thành viên")
    members.append(["Mã hộ", "Họ và tên", "Ngày sinh"])
    for number in range(2, 20):
        members.append(["H1", f"Người {number}", "01/01/1990"])
    members["C17"] = "31/02/1990"
    members["B17"].comment = Comment("Ghi chú của cán bộ", "Lan")
    path = tmp_path / "ho.xlsx"
    workbook.save(path)
    return path


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_cells_filled_and_commented_and_every_error_listed(upload: Path) -> None:
    errors = [
        _error("Thành viên", 17, 2, "Ngày sinh", "31/02/1990", "không phải ngày hợp lệ"),
        _error("Thành viên", 17, 2, "Ngày sinh", "31/02/1990", "Ngày sinh sau ngày rà soát."),
        _error("Hộ gia đình", 3, 2, "Diện tích nhà ở (m²)", "-3", "không được âm", "dwelling.floor_area_m2"),
        _error("Hộ gia đình", 1, None, "Khu vực", "", "Thiếu cột “Khu vực”.", "area"),
        _error("Trang khác", 4, 0, "Mã hộ", "X", "không có trong tệp", "id"),
    ]
    result = _open(annotate(upload, errors))
    members, households = result["Thành viên"], result["Hộ gia đình"]
    bad = members["C17"]
    assert bad.value == "31/02/1990"  # the officer's value is untouched
    assert bad.fill.fgColor.rgb == ERROR_COLOUR
    # Two errors on one cell: one comment holding both sentences.
    assert bad.comment.text == ("Dòng 17, cột Ngày sinh: '31/02/1990' không phải ngày hợp lệ\n"
                                "Dòng 17, cột Ngày sinh: Ngày sinh sau ngày rà soát.")
    assert members["B17"].comment.text == "Ghi chú của cán bộ"  # a cell without error keeps its note
    assert members["C16"].comment is None and members["C16"].fill.fgColor.rgb != ERROR_COLOUR
    assert households["C3"].comment.text == "Dòng 3, cột Diện tích nhà ở (m²): '-3' không được âm"
    # A missing column goes on the header row's first cell.
    assert households["A1"].fill.fgColor.rgb == ERROR_COLOUR
    assert "Thiếu cột “Khu vực”." in households["A1"].comment.text

    listed = result["Lỗi"]
    rows = [[cell.value for cell in row] for row in listed.iter_rows()]
    assert rows[0] == ["Trang", "Dòng", "Cột", "Trường", "Giá trị", "Lỗi"]
    assert len(rows) == 1 + len(errors)
    assert rows[1] == ["Thành viên", 17, "Ngày sinh", "members.birth_date", "31/02/1990", "không phải ngày hợp lệ"]
    assert rows[5][0] == "Trang khác"  # an error on a sheet the file lacks is still listed
    assert listed.freeze_panes == "A2"
    assert [t.ref for t in listed.tables.values()] == ["A1:F6"]


def test_values_that_look_like_formulas_stay_text_in_the_error_list(upload: Path) -> None:
    result = _open(annotate(upload, [_error("Thành viên", 2, 1, "Họ và tên", "=HYPERLINK(\"x\")", "sai")]))
    cell = result["Lỗi"]["E2"]
    assert cell.data_type == "s" and cell.quotePrefix


def test_reannotating_an_annotated_copy_drops_the_old_marks(upload: Path, tmp_path: Path) -> None:
    first = tmp_path / "ho-loi.xlsx"
    first.write_bytes(annotate(upload, [_error("Thành viên", 17, 2, "Ngày sinh", "31/02/1990", "sai ngày")]))
    second = _open(annotate(first, [_error("Thành viên", 5, 1, "Họ và tên", "", "Thiếu họ tên.")]))
    members = second["Thành viên"]
    assert members["C17"].comment is None and members["C17"].fill.fgColor.rgb != ERROR_COLOUR
    assert members["B5"].fill.fgColor.rgb == ERROR_COLOUR
    assert second.sheetnames.count("Lỗi") == 1 and second["Lỗi"].max_row == 2


def test_comments_stop_at_the_limit_but_cells_are_still_filled(upload: Path) -> None:
    errors = [_error("Thành viên", row, 1, "Họ và tên", "", "Thiếu họ tên.") for row in range(2, 8)]
    members = _open(annotate(upload, errors, limit_comments=2))["Thành viên"]
    assert [members[f"B{row}"].comment is not None for row in range(2, 8)] == [True, True] + [False] * 4
    assert all(members[f"B{row}"].fill.fgColor.rgb == ERROR_COLOUR for row in range(2, 8))


def test_csv_with_bom_and_semicolons_keeps_every_cell_in_place(tmp_path: Path) -> None:
    path = tmp_path / "danh sách: hộ.csv"
    text = "Mã hộ;Ngày sinh;Số định danh cá nhân\nH1;01/01/1990;001085012345\n\nH2;31/02/1990;=1+1\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = _open(annotate(path, [_error("danh sách: hộ", 4, 1, "Ngày sinh", "31/02/1990", "sai ngày")]))
    sheet = result.worksheets[0]
    assert sheet.title == "danh sách_ hộ"  # ":" cannot be in a sheet title
    assert [[c.value for c in row] for row in sheet.iter_rows(max_row=4)] == [
        ["Mã hộ", "Ngày sinh", "Số định danh cá nhân"], ["H1", "01/01/1990", "001085012345"],
        [None, None, None], ["H2", "31/02/1990", "=1+1"]]
    assert sheet["C4"].data_type == "s"  # a formula in the CSV stays text
    assert sheet["B4"].fill.fgColor.rgb == ERROR_COLOUR
    assert sheet["B4"].comment.text == "Dòng 4, cột Ngày sinh: '31/02/1990' sai ngày"
    assert result["Lỗi"]["A2"].value == "danh sách: hộ"


def test_a_very_large_upload_gets_only_the_error_list(upload: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(error_workbook, "LARGE_ROWS", 10)
    result = _open(annotate(upload, [_error("Thành viên", 17, 2, "Ngày sinh", "31/02/1990", "sai ngày")]))
    assert result.sheetnames == ["Lỗi"]
    listed = result["Lỗi"]
    assert "quá lớn" in listed["A1"].value
    assert [c.value for c in listed[3]] == ["Trang", "Dòng", "Cột", "Trường", "Giá trị", "Lỗi"]
    assert listed["B4"].value == 17 and listed.freeze_panes == "A4"
