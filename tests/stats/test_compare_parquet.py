"""``giamngheo compare`` over the bulk files, streamed in batches: the same counts as classifying the same
households under each standard separately (property-based, random records, tiny batches so every run is split)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from giamngheo.standards import get_standard
from giamngheo.standards.io_parquet import classify_parquet
from giamngheo.stats.compare import compare_parquet
from tests.standards.strategies import household_records
from tests.standards.test_bulk import write_bulk

STANDARDS = ["2016-2020", "2022-2025", "2026", "2027-2030", "79-2025"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(records=st.lists(household_records(max_members=5), min_size=1, max_size=7),
       pair=st.tuples(st.sampled_from(STANDARDS), st.sampled_from(STANDARDS)),
       by=st.sampled_from([None, "province_code", "commune_code"]), chunk_rows=st.integers(1, 3))
def test_streamed_comparison_agrees_with_each_standard_classified_separately(
        tmp_path_factory: Any, records: list[dict[str, Any]], pair: tuple[str, str], by: str | None,
        chunk_rows: int) -> None:
    for index, record in enumerate(records):
        record["id"] = f"H{index}"  # the bulk files key members on the household id
    directory: Path = tmp_path_factory.mktemp("bulk")
    households, members = directory / "h.parquet", directory / "m.parquet"
    write_bulk(records, households, members)
    a, b = (get_standard(s) for s in pair)
    limits = {"chunk_rows": chunk_rows, "one_batch_rows": 0}
    comparison, invalid = compare_parquet(households, members, a, b, by=by, **limits)
    assert invalid == []

    separately = {}
    for side, standard in (("a", a), ("b", b)):
        out = directory / f"{side}.parquet"
        classify_parquet(households, members, out, standard, **limits)
        separately[side] = pl.read_parquet(out)["class"].to_list()
    expected = Counter(((r.get(by),) if by else ()) + (r.get("area"), x, y)
                       for r, x, y in zip(records, separately["a"], separately["b"], strict=True))
    columns = [*comparison.groups, "area", "class_a", "class_b"]
    assert Counter({tuple(row[c] for c in columns): row["households"]
                    for row in comparison.transitions.to_dicts()}) == expected
    assert comparison.summary([]).row(0, named=True)["households"] == len(records)
