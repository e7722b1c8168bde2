"""Demo step: four years of support, the people assigned to help, the money behind it, and the targets.

Runs after the review history (``reviews/demo.py``: 2023–2025 in the ledger, the 2026 review in progress) and
reads what it left: the households' statuses (``StatusSpan``), their completed 2024 and 2025 cases, their
members. Everything is drawn from ``ctx.seed`` (a stream of its own) and written in bulk, so ``giamngheo demo``
stays fast; households are walked in code order, never by primary key, so the same seed gives the same data.

What it writes, and why each piece looks as it does:

* **Needs and causes** on the completed 2024 and 2025 cases, read from each household's own record (a house
  with flimsy walls asks for housing, an unemployed adult for a job, a member without a card for health
  insurance); the 2025 wishes leave out what 2023–2025 already settled (a house built, water connected).
  ``reviews.needs.case_needs_refresh`` then turns them into ``CaseNeed`` rows.
* **Support records** 2023–2026 for the households on the list *during* each year (the list recognised at the
  end of the year before; the ledger's 2023 list is partial — the demo leaves the 2023 list as an import
  exercise — so the 2024 list stands in for 2023): health-insurance cards for every member, Tết gifts, Social
  Policy Bank loans with their outstanding balance on 30/09/2026, houses, training, jobs, livelihood models,
  scholarships, water and information support, each under the programme of its year (national target
  programme 2021–2025 projects until 2025, the 2026–2035 programme from 2026). Escaped households had more help
  in the years before; newly escaped ones borrow under the "newly escaped" credit line. Some poor and
  near-poor households get nothing in 2026 and many 2025 wishes stay unmet, so every support list has rows.
* **Assignments** of party members of the hamlet's cell, commune agencies and mass organisations to most poor
  households, ended when the household escaped; many are past their target year with the household still poor.
  **Escape registrations** with the household's commitments.
* **Resources** by source, level and year: each support record that cost money is linked to the spending that
  paid it (linked amounts never exceed a spending), every spending is covered by what its unit mobilised from
  the same source that year, and the province runs the 17/10–18/11 "Vì người nghèo" campaign every year with
  pledges and receipts (never more than pledged).
* **Targets** of the province (2021–2025 under the 2022-2025 standard, 2026 under the 2026 standard) allocated
  to the demo communes so that counts add up and rates average out, valued from the demo's own ledger so that
  % of plan looks like a real province's; Trà Cú's are set too tight, so the off-track list has rows.

Like the households step, rows are written without one audit entry each: the build itself is audited
(``giamngheo.demo.built``) and the database is marked as a demo database.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.core.formatting import format_money, format_number
from giamngheo.demo.bulk import insert_objects
from giamngheo.demo.context import DemoContext
from giamngheo.demo.names import full_name
from giamngheo.demo.steps import Step
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household, Member
from giamngheo.reviews.models import CycleKind, ReviewCase, StatusSpan
from giamngheo.reviews.needs import case_needs_refresh
from giamngheo.support.models import (
    Assignment,
    AssignmentEnd,
    Campaign,
    EscapeGoal,
    EscapeRegistration,
    FlowDirection,
    FundSource,
    HelperType,
    Pledge,
    Programme,
    ProviderType,
    ResourceEntry,
    SupportKind,
    SupportRecord,
    Target,
)

SEED_OFFSET = 8  # review history +24, imports +7: each step draws from a stream of its own
YEARS = (2023, 2024, 2025, 2026)
ON_LIST = ("poor", "near_poor")
NATIONAL = "national"
# The demo's "today" for support: the 2026 review is under way (meetings in early October).
LAST_DAY = dt.date(2026, 11, 30)
LOAN_BALANCE_ON = dt.date(2026, 9, 30)  # the quarter-end the Social Policy Bank reports balances at
TET = {2023: dt.date(2023, 1, 22), 2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17)}
# What the state pays for one health-insurance card a year: 4.5 % of the base salary × 12 months.
CARD_PRICE = {2023: 972_000, 2024: 972_000, 2025: 1_263_600, 2026: 1_263_600}
MILLION = 1_000_000
CHUNK = 5000  # ids per IN (...) query: well under SQLite's bound-parameter limit


# ---------------------------------------------------------------------------------------------------- reading


@dataclass
class _Member:
    member_id: str
    relation: str
    birth_year: int | None
    employment: str
    education: str
    in_education: bool
    health_insured: bool
    disability: str
    social_allowance: bool

    def age(self, year: int) -> int | None:
        return None if self.birth_year is None else year - self.birth_year


@dataclass
class _Household:
    pk: int
    code: str
    unit_path: str
    commune_id: int
    hamlet_id: int | None
    area: str
    flimsy: bool  # walls or roof not durable, or a very small house
    unsafe_water: bool
    no_devices: bool
    members: list[_Member]
    status: dict[int, str]  # class at the end of each year 2023–2026 (national series)
    ethnic_minority: bool
    profile: list[str] = field(default_factory=list)  # what the household needs, in the review's WISHES codes
    causes: list[str] = field(default_factory=list)
    settled: set[str] = field(default_factory=set)  # one-time needs already met (a house, water…)
    wishes_2025: list[str] | None = None
    last_loan_year: int = 0

    def during(self, year: int) -> str | None:
        """The class in force during ``year``: recognised at the end of the year before. Before 2025 a
        household on the 2023 or the 2024 list counts as on it (the 2024 list stands in for the earlier
        ones); a 2023 entry out of the lists does not hide a 2024 one."""
        if year >= 2025:
            return self.status.get(year - 1)
        return next((self.status[y] for y in (2023, 2024) if self.status.get(y) in ON_LIST), None)

    def escaped_in(self, year: int) -> bool:
        return self.status.get(year - 1) == "poor" and self.status.get(year) in ("near_poor", "average", "none")


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _load_households(communes: list[AdminUnit]) -> list[_Household]:
    """Every household of the demo communes that has been poor or near-poor at the end of some year."""
    spans: dict[int, list[tuple[str, int, int | None, bool]]] = defaultdict(list)
    for household_id, klass, first, last, minority in (
        StatusSpan.objects.filter(series=NATIONAL, household__commune__in=communes,
                                  household__deleted_at__isnull=True)
        .values_list("household_id", "klass", "first_year", "last_year", "ethnic_minority")
    ):
        spans[household_id].append((klass, first, last, minority))
    ids = sorted(pk for pk, rows in spans.items() if any(r[0] in ON_LIST for r in rows))
    members: dict[int, list[_Member]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        rows.extend(dict(row) for row in Household.objects.filter(pk__in=chunk).values(
            "pk", "code", "unit_path", "commune_id", "hamlet_id", "area", "walls_durable", "roof_durable",
            "floor_area_m2", "member_count", "water_source", "information_devices"))
        for m in (Member.objects.filter(household_id__in=chunk).order_by("household_id", "position")
                  .values("household_id", "member_id", "relation", "birth_date", "age", "employment",
                          "education_completed", "in_education", "health_insured", "disability",
                          "monthly_social_allowance")):
            birth = m["birth_date"].year if m["birth_date"] else (2025 - m["age"] if m["age"] is not None else None)
            members[m["household_id"]].append(_Member(
                member_id=m["member_id"], relation=m["relation"], birth_year=birth, employment=m["employment"],
                education=m["education_completed"], in_education=bool(m["in_education"]),
                health_insured=bool(m["health_insured"]), disability=m["disability"],
                social_allowance=bool(m["monthly_social_allowance"])))
    households = []
    for row in sorted(rows, key=lambda r: r["code"]):
        status = {}
        for klass, first, last, _minority in spans[row["pk"]]:
            for year in YEARS:
                if first <= year and (last is None or year <= last):
                    status[year] = klass
        small = row["floor_area_m2"] is not None and row["floor_area_m2"] < 8 * max(row["member_count"], 1)
        households.append(_Household(
            pk=row["pk"], code=row["code"], unit_path=row["unit_path"], commune_id=row["commune_id"],
            hamlet_id=row["hamlet_id"], area=row["area"],
            flimsy=row["walls_durable"] is False or row["roof_durable"] is False or small,
            unsafe_water=row["water_source"] in ("unprotected_well", "unprotected_spring", "surface", "other"),
            no_devices=not row["information_devices"], members=members[row["pk"]], status=status,
            ethnic_minority=any(r[3] for r in spans[row["pk"]])))
    return households


# ------------------------------------------------------------------------------------------- needs and causes

_TRAINED = ("vocational_elementary", "vocational_intermediate", "college", "university")


def _working_age(member: _Member, year: int) -> bool:
    age = member.age(year)
    return age is not None and 16 <= age <= 55 and member.disability not in ("severe", "very_severe")


def _students(household: _Household, year: int) -> list[_Member]:
    return [m for m in household.members if m.in_education and 6 <= (m.age(year) or 0) <= 22]


def _profile(household: _Household, rng: random.Random) -> None:
    """What this household would ask for, and why it is poor, from its own record."""
    poor = household.status.get(2024) == "poor" or household.status.get(2025) == "poor"
    year = 2025
    workers = [m for m in household.members if _working_age(m, year)]
    jobless = [m for m in workers if m.employment in ("unemployed", "not_working") and not m.in_education]
    needs = []
    if rng.random() < (0.9 if poor else 0.7):
        needs.append("credit")
    if household.flimsy:
        needs.append("housing")
    if jobless or (workers and rng.random() < 0.25):
        needs.append("jobs_training")
    if any(not m.health_insured for m in household.members):
        needs.append("health_insurance")
    if _students(household, year):
        needs.append("education")
    if household.area == "rural" and workers and rng.random() < 0.45:
        needs.append("production_model")
    if household.area == "rural" and rng.random() < 0.08:
        needs.append("land")
    if household.unsafe_water:
        needs.append("clean_water")
    if household.no_devices:
        needs.append("information")
    elderly = [m for m in household.members if (m.age(year) or 0) >= 60]
    disabled = [m for m in household.members if m.disability in ("severe", "very_severe")]
    if (disabled or (elderly and len(elderly) == len(household.members))) and not any(
            m.social_allowance for m in household.members):
        needs.append("social_allowance")
    household.profile = needs

    causes = []
    if "credit" in needs or rng.random() < 0.5:
        causes.append("capital")
    if household.area == "rural" and rng.random() < 0.3:
        causes.append("land")
    if jobless or not workers:
        causes.append("labour_or_jobs")
    if disabled:
        causes.append("illness_disability")
    dependants = [m for m in household.members if (m.age(year) or 30) < 16 or (m.age(year) or 30) >= 60]
    if len(household.members) >= 4 and 2 * len(dependants) >= len(household.members):
        causes.append("many_dependents")
    if rng.random() < 0.25:
        causes.append("know_how")
    if elderly and len(elderly) == len(household.members) and len(household.members) <= 2:
        causes.append("elderly_alone")
    household.causes = causes or ["other"]


def _cases_by_household(households: list[_Household]) -> dict[tuple[int, int], tuple[int, str]]:
    """(household, year) → (case id, proposed class) of the completed periodic cases of 2024 and 2025."""
    out: dict[tuple[int, int], tuple[int, str]] = {}
    ids = [h.pk for h in households]
    for chunk in _chunks(ids):
        for pk, household_id, year, klass in (
            ReviewCase.objects.filter(household_id__in=chunk, cycle__kind=CycleKind.PERIODIC,
                                      cycle__year__in=[2024, 2025], survey_complete=True)
            .values_list("pk", "household_id", "cycle__year", "proposed_class")
        ):
            out[(household_id, year)] = (pk, klass)
    return out


def _store_needs(households: list[_Household], cases: dict[tuple[int, int], tuple[int, str]],
                 rng: random.Random) -> Counter[str]:
    """Write causes and wishes onto the 2024 and 2025 cases: one UPDATE per distinct answer, not per case."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = defaultdict(list)
    stated: Counter[str] = Counter()
    for household in households:
        for year in (2024, 2025):
            found = cases.get((household.pk, year))
            if found is None:
                continue
            case_id, klass = found
            if klass in ON_LIST:
                wishes = household.profile if year == 2024 else _wishes_2025(household)
                causes = household.causes
            else:
                # Out of poverty: a household that just escaped often asks for the "newly escaped" credit line.
                wishes = ["credit"] if rng.random() < 0.4 else []
                causes = []
            if year == 2025:
                household.wishes_2025 = list(wishes)
                stated.update(wishes)
            groups[(tuple(causes), tuple(wishes))].append(case_id)
    for (stored_causes, stored_wishes), case_ids in sorted(groups.items()):
        for start in range(0, len(case_ids), CHUNK):
            ReviewCase.objects.filter(pk__in=case_ids[start:start + CHUNK]).update(
                causes=list(stored_causes), wishes=list(stored_wishes))
    return stated


