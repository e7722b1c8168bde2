"""Household record, version 1 (``shared/spec/household-record.md``), as one declarative field table.

The same table drives three things, so they cannot drift apart: the validator below (errors with a JSON path and a
Vietnamese and English message), the Polars schema of the households and members frames (``frames.py``), and the
column set the bulk Parquet reader accepts (``io_parquet.py``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["string", "date", "integer", "number", "boolean", "enum", "enum_list"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of the record. ``minimum``/``maximum`` bound numbers, ``max_length`` strings,
    ``earliest``/``latest`` dates: every value has a sane bound (issue 13, class 7; ``docs/standards-engine.md``,
    "Bounds"), so an absurd one is refused at the door instead of breaking a column, a page or an export."""

    name: str
    kind: Kind
    required: bool = False
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    pattern_vi: str = ""
    pattern_en: str = ""
    non_empty: bool = False
    max_length: int | None = None
    earliest: dt.date | None = None
    latest: dt.date | None = None


AREAS = ("rural", "urban")
WATER_SOURCES = (
    "piped", "borehole", "protected_well", "protected_spring", "rainwater", "bottled",
    "unprotected_well", "unprotected_spring", "surface", "other",
)
LATRINES = (
    "septic", "semi_septic", "pour_flush", "double_vault", "ventilated_pit", "pit_no_slab", "overhang", "none", "other",
)
DEVICES = ("tv", "radio", "desktop", "laptop", "mobile_phone", "tablet")
WASTE = ("collected", "treated_on_site", "untreated")
RELATIONS = (
    "head", "spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other_relative", "other",
)
SEXES = ("male", "female")
DISABILITY = ("none", "mild", "severe", "very_severe")
EMPLOYMENT = ("wage_with_contract", "wage_without_contract", "self_employed", "unemployed", "not_working")
NUTRITION = ("normal", "stunted", "underweight", "stunted_underweight")
EDUCATION = (
    "none", "primary", "lower_secondary", "upper_secondary", "vocational_elementary", "vocational_intermediate",
    "college", "university",
)
SCHOOL = ("appropriate_level", "below_level", "not_attending")

# Bounds (docs/standards-engine.md, "Bounds"). Far beyond any real household, close enough to refuse a typo of
# three extra zeros or a value that breaks a column: income is VND per person per month (the 2022–2025 lines
# are 1.5–2 million), Phiếu A scores are in the hundreds, a dwelling of 10,000 m² is a palace.
MAX_INCOME = 1_000_000_000
MAX_SCORE_A = 1_000
MAX_FLOOR_AREA_M2 = 10_000
MAX_MEMBERS = 100
EARLIEST_REFERENCE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
EARLIEST_BIRTH = dt.date(1890, 1, 1)
MAX_CODE_LENGTH = 64  # household and member ids: the columns' width
MAX_NAME_LENGTH = 200
ECHO_LIMIT = 40  # characters of a wrong value a message repeats back
INCOME_BASES = ("income", "score_a")  # what income_basis may name: the two fields themselves

