"""The demo province: 2024 and 2025 reviews completed, 2026 in progress with every state visible, and a
movements table that reconciles for every unit."""

from __future__ import annotations

import pytest

from giamngheo.reviews import ledger
from giamngheo.reviews.models import Certificate, CycleKind, RegularRequest, ReviewCase, ReviewCycle
from giamngheo.reviews.states import CaseState

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from giamngheo.demo.build import demo_build

    return demo_build(households=4000, seed=7)


def test_demo_review_history(demo):
    """One build (it is slow on a shared machine), two checks."""
    _two_completed_years_and_one_in_progress()
    _movements_reconcile_for_every_unit()


def _two_completed_years_and_one_in_progress():
    periodic = ReviewCycle.objects.filter(kind=CycleKind.PERIODIC)
    assert set(periodic.filter(year__in=[2024, 2025]).values_list("status", flat=True)) == {"recognised"}
    current = periodic.get(year=2026)
    assert current.status == "open" and current.standards[0]["id"] == "2026"
    states = set(ReviewCase.objects.values_list("state", flat=True))
    assert states >= {s.value for s in CaseState}
    assert Certificate.objects.filter(year=2025).exists()
    assert RegularRequest.objects.filter(status="received").exists()
    assert RegularRequest.objects.filter(status="refused").exclude(refusal_reason="").exists()


def _movements_reconcile_for_every_unit():
    from giamngheo.geo.models import AdminUnit

    province = AdminUnit.objects.get(level="province", code="86", generation="2025")
    communes = [c for c in province.children.order_by("path") if c.households.exists()]
    moved = {"escaped": 0, "fell_from_near_poor": 0, "re_poor": 0, "newly_poor": 0}
    for unit in [province, *communes]:
        children = [(c.code, c.name, c.path) for c in unit.children.order_by("path")]
        for year in (2025, 2026):
            rows = ledger.movement_rows(unit_path=unit.path, children=children, unit_code=unit.code,
                                        unit_name=unit.name, series="national", year=year)
            for row in rows:
                for klass in ("poor", "near_poor"):
                    block = getattr(row, klass)
                    assert ledger.reconciles(block, klass), (unit.code, year, row.unit_code, klass)
                    for area in ("urban", "rural"):
                        assert ledger.reconciles(block["area"][area], klass)
            total = rows[-1].poor
            assert sum(r.poor["end"] for r in rows[:-1]) == total["end"]
            if year == 2025 and unit == province:
                for key in moved:
                    moved[key] = total[key]
    assert all(moved.values()), moved
