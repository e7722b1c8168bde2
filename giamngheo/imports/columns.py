"""The import and export columns, generated from household record v1 — no hand-kept column list.

Every field of the record (``standards.record``'s field tables) becomes one column of the households sheet or the
members sheet. Its Vietnamese header is the registry's label for that fact (the model field's verbose name, the
same words the survey form shows); its answers are the record's values with the registry's Vietnamese labels.
What is added here is only what a spreadsheet needs beyond the record: the columns that tie a member row to its
household, the commune's name (officers' workbooks name communes rather than code them) and the header spellings and
answer spellings officers actually type.

Headers are matched after folding (case, diacritics, spaces, punctuation ignored), against the Vietnamese header,
the record path (``dwelling.floor_area_m2``), the bare field name (``floor_area_m2``) and a few common variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from django.db.models import Model
from django.utils import translation
from django.utils.text import capfirst

from giamngheo.core.text import fold
from giamngheo.households.models import Household, Member
from giamngheo.standards import record as rec

Sheet = Literal["households", "members"]
HOUSEHOLDS: Sheet = "households"
MEMBERS: Sheet = "members"

# Sheet titles of the template and the export; reading accepts these and the variants below (folded).
SHEET_TITLES: dict[Sheet, str] = {HOUSEHOLDS: "Hộ gia đình", MEMBERS: "Thành viên"}
INSTRUCTIONS_TITLE = "Hướng dẫn"
ERRORS_TITLE = "Lỗi"
SHEET_VARIANTS: dict[Sheet, tuple[str, ...]] = {
    HOUSEHOLDS: ("Hộ gia đình", "Hộ", "Ho", "Danh sách hộ", "households", "household"),
    MEMBERS: ("Thành viên", "Thành viên hộ", "Nhân khẩu", "members", "member"),
}

# Columns that are not record fields: the link of a member row to its household, and unit names.
HOUSEHOLD_KEY = "household_id"  # members sheet: names the household row's ``id``
COMMUNE_NAME = "commune_name"
DISTRICT_NAME = "district_name"  # pre-2025 district, to tell apart two old communes of the same name
PROVINCE_NAME = "province_name"

# Header spellings beyond the label and the record names (folded when compared).
_VARIANTS: dict[str, tuple[str, ...]] = {
    "id": ("Mã hộ", "Mã hộ gia đình", "Mã số hộ", "Số hộ"),
    "reference_date": ("Ngày rà soát", "Ngày điều tra", "Ngày khảo sát"),
    "year": ("Năm rà soát", "Năm"),
    "area": ("Khu vực", "Nông thôn/thành thị"),
    "province_code": ("Mã tỉnh", "Mã tỉnh/thành phố"),
    "commune_code": ("Mã xã", "Mã xã/phường", "Mã phường", "Mã đơn vị hành chính cấp xã"),
    "hamlet": ("Thôn/ấp", "Thôn", "Ấp", "Bản", "Khóm", "Tổ dân phố", "Thôn/ấp/bản", "Thôn, ấp, bản, tổ dân phố"),
    "income": ("Thu nhập bình quân", "Thu nhập", "Thu nhập bình quân đầu người", "Thu nhập (đồng/người/tháng)"),
    "score_a": ("Điểm A", "Tổng điểm A", "Điểm phiếu A"),
    "floor_area_m2": ("Diện tích nhà ở", "Diện tích nhà", "Diện tích nhà ở (m2)"),
    COMMUNE_NAME: ("Xã/phường", "Xã", "Phường", "Tên xã", "Xã/phường/đặc khu", "Tên xã/phường"),
    DISTRICT_NAME: ("Huyện", "Quận/huyện", "Huyện/thị xã/thành phố", "Huyện (cũ)", "Quận/huyện (cũ)"),
    PROVINCE_NAME: ("Tỉnh", "Tỉnh/thành phố", "Tên tỉnh"),
    HOUSEHOLD_KEY: ("Mã hộ", "Mã hộ gia đình", "Mã số hộ"),
    "member_id": ("Mã thành viên", "Mã nhân khẩu", "STT thành viên", "Số thứ tự trong hộ"),
    "relation": ("Quan hệ với chủ hộ", "Quan hệ", "Quan hệ chủ hộ"),
    "name": ("Họ và tên", "Họ tên", "Tên", "Họ và tên thành viên"),
    "citizen_id": ("Số định danh cá nhân", "Số định danh", "Số CCCD", "CCCD", "Căn cước công dân",
                   "Số căn cước công dân", "Số căn cước", "CCCD/CMND", "Mã định danh"),
    "sex": ("Giới tính", "Giới"),
    "birth_date": ("Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh"),
    "age": ("Tuổi",),
    "ethnicity": ("Dân tộc",),
    "health_insured": ("Có thẻ BHYT", "BHYT", "Có bảo hiểm y tế", "Thẻ bảo hiểm y tế"),
}

# Answers for yes/no questions. Blank is "not answered", never "no".
YES_WORDS = ("Có", "x", "X", "1", "yes", "true", "đúng", "c", "v", "✓", "✔")
NO_WORDS = ("Không", "0", "no", "false", "k", "ko", "không có")
YES_LABEL, NO_LABEL = "Có", "Không"
DEVICE_NONE = "Không có"  # the whole information-devices answer "none of them" (``[]``)
LIST_SEPARATORS = re.compile(r"\s*[,;\n]\s*")

# Extra spellings of coded answers (folded when compared), beyond the label and the code itself.
_ANSWER_VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "sex": {"male": ("Nam", "M", "Trai"), "female": ("Nữ", "F", "Gái")},
    "area": {"rural": ("NT", "Nông thôn"), "urban": ("TT", "Thành thị", "Đô thị")},
    "relation": {"head": ("Chủ hộ", "CH"), "spouse": ("Vợ", "Chồng", "Vợ/chồng"),
                 "child": ("Con", "Con trai", "Con gái", "Con dâu", "Con rể"),
                 "parent": ("Bố", "Mẹ", "Cha", "Bố/mẹ", "Cha/mẹ"),
                 "grandchild": ("Cháu", "Cháu nội", "Cháu ngoại"),
                 "grandparent": ("Ông", "Bà", "Ông/bà"),
                 "sibling": ("Anh", "Chị", "Em", "Anh/chị/em")},
    "disability": {"none": ("Không", "Không khuyết tật"), "mild": ("Nhẹ",), "severe": ("Nặng",),
                   "very_severe": ("Đặc biệt nặng",)},
    "income_basis": {"income": ("Thu nhập",), "score_a": ("Điểm A", "Phiếu A")},
}

# Majority and common ethnic-group names written the way the registry stores them ("kinh" → "Kinh").
KNOWN_ETHNICITIES = ("Kinh", "Khmer", "Hoa", "Tày", "Thái", "Mường", "H'Mông", "Nùng", "Dao", "Gia Rai", "Ê Đê",
                     "Ba Na", "Chăm", "Sán Chay", "Xơ Đăng", "Sán Dìu", "Hrê", "Cơ Ho", "Ra Glai", "Mnông", "Thổ",
                     "Xtiêng", "Khơ Mú", "Bru - Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ Triêng", "Co",
                     "Chơ Ro", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "Kháng", "Phù Lá", "La Hủ", "La Ha",
                     "Pà Thẻn", "Lự", "Ngái", "Chứt", "Lô Lô", "Mảng", "Cơ Lao", "Bố Y", "Cống", "Si La", "Pu Péo",
                     "Rơ Măm", "Brâu", "Ơ Đu")


@dataclass(frozen=True)
class Column:
    """One column of the households or members sheet.

    ``path`` is the record v1 path an error names (``dwelling.floor_area_m2``, ``members.birth_date``); ``name`` is
    the flat column name of the engine's frames (``floor_area_m2``, ``birth_date``) or one of the link/unit
    columns above; ``spec`` is the record field (None for link/unit columns).
    """

    sheet: Sheet
    name: str
    path: str
    header: str
    spec: rec.FieldSpec | None
    labels: tuple[tuple[str, str], ...] = ()  # (code, Vietnamese label) of a coded answer, in the record's order
    variants: tuple[str, ...] = field(default=(), repr=False)

    @property
    def kind(self) -> str:
        return self.spec.kind if self.spec is not None else "string"

    @property
    def required(self) -> bool:
        return self.spec is not None and self.spec.required

    def header_keys(self) -> set[str]:
        """Every folded spelling that names this column."""
        keys = {header_key(self.header), header_key(self.path), header_key(self.name), *map(header_key, self.variants)}
        return keys - {""}


def header_key(text: str) -> str:
    """A header folded for matching: ``"Ngày sinh (dd/mm/yyyy)*"`` → ``"ngay sinh"``; punctuation and a trailing
    remark in brackets are ignored, so officers' own annotations do not break the match."""
    text = re.sub(r"\([^)]*\)\s*$", "", str(text or "")).strip()
    return " ".join(re.sub(r"[^0-9a-z_./]+", " ", fold(text)).split())