def _wishes_2025(household: _Household) -> list[str]:
    """The 2025 survey: what 2023–2025 settled once and for all is no longer asked for."""
    return [need for need in household.profile if need not in household.settled]


# ----------------------------------------------------------------------------------------------- support records


@dataclass(frozen=True)
class _Bucket:
    """One spending that pays for a set of support records: its unit, year, source and programme."""

    unit_id: int
    year: int
    source: str
    programme: str  # programme code, "" when the spending spans several
    description: str


@dataclass
class _Catalog:
    kinds: dict[str, SupportKind]
    kind_codes: dict[int, str]
    programmes: dict[str, Programme]
    province: AdminUnit
    communes: dict[int, AdminUnit]
    users: dict[int, Any]  # commune id → the officer who records its support (the province officer otherwise)

    def programme_of(self, year: int, before: str, after: str) -> Programme:
        return self.programmes[before if year <= 2025 else after]


def _short(unit: AdminUnit) -> str:
    """"Xã Càng Long" → "Càng Long" (as in a bank branch's or a school's name)."""
    for prefix in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu "):
        if unit.name.startswith(prefix):
            return unit.name[len(prefix):]
    return unit.name


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    last = min(last, LAST_DAY)
    return first + dt.timedelta(days=rng.randrange(max((last - first).days, 0) + 1))


def _millions(rng: random.Random, low: int, high: int, step: int = 5) -> int:
    return rng.randrange(low, high + 1, step) * MILLION


