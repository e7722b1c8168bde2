"""The reconciliation pages through the test client: upload, layout choices, the Excel report, the old-commune
table, the system check of a unit; and their bounds and scope (outside the scope is a 404 like a code that
does not exist)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.stats.models import Rollup
from giamngheo.stats.services import stats_fill
from tests.stats import test_legacy
from tests.stats.test_fill import put
from tests.stats.test_legacy import Legacy

old_units = test_legacy.old_units  # the old tree and crosswalk of the legacy tests, as a fixture here too

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "data" / "poverty_2022_by_region.csv"
URL = "/thong-ke/doi-chieu/"


@pytest.fixture(autouse=True)
def _var_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


@pytest.fixture
def province_officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)


def _upload(client: Any, content: bytes, name: str = "bang.csv", mode: str = "tong") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, content), "mode": mode})


def test_routes_are_these_pages() -> None:
    assert reverse("stats:reconcile") == URL
    assert reverse("stats:reconcile_unit", args=["86"]) == "/thong-ke/86/doi-chieu/"


def test_upload_flags_the_two_published_inconsistencies_and_downloads_them(client_for: Any,
                                                                           province_officer: Any) -> None:
    client = client_for(province_officer)
    response = _upload(client, FIXTURE.read_bytes(), "poverty_2022_by_region.csv")
    assert response.status_code == 302 and response["Location"] == URL
    page = client.get(URL)
    text = page.content.decode()
    assert page.status_code == 200
    assert ("Đồng bằng sông Hồng, Số hộ nghèo: tổng các phần 52.778, số công bố 52.868, chênh lệch −90"
            in text)
    assert "Tây Nguyên, Số hộ nghèo: tổng các phần 137.577, số công bố 137.458, chênh lệch +119" in text
    assert text.count('<tr class="flagged">') == 2 + 2  # the flags table and the rows of the uploaded table

    download = client.get(reverse("stats:reconcile_download"))
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        ("Đồng bằng sông Hồng", "Số hộ nghèo", 52868, 52778, -90), ("Tây Nguyên", "Số hộ nghèo", 137458, 137577, 119)]


def test_layout_choices_are_query_parameters_bounded(client_for: Any, province_officer: Any) -> None:
    client = client_for(province_officer)
    _upload(client, FIXTURE.read_bytes())
    # Only households checked: nothing to flag.
    page = client.get(URL, {"nhan": 1, "so": 3, "cau_truc": "parent", "cot": 2})
    assert page.status_code == 200 and 'id="all-match"' in page.content.decode()
    for bad, message in [({"nhan": 99, "so": 3, "cau_truc": "parent", "cot": 2}, "Cột (nhan)"),
                         ({"nhan": 1, "so": "x", "cau_truc": "parent", "cot": 2}, "Cột số liệu (so)"),
                         ({"nhan": 1, "so": 3, "cau_truc": "tree", "cot": 2}, "Cách xếp dòng (cau_truc)"),
                         ({"nhan": 1, "so": 3, "cau_truc": "level"}, "Thiếu cột (cot)")]:
        response = client.get(URL, bad)
        assert response.status_code == 400, bad
        assert message in response.content.decode()
    assert client.get(reverse("stats:reconcile_download"), {"nhan": 99}).status_code == 400


def test_bad_files_answer_a_sentence_naming_the_row_and_column(client_for: Any, province_officer: Any) -> None:
    client = client_for(province_officer)
    bad = "Đơn vị,Thuộc,Số hộ nghèo\nVùng,,10\nTỉnh A,Vùng,4\nTỉnh B,Vùng,5\n".encode()
    assert _upload(client, bad).status_code == 302
    response = client.get(URL, {"nhan": 0, "so": 2, "cau_truc": "parent", "cot": 1})
    assert response.status_code == 200  # 4 + 5 = 9 ≠ 10: a flag, not an error
    assert "chênh lệch −1" in response.content.decode()
    _upload(client, "Đơn vị,Thuộc,Số hộ nghèo\nVùng,,10\nTỉnh A,Vùng,bốn\n".encode())
    response = client.get(URL, {"nhan": 0, "so": 2, "cau_truc": "parent", "cot": 1})
    assert response.status_code == 422
    assert "Dòng 3, cột “Số hộ nghèo”: “bốn” không phải là số." in response.content.decode()


def test_oversized_or_foreign_files_are_refused_at_upload(client_for: Any, province_officer: Any) -> None:
    client = client_for(province_officer)
    big = _upload(client, b"a,b\n" + b"1,2\n" * (5 * 1024 * 1024 // 4 + 1))
    assert big.status_code == 422 and "Tệp lớn hơn 5 MB" in big.content.decode()
    pdf = _upload(client, b"%PDF-1.4", "bang.pdf")
    assert pdf.status_code == 422 and "Chỉ nhận tệp Excel" in pdf.content.decode()
    wide = ",".join(f"c{i}" for i in range(41)).encode() + b"\n" + b",".join(b"1" for _ in range(41)) + b"\n"
    response = _upload(client, wide)
    assert response.status_code == 422 and "41 cột" in response.content.decode()
    # Nothing is kept from a refused file.
    assert client.get(URL).status_code == 200 and 'id="upload-form"' in client.get(URL).content.decode()


def test_the_upload_belongs_to_the_session_that_made_it(client_for: Any, province_officer: Any,
                                                        make_user: Any, unit_tree: Any) -> None:
    _upload(client_for(province_officer), FIXTURE.read_bytes())
    other = client_for(make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province))
    assert "Tây Nguyên" not in other.get(URL).content.decode()
    assert other.get(reverse("stats:reconcile_download"))["Location"] == URL


def test_who_may_use_the_upload_page(client: Any, client_for: Any, make_user: Any, unit_tree: Any) -> None:
    assert client.get(URL).status_code == 302  # to the sign-in page
    assert client_for(make_user()).get(URL).status_code == 404  # no role anywhere
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)
    assert client_for(surveyor).get(URL).status_code == 200


def test_an_old_commune_table_is_shown_on_the_new_communes(client_for: Any, province_officer: Any,
                                                          old_units: Legacy) -> None:
    client = client_for(province_officer)
    table = "Mã xã,Tên xã cũ,Tổng số hộ,Số hộ nghèo\n28756,Xã Tân Thạch,100,10\n28759,Xã Quới Sơn,50,5\n" \
            "28900,Xã Phong Nẫm,80,0\n12345,Xã Lạ,1,1\n"
    assert _upload(client, table.encode(), mode="don-vi-cu").status_code == 302
    text = client.get(URL).content.decode()
    assert "Xã An Bình" in text and "150" in text and "10,00%" in text  # 15 of 150, recomputed
    assert "28759 Xã Quới Sơn → cộng vào Xã An Bình; một phần thuộc Xã Tân Phú." in text
    assert "Dòng 5: “12345”" in text
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(reverse("stats:reconcile_download")).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("86001", "Xã An Bình", 150, 15, 0.1)


def test_an_old_commune_table_shows_nothing_outside_the_scope(client_for: Any, make_user: Any,
                                                             make_unit_tree: Any, old_units: Legacy) -> None:
    elsewhere = make_unit_tree("87")
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=elsewhere.commune)
    client = client_for(officer)
    _upload(client, "Mã xã,Tổng số hộ,Số hộ nghèo\n28756,100,10\n".encode(), mode="don-vi-cu")
    text = client.get(URL).content.decode()
    assert 'id="converted"' in text and "86001" not in text and "Dòng 2: “28756”" in text


def test_the_system_check_of_a_unit_and_its_old_districts(client_for: Any, province_officer: Any, unit_tree: Any,
                                                          old_units: Legacy, make_household: Any) -> None:
    put(make_household(unit_tree.hamlet, code="A"), 2024, "poor", unit_tree.hamlet)
    put(make_household(old_units.third, code="E"), 2024, "poor", old_units.third)
    stats_fill(province=unit_tree.province, series="national", year=2024)
    client = client_for(province_officer)
    url = reverse("stats:reconcile_unit", args=[unit_tree.province.code])
    text = client.get(url, {"nam": 2024}).content.decode()
    assert 'id="all-match"' in text
    assert "Huyện Châu Thành (Tỉnh Bến Tre)" in text and "Xã Tân Phú" in text  # unplaced, named
    row = Rollup.objects.get(unit=unit_tree.commune, level="commune", year=2024, area="all")
    row.counts = {**row.counts, "households": row.counts["households"] - 2}
    row.save()
    text = client.get(url, {"nam": 2024}).content.decode()
    assert 'id="flags"' in text and "Xã An Bình" in text and "+2" in text
    assert client.get(url, {"nam": "1990"}).status_code == 400
    assert client.get(url, {"chuan": "local-01"}).status_code == 400


def test_the_system_check_is_scoped(client_for: Any, make_user: Any, unit_tree: Any, make_unit_tree: Any) -> None:
    elsewhere = make_unit_tree("87")
    officer = client_for(make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune))
    assert officer.get(reverse("stats:reconcile_unit", args=[unit_tree.commune.code])).status_code == 200
    for code in (unit_tree.province.code, unit_tree.other_commune.code, elsewhere.province.code,
                 elsewhere.commune.code, "99999", "doi-chieu"):
        assert officer.get(reverse("stats:reconcile_unit", args=[code])).status_code == 404, code
