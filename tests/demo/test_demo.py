"""``giamngheo demo``: what a person trying the product gets, and what it must never do to real data."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from giamngheo.accounts.models import RoleGrant, User
from giamngheo.accounts.roles import Role
from giamngheo.core.text import fold
from giamngheo.demo.households import household_counts, split_counts
from giamngheo.demo.marker import is_demo_database
from giamngheo.demo.places import COMMUNES
from giamngheo.demo.population import PopulationGenerator
from giamngheo.demo.steps import Step, collect_steps
from giamngheo.geo.models import AdminUnit, DemoMarker
from giamngheo.households.classification import classification_is_stale, engine_record, standards_for
from giamngheo.households.models import Classification, Household
from giamngheo.imports.demo import NEW_HOUSEHOLDS
from giamngheo.standards import classify_records

pytestmark = pytest.mark.django_db


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_output() -> str:
    return _demo("--quick")


def test_the_demo_creates_the_accounts_with_their_roles(demo_output):
    grants = {(g.user.username, g.role, g.unit.name) for g in RoleGrant.objects.select_related("user", "unit")}
    assert grants >= {
        ("tinh", Role.PROVINCE_OFFICER, "Tỉnh Vĩnh Long"),
        ("xa", Role.COMMUNE_OFFICER, "Xã Càng Long"),
        ("xa_duyet", Role.COMMUNE_APPROVER, "Xã Càng Long"),
        ("thon", Role.HAMLET_SURVEYOR, "Ấp Đại Đức"),
        ("xa2", Role.COMMUNE_OFFICER, "Phường Trà Vinh"),
        ("quantri", Role.SYSTEM_ADMIN, "Tỉnh Vĩnh Long"),
    }
    for user in User.objects.filter(username__in=["tinh", "xa", "xa_duyet", "thon", "xa2", "quantri"]):
        assert user.is_demo and user.check_password("demo")
    assert is_demo_database()
    assert "Tài khoản xa: Cán bộ giảm nghèo cấp xã — Xã Càng Long (mật khẩu: demo)" in demo_output
    assert "Hộ gia đình: 600" in demo_output


def test_demo_households_sit_in_their_hamlets_and_are_searchable(demo_output):
    # Live households: those on a list that moved away are kept deleted, for their ledger.
    households = (Household.objects.filter(deleted_at__isnull=True).select_related("commune", "hamlet")
                  .prefetch_related("members"))
    assert households.count() == 600 + NEW_HOUSEHOLDS  # the generated ones and those the demo's import brought in
    province = AdminUnit.objects.get(level="province", code="86", generation="2025")
    # Every commune of the province has households (the map and the by-commune tables are full).
    assert {h.commune.code for h in households} == set(province.children.values_list("code", flat=True))
    assert province.children.count() == 124
    for household in households:
        assert household.hamlet is not None and household.hamlet.parent_id == household.commune_id
        assert household.unit_path == household.hamlet.path
        assert household.unit_path.startswith(household.commune.path)
        assert household.code.startswith(f"{household.commune.code}-")
        members = list(household.members.all())
        assert household.member_count == len(members)
        assert household.head_name == next(m.name for m in members if m.relation == "head")
        assert fold(household.head_name) in household.search_text
        assert all(len(m.citizen_id) == 12 and m.citizen_id.isdigit() for m in members)
    citizen_ids = [m.citizen_id for h in households for m in h.members.all()]
    assert len(set(citizen_ids)) == len(citizen_ids)
    # Trà Cú is mostly Khmer, and Khmer families carry Khmer surnames.
    khmer = [h for h in households if h.commune.code == "29461" and h.members.all()[0].ethnicity == "Khmer"]
    assert len(khmer) > 20
    assert Counter(h.head_name.split()[0] for h in khmer).most_common(1)[0][0] in {"Thạch", "Sơn", "Kim", "Danh"}


def test_demo_households_are_classified_and_their_results_are_current(demo_output):
    households = list(Household.objects.filter(deleted_at__isnull=True).select_related("commune__parent", "hamlet").prefetch_related("members"))
    assert all(h.current_standard == "2022-2025" and h.current_class for h in households)
    rows = {(c.household_id, c.standard_id): c for c in Classification.objects.all()}
    for household in households[:40]:
        record = engine_record(household)
        for standard in standards_for(record):
            row = rows[(household.pk, standard.id)]
            assert not classification_is_stale(row, standard, record)  # the pages will not recompute it
            assert row.result["explanation"]["text"]
            if not standard.is_local:
                assert row.klass == household.current_class


def test_a_second_run_on_the_demo_database_does_nothing(demo_output):
    before = Household.objects.count()
    assert "không làm gì thêm" in _demo("--quick")
    assert Household.objects.count() == before


def test_the_demo_refuses_a_database_with_real_accounts(make_user):
    make_user(username="canbo.that")
    with pytest.raises(CommandError) as excinfo:
        _demo("--quick")
    assert excinfo.value.returncode == 2
    assert "đã có dữ liệu thật" in str(excinfo.value)
    assert not Household.objects.exists()
    assert not DemoMarker.objects.exists()
    assert not User.objects.filter(is_demo=True).exists()


def test_force_builds_the_demo_beside_other_accounts(make_user):
    make_user(username="canbo.that")
    _demo("--households", "40", "--force")
    assert Household.objects.filter(deleted_at__isnull=True).count() == 40 + NEW_HOUSEHOLDS
    assert is_demo_database()


def test_the_demo_never_takes_over_an_existing_account_named_like_a_demo_one(make_user):
    make_user(username="xa")
    with pytest.raises(CommandError):
        _demo("--households", "20", "--force")
    assert not Household.objects.exists()
    assert not AdminUnit.objects.exists()  # the whole run was rolled back


def test_the_same_seed_gives_the_same_population_and_another_seed_does_not():
    def population(seed: int) -> list[dict]:
        generator = PopulationGenerator(seed)
        return list(generator.households(COMMUNES[2], count=50, hamlets=["Ấp Chợ", "Ấp Trà Tro"], area="rural",
                                         province_code="86"))

    assert population(7) == population(7)
    assert population(7) != population(8)


def test_the_population_is_as_poor_as_the_province_and_poorer_in_the_khmer_commune():
    generator = PopulationGenerator(20251015)
    records: list[dict] = []
    for spec, count in zip(COMMUNES, split_counts(8000, (c.weight for c in COMMUNES)), strict=True):
        area = "urban" if spec.hamlet_kind == "khom" else "rural"
        records += generator.households(spec, count=count, hamlets=list(spec.hamlets), area=area,
                                        province_code="86")
    results = classify_records(records, "2022-2025")
    overall = Counter(r["class"] for r in results)
    khmer_commune = Counter(r["class"] for rec, r in zip(records, results, strict=True) if rec["commune_code"] == "29461")
    n, k = len(records), sum(khmer_commune.values())
    assert 0.01 <= overall["poor"] / n <= 0.03
    assert 0.02 <= overall["near_poor"] / n <= 0.04
    assert khmer_commune["poor"] / k > 2 * overall["poor"] / n
    assert khmer_commune["near_poor"] / k > overall["near_poor"] / n
    members = [len(r["members"]) for r in records]
    assert sum(members) / n == pytest.approx(3.5, abs=0.2)


def test_split_counts_adds_up_to_the_total():
    assert split_counts(300, (c.weight for c in COMMUNES)) == [66, 78, 60, 54, 42]
    assert sum(split_counts(25_001, (0.3, 0.3, 0.4))) == 25_001


def test_the_detailed_communes_keep_a_small_demo_and_every_other_commune_gets_households():
    weights = [c.weight for c in COMMUNES] + [1.0] * 119
    quick = household_counts(600, weights, 5)
    assert quick[:5] == [66, 78, 60, 54, 42] and sum(quick) == 600 and min(quick[5:]) >= 2
    full = household_counts(50_000, weights, 5)
    assert sum(full) == 50_000 and sum(full[5:]) == 27_500 and min(full[5:]) >= 200


def test_an_app_adds_a_step_after_the_one_it_names(monkeypatch):
    def history(ctx):
        return None

    monkeypatch.setattr("giamngheo.demo.steps.app_steps", lambda: [Step("history", history, after="households")])
    names = [step.name for step in collect_steps()]
    assert names.index("history") == names.index("households") + 1


def test_the_demo_fills_the_statistics_of_every_commune_and_year(demo_output):
    from giamngheo.reviews.models import LedgerEntry
    from giamngheo.stats.models import FillState, HouseholdCount, Rollup

    province = AdminUnit.objects.get(level="province", code="86", generation="2025")
    years = sorted(set(FillState.objects.filter(province=province).values_list("year", flat=True)))
    assert years[0] == 2022 and years[-1] >= 2026
    assert set(FillState.objects.values_list("status", flat=True)) == {"fresh"}
    for year in years:
        communes = Rollup.objects.filter(province=province, year=year, level="commune", area="all")
        assert communes.count() == 124, year
    # Each past year has its own denominators, a little smaller the further back (the registry grows).
    totals = [sum(HouseholdCount.objects.filter(year=y).values_list("households", flat=True)) for y in years]
    assert totals[0] < totals[3] and all(t > 0 for t in totals)
    assert "Tỷ lệ hộ nghèo, cận nghèo của tỉnh (cuối năm): 2022: nghèo" in demo_output
    assert LedgerEntry.objects.filter(kind="removal", klass="removed").exists()
