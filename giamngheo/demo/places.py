"""The demo's place: Vĩnh Long (code 86), the July 2025 merger of Vĩnh Long, Bến Tre and Trà Vinh.

Five real communes of the new province, a mix of wards and communes from the three old provinces, one
of them (Trà Cú, in the former Trà Vinh) with a Khmer majority. Hamlet names are plausible local names
made for the demo; households and people are synthetic. ``economy`` sets how incomes and living
conditions are drawn, so that under the 2022–2025 standard the province lands near its published end-2023
figure (0.95% poor households) while the Khmer commune has clearly more poor and near-poor households.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = "86"


@dataclass(frozen=True)
class Economy:
    median_income: int  # VND per person per month
    income_spread: float  # sigma of log income
    hardship: float  # how much more often a low-income household lacks basic services (1 = as others)


@dataclass(frozen=True)
class DemoCommune:
    code: str
    name: str  # as in the unit list, to catch a wrong code early
    hamlet_kind: str  # UnitKind value
    hamlets: tuple[str, ...]
    weight: float  # share of the demo's households
    khmer_share: float
    hoa_share: float
    birth_provinces: tuple[tuple[str, float], ...]  # old province code of birth (citizen ID prefix), weight
    economy: Economy


COMMUNES: tuple[DemoCommune, ...] = (
    DemoCommune(
        code="29266", name="Xã Càng Long", hamlet_kind="ap",
        hamlets=("Ấp Đại Đức", "Ấp Đại Thôn", "Ấp Kinh Xáng", "Ấp Trà Ốp", "Ấp Bình Hòa", "Ấp Phú Hưng",
                 "Ấp Tân Bình", "Ấp Nhà Thờ", "Ấp Mỹ Huê"),
        weight=0.22, khmer_share=0.12, hoa_share=0.01,
        birth_provinces=(("084", 0.86), ("086", 0.07), ("083", 0.04), ("079", 0.03)),
        economy=Economy(median_income=4_100_000, income_spread=0.5, hardship=1.0),
    ),
    DemoCommune(
        code="29242", name="Phường Trà Vinh", hamlet_kind="khom",
        hamlets=tuple(f"Khóm {n}" for n in range(1, 11)),
        weight=0.26, khmer_share=0.17, hoa_share=0.04,
        birth_provinces=(("084", 0.82), ("086", 0.06), ("083", 0.04), ("079", 0.06), ("092", 0.02)),
        economy=Economy(median_income=5_600_000, income_spread=0.5, hardship=0.8),
    ),
    DemoCommune(
        code="29461", name="Xã Trà Cú", hamlet_kind="ap",
        hamlets=("Ấp Chợ", "Ấp Sóc Chuối", "Ấp Trà Tro", "Ấp Ô Rung", "Ấp Vàm Buôn", "Ấp Sà Vần", "Ấp Giồng Lớn",
                 "Ấp Xoài Thum", "Ấp Cây Da", "Ấp Bến Trị", "Ấp Chợ Dưới", "Ấp Đông Sơn"),
        weight=0.20, khmer_share=0.66, hoa_share=0.01,
        birth_provinces=(("084", 0.93), ("086", 0.02), ("094", 0.03), ("079", 0.02)),
        economy=Economy(median_income=3_100_000, income_spread=0.5, hardship=1.3),
    ),
    DemoCommune(
        code="28903", name="Xã Mỏ Cày", hamlet_kind="ap",
        hamlets=("Ấp Thị Trấn", "Ấp An Thạnh", "Ấp Tân Lợi", "Ấp Bình Đông", "Ấp Phước Hậu", "Ấp Giồng Keo",
                 "Ấp An Hòa"),
        weight=0.18, khmer_share=0.0, hoa_share=0.005,
        birth_provinces=(("083", 0.9), ("086", 0.04), ("084", 0.02), ("079", 0.04)),
        economy=Economy(median_income=4_300_000, income_spread=0.5, hardship=1.0),
    ),
    DemoCommune(
        code="29551", name="Phường Long Châu", hamlet_kind="khom",
        hamlets=tuple(f"Khóm {n}" for n in range(1, 9)),
        weight=0.14, khmer_share=0.01, hoa_share=0.02,
        birth_provinces=(("086", 0.88), ("083", 0.04), ("084", 0.03), ("079", 0.05)),
        economy=Economy(median_income=6_000_000, income_spread=0.5, hardship=0.8),
    ),
)
