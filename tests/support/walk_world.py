"""One object of every support model in commune A, for the scope walks (pages and API): their ids fill the
walks' path parameters, and their texts carry a secret that must never reach an outsider."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from giamngheo.support.models import (
    Assignment,
    Campaign,
    EscapeRegistration,
    Pledge,
    Programme,
    ResourceEntry,
    SupportKind,
    SupportRecord,
    Target,
)

SUPPORT_SECRET = "Quỹ Bí Mật Xã A"


def support_objects(*, commune: Any, household: Any) -> list[int]:
    """Create the objects; returns every id (of every model), so any ``<int:…>`` parameter meets one."""
    day = dt.date(2026, 3, 2)
    kind = SupportKind.objects.get(code="loan")
    # A province programme is a catalogue entry every unit of the province may see: not a secret.
    programme = Programme.objects.create(code="a-rieng", name="Chương trình riêng của tỉnh", province=commune.parent,
                                         unit_path=commune.parent.path)
    spending = ResourceEntry.objects.create(
        unit=commune, unit_path=commune.path, level="commune", direction="spent", source="local_budget",
        amount=50_000_000, on=day, year=2026, description=SUPPORT_SECRET)
    record = SupportRecord.objects.create(
        household=household, unit_path=household.unit_path, kind=kind, given_on=day, year=2026,
        provider_type="social_policy_bank", provider_name=SUPPORT_SECRET, amount=30_000_000, loan_term_months=36,
        funded_by=spending)
    assignment = Assignment.objects.create(household=household, unit_path=household.unit_path,
                                           helper_type="party_member", helper_name=SUPPORT_SECRET, since=day,
                                           target_year=2027)
    registration = EscapeRegistration.objects.create(household=household, unit_path=household.unit_path,
                                                     registered_on=day, target_year=2027,
                                                     commitments=SUPPORT_SECRET)
    campaign = Campaign.objects.create(unit=commune, unit_path=commune.path, name=SUPPORT_SECRET,
                                       starts_on=dt.date(2026, 10, 17), ends_on=dt.date(2026, 11, 18))
    pledge = Pledge.objects.create(campaign=campaign, unit_path=commune.path, donor_name=SUPPORT_SECRET,
                                   donor_type="business", amount=10_000_000, pledged_on=dt.date(2026, 10, 20))
    target = Target.objects.create(unit=commune, unit_path=commune.path, indicator="poverty_rate",
                                   standard_id="2026", baseline_year=2025, target_year=2026, value=Decimal("1.5"),
                                   source_document=SUPPORT_SECRET)
    return [obj.pk for obj in (programme, spending, record, assignment, registration, campaign, pledge, target)]


def stats_objects(*, province: Any) -> dict[str, int]:
    """Statistics of every unit of the province (issue 9): a rollup for 2024 and 2025 whose household count is a
    number found nowhere else, and fresh fill states. Returns each unit's code and its 2025 number: a page or
    an answer carrying the number of a unit outside the user's scope has leaked that unit's figures."""
    from giamngheo.geo.models import AdminUnit
    from giamngheo.stats.models import FillState, Rollup

    secrets: dict[str, int] = {}
    units = AdminUnit.objects.filter(path__startswith=province.path).order_by("path")
    for index, unit in enumerate(units, start=1):
        secrets[unit.code] = 9_100_000 + 10_000 * index + 2025
        for year in (2024, 2025):
            Rollup.objects.update_or_create(
                unit=unit, level=unit.level, year=year, series="national", area="all",
                defaults={"unit_path": unit.path, "province": province, "standard_id": "2022-2025",
                          "counts": {"households": 9_100_000 + 10_000 * index + year, "poor.end": 7,
                                     "near_poor.end": 5}})
    for year in (2024, 2025):
        # A ledger entry written before (a review's) has already marked its year stale.
        FillState.objects.update_or_create(
            province=province, year=year, series="national",
            defaults={"standard_id": "2022-2025", "status": "fresh",
                      "filled_at": dt.datetime(year + 1, 1, 5, tzinfo=dt.UTC)})
    return secrets


def stats_secret_texts(number: int) -> tuple[str, str]:
    """A number as an answer may carry it: raw (JSON, chart data) and in Vietnamese format (9.130.000)."""
    return str(number), f"{number:,}".replace(",", ".")


def stats_grant(role: str, tree: Any) -> Any:
    """Where a role is held in life, on the test tree's commune B side: a surveyor on commune B's hamlet,
    commune staff on commune B, province staff on the province."""
    from giamngheo.accounts.roles import Role

    grants: dict[str, Any] = {Role.HAMLET_SURVEYOR: tree.other_hamlet, Role.COMMUNE_OFFICER: tree.other_commune,
                              Role.COMMUNE_APPROVER: tree.other_commune}
    return grants.get(role, tree.province)