class _Support:
    """Builds the support records of every year in memory, each with the spending that will pay it."""

    def __init__(self, catalog: _Catalog, rng: random.Random) -> None:
        self.catalog = catalog
        self.rng = rng
        self.records: list[tuple[SupportRecord, _Bucket | None]] = []
        self.left_out: set[int] = set()
        self.texts: dict[tuple[str, int, int], tuple[str, _Bucket]] = {}

    def add(self, household: _Household, kind_code: str, day: dt.date, provider_type: str, provider_name: str,
            *, programme: Programme | None, bucket: _Bucket | None, member: str = "", amount: int | None = None,
            quantity: int | None = None, description: str = "", term: int | None = None) -> None:
        kind = self.catalog.kinds[kind_code]
        # A record carries only the facts its kind asks for (the services refuse the others).
        facts = set(kind.fields)
        assert (not member or "member" in facts) and (amount is None or "amount" in facts)
        assert (quantity is None or "quantity" in facts) and (not description or "description" in facts)
        assert term is None or "loan" in facts
        outstanding = None
        if term is not None and amount is not None:
            months = (LOAN_BALANCE_ON.year - day.year) * 12 + LOAN_BALANCE_ON.month - day.month
            outstanding = max(0, amount - amount * months // term) // 100_000 * 100_000
        user = self.catalog.users.get(household.commune_id)
        user_id = user.pk if user is not None else None
        # Ids rather than instances: tens of thousands of rows, and a related-object assignment costs more.
        self.records.append((SupportRecord(
            household_id=household.pk, unit_path=household.unit_path, kind_id=kind.pk,
            programme_id=programme.pk if programme else None, given_on=day, year=day.year,
            provider_type=provider_type, provider_name=provider_name, member_ref=member, amount=amount,
            quantity=quantity, description=description, loan_term_months=term, loan_outstanding=outstanding,
            loan_outstanding_on=LOAN_BALANCE_ON if term else None, created_by_id=user_id, updated_by_id=user_id,
        ), bucket))

    def commune(self, household: _Household) -> AdminUnit:
        return self.catalog.communes[household.commune_id]

    def bucket(self, household: _Household | None, year: int, source: str, programme: Programme | None,
               description: str) -> _Bucket:
        unit = self.catalog.province if household is None else self.commune(household)
        return _Bucket(unit.pk, year, source, programme.code if programme else "", description)

    # One method per kind of help, each deciding from the household's needs whether it comes this year.

    def cards(self, household: _Household, year: int) -> None:
        programme = self.catalog.programmes["bhyt-ho-ngheo"]
        key = ("cards", household.commune_id, year)
        if key not in self.texts:  # one card per member: translate once per commune and year, not per card
            self.texts[key] = (str(_("Bảo hiểm xã hội tỉnh Vĩnh Long")), self.bucket(
                household, year, FundSource.LOCAL_BUDGET, programme,
                _("Mua thẻ bảo hiểm y tế cho người thuộc hộ nghèo, hộ cận nghèo năm %(year)s") % {"year": year}))
        provider, bucket = self.texts[key]
        day = _day(self.rng, dt.date(year, 1, 3), dt.date(year, 2, 27))
        for member in household.members:
            self.add(household, "health_insurance", day, ProviderType.STATE_AGENCY, provider, programme=programme,
                     bucket=bucket, member=member.member_id, quantity=1)

    def gift(self, household: _Household, year: int, klass: str) -> None:
        if self.rng.random() >= (0.75 if klass == "poor" else 0.35):
            return
        commune = self.commune(household)
        programme = self.catalog.programmes["quy-vi-nguoi-ngheo"]
        day = TET[year] - dt.timedelta(days=self.rng.randint(3, 14))
        self.add(household, "gift", day, ProviderType.FUND,
                 _("Ủy ban MTTQ Việt Nam %(commune)s") % {"commune": _lower_first(commune.name)},
                 programme=programme, amount=self.rng.choice((500_000, 700_000, 1_000_000)),
                 description=_("Quà Tết Nguyên đán năm %(year)s") % {"year": year},
                 bucket=self.bucket(household, year, FundSource.FOR_THE_POOR_FUND, programme,
                                    _("Quà Tết cho hộ nghèo, hộ cận nghèo năm %(year)s") % {"year": year}))

    def loan(self, household: _Household, year: int, klass: str | None, wishes: list[str], *,
             boost: bool = False, newly_escaped: bool = False) -> None:
        if household.last_loan_year >= year - 1:
            return  # one loan at a time: the bank lends again once the last one is well under way
        chance = (0.45 if "credit" in wishes else 0.12) * (1.0 if klass == "poor" else 0.75)
        if newly_escaped:
            chance = 0.35 if "credit" in wishes else 0.15
        if boost:
            chance = max(chance, 0.6)
        if self.rng.random() >= chance:
            return
        rng = self.rng
        if newly_escaped:
            code, amount, purpose = "tin-dung-chinh-sach-ho-moi-thoat-ngheo", _millions(rng, 30, 100), None
        elif "housing" in wishes and rng.random() < 0.3:
            code, amount, purpose = "tin-dung-chinh-sach-nha-o", _millions(rng, 40, 60), _("Xây, sửa chữa nhà ở")
        elif "clean_water" in wishes and rng.random() < 0.5:
            code, amount, purpose = ("tin-dung-chinh-sach-nuoc-sach", _millions(rng, 20, 25),
                                     _("Xây bể chứa nước, nhà tiêu hợp vệ sinh"))
        elif "jobs_training" in wishes and rng.random() < 0.3:
            code, amount, purpose = ("tin-dung-chinh-sach-viec-lam", _millions(rng, 50, 100),
                                     _("Mở rộng sản xuất, tạo việc làm"))
        elif "education" in wishes and rng.random() < 0.2:
            code, amount, purpose = ("tin-dung-chinh-sach-hoc-sinh-sinh-vien", _millions(rng, 20, 40),
                                     _("Chi phí học tập của con"))
        else:
            code = "tin-dung-chinh-sach-ho-ngheo" if klass == "poor" else "tin-dung-chinh-sach-ho-can-ngheo"
            amount, purpose = _millions(rng, 30, 100), None
        if purpose is None:
            purpose = rng.choice((_("Nuôi bò sinh sản"), _("Nuôi heo"), _("Trồng dừa, cây ăn trái"),
                                  _("Buôn bán nhỏ"), _("Nuôi tôm, cá"), _("Mua máy móc, công cụ sản xuất")))
        programme = self.catalog.programmes[code]
        commune = self.commune(household)
        last = dt.date(year, 9, 25) if year == 2026 else dt.date(year, 12, 15)
        self.add(household, "loan", _day(rng, dt.date(year, 2, 20), last), ProviderType.SOCIAL_POLICY_BANK,
                 _("Phòng giao dịch Ngân hàng Chính sách xã hội %(place)s") % {"place": _short(commune)},
                 programme=programme, amount=amount, term=rng.choice((36, 48, 60)) if "hoc-sinh" not in code else 60,
                 description=purpose,
                 bucket=self.bucket(household, year, FundSource.POLICY_CREDIT, programme,
                                    _("Giải ngân vốn vay: %(programme)s năm %(year)s")
                                    % {"programme": programme.short_name or programme.name, "year": year}))
        household.last_loan_year = year

    def house(self, household: _Household, year: int, klass: str, wishes: list[str], boost: bool) -> None:
        if "housing" not in wishes or "housing" in household.settled:
            return
        if self.rng.random() >= (0.3 if klass == "poor" else 0.15) + (0.2 if boost else 0):
            return
        rng = self.rng
        new = household.flimsy and rng.random() < 0.6
        amount = _millions(rng, 50, 60) if new else _millions(rng, 40, 45)
        day = _day(rng, dt.date(year, 3, 1), dt.date(year, 11, 20))
        commune = self.commune(household)
        if year in (2024, 2025):
            # The "xóa nhà tạm" drive: the province's "Vì người nghèo" fund pays the houses.
            programme = self.catalog.programmes["xoa-nha-tam"]
            provider, name = ProviderType.FUND, _("Ủy ban MTTQ Việt Nam tỉnh Vĩnh Long")
            bucket = self.bucket(None, year, FundSource.FOR_THE_POOR_FUND, programme,
                                 _("Hỗ trợ xóa nhà tạm, nhà dột nát cho hộ nghèo, hộ cận nghèo năm %(year)s")
                                 % {"year": year})
        else:
            programme = self.catalog.programme_of(year, "ntp-2021-2025-da5", "ntp-2026-2035-nha-o")
            provider, name = ProviderType.STATE_AGENCY, _("Ủy ban nhân dân %(commune)s") % {
                "commune": _lower_first(commune.name)}
            bucket = self.bucket(household, year, FundSource.CENTRAL_BUDGET, programme, _(
                "Chi %(programme)s năm %(year)s") % {"programme": programme.short_name, "year": year})
        self.add(household, "housing_new" if new else "housing_repair", day, provider, name, programme=programme,
                 amount=amount, bucket=bucket,
                 description=_("Xây mới nhà ở") if new else _("Sửa chữa mái, tường nhà ở"))
        household.settled.add("housing")

    def work(self, household: _Household, year: int, wishes: list[str], boost: bool) -> None:
        if "jobs_training" not in wishes:
            return
        rng = self.rng
        for member in household.members:
            if not _working_age(member, year) or member.in_education:
                continue
            if member.education not in _TRAINED and rng.random() < 0.12 + (0.1 if boost else 0):
                programme = self.catalog.programme_of(year, "ntp-2021-2025-da4-tda1", "ntp-2026-2035-viec-lam")
                self.add(household, "vocational_training", _day(rng, dt.date(year, 3, 1), dt.date(year, 10, 31)),
                         ProviderType.STATE_AGENCY, _("Trung tâm Giáo dục nghề nghiệp – Giáo dục thường xuyên"),
                         programme=programme, member=member.member_id, amount=rng.randrange(20, 46, 5) * 100_000,
                         description=rng.choice((_("Sơ cấp nghề may công nghiệp"), _("Kỹ thuật nuôi tôm nước lợ"),
                                                 _("Sửa chữa máy nông nghiệp"), _("Kỹ thuật trồng rau an toàn"),
                                                 _("Điện dân dụng"), _("Chế biến món ăn"))),
                         bucket=self.bucket(household, year, FundSource.CENTRAL_BUDGET, programme, _(
                             "Chi %(programme)s năm %(year)s") % {"programme": programme.short_name, "year": year}))
            age = member.age(year) or 0
            # The 2026–2035 programme puts jobs first: more placements from 2026.
            placement = (0.3 if year >= 2026 else 0.1) + (0.1 if boost else 0)
            if member.employment in ("unemployed", "not_working") and rng.random() < placement:
                programme = self.catalog.programme_of(year, "ntp-2021-2025-da4-tda3", "ntp-2026-2035-viec-lam")
                self.add(household, "job_placement", _day(rng, dt.date(year, 3, 1), dt.date(year, 11, 15)),
                         ProviderType.STATE_AGENCY, _("Trung tâm Dịch vụ việc làm tỉnh Vĩnh Long"),
                         programme=programme, member=member.member_id, bucket=None,
                         description=rng.choice((_("Công nhân may, khu công nghiệp Long Đức"),
                                                 _("Công nhân chế biến thủy sản"), _("Lao động thời vụ nông nghiệp"),
                                                 _("Bảo vệ, tạp vụ tại doanh nghiệp"),
                                                 _("Công nhân khu công nghiệp Hòa Phú"))))
            elif 18 <= age <= 35 and rng.random() < 0.015:
                programme = self.catalog.programme_of(year, "ntp-2021-2025-da4-tda2", "ntp-2026-2035-viec-lam")
                self.add(household, "work_abroad", _day(rng, dt.date(year, 3, 1), dt.date(year, 10, 31)),
                         ProviderType.STATE_AGENCY, _("Trung tâm Dịch vụ việc làm tỉnh Vĩnh Long"),
                         programme=programme, member=member.member_id, amount=_millions(rng, 10, 20),
                         description=rng.choice((_("Thực tập sinh kỹ năng tại Nhật Bản"),
                                                 _("Lao động theo hợp đồng tại Hàn Quốc (chương trình EPS)"),
                                                 _("Lao động theo hợp đồng tại Đài Loan"))),
                         bucket=self.bucket(household, year, FundSource.CENTRAL_BUDGET, programme, _(
                             "Chi %(programme)s năm %(year)s") % {"programme": programme.short_name, "year": year}))

    def livelihood(self, household: _Household, year: int, wishes: list[str], boost: bool) -> None:
        if "production_model" not in wishes or self.rng.random() >= 0.25 + (0.3 if boost else 0):
            return
        rng = self.rng
        models = ((_("Mô hình nuôi bò sinh sản"), 2), (_("Mô hình nuôi dê"), 5), (_("Mô hình nuôi gà thả vườn"), 100),
                  (_("Mô hình trồng rau màu"), 1), (_("Mô hình nuôi cá ao"), 500))
        name, quantity = models[rng.randrange(len(models))]
        if year <= 2025:
            code = rng.choice(("ntp-2021-2025-da2", "ntp-2021-2025-da3-tda1"))
        else:
            code = "ntp-2026-2035-sinh-ke"
        programme = self.catalog.programmes[code]
        self.add(household, "livelihood_model", _day(rng, dt.date(year, 3, 1), dt.date(year, 10, 31)),
                 ProviderType.STATE_AGENCY,
                 _("Ủy ban nhân dân %(commune)s") % {"commune": _lower_first(self.commune(household).name)},
                 programme=programme, amount=rng.randrange(10, 31) * MILLION, quantity=quantity, description=name,
                 bucket=self.bucket(household, year, FundSource.CENTRAL_BUDGET, programme, _(
                     "Chi %(programme)s năm %(year)s") % {"programme": programme.short_name, "year": year}))

    def schooling(self, household: _Household, year: int, wishes: list[str], sponsors: list[str]) -> None:
        if "education" not in wishes:
            return
        rng = self.rng
        for student in _students(household, year):
            if rng.random() >= 0.35:
                continue
            day = _day(rng, dt.date(year, 8, 20), dt.date(year, 9, 30))
            if rng.random() < 0.5:
                self.add(household, "scholarship", day, ProviderType.BUSINESS, rng.choice(sponsors), programme=None,
                         member=student.member_id, amount=rng.choice((1_000_000, 1_500_000, 2_000_000)),
                         bucket=self.bucket(None, year, FundSource.BUSINESSES, None, _(
                             "Học bổng doanh nghiệp tài trợ cho học sinh hộ nghèo, hộ cận nghèo năm %(year)s")
                             % {"year": year}))
            else:
                programme = self.catalog.programmes["quy-vi-nguoi-ngheo"]
                self.add(household, "scholarship", day, ProviderType.MASS_ORGANISATION,
                         _("Hội Khuyến học %(commune)s") % {"commune": _lower_first(self.commune(household).name)},
                         programme=programme, member=student.member_id, amount=rng.choice((500_000, 1_000_000)),
                         bucket=self.bucket(household, year, FundSource.FOR_THE_POOR_FUND, programme, _(
                             "Học bổng cho học sinh hộ nghèo, hộ cận nghèo năm %(year)s") % {"year": year}))

    def living(self, household: _Household, year: int, wishes: list[str]) -> None:
        rng = self.rng
        commune = self.commune(household)
        if "clean_water" in wishes and "clean_water" not in household.settled and rng.random() < 0.25:
            self.add(household, "clean_water", _day(rng, dt.date(year, 4, 1), dt.date(year, 10, 31)),
                     ProviderType.STATE_AGENCY,
                     _("Ủy ban nhân dân %(commune)s") % {"commune": _lower_first(commune.name)}, programme=None,
                     amount=rng.randrange(3, 7) * MILLION,
                     description=rng.choice((_("Bồn chứa nước và bộ lọc nước hộ gia đình"),
                                             _("Đấu nối nước máy"), _("Xây nhà tiêu hợp vệ sinh"))),
                     bucket=self.bucket(household, year, FundSource.LOCAL_BUDGET, None, _(
                         "Hỗ trợ nước sạch, nhà tiêu hợp vệ sinh năm %(year)s") % {"year": year}))
            household.settled.add("clean_water")
        if "information" in wishes and "information" not in household.settled and rng.random() < 0.2:
            programme = self.catalog.programme_of(year, "ntp-2021-2025-da6-tda1", "ntp-2026-2035-thong-tin")
            self.add(household, "information", _day(rng, dt.date(year, 4, 1), dt.date(year, 10, 31)),
                     ProviderType.STATE_AGENCY,
                     _("Ủy ban nhân dân %(commune)s") % {"commune": _lower_first(commune.name)},
                     programme=programme, amount=rng.randrange(2, 5) * MILLION,
                     description=rng.choice((_("Tặng ti vi"), _("Tặng điện thoại thông minh"), _("Tặng radio"))),
                     bucket=self.bucket(household, year, FundSource.CENTRAL_BUDGET, programme, _(
                         "Chi %(programme)s năm %(year)s") % {"programme": programme.short_name, "year": year}))
            household.settled.add("information")


SPONSORS = ("Công ty TNHH Thủy sản Phú Thành", "Công ty Cổ phần Nông sản Cửu Long Xanh",
            "Công ty TNHH May mặc Long Hưng", "Công ty Cổ phần Dừa Bến Tre Xanh",
            "Công ty TNHH Vật liệu xây dựng Trà Vinh Phát", "Công ty Cổ phần Điện nước Tân Thành")


def _support_year(support: _Support, household: _Household, year: int) -> None:
    klass = household.during(year)
    if klass not in ON_LIST:
        # Escaped the year before: the "newly escaped" credit line (the household's 2025 wish, if any).
        if household.escaped_in(year - 1) and year >= 2025:
            wishes = household.wishes_2025 if household.wishes_2025 is not None else ["credit"]
            support.loan(household, year, None, wishes, newly_escaped=True)
        return
    if year == 2026 and household.pk in support.left_out:
        return
    wishes = household.profile if year <= 2025 or household.wishes_2025 is None else household.wishes_2025
    # Households that escaped the next year or the one after were the ones helped most.
    boost = household.escaped_in(year) or household.escaped_in(year + 1)
    support.cards(household, year)
    support.gift(household, year, klass)
    support.loan(household, year, klass, wishes, boost=boost)
    support.house(household, year, klass, wishes, boost)
    support.work(household, year, wishes, boost)
    support.livelihood(household, year, wishes, boost)
    support.schooling(household, year, wishes, list(SPONSORS))
    support.living(household, year, wishes)


def _left_out_2026(households: list[_Household], rng: random.Random) -> set[int]:
    """Poor and near-poor households with nothing yet in 2026: mostly the newly recognised ones."""
    candidates = [h for h in households if h.during(2026) in ON_LIST]
    chosen = {h.pk for h in candidates
              if rng.random() < (0.4 if h.status.get(2024) not in ON_LIST else 0.05)}
    if candidates and not chosen:
        chosen.add(candidates[0].pk)
    return chosen


# ---------------------------------------------------------------------------------------------------- resources


def _ceil(amount: float, unit: int = MILLION) -> int:
    return int(math.ceil(amount / unit)) * unit


class _Money:
    """Spending entries for the buckets, mobilised entries covering them, and the province's campaigns."""

    def __init__(self, ctx: DemoContext, catalog: _Catalog, rng: random.Random, commune_of: dict[int, int]) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.rng = rng
        self.commune_of = commune_of  # household → commune
        self.units = {catalog.province.pk: catalog.province, **catalog.communes}
        self.spent: Counter[tuple[int, int, str]] = Counter()  # (unit, year, source) → money spent
        self.entries: list[ResourceEntry] = []
        self.grouped: dict[_Bucket, list[SupportRecord]] = defaultdict(list)
        self.linked: dict[_Bucket, ResourceEntry] = {}
        self.doc = 0

    def user(self, unit: AdminUnit) -> Any:
        return self.catalog.users.get(unit.pk) or self.ctx.users.get("tinh")

    def entry(self, unit: AdminUnit, direction: str, source: str, amount: int, on: dt.date, description: str, *,
              programme: Programme | None = None, campaign: Campaign | None = None, pledge: Pledge | None = None,
              document: str = "") -> ResourceEntry:
        on = min(on, LAST_DAY)
        self.doc += 1
        user = self.user(unit)
        row = ResourceEntry(unit=unit, unit_path=unit.path, level=unit.level, direction=direction, source=source,
                            amount=amount, on=on, year=on.year, programme=programme, campaign=campaign,
                            pledge=pledge, description=description,
                            document=document or f"{self.doc}/QĐ-UBND", created_by=user, updated_by=user)
        self.entries.append(row)
        if direction == FlowDirection.SPENT:
            self.spent[(unit.pk, on.year, source)] += amount
        return row

    def spendings(self, records: list[tuple[SupportRecord, _Bucket | None]]) -> None:
        """One spending per bucket; its amount covers what it paid (cards: their price; the rest: the sum of
        the records' amounts and a little more for costs not recorded per household)."""
        for record, bucket in records:
            if bucket is not None:
                self.grouped[bucket].append(record)
        for bucket in sorted(self.grouped, key=lambda b: (b.year, b.unit_id, b.source, b.programme, b.description)):
            paid = self.grouped[bucket]
            linked = sum(r.amount or 0 for r in paid)
            if bucket.programme == "bhyt-ho-ngheo":
                amount = CARD_PRICE[bucket.year] * len(paid)
            elif bucket.source == FundSource.POLICY_CREDIT:
                amount = linked  # a disbursement is exactly the loans it made
            else:
                amount = _ceil(linked * (1 + self.rng.uniform(0.0, 0.06)))
            last = max(r.given_on for r in paid)
            on = min(last + dt.timedelta(days=self.rng.randint(1, 10)), dt.date(bucket.year, 12, 28))
            on = max(on, last) if on.year == bucket.year else last
            programme = self.catalog.programmes.get(bucket.programme) if bucket.programme else None
            self.linked[bucket] = self.entry(self.units[bucket.unit_id], FlowDirection.SPENT, bucket.source, amount, on,
                                             bucket.description, programme=programme)

    def running_costs(self, households: list[_Household]) -> None:
        """Spending not paid household by household: communication, capacity building, electricity bills,
        people's own work on the houses."""
        province = self.catalog.province
        scale = max(self.ctx.households, 1000) / 25_000
        for year in YEARS:
            communication = self.catalog.programme_of(year, "ntp-2021-2025-da6-tda2", "ntp-2026-2035-thong-tin")
            capacity = self.catalog.programme_of(year, "ntp-2021-2025-da7", "ntp-2026-2035-nang-luc")
            self.entry(province, FlowDirection.SPENT, FundSource.CENTRAL_BUDGET, _ceil(850 * MILLION * scale),
                       dt.date(year, 11, 20), _("Truyền thông về giảm nghèo đa chiều năm %(year)s") % {"year": year},
                       programme=communication)
            self.entry(province, FlowDirection.SPENT, FundSource.CENTRAL_BUDGET, _ceil(600 * MILLION * scale),
                       dt.date(year, 10, 15), _("Tập huấn nâng cao năng lực, giám sát, đánh giá năm %(year)s")
                       % {"year": year}, programme=capacity)
            poor = sum(1 for h in households if h.during(year) == "poor")
            if poor:
                self.entry(province, FlowDirection.SPENT, FundSource.LOCAL_BUDGET, _ceil(poor * 46_000 * 12),
                           dt.date(year, 12, 5) if year < 2026 else dt.date(2026, 11, 25),
                           _("Hỗ trợ tiền điện cho hộ nghèo năm %(year)s") % {"year": year})
        houses: Counter[tuple[int, int]] = Counter()
        for records in self.grouped.values():
            for record in records:
                if self.catalog.kind_codes[record.kind_id] in ("housing_new", "housing_repair") and record.amount:
                    houses[(self.commune_of[record.household_id], record.year)] += record.amount
        for (commune_id, year), amount in sorted(houses.items()):
            commune = self.catalog.communes[commune_id]
            work = _ceil(amount * 0.12)
            self.entry(commune, FlowDirection.MOBILISED, FundSource.PEOPLE, work, dt.date(year, 11, 25),
                       _("Nhân dân, dòng họ đóng góp ngày công, vật liệu xây, sửa nhà năm %(year)s") % {"year": year})
            self.entry(commune, FlowDirection.SPENT, FundSource.PEOPLE, work, dt.date(year, 11, 28),
                       _("Ngày công, vật liệu xây, sửa nhà cho hộ nghèo, hộ cận nghèo năm %(year)s")
                       % {"year": year})

    def campaigns(self) -> tuple[list[Campaign], list[Pledge]]:
        """The province's peak month 17/10–18/11 each year, its pledges and the receipts against them."""
        province = self.catalog.province
        rng = self.rng
        scale = max(self.ctx.households, 1000) / 25_000
        donors = [(name, ProviderType.BUSINESS) for name in SPONSORS] + [
            (_("Ngân hàng Nông nghiệp và Phát triển Nông thôn chi nhánh Vĩnh Long"), ProviderType.BUSINESS),
            (_("Liên đoàn Lao động tỉnh Vĩnh Long"), ProviderType.MASS_ORGANISATION),
            (_("Hội Doanh nhân trẻ tỉnh Vĩnh Long"), ProviderType.MASS_ORGANISATION),
            (_("Cán bộ, công chức, viên chức các sở, ngành tỉnh"), ProviderType.STATE_AGENCY),
            (_("Hội đồng hương Vĩnh Long tại Thành phố Hồ Chí Minh"), ProviderType.COMMUNITY),
            (_("Chùa, nhà thờ và các cơ sở tôn giáo trên địa bàn"), ProviderType.COMMUNITY),
        ]
        user = self.user(province)
        campaigns = [Campaign(
            unit=province, unit_path=province.path, source=FundSource.FOR_THE_POOR_FUND,
            name=_("Tháng cao điểm «Vì người nghèo» năm %(year)s") % {"year": year},
            starts_on=dt.date(year, 10, 17), ends_on=dt.date(year, 11, 18), created_by=user, updated_by=user,
            note=_("Đợt vận động hằng năm của Ủy ban MTTQ Việt Nam tỉnh."),
        ) for year in YEARS]
        spent = {year: self.spent[(province.pk, year, FundSource.FOR_THE_POOR_FUND)] for year in YEARS}
        pledged_total: dict[int, list[tuple[str, str, int]]] = {}
        for campaign, year in zip(campaigns, YEARS, strict=True):
            wanted = spent[year] * 1.1 + 1_500 * MILLION * scale
            chosen = rng.sample(donors, rng.randint(7, len(donors)))
            weights = [rng.uniform(0.5, 3.0) for _donor in chosen]
            promised = [(str(name), str(kind), _ceil(wanted * w / sum(weights), 10 * MILLION))
                        for (name, kind), w in zip(chosen, weights, strict=True)]
            pledged_total[year] = promised
            campaign.goal_amount = _ceil(sum(p[2] for p in promised) * 1.1, 100 * MILLION)
        Campaign.objects.bulk_create(campaigns)
        assert all(c.pk for c in campaigns)  # both backends return the new ids
        pledge_rows: list[Pledge] = []
        for campaign, year in zip(campaigns, YEARS, strict=True):
            for name, kind, amount in pledged_total[year]:
                pledge_rows.append(Pledge(
                    campaign=campaign, unit_path=campaign.unit_path, donor_name=name, donor_type=kind,
                    amount=amount, pledged_on=_day(rng, dt.date(year, 10, 17), dt.date(year, 10, 25)),
                    created_by=user, updated_by=user))
        Pledge.objects.bulk_create(pledge_rows)
        assert all(p.pk for p in pledge_rows)
        for campaign, year in zip(campaigns, YEARS, strict=True):
            received = 0
            pledges = [p for p in pledge_rows if p.campaign is campaign]
            for index, pledge in enumerate(pledges):
                if year == 2026 and index % 3 == 2:
                    continue  # the 2026 month has just ended: a third of the pledges are still to come
                share = 1.0 if index else 0.6  # one pledge of every year only partly paid
                amount = _ceil(pledge.amount * share, 10 * MILLION) if share < 1 else pledge.amount
                amount = min(amount, pledge.amount)
                received += amount
                self.entry(province, FlowDirection.MOBILISED, FundSource.FOR_THE_POOR_FUND, amount,
                           _day(rng, pledge.pledged_on + dt.timedelta(days=3), dt.date(year, 12, 10)),
                           _("Tiếp nhận ủng hộ của %(donor)s") % {"donor": pledge.donor_name},
                           campaign=campaign, pledge=pledge, document=_("Phiếu thu %(n)s") % {"n": index + 1})
            if received < spent[year]:
                self.entry(province, FlowDirection.MOBILISED, FundSource.FOR_THE_POOR_FUND,
                           _ceil(spent[year] - received + 50 * MILLION), dt.date(year, 3, 15),
                           _("Quỹ «Vì người nghèo» năm trước chuyển sang"))
        return campaigns, pledge_rows

    def mobilised(self) -> None:
        """What each unit mobilised from each source covers what it spent from it that year (and a little more:
        money left for next year), so no source is spent beyond its means."""
        rng = self.rng
        labels: dict[str, str] = {
            FundSource.CENTRAL_BUDGET: _("Vốn ngân sách trung ương thực hiện Chương trình mục tiêu quốc gia năm %(year)s"),
            FundSource.LOCAL_BUDGET: _("Ngân sách địa phương bố trí cho giảm nghèo năm %(year)s"),
            FundSource.POLICY_CREDIT: _("Nguồn vốn tín dụng chính sách được giao năm %(year)s"),
            FundSource.FOR_THE_POOR_FUND: _("Vận động Quỹ «Vì người nghèo» năm %(year)s"),
            FundSource.BUSINESSES: _("Doanh nghiệp tài trợ học bổng, quà tặng năm %(year)s"),
        }
        for (unit_id, year, source), spent in sorted(self.spent.items()):
            if source == FundSource.PEOPLE:
                continue  # written with its spending
            if source == FundSource.FOR_THE_POOR_FUND and unit_id == self.catalog.province.pk:
                continue  # the campaign's receipts
            amount = _ceil(spent * rng.uniform(1.02, 1.2))
            self.entry(self.units[unit_id], FlowDirection.MOBILISED, source, amount,
                       _day(rng, dt.date(year, 1, 5), dt.date(year, 2, 28)), labels[source] % {"year": year})


# ---------------------------------------------------------------------------------------------- help and targets


HELPER_ORGANISATIONS = (
    gettext_lazy("Hội Liên hiệp Phụ nữ"), gettext_lazy("Hội Nông dân"), gettext_lazy("Hội Cựu chiến binh"),
    gettext_lazy("Đoàn Thanh niên Cộng sản Hồ Chí Minh"), gettext_lazy("Ủy ban MTTQ Việt Nam"),
)
HELPER_AGENCIES = (gettext_lazy("Phòng Kinh tế"), gettext_lazy("Phòng Văn hóa - Xã hội"), gettext_lazy("Trạm Y tế"),
                   gettext_lazy("Công an"))
COMMITMENTS = (
    gettext_lazy("Sử dụng vốn vay đúng mục đích, trả nợ đúng hạn."),
    gettext_lazy("Nuôi bò sinh sản, phát triển chăn nuôi."),
    gettext_lazy("Cho con đi học nghề, tìm việc làm ổn định."),
    gettext_lazy("Tham gia lớp tập huấn kỹ thuật trồng trọt, chăn nuôi."),
    gettext_lazy("Cải tạo vườn tạp, trồng cây ăn trái."),
    gettext_lazy("Tiết kiệm chi tiêu, tham gia tổ tiết kiệm và vay vốn."),
    gettext_lazy("Vợ chồng cùng đi làm công nhân tại khu công nghiệp."),
    gettext_lazy("Mua bảo hiểm y tế đầy đủ cho cả gia đình."),
)


def _helper(rng: random.Random, household: _Household, hamlets: dict[int, AdminUnit],
            commune: AdminUnit) -> tuple[str, str, str]:
    roll = rng.random()
    if roll < 0.6 and household.hamlet_id in hamlets:
        hamlet = hamlets[household.hamlet_id]
        sex = rng.choice(("male", "female"))
        return (HelperType.PARTY_MEMBER, full_name(rng, ethnicity="Kinh", sex=sex),
                _("Chi bộ %(hamlet)s") % {"hamlet": _lower_first(hamlet.name)})
    if roll < 0.85:
        organisation = rng.choice(HELPER_ORGANISATIONS)
        return (HelperType.ORGANISATION, f"{organisation} {_lower_first(commune.name)}", _lower_first(commune.name))
    return (HelperType.AGENCY, str(rng.choice(HELPER_AGENCIES)),
            _("Ủy ban nhân dân %(commune)s") % {"commune": _lower_first(commune.name)})


def _assign(rows: list[Assignment], household: _Household, helper: tuple[str, str, str], user: Any, since: dt.date,
            target: int, ended: dt.date | None = None, reason: str = "") -> None:
    kind, name, unit = helper
    rows.append(Assignment(household_id=household.pk, unit_path=household.unit_path, helper_type=kind,
                           helper_name=name, helper_unit=unit, since=since, target_year=target, ended_on=ended,
                           end_reason=reason, created_by=user, updated_by=user))


def _register(rows: list[EscapeRegistration], household: _Household, rng: random.Random, user: Any, day: dt.date,
              target: int, goal: str) -> None:
    picked = rng.sample(COMMITMENTS, rng.randint(2, 3))
    rows.append(EscapeRegistration(
        household_id=household.pk, unit_path=household.unit_path, registered_on=day, goal=goal, target_year=target,
        commitments=" ".join(str(c) for c in picked), created_by=user, updated_by=user))


def _help(households: list[_Household], catalog: _Catalog, hamlets: dict[int, AdminUnit],
          rng: random.Random) -> tuple[list[Assignment], list[EscapeRegistration]]:
    """Who helps each poor household (ended when it escaped, handed over when a helper moved), and the
    households' own registrations to escape poverty."""
    assignments: list[Assignment] = []
    registrations: list[EscapeRegistration] = []
    for household in households:
        commune = catalog.communes[household.commune_id]
        user = catalog.users.get(household.commune_id)
        status = household.status
        helper = _helper(rng, household, hamlets, commune)
        # Poor in 2023 (escaped in 2024): helped from early 2023 until it escaped.
        if status.get(2023) == "poor" and rng.random() < 0.8:
            escaped = household.escaped_in(2024)
            _assign(assignments, household, helper, user, _day(rng, dt.date(2023, 2, 1), dt.date(2023, 5, 31)), 2024,
                    dt.date(2024, 12, 20) if escaped else None, AssignmentEnd.ESCAPED if escaped else "")
            helper = _helper(rng, household, hamlets, commune)
        if status.get(2024) == "poor" and status.get(2023) != "poor" and rng.random() < 0.85:
            since = _day(rng, dt.date(2024, 1, 10), dt.date(2024, 6, 30))
            target = rng.choice((2025, 2025, 2026, 2027))
            if household.escaped_in(2025):
                _assign(assignments, household, helper, user, since, target, dt.date(2025, 12, 18),
                        AssignmentEnd.ESCAPED)
            elif rng.random() < 0.06:
                # The helper moved away: someone else took over.
                handover = _day(rng, dt.date(2025, 3, 1), dt.date(2025, 8, 31))
                _assign(assignments, household, helper, user, since, target, handover, AssignmentEnd.REPLACED)
                _assign(assignments, household, _helper(rng, household, hamlets, commune), user,
                        handover + dt.timedelta(days=1), target)
            else:
                _assign(assignments, household, helper, user, since, target)
        elif status.get(2025) == "poor" and status.get(2024) != "poor" and rng.random() < 0.8:
            # Newly poor (or poor again) in 2025: assigned after the recognition.
            _assign(assignments, household, helper, user, _day(rng, dt.date(2026, 1, 5), dt.date(2026, 4, 30)),
                    rng.choice((2026, 2027)))
        elif status.get(2025) == "near_poor" and rng.random() < 0.25:
            _assign(assignments, household, helper, user, _day(rng, dt.date(2026, 1, 5), dt.date(2026, 4, 30)),
                    rng.choice((2026, 2027)))

        if status.get(2024) == "poor" and rng.random() < (0.6 if household.escaped_in(2025) else 0.3):
            _register(registrations, household, rng, user, _day(rng, dt.date(2025, 1, 10), dt.date(2025, 3, 31)),
                      2025, EscapeGoal.ESCAPE_POVERTY)
        if status.get(2025) == "poor" and rng.random() < 0.5:
            _register(registrations, household, rng, user, _day(rng, dt.date(2026, 1, 10), dt.date(2026, 3, 31)),
                      rng.choice((2026, 2027)), EscapeGoal.ESCAPE_POVERTY)
        elif status.get(2025) == "near_poor" and rng.random() < 0.2:
            _register(registrations, household, rng, user, _day(rng, dt.date(2026, 1, 10), dt.date(2026, 3, 31)),
                      rng.choice((2026, 2027)), EscapeGoal.ESCAPE_NEAR_POVERTY)
    return assignments, registrations


def _round_down(count: int) -> int:
    """A planned number as a plan writes it: a multiple of 5 from 10 up."""
    return count - count % 5 if count >= 10 else count


def _dec(value: float, places: int = 1, rounding: str = ROUND_CEILING) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=rounding)


