"""The import template: generated from the column table, with drop-downs, formats, and read back by the importer."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from giamngheo.imports import columns as cols
from giamngheo.imports.layout import detect
from giamngheo.imports.read import read_file
from giamngheo.imports.template import template_workbook


@pytest.fixture(scope="module")
def template_bytes() -> bytes:
    return template_workbook()


@pytest.fixture(scope="module")
def workbook(template_bytes: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(template_bytes))


def _sheet(workbook: openpyxl.Workbook, which: cols.Sheet) -> Worksheet:
    return workbook[cols.SHEET_TITLES[which]]


def _header_cells(sheet: Worksheet) -> dict[str, str]:
    """Header text → column letter."""
    return {cell.value: cell.column_letter for cell in sheet[1] if cell.value is not None}


def _list_answers(workbook: openpyxl.Workbook, formula: str) -> list[str]:
    title, cells = formula.rsplit("!", 1)
    sheet = workbook[title.strip("'")]
    return [row[0].value for row in sheet[cells.replace("$", "")]]


def test_sheets_and_every_column_as_header(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [cols.SHEET_TITLES[cols.HOUSEHOLDS], cols.SHEET_TITLES[cols.MEMBERS],
                                   cols.INSTRUCTIONS_TITLE]
    for which in (cols.HOUSEHOLDS, cols.MEMBERS):
        sheet = _sheet(workbook, which)
        assert [cell.value for cell in sheet[1]] == [c.header for c in cols.columns(which)]
        assert sheet.freeze_panes == "A2"
        # No example rows on the data sheets: the importer would take them for households.
        assert sheet.max_row == 1


def test_header_comment_style_and_formats(workbook: openpyxl.Workbook) -> None:
    households = _sheet(workbook, cols.HOUSEHOLDS)
    letters = _header_cells(households)
    area = households[f"{letters['Diện tích nhà ở (m²)']}1"]
    assert "dwelling.floor_area_m2" in area.comment.text
    required = households[f"{letters['Ngày rà soát']}1"]
    assert required.font.b and required.font.color.rgb.endswith("C00000")
    assert "Bắt buộc" in required.comment.text
    assert households.column_dimensions[letters["Ngày rà soát"]].number_format == "dd/mm/yyyy"
    income = cols.column(cols.HOUSEHOLDS, "income").header
    assert households.column_dimensions[letters[income]].number_format == "#,##0"
    members = _sheet(workbook, cols.MEMBERS)
    member_letters = _header_cells(members)
    assert members.column_dimensions[member_letters["Số định danh cá nhân"]].number_format == "@"
    assert not members[f"{member_letters['Ngày sinh']}1"].font.color or \
        not members[f"{member_letters['Ngày sinh']}1"].font.color.rgb.endswith("C00000")


def test_drop_downs_for_every_coded_and_yes_no_column(workbook: openpyxl.Workbook) -> None:
    for which in (cols.HOUSEHOLDS, cols.MEMBERS):
        sheet = _sheet(workbook, which)
        letters = _header_cells(sheet)
        by_range = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
        for column in cols.columns(which):
            letter = letters[column.header]
            validation = by_range.get(f"{letter}2:{letter}5001")
            if column.kind not in ("enum", "enum_list", "boolean"):
                assert validation is None, column.name
                continue
            assert validation is not None and validation.type == "list", column.name
            answers = _list_answers(workbook, validation.formula1)
            if column.kind == "boolean":
                assert answers == [cols.YES_LABEL, cols.NO_LABEL]
            elif column.kind == "enum":
                assert answers == [label for _code, label in column.labels]
                assert validation.errorStyle in (None, "stop")
            else:
                assert answers == [label for _code, label in column.labels] + [cols.DEVICE_NONE]
                # Several devices in one cell must stay possible.
                assert validation.errorStyle == "information"


def test_instructions_name_every_column_and_the_formats(workbook: openpyxl.Workbook) -> None:
    text = "\n".join(str(cell.value) for row in workbook[cols.INSTRUCTIONS_TITLE].iter_rows() for cell in row
                     if cell.value is not None)
    for which in (cols.HOUSEHOLDS, cols.MEMBERS):
        for column in cols.columns(which):
            assert column.path in text
    for example in ("15/04/2024", "1.200.000", "25,5", "CSV UTF-8", "Nam", "Nữ", "trước năm 2025"):
        assert example in text
    # The example household's three members are there, on the instructions sheet only.
    assert text.count("HN-0001") == 4


def test_template_reads_back_as_two_sheets_with_every_column(template_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "mau-nhap-ho.xlsx"
    path.write_bytes(template_bytes)
    layout = detect(read_file(path))
    assert layout.kind == "two_sheets"
    assert layout.errors == []
    assert set(layout.households.fields) == {c.name for c in cols.columns(cols.HOUSEHOLDS)}
    assert set(layout.members.fields) == {c.name for c in cols.columns(cols.MEMBERS)}
    assert layout.households.ignored == [] and layout.members.ignored == []
    assert layout.households.raw.frame.height == 0 and layout.members.raw.frame.height == 0