HOUSEHOLD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "string", required=True, non_empty=True, max_length=MAX_CODE_LENGTH),
    FieldSpec("reference_date", "date", required=True, earliest=EARLIEST_REFERENCE, latest=LATEST_DATE),
    FieldSpec("year", "integer", minimum=2016, maximum=2100),
    FieldSpec("area", "enum", required=True, values=AREAS),
    FieldSpec("province_code", "string", pattern=r"[0-9]{2}", pattern_vi="gồm đúng 2 chữ số",
              pattern_en="exactly 2 digits"),
    FieldSpec("commune_code", "string", pattern=r"[0-9]{5}", pattern_vi="gồm đúng 5 chữ số",
              pattern_en="exactly 5 digits"),
    FieldSpec("hamlet", "string", max_length=MAX_NAME_LENGTH),
    FieldSpec("income", "integer", minimum=0, maximum=MAX_INCOME),
    FieldSpec("score_a", "number", minimum=0, maximum=MAX_SCORE_A),
    FieldSpec("income_basis", "enum", values=INCOME_BASES),
)
DWELLING_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("floor_area_m2", "number", minimum=0, maximum=MAX_FLOOR_AREA_M2),
    FieldSpec("walls_durable", "boolean"),
    FieldSpec("frame_durable", "boolean"),
    FieldSpec("roof_durable", "boolean"),
    FieldSpec("water_source", "enum", values=WATER_SOURCES),
    FieldSpec("latrine", "enum", values=LATRINES),
    FieldSpec("information_devices", "enum_list", values=DEVICES),
    FieldSpec("hears_loudspeaker", "boolean"),
    FieldSpec("waste", "enum", values=WASTE),
)
MEMBER_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "string", required=True, non_empty=True, max_length=MAX_CODE_LENGTH),
    FieldSpec("relation", "enum", required=True, values=RELATIONS),
    FieldSpec("name", "string", max_length=MAX_NAME_LENGTH),
    FieldSpec("citizen_id", "string", pattern=r"[0-9]{12}", pattern_vi="gồm đúng 12 chữ số",
              pattern_en="exactly 12 digits"),
    FieldSpec("sex", "enum", required=True, values=SEXES),
    FieldSpec("birth_date", "date", earliest=EARLIEST_BIRTH, latest=LATEST_DATE),
    FieldSpec("age", "integer", minimum=0, maximum=130),
    FieldSpec("ethnicity", "string", max_length=MAX_CODE_LENGTH),
    FieldSpec("disability", "enum", values=DISABILITY),
    FieldSpec("monthly_social_allowance", "boolean"),
    FieldSpec("meritorious", "boolean"),
    FieldSpec("working_age", "boolean"),
    FieldSpec("employment", "enum", values=EMPLOYMENT),
    FieldSpec("health_insured", "boolean"),
    FieldSpec("nutrition", "enum", values=NUTRITION),
    FieldSpec("education_completed", "enum", values=EDUCATION),
    FieldSpec("in_education", "boolean"),
    FieldSpec("school", "enum", values=SCHOOL),
    FieldSpec("uses_internet", "boolean"),
    FieldSpec("uses_phone", "boolean"),
    FieldSpec("ill_untreated", "boolean"),
)

# Every message of the validator, once: the record validator here and the column-wise one (``frame_validate.py``)
# both fill these templates, so their texts cannot drift apart. The key is the error code, with ``:variant`` where
# one code has several texts; placeholders are already-formatted text (``shown`` is a value as ``_show`` writes it).
MESSAGES: dict[str, tuple[str, str]] = {
    "type:string": ("Phải là một chuỗi ký tự.", "Must be a string."),
    "type:boolean": ("Phải là true (có) hoặc false (không).", "Must be true or false."),
    "type:integer": ("Phải là số nguyên.", "Must be an integer."),
    "type:number": ("Phải là một số.", "Must be a number."),
    "type:list": ("Phải là một danh sách (có thể rỗng: []).", "Must be a list (may be empty: [])."),
    "type:object": ("Phải là một đối tượng JSON ({{...}}).", "Must be a JSON object ({{...}})."),
    "type:members": ("Phải là một danh sách thành viên.", "Must be a list of members."),
    "empty": ("Không được để trống.", "Must not be empty."),
    "max_length": ("Quá dài: tối đa {limit} ký tự, hiện có {length} ký tự.",
                   "Too long: at most {limit} characters, this has {length}."),
    "pattern": ("Giá trị {shown} không hợp lệ: phải {rule_vi}.", "Value {shown} is invalid: must be {rule_en}."),
    "date": ("Ngày {shown} không hợp lệ: phải là ngày có thật, viết theo dạng YYYY-MM-DD (ví dụ 2025-10-01).",
             "Date {shown} is invalid: must be a real date written YYYY-MM-DD (e.g. 2025-10-01)."),
    "earliest": ("Ngày {day_vi} quá sớm: không được trước {bound_vi}.",
                 "Date {day} is too early: must not be before {bound}."),
    "latest": ("Ngày {day_vi} quá xa: không được sau {bound_vi}.", "Date {day} is too late: must not be after {bound}."),
    "finite": ("Phải là một số hữu hạn.", "Must be a finite number."),
    "minimum": ("Phải lớn hơn hoặc bằng {bound}.", "Must be at least {bound}."),
    "maximum": ("Phải nhỏ hơn hoặc bằng {bound}.", "Must be at most {bound}."),
    "enum": ("Giá trị {shown} không hợp lệ; các giá trị được phép: {allowed}.",
             "Value {shown} is not allowed; allowed values: {allowed}."),
    "duplicate": ("Giá trị {shown} bị lặp lại trong danh sách.", "Value {shown} appears twice in the list."),
    "unknown_field": ("Trường {shown} không có trong định dạng hồ sơ hộ (có thể viết sai tên).",
                      "Field {shown} is not part of the household record (misspelt?)."),
    "required": ("Thiếu trường bắt buộc.", "Required field is missing."),
    "income_basis_required": (
        "Hồ sơ có cả thu nhập (income) và điểm A (score_a): phải ghi income_basis cho biết xã đã dùng căn cứ nào.",
        "The record has both income and score_a: income_basis must say which one the commune used."),
    "income_basis_absent": ("income_basis là {shown} nhưng hồ sơ không có trường {basis}.",
                            "income_basis is {shown} but the record has no {basis} field."),
    "min_items": ("Hộ phải có ít nhất một thành viên.", "A household must have at least one member."),
    "max_items": ("Hộ có {count} thành viên: tối đa {limit} thành viên một hộ.",
                  "The household has {count} members: at most {limit} per household."),
    "birth_date_and_age": ("Chỉ ghi một trong hai: ngày sinh (birth_date) hoặc tuổi (age), không ghi cả hai.",
                           "Give either birth_date or age, not both."),
    "birth_date_or_age": ("Phải ghi ngày sinh (birth_date) hoặc tuổi (age) của thành viên.",
                          "The member needs a birth_date or an age."),
    "birth_after_reference": ("Ngày sinh sau ngày khảo sát (reference_date).",
                              "The birth date is after the reference date."),
    "extra_head": ("Hộ chỉ được có một chủ hộ; thành viên này là chủ hộ thừa.",
                   "A household has exactly one head; this member is an extra one."),
    "duplicate_member_id": ("Mã thành viên {shown} bị trùng trong hộ.",
                            "Member id {shown} is used twice in the household."),
    "no_head": ("Hộ phải có đúng một chủ hộ (relation = head); chưa có chủ hộ.",
                "A household needs exactly one head (relation = head); there is none."),
}

