"""Per-household counts of member flags: the aligned running-sum count against a plain group-by, at the edge of
its 8-bit fields, and a household too large for it (which the bulk reader sends down the join path instead)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from giamngheo.standards.classify import ALIGNED_MAX_MEMBERS, _counts_of_runs, count_layout
from giamngheo.standards.frames import ROW_KEY
from tests.standards.test_bulk_chunks import population, run, write

FLAGS = [f"_m_{i}" for i in range(7)]


def _members(sizes: list[int], pattern: str, seed: int = 1) -> pl.DataFrame:
    rng = random.Random(seed)
    rows: dict[str, list[Any]] = {ROW_KEY: [], **{flag: [] for flag in FLAGS}}
    for key, size in enumerate(sizes):
        for _ in range(size):
            rows[ROW_KEY].append(key)
            for number, flag in enumerate(FLAGS):
                value = {"true": True, "null": None, "false": False}.get(pattern)
                if pattern == "mixed":
                    value = rng.choice([True, False, None, None] if number % 2 else [True, False, False])
                rows[flag].append(value)
    return pl.DataFrame(rows, schema={ROW_KEY: pl.UInt32, **{flag: pl.Boolean for flag in FLAGS}})


def _by_group_by(members: pl.DataFrame) -> pl.DataFrame:
    return (members.group_by(ROW_KEY, maintain_order=True)
            .agg(pl.len().cast(pl.UInt64).alias("_n_members"),
                 *[e for flag in FLAGS for e in (pl.col(flag).sum().cast(pl.UInt64).alias(f"_t{flag}"),
                                                 pl.col(flag).null_count().cast(pl.UInt64).alias(f"_u{flag}"))])
            .drop(ROW_KEY))


@pytest.mark.parametrize("pattern", ["true", "null", "false", "mixed"])
def test_running_sums_count_like_a_group_by_up_to_the_largest_aligned_household(pattern: str) -> None:
    # 533 members: with every flag null, each adds 2^56 to the second word's top field, so its running sum wraps
    # around 2^64 (533 > 256) and the differences must still be exact.
    sizes = [1, ALIGNED_MAX_MEMBERS, 3, ALIGNED_MAX_MEMBERS, 2, 17]
    members = _members(sizes, pattern)
    counted = _counts_of_runs(members.lazy(), count_layout(FLAGS)).collect()
    assert counted.to_dicts() == _by_group_by(members).select(counted.columns).to_dicts()
    assert counted["_n_members"].to_list() == sizes


def test_a_household_larger_than_the_aligned_counts_is_classified_exactly(tmp_path: Path) -> None:
    """256 members would overflow the member count into the next field (and make employment look deprived): the
    grouped file must give what the join path gives for the shuffled file."""
    records = population(6, seed=11)
    adult = {"relation": "child", "sex": "female", "age": 30, "employment": "wage_with_contract",
             "health_insured": False, "disability": "none", "monthly_social_allowance": False,
             "education_completed": "university", "in_education": False, "uses_internet": True}
    big = [{"id": f"B{n}", **adult, "relation": "head" if n == 0 else "child"}
           for n in range(ALIGNED_MAX_MEMBERS + 1)]
    records[3] = {**records[3], "members": big, "dwelling": {**records[3]["dwelling"], "floor_area_m2": 2000.0}}
    for layout in ("grouped", "shuffled"):
        (tmp_path / layout).mkdir()
    households, members = write(records, tmp_path / "grouped")
    shuffled_h, shuffled_m = write(records, tmp_path / "shuffled", members_order="shuffled")
    _, grouped = run(households, members, "2022-2025", tmp_path / "grouped.parquet", chunk_rows=2)
    _, joined = run(shuffled_h, shuffled_m, "2022-2025", tmp_path / "joined.parquet")
    for row in (*grouped, *joined):  # the workers are listed in file order, and the members were shuffled
        row["low_income_workers"] = sorted(row["low_income_workers"])
    assert grouped == joined
    row = grouped[3]
    assert "employment" not in row["deprivations"] and "employment" not in row["unknown"]
    assert "health_insurance" in row["deprivations"]
    assert "housing_area" in row["deprivations"]  # 2,000 m² for 256 people: under 8 m² each