@dataclass
class _Figures:
    """The demo's own figures per commune, from the registry, the ledger and the support just written."""

    households: dict[int, int]
    poor: dict[tuple[int, int], int]  # (commune, year) → poor households at the end of the year
    near: dict[tuple[int, int], int]
    minority_households: dict[int, int]
    minority_poor: dict[tuple[int, int], int]
    jobs_2026: dict[int, int]
    houses: dict[int, int]  # new houses 2024–2025
    coverage_2026: dict[int, float]  # % of members of poor and near-poor households with a card


def _figures(communes: list[AdminUnit], households: list[_Household],
             records: list[tuple[SupportRecord, _Bucket | None]], kind_codes: dict[int, str]) -> _Figures:
    by_commune = dict(Household.objects.filter(commune__in=communes, deleted_at__isnull=True).order_by()
                      .values("commune_id").annotate(n=Count("pk")).values_list("commune_id", "n"))
    minority = dict(Member.objects.filter(relation="head", household__commune__in=communes,
                                          household__deleted_at__isnull=True)
                    .exclude(ethnicity__in=("", "Kinh")).order_by().values("household__commune_id")
                    .annotate(n=Count("household_id", distinct=True)).values_list("household__commune_id", "n"))
    poor: Counter[tuple[int, int]] = Counter()
    near: Counter[tuple[int, int]] = Counter()
    minority_poor: Counter[tuple[int, int]] = Counter()
    for household in households:
        for year, klass in household.status.items():
            if klass == "poor":
                poor[(household.commune_id, year)] += 1
                if household.ethnic_minority:
                    minority_poor[(household.commune_id, year)] += 1
            elif klass == "near_poor":
                near[(household.commune_id, year)] += 1
    commune_of = {h.pk: h.commune_id for h in households}
    jobs: Counter[int] = Counter()
    houses: Counter[int] = Counter()
    carded: set[tuple[int, str]] = set()
    for record, _bucket in records:
        code = kind_codes[record.kind_id]
        if code in ("job_placement", "work_abroad") and record.year == 2026:
            jobs[commune_of[record.household_id]] += 1
        elif code == "housing_new" and record.year in (2024, 2025):
            houses[commune_of[record.household_id]] += 1
        elif code == "health_insurance" and record.year == 2026:
            carded.add((record.household_id, record.member_ref))
    covered: Counter[int] = Counter()
    members: Counter[int] = Counter()
    for household in households:
        if household.status.get(2026) in ON_LIST:
            for member in household.members:
                members[household.commune_id] += 1
                if member.health_insured or (household.pk, member.member_id) in carded:
                    covered[household.commune_id] += 1
    return _Figures(households=by_commune, poor=dict(poor), near=dict(near), minority_households=minority,
                    minority_poor=dict(minority_poor), jobs_2026=dict(jobs), houses=dict(houses),
                    coverage_2026={c: 100 * covered[c] / members[c] for c in members if members[c]})


