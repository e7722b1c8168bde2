"""The reconciliation check: pure (rows in, flags out), on the published 2022 regional table in its three
layouts (parent column, level column, indentation), on bad files, and on the system's own rollups."""

from __future__ import annotations

import csv
import doctest
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from giamngheo.stats import published
from giamngheo.stats import reconcile as reconcile_module
from giamngheo.stats.models import Rollup
from giamngheo.stats.published import (
    MAX_COLUMNS,
    MAX_ROWS,
    TableError,
    checked_columns,
    detect_layout,
    parse_number,
    read_table,
    table_rows,
)
from giamngheo.stats.reconcile import Row, reconcile, reconcile_rollups
from giamngheo.stats.services import stats_fill
from tests.stats.test_fill import put

FIXTURE = Path(__file__).parent / "data" / "poverty_2022_by_region.csv"
PUBLISHED_FLAGS = [("Đồng bằng sông Hồng", "Số hộ nghèo", -90), ("Tây Nguyên", "Số hộ nghèo", 119)]


def _flags(path: Path) -> list[tuple[str, str, Any]]:
    table = read_table(path)
    layout = detect_layout(table)
    return [(f.row.label.strip(), f.column, f.difference)
            for f in reconcile(table_rows(table, layout), checked_columns(table, layout))]


def _fixture_rows() -> list[list[str]]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


# -- pure ---------------------------------------------------------------------------------------------------

def test_each_total_is_checked_against_its_own_parts_column_by_column() -> None:
    rows = [
        Row(0, "Cả nước", None, {"a": 10, "b": 5}),
        Row(1, "Vùng 1", 0, {"a": 6, "b": 2}),
        Row(2, "Tỉnh 1", 1, {"a": 3, "b": 2}),
        Row(3, "Tỉnh 2", 1, {"a": 2, "b": None}),  # an empty part counts as 0
        Row(4, "Vùng 2", 0, {"a": 4, "b": 3}),
        Row(5, "Tỉnh 3", 4, {"a": 4, "b": 3}),
        Row(6, "Vùng 3", None, {"a": None, "b": 1}),  # an empty total is not checked
        Row(7, "Tỉnh 4", 6, {"a": 7, "b": 1}),
    ]
    flags = reconcile(rows, ["a", "b"])
    assert [(f.row.label, f.column, f.stated, f.parts_sum, f.difference, f.parts) for f in flags] == [
        ("Vùng 1", "a", 6, 5, -1, 2)]
    assert reconcile(rows, ["a", "b"], tolerance=1) == []


def test_decimal_sums_do_not_flag_binary_noise() -> None:
    rows = [Row(0, "T", None, {"x": 3.3}), Row(1, "A", 0, {"x": 1.1}), Row(2, "B", 0, {"x": 2.2})]
    assert reconcile(rows, ["x"]) == []


@pytest.mark.parametrize(("text", "value"), [
    ("1.057.374", 1057374), ("1,057,374", 1057374), ("12.345", 12345), ("4,03", 4.03), ("4.03", 4.03),
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), (" 915 274 ", 915274), ("0", 0), ("−90", -90), ("-90", -90),
    ("(119)", -119), ("-", None), ("", None), (None, None), ("–", None),
])
def test_numbers_are_read_the_vietnamese_way(text: str | None, value: Any) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "12a", "1.2.3", "1,23,4", "=SUM(A1)", "--5", "1e5", "²", "١٢"])
def test_what_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="."):
        parse_number(text)


def test_the_examples_in_the_docstrings_hold() -> None:
    for module in (published, reconcile_module):
        assert doctest.testmod(module).failed == 0, module


# -- the published 2022 regional table ----------------------------------------------------------------------

def test_published_2022_table_flags_exactly_the_red_river_delta_and_the_central_highlands() -> None:
    table = read_table(FIXTURE)
    layout = detect_layout(table)
    # Counts only: the rate columns are never summed, the STT and "Thuộc" columns are not figures.
    assert checked_columns(table, layout) == ["Tổng số hộ", "Số hộ nghèo", "Số hộ cận nghèo"]
    assert (layout.structure, table.headers[layout.label]) == ("parent", "Đơn vị")
    rows = table_rows(table, layout)
    flags = reconcile(rows, checked_columns(table, layout))
    assert [(f.row.label, f.column, f.difference) for f in flags] == PUBLISHED_FLAGS
    red_river = flags[0]
    assert (red_river.stated, red_river.parts_sum, red_river.parts, red_river.row.sheet_row) == (52868, 52778, 11, 18)
    # The national row is checked against the six regions (a grand total named so), and holds.
    national = rows[0]
    assert national.label == "Cả nước" and national.values["Số hộ nghèo"] == 1_057_374
    assert sum(1 for r in rows if r.parent == national.index) == 6


