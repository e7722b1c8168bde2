"""A synthetic population as household records v1 (``shared/spec/household-record.md``).

Pure Python over ``random.Random(seed)``: the same seed gives the same households, people and citizen IDs,
byte for byte. Nothing here decides a class: the generator only draws incomes and living conditions, with
worse conditions more likely in low-income households (as in real survey data), and the standards engine
classifies the result. The shares it produces are checked by the demo's tests, not assumed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from giamngheo.demo.names import full_name, surname
from giamngheo.demo.places import DemoCommune

REFERENCE_DATE = dt.date(2025, 10, 15)  # the 2025 review, the last one under the 2022–2025 standard
INCOME_LINE = {"rural": 1_500_000, "urban": 2_000_000}
HOUSEHOLD_SIZES = ((1, 8), (2, 17), (3, 24), (4, 27), (5, 14), (6, 7), (7, 3))


@dataclass
class _Person:
    relation: str
    sex: str
    age: int
    ethnicity: str
    name: str


class PopulationGenerator:
    """Households of one commune at a time; citizen IDs are unique across everything it generates."""

    def __init__(self, seed: int, reference_date: dt.date = REFERENCE_DATE) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by design)
        self.reference_date = reference_date
        self.citizen_ids: set[str] = set()

    # --- people ------------------------------------------------------------------------------------

    def _ethnicity(self, commune: DemoCommune) -> str:
        roll = self.rng.random()
        if roll < commune.khmer_share:
            return "Khmer"
        if roll < commune.khmer_share + commune.hoa_share:
            return "Hoa"
        return "Kinh"

    def _size(self, ethnicity: str) -> int:
        sizes = [s for s, _w in HOUSEHOLD_SIZES]
        weights = [w for _s, w in HOUSEHOLD_SIZES]
        size = self.rng.choices(sizes, weights=weights)[0]
        if ethnicity == "Khmer" and size < 7 and self.rng.random() < 0.25:
            size += 1  # Khmer households are somewhat larger
        return size

    def _people(self, ethnicity: str, size: int) -> list[_Person]:
        rng = self.rng
        head_sex = "male" if rng.random() < 0.72 else "female"
        head_age = int(rng.triangular(22, 88, 46))
        family = surname(rng, ethnicity)
        head = _Person("head", head_sex, head_age, ethnicity, full_name(rng, ethnicity=ethnicity, sex=head_sex,
                                                                         family_name=family))
        people = [head]
        father_family = family if head_sex == "male" else None
        if size >= 2 and (rng.random() < 0.85 or size >= 4):
            spouse_sex = "female" if head_sex == "male" else "male"
            spouse_age = max(18, head_age + rng.randint(-7, 3) if spouse_sex == "female" else head_age + rng.randint(-2, 7))
            spouse_name = full_name(rng, ethnicity=ethnicity, sex=spouse_sex)
            if spouse_sex == "male":
                father_family = spouse_name.split()[0]
            people.append(_Person("spouse", spouse_sex, spouse_age, ethnicity, spouse_name))
        child_family = father_family or family
        if size - len(people) >= 3 and head_age < 58 and rng.random() < 0.35:
            parent_sex = "female" if rng.random() < 0.65 else "male"
            people.append(_Person("parent", parent_sex, min(99, head_age + rng.randint(22, 32)), ethnicity,
                                  full_name(rng, ethnicity=ethnicity, sex=parent_sex)))
        while len(people) < size:
            sex = "male" if rng.random() < 0.51 else "female"
            if head_age >= 58 and rng.random() < 0.45:
                relation, age = "grandchild", rng.randint(0, 15)
            else:
                relation, age = "child", rng.randint(0, max(0, min(head_age - 19, 40)))
            people.append(_Person(relation, sex, age, ethnicity,
                                  full_name(rng, ethnicity=ethnicity, sex=sex, family_name=child_family)))
        return people

    def _birth_date(self, age: int) -> dt.date:
        """A birth date giving exactly ``age`` completed years on the reference date."""
        latest = self.reference_date.replace(year=self.reference_date.year - age)
        return latest - dt.timedelta(days=self.rng.randint(0, 364))

    def _citizen_id(self, birth_provinces: tuple[tuple[str, float], ...], sex: str, birth: dt.date) -> str:
        """Province of birth (3 digits), sex and century (0/1 for the 1900s, 2/3 for the 2000s), year (2
        digits), then 6 digits — the layout of a Vietnamese personal identification number."""
        province = self.rng.choices([p for p, _w in birth_provinces], weights=[w for _p, w in birth_provinces])[0]
        century = 0 if birth.year < 2000 else 2
        digit = century + (0 if sex == "male" else 1)
        while True:
            number = f"{province}{digit}{birth.year % 100:02d}{self.rng.randint(0, 999_999):06d}"
            if number not in self.citizen_ids:
                self.citizen_ids.add(number)
                return number

    # --- living conditions -------------------------------------------------------------------------

    def _income(self, commune: DemoCommune, ethnicity: str, area: str) -> int:
        economy = commune.economy
        median = economy.median_income * (0.85 if ethnicity == "Khmer" else 1.0)
        value = math.exp(self.rng.gauss(math.log(median), economy.income_spread))
        return int(round(value / 10_000) * 10_000)

    def _hardship(self, commune: DemoCommune, income: int, area: str) -> float:
        """0 for a comfortable household, up to about 1 for one far below the line."""
        ratio = income / INCOME_LINE[area]
        base = 0.45 if ratio <= 1.0 else 0.25 if ratio <= 1.5 else 0.1 if ratio <= 2.5 else 0.03
        return min(1.0, base * commune.economy.hardship)

    def _chance(self, low: float, high: float, hardship: float) -> bool:
        return self.rng.random() < low + (high - low) * hardship

    def _member(self, person: _Person, birth_provinces: tuple[tuple[str, float], ...], hardship: float,
                online: bool, index: int) -> dict[str, Any]:
        rng = self.rng
        birth = self._birth_date(person.age)
        member: dict[str, Any] = {
            "id": str(index), "relation": person.relation, "name": person.name,
            "citizen_id": self._citizen_id(birth_provinces, person.sex, birth), "sex": person.sex,
            "birth_date": birth.isoformat(), "ethnicity": person.ethnicity,
        }
        age = person.age
        disability = "none"
        if self._chance(0.03, 0.08, hardship):
            disability = rng.choice(("mild", "mild", "severe", "very_severe"))
        member["disability"] = disability
        member["monthly_social_allowance"] = age >= 80 or disability in ("severe", "very_severe") or (
            disability == "mild" and rng.random() < 0.3)
        member["meritorious"] = age >= 65 and rng.random() < 0.03
        member["health_insured"] = not self._chance(0.03, 0.12, hardship)
        member["uses_internet"] = online and age >= 10 and (age <= 60 or rng.random() < 0.5)
        if age < 16:
            member["nutrition"] = "normal" if not self._chance(0.03, 0.2, hardship) else rng.choice(
                ("stunted", "underweight", "stunted_underweight"))
        if 3 <= age <= 15:
            member["school"] = "appropriate_level" if not self._chance(0.02, 0.12, hardship) else rng.choice(
                ("below_level", "not_attending"))
            member["in_education"] = member["school"] != "not_attending"
        self._education_and_work(member, age, hardship)
        return member

    def _education_and_work(self, member: dict[str, Any], age: int, hardship: float) -> None:
        rng = self.rng
        if age < 6:
            return
        if age <= 15:
            member["education_completed"] = "primary" if age >= 11 else "none"
        elif age <= 17:
            member["in_education"] = not self._chance(0.12, 0.4, hardship)
            member["education_completed"] = "lower_secondary" if not self._chance(0.05, 0.3, hardship) else "primary"
        else:
            young = age <= 30
            member["in_education"] = young and age <= 22 and rng.random() < 0.35
            if self._chance(0.55 if young else 0.25, 0.15 if young else 0.05, hardship):
                member["education_completed"] = rng.choice(
                    ("upper_secondary", "upper_secondary", "vocational_elementary", "vocational_intermediate",
                     "college", "university"))
            else:
                member["education_completed"] = rng.choice(("none", "primary", "lower_secondary", "lower_secondary")
                                                           if not young else ("primary", "lower_secondary"))
        if age >= 15:
            if member.get("in_education") or age >= 62 and rng.random() < 0.6:
                member["employment"] = "not_working"
            else:
                roll = rng.random()
                unemployed = 0.015 + 0.05 * hardship
                informal = 0.08 + 0.25 * hardship
                contract = 0.25 * (1 - hardship)
                if roll < unemployed:
                    member["employment"] = "unemployed"
                elif roll < unemployed + informal:
                    member["employment"] = "wage_without_contract"
                elif roll < unemployed + informal + contract:
                    member["employment"] = "wage_with_contract"
                elif roll < 0.9:
                    member["employment"] = "self_employed"
                else:
                    member["employment"] = "not_working"

    def _dwelling(self, size: int, hardship: float) -> dict[str, Any]:
        rng = self.rng
        poor_house = self._chance(0.03, 0.4, hardship)
        dwelling: dict[str, Any] = {
            "floor_area_m2": float(round(size * (rng.uniform(5, 12) if self._chance(0.04, 0.45, hardship)
                                                 else rng.uniform(12, 35)) + rng.uniform(0, 10))),
            "walls_durable": not (poor_house and rng.random() < 0.85),
            "frame_durable": not (poor_house and rng.random() < 0.7),
            "roof_durable": not (poor_house and rng.random() < 0.8),
        }
        if self._chance(0.03, 0.3, hardship):
            dwelling["water_source"] = rng.choice(("surface", "unprotected_well", "other"))
        else:
            dwelling["water_source"] = rng.choices(("piped", "borehole", "rainwater", "protected_well", "bottled"),
                                                   weights=(70, 14, 10, 3, 3))[0]
        if self._chance(0.06, 0.5, hardship):
            dwelling["latrine"] = rng.choice(("overhang", "pit_no_slab", "none"))
        else:
            dwelling["latrine"] = rng.choices(("septic", "semi_septic", "pour_flush", "double_vault"),
                                              weights=(75, 12, 10, 3))[0]
        if self._chance(0.01, 0.12, hardship):
            dwelling["information_devices"] = []
        else:
            devices = ["mobile_phone"]
            if rng.random() < 0.85:
                devices.append("tv")
            if rng.random() < 0.25:
                devices.append("laptop")
            if rng.random() < 0.08:
                devices.append("radio")
            dwelling["information_devices"] = devices
        return dwelling

    # --- households ----------------------------------------------------------------------------------

    def households(self, commune: DemoCommune, *, count: int, hamlets: list[str], area: str,
                   province_code: str, start: int = 1) -> Iterator[dict[str, Any]]:
        """``count`` household records of ``commune``, coded ``{commune code}-{seq:06d}`` from ``start``."""
        for seq in range(start, start + count):
            ethnicity = self._ethnicity(commune)
            size = self._size(ethnicity)
            people = self._people(ethnicity, size)
            income = self._income(commune, ethnicity, area)
            hardship = self._hardship(commune, income, area)
            online = not self._chance(0.05, 0.35, hardship)
            members = [self._member(p, commune.birth_provinces, hardship, online, i)
                       for i, p in enumerate(people, start=1)]
            yield {
                "id": f"{commune.code}-{seq:06d}",
                "reference_date": self.reference_date.isoformat(),
                "year": self.reference_date.year,
                "area": area,
                "province_code": province_code,
                "commune_code": commune.code,
                "hamlet": self.rng.choice(hamlets),
                "income": income,
                "income_basis": "income",
                "dwelling": self._dwelling(size, hardship),
                "members": members,
            }