_HOUSEHOLD = {f.name: f for f in HOUSEHOLD_FIELDS}
_DWELLING = {f.name: f for f in DWELLING_FIELDS}
_MEMBER = {f.name: f for f in MEMBER_FIELDS}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class RecordError:
    """One problem in one record: where (JSON path inside the record) and what, in Vietnamese and English."""

    path: str
    code: str
    message_vi: str
    message_en: str

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message_vi": self.message_vi, "message_en": self.message_en}


def _error(path: str, key: str, **values: str) -> RecordError:
    """The error ``key`` of ``MESSAGES`` (code: the key before any ``:variant``) at ``path``."""
    vi, en = MESSAGES[key]
    return RecordError(path, key.partition(":")[0], vi.format(**values), en.format(**values))


def _join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{_clip(value)}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list | dict):
        # Never the whole structure: it may be megabytes, or nested deeper than repr() can go.
        return "[…]" if isinstance(value, list) else "{…}"
    return _clip(str(value))


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def vi_date(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _clip(value: str, limit: int = ECHO_LIMIT) -> str:
    """An echoed value cut short: a message must not carry back a megabyte someone sent."""
    return value if len(value) <= limit else value[:limit] + "…"


def parse_date(value: str) -> dt.date | None:
    """A calendar date written exactly ``YYYY-MM-DD`` (``date.fromisoformat`` alone accepts other ISO forms)."""
    if not _DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _check_value(spec: FieldSpec, value: Any, path: str) -> list[RecordError]:
    """Type, enumeration, range and pattern of one present value."""
    kind = spec.kind
    if kind in ("string", "date", "enum") and not isinstance(value, str):
        if kind == "enum":
            return [_enum_error(spec, value, path)]
        return [_error(path, "type:string")]
    if kind == "string":
        if spec.non_empty and value == "":
            return [_error(path, "empty")]
        if spec.max_length is not None and len(value) > spec.max_length:
            return [_error(path, "max_length", limit=str(spec.max_length), length=str(len(value)))]
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            return [_error(path, "pattern", shown=_show(value), rule_vi=spec.pattern_vi, rule_en=spec.pattern_en)]
        return []
    if kind == "date":
        day = parse_date(value)
        if day is None:
            return [_error(path, "date", shown=_show(value))]
        if spec.earliest is not None and day < spec.earliest:
            return [_date_bound_error(path, "earliest", day, spec.earliest)]
        if spec.latest is not None and day > spec.latest:
            return [_date_bound_error(path, "latest", day, spec.latest)]
        return []
    if kind == "enum":
        return [] if value in spec.values else [_enum_error(spec, value, path)]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [_error(path, "type:boolean")]
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [_error(path, f"type:{kind}")]
        if isinstance(value, float) and not math.isfinite(value):
            # JSON parsers accept NaN and Infinity; no comparison below would catch NaN.
            return [_error(path, "finite")]
        if kind == "integer" and isinstance(value, float) and not value.is_integer():
            return [_error(path, "type:integer")]
        if spec.minimum is not None and value < spec.minimum:
            return [_error(path, "minimum", bound=number_text(spec.minimum))]
        if spec.maximum is not None and value > spec.maximum:
            return [_error(path, "maximum", bound=number_text(spec.maximum))]
        return []
    # enum_list
    if not isinstance(value, list):
        return [_error(path, "type:list")]
    errors: list[RecordError] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        item_path = _join(path, i)
        if not isinstance(item, str) or item not in spec.values:
            errors.append(_enum_error(spec, item, item_path))
        elif item in seen:
            errors.append(_error(item_path, "duplicate", shown=_show(item)))
        else:
            seen.add(item)
    return errors


def _date_bound_error(path: str, key: str, day: dt.date, bound: dt.date) -> RecordError:
    return _error(path, key, day_vi=vi_date(day), bound_vi=vi_date(bound), day=day.isoformat(), bound=bound.isoformat())


def _enum_error(spec: FieldSpec, value: Any, path: str) -> RecordError:
    return _error(path, "enum", shown=_show(value), allowed=", ".join(spec.values))


def _check_object(data: Any, specs: Mapping[str, FieldSpec], path: str, skip: frozenset[str] = frozenset()
                  ) -> list[RecordError]:
    if not isinstance(data, dict):
        return [_error(path or "$", "type:object")]
    errors: list[RecordError] = []
    for key in data:
        if key not in specs and key not in skip:
            errors.append(_error(_join(path, str(key)), "unknown_field", shown=_show(key)))
    for name, spec in specs.items():
        if name not in data:
            if spec.required:
                errors.append(_error(_join(path, name), "required"))
            continue
        errors.extend(_check_value(spec, data[name], _join(path, name)))
    return errors


def validate_record(data: Any) -> list[RecordError]:
    """All the problems of one household record (an empty list means valid).

    Checks the v1 schema (unknown keys are rejected at every level) and the rules the schema cannot express:
    exactly one head, unique member ids, ``income_basis`` when both ``income`` and ``score_a`` are given (and never
    naming an absent field), a birth date or an age for each member (not both), no birth date after the reference
    date.
    """
    errors = _check_object(data, _HOUSEHOLD, "", skip=frozenset({"dwelling", "members"}))
    if not isinstance(data, dict):
        return errors
    if "dwelling" in data:
        errors.extend(_check_object(data["dwelling"], _DWELLING, "dwelling"))
    if "income" in data and "score_a" in data and "income_basis" not in data:
        errors.append(_error("income_basis", "income_basis_required"))
    basis = data.get("income_basis")
    if basis in INCOME_BASES and basis not in data:
        errors.append(_error("income_basis", "income_basis_absent", shown=_show(basis), basis=basis))
    reference = parse_date(data["reference_date"]) if isinstance(data.get("reference_date"), str) else None
    if reference is not None and not EARLIEST_REFERENCE <= reference <= LATEST_DATE:
        reference = None  # already reported; comparing birth dates with it would only add noise
    if "members" not in data:
        errors.append(_error("members", "required"))
        return errors
    members = data["members"]
    if not isinstance(members, list):
        errors.append(_error("members", "type:members"))
        return errors
    if not members:
        errors.append(_error("members", "min_items"))
        return errors
    if len(members) > MAX_MEMBERS:
        errors.append(_error("members", "max_items", count=str(len(members)), limit=str(MAX_MEMBERS)))
        return errors
    heads = 0
    seen_ids: set[str] = set()
    for i, member in enumerate(members):
        path = _join("members", i)
        errors.extend(_check_object(member, _MEMBER, path))
        if not isinstance(member, dict):
            continue
        if ("birth_date" in member) == ("age" in member):
            errors.append(_error(path, "birth_date_and_age" if "age" in member else "birth_date_or_age"))
        birth = parse_date(member["birth_date"]) if isinstance(member.get("birth_date"), str) else None
        if birth is not None and reference is not None and birth > reference:
            errors.append(_error(_join(path, "birth_date"), "birth_after_reference"))
        if member.get("relation") == "head":
            heads += 1
            if heads >= 2:
                errors.append(_error(_join(path, "relation"), "extra_head"))
        member_id = member.get("id")
        if isinstance(member_id, str):
            if member_id in seen_ids:
                errors.append(_error(_join(path, "id"), "duplicate_member_id", shown=_show(member_id)))
            seen_ids.add(member_id)
    if heads == 0:
        errors.append(_error("members", "no_head"))
    return errors


def record_year(record: Mapping[str, Any]) -> int:
    """Review year of a valid record: ``year`` if stated, else the year of ``reference_date``."""
    year = record.get("year")
    if isinstance(year, int):
        return year
    return int(str(record["reference_date"])[:4])
