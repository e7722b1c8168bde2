"""Fixtures for the unit tree tests: small official-table CSV files built from the packaged list."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from giamngheo.geo.selectors import unit_by_code
from giamngheo.geo.sources import packaged_units

KIND_WORDS = {"xa": "Xã", "phuong": "Phường", "dac_khu": "Đặc khu"}
HEADER = ["Mã tỉnh", "Tên tỉnh", "Mã xã", "Tên xã", "Loại"]


def _packaged_rows(province_code: str) -> list[list[str]]:
    units = packaged_units([province_code])
    province = units.of("2025", "province")[0]
    return [
        [province.code, province.name, c.code, c.name, KIND_WORDS[c.kind]]
        for c in units.of("2025", "commune")
    ]


@pytest.fixture
def coded(db: None) -> Callable[[str], Any]:
    """The current commune with this code (or alias), failing the test when there is none."""

    def find(code: str) -> Any:
        unit = unit_by_code(code)
        assert unit is not None, f"no commune {code}"
        return unit

    return find


@pytest.fixture
def packaged_rows() -> Callable[[str], list[list[str]]]:
    """The packaged current communes of one province as rows of the official table (a fresh copy)."""
    return _packaged_rows


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[list[str]], header: list[str] | None = None, *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
        path = tmp_path / "qd19.csv"
        with path.open("w", newline="", encoding=encoding) as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow(header or HEADER)
            writer.writerows(rows)
        return path

    return write