def answer_key(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z_']+", " ", fold(text)).split())


def _label(model: type[Model], name: str) -> str:
    with translation.override("vi"):
        return str(capfirst(model._meta.get_field(name).verbose_name))  # type: ignore[union-attr]


def _labels(model: type[Model], name: str) -> tuple[tuple[str, str], ...]:
    db_field = model._meta.get_field(name)
    with translation.override("vi"):
        return tuple((str(code), str(label)) for code, label in (db_field.choices or ()))  # type: ignore[union-attr]


def _device_labels() -> tuple[tuple[str, str], ...]:
    from giamngheo.households.models import InformationDevice

    with translation.override("vi"):
        return tuple((str(code), str(label)) for code, label in InformationDevice.choices)


def _record_column(sheet: Sheet, spec: rec.FieldSpec, model: type[Model], path: str) -> Column:
    stored = {"id": "code" if model is Household else "member_id"}.get(spec.name, spec.name)
    if spec.name in ("province_code", "commune_code"):
        header = {"province_code": "Mã tỉnh", "commune_code": "Mã xã/phường"}[spec.name]
    elif spec.name == "hamlet":
        header = "Thôn/ấp"
    else:
        header = _label(model, stored)
    labels: tuple[tuple[str, str], ...] = ()
    if spec.kind == "enum":
        labels = _labels(model, stored)
    elif spec.kind == "enum_list":
        labels = _device_labels()
    variants = _VARIANTS.get("member_id" if (sheet == MEMBERS and spec.name == "id") else spec.name, ())
    return Column(sheet, spec.name, path, header, spec, labels, variants)


@cache
def columns(sheet: Sheet) -> tuple[Column, ...]:
    """The columns of one sheet, in the order of the template and the export."""
    if sheet == HOUSEHOLDS:
        result = [_record_column(HOUSEHOLDS, spec, Household, spec.name) for spec in rec.HOUSEHOLD_FIELDS]
        # Unit names after the codes: a workbook may carry either, or both (then they must agree).
        at = next(i for i, c in enumerate(result) if c.name == "commune_code") + 1
        result[at:at] = [
            Column(HOUSEHOLDS, COMMUNE_NAME, COMMUNE_NAME, "Xã/phường", None, variants=_VARIANTS[COMMUNE_NAME]),
            Column(HOUSEHOLDS, DISTRICT_NAME, DISTRICT_NAME, "Huyện (cũ)", None, variants=_VARIANTS[DISTRICT_NAME]),
        ]
        result += [_record_column(HOUSEHOLDS, spec, Household, f"dwelling.{spec.name}") for spec in rec.DWELLING_FIELDS]
        return tuple(result)
    return (
        Column(MEMBERS, HOUSEHOLD_KEY, HOUSEHOLD_KEY, "Mã hộ", None, variants=_VARIANTS[HOUSEHOLD_KEY]),
        *(_record_column(MEMBERS, spec, Member, f"members.{spec.name}") for spec in rec.MEMBER_FIELDS),
    )


@cache
def column(sheet: Sheet, name: str) -> Column:
    return next(c for c in columns(sheet) if c.name == name)


@cache
def _label_table(sheet: Sheet, name: str) -> dict[str, str]:
    return dict(column(sheet, name).labels)


@cache
def answer_table(sheet: Sheet, name: str) -> dict[str, str]:
    """Folded spelling → record code, for a coded answer (an enumeration or one device of the device list)."""
    col = column(sheet, name)
    table: dict[str, str] = {}
    for code, label in col.labels:
        table[answer_key(code)] = code
        table[answer_key(label)] = code
    for code, spellings in _ANSWER_VARIANTS.get(name, {}).items():
        for spelling in spellings:
            table.setdefault(answer_key(spelling), code)
    return table


@cache
def boolean_table() -> dict[str, bool]:
    table = {answer_key(word): True for word in YES_WORDS}
    table.update({answer_key(word): False for word in NO_WORDS})
    return table


@cache
def ethnicity_table() -> dict[str, str]:
    return {answer_key(name): name for name in KNOWN_ETHNICITIES}


def label_of(sheet: Sheet, name: str, code: str) -> str:
    """The Vietnamese label written for a coded answer in the template and the export."""
    return _label_table(sheet, name).get(code, code)
