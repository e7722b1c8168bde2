"""The rest of the demo province: every current commune of Vĩnh Long besides the five detailed ones.

Each gets a ``DemoCommune`` built from what the unit list says about it — the old province and district it
came from (through the crosswalk), ward or commune — so the map and the by-commune tables look like a real
province: incomes a little lower in the former Trà Vinh than in the former Vĩnh Long and Bến Tre, higher in
wards, a Khmer share following the old district (about 60% in Trà Cú, none in Bến Tre), and a small random
commune effect drawn from the seed. Hamlet names are plausible local names made for the demo.
"""

from __future__ import annotations

import random
from collections import Counter

from giamngheo.demo.places import COMMUNES, DemoCommune, Economy
from giamngheo.geo.models import AdminUnit, Generation, UnitCrosswalk, UnitLevel

# Old province (crosswalk path prefix) → citizen ID birth code and the rural median income (VND/person/month).
OLD_PROVINCES = {"L83": ("083", 4_300_000), "L84": ("084", 3_900_000), "L86": ("086", 4_500_000)}
# Khmer share of households by old district (rounded from the 2019 census); districts not listed: none.
KHMER_BY_DISTRICT = {
    "L849": 0.60, "L848": 0.40, "L847": 0.40, "L846": 0.30, "L845": 0.30, "L850": 0.25, "L851": 0.15,
    "L842": 0.17, "L844": 0.12, "L862": 0.08, "L860": 0.03, "L859": 0.02, "L863": 0.01, "L861": 0.01,
}
HOA_BY_PROVINCE = {"L83": 0.005, "L84": 0.01, "L86": 0.015}

_AP_FIRST = ("Tân", "Phú", "An", "Long", "Bình", "Mỹ", "Hòa", "Thạnh", "Phước", "Vĩnh", "Hưng", "Đông", "Tây",
             "Thới", "Hiệp", "Quới", "Lộc", "Trung", "Nhơn", "Giồng")
_AP_SECOND = ("Thạnh", "Hòa", "Bình", "Lợi", "Phú", "Long", "Hưng", "Thuận", "Mỹ", "An", "Đông", "Tây", "Lộc",
              "Phước", "Quới", "Thới", "Điền", "Khánh", "Hiệp", "Trung")
_KHMER_HAMLETS = ("Sóc", "Ô", "Giồng", "Bến", "Trà", "Sà", "Rạch")
_KHMER_SECOND = ("Tro", "Rung", "Chùa", "Lớn", "Xoài", "Cụt", "Tiệm", "Vàm", "Kha", "Mồng", "Bưng", "Lọp")


def hamlet_names(rng: random.Random, *, ward: bool, khmer_share: float) -> tuple[str, ...]:
    """3–12 distinct hamlet names: "Khóm 1…n" in a ward, "Ấp …" in a commune (a few Khmer-sounding where
    Khmer families live)."""
    count = rng.randint(3, 12)
    if ward:
        return tuple(f"Khóm {n}" for n in range(1, count + 1))
    names: list[str] = []
    while len(names) < count:
        if rng.random() < khmer_share * 0.6:
            name = f"Ấp {rng.choice(_KHMER_HAMLETS)} {rng.choice(_KHMER_SECOND)}"
        else:
            first, second = rng.choice(_AP_FIRST), rng.choice(_AP_SECOND)
            if first == second:
                continue
            name = f"Ấp {first} {second}"
        if name not in names:
            names.append(name)
    return tuple(names)


def _old_district(commune: AdminUnit) -> tuple[str, str]:
    """(old province, old district) path parts most of the commune's pre-2025 communes belonged to."""
    paths = UnitCrosswalk.objects.filter(new_unit=commune).values_list("old_unit__path", flat=True)
    parts = Counter(tuple(p.strip("/").split("/")[:2]) for p in paths if p.count("/") >= 3)
    if not parts:
        return "L86", ""
    province, district = parts.most_common(1)[0][0]
    return province, district


def other_communes(province: AdminUnit, seed: int) -> list[tuple[AdminUnit, DemoCommune]]:
    """Every current commune of ``province`` but the five detailed ones, with its generated description,
    in code order (the same seed gives the same communes, hamlets and economies)."""
    rng = random.Random(seed + 3)  # noqa: S311 (synthetic data, reproducible by design)
    detailed = {c.code for c in COMMUNES}
    out: list[tuple[AdminUnit, DemoCommune]] = []
    for commune in (AdminUnit.objects.filter(parent=province, level=UnitLevel.COMMUNE, generation=Generation.CURRENT,
                                             valid_to__isnull=True).order_by("code")):
        if commune.code in detailed:
            continue
        old_province, district = _old_district(commune)
        birth, median = OLD_PROVINCES.get(old_province, OLD_PROVINCES["L86"])
        ward = commune.area_type == "urban"
        khmer = KHMER_BY_DISTRICT.get(district, 0.0) * rng.uniform(0.7, 1.3)
        factor = rng.lognormvariate(0, 0.12) * (1.3 if ward else 1.0) * (1 - 0.25 * khmer)
        others = [(code, 0.03) for code in ("083", "084", "086") if code != birth]
        out.append((commune, DemoCommune(
            code=commune.code, name=commune.name, hamlet_kind="khom" if ward else "ap",
            hamlets=hamlet_names(rng, ward=ward, khmer_share=khmer),
            weight=round((1.6 if ward else 1.0) * rng.uniform(0.6, 1.5), 2), khmer_share=round(khmer, 3),
            hoa_share=HOA_BY_PROVINCE.get(old_province, 0.01) * (2 if ward else 1),
            birth_provinces=((birth, 0.88), *others, ("079", 0.04), ("092", 0.02)),
            economy=Economy(median_income=int(round(median * factor, -4)), income_spread=0.5,
                            hardship=0.8 if ward else 1.2 if khmer > 0.3 else 1.0),
        )))
    return out
