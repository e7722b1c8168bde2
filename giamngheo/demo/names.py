"""Synthetic but realistic names of people in the Mekong Delta: Kinh, Khmer and Hoa naming customs.

Kinh surnames follow their rough frequency in the South (Nguyễn first, Huỳnh and Võ more common than in
the North); Khmer names of Trà Vinh are written the Vietnamese way, with a surname such as Thạch, Sơn,
Kim or Danh and a given name of one or two Khmer syllables; women's names carry "Thị".
"""

from __future__ import annotations

import random

KINH_SURNAMES = (
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 6), ("Huỳnh", 6), ("Võ", 5), ("Phan", 4), ("Trương", 2),
    ("Đặng", 2), ("Bùi", 2), ("Đỗ", 1.5), ("Hồ", 1.5), ("Ngô", 1.5), ("Dương", 1.2), ("Lâm", 1), ("Đoàn", 1),
    ("Hoàng", 1), ("Lý", 0.8), ("Mai", 0.6), ("Châu", 0.6), ("Tô", 0.5), ("Thái", 0.5), ("Cao", 0.5),
)
KINH_MIDDLE_MALE = (("Văn", 60), ("Minh", 8), ("Thanh", 6), ("Hoàng", 4), ("Quốc", 5), ("Hữu", 5), ("Tấn", 5),
                    ("Công", 3), ("Đức", 2), ("Phước", 2))
KINH_MIDDLE_FEMALE = (("Thị", 60), ("Ngọc", 10), ("Thanh", 5), ("Kim", 6), ("Mỹ", 5), ("Bích", 3), ("Thu", 4),
                      ("Hồng", 4), ("Diễm", 3))
KINH_GIVEN_MALE = (
    "Hùng", "Dũng", "Tuấn", "Minh", "Phúc", "Tài", "Lộc", "Thành", "Hải", "Long", "Nam", "Sơn", "Hiếu", "Nghĩa",
    "Trung", "Khang", "Bảo", "Huy", "Khoa", "Tâm", "Phong", "Quang", "Vinh", "Hòa", "Bình", "Thắng", "Tùng",
    "Cường", "Nhân", "Đạt", "Toàn", "Thiện", "Hậu", "Lợi", "Phát", "Kiệt", "Trí", "Duy", "An", "Sang",
)
KINH_GIVEN_FEMALE = (
    "Lan", "Hoa", "Hương", "Mai", "Linh", "Trang", "Thảo", "Ngọc", "Nhung", "Hạnh", "Hằng", "Yến", "Phương",
    "Vy", "Nhi", "Thư", "Trinh", "Loan", "Tuyết", "Diệu", "Xuân", "Hồng", "Thủy", "Cúc", "Đào", "Liên",
    "Oanh", "Kiều", "Ánh", "Như", "Hiền", "Duyên", "Thắm", "Nga", "Huệ", "Quyên", "Tiên", "My",
)
KHMER_SURNAMES = (("Thạch", 35), ("Sơn", 20), ("Kim", 15), ("Danh", 10), ("Lâm", 6), ("Trà", 4), ("Dương", 4),
                  ("Huỳnh", 3), ("Lý", 3))
KHMER_GIVEN_MALE = (
    "Sa Rát", "Sóc", "Phol", "Chanh", "Sang", "Khêl", "Sa Ron", "Som", "Rươne", "Tha", "Sô Phon", "Ni", "Na",
    "Sa Mon", "Hên", "Sóc Khum", "Vuôl", "Chăn Thu", "Sa Vên", "Đa Ra", "Pho", "Mách", "Sà Khon", "Thươne",
)
KHMER_GIVEN_FEMALE = (
    "Sa Vanh", "Sa Rết", "Phương", "Mỹ", "Chanh Thu", "Sa Ly", "Kha", "Sà Rương", "Ngọc Hân", "Sóc Kha",
    "Sa Muônl", "Thi", "Sà Phal", "Da Ni", "Sô Phia", "Kim Hoa", "Sa Rum", "Ni Ta", "Sà Khuôl", "Mết",
)
HOA_SURNAMES = (("Lâm", 20), ("Trương", 15), ("Lý", 15), ("Quách", 10), ("Hứa", 10), ("Tăng", 8), ("Diệp", 8),
                ("Mã", 7), ("Giang", 7))
HOA_MIDDLE_MALE = (("Văn", 30), ("Quốc", 20), ("Gia", 20), ("Huệ", 10), ("Kiến", 10))
HOA_MIDDLE_FEMALE = (("Thị", 30), ("Mỹ", 20), ("Ngọc", 20), ("Huệ", 15), ("Lệ", 15))


def weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _w in choices]
    weights = [w for _name, w in choices]
    return rng.choices(names, weights=weights)[0]


def surname(rng: random.Random, ethnicity: str) -> str:
    if ethnicity == "Khmer":
        return weighted(rng, KHMER_SURNAMES)
    if ethnicity == "Hoa":
        return weighted(rng, HOA_SURNAMES)
    return weighted(rng, KINH_SURNAMES)


def full_name(rng: random.Random, *, ethnicity: str, sex: str, family_name: str | None = None) -> str:
    """A full name; children take ``family_name`` (their father's surname, as is customary)."""
    family = family_name or surname(rng, ethnicity)
    male = sex == "male"
    if ethnicity == "Khmer":
        given = rng.choice(KHMER_GIVEN_MALE if male else KHMER_GIVEN_FEMALE)
        return f"{family} {given}" if male else f"{family} Thị {given}"
    if ethnicity == "Hoa":
        middle = weighted(rng, HOA_MIDDLE_MALE if male else HOA_MIDDLE_FEMALE)
    else:
        middle = weighted(rng, KINH_MIDDLE_MALE if male else KINH_MIDDLE_FEMALE)
    given = rng.choice(KINH_GIVEN_MALE if male else KINH_GIVEN_FEMALE)
    return f"{family} {middle} {given}"