def _targets(ctx: DemoContext, catalog: _Catalog, figures: _Figures) -> tuple[list[Target], list[Target]]:
    """The province's targets and their allocation to the demo communes (Trà Cú's set too tight)."""
    province = catalog.province
    communes = [c for c in ctx.communes if figures.households.get(c.pk)]
    if not communes:
        return [], []
    tight = next((c for c in communes if c.code == "29461"), communes[-1] if communes else None)
    weights = {c.pk: figures.households[c.pk] for c in communes}
    total = sum(weights.values()) or 1

    def rate(counts: dict[tuple[int, int], int], commune: AdminUnit, year: int) -> float:
        return 100 * counts.get((commune.pk, year), 0) / weights[commune.pk]

    def weighted(values: dict[int, Decimal]) -> float:
        return float(sum(values[c.pk] * weights[c.pk] for c in communes)) / total

    plan_2025 = (_("Kế hoạch số 45/KH-UBND ngày 15/03/2022 của UBND tỉnh thực hiện Chương trình mục tiêu quốc gia "
                   "giảm nghèo bền vững giai đoạn 2021–2025"), dt.date(2022, 3, 15))
    plan_2026 = (_("Nghị quyết số 18/NQ-HĐND ngày 10/12/2025 của HĐND tỉnh về kế hoạch phát triển kinh tế - xã hội "
                   "năm 2026"), dt.date(2025, 12, 10))
    baseline_note = _("Chỉ tiêu giai đoạn 2021–2025; năm gốc 2024 là năm đầu tiên có kết quả rà soát trên hệ thống.")
    specs: list[tuple[str, str, int, int, bool, tuple[str, dt.date], str, Decimal, dict[int, Decimal]]] = []

    # 1. Poverty rate at the end of 2025: each commune a little above its rate, Trà Cú below it.
    values = {c.pk: _dec(max(0.0, rate(figures.poor, c, 2025) - 0.4), rounding=ROUND_FLOOR) if c is tight
              else _dec(rate(figures.poor, c, 2025) + 0.3) for c in communes}
    specs.append(("poverty_rate", "2022-2025", 2021, 2025, False, plan_2025, "", _dec(weighted(values)), values))
    # 2. −1 point a year (the national programme's −1 to −1.5); the poorest commune carries more.
    values = {c.pk: Decimal("-2.0") if c is tight else Decimal("-1.0") for c in communes}
    specs.append(("poverty_rate_change", "2022-2025", 2024, 2025, True, plan_2025, baseline_note, Decimal("-1.0"),
                  values))
    # 3. Ethnic-minority poverty −3 points a year, where minorities live.
    values = {c.pk: Decimal("-3.0") for c in communes if figures.minority_households.get(c.pk, 0) >= 30}
    if values:
        specs.append(("ethnic_minority_poverty_rate_change", "2022-2025", 2024, 2025, True, plan_2025, baseline_note,
                      Decimal("-3.0"), values))
    # 4. New houses of the "xóa nhà tạm" drive 2024–2025: built as planned, except in Trà Cú.
    values = {c.pk: Decimal(figures.houses.get(c.pk, 0) + (3 if c is tight else 0)) for c in communes}
    specs.append(("support:housing_new", "2022-2025", 2023, 2025, False, plan_2025, "", sum(values.values(),
                  Decimal(0)), values))
    # 5. 2026: reduce the number of poor households by 10 %.
    values = {c.pk: Decimal(10) for c in communes}
    specs.append(("poor_reduction_pct", "2026", 2025, 2026, False, plan_2026, "", Decimal(10), values))
    # 6. 2026: keep the near-poverty rate under a ceiling a little above the end of 2025 (Trà Cú: below it).
    values = {c.pk: _dec(max(0.0, rate(figures.near, c, 2025) - 0.2), rounding=ROUND_FLOOR) if c is tight
              else _dec(rate(figures.near, c, 2025) + 0.2) for c in communes}
    specs.append(("near_poverty_rate", "2026", 2025, 2026, False, plan_2026, "", _dec(weighted(values)), values))
    # 7. 2026: health-insurance cards for (almost) every member of a poor or near-poor household.
    values = {c.pk: Decimal(95) if figures.coverage_2026.get(c.pk, 100) >= 95 else Decimal(90) for c in communes}
    specs.append(("health_insurance_coverage", "2026", 2025, 2026, False, plan_2026, "",
                  _dec(weighted(values), 0, ROUND_FLOOR), values))
    # 8. 2026: jobs found, about what each commune placed; Trà Cú promised far more.
    values = {c.pk: Decimal(_ceil(figures.jobs_2026.get(c.pk, 0) * 2 + 10, 5) if c is tight
                            else _round_down(figures.jobs_2026.get(c.pk, 0))) for c in communes}
    specs.append(("jobs_created", "2026", 2025, 2026, False, plan_2026, "", sum(values.values(), Decimal(0)), values))

    user = ctx.users.get("tinh")
    parents = [Target(unit=province, unit_path=province.path, indicator=indicator, standard_id=standard,
                      baseline_year=baseline, target_year=target, value=value, annual=annual,
                      source_document=document, source_date=on, note=note, created_by=user, updated_by=user)
               for indicator, standard, baseline, target, annual, (document, on), note, value, _values in specs]
    Target.objects.bulk_create(parents)
    if any(p.pk is None for p in parents):
        saved = {(t.indicator, t.baseline_year): t for t in Target.objects.filter(unit=province, deleted_at__isnull=True)}
        parents = [saved[(p.indicator, p.baseline_year)] for p in parents]
    units = {c.pk: c for c in communes}
    children = [
        Target(unit=units[pk], unit_path=units[pk].path, indicator=parent.indicator, standard_id=parent.standard_id,
               baseline_year=parent.baseline_year, target_year=parent.target_year, value=value, annual=parent.annual,
               parent=parent, source_document=_("Quyết định số 12/QĐ-UBND của UBND tỉnh giao chỉ tiêu cho cấp xã"),
               source_date=(parent.source_date or dt.date(parent.baseline_year, 12, 31)) + dt.timedelta(days=20),
               note=parent.note, created_by=catalog.users.get(pk) or user, updated_by=catalog.users.get(pk) or user)
        for parent, spec in zip(parents, specs, strict=True) for pk, value in sorted(spec[8].items())
    ]
    Target.objects.bulk_create(children)
    return parents, children


