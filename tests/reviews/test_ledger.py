"""The ledger: effective statuses, corrections, removals, and the movements table that reconciles
start − exits + entries = end for every unit, class and area."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from giamngheo.core.errors import ApplicationError
from giamngheo.reviews import ledger, services
from giamngheo.reviews.models import LedgerEntry

pytestmark = pytest.mark.django_db


def put(household, year, klass, unit=None, *, area="rural", em=False, day=None):
    unit = unit or household.hamlet or household.commune
    commune = unit if unit.level == "commune" else unit.parent
    return LedgerEntry.objects.create(
        household=household, year=year, standard_id="2022-2025", series="national", kind="periodic", klass=klass,
        effective_on=day or dt.date(year, 12, 1), ethnic_minority=em, area=area, commune=commune,
        unit_path=unit.path,
    )


def table(unit_tree, year, unit=None):
    unit = unit or unit_tree.commune
    children = [(c.code, c.name, c.path) for c in unit.children.order_by("path")]
    return ledger.movement_rows(unit_path=unit.path, children=children, unit_code=unit.code, unit_name=unit.name,
                                series="national", year=year)


def test_movements_of_one_commune(unit_tree, make_household):
    h = {code: make_household(unit_tree.hamlet, code=code) for code in ("A", "B", "C", "D", "E", "F", "G")}
    put(h["A"], 2024, "poor", em=True)
    put(h["A"], 2025, "poor", em=True)       # stays poor
    put(h["B"], 2024, "poor")
    put(h["B"], 2025, "near_poor")           # escaped poverty, entered near-poverty
    put(h["C"], 2024, "near_poor")
    put(h["C"], 2025, "poor")                # fell from near-poverty
    put(h["D"], 2023, "poor")
    put(h["D"], 2024, "average")
    put(h["D"], 2025, "poor")                # re-poor
    put(h["E"], 2025, "poor", em=True)       # newly poor
    put(h["F"], 2024, "poor")
    put(h["F"], 2025, "removed")             # left the commune's register
    put(h["G"], 2024, "poor")
    put(h["G"], 2025, "poor", unit_tree.hamlet2)  # moved to the other hamlet, still poor

    rows = table(unit_tree, 2025)
    total = rows[-1]
    assert total.is_total and total.unit_code == unit_tree.commune.code
    assert total.poor == {
        "start": 4, "escaped": 1, "removed": 1, "moved_out": 0, "fell_from_near_poor": 1, "re_poor": 1,
        "newly_poor": 1, "moved_in": 0, "end": 5, "end_ethnic_minority": 2,
        "area": total.poor["area"],
    }
    assert total.near_poor["start"] == 1 and total.near_poor["fell_to_poor"] == 1
    assert total.near_poor["from_poor"] == 1 and total.near_poor["end"] == 1
    by_code = {r.unit_code: r for r in rows}
    h1, h2 = by_code[unit_tree.hamlet.code], by_code[unit_tree.hamlet2.code]
    assert (h1.poor["start"], h1.poor["moved_out"], h1.poor["end"]) == (4, 1, 4)
    assert (h2.poor["start"], h2.poor["moved_in"], h2.poor["end"]) == (0, 1, 1)
    for row in rows:
        for klass in ("poor", "near_poor"):
            assert ledger.reconciles(getattr(row, klass), klass)
    assert total.poor["area"]["rural"]["end"] == 5 and total.poor["area"]["urban"]["end"] == 0


def test_in_year_entries_and_carry_forward(unit_tree, make_household):
    hh = make_household(unit_tree.hamlet, code="A")
    put(hh, 2024, "poor")
    # A Form 04 in March 2025 takes it out; no periodic entry yet: the March status is the 2025 end status.
    put(hh, 2025, "near_poor", day=dt.date(2025, 3, 20))
    frame = ledger.entries_frame(series="national", max_year=2026, unit_paths=[unit_tree.commune.path])
    assert ledger.statuses_at_end(frame, 2025) == {hh.pk: "near_poor"}
    # Nothing recognised in 2026 yet: the household carries its 2025 status.
    assert ledger.statuses_at_end(frame, 2026) == {hh.pk: "near_poor"}


def test_correction_replaces_the_wrong_entry_without_editing_it(unit_tree, cast, make_household):
    hh = make_household(unit_tree.hamlet, code="A")
    put(hh, 2024, "near_poor")
    wrong = put(hh, 2025, "poor")
    correction = services.review_ledger_correct(actor=cast.approver, entry=wrong, klass="near_poor",
                                                reason="Nhập nhầm phân loại khi công nhận.")
    wrong.refresh_from_db()
    assert wrong.klass == "poor" and correction.corrects == wrong and correction.year == 2025
    total = table(unit_tree, 2025)[-1]
    assert total.poor["end"] == 0 and total.near_poor["end"] == 1
    with pytest.raises(ApplicationError):
        services.review_ledger_correct(actor=cast.approver, entry=wrong, klass="average", reason="Lần hai")
    from django.http import Http404

    with pytest.raises(Http404):
        services.review_ledger_correct(actor=cast.outsider, entry=correction, klass="average", reason="x")


def test_removal_counts_as_removed_not_escaped(unit_tree, cast, make_household):
    hh = make_household(unit_tree.hamlet, code="A")
    put(hh, 2025, "poor")
    services.review_household_remove(actor=cast.approver, household=hh, effective_on=dt.date(2026, 2, 1),
                                     reason="Cả hộ chuyển đến tỉnh khác.")
    total = table(unit_tree, 2026)[-1]
    assert (total.poor["start"], total.poor["removed"], total.poor["escaped"], total.poor["end"]) == (1, 1, 0, 0)


CLASSES = st.sampled_from(["poor", "near_poor", "average", "none", "removed", None])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(
    st.lists(st.tuples(CLASSES, st.integers(0, 2), st.sampled_from(["rural", "urban"]), st.booleans()),
             min_size=3, max_size=3),
    min_size=1, max_size=12,
))
def test_every_random_ledger_reconciles(unit_tree, make_household, histories):
    """Any history of any households across three years and three units: every row of both tables and
    both areas reconciles, and the children's start and end add up to the total's."""
    from giamngheo.households.models import Household

    LedgerEntry.objects.all().delete()
    Household.objects.all().delete()
    units = [unit_tree.hamlet, unit_tree.hamlet2, unit_tree.commune]
    for i, history in enumerate(histories):
        hh = make_household(unit_tree.hamlet, code=f"R{i}")
        for year, (klass, unit_index, area, em) in zip((2023, 2024, 2025), history, strict=True):
            if klass is not None:
                put(hh, year, klass, units[unit_index], area=area, em=em)
    rows = table(unit_tree, 2025)
    total = rows[-1]
    for klass in ("poor", "near_poor"):
        for row in rows:
            block = getattr(row, klass)
            assert ledger.reconciles(block, klass)
            for area in ("rural", "urban"):
                assert ledger.reconciles(block["area"][area], klass)
        children = [getattr(r, klass) for r in rows[:-1]]
        for column in ("start", "end", "end_ethnic_minority"):
            assert sum(b[column] for b in children) == getattr(total, klass)[column]
    # The province's table, whose only child in use is the commune, agrees with the commune's total.
    province_rows = table(unit_tree, 2025, unit_tree.province)
    commune_row = next(r for r in province_rows if r.unit_code == unit_tree.commune.code)
    assert commune_row.poor["start"] == total.poor["start"] and commune_row.poor["end"] == total.poor["end"]


def test_movements_are_cached_until_the_ledger_changes(unit_tree, make_household, monkeypatch):
    """A province page must not recompute a hundred communes per request, and must never show a stale table:
    the cache key carries the ledger's newest entry."""
    hh = make_household(unit_tree.hamlet, code="A")
    put(hh, 2024, "poor")
    computed = []
    real = ledger._movement_rows
    monkeypatch.setattr(ledger, "_movement_rows", lambda **kw: computed.append(kw) or real(**kw))

    first = table(unit_tree, 2025)
    again = table(unit_tree, 2025)
    assert len(computed) == 1 and again == first
    assert table(unit_tree, 2024) and len(computed) == 2  # another year is another table

    put(hh, 2025, "near_poor")  # a recognition adds an entry: the next request sees it
    after = table(unit_tree, 2025)
    assert len(computed) == 3
    assert (after[-1].poor["escaped"], first[-1].poor["escaped"]) == (1, 0)


def test_ledger_version_differs_for_a_reused_id(unit_tree, make_household):
    """SQLite hands out a rolled-back id again; the version must still change."""
    hh = make_household(unit_tree.hamlet, code="A")
    entry = put(hh, 2024, "poor")
    before = ledger.ledger_version()
    LedgerEntry.objects.filter(pk=entry.pk).delete()
    again = put(hh, 2024, "poor")
    LedgerEntry.objects.filter(pk=again.pk).update(id=entry.pk)
    assert ledger.ledger_version() != before
