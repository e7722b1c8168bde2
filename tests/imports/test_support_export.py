"""Support records exported in the import's columns (issue 8, point 6): scope, masked IDs, formula-safe cells,
and the round trip (an exported list imported again writes nothing)."""

from __future__ import annotations

import csv
import io
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Member
from giamngheo.imports import services
from giamngheo.imports.models import ImportStatus
from giamngheo.imports.read import read_file
from giamngheo.imports.support import COLUMNS, _layout
from giamngheo.imports.support_export import SupportExportFilter, export_support
from giamngheo.imports.template import kind_template
from giamngheo.support.models import SupportRecord
from tests.imports.test_support_import import (  # noqa: F401  (fixtures)
    VALID,
    catalogue,
    households,
    officer,
    row,
    run,
    write_list,
)
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)

HEADERS = [c.header for c in COLUMNS]


@pytest.fixture
def stored(officer: Any, households: dict[str, Any], write_list: Any) -> Any:  # noqa: F811
    """The valid list, committed; plus a record whose text would be a formula in a spreadsheet, and one of
    another commune's household (entered by that commune's officer)."""
    rows = [*VALID, row("H2", kind="gift", on="02/02/2025", provider="Mặt trận", amount="500.000")]
    job = run(write_list(rows), officer)
    assert job.status == ImportStatus.COMMITTED, services.read_errors(job)
    # As the single-record form could store it (a workbook cell starting "=" would be a formula, not text).
    SupportRecord.objects.filter(kind__code="gift").update(description="=HYPERLINK(\"http://x\")", note="+84 máy")
    return job


@pytest.fixture
def other_officer(unit_tree: Any, make_user: Any, households: dict[str, Any], write_list: Any) -> Any:  # noqa: F811
    user = make_user("commune_officer", unit_tree.other_commune)
    job = run(write_list([row("OUT", kind="gift", on="03/02/2025", provider="Mặt trận", amount="700.000",
                              note="bí mật xã B")], name="b.xlsx"), user)
    assert job.status == ImportStatus.COMMITTED, services.read_errors(job)
    return user


def export_to(path: Path, actor: Any, **filters: Any) -> Any:
    with path.open("wb") as handle:
        return export_support(actor=actor, filters=SupportExportFilter(**filters),
                              file_format="csv" if path.suffix == ".csv" else "xlsx", out=handle)


@pytest.mark.django_db(transaction=True)
def test_an_exported_list_imported_again_finds_every_row_a_duplicate(
        tmp_path: Path, officer: Any, stored: Any, other_officer: Any) -> None:  # noqa: F811
    path = tmp_path / "xuat.xlsx"
    counts = export_to(path, officer)
    assert (counts.records, counts.households, counts.masked) == (5, 2, 0)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == HEADERS
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 5 and all(r[0] in ("H1", "H2") for r in rows)  # not the other commune's household
    loan = next(r for r in rows if r[4] == "Vay vốn tín dụng ưu đãi")
    assert loan[6] == "Ngân hàng Chính sách xã hội" and loan[10] == 50_000_000 and loan[8] == "Cho vay hộ nghèo"
    card = next(r for r in rows if r[0] == "H2" and r[4] == "Cấp thẻ bảo hiểm y tế")
    assert card[2] == "086090000002" and card[9] == "Trần Thị Bình"  # the officer sees IDs; the member by name
    # A formula typed as text stays text.
    gift = next(c for c in sheet.iter_rows(min_row=2) if c[4].value == "Quà tặng (Tết, thiên tai…)")
    assert gift[12].value == "=HYPERLINK(\"http://x\")" and gift[12].data_type == "s" and gift[12].quotePrefix
    assert AuditEntry.objects.filter(action="giamngheo.support.records_exported", actor=officer).count() == 1

    # A member who received a card has left the household since: the stored record is not wrong for that.
    Member.objects.filter(household__code="H1", member_id="2").delete()
    again = run(path, officer)
    assert again.status == ImportStatus.COMMITTED, services.read_errors(again)
    assert again.summary["entries"] == {"new": 0, "changed": 0, "unchanged": 5, "invalid": 0}
    assert again.result["support_records"] == 0
    assert SupportRecord.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_csv_export_masks_ids_for_a_role_that_may_not_see_them_and_still_round_trips(
        tmp_path: Path, unit_tree: Any, make_user: Any, stored: Any, other_officer: Any) -> None:
    province = make_user("province_officer", unit_tree.province)
    path = tmp_path / "xuat.csv"
    counts = export_to(path, province)
    assert counts.records == 6 and counts.masked >= 1
    text = path.read_bytes().decode("utf-8-sig")
    assert "086090000002" not in text and "*********002" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == HEADERS
    assert any(r[12] == "'=HYPERLINK(\"http://x\")" for r in rows[1:]) and any(r[16] == "'+84 máy" for r in rows[1:])
    assert any(r[3] == "15/03/2025" or r[5] == "15/03/2025" for r in rows[1:])
    # Narrowed to commune A and the year: the other commune's record is left out.
    assert export_to(tmp_path / "a.csv", province, unit_path=unit_tree.commune.path, year=2025).records == 5
    assert export_to(tmp_path / "none.csv", province, year=2024).records == 0

    again = run(path, province)
    assert again.status == ImportStatus.COMMITTED, services.read_errors(again)
    assert again.summary["entries"]["unchanged"] == 6 and again.summary["entries"]["new"] == 0


@pytest.mark.django_db
def test_the_page_exports_within_scope_and_refuses_what_it_should(
        client_for: Any, make_user: Any, officer: Any, other_officer: Any) -> None:  # noqa: F811
    response = client_for(officer).get("/nhap-du-lieu/xuat-ho-tro/?format=xlsx&year=99999&unit=abc&kind=x"
                                       "&programme=123456789012&provider_type=%3Cb%3E")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="ho-tro-')
    assert b"".join(response.streaming_content)  # type: ignore[attr-defined]
    # The other commune's officer gets their own list only, whatever unit they name.
    response = client_for(other_officer).get(f"/nhap-du-lieu/xuat-ho-tro/?format=csv&unit={officer.pk}")
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "bí mật xã B" in body and "H1" not in body
    assert client_for(officer).get("/nhap-du-lieu/xuat-ho-tro/?format=pdf").status_code == 404
    assert client_for(make_user()).get("/nhap-du-lieu/xuat-ho-tro/").status_code == 404


@pytest.mark.django_db
def test_the_command_line_exports_support(tmp_path: Path, officer: Any, stored: Any) -> None:  # noqa: F811
    out = tmp_path / "ho-tro.xlsx"
    stdout = StringIO()
    call_command("export", "support", "--user", officer.username, "--year", "2025", str(out), stdout=stdout)
    assert "Đã xuất 5 hỗ trợ của 2 hộ" in stdout.getvalue()
    assert openpyxl.load_workbook(out).active.max_row == 6  # type: ignore[union-attr]
    with pytest.raises(SystemExit):
        call_command("export", "support", "--user", officer.username, "--year", "1999", str(out))


@pytest.mark.django_db
def test_the_template_has_the_import_columns_and_is_read_back_without_a_missing_column(tmp_path: Path) -> None:
    content, name = kind_template("support")
    assert name == "mau-nhap-ho-tro.xlsx"
    path = tmp_path / name
    path.write_bytes(content)
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    assert "Vay vốn tín dụng ưu đãi" in {c.value for c in book["Hướng dẫn"]["A"]}
    _raw, _fields, ignored, problems = _layout(read_file(path))
    assert problems == [] and ignored == []
