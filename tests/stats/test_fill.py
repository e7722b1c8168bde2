"""The rollups against direct counts from the ledger: every level adds up to its parent, the counts equal
the ledger's own rules, and a past year's denominator does not drift."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from giamngheo.reviews import ledger
from giamngheo.reviews.models import LedgerEntry
from giamngheo.reviews.status import status_spans_refresh
from giamngheo.stats import selectors
from giamngheo.stats.measures import add
from giamngheo.stats.models import FillState, HouseholdCount, Rollup
from giamngheo.stats.services import stats_fill, stats_mark_stale

pytestmark = pytest.mark.django_db

_codes = itertools.count()
KLASSES = ("poor", "near_poor", "average", "none", "removed")


def put(household: Any, year: int, klass: str, unit: Any, *, area: str = "rural", em: bool = False,
        no_capacity: bool = False) -> LedgerEntry:
    commune = unit if unit.level == "commune" else unit.parent
    return LedgerEntry.objects.create(
        household=household, year=year, standard_id="2022-2025", series="national", kind="periodic", klass=klass,
        effective_on=dt.date(year, 12, 1), ethnic_minority=em, no_working_capacity=no_capacity, area=area,
        commune=commune, unit_path=unit.path)


def _units(unit_tree: Any) -> list[Any]:
    return [unit_tree.hamlet, unit_tree.hamlet2, unit_tree.commune, unit_tree.other_hamlet]


def _fill(unit_tree: Any, year: int) -> FillState:
    return stats_fill(province=unit_tree.province, series="national", year=year)


def _counts(unit: Any, year: int, level: str | None = None, area: str = "all") -> dict[str, Any]:
    row = Rollup.objects.filter(unit=unit, level=level or unit.level, year=year, area=area).first()
    return row.counts if row else {}


def _is_movement(code: str) -> bool:
    """Movements are counted at each level on their own: a household that moves between two communes and
    escapes poverty on the way is *moved out* of one commune and *escaped* in the province. Stocks (start,
    end, categories, denominators, profiles) add up; each row's movements reconcile instead."""
    klass, _dot, move = code.partition(".")
    return klass in ("poor", "near_poor") and (move in ledger.EXITS[klass] or move in ledger.ENTRIES[klass])


def _assert_reconciles(counts: dict[str, Any]) -> None:
    for klass in ("poor", "near_poor"):
        block = {c: counts.get(f"{klass}.{c}", 0) for c in (*ledger.EXITS[klass], *ledger.ENTRIES[klass],
                                                              "start", "end")}
        assert ledger.reconciles(block, klass), (klass, block)