def test_same_table_as_excel_with_a_level_column(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BẢNG 1. HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2022"])  # a title above the header, as published
    sheet.append(["Cấp", "Tên đơn vị", "Tổng số hộ", "Số hộ nghèo", "Tỷ lệ hộ nghèo (%)", "Số hộ cận nghèo"])
    for _stt, name, parent, households, poor, rate, near, _near_rate in _fixture_rows()[1:]:
        level = 1 if name == "Cả nước" else (3 if parent else 2)
        sheet.append([level, name, parse_number(households), parse_number(poor), parse_number(rate),
                      parse_number(near)])
    book.save(tmp_path / "bang.xlsx")
    table = read_table(tmp_path / "bang.xlsx")
    assert detect_layout(table).structure == "level"
    assert _flags(tmp_path / "bang.xlsx") == PUBLISHED_FLAGS


def test_same_table_with_indented_names_and_a_total_row(tmp_path: Path) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Đơn vị", "Số hộ", "Số hộ nghèo", "Số hộ cận nghèo"])
    for _stt, name, parent, households, poor, _rate, near, _near_rate in _fixture_rows()[2:]:
        writer.writerow([("    " if parent else "") + name, households, poor, near])
    national = _fixture_rows()[1]
    writer.writerow(["Cả nước", national[3], national[4], national[6]])  # the total row at the bottom
    (tmp_path / "bang.csv").write_text(out.getvalue(), encoding="utf-8-sig")
    assert _flags(tmp_path / "bang.csv") == PUBLISHED_FLAGS


# -- bad files ----------------------------------------------------------------------------------------------

def _write(tmp_path: Path, rows: list[list[Any]], name: str = "bang.csv") -> Path:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_cell_that_is_not_a_number_is_named_by_row_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, [["Đơn vị", "Thuộc", "Số hộ nghèo"], ["Vùng", "", "10"], ["Tỉnh A", "Vùng", "4"],
                             ["Tỉnh B", "Vùng", "năm"]])
    table = read_table(path)
    layout = detect_layout(table)
    layout.numbers = [2]  # the officer ticked the column; detection had left it out as not all numbers
    with pytest.raises(TableError) as caught:
        table_rows(table, layout)
    assert caught.value.messages == ["Dòng 4, cột “Số hộ nghèo”: “năm” không phải là số."]


def test_a_parent_that_names_no_row_above_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, [["Đơn vị", "Thuộc", "Số hộ nghèo"], ["Vùng", "", "10"], ["Tỉnh A", "Vung X", "4"]])
    table = read_table(path)
    with pytest.raises(TableError) as caught:
        table_rows(table, detect_layout(table))
    assert caught.value.messages == ["Dòng 3, cột “Thuộc”: không tìm thấy dòng “Vung X” ở phía trên."]


def test_too_many_rows_or_columns_are_refused(tmp_path: Path) -> None:
    wide = _write(tmp_path, [[f"Cột {i}" for i in range(MAX_COLUMNS + 1)], list(range(MAX_COLUMNS + 1))], "rong.csv")
    with pytest.raises(TableError, match="41 cột, nhiều hơn mức cho phép là 40 cột"):
        read_table(wide)
    long = _write(tmp_path, [["Đơn vị", "Số hộ"], *([f"Xã {i}", "1"] for i in range(MAX_ROWS + 1))], "dai.csv")
    with pytest.raises(TableError, match="20001 dòng, nhiều hơn mức cho phép là 20000 dòng"):
        read_table(long)


def test_other_files_are_refused_with_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "bang.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(TableError, match="Chỉ nhận tệp Excel"):
        read_table(tmp_path / "bang.pdf")
    (tmp_path / "hong.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(TableError, match="Không đọc được tệp Excel"):
        read_table(tmp_path / "hong.xlsx")


# -- the system's own rollups -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_correct_fill_reconciles_and_a_corrupted_rollup_is_flagged(unit_tree: Any, make_household: Any) -> None:
    for code, unit, klass, area in [("A", unit_tree.hamlet, "poor", "rural"), ("B", unit_tree.hamlet2, "near_poor",
                                    "rural"), ("C", unit_tree.commune, "poor", "rural"),
                                    ("D", unit_tree.other_hamlet, "poor", "urban")]:
        household = make_household(unit, code=code)
        put(household, 2025, "near_poor", unit, area=area)
        put(household, 2026, klass, unit, area=area)
    stats_fill(province=unit_tree.province, series="national", year=2026)
    assert reconcile_rollups(unit_tree.province, year=2026) == []
    assert reconcile_rollups(unit_tree.commune, year=2026) == []

    row = Rollup.objects.get(unit=unit_tree.hamlet, level="hamlet", year=2026, area="all")
    row.counts = {**row.counts, "poor.end": row.counts["poor.end"] + 3, "poor.escaped": 50}
    row.save()
    flags = reconcile_rollups(unit_tree.province, year=2026)
    # The commune no longer equals its hamlets plus its direct row; movements (escaped) are not compared.
    assert [(f.unit_name, f.area, f.flag.column, f.flag.difference, f.parts_level) for f in flags] == [
        ("Xã An Bình", "all", "poor.end", 3, "hamlet")]
    assert [f.unit_name for f in reconcile_rollups(unit_tree.commune, year=2026)] == ["Xã An Bình"]
    assert reconcile_rollups(unit_tree.other_commune, year=2026) == []