# -------------------------------------------------------------------------------------------------------- step


def _catalog(ctx: DemoContext) -> _Catalog:
    assert ctx.province is not None
    users: dict[int, Any] = {}
    officers = {"29266": ctx.users.get("xa"), "29242": ctx.users.get("xa2")}
    for commune in ctx.communes:
        users[commune.pk] = officers.get(commune.code) or ctx.users.get("tinh")
    kinds = SupportKind.objects.in_bulk(field_name="code")
    return _Catalog(kinds=kinds, kind_codes={kind.pk: code for code, kind in kinds.items()},
                    programmes=Programme.objects.in_bulk(field_name="code"), province=ctx.province,
                    communes={c.pk: c for c in ctx.communes}, users=users)


def _hamlets(ctx: DemoContext) -> dict[int, AdminUnit]:
    return {h.pk: h for hamlets in ctx.hamlets.values() for h in hamlets}


def support_history(ctx: DemoContext) -> None:
    if not ctx.communes or ctx.province is None:
        return
    ctx.progress(_("Tạo hỗ trợ, phân công giúp đỡ, nguồn lực và chỉ tiêu giảm nghèo 2023–2026…"))
    rng = random.Random(ctx.seed + SEED_OFFSET)  # noqa: S311 (synthetic data, reproducible by design)
    catalog = _catalog(ctx)
    households = _load_households(ctx.communes)
    for household in households:
        _profile(household, rng)

    support = _Support(catalog, rng)
    for year in (2023, 2024, 2025):
        for household in households:
            _support_year(support, household, year)
    cases = _cases_by_household(households)
    stated = _store_needs(households, cases, rng)
    case_needs_refresh(h.pk for h in households)
    support.left_out = _left_out_2026(households, rng)
    for household in households:
        _support_year(support, household, 2026)

    money = _Money(ctx, catalog, rng, {h.pk: h.commune_id for h in households})
    money.spendings(support.records)
    money.running_costs(households)
    campaigns, pledges = money.campaigns()
    money.mobilised()
    ResourceEntry.objects.bulk_create(money.entries, batch_size=1000)
    for bucket, entry in money.linked.items():
        for record in money.grouped[bucket]:
            record.funded_by_id = entry.pk
    records = [record for record, _bucket in support.records]
    insert_objects(records)

    assignments, registrations = _help(households, catalog, _hamlets(ctx), rng)
    insert_objects(assignments)
    insert_objects(registrations)
    parents, children = _targets(ctx, catalog, _figures(ctx.communes, households, support.records, catalog.kind_codes))

    _summarise(ctx, records, catalog.kind_codes, stated, assignments, registrations, money.entries, campaigns, pledges, parents,
               children)


