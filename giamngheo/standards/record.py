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
    FieldSpec("income_basis", "enum", values=("income", "score_a")),
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


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _vi_date(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _clip(value: str, limit: int = 40) -> str:
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
        return [RecordError(path, "type", "Phải là một chuỗi ký tự.", "Must be a string.")]
    if kind == "string":
        if spec.non_empty and value == "":
            return [RecordError(path, "empty", "Không được để trống.", "Must not be empty.")]
        if spec.max_length is not None and len(value) > spec.max_length:
            return [RecordError(path, "max_length",
                                f"Quá dài: tối đa {spec.max_length} ký tự, hiện có {len(value)} ký tự.",
                                f"Too long: at most {spec.max_length} characters, this has {len(value)}.")]
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            return [RecordError(path, "pattern", f"Giá trị {_show(value)} không hợp lệ: phải {spec.pattern_vi}.",
                                f"Value {_show(value)} is invalid: must be {spec.pattern_en}.")]
        return []
    if kind == "date":
        day = parse_date(value)
        if day is None:
            return [RecordError(path, "date", f"Ngày {_show(value)} không hợp lệ: phải là ngày có thật, viết "
                                "theo dạng YYYY-MM-DD (ví dụ 2025-10-01).",
                                f"Date {_show(value)} is invalid: must be a real date written YYYY-MM-DD "
                                "(e.g. 2025-10-01).")]
        if spec.earliest is not None and day < spec.earliest:
            return [RecordError(path, "earliest", f"Ngày {_vi_date(day)} quá sớm: không được trước "
                                f"{_vi_date(spec.earliest)}.",
                                f"Date {day.isoformat()} is too early: must not be before {spec.earliest.isoformat()}.")]
        if spec.latest is not None and day > spec.latest:
            return [RecordError(path, "latest", f"Ngày {_vi_date(day)} quá xa: không được sau {_vi_date(spec.latest)}.",
                                f"Date {day.isoformat()} is too late: must not be after {spec.latest.isoformat()}.")]
        return []
    if kind == "enum":
        return [] if value in spec.values else [_enum_error(spec, value, path)]
    if kind == "boolean":
        if not isinstance(value, bool):
            return [RecordError(path, "type", "Phải là true (có) hoặc false (không).", "Must be true or false.")]
        return []
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            word_vi, word_en = ("số nguyên", "an integer") if kind == "integer" else ("một số", "a number")
            return [RecordError(path, "type", f"Phải là {word_vi}.", f"Must be {word_en}.")]
        if isinstance(value, float) and not math.isfinite(value):
            # JSON parsers accept NaN and Infinity; no comparison below would catch NaN.
            return [RecordError(path, "finite", "Phải là một số hữu hạn.", "Must be a finite number.")]
        if kind == "integer" and isinstance(value, float) and not value.is_integer():
            return [RecordError(path, "type", "Phải là số nguyên.", "Must be an integer.")]
        if spec.minimum is not None and value < spec.minimum:
            low = _number_text(spec.minimum)
            return [RecordError(path, "minimum", f"Phải lớn hơn hoặc bằng {low}.", f"Must be at least {low}.")]
        if spec.maximum is not None and value > spec.maximum:
            high = _number_text(spec.maximum)
            return [RecordError(path, "maximum", f"Phải nhỏ hơn hoặc bằng {high}.", f"Must be at most {high}.")]
        return []
    # enum_list
    if not isinstance(value, list):
        return [RecordError(path, "type", "Phải là một danh sách (có thể rỗng: []).", "Must be a list (may be empty: []).")]
    errors: list[RecordError] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        item_path = _join(path, i)
        if not isinstance(item, str) or item not in spec.values:
            errors.append(_enum_error(spec, item, item_path))
        elif item in seen:
            errors.append(RecordError(item_path, "duplicate", f"Giá trị {_show(item)} bị lặp lại trong danh sách.",
                                      f"Value {_show(item)} appears twice in the list."))
        else:
            seen.add(item)
    return errors


def _enum_error(spec: FieldSpec, value: Any, path: str) -> RecordError:
    allowed = ", ".join(spec.values)
    return RecordError(path, "enum", f"Giá trị {_show(value)} không hợp lệ; các giá trị được phép: {allowed}.",
                       f"Value {_show(value)} is not allowed; allowed values: {allowed}.")


def _check_object(data: Any, specs: Mapping[str, FieldSpec], path: str, skip: frozenset[str] = frozenset()
                  ) -> list[RecordError]:
    if not isinstance(data, dict):
        return [RecordError(path or "$", "type", "Phải là một đối tượng JSON ({...}).", "Must be a JSON object ({...}).")]
    errors: list[RecordError] = []
    for key in data:
        if key not in specs and key not in skip:
            errors.append(RecordError(_join(path, str(key)), "unknown_field",
                                      f"Trường {_show(key)} không có trong định dạng hồ sơ hộ (có thể viết sai tên).",
                                      f"Field {_show(key)} is not part of the household record (misspelt?)."))
    for name, spec in specs.items():
        if name not in data:
            if spec.required:
                errors.append(RecordError(_join(path, name), "required", "Thiếu trường bắt buộc.",
                                          "Required field is missing."))
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
        errors.append(RecordError("income_basis", "income_basis_required",
                                  "Hồ sơ có cả thu nhập (income) và điểm A (score_a): phải ghi income_basis cho biết "
                                  "xã đã dùng căn cứ nào.",
                                  "The record has both income and score_a: income_basis must say which one the "
                                  "commune used."))
    basis = data.get("income_basis")
    if basis in ("income", "score_a") and basis not in data:
        errors.append(RecordError("income_basis", "income_basis_absent",
                                  f"income_basis là {_show(basis)} nhưng hồ sơ không có trường {basis}.",
                                  f"income_basis is {_show(basis)} but the record has no {basis} field."))
    reference = parse_date(data["reference_date"]) if isinstance(data.get("reference_date"), str) else None
    if reference is not None and not EARLIEST_REFERENCE <= reference <= LATEST_DATE:
        reference = None  # already reported; comparing birth dates with it would only add noise
    if "members" not in data:
        errors.append(RecordError("members", "required", "Thiếu trường bắt buộc.", "Required field is missing."))
        return errors
    members = data["members"]
    if not isinstance(members, list):
        errors.append(RecordError("members", "type", "Phải là một danh sách thành viên.", "Must be a list of members."))
        return errors
    if not members:
        errors.append(RecordError("members", "min_items", "Hộ phải có ít nhất một thành viên.",
                                  "A household must have at least one member."))
        return errors
    if len(members) > MAX_MEMBERS:
        errors.append(RecordError("members", "max_items",
                                  f"Hộ có {len(members)} thành viên: tối đa {MAX_MEMBERS} thành viên một hộ.",
                                  f"The household has {len(members)} members: at most {MAX_MEMBERS} per household."))
        return errors
    heads = 0
    seen_ids: set[str] = set()
    for i, member in enumerate(members):
        path = _join("members", i)
        errors.extend(_check_object(member, _MEMBER, path))
        if not isinstance(member, dict):
            continue
        if ("birth_date" in member) == ("age" in member):
            if "age" in member:
                errors.append(RecordError(path, "birth_date_and_age",
                                          "Chỉ ghi một trong hai: ngày sinh (birth_date) hoặc tuổi (age), không ghi cả hai.",
                                          "Give either birth_date or age, not both."))
            else:
                errors.append(RecordError(path, "birth_date_or_age",
                                          "Phải ghi ngày sinh (birth_date) hoặc tuổi (age) của thành viên.",
                                          "The member needs a birth_date or an age."))
        birth = parse_date(member["birth_date"]) if isinstance(member.get("birth_date"), str) else None
        if birth is not None and reference is not None and birth > reference:
            errors.append(RecordError(_join(path, "birth_date"), "birth_after_reference",
                                      "Ngày sinh sau ngày khảo sát (reference_date).",
                                      "The birth date is after the reference date."))
        if member.get("relation") == "head":
            heads += 1
            if heads >= 2:
                errors.append(RecordError(_join(path, "relation"), "extra_head",
                                          "Hộ chỉ được có một chủ hộ; thành viên này là chủ hộ thừa.",
                                          "A household has exactly one head; this member is an extra one."))
        member_id = member.get("id")
        if isinstance(member_id, str):
            if member_id in seen_ids:
                errors.append(RecordError(_join(path, "id"), "duplicate_member_id",
                                          f"Mã thành viên {_show(member_id)} bị trùng trong hộ.",
                                          f"Member id {_show(member_id)} is used twice in the household."))
            seen_ids.add(member_id)
    if heads == 0:
        errors.append(RecordError("members", "no_head", "Hộ phải có đúng một chủ hộ (relation = head); chưa có chủ hộ.",
                                  "A household needs exactly one head (relation = head); there is none."))
    return errors


def record_year(record: Mapping[str, Any]) -> int:
    """Review year of a valid record: ``year`` if stated, else the year of ``reference_date``."""
    year = record.get("year")
    if isinstance(year, int):
        return year
    return int(str(record["reference_date"])[:4])
