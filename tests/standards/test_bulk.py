"""The bulk Parquet path and the JSON path agree on random records (property-based), in order, in partitions.

The Parquet files are written here with pyarrow straight from the records, independently of the engine's own
record-to-frame conversion, so the comparison checks the bulk reader as well as the shared executor.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from giamngheo.standards import classify_records, get_standard, validate_record
from giamngheo.standards import record as rec
from giamngheo.standards.io_parquet import BulkInputError, classify_parquet


def _value(spec: rec.FieldSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind == "enum":
        return st.sampled_from(spec.values)
    if spec.kind == "enum_list":
        return st.lists(st.sampled_from(spec.values), unique=True, max_size=3)
    if spec.kind == "number":
        return st.floats(min_value=0, max_value=120, allow_nan=False).map(lambda v: round(v, 1))
    return st.integers(min_value=0, max_value=5)


SKIP = {"id", "relation", "sex", "birth_date", "age", "name", "citizen_id", "ethnicity"}
MEMBER_OPTIONAL = {f.name: _value(f) for f in rec.MEMBER_FIELDS if f.name not in SKIP}
DWELLING_OPTIONAL = {f.name: _value(f) for f in rec.DWELLING_FIELDS}


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=1, max_value=6))
    result = []
    for h in range(count):
        reference = draw(st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2030, 12, 31)))
        members = []
        for m in range(draw(st.integers(min_value=1, max_value=5))):
            person: dict[str, Any] = {"id": f"M{m}", "relation": "head" if m == 0 else "child",
                                      "sex": draw(st.sampled_from(["male", "female"]))}
            age_days = draw(st.integers(min_value=0, max_value=95 * 366))
            if draw(st.booleans()):
                person["birth_date"] = (reference - dt.timedelta(days=age_days)).isoformat()
            else:
                person["age"] = age_days // 366
            person.update(draw(st.fixed_dictionaries({}, optional=MEMBER_OPTIONAL)))
            members.append(person)
        record: dict[str, Any] = {"id": f"H{h}", "reference_date": reference.isoformat(),
                                  "area": draw(st.sampled_from(["rural", "urban"])), "members": members,
                                  "dwelling": draw(st.fixed_dictionaries({}, optional=DWELLING_OPTIONAL))}
        if draw(st.booleans()):
            record["income"] = draw(st.sampled_from([0, 700_000, 1_000_000, 1_500_000, 2_000_000, 2_200_000,
                                                     2_250_000, 3_000_000, 3_833_333, 4_500_000, 9_000_000]))
        if draw(st.booleans()):
            record["score_a"] = draw(st.sampled_from([100.0, 140.0, 150.5, 175.0, 200.0]))
            if "income" in record:
                record["income_basis"] = draw(st.sampled_from(["income", "score_a"]))
        assert validate_record(record) == [], validate_record(record)
        result.append(record)
    return result


def write_bulk(records: list[dict[str, Any]], households: Path, members: Path, *, shuffle: bool = False) -> None:
    """The bulk layout; ``shuffle`` writes the members in reverse, so they are not grouped in household order."""
    household_rows, member_rows = [], []
    for r in records:
        row = {k: v for k, v in r.items() if k not in ("dwelling", "members")}
        row["reference_date"] = dt.date.fromisoformat(r["reference_date"])
        row.update(r.get("dwelling", {}))
        row["commune_name"] = "an extra column the engine ignores"
        household_rows.append(row)
        for m in r["members"]:
            member_row = {"household_id": r["id"], **m}
            if "birth_date" in m:
                member_row["birth_date"] = dt.date.fromisoformat(m["birth_date"])
            member_rows.append(member_row)
    types = {"string": pa.string(), "enum": pa.string(), "date": pa.date32(), "integer": pa.int64(),
             "number": pa.float64(), "boolean": pa.bool_(), "enum_list": pa.list_(pa.string())}
    household_fields = [(f.name, types[f.kind]) for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS)]
    household_schema = pa.schema([*household_fields, ("commune_name", pa.string())])
    member_schema = pa.schema([("household_id", pa.string()), *[(f.name, types[f.kind]) for f in rec.MEMBER_FIELDS]])
    pq.write_table(pa.Table.from_pylist(household_rows, schema=household_schema), households)
    if shuffle:
        member_rows.reverse()
    pq.write_table(pa.Table.from_pylist(member_rows, schema=member_schema), members)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(batch=records(), standard=st.sampled_from(["2016-2020", "2022-2025", "2026", "2027-2030", "79-2025"]),
       partition_rows=st.sampled_from([1_000_000, 2]), shuffle=st.booleans())
def test_bulk_path_agrees_with_json_path(tmp_path: Path, batch: list[dict[str, Any]], standard: str,
                                         partition_rows: int, shuffle: bool) -> None:
    households, members, out = tmp_path / "h.parquet", tmp_path / "m.parquet", tmp_path / "r.parquet"
    write_bulk(batch, households, members, shuffle=shuffle)
    report = classify_parquet(households, members, out, get_standard(standard), partition_rows=partition_rows)
    assert report.invalid_values == []
    # Member lists follow the input's member order (array order in JSON, file order in Parquet); a shuffled
    # members file reorders them, so those lists are compared as sets.
    bulk, json_path = pl.read_parquet(out).to_dicts(), classify_records(batch, standard)
    for results in (bulk, json_path):
        for result in results:
            result["low_income_workers"] = sorted(result["low_income_workers"])
    assert bulk == json_path


def test_missing_optional_columns_are_unanswered_and_bad_values_reported(tmp_path: Path) -> None:
    households, members, out = tmp_path / "h.parquet", tmp_path / "m.parquet", tmp_path / "r.parquet"
    pl.DataFrame({"id": ["A", "B"], "reference_date": [dt.date(2025, 5, 1)] * 2, "area": ["rural", "urban"],
                  "income": [1_000_000, 5_000_000], "water_source": ["piped", "lake"]}).write_parquet(households)
    pl.DataFrame({"household_id": ["B", "A", "Z"], "id": ["1", "1", "1"], "relation": ["head", "head", "head"],
                  "sex": ["male", "female", "male"], "age": [30, 40, 50]}).write_parquet(members)
    report = classify_parquet(households, members, out, get_standard("2022-2025"))
    assert report.invalid_values == [f"{households}: column water_source: 1 value(s) outside the allowed list "
                                     "(e.g. 'lake'); read as unanswered"]
    result = pl.read_parquet(out)
    assert result["id"].to_list() == ["A", "B"]
    assert result["class"].to_list() == ["undetermined", "none"]
    assert "water_source" in result["unknown"][1]
    # Members of a household that is not in the households file ("Z") are ignored.
    assert result["deprivation_count"].to_list() == [0, 0]


def test_household_without_members_has_unknown_member_indicators(tmp_path: Path) -> None:
    households, members, out = tmp_path / "h.parquet", tmp_path / "m.parquet", tmp_path / "r.parquet"
    pl.DataFrame({"id": ["A", "B"], "reference_date": [dt.date(2025, 5, 1)] * 2, "area": ["rural"] * 2,
                  "income": [1_000_000] * 2}).write_parquet(households)
    pl.DataFrame({"household_id": ["A"], "id": ["1"], "relation": ["head"], "sex": ["male"], "age": [30]}
                 ).write_parquet(members)
    classify_parquet(households, members, out, get_standard("2022-2025"))
    row = pl.read_parquet(out).row(1, named=True)
    assert (row["id"], row["class"]) == ("B", "undetermined")
    assert {"employment", "dependents", "telecom", "housing_area"} <= set(row["unknown"])


def test_missing_required_column_is_an_error(tmp_path: Path) -> None:
    households, members = tmp_path / "h.parquet", tmp_path / "m.parquet"
    pl.DataFrame({"id": ["A"], "area": ["rural"]}).write_parquet(households)
    pl.DataFrame({"household_id": ["A"]}).write_parquet(members)
    with pytest.raises(BulkInputError, match="required column\\(s\\) missing: reference_date"):
        classify_parquet(households, members, tmp_path / "r.parquet", get_standard("2022-2025"))
    with pytest.raises(BulkInputError, match="file not found"):
        classify_parquet(tmp_path / "none.parquet", members, tmp_path / "r.parquet", get_standard("2022-2025"))


def test_dates_outside_the_validators_bounds_are_unanswered_and_reported(tmp_path: Path) -> None:
    """The JSON path rejects a birth in 1850 or a survey in 2150; the bulk path reads them as unanswered."""
    households, members, out = tmp_path / "h.parquet", tmp_path / "m.parquet", tmp_path / "r.parquet"
    pl.DataFrame({"id": ["A", "B"], "reference_date": [dt.date(2025, 5, 1), dt.date(2150, 1, 1)],
                  "area": ["rural", "rural"], "income": [1_000_000, 1_000_000]}).write_parquet(households)
    pl.DataFrame({"household_id": ["A", "A", "B"], "id": ["1", "2", "1"], "relation": ["head", "child", "head"],
                  "sex": ["male", "female", "male"],
                  "birth_date": [dt.date(1850, 1, 1), dt.date(2020, 1, 1), dt.date(1990, 1, 1)]}
                 ).write_parquet(members)
    report = classify_parquet(households, members, out, get_standard("2022-2025"))
    assert report.invalid_values == [
        f"{households}: column reference_date: 1 value(s) outside the allowed range (e.g. 2150-01-01); "
        "read as unanswered",
        f"{members}: column birth_date: 1 value(s) outside the allowed range (e.g. 1850-01-01); "
        "read as unanswered"]
    rows = pl.read_parquet(out).to_dicts()
    # A: the head's age is unknown, so are the indicators that need it; B: no reference date, no age at all.
    assert "dependents" in rows[0]["unknown"] and "employment" in rows[0]["unknown"]
    assert rows[1]["class"] == "undetermined"


def test_answers_outside_a_short_list_are_unanswered_and_reported(tmp_path: Path) -> None:
    """Columns of up to four answers are read by comparisons, not by the cast: the same cleaning, the same report."""
    households, members, out = tmp_path / "h.parquet", tmp_path / "m.parquet", tmp_path / "r.parquet"
    pl.DataFrame({"id": ["A"], "reference_date": [dt.date(2025, 5, 1)], "area": ["rural"],
                  "income": [1_000_000]}).write_parquet(households)
    pl.DataFrame({"household_id": ["A", "A"], "id": ["1", "2"], "relation": ["head", "child"],
                  "sex": ["robot", "female"], "age": [70, 5], "disability": ["severe", "purple"]}
                 ).write_parquet(members)
    report = classify_parquet(households, members, out, get_standard("2022-2025"))
    assert report.invalid_values == [
        f"{members}: column sex: 1 value(s) outside the allowed list (e.g. 'robot'); read as unanswered",
        f"{members}: column disability: 1 value(s) outside the allowed list (e.g. 'purple'); read as unanswered"]
    row = pl.read_parquet(out).row(0, named=True)
    # The head's sex is unknown, so is whether the 70-year-old is of working age; a severe disability still counts.
    assert "employment" in row["unknown"] and "dependents" in row["deprivations"]
