"""Counts, measures and comparisons made in the same pass as the bulk classification, one batch at a time.

Each figure is checked against the same figure computed directly from the one-batch results (or the JSON path's
evaluation), for several batch sizes and both member layouts: adding batches up must never change a count.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from giamngheo.standards import get_standard
from giamngheo.standards.aggregates import CLASSES, Counts
from giamngheo.standards.alkire_foster import MeasureSums, measures_of_evaluation
from giamngheo.standards.api import evaluate_frames
from giamngheo.standards.cli import main
from giamngheo.standards.frames import records_to_frames
from giamngheo.standards.io_parquet import classify_parquet
from giamngheo.stats.compare import compare, compare_parquet

from .test_bulk_chunks import population, write


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    result = population(60, seed=11)
    for index, record in enumerate(result):
        record["province_code"] = ("79", "86")[index % 2]
        record["commune_code"] = f"{record['province_code']}{index % 5:03d}"
    return result


def _direct_counts(records: list[dict[str, Any]], standard: str, by: list[str]) -> pl.DataFrame:
    """The counts computed straight from the JSON path's evaluation, one frame, no batches."""
    households, members = evaluate_frames(records, get_standard(standard))
    codes = get_standard(standard).indicator_codes
    frame = households.with_columns(
        pl.Series("province_code", [r["province_code"] for r in records]),
        pl.Series("commune_code", [r["commune_code"] for r in records]))
    keys = [*by, "area"]
    persons = pl.col("_n_members").cast(pl.Int64)
    return (frame.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("households"), persons.sum().alias("persons"),
        *[(pl.col("class") == c).sum().cast(pl.Int64).alias(c) for c in CLASSES],
        *[persons.filter(pl.col("class") == c).sum().alias(f"persons_{c}") for c in ("poor", "near_poor")],
        *[pl.col(f"_d_{c}").sum().cast(pl.Int64).alias(f"d_{c}") for c in codes],
        *[pl.col(f"_d_{c}").is_null().sum().cast(pl.Int64).alias(f"u_{c}") for c in codes],
    ).sort(keys, nulls_last=True))


@pytest.mark.parametrize(("standard", "limits", "order"), [
    ("2022-2025", {}, "grouped"),
    ("2022-2025", {"chunk_rows": 7, "one_batch_rows": 0}, "grouped"),
    ("2022-2025", {"chunk_rows": 3, "one_batch_rows": 0}, "grouped"),  # 20 batches: parts summed on the way
    ("2026", {"chunk_rows": 4, "one_batch_rows": 0, "partition_rows": 13}, "shuffled"),
    ("2027-2030", {"chunk_rows": 11, "one_batch_rows": 0}, "grouped"),
])
def test_counts_and_measures_add_up_over_batches(records, tmp_path: Path, standard: str, limits: dict[str, int],
                                                 order: str) -> None:
    households, members = write(records, tmp_path, members_order=order)
    counts = Counts(get_standard(standard), ("province_code", "commune_code"))
    measures = MeasureSums(get_standard(standard), by="province_code")
    persons = MeasureSums(get_standard(standard), unit="person", by="sex")
    out = tmp_path / "out.parquet"
    report = classify_parquet(households, members, out, get_standard(standard), counts=counts, measures=measures,
                              **limits)
    assert report.households == len(records)
    assert counts.frame().equals(_direct_counts(records, standard, ["province_code", "commune_code"]))
    frames = evaluate_frames(records, get_standard(standard))
    expected = measures_of_evaluation(*frames, get_standard(standard), by="province_code")
    _assert_close(measures.result(), expected)
    # Measures alone (giamngheo mpi's bulk form): no results file, a member field to group persons by.
    classify_parquet(households, members, None, get_standard(standard), measures=persons, **limits)
    _assert_close(persons.result(), measures_of_evaluation(*frames, get_standard(standard), unit="person", by="sex"))


