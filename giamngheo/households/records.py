"""Household rows ⇄ household record v1 (``shared/spec/household-record.md``).

The record is the registry's interchange format: the API body, the engine's input, the audit trail's
vocabulary (paths such as ``members[2].health_insured``). A column that is NULL (or an empty string for
a coded answer) means *not answered* and is left out of the record, never written as ``false`` or 0.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from giamngheo.accounts.scope import mask_citizen_id
from giamngheo.households.models import Household, Member
from giamngheo.standards import RecordError, validate_record

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


# Engine error codes that say a value has the wrong *shape* (type, allowed values, range, unknown key):
# a survey draft may be incomplete, but never of the wrong shape (issue 13).
SHAPE_CODES = frozenset({"type", "unknown_field", "enum", "date", "pattern", "minimum", "maximum", "duplicate",
                         "empty", "finite", "max_length", "earliest", "latest", "max_items"})


def answer_label(path: str) -> str:
    """The Vietnamese label an officer sees for a record path: ``members[1].in_education`` → "Đang đi
    học/đào tạo", ``dwelling.latrine`` → "Nhà tiêu". Unknown keys fall back to the key itself."""
    name = _generic_path(path).rsplit(".", 1)[-1].removesuffix("[]")
    if path.startswith("members["):
        model: Any = Member
        name = {"id": "member_id"}.get(name, name)
    else:
        model = Household
        name = {"id": "code"}.get(name, name)
    try:
        return str(capfirst(model._meta.get_field(name).verbose_name))
    except Exception:  # noqa: BLE001 — FieldDoesNotExist: a key the registry does not store
        return name


def member_label(record: Any, index: int) -> str:
    """How the officer knows a member: the name typed on the survey, else its position."""
    members = record.get("members") if isinstance(record, Mapping) else None
    if isinstance(members, list) and index < len(members) and isinstance(members[index], Mapping):
        name = members[index].get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return _("Thành viên thứ %(n)d") % {"n": index + 1}


def plain_error(record: Any, error: RecordError) -> tuple[str, str]:
    """An engine error as an officer reads it: in field labels, never a record key or a code, and placed
    on the field that must change (``income_basis`` naming an absent ``income`` goes to ``income``)."""
    path, code = error.path, error.code
    label = answer_label(path)
    if code == "required":
        return path, _("Chưa trả lời «%(label)s».") % {"label": label}
    if code == "income_basis_absent":
        basis = record.get("income_basis") if isinstance(record, Mapping) else None
        target = basis if basis in ("income", "score_a") else path
        return str(target), _("Chưa trả lời «%(label)s», là căn cứ thu nhập đã chọn.") % {
            "label": answer_label(str(target))}
    if code == "income_basis_required":
        return path, _("Hộ có cả «%(income)s» và «%(score)s»: hãy chọn «%(basis)s».") % {
            "income": answer_label("income"), "score": answer_label("score_a"), "basis": label}
    if code in ("birth_date_or_age", "birth_date_and_age"):
        target = f"{path}.birth_date"
        if code == "birth_date_or_age":
            return target, _("Ghi «Ngày sinh» hoặc «Tuổi» của thành viên.")
        return target, _("Chỉ ghi một trong hai: «Ngày sinh» hoặc «Tuổi».")
    if code == "birth_after_reference":
        return path, _("Ngày sinh sau ngày rà soát.")
    if code == "no_head":
        return path, _("Hộ chưa có chủ hộ: chọn «Chủ hộ» ở ô «Quan hệ với chủ hộ» của một thành viên.")
    if code == "min_items":
        return path, _("Hộ phải có ít nhất một thành viên.")
    if code == "extra_head":
        return path, _("Mỗi hộ chỉ được có một chủ hộ; thành viên này đang được ghi là chủ hộ thứ hai.")
    if code in ("enum", "duplicate"):
        return path, _("Lựa chọn không hợp lệ ở «%(label)s».") % {"label": label}
    if code == "date":
        return path, _("Ngày không hợp lệ ở «%(label)s».") % {"label": label}
    if code == "pattern":
        # The engine's sentence says what the value must look like ("phải gồm đúng 12 chữ số") and names no key.
        return path, error.message(_active_lang())
    if code in ("type", "empty", "unknown_field"):
        return path, _("Giá trị không hợp lệ ở «%(label)s».") % {"label": label}
    # minimum / maximum and the rest already speak in numbers, not in keys.
    return path, error.message(_active_lang())


def record_errors(record: Any, *, lang: str | None = None, shape_only: bool = False,
                  plain: bool = False) -> dict[str, list[str]]:
    """Every problem of ``record`` as ``{json_path: [messages]}`` (empty when valid).

    The engine's ``validate_record`` (schema, bounds that also fit every column, cross-field rules) plus what
    the registry adds: one person (citizen ID) appears at most once in a household. Messages
    are in ``lang`` (``vi``/``en``), by default the active language. Nothing here touches the database;
    rules that need it (location, duplicate codes and citizen IDs) are the services'.

    ``shape_only`` keeps only wrong shapes (a draft); ``plain`` words each message for an officer
    (``plain_error``) instead of the engine's own text, which names record keys.
    """
    lang = lang or _active_lang()
    errors: dict[str, list[str]] = {}
    for error in validate_record(record):
        if shape_only and error.code not in SHAPE_CODES:
            continue
        if plain:
            with translation.override(lang):
                path, message = plain_error(record, error)
        else:
            path, message = error.path, error.message(lang)
        errors.setdefault(path, []).append(message)
    if not isinstance(record, Mapping):
        return errors
    with translation.override(lang):
        seen: dict[str, int] = {}
        for index, member in ([] if shape_only else _members(record)):
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


def draft_without_bad_values(record: Any) -> tuple[dict[str, Any], list[str]]:
    """A stored survey draft with every value of the wrong shape left out (a draft saved before drafts
    were checked may hold a number where a citizen ID goes, or an unknown key), and the paths left out:
    a page shows what can be shown instead of failing on stored data."""
    if not isinstance(record, dict):
        return {}, ["$"] if record else []
    clean: Any = json.loads(json.dumps(record, default=str))
    dropped: list[str] = []
    for path in sorted(record_errors(clean, shape_only=True), key=lambda p: [str(x).zfill(9) for x in split_path(p)],
                       reverse=True):
        parts = split_path(path)
        parent: Any = clean
        for part in parts[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if parent is None or not parts:
            continue
        try:
            del parent[parts[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        dropped.append(path)
    return clean, sorted(dropped)


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


def flat_facts(record: Mapping[str, Any]) -> dict[str, Any]:
    """The household's answers of a record by path (``income``, ``dwelling.latrine``), members left out: what a
    side-by-side comparison of two versions of a household lists row by row."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "members":
            continue
        if key == "dwelling" and isinstance(value, Mapping):
            flat.update({f"dwelling.{name}": inner for name, inner in value.items()})
        else:
            flat[key] = value
    return flat


def members_by_id(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The record's members by their ``id`` (a malformed member list reads as none)."""
    members = record.get("members")
    return {str(m.get("id")): dict(m) for m in (members if isinstance(members, list) else [])
            if isinstance(m, Mapping)}
