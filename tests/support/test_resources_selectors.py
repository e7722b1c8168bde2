"""Resources selectors on a fixed data set: every total checked against a direct sum of the rows written, the
level rows against the total, each inconsistency found by the reconciliation, and scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import Http404

from giamngheo.accounts.roles import Role
from giamngheo.core.errors import ValidationFailed
from giamngheo.support.models import Campaign, Pledge, ResourceEntry, SupportKind, SupportRecord
from giamngheo.support.selectors import resources as sel

pytestmark = pytest.mark.django_db

# (unit, direction, source, amount, date) — the fixed books of province 86 in 2026 (and one 2025 row).
ROWS = [
    ("province", "mobilised", "central_budget", 5_000_000_000, dt.date(2026, 2, 10)),
    ("province", "spent", "central_budget", 3_000_000_000, dt.date(2026, 5, 10)),
    ("province", "mobilised", "for_the_poor_fund", 800_000_000, dt.date(2026, 11, 1)),
    ("province", "spent", "local_budget", 600_000_000, dt.date(2026, 6, 1)),
    ("commune", "mobilised", "local_budget", 400_000_000, dt.date(2026, 1, 15)),
    ("commune", "spent", "local_budget", 150_000_000, dt.date(2026, 4, 2)),
    ("commune", "spent", "central_budget", 900_000_000, dt.date(2026, 7, 3)),
    ("commune", "mobilised", "people", 60_800_000_000, dt.date(2026, 10, 20)),
    ("other_commune", "spent", "businesses", 70_000_000, dt.date(2026, 8, 8)),
    ("other_commune", "mobilised", "businesses", 50_000_000, dt.date(2026, 8, 1)),
    ("commune", "mobilised", "local_budget", 999_000_000, dt.date(2025, 12, 31)),  # another year
]


@dataclass
class Books:
    entries: list[ResourceEntry]
    spending: ResourceEntry  # the commune's local-budget spending
    campaign: Campaign
    pledges: list[Pledge]


def _entry(unit: Any, direction: str, source: str, amount: int, on: dt.date, **extra: Any) -> ResourceEntry:
    return ResourceEntry.objects.create(unit=unit, unit_path=unit.path, level=unit.level, direction=direction,
                                        source=source, amount=amount, on=on, year=on.year, description="x", **extra)


@pytest.fixture
def books(unit_tree: Any) -> Books:
    entries = [_entry(getattr(unit_tree, u), d, s, a, on) for u, d, s, a, on in ROWS]
    # A deleted entry counts nowhere.
    _entry(unit_tree.commune, "mobilised", "people", 1, dt.date(2026, 3, 3), deleted_at=dt.datetime(2026, 3, 4,
                                                                                                     tzinfo=dt.UTC))
    campaign = Campaign.objects.create(unit=unit_tree.commune, unit_path=unit_tree.commune.path, name="Cao điểm",
                                       starts_on=dt.date(2026, 10, 17), ends_on=dt.date(2026, 11, 18),
                                       goal_amount=100_000_000)
    pledges = [Pledge.objects.create(campaign=campaign, unit_path=campaign.unit_path, donor_name=name,
                                     donor_type="business", amount=amount, pledged_on=dt.date(2026, 10, 18))
               for name, amount in (("Công ty A", 40_000_000), ("Công ty B", 30_000_000), ("Hội C", 5_000_000))]
    # A: 25 + 20 received (over by 5); B: 10 received; C: nothing; plus 7 without a pledge, one after the campaign.
    for pledge, amount, on in ((pledges[0], 25_000_000, dt.date(2026, 10, 20)),
                               (pledges[0], 20_000_000, dt.date(2026, 10, 25)),
                               (pledges[1], 10_000_000, dt.date(2026, 10, 20))):
        _entry(unit_tree.commune, "mobilised", "businesses", amount, on, campaign=campaign, pledge=pledge)
    _entry(unit_tree.commune, "mobilised", "people", 7_000_000, dt.date(2026, 11, 25), campaign=campaign)
    return Books(entries=entries, spending=entries[5], campaign=campaign, pledges=pledges)


def _campaign_receipts() -> list[tuple[str, str, str, int, dt.date]]:
    return [("commune", "mobilised", "businesses", a, on) for a, on in (
        (25_000_000, dt.date(2026, 10, 20)), (20_000_000, dt.date(2026, 10, 25)), (10_000_000, dt.date(2026, 10, 20)))
    ] + [("commune", "mobilised", "people", 7_000_000, dt.date(2026, 11, 25))]


def direct(units: set[str], year: int, direction: str, source: str | None = None,
           months: range = range(1, 13)) -> int:
    rows = ROWS + _campaign_receipts()
    return sum(a for u, d, s, a, on in rows if u in units and on.year == year and d == direction
               and (source is None or s == source) and on.month in months)


@pytest.fixture
def province_officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)


ALL = {"province", "commune", "other_commune"}


def test_province_summary_equals_direct_sums(books: Books, unit_tree: Any, province_officer: Any) -> None:
    summary = sel.resource_summary(user=province_officer, unit=unit_tree.province, period=sel.Period(2026))
    assert summary.total.mobilised == direct(ALL, 2026, "mobilised")
    assert summary.total.spent == direct(ALL, 2026, "spent")
    for row in summary.by_source:
        assert row.flow.mobilised == direct(ALL, 2026, "mobilised", row.source), row.source
        assert row.flow.spent == direct(ALL, 2026, "spent", row.source), row.source
    assert sum(r.flow.balance for r in summary.by_source) == summary.total.balance
    levels = {row.unit.code: row for row in summary.by_level}
    assert summary.by_level[0].own and summary.by_level[0].unit == unit_tree.province
    for name in ALL:
        unit = getattr(unit_tree, name)
        assert levels[unit.code].flow.mobilised == direct({name}, 2026, "mobilised"), name
        assert levels[unit.code].flow.spent == direct({name}, 2026, "spent"), name
    assert summary.levels_add_up
    assert summary.entries == 10 + 4


def test_quarter_and_month(books: Books, unit_tree: Any, province_officer: Any) -> None:
    q4 = sel.resource_summary(user=province_officer, unit=unit_tree.province, period=sel.Period(2026, quarter=4))
    assert q4.total.mobilised == direct(ALL, 2026, "mobilised", months=range(10, 13))
    october = sel.resource_summary(user=province_officer, unit=unit_tree.province, period=sel.Period(2026, month=10))
    assert october.total.mobilised == direct(ALL, 2026, "mobilised", months=range(10, 11))
    assert sel.Period(2024, month=2).last == dt.date(2024, 2, 29)
    assert sel.Period(2026, quarter=3).first == dt.date(2026, 7, 1)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"year": 1999}, "year"), ({"year": 2101}, "year"), ({"year": None}, "year"), ({"year": "2026"}, "year"),
    ({"year": 2026, "quarter": 5}, "quarter"), ({"year": 2026, "month": 13}, "month"),
    ({"year": 2026, "quarter": 1, "month": 4}, "month"),
])
def test_period_is_bounded(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        sel.resource_period(**kwargs)
    assert field in exc.value.errors


def test_commune_summary_is_its_own_books(books: Books, unit_tree: Any, cast: Any) -> None:
    summary = sel.resource_summary(user=cast.officer, unit=unit_tree.commune, period=sel.Period(2026))
    assert summary.total.mobilised == direct({"commune"}, 2026, "mobilised")
    assert [row.unit for row in summary.by_level] == [unit_tree.commune]
    with pytest.raises(Http404):
        sel.resource_summary(user=cast.outsider, unit=unit_tree.commune, period=sel.Period(2026))
    with pytest.raises(Http404):
        sel.resource_summary(user=cast.officer, unit=unit_tree.province, period=sel.Period(2026))


def test_levels_that_do_not_add_up_are_flagged(books: Books, unit_tree: Any, province_officer: Any) -> None:
    # An entry whose path no longer matches its unit (a unit moved, a bad import): counted in the province's
    # total by path, but in no level row of the province.
    drifted = books.entries[4]
    ResourceEntry.objects.filter(pk=drifted.pk).update(unit=_orphan_unit(), unit_path="/86/99999/")
    summary = sel.resource_summary(user=province_officer, unit=unit_tree.province, period=sel.Period(2026))
    assert not summary.levels_add_up
    assert summary.total.mobilised - summary.levels_total.mobilised == 400_000_000
    kinds = [m.kind for m in sel.resource_reconciliation(user=province_officer, unit=unit_tree.province,
                                                         period=sel.Period(2026), summary=summary)]
    assert "levels_do_not_add_up" in kinds


def _orphan_unit() -> Any:
    from giamngheo.geo.models import AdminUnit

    return AdminUnit.objects.create(code="99999", level="commune", kind="xa", generation="legacy", name="Xã cũ",
                                    path="/L99/L99999/", source="tests")


def test_campaign_progress(books: Books, unit_tree: Any, cast: Any) -> None:
    progress = sel.campaign_progress(campaign=books.campaign)
    assert progress.goal == 100_000_000
    assert progress.pledged == 75_000_000
    assert progress.received == 62_000_000
    assert progress.received_on_pledges == 55_000_000
    assert progress.received_without_pledge == 7_000_000
    assert progress.received_in_period == 55_000_000  # the 25/11 receipt came after the campaign closed
    rows = {row.pledge.donor_name: row for row in progress.pledges}
    assert (rows["Công ty A"].received, rows["Công ty A"].outstanding, rows["Công ty A"].over) == (
        45_000_000, -5_000_000, True)
    assert (rows["Công ty B"].received, rows["Công ty B"].outstanding) == (10_000_000, 20_000_000)
    assert rows["Hội C"].outstanding == 5_000_000
    assert progress.outstanding == 25_000_000  # A's excess does not cancel what B and C still owe
    assert [(d.on, d.received, d.cumulative) for d in progress.days] == [
        (dt.date(2026, 10, 20), 35_000_000, 35_000_000), (dt.date(2026, 10, 25), 20_000_000, 55_000_000),
        (dt.date(2026, 11, 25), 7_000_000, 62_000_000)]
    assert str(progress.share_of_goal) == "0.62"
    listed = sel.campaign_list(user=cast.officer, year=2026).get(pk=books.campaign.pk)
    assert (listed.pledged, listed.received) == (75_000_000, 62_000_000)  # type: ignore[attr-defined]
    assert not sel.campaign_list(user=cast.outsider).exists()
    assert not sel.campaign_list(user=cast.officer, year=2025).exists()


def test_reconciliation_lists_every_inconsistency(books: Books, unit_tree: Any, make_household: Any,
                                                  province_officer: Any) -> None:
    kind = SupportKind.objects.get(code="loan")
    household = make_household(unit_tree.hamlet, code="H1")
    outside = make_household(unit_tree.other_hamlet, code="B1")

    def given(h: Any, amount: int, year: int = 2026) -> SupportRecord:
        return SupportRecord.objects.create(household=h, unit_path=h.unit_path, kind=kind, given_on=dt.date(year, 3, 1),
                                            year=year, provider_type="state_agency", amount=amount,
                                            funded_by=books.spending)

    # 150 M spending: 100 M + 80 M linked (over by 30 M), one of them of another commune.
    given(household, 100_000_000)
    given(outside, 80_000_000)
    found = sel.resource_reconciliation(user=province_officer, unit=unit_tree.province, period=sel.Period(2026))
    by_kind: dict[str, list[sel.Mismatch]] = {}
    for mismatch in found:
        by_kind.setdefault(mismatch.kind, []).append(mismatch)
    assert set(by_kind) == {"spending_over_linked", "pledge_over_received", "source_overspent", "link_out_of_place"}
    over = by_kind["spending_over_linked"][0]
    assert over.object_id == books.spending.pk and over.figures == {"amount": 150_000_000, "linked": 180_000_000}
    assert "30.000.000 đồng" in over.message
    pledge = by_kind["pledge_over_received"][0]
    assert pledge.figures == {"amount": 40_000_000, "received": 45_000_000} and "Công ty A" in pledge.message
    # Central budget: 5,000 M mobilised, 3,000 + 900 M spent → fine; businesses 50 + 55 M vs 70 M → fine;
    # local budget: 400 M mobilised (commune), 150 + 600 M spent → 350 M over.
    [overspent] = by_kind["source_overspent"]
    assert "Ngân sách địa phương" in overspent.message and "350.000.000 đồng" in overspent.message
    assert overspent.figures == {"mobilised": 400_000_000, "spent": 750_000_000}
    assert by_kind["link_out_of_place"][0].figures == {"records": 1}
    # The commune alone: its over-linked spending, its pledge, no other commune's problems.
    commune_kinds = {m.kind for m in sel.resource_reconciliation(user=province_officer, unit=unit_tree.commune,
                                                                 period=sel.Period(2026))}
    assert "spending_over_linked" in commune_kinds
    # Another year: none of it.
    assert sel.resource_reconciliation(user=province_officer, unit=unit_tree.province,
                                       period=sel.Period(2024)) == []


def test_source_overspent_is_found(unit_tree: Any, cast: Any) -> None:
    _entry(unit_tree.commune, "mobilised", "local_budget", 10, dt.date(2026, 1, 1))
    _entry(unit_tree.commune, "spent", "local_budget", 11, dt.date(2026, 2, 1))
    found = sel.resource_reconciliation(user=cast.officer, unit=unit_tree.commune, period=sel.Period(2026))
    assert [m.kind for m in found] == ["source_overspent"]
    assert found[0].figures == {"mobilised": 10, "spent": 11}


def test_entry_list_get_and_scope(books: Books, unit_tree: Any, cast: Any) -> None:
    listed = sel.resource_entry_list(user=cast.officer, period=sel.Period(2026))
    assert {e.unit_path for e in listed} == {unit_tree.commune.path}
    assert listed.count() == 4 + 4
    assert sel.resource_entry_list(user=cast.officer, direction="spent").count() == 2
    assert sel.resource_entry_list(user=cast.officer, campaign=books.campaign).count() == 4
    assert sel.resource_entry_get(user=cast.officer, pk=books.spending.pk) == books.spending
    for pk in (books.entries[0].pk, books.entries[8].pk, 0, -1, 2**70, "1", True):
        with pytest.raises(Http404):
            sel.resource_entry_get(user=cast.officer, pk=pk)  # type: ignore[arg-type]
    with pytest.raises(Http404):
        sel.resource_entry_get(user=cast.outsider, pk=books.spending.pk)
    with pytest.raises(Http404):
        sel.campaign_get(user=cast.outsider, pk=books.campaign.pk)
    with pytest.raises(Http404):
        sel.pledge_get(user=cast.outsider, pk=books.pledges[0].pk)
    # A surveyor reads support of the hamlet only, not the commune's books.
    with pytest.raises(Http404):
        sel.resource_entry_get(user=cast.surveyor, pk=books.spending.pk)
    assert list(sel.resource_units(user=cast.officer)) == [unit_tree.commune]
    with pytest.raises(Http404):
        sel.resource_unit_get(user=cast.officer, code=unit_tree.other_commune.code)


def test_spending_candidates_and_links(books: Books, unit_tree: Any, make_household: Any, cast: Any) -> None:
    kind = SupportKind.objects.get(code="loan")
    household = make_household(unit_tree.hamlet, code="H1", head="Lê Văn Tư")

    def given(year: int, **extra: Any) -> SupportRecord:
        return SupportRecord.objects.create(household=household, unit_path=household.unit_path, kind=kind,
                                            given_on=dt.date(year, 3, 1), year=year, provider_type="state_agency",
                                            amount=1_000_000, **extra)

    now, before, later = given(2026), given(2025), given(2027)
    linked = given(2026, funded_by=books.spending)
    other_commune = make_household(unit_tree.other_hamlet, code="B1")
    SupportRecord.objects.create(household=other_commune, unit_path=other_commune.unit_path, kind=kind,
                                 given_on=dt.date(2026, 3, 1), year=2026, provider_type="state_agency")
    candidates = sel.spending_candidates(user=cast.officer, spending=books.spending)
    assert set(candidates) == {now, before}
    assert set(sel.spending_candidates(user=cast.officer, spending=books.spending, year=2025)) == {before}
    assert set(sel.spending_candidates(user=cast.officer, spending=books.spending, q="H1")) == {now, before}
    assert not sel.spending_candidates(user=cast.officer, spending=books.spending, q="nobody").exists()
    links = sel.spending_links(spending=books.spending)
    assert (links.linked_total, links.linked_count, links.remaining, links.over) == (
        1_000_000, 1, 149_000_000, False)
    assert list(sel.spending_linked_records(user=cast.officer, spending=books.spending)) == [linked]
    assert later not in candidates