def _assert_close(actual: Any, expected: Any) -> None:
    """Equal, floats to 1e-12 (sums of weights add up in another order batch by batch)."""
    if isinstance(expected, dict):
        assert set(actual) == set(expected)
        for key in expected:
            _assert_close(actual[key], expected[key])
    elif isinstance(expected, float):
        assert math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)
    else:
        assert actual == expected


@pytest.mark.parametrize("limits", [{"chunk_rows": 6, "one_batch_rows": 0}, {"chunk_rows": 3, "one_batch_rows": 0},
                                    {"partition_rows": 17}])
def test_comparison_adds_up_over_batches(records, tmp_path: Path, limits: dict[str, int]) -> None:
    order = "grouped" if "chunk_rows" in limits else "shuffled"
    households, members = write(records, tmp_path, members_order=order)
    a, b = get_standard("2026"), get_standard("2027-2030")
    streamed, invalid = compare_parquet(households, members, a, b, by="province_code", **limits)
    frame_h, frame_m = records_to_frames(records)
    frame_h = frame_h.with_columns(pl.Series("province_code", [r["province_code"] for r in records]))
    whole = compare(frame_h, frame_m, a, b, by="province_code", aligned=True)
    assert invalid == []
    assert streamed.summary().equals(whole.summary())
    assert streamed.matrix().equals(whole.matrix())
    assert streamed.reason_counts().equals(whole.reason_counts())


def test_command_line_writes_counts_and_measures_in_the_same_run(records, tmp_path: Path, capsys) -> None:
    households, members = write(records, tmp_path)
    out, counts, mpi = tmp_path / "r.parquet", tmp_path / "c.csv", tmp_path / "mpi.json"
    assert main(["classify", "--standard", "2022-2025", "--households", str(households), "--members",
                 str(members), "--out", str(out), "--counts", str(counts), "--by", "province_code",
                 "--mpi", str(mpi)]) == 0
    table = pl.read_csv(counts, schema_overrides={"province_code": pl.String})
    assert table["households"].sum() == len(records) == pl.read_parquet(out).height
    assert table.columns[:3] == ["province_code", "area", "households"]
    frames = evaluate_frames(records, get_standard("2022-2025"))
    _assert_close(json.loads(mpi.read_text()), measures_of_evaluation(*frames, get_standard("2022-2025")))
    assert main(["mpi", "--standard", "2022-2025", "--households", str(households), "--members",
                 str(members), "--by", "province_code"]) == 0
    printed = json.loads(capsys.readouterr().out)
    _assert_close(printed, measures_of_evaluation(*frames, get_standard("2022-2025"), by="province_code"))


def test_command_line_refuses_a_bad_grouping(records, tmp_path: Path, capsys) -> None:
    households, members = write(records, tmp_path)
    base = ["classify", "--standard", "2022-2025", "--households", str(households), "--members", str(members),
            "--out", str(tmp_path / "r.parquet")]
    assert main([*base, "--counts", str(tmp_path / "c.csv"), "--by", "name"]) == 2
    assert "--by chỉ nhận province_code, commune_code, hamlet" in capsys.readouterr().err
    assert main([*base, "--by", "province_code"]) == 2
    assert "--by đi cùng --counts" in capsys.readouterr().err


def test_progress_line_on_stderr_for_a_long_run(records, tmp_path: Path, capsys, monkeypatch) -> None:
    from giamngheo.standards import cli

    monkeypatch.setattr(cli._Progress, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(cli._Progress, "EVERY_SECONDS", 0.0)
    households, members = write(records, tmp_path)
    assert main(["classify", "--standard", "2022-2025", "--households", str(households), "--members",
                 str(members), "--out", str(tmp_path / "r.parquet")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err and all(line.startswith("giamngheo: đã xử lý ") for line in err)
    assert err[-1].startswith(f"giamngheo: đã xử lý {len(records)}/{len(records)} hộ (100%)")
