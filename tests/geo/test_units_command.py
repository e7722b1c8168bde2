"""``giamngheo units load`` and ``giamngheo units check`` as an operator runs them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from giamngheo.geo.check import DisagreementKind, units_check
from giamngheo.geo.models import AdminUnit

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("units", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_prints_counts_in_vietnamese_and_a_rerun_says_nothing_changed():
    out, _err = _run("load", "--province", "12")
    assert "Tạo mới: 154" in out
    assert "Bảng chuyển đổi cũ → mới: 106 liên kết mới, 0 cập nhật" in out

    out, _err = _run("load", "--province", "12")
    assert "Tạo mới: 0" in out
    assert "Danh mục đã đầy đủ, không có gì thay đổi." in out


def test_load_refuses_an_unknown_province_with_exit_code_2():
    with pytest.raises(CommandError) as excinfo:
        _run("load", "--province", "99")
    assert excinfo.value.returncode == 2
    assert "Không có tỉnh/thành phố mã 99" in str(excinfo.value)


def test_load_of_a_bad_csv_lists_each_bad_row_and_exits_2(write_csv, packaged_rows):
    rows = packaged_rows("12")
    rows[1][0] = "XX"
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("units", "load", "--csv", str(write_csv(rows)), stdout=StringIO(), stderr=err)
    assert excinfo.value.returncode == 2
    assert "Dòng 3, cột “Mã tỉnh”: mã tỉnh “XX” không hợp lệ (phải gồm 2 chữ số)." in err.getvalue()
    assert not AdminUnit.objects.exists()


def test_check_lists_every_disagreement_between_the_packaged_list_and_the_official_table(write_csv, packaged_rows):
    rows = packaged_rows("12")
    rows[0][2] = "03999"  # Phường Đoàn Kết under another code
    rows[1][3] = "Xã Bình Lư Mới"  # 03390 under another name
    removed = rows.pop(2)  # Xã Sin Suối Hồ missing from the table
    rows.append(["12", "Tỉnh Lai Châu", "03998", "Xã Chưa Có", "Xã"])

    found = units_check(csv_path=write_csv(rows))

    kinds = {(d.kind, d.packaged_code or d.other_code) for d in found}
    assert kinds == {
        (DisagreementKind.CODE_DIFFERS, "03388"),
        (DisagreementKind.NAME_DIFFERS, "03390"),
        (DisagreementKind.MISSING_IN_OTHER, removed[2]),
        (DisagreementKind.MISSING_IN_PACKAGED, "03998"),
    }

    out = StringIO()
    with pytest.raises(SystemExit) as excinfo:
        call_command("units", "check", "--csv", str(write_csv(rows)), stdout=out)
    assert excinfo.value.code == 1
    text = out.getvalue()
    assert "“Phường Đoàn Kết” có mã 03388 trong dữ liệu đóng gói nhưng mã 03999 trong tệp" in text
    assert "mã 03390 là “Xã Bình Lư” trong dữ liệu đóng gói nhưng là “Xã Bình Lư Mới”" in text
    assert "“Xã Chưa Có” (mã 03998) có trong tệp" in text and "(dòng " in text
    assert "Tổng cộng 4 khác biệt." in text


def test_check_of_an_agreeing_table_reports_no_difference(write_csv, packaged_rows):
    out, _err = _run("check", "--csv", str(write_csv(packaged_rows("12"))))
    assert "Không có khác biệt giữa dữ liệu đóng gói và tệp" in out


def test_check_without_a_file_compares_the_database_with_the_packaged_list(write_csv, packaged_rows):
    _run("load", "--province", "12")
    assert units_check() == []
    rows = [[*r[:2], "03999" if r[2] == "03388" else r[2], *r[3:]] for r in packaged_rows("12")]
    _run("load", "--csv", str(write_csv(rows)))

    found = units_check()
    assert [(d.kind, d.packaged_code, d.other_code) for d in found] == [
        (DisagreementKind.CODE_DIFFERS, "03388", "03999")]
