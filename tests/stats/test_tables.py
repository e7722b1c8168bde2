"""The result table against the ledger's own movements table, cell by cell; the household lists; the Excel
and PDF files as an officer opens them; the page's scope and bounds."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Member
from giamngheo.reviews import ledger
from giamngheo.reviews.models import LedgerEntry
from giamngheo.reviews.status import status_spans_refresh
from giamngheo.stats.models import HouseholdCount, Rollup
from giamngheo.stats.services import stats_fill
from giamngheo.stats.tables.household_lists import household_list
from giamngheo.stats.tables.report import province_report_workbook
from giamngheo.stats.tables.result import SUBTOTAL, TOTAL, UNIT, ResultTable, result_table

pytestmark = pytest.mark.django_db

YEAR = 2025
_codes = itertools.count()


def put(household: Any, year: int, klass: str, unit: Any, *, area: str = "rural", em: bool = False) -> None:
    commune = unit if unit.level == "commune" else unit.parent
    LedgerEntry.objects.create(
        household=household, year=year, standard_id="2022-2025", series="national", kind="periodic", klass=klass,
        effective_on=dt.date(year, 12, 1), ethnic_minority=em, area=area, commune=commune, unit_path=unit.path)


def _world(unit_tree: Any, make_household: Callable[..., Any]) -> dict[int, Any]:
    """Every kind of movement between 2024 and 2025, in both areas, on hamlets, on the commune itself and in
    the other commune; a move between hamlets and one between communes."""
    t = unit_tree
    histories: list[tuple[Any, str, list[tuple[int, str, Any]]]] = [
        (t.hamlet, "rural", [(2024, "poor", t.hamlet), (2025, "near_poor", t.hamlet)]),      # escaped
        (t.hamlet, "rural", [(2024, "poor", t.hamlet), (2025, "poor", t.hamlet)]),           # stays
        (t.hamlet, "urban", [(2025, "poor", t.hamlet)]),                                     # newly poor, urban
        (t.hamlet, "rural", [(2024, "near_poor", t.hamlet), (2025, "poor", t.hamlet)]),      # fell
        (t.hamlet2, "rural", [(2023, "poor", t.hamlet2), (2024, "average", t.hamlet2),
                              (2025, "poor", t.hamlet2)]),                                   # re-poor
        (t.hamlet2, "rural", [(2024, "poor", t.hamlet), (2025, "poor", t.hamlet2)]),         # moved hamlets
        (t.hamlet2, "rural", [(2024, "poor", t.hamlet2), (2025, "removed", t.hamlet2)]),     # removed
        (t.commune, "rural", [(2024, "near_poor", t.commune), (2025, "near_poor", t.commune)]),  # on no hamlet
        (t.other_hamlet, "urban", [(2024, "poor", t.hamlet), (2025, "poor", t.other_hamlet)]),  # moved communes
        (t.other_hamlet, "urban", [(2024, "near_poor", t.other_hamlet), (2025, "average", t.other_hamlet)]),
    ]
    made: dict[int, Any] = {}
    for index, (unit, area, history) in enumerate(histories):
        household = make_household(unit, code=f"T{next(_codes)}", head=f"Chủ Hộ Số {index}", area=area)
        Member.objects.filter(household=household).update(citizen_id=f"0010900{index:05d}")
        for year, klass, where in history:
            put(household, year, klass, where, area=area, em=index % 3 == 0)
        made[index] = household
    for _extra in range(3):  # households with no status: denominators only
        make_household(t.hamlet2, code=f"T{next(_codes)}")
    status_spans_refresh([h.pk for h in made.values()])
    for year in (2024, YEAR):
        stats_fill(province=t.province, series="national", year=year)
    return made


def _ledger_rows(unit: Any) -> list[ledger.MovementRow]:
    children = [(c.code, c.name, c.path) for c in unit.children.order_by("code")]
    return ledger.movement_rows(unit_path=unit.path, children=children, unit_code=unit.code, unit_name=unit.name,
                                series="national", year=YEAR)


def _households(unit_path: str, year: int, area: str, *, exact: bool = False) -> int:
    rows = HouseholdCount.objects.filter(year=year, **{"unit_path" if exact else "unit_path__startswith": unit_path})
    return sum(r.households for r in rows if area == "all" or r.area == area)


def _assert_table_equals_ledger(table: ResultTable, unit: Any) -> None:
    rows = _ledger_rows(unit)
    by_code = {row.unit_code: row for row in rows if not row.is_total}
    total = rows[-1]
    assert any(line.kind == UNIT for line in table.lines)
    for line in table.lines:
        row = total if line.kind in (SUBTOTAL, TOTAL) else by_code.get(line.code)
        for klass in ("poor", "near_poor"):
            if row is None:
                # Households on no hamlet, none of them poor or near-poor in the year: a row of households, or
                # of an average-living household whose entry sits on the commune itself (no registry count).
                assert line.code == ""
                expected: dict[str, Any] = {c: 0 for c in (*ledger.POOR_COLUMNS, *ledger.NEAR_POOR_COLUMNS)}
            else:
                block = row.poor if klass == "poor" else row.near_poor
                expected = block if line.area == "all" else block["area"][line.area]
            for move in (*ledger.EXITS[klass], *ledger.ENTRIES[klass], "start", "end", "end_ethnic_minority"):
                assert line.value(klass, move) == expected[move], (line.name, line.area, klass, move)
            # Rates from counts: the start over last year's households, the end over this year's.
            direct = line.kind == UNIT and line.code == ""  # the households on no hamlet
            path = unit.path if line.kind != UNIT or direct else next(
                c.path for c in unit.children.all() if c.code == line.code)
            before = _households(path, YEAR - 1, line.area, exact=direct)
            now = _households(path, YEAR, line.area, exact=direct)
            assert line.households == now
            assert line.start_rate(klass) == (expected["start"] / before if before else None)
            assert line.end_rate(klass) == (expected["end"] / now if now else None)
    # Every unit with a count appears, and the children of each area add up to its subtotal.
    for area in ("urban", "rural"):
        units = [line for line in table.lines if line.kind == UNIT and line.area == area]
        subtotal = next((line for line in table.lines if line.kind == SUBTOTAL and line.area == area), None)
        if subtotal is None:  # no household and no count in this area: no block at all
            assert not units
            continue
        for klass in ("poor", "near_poor"):
            for stock in ("start", "end"):
                assert sum(u.value(klass, stock) for u in units) == subtotal.value(klass, stock)


def test_the_result_table_equals_the_ledger_cell_by_cell(unit_tree: Any, make_household: Any) -> None:
    _world(unit_tree, make_household)
    commune = result_table(unit_tree.commune, year=YEAR, series="national")
    _assert_table_equals_ledger(commune, unit_tree.commune)
    assert [line.kind for line in commune.lines][-1] == TOTAL
    # Urban first, then rural, then the total (the order officers hand it in).
    areas = [line.area for line in commune.lines]
    assert areas.index("urban") < areas.index("rural") < areas.index("all")
    # The households on no hamlet have their own row.
    assert any(line.name == "Hộ chưa gắn thôn/ấp, tổ dân phố" for line in commune.lines)
    province = result_table(unit_tree.province, year=YEAR, series="national")
    _assert_table_equals_ledger(province, unit_tree.province)
    assert province.standard_id == "2022-2025" and province.filled_at is not None


KLASSES = ("poor", "near_poor", "average", "none", "removed")


# ~1 s an example (two years filled for the province): six examples cover the shapes the fixed world does not.
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(histories=st.lists(
    st.lists(st.tuples(st.integers(2023, YEAR), st.sampled_from(KLASSES), st.integers(0, 3), st.booleans()),
             min_size=1, max_size=4),
    min_size=1, max_size=10))
def test_any_history_gives_the_ledgers_table(unit_tree: Any, make_household: Callable[..., Any],
                                             histories: list[list[tuple[int, str, int, bool]]]) -> None:
    LedgerEntry.objects.all().delete()
    Rollup.objects.all().delete()
    HouseholdCount.objects.all().delete()
    units = [unit_tree.hamlet, unit_tree.hamlet2, unit_tree.commune, unit_tree.other_hamlet]
    for history in histories:
        household = make_household(units[history[0][2]], code=f"R{next(_codes)}")
        for year, klass, where, urban in history:
            put(household, year, klass, units[where], area="urban" if urban else "rural", em=urban)
    for year in (YEAR - 1, YEAR):
        stats_fill(province=unit_tree.province, series="national", year=year)
    for unit in (unit_tree.commune, unit_tree.province):
        table = result_table(unit, year=YEAR, series="national")
        if any(line.kind == UNIT for line in table.lines):
            _assert_table_equals_ledger(table, unit)


def test_a_year_without_figures_is_an_empty_table(unit_tree: Any) -> None:
    table = result_table(unit_tree.commune, year=2030, series="national")
    assert table.lines == [] and table.as_of == "Số liệu chưa được tổng hợp."


def test_household_lists_follow_the_counts_and_mask_citizen_ids(unit_tree: Any, make_household: Any,
                                                                make_user: Any) -> None:
    made = _world(unit_tree, make_household)
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    poor = household_list(user=officer, unit=unit_tree.commune, year=YEAR, series="national", slug="ngheo")
    table = result_table(unit_tree.commune, year=YEAR, series="national")
    assert table.total is not None and len(poor.rows) == table.total.value("poor", "end") == 5
    assert {row["code"] for row in poor.rows} == {made[i].code for i in (1, 2, 3, 4, 5)}
    assert poor.rows[0]["citizen_id"].startswith("0010900")
    escaped = household_list(user=officer, unit=unit_tree.commune, year=YEAR, series="national",
                             slug="thoat-ngheo")
    assert [row["code"] for row in escaped.rows] == [made[0].code]
    assert escaped.rows[0]["class"] == "Hộ cận nghèo"
    assert set(escaped.rows[0]) == {"number", "code", "head_name", "citizen_id", "hamlet", "commune", "class"}
    province_officer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    whole = household_list(user=province_officer, unit=unit_tree.province, year=YEAR, series="national",
                           slug="ngheo")
    assert len(whole.rows) == 6 and all(row["citizen_id"].startswith("*") for row in whole.rows)


@pytest.fixture
def world(unit_tree: Any, make_household: Any) -> dict[int, Any]:
    return _world(unit_tree, make_household)


def test_the_page_shows_both_blocks_in_vietnamese_numbers(unit_tree: Any, world: Any, make_user: Any,
                                                          client_for: Any) -> None:
    client = client_for(make_user(Role.COMMUNE_OFFICER, unit_tree.commune))
    response = client.get(f"/thong-ke/{unit_tree.commune.code}/bang/", {"nam": YEAR})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Kết quả rà soát hộ nghèo năm 2025" in text and "Kết quả rà soát hộ cận nghèo năm 2025" in text
    assert "Ấp Bình Minh" in text and "Cộng thành thị" in text and "Tổng cộng" in text
    assert "Số liệu tính đến" in text
    listed = client.get(f"/thong-ke/{unit_tree.commune.code}/bang/", {"nam": YEAR, "bang": "tai-ngheo"})
    assert listed.status_code == 200 and world[4].code in listed.content.decode()


def test_a_province_table_costs_a_bounded_number_of_queries(unit_tree: Any, world: Any, make_user: Any,
                                                            client_for: Any,
                                                            django_assert_max_num_queries: Any) -> None:
    client = client_for(make_user(Role.PROVINCE_OFFICER, unit_tree.province))
    client.get(f"/thong-ke/{unit_tree.province.code}/bang/", {"nam": YEAR})  # URLs and templates loaded once
    with django_assert_max_num_queries(30):
        response = client.get(f"/thong-ke/{unit_tree.province.code}/bang/", {"nam": YEAR})
    assert response.status_code == 200


def test_scope_and_bounds(unit_tree: Any, world: Any, make_user: Any, client_for: Any) -> None:
    client = client_for(make_user(Role.COMMUNE_OFFICER, unit_tree.commune))
    other = unit_tree.other_commune.code
    for url in (f"/thong-ke/{other}/bang/", f"/thong-ke/{other}/bang/tai-ve/", f"/thong-ke/{other}/bao-cao/",
                f"/thong-ke/{unit_tree.province.code}/bang/", "/thong-ke/99999/bang/", "/thong-ke/%3Cx%3E/bang/"):
        assert client.get(url, {"nam": YEAR}).status_code == 404, url
    base = f"/thong-ke/{unit_tree.commune.code}/bang/"
    for params, message in (
            ({"nam": "1999"}, "Năm (nam) phải là số từ 2016 đến 2100."),
            ({"nam": "20x5"}, "Năm (nam) phải là số từ 2016 đến 2100."),
            ({"nam": YEAR, "chuan": "local-01"}, "Chuẩn nghèo (chuan) không hợp lệ"),
            ({"nam": YEAR, "bang": "tat-ca"}, "Bảng (bang) không hợp lệ")):
        response = client.get(base, params)
        assert response.status_code == 400 and message in response.content.decode(), params
    bad_format = client.get(base + "tai-ve/", {"nam": YEAR, "dinh-dang": "docx"})
    assert bad_format.status_code == 400 and "Định dạng tệp (dinh-dang)" in bad_format.content.decode()
    assert not AuditEntry.objects.filter(action="giamngheo.stats.table_exported").exists()


def test_the_excel_file_is_the_officers_layout(unit_tree: Any, world: Any, make_user: Any,
                                               client_for: Any) -> None:
    user = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    response = client_for(user).get(f"/thong-ke/{unit_tree.commune.code}/bang/tai-ve/",
                                    {"nam": YEAR, "dinh-dang": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Hộ nghèo", "Hộ cận nghèo"]
    sheet = book["Hộ nghèo"]
    assert sheet["A1"].value == "KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2025"
    assert "Xã An Bình" in sheet["A2"].value and "Chuẩn nghèo đa chiều" in sheet["A3"].value
    assert sheet["A4"].value.startswith("Số liệu tính đến ")
    assert "D6:E6" in {str(r) for r in sheet.merged_cells.ranges}  # "Đầu năm" over count and rate
    assert sheet["D6"].value == "Đầu năm" and sheet["D7"].value == "Số hộ" and sheet["E7"].value == "Tỷ lệ"
    rows = {sheet.cell(row=r, column=2).value: r for r in range(8, sheet.max_row + 1)}
    total = rows["Tổng cộng"]
    table = result_table(unit_tree.commune, year=YEAR, series="national")
    assert table.total is not None
    assert sheet.cell(row=total, column=3).value == table.total.households
    assert sheet.cell(row=total, column=3).number_format == "#,##0"
    assert sheet.cell(row=total, column=5).value == pytest.approx(table.total.start_rate("poor"))
    assert sheet.cell(row=total, column=5).number_format == "0.00%"
    assert sheet.freeze_panes == "C8"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$6:$7"
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Người lập biểu" in texts and "Thủ trưởng đơn vị" in texts
    entry = AuditEntry.objects.get(action="giamngheo.stats.table_exported")
    assert entry.unit_path == unit_tree.commune.path and entry.data["format"] == "xlsx"


def test_a_formula_typed_as_a_unit_name_stays_text(unit_tree: Any, world: Any) -> None:
    unit_tree.hamlet.name = '=HYPERLINK("http://x","y")'
    unit_tree.hamlet.save(update_fields=["name"])
    from giamngheo.stats.tables.excel import result_workbook

    book = load_workbook(io.BytesIO(result_workbook(result_table(unit_tree.commune, year=YEAR,
                                                                 series="national"))))
    cells = [c for row in book["Hộ nghèo"].iter_rows() for c in row if c.value == unit_tree.hamlet.name]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_pdf_reads_in_vietnamese(unit_tree: Any, world: Any, make_user: Any, client_for: Any,
                                     tmp_path: Any) -> None:
    client = client_for(make_user(Role.COMMUNE_OFFICER, unit_tree.commune))
    response = client.get(f"/thong-ke/{unit_tree.commune.code}/bang/tai-ve/", {"nam": YEAR, "dinh-dang": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "bang.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,  # noqa: S607
                          check=True).stdout
    assert "KẾT QUẢ RÀ SOÁT HỘ NGHÈO NĂM 2025" in text and "Ấp Bình Minh" in text and "Ấp Đồng Tâm" in text
    assert "Người lập biểu" in text and "Thủ trưởng đơn vị" in text and "Trang 1" in text
    table = result_table(unit_tree.commune, year=YEAR, series="national")
    assert table.total is not None
    rate = table.total.end_rate("poor")
    assert rate is not None
    assert f"{rate * 100:.2f}%".replace(".", ",") in text  # e.g. "50,00%", never "50.00%"
    listed = client.get(f"/thong-ke/{unit_tree.commune.code}/bang/tai-ve/",
                        {"nam": YEAR, "dinh-dang": "pdf", "bang": "ngheo"})
    path.write_bytes(listed.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,  # noqa: S607
                          check=True).stdout
    assert "DANH SÁCH HỘ NGHÈO NĂM 2025" in text and "Chủ Hộ Số 1" in text


def test_the_full_report_has_every_figure(unit_tree: Any, world: Any, make_user: Any, client_for: Any) -> None:
    book = load_workbook(io.BytesIO(province_report_workbook(unit_tree.province, YEAR, "national")))
    assert book.sheetnames[:4] == ["Hộ nghèo", "Hộ cận nghèo", "Phân loại hộ nghèo năm 2025",
                                   "Phân loại hộ cận nghèo năm 2025"]
    assert book.sheetnames[4:] == ["Thiếu hụt", "Nguyên nhân nghèo", "Alkire-Foster"]  # no support sheet: no user
    categories = book["Phân loại hộ nghèo năm 2025"]
    total = next(r for r in range(1, categories.max_row + 1) if categories.cell(row=r, column=1).value == "Tổng cộng")
    table = result_table(unit_tree.province, year=YEAR, series="national")
    assert table.total is not None
    assert categories.cell(row=total, column=3).value == table.total.value("poor", "end")
    assert categories.cell(row=total, column=4).number_format == "0.00%"
    # With support records and a target, a reader holding support.view gets figures 8 and 11 too.
    from decimal import Decimal

    from giamngheo.support.models import SupportKind, SupportRecord, Target

    SupportRecord.objects.create(
        household=world[1], unit_path=world[1].unit_path, kind=SupportKind.objects.get(code="health_insurance"),
        given_on=dt.date(YEAR, 3, 1), year=YEAR, provider_type="state_agency", quantity=1)
    Target.objects.create(unit=unit_tree.province, unit_path=unit_tree.province.path, indicator="poverty_rate",
                          standard_id="2022-2025", baseline_year=YEAR - 1, target_year=YEAR, value=Decimal("1"),
                          source_document="Nghị quyết 12/NQ-HĐND")
    response = client_for(make_user(Role.PROVINCE_OFFICER, unit_tree.province)).get(
        f"/thong-ke/{unit_tree.province.code}/bao-cao/", {"nam": YEAR})
    assert response.status_code == 200
    names = load_workbook(io.BytesIO(response.content)).sheetnames
    assert names[0] == "Hộ nghèo" and "Chỉ tiêu" in names and "Kết quả hỗ trợ" in names
    outputs = load_workbook(io.BytesIO(response.content))["Kết quả hỗ trợ"]
    assert any(row[1] == 1 for row in outputs.iter_rows(values_only=True) if row[0] and "thẻ" in str(row[0]).lower())