def _assert_adds_up(unit_tree: Any, year: int) -> None:
    for row in Rollup.objects.filter(year=year):
        _assert_reconciles(row.counts)
    for area in ("all", "urban", "rural"):
        province = _counts(unit_tree.province, year, area=area)
        communes: dict[str, Any] = {}
        for commune in (unit_tree.commune, unit_tree.other_commune):
            add(communes, _counts(commune, year, area=area))
            parts: dict[str, Any] = {}
            for hamlet in commune.children.all():
                add(parts, _counts(hamlet, year, area=area))
            add(parts, _counts(commune, year, "direct", area))
            whole = _counts(commune, year, area=area)
            for code in set(parts) | set(whole):
                if _is_movement(code):
                    continue
                assert round(parts.get(code, 0), 6) == round(whole.get(code, 0), 6), (commune.name, area, code)
        for code in set(communes) | set(province):
            if _is_movement(code):
                continue
            assert round(communes.get(code, 0), 6) == round(province.get(code, 0), 6), (area, code)
    # Areas add up to the whole.
    for unit in (unit_tree.province, unit_tree.commune):
        whole = _counts(unit, year)
        parts = add(add({}, _counts(unit, year, area="urban")), _counts(unit, year, area="rural"))
        assert {k: round(v, 6) for k, v in parts.items()} == {k: round(v, 6) for k, v in whole.items()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(histories=st.lists(
    st.lists(st.tuples(st.integers(2023, 2026), st.sampled_from(KLASSES), st.integers(0, 3), st.booleans()),
             min_size=1, max_size=4),
    min_size=1, max_size=12))
def test_rollups_equal_the_ledger_and_add_up(unit_tree: Any, make_household: Callable[..., Any],
                                             histories: list[list[tuple[int, str, int, bool]]]) -> None:
    LedgerEntry.objects.all().delete()
    Rollup.objects.all().delete()
    HouseholdCount.objects.all().delete()
    units = _units(unit_tree)
    for history in histories:
        household = make_household(units[history[0][2]], code=f"P{next(_codes)}")
        for year, klass, where, urban in history:
            put(household, year, klass, units[where], area="urban" if urban else "rural", em=urban)
    year = 2026
    _fill(unit_tree, year)
    frame = ledger.entries_frame(series="national", max_year=year, unit_paths=[unit_tree.province.path])
    statuses = ledger.statuses_at_end(frame, year)
    province = _counts(unit_tree.province, year)
    assert province.get("poor.end", 0) == sum(1 for k in statuses.values() if k == "poor")
    assert province.get("near_poor.end", 0) == sum(1 for k in statuses.values() if k == "near_poor")
    assert province.get("average.end", 0) == sum(1 for k in statuses.values() if k == "average")
    # The commune's movements are exactly the movements table's.
    commune = unit_tree.commune
    total = ledger.movement_rows(unit_path=commune.path, children=[], unit_code=commune.code,
                                 unit_name=commune.name, series="national", year=year)[-1]
    counts = _counts(commune, year)
    for klass in ("poor", "near_poor"):
        block = total.poor if klass == "poor" else total.near_poor
        for move, value in block.items():
            if move != "area":
                assert counts.get(f"{klass}.{move}", 0) == value, (klass, move)
    _assert_adds_up(unit_tree, year)


def test_rates_divide_by_that_years_households_which_do_not_drift(unit_tree: Any,
                                                                  make_household: Callable[..., Any]) -> None:
    a = make_household(unit_tree.hamlet, code="A")
    make_household(unit_tree.hamlet, code="B")
    make_household(unit_tree.hamlet2, code="C")
    make_household(unit_tree.other_hamlet, code="D")
    put(a, 2025, "poor", unit_tree.hamlet)
    with mock.patch("giamngheo.stats.counts.timezone.localdate", return_value=dt.date(2025, 12, 20)):
        _fill(unit_tree, 2025)
    figures = selectors.rollup(unit_tree.province, year=2025)
    assert figures is not None and figures.households == 4 and figures.poor_rate == pytest.approx(0.25)
    # The next year: households are added and one moves; 2025 is refilled (a correction, say).
    for code in ("E", "F", "G", "H"):
        make_household(unit_tree.hamlet, code=code)
    with mock.patch("giamngheo.stats.counts.timezone.localdate", return_value=dt.date(2026, 3, 1)):
        _fill(unit_tree, 2025)
        _fill(unit_tree, 2026)
    past = selectors.rollup(unit_tree.province, year=2025)
    now = selectors.rollup(unit_tree.province, year=2026)
    assert past is not None and past.households == 4 and past.poor_rate == pytest.approx(0.25)
    assert now is not None and now.households == 8 and now.poor_rate == pytest.approx(0.125)
    assert selectors.change_points(now, past) == pytest.approx(-12.5)
    hamlet = selectors.child_rollups(unit_tree.commune, year=2025)
    assert [f.households for f in hamlet] == [2, 1]


def test_categories_profiles_and_fill_state(unit_tree: Any, make_household: Callable[..., Any]) -> None:
    a = make_household(unit_tree.hamlet, code="A")
    b = make_household(unit_tree.commune, code="B")  # on no hamlet
    put(a, 2025, "poor", unit_tree.hamlet, em=True, no_capacity=True)
    put(b, 2025, "near_poor", unit_tree.commune)
    state = _fill(unit_tree, 2025)
    assert state.status == "fresh" and state.filled_at is not None and state.standard_id == "2022-2025"
    commune = _counts(unit_tree.commune, 2025)
    assert commune["poor.end_ethnic_minority"] == 1 and commune["poor.end_no_capacity"] == 1
    direct = _counts(unit_tree.commune, 2025, "direct")
    assert direct["near_poor.end"] == 1 and "poor.end" not in direct
    rows = selectors.child_rollups(unit_tree.commune, year=2025)
    assert [r.level for r in rows] == ["hamlet", "hamlet", "direct"]


def test_a_ledger_write_marks_the_years_stale(unit_tree: Any, make_household: Callable[..., Any],
                                              django_capture_on_commit_callbacks: Any) -> None:
    a = make_household(unit_tree.hamlet, code="A")
    put(a, 2024, "poor", unit_tree.hamlet)
    _fill(unit_tree, 2024)
    with mock.patch("giamngheo.stats.services._enqueue") as enqueue, \
            django_capture_on_commit_callbacks(execute=True):
        put(a, 2025, "near_poor", unit_tree.hamlet)
        status_spans_refresh([a.pk])
    states = dict(FillState.objects.values_list("year", "status"))
    assert states[2024] == "stale" and states[2025] == "stale"
    enqueue.assert_called_once_with(unit_tree.province.pk)
    assert stats_mark_stale(household_ids=[]) == 0


def test_a_household_import_marks_this_year_stale(unit_tree: Any, django_capture_on_commit_callbacks: Any) -> None:
    from django.utils import timezone

    from giamngheo.households.models import Household
    from giamngheo.households.signals import registry_changed

    with mock.patch("giamngheo.stats.services._enqueue") as enqueue, \
            django_capture_on_commit_callbacks(execute=True):
        registry_changed.send(sender=Household, unit_paths=[unit_tree.hamlet.path, unit_tree.other_hamlet.path])
    state = FillState.objects.get(province=unit_tree.province)
    assert (state.year, state.series, state.status) == (timezone.localdate().year, "national", "stale")
    enqueue.assert_called_once_with(unit_tree.province.pk)


def test_the_fill_command(unit_tree: Any, make_household: Callable[..., Any]) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    put(make_household(unit_tree.hamlet, code="A"), 2025, "poor", unit_tree.hamlet)
    out = StringIO()
    call_command("stats", "fill", "--province", unit_tree.province.code, "--year", "2025", stdout=out)
    assert "national 2025" in out.getvalue()
    assert Rollup.objects.filter(year=2025, level="province").exists()
    with pytest.raises(CommandError):
        call_command("stats", "fill", "--year", "1900")
    with pytest.raises(CommandError):
        call_command("stats", "fill", "--province", "00")


def test_targets_divide_by_the_years_household_count(unit_tree: Any, make_household: Callable[..., Any]) -> None:
    """A target's achievement and the dashboards divide by the same count: the year's, not today's."""
    from giamngheo.support.indicators import indicator_for
    from giamngheo.support.targets.measure import Measurer

    a = make_household(unit_tree.hamlet, code="A")
    for code in ("B", "C", "D"):
        make_household(unit_tree.hamlet, code=code)
    put(a, 2025, "poor", unit_tree.hamlet)
    status_spans_refresh([a.pk])
    indicator = indicator_for("poverty_rate")
    assert indicator is not None
    before = Measurer().measure(indicator, unit_path=unit_tree.province.path, year=2025, standard_id="2022-2025")
    assert before.denominator == 4  # not counted yet: the live registry
    with mock.patch("giamngheo.stats.counts.timezone.localdate", return_value=dt.date(2025, 12, 20)):
        _fill(unit_tree, 2025)
    for code in ("E", "F", "G", "H"):
        make_household(unit_tree.hamlet, code=code)
    after = Measurer().measure(indicator, unit_path=unit_tree.province.path, year=2025, standard_id="2022-2025")
    assert (after.denominator, after.value) == (4, 25)
