"""``stats.compare``: two standards over the same frames agree with classifying under each one on its own; the
registry's frames (``stats.registry_frames``) read a household exactly as its record v1 does."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from giamngheo.households.models import Household
from giamngheo.households.records import household_to_record
from giamngheo.households.services import household_create
from giamngheo.standards import classify_records, get_standard
from giamngheo.standards.frames import records_to_frames
from giamngheo.stats.compare import CLASSES, FACT_REASONS, compare
from giamngheo.stats.registry_frames import registry_frames
from tests.standards.strategies import for_registry, household_records, web_text

STANDARDS = ["2016-2020", "2022-2025", "2026", "2027-2030", "79-2025"]
pairs = st.tuples(st.sampled_from(STANDARDS), st.sampled_from(STANDARDS))


def expected_transitions(records: list[dict[str, Any]], a: str, b: str, by: str | None,
                         under: dict[str, list[dict[str, Any]]] | None = None) -> Counter[tuple[Any, ...]]:
    """The pairs of classes of each record classified under ``a`` and under ``b`` separately (the JSON path)."""
    under = under or {"a": classify_records(records, a), "b": classify_records(records, b)}
    under_a, under_b = under["a"], under["b"]
    return Counter(((r.get(by),) if by else ()) + (r.get("area"), x["class"], y["class"])
                   for r, x, y in zip(records, under_a, under_b, strict=True))


def transitions_of(comparison: Any) -> Counter[tuple[Any, ...]]:
    columns = [*comparison.groups, "area", "class_a", "class_b"]
    return Counter({tuple(row[c] for c in columns): row["households"]
                    for row in comparison.transitions.to_dicts()})


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(household_records(max_members=6), min_size=1, max_size=5), pair=pairs,
       by=st.sampled_from([None, "province_code", "commune_code"]))
def test_compare_agrees_with_each_standard_on_its_own(records: list[dict[str, Any]], pair: tuple[str, str],
                                                      by: str | None) -> None:
    a, b = pair
    households, members = records_to_frames(records)
    comparison = compare(households, members, get_standard(a), get_standard(b), by=by, aligned=True)

    under = {"a": classify_records(records, a), "b": classify_records(records, b)}
    assert transitions_of(comparison) == expected_transitions(records, a, b, by, under)
    # Counts under each side add up to the households of every group and area; the total to all of them.
    for row in comparison.summary().to_dicts():
        for side in ("a", "b"):
            assert sum(row[f"{side}_{klass}"] for klass in CLASSES) == row["households"]
        assert row["only_a_undetermined"] + row["both_undetermined"] == row["a_undetermined"]
        assert row["only_b_undetermined"] + row["both_undetermined"] == row["b_undetermined"]
    assert comparison.summary([]).row(0, named=True)["households"] == len(records)
    # A household a standard cannot classify is blamed on answers that are in fact missing for that standard.
    undetermined = {side: [(r, x) for r, x in zip(records, results, strict=True) if x["class"] == "undetermined"]
                    for side, results in under.items()}
    for side in ("a", "b"):
        reasons = comparison.reasons.filter(comparison.reasons["side"] == side)
        possible = {reason for _r, x in undetermined[side] for reason in x["unknown"]} | set(FACT_REASONS)
        assert set(reasons["reason"].to_list()) <= possible
        if undetermined[side]:
            assert reasons.height > 0
        else:
            assert reasons.height == 0


def test_a_household_missing_an_answer_only_one_standard_needs_is_counted_apart() -> None:
    from tests.standards.builders import deprived_household

    # Poor by income, two deprivations: near-poor under 2026; 2027-2030 also asks how waste is handled, and a
    # third deprivation would make the household poor, so without that answer it cannot be classified.
    record = deprived_household(["housing_quality", "housing_area"], income=1_000_000, province_code="86")
    del record["dwelling"]["waste"]
    households, members = records_to_frames([record])
    comparison = compare(households, members, get_standard("2026"), get_standard("2027-2030"))
    total = comparison.summary([]).row(0, named=True)
    assert (total["a_near_poor"], total["b_undetermined"]) == (1, 1)
    assert (total["only_a_undetermined"], total["only_b_undetermined"], total["both_undetermined"]) == (0, 1, 0)
    reasons = comparison.reason_counts().to_dicts()
    assert {"side": "b", "reason": "waste", "households": 1} in reasons
    assert all(r["side"] == "b" for r in reasons)


@pytest.mark.django_db
@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(generated=st.lists(household_records(text=web_text, max_members=5), min_size=1, max_size=4), pair=pairs)
def test_registry_frames_read_households_as_their_records(generated, pair, unit_tree, make_user) -> None:
    from giamngheo.accounts.roles import Role

    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    for record in generated:
        household_create(actor=officer, record=for_registry(record, commune_code=unit_tree.commune.code,
                                                            province_code=unit_tree.province.code))
    a, b = pair
    frames = registry_frames(unit_tree.province)
    comparison = compare(frames.households, frames.members, get_standard(a), get_standard(b), by="commune_code",
                         aligned=frames.aligned)
    live = Household.objects.filter(deleted_at__isnull=True).prefetch_related("members").select_related(
        "commune__parent", "hamlet")
    records = [household_to_record(h, show_citizen_ids=True) for h in live]
    assert transitions_of(comparison) == expected_transitions(records, a, b, "commune_code")


@pytest.mark.django_db
def test_registry_frames_leave_out_deleted_households_and_other_units(unit_tree, make_unit_tree,
                                                                     make_household) -> None:
    kept = make_household(unit_tree.hamlet, code="H1")
    make_household(unit_tree.hamlet2, code="H2")
    gone = make_household(unit_tree.hamlet, code="H3")
    make_household(unit_tree.other_hamlet, code="H4")
    Household.objects.filter(pk=gone.pk).update(deleted_at="2026-01-01T00:00:00Z")
    frames = registry_frames(unit_tree.commune)
    assert sorted(frames.households["id"].to_list()) == ["H1", "H2"]
    assert frames.households.filter(frames.households["id"] == "H1")["hamlet_code"].item() == unit_tree.hamlet.code
    assert frames.members.height == 2
    assert registry_frames(unit_tree.hamlet).households["id"].to_list() == [kept.code]
    empty = registry_frames(make_unit_tree(province_code="87").province)
    assert (empty.households.height, empty.members.height) == (0, 0)
    comparison = compare(empty.households, empty.members, get_standard("2026"), get_standard("2027-2030"))
    assert comparison.summary([]).row(0, named=True)["households"] == 0
