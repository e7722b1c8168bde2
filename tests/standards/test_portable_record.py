"""The record v1 rules exported for the phone (``portable_record.py``): complete, deterministic, JSON, and every
rule ``validate_record`` applies in code is named, listed and implemented by the phone's script.

The phone and the server giving the same errors is tested in ``tests/browser/test_device_record_agreement.py``."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest

import giamngheo
from giamngheo.standards import portable_record
from giamngheo.standards import record as record_v1
from giamngheo.standards.portable_record import portable_record_rules

RECORD_JS = Path(giamngheo.__file__).parent / "static" / "giamngheo" / "offline" / "record.js"
RECORD_PY = Path(record_v1.__file__)


def test_marked_with_its_format_and_the_record_version() -> None:
    rules = portable_record_rules()
    assert rules["format"] == "giamngheo-portable-record/1"
    assert rules["record_version"] == 1
    assert rules["echo_limit"] == record_v1.ECHO_LIMIT


def test_export_is_deterministic_json_that_survives_a_round_trip() -> None:
    first, second = portable_record_rules(), portable_record_rules()
    text = json.dumps(first, ensure_ascii=False, allow_nan=False)
    assert text == json.dumps(second, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == first
    first["objects"]["member"][0]["name"] = "changed"  # a fresh dict each call: a caller cannot spoil the next
    assert portable_record_rules()["objects"]["member"][0]["name"] == "id"


def _spec_from(field: dict[str, Any]) -> record_v1.FieldSpec:
    day = lambda text: None if text is None else dt.date.fromisoformat(text)  # noqa: E731
    return record_v1.FieldSpec(
        name=field["name"], kind=field["kind"], required=field["required"], values=tuple(field["values"]),
        minimum=field["minimum"], maximum=field["maximum"], pattern=field["pattern"], pattern_vi=field["pattern_vi"],
        pattern_en=field["pattern_en"], non_empty=field["non_empty"], max_length=field["max_length"],
        earliest=day(field["earliest"]), latest=day(field["latest"]),
    )


@pytest.mark.parametrize(("name", "specs"), [
    ("household", record_v1.HOUSEHOLD_FIELDS),
    ("dwelling", record_v1.DWELLING_FIELDS),
    ("member", record_v1.MEMBER_FIELDS),
])
def test_every_field_is_exported_with_everything_its_spec_says(name: str, specs: tuple[Any, ...]) -> None:
    exported = portable_record_rules()["objects"][name]
    # Rebuilding the specs from the JSON gives the very tables of record.py: nothing is lost on the way.
    assert tuple(_spec_from(field) for field in exported) == specs
    for field in exported:
        for bound in ("minimum", "maximum"):
            if field[bound] is not None:
                assert field[f"{bound}_text"] == record_v1.number_text(field[bound])


def test_every_message_is_exported_in_both_languages_with_portable_placeholders() -> None:
    messages = portable_record_rules()["messages"]
    assert list(messages) == list(record_v1.MESSAGES)
    for key, (vi, en) in record_v1.MESSAGES.items():
        assert messages[key] == {"vi": vi, "en": en}
        portable_record.template_fields(vi)
        portable_record.template_fields(en)


def test_a_template_the_phone_could_not_fill_is_refused() -> None:
    assert portable_record.template_fields("Quá dài: tối đa {limit} ký tự {{...}}") == ["limit"]
    for template in ("{limit:>3}", "{limit!r}", "{0}", "{values[0]}"):
        with pytest.raises(ValueError, match="portable"):
            portable_record.template_fields(template)


def test_every_message_belongs_to_a_field_check_or_a_named_rule() -> None:
    rules = portable_record_rules()
    claimed = set(rules["field_checks"]) | {key for rule in rules["rules"] for key in rule["messages"]}
    assert claimed == set(record_v1.MESSAGES)


def _error_keys(function: ast.FunctionDef) -> set[str]:
    """The message keys a function of record.py passes to ``_error``/``_date_bound_error`` (second argument)."""
    keys: set[str] = set()

    def constants(node: ast.expr) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return constants(node.body) | constants(node.orelse)
        if isinstance(node, ast.JoinedStr):  # f"type:{kind}": the key of any field kind
            prefix = "".join(str(part.value) for part in node.values if isinstance(part, ast.Constant))
            return {f"{prefix}{kind}" for kind in get_args(record_v1.Kind)} & set(record_v1.MESSAGES)
        if isinstance(node, ast.Name) and function.name != "validate_record":
            return set()  # a helper handing on its caller's key; the caller's call is read too
        raise AssertionError(f"record.py line {node.lineno}: a message key the test cannot read")

    for node in ast.walk(function):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("_error", "_date_bound_error") and len(node.args) >= 2):
            keys |= constants(node.args[1])
    return keys


def _functions() -> dict[str, ast.FunctionDef]:
    tree = ast.parse(RECORD_PY.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_message_validate_record_gives_in_code_is_a_listed_rule() -> None:
    """A new cross-field check in validate_record with a new message fails here until it is named in
    CROSS_FIELD_RULES — and then the phone's script must implement the name (next test)."""
    functions = _functions()
    rule_keys = {key for keys in portable_record.CROSS_FIELD_RULES.values() for key in keys}
    assert _error_keys(functions["validate_record"]) <= rule_keys
    field_keys = set()
    for name in ("_check_value", "_check_object", "_enum_error", "_date_bound_error"):
        field_keys |= _error_keys(functions[name])
    assert field_keys <= set(portable_record.FIELD_CHECK_MESSAGES)
    assert set(portable_record.FIELD_CHECK_MESSAGES) <= field_keys


