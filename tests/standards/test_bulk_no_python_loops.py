"""The bulk path never calls Python per household: its Python work depends on the number of batches only.

Two files, 20,000 and 200,000 households, are classified in the same number of batches (with the per-unit counts
and the measures made in the same pass) while a profiler counts every Python function call, in every thread. A
loop over rows anywhere — reading, cleaning, keying, classifying, the workers' lists, counting, writing — would
add at least 180,000 calls to the larger run; the two counts must instead be practically equal.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import polars as pl

from giamngheo.standards import get_standard
from giamngheo.standards.aggregates import Counts
from giamngheo.standards.alkire_foster import MeasureSums
from giamngheo.standards.io_parquet import classify_parquet

BATCHES = 4


def _files(directory: Path, households: int) -> tuple[Path, Path]:
    """Valid households of 1 to 4 members built column-wise (no Python loop per row here either)."""
    index = pl.int_range(households, eager=True)
    frame = pl.DataFrame({"i": index}).select(
        pl.format("H{}", pl.col("i")).alias("id"),
        (pl.date(2025, 9, 1) + pl.duration(days=pl.col("i") % 90)).alias("reference_date"),
        pl.when(pl.col("i") % 3 == 0).then(pl.lit("urban")).otherwise(pl.lit("rural")).alias("area"),
        pl.format("{}", 26000 + pl.col("i") % 50).alias("commune_code"),
        pl.lit("79").alias("province_code"),
        ((pl.col("i") * 7919) % 5_000_000).alias("income"),
        ((pl.col("i") % 80) + 5.0).alias("floor_area_m2"),
        (pl.col("i") % 10 != 0).alias("walls_durable"), (pl.col("i") % 11 != 0).alias("frame_durable"),
        (pl.col("i") % 12 != 0).alias("roof_durable"),
        pl.when(pl.col("i") % 9 == 0).then(pl.lit("surface")).otherwise(pl.lit("piped")).alias("water_source"),
        pl.when(pl.col("i") % 8 == 0).then(pl.lit("none")).otherwise(pl.lit("septic")).alias("latrine"),
        pl.when(pl.col("i") % 7 == 0).then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.lit(["tv", "mobile_phone"])).alias("information_devices"),
        (pl.col("i") % 4 + 1).alias("_size"),
    )
    members = frame.select("id", "reference_date", "_size").with_columns(
        pl.int_ranges(0, pl.col("_size")).alias("_n")).explode("_n").select(
        pl.col("id").alias("household_id"), pl.format("M{}", pl.col("_n")).alias("id"),
        pl.when(pl.col("_n") == 0).then(pl.lit("head")).otherwise(pl.lit("child")).alias("relation"),
        pl.when(pl.col("_n") % 2 == 0).then(pl.lit("male")).otherwise(pl.lit("female")).alias("sex"),
        (pl.col("reference_date") - pl.duration(days=400 + pl.col("_n") * 3000)).alias("birth_date"),
        pl.lit("self_employed").alias("employment"), (pl.col("_n") != 1).alias("health_insured"),
        pl.lit("upper_secondary").alias("education_completed"), pl.lit(False).alias("in_education"),
        pl.lit(True).alias("uses_internet"), pl.lit("none").alias("disability"),
        pl.lit(False).alias("monthly_social_allowance"))
    h_path, m_path = directory / f"h-{households}.parquet", directory / f"m-{households}.parquet"
    frame.drop("_size").write_parquet(h_path, row_group_size=households // BATCHES)
    members.write_parquet(m_path)
    return h_path, m_path


def _run(directory: Path, h_path: Path, m_path: Path, households: int) -> None:
    standard = get_standard("2022-2025")
    report = classify_parquet(h_path, m_path, directory / f"out-{households}.parquet", standard,
                              counts=Counts(standard, ("commune_code",)), measures=MeasureSums(standard),
                              chunk_rows=households // BATCHES, one_batch_rows=0)
    assert (report.method, report.batches, report.households) == ("grouped chunks", BATCHES, households)


def _python_calls(directory: Path, households: int) -> int:
    h_path, m_path = _files(directory, households)
    _run(directory, h_path, m_path, households)  # modules imported on first use are not the loop we look for
    calls = [0]

    def count(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            calls[0] += 1

    threading.setprofile(count)
    sys.setprofile(count)
    try:
        _run(directory, h_path, m_path, households)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    return calls[0]


def test_python_calls_do_not_grow_with_the_households(tmp_path: Path) -> None:
    small = _python_calls(tmp_path, 20_000)
    large = _python_calls(tmp_path, 200_000)
    assert small > 0
    # Ten times the households, the same number of batches: a few calls may differ (thread timing), never 180,000.
    assert large <= small * 1.05 + 500, (small, large)
