"""Issue 9's acceptance: for the demo province, every kind of figure the provinces publish (domain/review.md,
"Figures the system must produce", 1–13) is shown on a dashboard or in a table, and each is checked here against
a direct count — from the ledger for statuses, movements and categories, from the survey results for
deprivations, from the engine for the two standards, from the support records and money entries for 10 and 11.

One demo (``--quick``, every commune with households and a 2022–2026 history) serves every check, so the test is
one function: building the demo is most of its cost."""

from __future__ import annotations

import io
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from openpyxl import load_workbook

from giamngheo.accounts.models import User
from giamngheo.core.formatting import format_number, format_percent
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Classification
from giamngheo.reviews import ledger
from giamngheo.reviews.models import ReviewCase
from giamngheo.standards.alkire_foster import measures
from giamngheo.standards.definition import get_standard
from giamngheo.stats.compare_registry import compare_registry
from giamngheo.stats.dashboard import dashboard_get
from giamngheo.stats.models import HouseholdCount
from giamngheo.stats.reconcile import reconcile_rollups
from giamngheo.stats.tables.report import province_report_workbook
from giamngheo.stats.tables.result import result_table
from giamngheo.stats.templatetags import dashboard_tags

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _scratch_var_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "var"
    settings.GIAMNGHEO_IMPORT_DIR = str(tmp_path / "var" / "imports")


def _latest_entries(province: AdminUnit, year: int) -> dict[int, Any]:
    """household → its effective ledger entry at the end of ``year`` (the ledger's rule, read one by one)."""
    latest: dict[int, Any] = {}
    for entry in (ledger.live_entries().filter(series="national", year__lte=year,
                                               unit_path__startswith=province.path)
                  .order_by("household_id", "year", "effective_on", "id")):
        latest[entry.household_id] = entry
    return latest


def _households(path: str, year: int) -> int:
    return HouseholdCount.objects.filter(year=year, unit_path__startswith=path).aggregate(n=Sum("households"))["n"]


def _profiles(province: AdminUnit, year: int, standard_id: str) -> dict[int, tuple[list[str], list[str]]]:
    """household → (deprivations, unknown) of the year: its latest survey of that year naming them, else the
    registry's classification of that year."""
    out = {c.household_id: (c.deprivations, c.unknown)
           for c in Classification.objects.filter(year=year, standard_id=standard_id,
                                                  household__unit_path__startswith=province.path,
                                                  household__deleted_at__isnull=True)}
    for case in (ReviewCase.objects.filter(cycle__year=year, unit_path__startswith=province.path,
                                           survey_complete=True).order_by("household_id", "surveyed_on", "id")):
        result = case.results.get(standard_id) or {}
        if "deprivations" in result:
            out[case.household_id] = (result["deprivations"], result.get("unknown") or [])
    return out