def test_the_phone_script_implements_exactly_the_listed_rules() -> None:
    source = RECORD_JS.read_text(encoding="utf-8")
    block = re.search(r"const RULES = Object\.freeze\(\[(.*?)\]\);", source, re.DOTALL)
    assert block is not None, "record.js must list its rule names in `const RULES = Object.freeze([...]);`"
    implemented = re.findall(r'"([a-z_]+)"', block.group(1))
    assert implemented == [rule["name"] for rule in portable_record_rules()["rules"]]


def test_rule_parameters_are_record_py_constants() -> None:
    parameters = {rule["name"]: rule["parameters"] for rule in portable_record_rules()["rules"]}
    assert parameters["members_list"] == {"max_members": record_v1.MAX_MEMBERS}
    assert parameters["income_basis_absent"] == {"bases": list(record_v1.INCOME_BASES)}
    assert parameters["birth_after_reference"] == {
        "reference_earliest": record_v1.EARLIEST_REFERENCE.isoformat(),
        "reference_latest": record_v1.LATEST_DATE.isoformat(),
    }
    household = {f["name"]: f for f in portable_record_rules()["objects"]["household"]}
    # The reference date's own bounds: a date outside them is reported, not compared with birth dates.
    assert (household["reference_date"]["earliest"], household["reference_date"]["latest"]) == (
        parameters["birth_after_reference"]["reference_earliest"],
        parameters["birth_after_reference"]["reference_latest"])


def test_patterns_use_only_what_python_and_javascript_read_alike() -> None:
    """ASCII character classes and counts: `\\d`, `\\w`, `$` or flags would mean different things on the phone."""
    for fields in portable_record_rules()["objects"].values():
        for field in fields:
            if field["pattern"] is not None:
                assert re.fullmatch(r"(\[[0-9A-Za-z-]+\](\{[0-9]+(,[0-9]*)?\})?|[0-9A-Za-z])+", field["pattern"])


def test_the_export_imports_no_django() -> None:
    """The engine's rule: the offline app's server side may import it anywhere, the engine's CLI too."""
    code = ("import sys, json, giamngheo.standards.portable_record as p; json.dumps(p.portable_record_rules()); "
            "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
