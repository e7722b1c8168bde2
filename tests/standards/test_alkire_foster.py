"""Alkire–Foster measures: identities that must hold for any data, and a hand-computed example."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from giamngheo.standards import MeasureError, alkire_foster
from giamngheo.standards.alkire_foster import measures

from .builders import deprived_household, household, member

CODES = ["a", "b", "c", "d"]


@st.composite
def frames(draw: st.DrawFn) -> pl.DataFrame:
    rows = draw(st.integers(min_value=1, max_value=40))
    columns = {f"_d_{c}": draw(st.lists(st.sampled_from([True, False, True, None]), min_size=rows, max_size=rows))
               for c in CODES}
    columns["group"] = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=rows, max_size=rows))
    columns["persons"] = draw(st.lists(st.integers(min_value=1, max_value=7), min_size=rows, max_size=rows))
    return pl.DataFrame(columns, schema={**{f"_d_{c}": pl.Boolean for c in CODES}, "group": pl.String,
                                         "persons": pl.Int64})


@settings(max_examples=60, deadline=None)
@given(frame=frames(), k=st.sampled_from([1, 2, 3, 4]),
       weights=st.one_of(st.none(), st.lists(st.integers(min_value=1, max_value=5), min_size=4, max_size=4)),
       persons=st.booleans())
def test_identities(frame: pl.DataFrame, k: int, weights: list[int] | None, persons: bool) -> None:
    given_weights = dict(zip(CODES, weights, strict=True)) if weights else None
    result = measures(frame, CODES, weights=given_weights, k=k, by="group",
                      unit_column="persons" if persons else None)
    overall = result["overall"]
    assert math.isclose(sum(result["weights"].values()), 1.0)
    assert math.isclose(overall["M0"], overall["H"] * overall["A"], abs_tol=1e-12)
    if overall["M0"] > 0:
        assert math.isclose(sum(overall["contribution"].values()), 1.0)
    assert result["excluded"] == frame.filter(pl.any_horizontal(pl.all().is_null())).height
    n = overall["n"]
    if n:
        assert math.isclose(overall["M0"], sum(g["n"] / n * g["M0"] for g in result["groups"].values()),
                            abs_tol=1e-12)
        assert math.isclose(overall["H"], sum(g["n"] / n * g["H"] for g in result["groups"].values()),
                            abs_tol=1e-12)


def test_hand_computed_example() -> None:
    # Three households, equal weights 1/4, k = 2: the first two are poor (scores 3/4 and 2/4), the third is not.
    frame = pl.DataFrame({"_d_a": [True, True, True], "_d_b": [True, True, False], "_d_c": [True, False, False],
                          "_d_d": [False, False, False]})
    result = measures(frame, CODES, k=2)["overall"]
    assert (result["n"], result["q"]) == (3, 2)
    assert result["H"] == pytest.approx(2 / 3)
    assert result["A"] == pytest.approx((3 / 4 + 2 / 4) / 2)
    assert result["M0"] == pytest.approx((3 / 4 + 2 / 4) / 3)
    assert result["censored_headcount"] == pytest.approx({"a": 2 / 3, "b": 2 / 3, "c": 1 / 3, "d": 0.0})
    assert result["contribution"] == pytest.approx({"a": 0.4, "b": 0.4, "c": 0.2, "d": 0.0})


def test_records_api_excludes_unknowns_and_weights_persons() -> None:
    poor = deprived_household(["housing_quality", "housing_area", "latrine"], id="P")
    poor["members"].append(member(id="M2", relation="spouse"))
    poor["dwelling"]["floor_area_m2"] = 10.0
    fine = household(id="F")
    unknown = household(id="U", members=[member(health_insured=None)])
    by_household = alkire_foster([poor, fine, unknown], "2022-2025")
    assert (by_household["excluded"], by_household["overall"]["n"], by_household["overall"]["q"]) == (1, 2, 1)
    assert by_household["overall"]["H"] == 0.5
    by_person = alkire_foster([poor, fine, unknown], "2022-2025", unit="person", by="area")
    assert (by_person["overall"]["n"], by_person["overall"]["q"]) == (3, 2)
    by_sex = alkire_foster([poor, fine], "2022-2025", unit="person", by="sex")
    assert set(by_sex["groups"]) == {"male"}
    with pytest.raises(MeasureError, match="cannot group by 'sex'"):
        alkire_foster([poor], "2022-2025", by="sex")
    with pytest.raises(MeasureError, match="weights must name every indicator"):
        alkire_foster([poor], "2022-2025", weights={"employment": 1})
    with pytest.raises(MeasureError, match="k must be"):
        alkire_foster([poor], "2022-2025", k=13)
