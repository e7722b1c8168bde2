"""The official Decision 19/2025 table as CSV: accepted layouts, row errors, nothing lost on bad input."""

from __future__ import annotations

import pytest

from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.geo.loaders import units_load_official_csv, units_load_packaged
from giamngheo.geo.models import AdminUnit

pytestmark = pytest.mark.django_db


def test_a_good_file_builds_the_tree_on_an_empty_database(write_csv, packaged_rows, coded):
    rows = packaged_rows("12")

    report = units_load_official_csv(path=write_csv(rows))

    assert report.created == 1 + len(rows)
    province = AdminUnit.objects.get(level="province", code="12")
    assert (province.name, province.kind, province.path, province.source) == (
        "Tỉnh Lai Châu", "tinh", "/12/", "qd-19-2025")
    ward = coded("03388")
    assert (ward.name, ward.short_name, ward.kind, ward.area_type, ward.parent) == (
        "Phường Đoàn Kết", "Đoàn Kết", "phuong", "urban", province)


def test_headers_without_diacritics_semicolons_bom_and_lost_leading_zeros_are_accepted(write_csv, coded):
    header = ["STT", "Ma tinh", "Ten tinh/thanh pho", "MA XA", "Ten xa", "Loai DVHC"]
    rows = [["1", "1", "Thành phố Hà Nội", "4", "Ba Đình", "Phường"],
            ["2", "1", "Thành phố Hà Nội", "280", "Xã Sóc Sơn", "Xã"]]

    units_load_official_csv(path=write_csv(rows, header, delimiter=";", encoding="utf-8-sig"))

    assert coded("00004").name == "Phường Ba Đình"
    assert coded("00280").kind == "xa"
    assert AdminUnit.objects.get(level="province").code == "01"


def test_bad_rows_are_named_and_nothing_is_written(write_csv, packaged_rows):
    units_load_packaged(province_codes=["12"])
    before = list(AdminUnit.objects.order_by("id").values_list("code", "name", "path"))
    rows = packaged_rows("12")
    rows[0][2] = "12A45"  # line 2
    rows[3][4] = "Huyện"  # line 5
    rows[5][2] = rows[6][2]  # line 7 repeats line 8's code
    rows[9][3] = ""  # line 11

    with pytest.raises(ValidationFailed) as excinfo:
        units_load_official_csv(path=write_csv(rows))

    messages = [m for ms in excinfo.value.errors.values() for m in ms]
    assert "Dòng 2, cột “Mã xã”: mã xã “12A45” không hợp lệ (phải gồm 5 chữ số)." in messages
    assert any(m.startswith("Dòng 5, cột “Loại”: loại đơn vị “Huyện” không hợp lệ") for m in messages)
    assert any(m.startswith("Dòng 8, cột “Mã xã”") and "trùng với dòng 7" in m for m in messages)
    assert "Dòng 11, cột “Tên xã”: thiếu tên xã." in messages
    assert "4 dòng lỗi" in excinfo.value.message
    assert list(AdminUnit.objects.order_by("id").values_list("code", "name", "path")) == before


def test_a_missing_column_is_named(write_csv):
    with pytest.raises(ValidationFailed) as excinfo:
        units_load_official_csv(path=write_csv([["12", "Lai Châu", "Đoàn Kết"]], ["Mã tỉnh", "Tên tỉnh", "Tên xã"]))
    assert excinfo.value.message == "Dòng tiêu đề thiếu cột: Mã xã."


def test_a_file_that_is_not_utf8_gets_a_clear_message(write_csv):
    path = write_csv([["12", "Tỉnh Lai Châu", "03388", "Phường Đoàn Kết", "Phường"]], encoding="utf-16")
    with pytest.raises(ApplicationError) as excinfo:
        units_load_official_csv(path=path)
    assert "UTF-8" in excinfo.value.message
    assert not AdminUnit.objects.exists()


def test_a_partial_file_does_not_retire_the_communes_it_leaves_out(write_csv, packaged_rows):
    units_load_packaged(province_codes=["12"])
    units_load_official_csv(path=write_csv(packaged_rows("12")[:3]))
    assert not AdminUnit.objects.filter(generation="2025", valid_to__isnull=False).exists()

    report = units_load_official_csv(path=write_csv(packaged_rows("12")[:3]), retire_missing=True)
    assert report.retired == len(packaged_rows("12")) - 3
