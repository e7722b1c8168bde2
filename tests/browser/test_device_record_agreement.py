"""The phone checks a household record exactly as the server does (issue 12, item 1).

``record.js`` runs in headless Chromium on the rules ``portable_record_rules()`` exports; Python runs
``validate_record``. Thousands of generated records — valid ones, and ones broken in every way the validator knows,
derived from record.py's own field tables so a new field is covered without touching this file — must give the
same error lists: same order, paths, codes and Vietnamese and English messages. The same holds for the form's
number and date parsing (``parseNumber``/``parseDate`` against the server form's own fields).

No live server: a blank page with the script. The comparison is shown to fail when one rule is perturbed.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import math
import random
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import giamngheo
from giamngheo.standards import record as record_v1
from giamngheo.standards.portable_record import portable_record_rules
from giamngheo.standards.record import validate_record
from tests.browser.conftest import TIMEOUT_MS, blank_page_with
from tests.standards.builders import ADULT, BASE, CHILD

RECORD_JS = Path(giamngheo.__file__).parent / "static" / "giamngheo" / "offline" / "record.js"
MISSING = object()  # a mutation that removes the field

# Run a batch of records (JSON text; non-finite numbers as {"$float": "NaN"}) through the phone's validator.
VALIDATE_BATCH = """([rulesText, batchText, lang]) => {
  const rules = JSON.parse(rulesText);
  const revive = (key, value) => (value !== null && typeof value === "object" && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof value.$float === "string") ? Number(value.$float) : value;
  const records = JSON.parse(batchText, revive);
  return JSON.stringify(records.map((record) => GiamngheoRecord.validate(rules, record, {today: "2025-10-01", lang})
    .map((e) => ({path: e.path, code: e.code, message_vi: e.message_vi, message_en: e.message_en,
                  message: e.message}))));
}"""


@pytest.fixture(scope="module")
def device() -> Iterator[Any]:
    """A blank page in headless Chromium with record.js loaded."""
    with blank_page_with(RECORD_JS, timeout_ms=TIMEOUT_MS * 4) as page:
        yield page


# ---- Records ------------------------------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    return value


def _day(rng: random.Random, earliest: dt.date, latest: dt.date) -> str:
    return (earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))).isoformat()


TEXT = "abcxyz ĐđƯưạấẫỹ-_./0123456789😀\u00a0"


def _text(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(TEXT) for _ in range(rng.randint(low, high)))


def _valid_value(rng: random.Random, spec: record_v1.FieldSpec) -> Any:
    if spec.kind == "string":
        if spec.pattern:
            width = int(spec.pattern.split("{")[1].rstrip("}"))
            return "".join(rng.choice("0123456789") for _ in range(width))
        return _text(rng, 1 if spec.non_empty else 0, min(spec.max_length or 30, 30))
    if spec.kind == "date":
        return _day(rng, spec.earliest or dt.date(1950, 1, 1), spec.latest or dt.date(2100, 12, 31))
    if spec.kind == "enum":
        return rng.choice(spec.values)
    if spec.kind == "enum_list":
        return rng.sample(spec.values, rng.randint(0, len(spec.values)))
    if spec.kind == "boolean":
        return rng.random() < 0.5
    low, high = spec.minimum or 0, spec.maximum or 1_000
    if spec.kind == "integer":
        return rng.randint(int(low), int(high))
    return rng.choice([round(rng.uniform(low, high), 2), rng.randint(int(low), int(high))])


def _valid_record(rng: random.Random) -> dict[str, Any]:
    """A valid record with a random choice of answered questions."""
    record: dict[str, Any] = {}
    for spec in record_v1.HOUSEHOLD_FIELDS:
        if spec.required or rng.random() < 0.5:
            record[spec.name] = _valid_value(rng, spec)
    record.pop("income_basis", None)
    if "income" in record and "score_a" in record:
        record["income_basis"] = rng.choice(record_v1.INCOME_BASES)
    if rng.random() < 0.8:
        record["dwelling"] = {spec.name: _valid_value(rng, spec) for spec in record_v1.DWELLING_FIELDS
                              if rng.random() < 0.6}
    reference = dt.date.fromisoformat(record["reference_date"])
    members = []
    for i in range(rng.randint(1, 6)):
        member = {spec.name: _valid_value(rng, spec) for spec in record_v1.MEMBER_FIELDS
                  if spec.required or rng.random() < 0.4}
        member["id"] = f"M{i + 1}"
        member["relation"] = "head" if i == 0 else rng.choice([r for r in record_v1.RELATIONS if r != "head"])
        member.pop("birth_date", None)
        member.pop("age", None)
        if rng.random() < 0.5:
            member["birth_date"] = _day(rng, record_v1.EARLIEST_BIRTH, reference)
        else:
            member["age"] = rng.randint(0, 130)
        members.append(member)
    rng.shuffle(members)
    record["members"] = members
    return record


def _shifted(day: dt.date | None, days: int) -> list[str]:
    if day is None:
        return []
    try:
        return [(day + dt.timedelta(days=days)).isoformat()]
    except OverflowError:
        return []


# Values every field gets, whatever its kind: most of them the wrong type.
ANY_VALUE: list[Any] = [
    "x", "", " ", 0, 1, -1, 7, 1.5, -0.25, 123.456, 1e-5, 1.5e-7, 1e21, 2.5e300, 2**53, -(2**31), True, False, None,
    [], ["tv"], [1, 2], {}, {"a": 1}, math.nan, math.inf, -math.inf, "a" * 41, "😀" * 41, "'quoted'", "\ud800",
]


def _values_for(spec: record_v1.FieldSpec) -> list[Any]:
    """Values that probe one field: each bound exactly and one step beyond, each kind of wrong value."""
    values: list[Any] = list(ANY_VALUE)
    if spec.kind == "string":
        limit = spec.max_length or 64
        values += ["a" * limit, "a" * (limit + 1), "😀" * limit, "😀" * (limit + 1), "ạ" * limit, "Đ" * (limit + 1)]
        if spec.pattern:
            width = int(spec.pattern.split("{")[1].rstrip("}"))
            values += ["1" * width, "1" * (width - 1), "1" * (width + 1), "a" * width, "١" * width,
                       "1" * width + "\n", " " + "1" * (width - 1), "1" * 41]
    elif spec.kind == "date":
        values += ["2023-02-29", "2024-02-29", "0000-01-01", "0001-01-01", "2025-13-01", "2025-00-10", "2025-1-01",
                   "2025-01-01T00:00", " 2025-01-01", "2025-01-01 ", "01/01/2025", "9999-12-31", "٢٠٢٥-٠١-٠١",
                   "1889-12-31", "1890-01-01", "1999-12-31", "2000-01-01", "2100-12-31", "2101-01-01",
                   "2025-04-31", "2025-10-01", "2025-10-02"]
        for bound in (spec.earliest, spec.latest):
            values += _shifted(bound, -1) + _shifted(bound, 0) + _shifted(bound, 1)
    elif spec.kind in ("integer", "number"):
        for bound in (spec.minimum, spec.maximum):
            if bound is not None:
                values += [bound, bound - 1, bound + 1, bound - 0.5, bound + 0.5, float(bound), -0.0]
    elif spec.kind == "enum":
        values += list(spec.values) + [value.upper() for value in spec.values] + [spec.values[0] + " ", "x" * 50]
    elif spec.kind == "enum_list":
        values += [list(spec.values), [spec.values[0]] * 2, [*spec.values, spec.values[-1]], ["fax"],
                   [spec.values[0], 1, None, [], {}, 2.5, True], "tv", [spec.values[0]] * 60, ["x" * 60]]
    elif spec.kind == "boolean":
        values += ["true", "false", 0.0]
    return values


UNKNOWN_KEYS = ["x", "__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "Id", "a" * 100, "tên",
                "😀", "", "dwelling", "members"]  # integer-like keys: see the one-number-type test


def _mutations() -> list[tuple[str, str, Any]]:
    """(where, field, value) for every field of every object: ``where`` is household, dwelling or member."""
    mutations: list[tuple[str, str, Any]] = []
    for where, specs in (("household", record_v1.HOUSEHOLD_FIELDS), ("dwelling", record_v1.DWELLING_FIELDS),
                         ("member", record_v1.MEMBER_FIELDS)):
        for spec in specs:
            mutations.append((where, spec.name, MISSING))
            mutations += [(where, spec.name, value) for value in _values_for(spec)]
        mutations += [(where, key, 1) for key in UNKNOWN_KEYS
                      if not (where == "household" and key in ("dwelling", "members"))]
    return mutations


def _apply(record: dict[str, Any], mutation: tuple[str, str, Any], rng: random.Random) -> None:
    where, name, value = mutation
    if where == "household":
        target = record
    elif where == "dwelling":
        if not isinstance(record.get("dwelling"), dict):
            record["dwelling"] = {}
        target = record["dwelling"]
    else:
        members = [m for m in record.get("members", []) if isinstance(m, dict)] or [copy.deepcopy(ADULT)]
        target = rng.choice(members)
    if value is MISSING:
        target.pop(name, None)
    else:
        target[name] = copy.deepcopy(value)


def _structural(rng: random.Random) -> list[Any]:
    """Records broken as a whole: not objects, members lists, heads, ids, birth dates, income basis."""
    base = copy.deepcopy(BASE)
    head = copy.deepcopy(ADULT)
    child = copy.deepcopy(CHILD)
    spouse = {**copy.deepcopy(ADULT), "id": "M2", "relation": "spouse", "sex": "female"}

    def with_members(*members: Any, **changes: Any) -> dict[str, Any]:
        return {**copy.deepcopy(base), "members": copy.deepcopy(list(members)), **changes}

    def numbered(count: int, heads: int = 1) -> list[dict[str, Any]]:
        return [{**copy.deepcopy(child), "id": f"C{i}", "relation": "head" if i < heads else "child"}
                for i in range(count)]

    records: list[Any] = ["not an object", 1, 1.5, None, True, [], [base], {}]
    records += [{**copy.deepcopy(base), "dwelling": value} for value in ([], "x", None, 1, {}, {"x": 1})]
    no_members = copy.deepcopy(base)
    del no_members["members"]
    records += [no_members, {**no_members, "income": -1, "x": 2}]
    records += [with_members(), {**base, "members": "x"}, {**base, "members": {}}, {**base, "members": None}]
    records += [with_members(*numbered(record_v1.MAX_MEMBERS)), with_members(*numbered(record_v1.MAX_MEMBERS + 1)),
                with_members(*numbered(record_v1.MAX_MEMBERS, heads=3)),
                with_members(*numbered(record_v1.MAX_MEMBERS + 1, heads=0))]
    records += [with_members(head, "x", None, [], 1, {}, spouse), with_members("x"), with_members(None, [])]
    records += [with_members(spouse), with_members(spouse, child), with_members(head, {**head, "id": "M2"}),
                with_members(head, {**head, "id": "M2"}, {**head, "id": "M3"}),
                with_members({**head, "relation": 1}, spouse), with_members({**head, "relation": "HEAD"})]
    records += [with_members({**head, "age": 40}), with_members({k: v for k, v in head.items() if k != "birth_date"}),
                with_members({**head, "age": "x", "birth_date": None}), with_members({**head, "birth_date": None}),
                with_members({k: v for k, v in head.items() if k != "birth_date"} | {"age": 40}, spouse)]
    for birth, reference in [("2025-10-02", "2025-10-01"), ("2025-10-01", "2025-10-01"), ("2030-01-01", "1999-12-31"),
                             ("2030-01-01", "2000-01-01"), ("2101-01-01", "2100-12-31"), ("2100-12-31", "2100-12-31"),
                             ("2030-01-01", "2101-01-01"), ("2030-01-01", "2025-02-30"), ("2030-01-01", 20250101),
                             ("2025-02-30", "2025-01-01"), ("1889-12-31", "2025-01-01"), (None, "2025-01-01")]:
        records.append(with_members({**head, "birth_date": birth}, {**spouse, "birth_date": "2026-01-01"},
                                    reference_date=reference))
    records += [with_members(head, {**spouse, "id": "M1"}), with_members(head, {**spouse, "id": "M1"},
                                                                          {**child, "id": "M1"}),
                with_members({**head, "id": 1}, {**spouse, "id": 1}), with_members({**head, "id": ""},
                                                                                 {**spouse, "id": ""}),
                with_members(head, {**spouse, "id": "M1" + "x" * 60}, {**child, "id": "M1" + "x" * 60})]
    for income, score_a, basis in [(1, 2.5, MISSING), (1, MISSING, "score_a"), (MISSING, 2.5, "income"),
                                   (MISSING, MISSING, "income"), (1, 2.5, "income"), (1, 2.5, "x"), (1, 2.5, 1),
                                   (1, 2.5, None), (1, 2.5, []), ("x", None, MISSING), (MISSING, MISSING, "score_a")]:
        record = copy.deepcopy(base)
        for name, value in (("income", income), ("score_a", score_a), ("income_basis", basis)):
            record.pop(name, None)
            if value is not MISSING:
                record[name] = value
        records.append(record)
    records += [{"__proto__": {"polluted": 1}, **copy.deepcopy(base)}, {**copy.deepcopy(base), "constructor": 1}]
    rng.shuffle(records)
    return records


def generated_records(seed: int = 20251001) -> list[Any]:
    rng = random.Random(seed)
    mutations = _mutations()
    records: list[Any] = [_valid_record(rng) for _ in range(400)]
    for mutation in mutations:  # each probe alone, on a valid record
        record = _valid_record(rng)
        _apply(record, mutation, rng)
        records.append(record)
    for _ in range(2500):  # and a few at once
        record = _valid_record(rng)
        for mutation in rng.sample(mutations, rng.randint(2, 5)):
            _apply(record, mutation, rng)
        records.append(record)
    return records + _structural(rng)


# ---- Comparison -------------------------------------------------------------------------------------------------

def _device_errors(page: Any, rules: dict[str, Any], records: list[Any], lang: str = "vi") -> list[list[dict[str, str]]]:
    results: list[list[dict[str, str]]] = []
    rules_text = json.dumps(rules)
    for start in range(0, len(records), 1000):
        batch = json.dumps([_encode(r) for r in records[start:start + 1000]])
        results += json.loads(page.evaluate(VALIDATE_BATCH, [rules_text, batch, lang]))
    return results


def _server_errors(record: Any) -> list[dict[str, str]]:
    return [error.to_dict() for error in validate_record(record)]


def _disagreements(page: Any, rules: dict[str, Any], records: list[Any]) -> list[tuple[Any, Any, Any]]:
    device = _device_errors(page, rules, records)
    differ = []
    for record, on_device in zip(records, device, strict=True):
        for error in on_device:
            assert error.pop("message") == error["message_vi"]
        on_server = _server_errors(record)
        if on_device != on_server:
            differ.append((record, on_server, on_device))
    return differ


def _show(differ: list[tuple[Any, Any, Any]]) -> str:
    record, on_server, on_device = differ[0]
    return (f"{len(differ)} records disagree; the first:\n{json.dumps(_encode(record), ensure_ascii=False)[:2000]}\n"
            f"server: {json.dumps(on_server, ensure_ascii=False)}\ndevice: {json.dumps(on_device, ensure_ascii=False)}")


@pytest.fixture(scope="module")
def records() -> list[Any]:
    return generated_records()


def test_phone_and_server_give_identical_errors_for_thousands_of_records(device: Any, records: list[Any]) -> None:
    differ = _disagreements(device, portable_record_rules(), records)
    assert not differ, _show(differ)
    # The corpus means something: valid records, and every message of the validator given at least once.
    results = [_server_errors(record) for record in records]
    assert len(records) > 3000
    assert sum(1 for errors in results if not errors) > 300
    given = {(e["code"], e["message_en"]) for errors in results for e in errors}
    for key, (_vi, en) in record_v1.MESSAGES.items():
        opening = en.split("{")[0]
        assert any(code == key.partition(":")[0] and text.startswith(opening) for code, text in given), key


def test_messages_come_in_the_language_asked(device: Any) -> None:
    record = {**copy.deepcopy(BASE), "members": []}
    [[error]] = _device_errors(device, portable_record_rules(), [record], lang="en")
    assert error["message"] == error["message_en"] == "A household must have at least one member."
    [[error]] = _device_errors(device, portable_record_rules(), [record], lang="vi")
    assert error["message"] == "Hộ phải có ít nhất một thành viên."


def _perturbed(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    rules = copy.deepcopy(portable_record_rules())
    change(rules)
    return rules


def _age_limit(rules: dict[str, Any]) -> None:
    [age] = [f for f in rules["objects"]["member"] if f["name"] == "age"]
    age["maximum"], age["maximum_text"] = age["maximum"] + 1, str(age["maximum"] + 1)


def _no_head_text(rules: dict[str, Any]) -> None:
    rules["messages"]["no_head"]["vi"] = "Hộ chưa có chủ hộ."


def _unique_ids_dropped(rules: dict[str, Any]) -> None:
    rules["rules"] = [rule for rule in rules["rules"] if rule["name"] != "unique_member_ids"]


@pytest.mark.parametrize(("change", "field"), [
    (_age_limit, "age"), (_no_head_text, "no_head"), (_unique_ids_dropped, "duplicate_member_id"),
])
def test_the_comparison_fails_when_one_rule_differs(device: Any, records: list[Any], change: Any, field: str) -> None:
    differ = _disagreements(device, _perturbed(change), records)
    assert differ, "a perturbed rule must make the phone and the server disagree"
    assert all(field in json.dumps([server, phone]) for _record, server, phone in differ)


def test_the_phone_refuses_rules_it_cannot_apply(device: Any) -> None:
    call = "([rules]) => { try { GiamngheoRecord.validate(JSON.parse(rules), {}, {}); return 'ok'; }" \
           " catch (e) { return e.message; } }"
    unknown_rule = _perturbed(lambda r: r["rules"].append({"name": "one_spouse", "messages": [], "parameters": {}}))
    assert "one_spouse" in device.evaluate(call, [json.dumps(unknown_rule)])
    other_format = _perturbed(lambda r: r.update(format="giamngheo-portable-record/2"))
    assert "format" in device.evaluate(call, [json.dumps(other_format)])


def test_one_number_type_on_the_phone_the_server_reads_what_it_sends(device: Any) -> None:
    """What the phone cannot tell apart (5 and 5.0; an object's integer-like keys, which JavaScript orders first)
    it reports as the server will, once JSON.stringify has sent the record and Python has read it."""
    records = [
        {**copy.deepcopy(BASE), "area": 5.0, "zz": 1, "7": 2, "dwelling": {"waste": 1e20, "latrine": -0.0}},
        {**copy.deepcopy(BASE), "area": 1e16, "b": 1, "10": 1, "2": 1},
    ]
    call = """([batch, rules]) => JSON.stringify(JSON.parse(batch).map((record) => [JSON.stringify(record),
        GiamngheoRecord.validate(JSON.parse(rules), record, {}).map(({path, code, message_vi, message_en}) =>
          ({path, code, message_vi, message_en}))]))"""
    for sent, on_device in json.loads(device.evaluate(call, [json.dumps(records), json.dumps(portable_record_rules())])):
        assert on_device == _server_errors(json.loads(sent))


# ---- Parsing what the surveyor types ------------------------------------------------------------------------

PARSE_BATCH = """([items]) => JSON.stringify(JSON.parse(items).map(([kind, text]) => {
  const result = kind === "date" ? GiamngheoRecord.parseDate(text) : GiamngheoRecord.parseNumber(text, kind);
  if (result.ok && typeof result.value === "number" && !Number.isFinite(result.value)) {
    return {ok: true, value: String(result.value)};
  }
  return result;
}))"""


@functools.cache
def _server_fields() -> dict[str, Any]:
    """The server form's own fields (households/forms.py): year and age are plain IntegerFields there."""
    from django import forms

    from giamngheo.households.forms import DecimalCommaField, GroupedIntegerField, VietnameseDateField

    return {"integer": forms.IntegerField(required=False), "grouped_integer": GroupedIntegerField(required=False),
            "decimal": DecimalCommaField(required=False), "date": VietnameseDateField()}


def _server_parse(kind: str, text: str) -> dict[str, Any]:
    from django.core.exceptions import ValidationError

    try:
        value = _server_fields()[kind].clean(text)
    except ValidationError:
        return {"ok": False}
    if isinstance(value, dt.date):
        return {"ok": True, "value": value.isoformat()}
    if isinstance(value, int) and value != 0 and abs(value) > sys.float_info.max:
        return {"ok": True, "value": "Infinity" if value > 0 else "-Infinity"}
    return {"ok": True, "value": None if value is None else float(value)}


@functools.cache
def _python_spaces_and_digits() -> tuple[list[str], list[str]]:
    spaces, digits = [], []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char.isspace():
            spaces.append(char)
        elif char.isdecimal():
            digits.append(char)
    return spaces, digits


NUMBER_TEXTS = [
    "", " ", "0", "-0", "+5", "- 5", "1.500.000", "1,500,000", "1 500 000", "1.500.000,5", "1,500,000.5", "45,5",
    "45.5", "45,5,5", "1.2.3", ",5", "5,", ".5", "5.", ".", ",", "1e3", "1E-3", "1e", "e3", "1_000", "1__000",
    "_1", "1_", "1._5", "1_.5", "1e1_0", "inf", "nan", "Infinity", "1e400", "-1e400", "1e-400", "0x10", "010",
    "12.000", "12.0001", "12. ", "12.0\n", "١٢٣", "１２３", "٣.٥", "٣,٥", "𝟘𝟙𝟚", "5\u00a0000", "5\u2009000", "\x1c5",
    "5\x1c", "\ufeff5", "5\x85", "\t5\n", "1" * 4300, "1" * 4301, "1" + "0" * 400, "-" + "9" * 320, "2" * 30,
    "1.234.567", "1 234 567", "−5", "5 %", "15/04/2024", "1\u2003.5",
]
DATE_TEXTS = [
    "", " ", "15/04/2024", "5/4/2024", "05/04/2024", "2024-04-15", "2024-4-5", "15-04-2024", "29/02/2024",
    "29/02/2023", "31/04/2024", "00/04/2024", "15/13/2024", "15/04/0000", "15/04/0001", "15/04/24", "15/04/20245",
    "15/04/2024x", " 15/04/2024 ", "15 /04/2024", "2024-04- 5", "2024-04-5 ", "15/ 4/2024", "1٥/04/٢٠٢٤",
    "١٥/٠٤/٢٠٢٤", "15/04/２０２４", "15.04.2024", "2024/04/15", "15-4-2024", "31/12/9999", "01/01/1890",
    "\u200315/04/2024\x1c", "\ufeff15/04/2024", "3/1/2024", "31/1/2024", "32/1/2024", "1/10/2024", "10/1/2024",
]


def _parse_items(rng: random.Random) -> list[tuple[str, str]]:
    spaces, digits = _python_spaces_and_digits()
    probes = sorted({chr(c) for c in range(0x3100) if not 0xD800 <= c <= 0xDFFF} | set(spaces) | set(digits)
                    | set("\ufeff\u200b\u2212\u066b\u066c\uff0e\uff0c"))
    items: list[tuple[str, str]] = []
    for kind in ("integer", "grouped_integer", "decimal"):
        items += [(kind, text) for text in NUMBER_TEXTS]
        items += [(kind, text) for char in probes for text in (char, "5" + char, char + "5", "1" + char + "5")]
        alphabet = "0123456789012345.,_ +-eE\u00a0\x1c١𝟘a"
        items += [(kind, "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))) for _ in range(3000)]
    items += [("date", text) for text in DATE_TEXTS]
    items += [("date", text) for char in spaces + digits + list("/- 0123456789\ufeffa")
              for text in (char + "5/04/2024", "1" + char + "/04/2024", "15/04/202" + char, "2024-04-" + char,
                           "15/04/2024" + char)]
    alphabet = "0123456789012/-  \u2003١"
    items += [("date", "".join(rng.choice(alphabet) for _ in range(rng.randint(6, 11)))) for _ in range(3000)]
    for _ in range(1500):
        day, month, year = rng.randint(0, 32), rng.randint(0, 13), rng.choice([rng.randint(1, 2200), 0, 9999])
        for pattern in ("{d}/{m}/{y:04d}", "{y:04d}-{m}-{d:02d}", "{d:02d}-{m:02d}-{y:04d}", "{d}/{m}/{y}"):
            items.append(("date", pattern.format(d=day, m=month, y=year)))
    return items


def test_parsing_accepts_exactly_what_the_server_form_accepts(device: Any) -> None:
    items = _parse_items(random.Random(15042024))
    on_device = json.loads(device.evaluate(PARSE_BATCH, [json.dumps(items)]))
    on_server = [_server_parse(kind, text) for kind, text in items]
    differ = [(kind, text, server, phone)
              for (kind, text), server, phone in zip(items, on_server, on_device, strict=True) if server != phone]
    assert not differ, f"{len(differ)} texts parse differently; the first: {differ[:5]!r}"
    assert sum(1 for (kind, _t), phone in zip(items, on_device, strict=True) if phone["ok"] and kind == "date") > 1000


def test_the_phone_knows_every_digit_python_knows(device: Any) -> None:
    """The phone reads Unicode digits from the browser's Unicode tables; Python's (14.0 for Python 3.11) may be
    older: every digit Python knows the phone knows too, and the phone's extra ones are unassigned in Python."""
    _spaces, python_digits = _python_spaces_and_digits()
    browser_digits = set(device.evaluate(
        "() => { const out = []; for (let c = 0; c <= 0x10FFFF; c++) { if (c >= 0xD800 && c <= 0xDFFF) continue;"
        " if (/\\p{Nd}/u.test(String.fromCodePoint(c))) out.push(c); } return out; }"))
    python = {ord(c) for c in python_digits}
    assert python <= browser_digits
    assert all(unicodedata.category(chr(code)) == "Cn" for code in browser_digits - python)