def test_every_published_figure_kind_against_a_direct_count() -> None:
    call_command("demo", "--quick", stdout=StringIO())
    province = AdminUnit.objects.get(level="province", code="86", generation="2025")
    tinh = User.objects.get(username="tinh")
    client = Client()
    client.force_login(tinh)
    year = 2025
    latest = _latest_entries(province, year)
    before = _latest_entries(province, year - 1)
    board = dashboard_get(unit=province, year=year, series="national", user=tinh)
    page = client.get(f"/thong-ke/{province.code}/", {"nam": year}).content.decode()
    assert board.now is not None

    # 1. Poor and near-poor households and their rate, per unit and year.
    poor = {h for h, e in latest.items() if e.klass == "poor"}
    near = {h for h, e in latest.items() if e.klass == "near_poor"}
    households = _households(province.path, year)
    assert (board.now["poor.end"], board.now["near_poor.end"], board.households) == (len(poor), len(near),
                                                                                       households)
    assert board.poor_rate == pytest.approx(len(poor) / households)
    assert format_number(len(poor)) in page and format_percent(len(poor) / households) in page
    for child in board.real_children:
        direct = sum(1 for h in poor if latest[h].unit_path.startswith(child.unit_path))
        assert child["poor.end"] == direct, child.name
        assert child.households == (_households(child.unit_path, year) or 0)

    # 2. Change in points against last year (each year over its own households) and against the plan.
    poor_before = sum(1 for e in before.values() if e.klass == "poor")
    points = (len(poor) / households - poor_before / _households(province.path, year - 1)) * 100
    assert board.poor_points == pytest.approx(points)
    assert dashboard_tags.points(points) in page
    if board.target is not None:
        assert board.target.actual == pytest.approx(points if board.target.is_change
                                                    else len(poor) / households * 100)

    # 3. "X of Y" per commune, and the communes with and without poor households.
    with_poor = {p for p in (AdminUnit.objects.filter(parent=province).values_list("path", flat=True))
                 if any(latest[h].unit_path.startswith(p) for h in poor)}
    assert board.children_with_poor == len(with_poor)
    assert board.children_without_poor == province.children.count() - len(with_poor)
    commune = AdminUnit.objects.get(code="29461", generation="2025")
    hamlets = dashboard_get(unit=commune, year=year, series="national", user=tinh)
    assert hamlets.children_with_poor == len({
        h.path for h in commune.children.all() if any(latest[x].unit_path.startswith(h.path) for x in poor)})

    # 4. Two standards side by side, on the same households: each count as the engine gives it alone.
    from giamngheo.households.classification import engine_record
    from giamngheo.households.models import Household
    from giamngheo.standards import classify_records

    a, b = get_standard("2022-2025"), get_standard("2027-2030")
    comparison = compare_registry(unit=commune, standard_a=a, standard_b=b)
    records = [engine_record(h) for h in Household.objects.filter(commune=commune, deleted_at__isnull=True)
               .prefetch_related("members")]
    for standard, side in ((a, "class_a"), (b, "class_b")):
        alone = Counter(r["class"] for r in classify_records(records, standard))
        shown = comparison.transitions.group_by(side).agg(pl.col("households").sum())
        assert dict(shown.iter_rows()) == {k: v for k, v in alone.items()}, standard.id

    # 5. Movements: escaped, re-poor, newly poor… as the ledger's movements table counts them.
    table = result_table(province, year=year, series="national")
    total = table.total
    assert total is not None
    rows = ledger.movement_rows(unit_path=province.path, children=[], unit_code=province.code,
                                unit_name=province.name, series="national", year=year)
    for klass in ("poor", "near_poor"):
        block = rows[-1].poor if klass == "poor" else rows[-1].near_poor
        for move in (*ledger.EXITS[klass], *ledger.ENTRIES[klass], "start", "end", "end_ethnic_minority"):
            assert total.value(klass, move) == block[move], (klass, move)
    assert block["escaped"] > 0 and rows[-1].poor["re_poor"] + rows[-1].poor["newly_poor"] > 0

    # 6. Ethnic-minority, meritorious and social-protection breakdowns; urban/rural.
    for code, attribute in (("poor.end_ethnic_minority", "ethnic_minority"), ("poor.end_meritorious", "meritorious"),
                            ("poor.end_social_protection", "social_protection")):
        assert board.now[code] == sum(1 for h in poor if getattr(latest[h], attribute)), code
    by_area = 0
    for area in ("urban", "rural"):
        figures = board.areas[area]
        assert figures is not None
        assert figures["poor.end"] == sum(1 for h in poor if latest[h].area == area), area
        by_area += figures["poor.end"]
    assert by_area == len(poor)

    # 7. The system's own tables reconcile (parts add up to the totals).
    assert reconcile_rollups(province, year=year) == []

    # 8, 10, 11. Targets against achievement, money by source, support outputs: sheets of the full report.
    book = load_workbook(io.BytesIO(province_report_workbook(province, year, "national", user=tinh)))
    sheets = set(book.sheetnames)
    assert {"Chỉ tiêu", "Nguồn lực", "Kết quả hỗ trợ"} <= sheets, sheets
    from giamngheo.support.models import ResourceEntry, SupportRecord

    mobilised = ResourceEntry.objects.filter(unit_path__startswith=province.path, deleted_at__isnull=True,
                                             year=year, direction="mobilised").aggregate(n=Sum("amount"))["n"] or 0
    money = [row for row in book["Nguồn lực"].iter_rows(values_only=True) if row and row[0] == "Tổng cộng"]
    assert money and money[0][1] == mobilised
    sheet = list(book["Kết quả hỗ trợ"].iter_rows(values_only=True))
    by_kind = sheet[:next(i for i, row in enumerate(sheet) if row and row[0] == "Theo đơn vị hỗ trợ")]
    given = SupportRecord.objects.filter(unit_path__startswith=province.path, deleted_at__isnull=True, year=year)
    assert sum(row[1] for row in by_kind if row and isinstance(row[1], int)) == given.count() > 0

    # 9. Deprivation profile of the poor, and causes of poverty.
    standard_id = board.standard_id
    profiles = _profiles(province, year, standard_id)
    for code in get_standard(standard_id).indicator_codes:
        direct = sum(1 for h in poor if h in profiles and code in profiles[h][0])
        assert board.now[f"dep_poor.{code}"] == direct, code
    causes: Counter[str] = Counter()
    last_case: dict[int, Any] = {}
    for case in ReviewCase.objects.filter(cycle__year=year, unit_path__startswith=province.path,
                                          survey_complete=True).order_by("household_id", "surveyed_on", "id"):
        last_case[case.household_id] = case
    for h in poor:
        if h in last_case:
            causes.update(last_case[h].causes)
    assert {c: board.now[f"cause.{c}"] for c in causes} == dict(causes)
    assert sum(causes.values()) > 0

    # 12. Poor households without working capacity, as a count and a share of all households.
    no_capacity = sum(1 for h in poor if latest[h].no_working_capacity)
    assert board.now["poor.end_no_capacity"] == no_capacity
    assert board.poor_share_no_capacity == pytest.approx(no_capacity / households)

    # 13. Alkire–Foster H, A, M0 and contributions, as the engine's own measure computes them.
    codes = get_standard(standard_id).indicator_codes
    frame = pl.DataFrame([
        {**{f"_d_{c}": (None if c in unknown else c in deprived) for c in codes}}
        for deprived, unknown in profiles.values()], schema={f"_d_{c}": pl.Boolean for c in codes})
    expected = measures(frame, codes, k=3)
    af = board.af
    assert af is not None
    assert (af.n, af.q) == (expected["overall"]["n"], expected["overall"]["q"])
    assert pytest.approx(expected["overall"]["H"]) == af.H and pytest.approx(expected["overall"]["M0"]) == af.M0
    for code in codes:
        mine, theirs = af.contribution[code], expected["overall"]["contribution"][code]
        assert (mine is None and theirs is None) or mine == pytest.approx(theirs), code
