"""The household record v1 rules as data, for the offline survey app to check a record on the phone.

``portable_record_rules()`` reads ``record.py``'s own field tables, bounds and message templates, so the phone shows
the very errors ``validate_record`` gives, in the same order, at the same JSON paths, with the same Vietnamese and
English texts. Nothing here is typed twice: a new field, bound, enum value or message reaches the phone with the next
download of the rules.

What ``validate_record`` does in code rather than from a table (one head, unique member ids, income basis, birth date
or age, birth after the reference date, the members list itself) is named in ``CROSS_FIELD_RULES``; the phone's
interpreter (``static/giamngheo/offline/record.js``) implements each name and refuses rules that name one it does not
know. Tests keep the three in step: every message key ``validate_record`` uses must belong to a listed rule, and the
script must implement exactly the listed names. How to add a rule: ``docs/offline-record-rules.md``.

Pure Python, no Django: the engine's rule (``docs/standards-engine.md``).
"""

from __future__ import annotations

import string
from typing import Any

from giamngheo.standards import record as record_v1

FORMAT = "giamngheo-portable-record/1"
RECORD_VERSION = 1

# Message keys of the per-field checks (``_check_object`` / ``_check_value``): the interpreter applies them to every
# field by its kind, so they need no rule name.
FIELD_CHECK_MESSAGES: tuple[str, ...] = (
    "type:object", "unknown_field", "required", "type:string", "empty", "max_length", "pattern", "date", "earliest",
    "latest", "enum", "type:boolean", "type:integer", "type:number", "finite", "minimum", "maximum", "type:list",
    "duplicate",
)

# The cross-field rules of ``validate_record``, in the order it applies them: name → the message keys it may give.
CROSS_FIELD_RULES: dict[str, tuple[str, ...]] = {
    "income_basis_required": ("income_basis_required",),
    "income_basis_absent": ("income_basis_absent",),
    "members_list": ("required", "type:members", "min_items", "max_items"),
    "birth_date_or_age": ("birth_date_and_age", "birth_date_or_age"),
    "birth_after_reference": ("birth_after_reference",),
    "one_head": ("extra_head", "no_head"),
    "unique_member_ids": ("duplicate_member_id",),
}


def _rule_parameters() -> dict[str, dict[str, Any]]:
    """The constants the cross-field rules read, taken from ``record.py``."""
    return {
        "income_basis_absent": {"bases": list(record_v1.INCOME_BASES)},
        "members_list": {"max_members": record_v1.MAX_MEMBERS},
        # A reference date outside its own bounds is reported once, and not compared with birth dates.
        "birth_after_reference": {"reference_earliest": record_v1.EARLIEST_REFERENCE.isoformat(),
                                  "reference_latest": record_v1.LATEST_DATE.isoformat()},
    }


def _bound_text(bound: float | None) -> str | None:
    return None if bound is None else record_v1.number_text(bound)


def _field(spec: record_v1.FieldSpec) -> dict[str, Any]:
    """One field spec as JSON; every key always present (``null`` when the spec has no such constraint)."""
    return {
        "name": spec.name,
        "kind": spec.kind,
        "required": spec.required,
        "non_empty": spec.non_empty,
        "values": list(spec.values),
        "minimum": spec.minimum,
        "maximum": spec.maximum,
        # The bound as the message writes it (``number_text``), so the phone need not re-implement that.
        "minimum_text": _bound_text(spec.minimum),
        "maximum_text": _bound_text(spec.maximum),
        "max_length": spec.max_length,
        "pattern": spec.pattern,
        "pattern_vi": spec.pattern_vi,
        "pattern_en": spec.pattern_en,
        "earliest": spec.earliest.isoformat() if spec.earliest else None,
        "latest": spec.latest.isoformat() if spec.latest else None,
    }


def template_fields(template: str) -> list[str]:
    """The placeholders of a message template. Only plain ``{name}`` (and ``{{``/``}}``) are portable: the phone
    fills templates with a small formatter, not with Python's format mini-language."""
    names: list[str] = []
    for _literal, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"message template {template!r}: only plain {{name}} placeholders are portable")
        names.append(name)
    return names


def portable_record_rules() -> dict[str, Any]:
    """The record v1 rules as a JSON-serialisable dict (format ``giamngheo-portable-record/1``; the format is
    described in ``docs/offline-record-rules.md``). Deterministic: the same code gives the same JSON, key for key."""
    for vi, en in record_v1.MESSAGES.values():
        template_fields(vi)
        template_fields(en)
    parameters = _rule_parameters()
    return {
        "format": FORMAT,
        "record_version": RECORD_VERSION,
        "objects": {
            "household": [_field(spec) for spec in record_v1.HOUSEHOLD_FIELDS],
            "dwelling": [_field(spec) for spec in record_v1.DWELLING_FIELDS],
            "member": [_field(spec) for spec in record_v1.MEMBER_FIELDS],
        },
        "field_checks": list(FIELD_CHECK_MESSAGES),
        "rules": [
            {"name": name, "messages": list(keys), "parameters": parameters.get(name, {})}
            for name, keys in CROSS_FIELD_RULES.items()
        ],
        "messages": {key: {"vi": vi, "en": en} for key, (vi, en) in record_v1.MESSAGES.items()},
        "echo_limit": record_v1.ECHO_LIMIT,
    }
