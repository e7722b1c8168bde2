"""Household rows ⇄ household record v1 (``shared/spec/household-record.md``).

The record is the registry's interchange format: the API body, the engine's input, the audit trail's
vocabulary (paths such as ``members[2].health_insured``). A column that is NULL (or an empty string for
a coded answer) means *not answered* and is left out of the record, never written as ``false`` or 0.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from giamngheo.accounts.scope import mask_citizen_id
from giamngheo.households.models import Household, Member
from giamngheo.standards import validate_record

# Record keys stored in a column of the same name. The record's ``id`` is ``Household.code`` /
# ``Member.member_id``; ``province_code``, ``commune_code`` and ``hamlet`` come from the unit tree.
HOUSEHOLD_FACTS = ("reference_date", "year", "area", "income", "score_a", "income_basis")
DWELLING_FACTS = (
    "floor_area_m2", "walls_durable", "frame_durable", "roof_durable", "water_source", "latrine",
    "information_devices", "hears_loudspeaker", "waste",
)
MEMBER_FACTS = (
    "relation", "name", "citizen_id", "sex", "birth_date", "age", "ethnicity", "disability",
    "monthly_social_allowance", "meritorious", "working_age", "employment", "health_insured", "nutrition",
    "education_completed", "in_education", "school", "uses_internet", "uses_phone", "ill_untreated",
)
LOCATION_KEYS = ("province_code", "commune_code", "hamlet")
# The specification's order, so a record reads the same on every screen and in every file.
RECORD_ORDER = (
    "reference_date", "year", "area", *LOCATION_KEYS, "income", "score_a", "income_basis",
)
DATE_FACTS = frozenset({"reference_date", "birth_date"})

# Column widths the engine's schema does not limit but the database does.
_MAX_LENGTHS = {
    "id": Household._meta.get_field("code").max_length,
    "hamlet": 200,
    "members[].id": Member._meta.get_field("member_id").max_length,
    "members[].name": Member._meta.get_field("name").max_length,
    "members[].ethnicity": Member._meta.get_field("ethnicity").max_length,
}
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _answered(value: Any) -> bool:
    return value is not None and value != ""


def _to_record_value(name: str, value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if name == "information_devices" and value is not None:
        return list(value)
    return value


def to_column_value(name: str, value: Any, *, blank: Any) -> Any:
    """A record value as its column stores it; ``blank`` is the column's *not answered* value."""
    if value is None:
        return blank
    if name in DATE_FACTS:
        return dt.date.fromisoformat(value)
    if name in ("score_a", "floor_area_m2"):
        return float(value)
    return value


def member_to_record(member: Member, *, show_citizen_ids: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"id": member.member_id}
    for name in MEMBER_FACTS:
        value = getattr(member, name)
        if not _answered(value):
            continue
        if name == "citizen_id" and not show_citizen_ids:
            value = mask_citizen_id(value)
        data[name] = _to_record_value(name, value)
    return data


def household_to_record(household: Household, *, show_citizen_ids: bool) -> dict[str, Any]:
    """The household as a record v1: members in position order, unanswered facts left out, citizen IDs
    masked (``*********123``) unless ``show_citizen_ids``. Uses prefetched members when present."""
    facts = {name: getattr(household, name) for name in HOUSEHOLD_FACTS}
    commune = household.commune
    facts["province_code"] = commune.parent.code if commune.parent is not None else None
    facts["commune_code"] = commune.code
    facts["hamlet"] = household.hamlet.name if household.hamlet is not None else None
    record: dict[str, Any] = {"id": household.code}
    for name in RECORD_ORDER:
        if _answered(facts[name]):
            record[name] = _to_record_value(name, facts[name])
    dwelling = {
        name: _to_record_value(name, getattr(household, name))
        for name in DWELLING_FACTS
        if _answered(getattr(household, name))
    }
    if dwelling:
        record["dwelling"] = dwelling
    members = sorted(household.members.all(), key=lambda m: (m.position, m.pk or 0))
    record["members"] = [member_to_record(m, show_citizen_ids=show_citizen_ids) for m in members]
    return record


def _active_lang() -> str:
    return "en" if (translation.get_language() or "vi").startswith("en") else "vi"


def _generic_path(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def record_errors(record: Any, *, lang: str | None = None) -> dict[str, list[str]]:
    """Every problem of ``record`` as ``{json_path: [messages]}`` (empty when valid).

    The engine's ``validate_record`` (schema and cross-field rules) plus what the registry adds: values
    must fit their columns, and one person (citizen ID) appears at most once in a household. Messages
    are in ``lang`` (``vi``/``en``), by default the active language. Nothing here touches the database;
    rules that need it (location, duplicate codes and citizen IDs) are the services'.
    """
    lang = lang or _active_lang()
    errors: dict[str, list[str]] = {}
    for error in validate_record(record):
        errors.setdefault(error.path, []).append(error.message(lang))
    if not isinstance(record, Mapping):
        return errors
    with translation.override(lang):
        for path, value in _string_values(record):
            limit = _MAX_LENGTHS.get(_generic_path(path))
            if limit is not None and isinstance(value, str) and len(value) > limit:
                errors.setdefault(path, []).append(
                    _("Quá dài: tối đa %(limit)d ký tự, hiện có %(length)d ký tự.")
                    % {"limit": limit, "length": len(value)}
                )
        seen: dict[str, int] = {}
        for index, member in _members(record):
            citizen_id = member.get("citizen_id")
            if not isinstance(citizen_id, str) or not citizen_id:
                continue
            if citizen_id in seen:
                errors.setdefault(f"members[{index}].citizen_id", []).append(
                    _("Số định danh cá nhân này trùng với thành viên thứ %(position)d của hộ.")
                    % {"position": seen[citizen_id] + 1}
                )
            else:
                seen[citizen_id] = index
    return errors


def _members(record: Mapping[str, Any]) -> Iterable[tuple[int, Mapping[str, Any]]]:
    members = record.get("members")
    if not isinstance(members, list):
        return []
    return [(i, m) for i, m in enumerate(members) if isinstance(m, Mapping)]


def _string_values(record: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    for key in ("id", "hamlet"):
        if key in record:
            yield key, record[key]
    for index, member in _members(record):
        for key in ("id", "name", "ethnicity"):
            if key in member:
                yield f"members[{index}].{key}", member[key]


def split_path(path: str) -> list[str | int]:
    """``members[2].sex`` → ``["members", 2, "sex"]`` (the API's ``loc``)."""
    return [int(index) if index else name for name, index in _PATH_PART.findall(path)]


def flatten_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """Scalar facts of a record keyed by path (``dwelling.latrine``), members left out: the audit diff
    compares members by their ``id`` separately (see ``services``)."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "members":
            continue
        if key == "dwelling" and isinstance(value, Mapping):
            for name, inner in value.items():
                flat[f"dwelling.{name}"] = inner
        else:
            flat[key] = value
    return flat
