"""The four support lists against counts made by hand from the ledger entries, support records, needs and
assignments of a fixed data set (``lists_world``), with the boundary cases the definitions name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import Http404

from giamngheo.accounts.roles import Role
from giamngheo.households.models import Household
from giamngheo.reviews.models import CaseNeed, LedgerEntry, LedgerKind, ReviewCase, ReviewCycle
from giamngheo.reviews.status import status_spans_refresh
from giamngheo.support.models import Assignment, SupportKind, SupportKindNeed, SupportRecord
from giamngheo.support.selectors import lists
from tests.support.conftest import cast, make_household, set_status  # noqa: F401  (fixtures)

YEAR = 2026


@dataclass
class ListsWorld:
    households: dict[str, Any]
    officer: Any
    outsider: Any
    province_user: Any
    unit_tree: Any


def give(household: Any, kind: str, on: dt.date, amount: int | None = None, *, deleted: bool = False) -> Any:
    return SupportRecord.objects.create(
        household=household, unit_path=household.unit_path, kind=SupportKind.objects.get(code=kind), given_on=on,
        year=on.year, provider_type="state_agency", amount=amount,
        deleted_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC) if deleted else None)


def needs(household: Any, codes: list[str], stated_on: dt.date, *, causes: list[str] | None = None,
          current: bool = True) -> ReviewCase:
    cycle, _made = ReviewCycle.objects.get_or_create(
        kind="regular", year=stated_on.year, month=stated_on.month, commune=household.commune,
        defaults={"unit_path": household.commune.path, "opens_on": stated_on, "closes_on": stated_on})
    case = ReviewCase.objects.create(cycle=cycle, household=household, unit_path=household.unit_path,
                                     source="request", survey_complete=True, surveyed_on=stated_on,
                                     causes=causes or [], wishes=codes)
    for code in codes:
        CaseNeed.objects.create(case=case, household=household, code=code, stated_on=stated_on, year=stated_on.year,
                                current=current, unit_path=household.unit_path)
    return case


def assign(household: Any, target_year: int, *, since: dt.date = dt.date(2024, 3, 1),
           ended_on: dt.date | None = None, name: str = "Đảng viên Trần Văn Giúp") -> Any:
    return Assignment.objects.create(household=household, unit_path=household.unit_path, helper_type="party_member",
                                     helper_name=name, since=since, target_year=target_year, ended_on=ended_on)


@pytest.fixture
def lists_world(unit_tree: Any, cast: Any, make_household: Callable[..., Any],  # noqa: F811
                set_status: Callable[..., Any], make_user: Callable[..., Any]) -> ListsWorld:  # noqa: F811
    h: dict[str, Any] = {}

    def make(key: str, unit: Any = None, **extra: Any) -> Any:
        h[key] = make_household(unit or unit_tree.hamlet, code=key, head=f"Chủ hộ {key}", **extra)
        return h[key]

    # Poor since 2025, nothing given: on the no-support list; an assignment due in 2025 is overdue.
    set_status(make("POOR-NOTHING"), 2025, "poor")
    assign(h["POOR-NOTHING"], 2025)
    assign(h["POOR-NOTHING"], 2026, name="Hội Phụ nữ xã")  # due this year: not overdue yet
    # Near-poor in 2026 and supported in March.
    set_status(make("NEAR-SUPPORTED", unit_tree.commune), 2026, "near_poor")
    give(h["NEAR-SUPPORTED"], "health_insurance", dt.date(2026, 3, 1))
    # Poor, supported on 31/12/2025 only: that was last year's support.
    set_status(make("DEC31"), 2025, "poor")
    set_status(h["DEC31"], 2026, "poor")
    give(h["DEC31"], "gift", dt.date(2025, 12, 31), 500_000)
    # A deleted support record is no support.
    set_status(make("DELETED-SUPPORT"), 2026, "near_poor")
    give(h["DELETED-SUPPORT"], "gift", dt.date(2026, 2, 2), deleted=True)
    # Removed from the register in 2026: on no list of 2026, and not escaped.
    set_status(make("REMOVED"), 2025, "poor")
    set_status(h["REMOVED"], 2026, "removed")
    # Escaped poverty in 2026 after support in 2024, 2025 and 2026.
    set_status(make("ESCAPED"), 2024, "poor")
    set_status(h["ESCAPED"], 2026, "average")
    give(h["ESCAPED"], "loan", dt.date(2024, 5, 1), 50_000_000)
    give(h["ESCAPED"], "livelihood_model", dt.date(2025, 4, 1), 8_000_000)
    give(h["ESCAPED"], "health_insurance", dt.date(2025, 1, 10))
    give(h["ESCAPED"], "vocational_training", dt.date(2026, 2, 1), 3_000_000)
    give(h["ESCAPED"], "loan", dt.date(2023, 6, 1), 30_000_000)  # three years before: not shown
    # Near-poor → none: escaped near-poverty.
    set_status(make("ESCAPED-NEAR"), 2025, "near_poor")
    set_status(h["ESCAPED-NEAR"], 2026, "none")
    # Poor → near-poor in 2026: escaped poverty and still on the near-poor lists.
    set_status(make("POOR-TO-NEAR"), 2025, "poor")
    set_status(h["POOR-TO-NEAR"], 2026, "near_poor")
    give(h["POOR-TO-NEAR"], "housing_repair", dt.date(2026, 8, 8), 40_000_000)
    # Recorded poor in commune B, then moved to commune A: listed by commune A, its commune now.
    moved = make("MOVED", unit_tree.other_commune)
    set_status(moved, 2025, "poor")
    Household.objects.filter(pk=moved.pk).update(commune=unit_tree.commune, hamlet=unit_tree.hamlet,
                                                 unit_path=unit_tree.hamlet.path)
    # Recognised poor in 2026, then corrected to "none": the corrected entry never counts.
    wrong = set_status(make("CORRECTED"), 2026, "poor")
    LedgerEntry.objects.create(
        household=h["CORRECTED"], year=2026, standard_id="2026", series="national", kind=LedgerKind.CORRECTION,
        klass="none", effective_on=dt.date(2026, 12, 10), area="rural", commune=unit_tree.commune,
        unit_path=unit_tree.hamlet.path, corrects=wrong)
    status_spans_refresh([h["CORRECTED"].pk])
    # A deleted household is on no list.
    set_status(make("GONE"), 2026, "poor")
    Household.objects.filter(pk=h["GONE"].pk).update(deleted_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    # Needs: a loan given before credit was asked for does not meet it; a repair after it meets housing.
    set_status(make("NEEDS"), 2025, "poor")
    set_status(h["NEEDS"], 2026, "poor")
    needs(h["NEEDS"], ["credit", "housing"], dt.date(2026, 3, 1), causes=["capital", "land"])
    give(h["NEEDS"], "loan", dt.date(2026, 2, 1), 20_000_000)
    give(h["NEEDS"], "housing_repair", dt.date(2026, 4, 1), 30_000_000)
    assign(h["NEEDS"], 2024, ended_on=dt.date(2026, 6, 1))  # ended in 2026: overdue in 2025 only
    # Needs met: training after the wish; an old (not current) wish is ignored.
    set_status(make("NEEDS-MET"), 2026, "near_poor")
    needs(h["NEEDS-MET"], ["housing"], dt.date(2025, 4, 1), current=False)
    needs(h["NEEDS-MET"], ["jobs_training"], dt.date(2026, 1, 10))
    give(h["NEEDS-MET"], "vocational_training", dt.date(2026, 5, 5))
    # A need stated after the year asked about is not that year's unmet need.
    set_status(make("NEED-LATE"), 2025, "poor")
    needs(h["NEED-LATE"], ["clean_water"], dt.date(2026, 7, 1))
    # Commune B: poor with nothing, an unmet need and an overdue assignment.
    set_status(make("B-POOR", unit_tree.other_commune), 2025, "poor")
    needs(h["B-POOR"], ["credit"], dt.date(2026, 1, 5))
    assign(h["B-POOR"], 2020)
    for household in h.values():
        household.refresh_from_db()
    province_user = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    return ListsWorld(h, cast.officer, cast.outsider, province_user, unit_tree)


# The rules again, written from the raw rows (ledger entries, records, needs, assignments), not the spans.

def status_at_end(household: Any, year: int) -> str | None:
    entries = [e for e in LedgerEntry.objects.filter(household=household, series="national")]
    corrected = {e.corrects_id for e in entries if e.corrects_id}
    live = sorted((e for e in entries if e.pk not in corrected and e.year <= year),
                  key=lambda e: (e.year, e.effective_on, e.pk))
    return live[-1].klass if live else None


def supported_in(household: Any, year: int) -> bool:
    return any(r.deleted_at is None and r.given_on.year == year for r in SupportRecord.objects.filter(household=household))


def unmet_codes(household: Any, year: int) -> set[str]:
    unmet = set()
    for need in CaseNeed.objects.filter(household=household):
        if not need.current or need.stated_on > dt.date(year, 12, 31):
            continue
        answering = set(SupportKindNeed.objects.filter(need=need.code).values_list("kind_id", flat=True))
        met = any(r.deleted_at is None and r.kind_id in answering
                  and need.stated_on <= r.given_on <= dt.date(year, 12, 31)
                  for r in SupportRecord.objects.filter(household=household))
        if not met:
            unmet.add(need.code)
    return unmet


def overdue(household: Any, year: int) -> list[Any]:
    end = dt.date(year, 12, 31)
    return [a for a in Assignment.objects.filter(household=household)
            if a.deleted_at is None and a.target_year < year and a.since <= end
            and (a.ended_on is None or a.ended_on > end)]


def expected(slug: str, world: ListsWorld, user: Any, year: int, klass: str | None = None) -> set[str]:
    from giamngheo.accounts.scope import allows

    found = set()
    for household in world.households.values():
        household.refresh_from_db()
        if household.deleted_at is not None or not allows(user, "household.view", household.unit_path):
            continue
        end = status_at_end(household, year)
        if slug == lists.ESCAPED:
            origin = klass or "poor"
            target = {"poor": {"near_poor", "average", "none"}, "near_poor": {"average", "none"}}[origin]
            if status_at_end(household, year - 1) == origin and end in target:
                found.add(household.code)
            continue
        if end not in ([klass] if klass else ["poor", "near_poor"]):
            continue
        if (slug == lists.NO_SUPPORT and not supported_in(household, year)
                or slug == lists.UNMET_NEEDS and unmet_codes(household, year)
                or slug == lists.OVERDUE_ASSIGNMENTS and overdue(household, year)):
            found.add(household.code)
    return found


def listed(slug: str, user: Any, year: int, klass: str | None = None, unit_path: str | None = None) -> set[str]:
    return {row.code for row in lists.list_rows(slug, user=user, year=year, klass=klass, unit_path=unit_path)}


@pytest.mark.parametrize("slug", lists.SLUGS)
@pytest.mark.parametrize("year", [2025, 2026])
def test_each_list_equals_the_count_by_hand(lists_world: ListsWorld, slug: str, year: int) -> None:
    for user in (lists_world.officer, lists_world.outsider, lists_world.province_user):
        want = expected(slug, lists_world, user, year)
        assert listed(slug, user, year) == want
        assert lists.list_count(slug, user=user, year=year) == len(want)
    for klass in ("poor", "near_poor"):
        assert listed(slug, lists_world.officer, year, klass) == expected(slug, lists_world, lists_world.officer,
                                                                         year, klass)


def test_the_fixed_data_set_gives_the_lists_named_in_the_definitions(lists_world: ListsWorld) -> None:
    officer = lists_world.officer
    assert listed(lists.NO_SUPPORT, officer, YEAR) == {"POOR-NOTHING", "DEC31", "DELETED-SUPPORT", "MOVED",
                                                        "NEED-LATE"}
    assert listed(lists.NO_SUPPORT, officer, 2025) == {"POOR-NOTHING", "REMOVED", "ESCAPED-NEAR",
                                                        "POOR-TO-NEAR", "MOVED", "NEED-LATE", "NEEDS"}
    assert listed(lists.UNMET_NEEDS, officer, YEAR) == {"NEEDS", "NEED-LATE"}
    assert listed(lists.UNMET_NEEDS, officer, 2025) == set()
    assert listed(lists.OVERDUE_ASSIGNMENTS, officer, YEAR) == {"POOR-NOTHING"}
    assert listed(lists.ESCAPED, officer, YEAR) == {"ESCAPED", "POOR-TO-NEAR"}
    assert listed(lists.ESCAPED, officer, YEAR, "near_poor") == {"ESCAPED-NEAR"}
    assert listed(lists.NO_SUPPORT, lists_world.outsider, YEAR) == {"B-POOR"}


def test_rows_show_what_each_list_is_about(lists_world: ListsWorld) -> None:
    officer = lists_world.officer
    page = lists.unmet_needs(user=officer, year=YEAR)
    row = next(r for r in page.rows if r.code == "NEEDS")
    assert row.needs == ["Vay vốn ưu đãi"]
    assert row.causes == ["Thiếu vốn sản xuất, kinh doanh", "Thiếu đất sản xuất"]
    assert row.klass == "poor" and row.head_name == "Chủ hộ NEEDS" and row.hamlet_name

    row = lists.overdue_assignments(user=officer, year=YEAR).rows[0]
    assert [(a["helper_name"], a["target_year"], a["years_overdue"]) for a in row.assignments] == [
        ("Đảng viên Trần Văn Giúp", 2025, 1)]
    assert [r.code for r in lists.overdue_assignments(user=officer, year=2025).rows] == ["NEEDS"]

    escaped = {r.code: r for r in lists.escaped(user=officer, year=YEAR).rows}
    row = escaped["ESCAPED"]
    assert (row.previous_klass, row.klass) == ("poor", "average")
    assert [(s.year, s.count, s.money) for s in row.support] == [
        (2024, 1, 50_000_000), (2025, 2, 8_000_000), (2026, 1, 3_000_000)]
    assert len(row.support[1].kinds) == 2 and row.support[0].kinds == [SupportKind.objects.get(code="loan").name]
    assert [(s.count, s.money) for s in escaped["POOR-TO-NEAR"].support] == [(0, 0), (0, 0), (1, 40_000_000)]
    # Never a citizen ID: the rows have no such field at all.
    assert not any("citizen" in name for name in vars(row))


def test_keyset_pages_walk_the_list_once_in_order(lists_world: ListsWorld) -> None:
    officer = lists_world.officer
    every = [r.code for r in lists.list_rows(lists.NO_SUPPORT, user=officer, year=2025)]
    seen: list[str] = []
    after = None
    while True:
        page = lists.no_support(user=officer, year=2025, after=after, page_size=2, start=len(seen) + 1)
        assert page.total == len(every)
        assert page.start == len(seen) + 1
        seen += [r.code for r in page.rows]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == every
    assert seen == [h.code for h in sorted(Household.objects.filter(code__in=every),
                                           key=lambda h: (h.unit_path, h.pk))]
    # Back from the last page.
    back = lists.no_support(user=officer, year=2025, before=page.previous_cursor, page_size=2, start=page.start)
    assert [r.code for r in back.rows] == seen[-len(page.rows) - 2:-len(page.rows)]


def test_a_unit_narrows_the_list_and_one_outside_the_scope_is_not_found(lists_world: ListsWorld) -> None:
    world = lists_world
    assert listed(lists.NO_SUPPORT, world.province_user, YEAR, unit_path=world.unit_tree.other_commune.path) == {
        "B-POOR"}
    assert listed(lists.NO_SUPPORT, world.officer, YEAR, unit_path=world.unit_tree.commune.path) == listed(
        lists.NO_SUPPORT, world.officer, YEAR)
    with pytest.raises(Http404):
        lists.no_support(user=world.officer, year=YEAR, unit_path=world.unit_tree.other_commune.path)
    with pytest.raises(Http404):
        lists.no_support(user=world.outsider, year=YEAR, unit_path=world.unit_tree.hamlet.path)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"year": 1999}, "year"), ({"year": 2101}, "year"), ({"year": 2026, "klass": "average"}, "klass"),
    ({"year": 2026, "page_size": 201}, "page_size"), ({"year": 2026, "page_size": 0}, "page_size"),
])
def test_parameters_out_of_bounds_are_refused_with_the_field_named(lists_world: ListsWorld, kwargs: dict[str, Any],
                                                                   field: str) -> None:
    with pytest.raises(lists.ListParameterError) as caught:
        lists.no_support(user=lists_world.officer, **kwargs)
    assert caught.value.field == field and caught.value.message


def test_status_counts_and_a_tampered_cursor(lists_world: ListsWorld) -> None:
    counts = lists.status_counts(user=lists_world.officer, year=YEAR)
    by_hand = [status_at_end(h, YEAR) for h in lists_world.households.values()
               if h.deleted_at is None and h.unit_path.startswith(lists_world.unit_tree.commune.path)]
    assert counts == {"poor": by_hand.count("poor"), "near_poor": by_hand.count("near_poor")}
    # A cursor naming commune B's last household only moves the page: nothing of B appears.
    b = lists_world.households["B-POOR"]
    page = lists.no_support(user=lists_world.officer, year=YEAR, after=f"0:{b.unit_path[:-1]}")
    assert "B-POOR" not in {r.code for r in page.rows}
    page = lists.no_support(user=lists_world.officer, year=YEAR, after="garbage")
    assert page.total == len(page.rows) == 5