def _summarise(ctx: DemoContext, records: list[SupportRecord], kind_codes: dict[int, str], stated: Counter[str], assignments: list[Assignment],
               registrations: list[EscapeRegistration], entries: Iterable[ResourceEntry], campaigns: list[Campaign],
               pledges: list[Pledge], parents: list[Target], children: list[Target]) -> None:
    kinds = Counter(kind_codes[r.kind_id] for r in records)
    loans = [r for r in records if kind_codes[r.kind_id] == "loan"]
    overdue = sum(1 for a in assignments if a.ended_on is None and a.target_year < 2026)
    totals: Counter[str] = Counter()
    for entry in entries:
        totals[entry.direction] += entry.amount
    ctx.summary.append((_("Hỗ trợ cho hộ 2023–2026"), _(
        "%(records)s lượt cho %(households)s hộ: %(cards)s thẻ BHYT, %(loans)s lượt vay (%(money)s), %(houses)s "
        "căn nhà, %(trained)s người học nghề, %(jobs)s người có việc làm") % {
        "records": format_number(len(records)), "households": format_number(len({r.household_id for r in records})),
        "cards": format_number(kinds["health_insurance"]), "loans": format_number(len(loans)),
        "money": format_money(sum(r.amount or 0 for r in loans)),
        "houses": format_number(kinds["housing_new"] + kinds["housing_repair"]),
        "trained": format_number(kinds["vocational_training"]),
        "jobs": format_number(kinds["job_placement"] + kinds["work_abroad"])}))
    ctx.summary.append((_("Nhu cầu hỗ trợ (rà soát 2025)"), _("%(needs)s nhu cầu của %(kinds)s loại") % {
        "needs": format_number(sum(stated.values())), "kinds": format_number(len(stated))}))
    ctx.summary.append((_("Phân công giúp đỡ hộ"), _(
        "%(assignments)s phân công (%(overdue)s quá năm phấn đấu), %(registrations)s đăng ký thoát nghèo") % {
        "assignments": format_number(len(assignments)), "overdue": format_number(overdue),
        "registrations": format_number(len(registrations))}))
    ctx.summary.append((_("Nguồn lực 2023–2026"), _(
        "huy động %(mobilised)s, chi %(spent)s; %(campaigns)s đợt vận động với %(pledges)s đăng ký ủng hộ") % {
        "mobilised": format_money(totals[FlowDirection.MOBILISED]), "spent": format_money(totals[FlowDirection.SPENT]),
        "campaigns": format_number(len(campaigns)), "pledges": format_number(len(pledges))}))
    ctx.summary.append((_("Chỉ tiêu giảm nghèo"), _("%(parents)s chỉ tiêu của tỉnh, %(children)s chỉ tiêu giao cho "
                                                   "xã, phường") % {"parents": format_number(len(parents)),
                                                                     "children": format_number(len(children))}))


DEMO_STEPS = [Step("support_history", support_history, after="review_history")]
