"""``giamngheo compare``: two standards over the bulk Parquet files, a summary table, the counts written out."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from giamngheo.standards.cli import main

from .builders import deprived_household, household
from .test_bulk import write_bulk


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    near = deprived_household(["housing_quality", "housing_area"], id="B", income=1_000_000, province_code="86",
                              commune_code="86001")
    del near["dwelling"]["waste"]  # only 2027-2030 asks: B cannot be classified under it
    records = [household(id="A", income=5_000_000, province_code="86", commune_code="86001"), near,
               household(id="C", income=5_000_000, area="urban", province_code="86", commune_code="86002"),
               deprived_household(["housing_quality", "housing_area", "latrine"], id="D", province_code="79",
                                  commune_code="26734")]
    households, members = tmp_path / "h.parquet", tmp_path / "m.parquet"
    write_bulk(records, households, members)
    return households, members


def run(files: tuple[Path, Path], *extra: str) -> list[str]:
    return ["compare", "--standard", "2026", "--against", "2027-2030", "--households", str(files[0]),
            "--members", str(files[1]), *extra]


def test_summary_by_province_with_counts_written_as_csv(files, tmp_path, capsys) -> None:
    out = tmp_path / "result.csv"
    assert main(run(files, "--by", "province_code", "--out", str(out), "--lang", "en")) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    lines = printed.out.splitlines()
    assert lines[0].split()[:3] == ["province_code", "area", "households"]
    assert any(line.startswith("79") for line in lines) and any(line.startswith("total") for line in lines)
    assert "only 2027-2030 cannot classify: 1 households" in printed.out
    assert "missing waste: 1" in printed.out
    table = pl.read_csv(out, schema_overrides={"province_code": pl.String})
    rows = {(r["province_code"], r["area"]): r for r in table.to_dicts()}
    assert set(rows) == {("79", "rural"), ("86", "rural"), ("86", "urban")}
    assert rows[("86", "rural")]["households"] == 2
    assert (rows[("86", "rural")]["a_near_poor"], rows[("86", "rural")]["only_b_undetermined"]) == (1, 1)
    assert rows[("79", "rural")]["a_poor"] == rows[("79", "rural")]["b_poor"] == 1


def test_vietnamese_by_default_and_parquet_out_with_transitions(files, tmp_path, capsys) -> None:
    out, transitions = tmp_path / "r.parquet", tmp_path / "t.parquet"
    assert main(run(files, "--out", str(out), "--transitions", str(transitions))) == 0
    printed = capsys.readouterr().out
    assert "số hộ" in printed and "chỉ 2027-2030 không phân loại được: 1 hộ" in printed
    assert pl.read_parquet(out)["households"].sum() == 4
    pairs = pl.read_parquet(transitions)
    assert pairs["households"].sum() == 4
    assert pairs.filter((pl.col("class_a") == "near_poor") & (pl.col("class_b") == "undetermined")).height == 1


def test_errors_are_one_line_and_status_2(files, tmp_path, capsys) -> None:
    assert main(["compare", "--standard", "2099", "--against", "2026", "--households", str(files[0]),
                 "--members", str(files[1])]) == 2
    assert "không có chuẩn nghèo '2099'" in capsys.readouterr().err
    assert main(run((tmp_path / "none.parquet", files[1]))) == 2
    assert "none.parquet" in capsys.readouterr().err
    assert main(run(files, "--by", "income")) == 2  # argparse: not a column to group by
