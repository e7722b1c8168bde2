"""Fixtures of the import tests: a small valid workbook in both layouts, written with openpyxl."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

HOUSEHOLD_HEADERS = ["Mã hộ", "Ngày rà soát", "Khu vực", "Mã xã/phường", "Thôn/ấp", "Thu nhập bình quân (đồng/người/tháng)",
                     "Diện tích nhà ở (m²)", "Nguồn nước sinh hoạt", "Nhà tiêu", "Phương tiện tiếp cận thông tin",
                     "Tường bền chắc"]
MEMBER_HEADERS = ["Mã hộ", "Họ và tên", "Quan hệ với chủ hộ", "Giới tính", "Ngày sinh", "Số định danh cá nhân",
                  "Dân tộc", "Có thẻ bảo hiểm y tế"]


def household_rows(commune_code: str, count: int, *, start: int = 1) -> tuple[list[list[Any]], list[list[Any]]]:
    households, members = [], []
    for n in range(start, start + count):
        code = f"{commune_code}-T{n:05d}"
        households.append([code, "15/10/2025", "Nông thôn", commune_code, "Ấp Bình Minh" if n % 2 else "Ấp Đồng Tâm",
                           f"{1_000_000 + 10_000 * n:,}".replace(",", "."), "25,5", "Nước máy", "Tự hoại",
                           "Ti vi, Điện thoại di động" if n % 3 else "Không có", "Có" if n % 2 else ""])
        members.append([code, f"Nguyễn Văn {n}", "Chủ hộ", "Nam", "01/02/1970", f"0860700{n:05d}", "Kinh", "x"])
        members.append([code, f"Trần Thị {n}", "Vợ/chồng", "Nữ", dt.date(1975, 3, 4), f"0861750{n:05d}", "kinh", "Không"])
        members.append([code, f"Nguyễn Văn Bé {n}", "Con", "nam", "15/06/2010", "", "Kinh", "Có"])
    return households, members


def run_import(path: Path, actor: Any, *, commit: bool = True, on_change: str = "update") -> Any:
    """A household file through the stages as the command line takes it: upload, validate, and (when it is valid
    and ``commit``) commit in this process."""
    from giamngheo.imports import services
    from giamngheo.imports.models import ImportKind, ImportStatus

    with path.open("rb") as handle:
        job = services.import_upload(actor=actor, kind=ImportKind.HOUSEHOLDS, file_name=path.name, content=handle,
                                     on_change=on_change)
    job = services.run_validation(job)
    if commit and job.status == ImportStatus.READY:
        job = services.run_commit(services.start_commit(actor=actor, job=job, enqueue=False))
    return job


@pytest.fixture
def write_workbook(tmp_path: Path) -> Callable[..., Path]:
    def write(households: list[list[Any]], members: list[list[Any]], *, name: str = "ho.xlsx",
              household_headers: list[str] | None = None, member_headers: list[str] | None = None) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Hộ gia đình"
        sheet.append(household_headers or HOUSEHOLD_HEADERS)
        for row in households:
            sheet.append(row)
        other = book.create_sheet("Thành viên")
        other.append(member_headers or MEMBER_HEADERS)
        for row in members:
            other.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    return write
