"""The bulk path read in chunks gives exactly what it gives in one batch, whatever the members' layout.

A fixed pseudo-random population is written once as Parquet (small row groups, so chunks both merge and split row
groups); it is then classified in one batch and forced into many small chunks (``chunk_rows``), with members
grouped by household in household order (streamed chunk by chunk) and in layouts that are not (detected, then
handled by the one-batch or hash-partition fallback).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from giamngheo.standards import get_standard, validate_record
from giamngheo.standards import record as rec
from giamngheo.standards.io_parquet import BulkReport, classify_parquet

HOUSEHOLDS = 41
SKIP = {"id", "relation", "sex", "birth_date", "age", "name", "citizen_id", "ethnicity"}
TYPES = {"string": pa.string(), "enum": pa.string(), "date": pa.date32(), "integer": pa.int64(),
         "number": pa.float64(), "boolean": pa.bool_(), "enum_list": pa.list_(pa.string())}


def _value(spec: rec.FieldSpec, rng: random.Random) -> Any:
    if spec.kind == "boolean":
        return rng.random() < 0.7
    if spec.kind == "enum":
        return rng.choice(spec.values)
    if spec.kind == "enum_list":
        return rng.sample(list(spec.values), rng.randint(0, 3))
    if spec.kind == "number":
        return round(rng.uniform(0, 120), 1)
    return rng.randint(0, 5)


def population(count: int = HOUSEHOLDS, seed: int = 7) -> list[dict[str, Any]]:
    """Valid household records with every kind of answer, some unanswered, incomes around every line."""
    rng = random.Random(seed)
    result = []
    for h in range(count):
        reference = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
        members = []
        for m in range(rng.randint(1, 5)):
            person: dict[str, Any] = {"id": f"M{m}", "relation": "head" if m == 0 else "child",
                                      "sex": rng.choice(["male", "female"])}
            age_days = rng.randrange(95 * 366)
            if rng.random() < 0.8:
                person["birth_date"] = (reference - dt.timedelta(days=age_days)).isoformat()
            else:
                person["age"] = age_days // 366
            person.update({f.name: _value(f, rng) for f in rec.MEMBER_FIELDS
                           if f.name not in SKIP and rng.random() < 0.85})
            members.append(person)
        record: dict[str, Any] = {
            "id": f"H{h:03d}", "reference_date": reference.isoformat(), "area": rng.choice(["rural", "urban"]),
            "members": members,
            "dwelling": {f.name: _value(f, rng) for f in rec.DWELLING_FIELDS if rng.random() < 0.9}}
        if rng.random() < 0.9:
            record["income"] = rng.choice([0, 700_000, 1_500_000, 2_000_000, 2_200_000, 3_000_000, 9_000_000])
        assert validate_record(record) == [], validate_record(record)
        result.append(record)
    return result


def write(records: list[dict[str, Any]], directory: Path, *, members_order: str = "grouped",
          extra_members: list[dict[str, Any]] = (), bad_values: bool = False) -> tuple[Path, Path]:
    """Households and members Parquet files in row groups of 5 and 7 rows.

    ``members_order``: ``grouped`` (by household, in household order), ``shuffled``, or ``grouped_but_last``
    (grouped, except that the first household's last member comes at the very end). ``extra_members`` are appended
    as they are; ``bad_values`` puts answers outside their enumeration into some rows.
    """
    household_rows, member_rows = [], []
    for index, r in enumerate(records):
        row = {k: v for k, v in r.items() if k not in ("dwelling", "members")}
        row["reference_date"] = dt.date.fromisoformat(r["reference_date"])
        row.update(r["dwelling"])
        if bad_values and index % 6 == 1:
            row["water_source"] = "lake"
        household_rows.append(row)
        for number, m in enumerate(r["members"]):
            member_row = {"household_id": r["id"], **m}
            if "birth_date" in m:
                member_row["birth_date"] = dt.date.fromisoformat(m["birth_date"])
            if bad_values and (index + number) % 5 == 2:
                member_row["employment"] = "astronaut"
            member_rows.append(member_row)
    if members_order == "shuffled":
        random.Random(3).shuffle(member_rows)
    elif members_order == "grouped_but_last":
        last = len(records[0]["members"]) - 1
        member_rows.append(member_rows.pop(last))
    member_rows.extend(extra_members)
    household_schema = pa.schema([(f.name, TYPES[f.kind]) for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS)])
    member_schema = pa.schema([("household_id", pa.string()), *[(f.name, TYPES[f.kind]) for f in rec.MEMBER_FIELDS]])
    households, members = directory / "h.parquet", directory / "m.parquet"
    pq.write_table(pa.Table.from_pylist(household_rows, schema=household_schema), households, row_group_size=5)
    pq.write_table(pa.Table.from_pylist(member_rows, schema=member_schema), members, row_group_size=7)
    return households, members


def run(households: Path, members: Path, standard: str, out: Path, **limits: int) -> tuple[BulkReport, list[Any]]:
    if "chunk_rows" in limits:
        limits.setdefault("one_batch_rows", 0)  # a file this small would otherwise be one batch
    report = classify_parquet(households, members, out, get_standard(standard), **limits)
    return report, pl.read_parquet(out).to_dicts()


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return population()


@pytest.mark.parametrize("buffer_rows", [1_000, 5], ids=["written-at-the-end", "appended"])
@pytest.mark.parametrize(("standard", "chunk_rows"), [("2022-2025", 2), ("2026", 3), ("79-2025", 7),
                                                     ("2016-2020", 16), ("2027-2030", 40)])
def test_grouped_members_stream_in_chunks_with_the_one_batch_results(
        tmp_path: Path, records: list[dict[str, Any]], standard: str, chunk_rows: int, buffer_rows: int) -> None:
    households, members = write(records, tmp_path)
    single, expected = run(households, members, standard, tmp_path / "one.parquet")
    assert (single.method, single.batches) == ("one batch", 1)
    report, chunked = run(households, members, standard, tmp_path / "chunks.parquet", chunk_rows=chunk_rows,
                          buffer_rows=buffer_rows)
    assert report.method == "grouped chunks"
    assert report.batches >= -(-HOUSEHOLDS // chunk_rows) > 1
    assert report.households == single.households == HOUSEHOLDS
    assert chunked == expected
    assert [row["id"] for row in chunked] == [r["id"] for r in records]


@pytest.mark.parametrize("buffer_rows", [1_000, 5], ids=["written-at-the-end", "appended"])
@pytest.mark.parametrize("standard", ["2026"])
@pytest.mark.parametrize("layout", ["shuffled", "grouped_but_last", "unknown_household_at_end",
                                    "unknown_household_inside", "household_without_members"])
@pytest.mark.parametrize(("limits", "method"), [({"chunk_rows": 4}, "one batch"),
                                                ({"chunk_rows": 4, "partition_rows": 9}, "hash partitions")])
def test_other_layouts_fall_back_with_the_one_batch_results(
        tmp_path: Path, records: list[dict[str, Any]], standard: str, layout: str, limits: dict[str, int],
        method: str, buffer_rows: int) -> None:
    stranger = {"household_id": "NOT-A-HOUSEHOLD", "id": "X1", "relation": "head", "sex": "male", "age": 40,
                "employment": "unemployed"}
    batch = records
    if layout == "household_without_members":
        batch = [*records]
        batch[20] = {**records[20], "members": []}  # not a valid record, but possible in a bulk file
    elif layout == "unknown_household_inside":
        batch = [*records[:10], {**records[10], "id": "NOT-A-HOUSEHOLD"}, *records[11:]]
    households, members = write(
        batch, tmp_path, members_order="grouped" if "household" in layout else layout,
        extra_members=[stranger] if layout == "unknown_household_at_end" else [])
    if layout == "unknown_household_inside":  # that household's members stay in the members file only
        kept = pq.read_table(households).to_pylist()
        pq.write_table(pa.Table.from_pylist([row for row in kept if row["id"] != "NOT-A-HOUSEHOLD"],
                                            schema=pq.read_schema(households)), households, row_group_size=5)
    single, expected = run(households, members, standard, tmp_path / "one.parquet")
    # Appended: "grouped_but_last" is found out after results were appended; the partial file gives way.
    report, chunked = run(households, members, standard, tmp_path / "chunks.parquet", **limits,
                          buffer_rows=buffer_rows)
    assert report.method == method
    assert report.households == single.households
    assert chunked == expected


def test_invalid_answers_are_reported_once_per_column_across_chunks(
        tmp_path: Path, records: list[dict[str, Any]]) -> None:
    households, members = write(records, tmp_path, bad_values=True)
    single, expected = run(households, members, "2022-2025", tmp_path / "one.parquet")
    report, chunked = run(households, members, "2022-2025", tmp_path / "chunks.parquet", chunk_rows=4)
    assert report.method == "grouped chunks"
    assert chunked == expected
    assert report.invalid_values == single.invalid_values
    assert [line.split(": ")[1] for line in report.invalid_values] == ["column water_source", "column employment"]
    assert "7 value(s) outside the allowed list (e.g. 'lake')" in report.invalid_values[0]
