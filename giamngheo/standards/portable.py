"""Standards as portable data: what the device engine needs to classify and explain one household offline.

``portable_standard(standard)`` describes one resolved definition as plain JSON: lines, class rule, the optional
sections, and every indicator with its rule kind, its *validated* parameters (defaults filled in, so the device
never guesses one) and the answers its rule reads. The device engine (``static/giamngheo/offline/engine.js``,
ADR 0011) interprets it; ``tests/browser/test_device_engine_agreement.py`` holds the two executors to identical
results, explanations included.

The words of the explanations are never typed here. Labels come from ``vocabulary.py``; sentence templates are
cut from the output of ``explain.py``'s own functions run on placeholder input — a household whose income, score
A and counts are sentinel values, an explanation whose strings are ``{placeholders}``. Every cut is checked: a
second set of sentinels must give the same template, a list of two items must be the list of one plus a
separator and an item, pieces put back together must give the function's own output. A change to
``explain.py`` that a cut cannot follow raises ``PortableError`` here instead of sending a phone a wrong sentence.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from giamngheo.standards import explain
from giamngheo.standards import record as rec
from giamngheo.standards.classify import _retirement_months
from giamngheo.standards.definition import Indicator, Standard, list_standards
from giamngheo.standards.rules import RULE_KINDS
from giamngheo.standards.vocabulary import (
    CLASSES,
    HOUSEHOLD_SPECS,
    MEMBER_SPECS,
    SERVICES,
    TAGS,
    answer,
    answer_text,
    format_number,
    pick,
)

FORMAT = "giamngheo-portable-standard/1"
LANGS = ("vi", "en")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_0-9]+)\}")


class PortableError(Exception):
    """``explain.py`` writes something the portable templates cannot express; the device engine needs updating."""


def portable_standard(standard: Standard) -> dict[str, Any]:
    """One standard as JSON-serialisable data for the device engine (a fresh copy each call)."""
    return json.loads(_portable_json(standard))


def portable_standards() -> list[dict[str, Any]]:
    """Every standard shipped: the national ones, then the local ones (``definitions/local/``)."""
    return [portable_standard(standard) for standard in list_standards()]


_CACHE: dict[tuple[str, str], str] = {}


def _portable_json(standard: Standard) -> str:
    # The export is a function of the definition (its hash covers everything resolved) and of this code, so it is
    # built once per definition and process: the offline download asks for it on every page.
    key = (standard.id, standard.hash)
    if key not in _CACHE:
        _CACHE[key] = json.dumps(_describe(standard), ensure_ascii=False, sort_keys=True)
    return _CACHE[key]


def _describe(standard: Standard) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "id": standard.id,
        "hash": standard.hash,
        "base": standard.base,
        "province_code": standard.province_code,
        "title": {"vi": standard.title_vi, "en": standard.title_en},
        "instrument": {"vi": standard.instrument_vi, "en": standard.instrument_en},
        "instrument_tag": standard.instrument_tag,
        "effective_from": standard.effective_from.isoformat(),
        "effective_to": standard.effective_to.isoformat(),
        "first_review_year": standard.first_review_year,
        "last_review_year": standard.last_review_year,
        "class_rule": standard.class_rule.model_dump(mode="json"),
        "lines": {**standard.lines.model_dump(mode="json"), "months": standard.lines.months},
        "score_form": standard.score_form.model_dump(mode="json") if standard.score_form else None,
        "low_income_worker": (standard.low_income_worker.model_dump(mode="json")
                              if standard.low_income_worker else None),
        "working_age": _working_age(standard),
        "indicators": [_indicator(indicator) for indicator in standard.indicators],
        "text": {lang: _texts(standard, lang) for lang in LANGS},
    }


def _working_age(standard: Standard) -> dict[str, Any] | None:
    table = standard.working_age
    if table is None:
        return None
    # The executor's own year-by-year table (rows in force filled in), so the device only indexes it.
    male, female = _retirement_months(table.retirement)
    return {"min_age": table.min_age, "clause": table.clause, "tag": table.tag,
            "first_year": table.retirement[0].year, "last_year": table.retirement[-1].year,
            "male_months": male.to_list(), "female_months": female.to_list()}


def _indicator(indicator: Indicator) -> dict[str, Any]:
    kind = RULE_KINDS[indicator.rule]
    params = indicator.parsed_params
    return {
        "code": indicator.code,
        "rule": indicator.rule,
        "level": kind.level,
        "params": params.model_dump(mode="json"),
        "member_fields": kind.member_fields(params),
        "household_fields": kind.household_fields(params),
        "service": indicator.service,
        "clause": indicator.clause,
        "tag": indicator.tag,
        "name": {"vi": indicator.name_vi, "en": indicator.name_en},
        "service_label": {lang: pick(SERVICES[indicator.service], lang) for lang in LANGS},
        "rule_text": {lang: explain.rule_text(indicator, lang) for lang in LANGS},
    }


def _texts(standard: Standard, lang: str) -> dict[str, Any]:
    return {
        "classes": {code: pick(label, lang) for code, label in CLASSES.items()},
        "tags": {code: pick(label, lang) for code, label in TAGS.items()},
        "decision": _decision_templates(standard, lang),
        "report": _report_templates(lang),
        "member_line": _member_line_parts(lang),
        "household_fields": {name: _field_words(HOUSEHOLD_SPECS[name], lang) for name in _fields(standard, "household")},
        "member_fields": {name: _field_words(MEMBER_SPECS[name], lang) for name in _fields(standard, "member")},
        "members_label": _members_label(standard, lang),
        "number": _number_separators(lang),
    }


def _fields(standard: Standard, level: str) -> list[str]:
    names: list[str] = []
    for indicator in standard.indicators:
        kind = RULE_KINDS[indicator.rule]
        read = kind.member_fields if level == "member" else kind.household_fields
        names += [name for name in read(indicator.parsed_params) if name not in names]
    return names


# --- Cutting templates out of rendered text -----------------------------------------------------------------


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _common_suffix(a: str, b: str, limit: int) -> int:
    n = 0
    while n < limit and a[len(a) - 1 - n] == b[len(b) - 1 - n]:
        n += 1
    return n


def _numbered(one: str, two: str, name: str) -> str:
    """The template of a line that shows the number 1 in ``one`` and 2 in ``two``, all else equal."""
    start = _common_prefix(one, two)
    end = _common_suffix(one, two, min(len(one), len(two)) - start)
    if (one[start:len(one) - end], two[start:len(two) - end]) != ("1", "2"):
        raise PortableError(f"cannot find the {name} in {one!r} / {two!r}")
    return one[:start] + "{" + name + "}" + one[len(one) - end:]


def _list_parts(one: str, two: str, first: Mapping[str, str], second: Mapping[str, str]) -> dict[str, str]:
    """A list written as ``line`` with ``{items}`` = items joined by ``separator``, each item filled from ``item``.

    ``one`` shows a single item whose placeholders are ``first`` (name -> placeholder text); ``two`` shows it and
    a second one whose placeholders are ``second``. The item is the narrowest span holding the first item's
    placeholders; any literal text after it lands in the separator and the line, which writes every length alike.
    """
    starts = [one.index(p) for p in first.values()]
    ends = [one.index(p) + len(p) for p in first.values()]
    start, end = min(starts), max(ends)
    prefix, item, suffix = one[:start], one[start:end], one[end:]
    item_two = item
    for name, placeholder in first.items():
        item_two = item_two.replace(placeholder, second[name])
    separator = two[len(prefix) + len(item):len(two) - len(suffix) - len(item_two)]
    if prefix + item + separator + item_two + suffix != two or not separator:
        raise PortableError(f"cannot cut a list out of {one!r} / {two!r}")
    generic = item
    for name, placeholder in first.items():
        generic = generic.replace(placeholder, "{" + name + "}")
    return {"line": prefix + "{items}" + suffix, "item": generic, "separator": separator}


def _check_placeholders(template: str, allowed: set[str], where: str) -> str:
    found = set(_PLACEHOLDER.findall(template))
    stray = template.count("{") != len(_PLACEHOLDER.findall(template))
    if not found <= allowed or stray:
        raise PortableError(f"{where}: unexpected placeholders in {template!r}")
    return template


# --- Decision sentences (explain.decision_text) --------------------------------------------------------------


class _Count:
    """The known deprivation count of a decision text: written as its placeholder, and so is its product with
    the points per deprivation (score B)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __format__(self, spec: str) -> str:
        return "{" + self.name + "}"

    def __mul__(self, points: int) -> _Count:
        return _Count("score_b")


class _Unknowns(list[str]):
    """The unknown indicators of a decision text: only their number is read."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __len__(self) -> int:
        return self.size


# Two sets of sentinels: a template must come out the same from both, so a sentinel that happens to match
# other text of the sentence cannot go unnoticed.
class _Sentinels(NamedTuple):
    income: int
    score: float
    unknown: int


_SENTINELS = (_Sentinels(income=987_654_321, score=321.125, unknown=9871),
              _Sentinels(income=123_456_789, score=654.375, unknown=9817))
_DECISION_PLACEHOLDERS = {"income", "income_year", "score", "known", "unknown", "score_b", "class_label"}


def _decision_cut(standard: Standard, lang: str, band: str, area: str | None, klass: str, unknown: bool,
                  income: bool = True) -> str:
    templates = []
    for sentinel in _SENTINELS:
        row: dict[str, Any] = {
            "_band": band, "class": klass, "area": area, "income": sentinel.income if income else None,
            "score_a": sentinel.score, "deprivation_count": _Count("known"),
            "unknown": _Unknowns(sentinel.unknown if unknown else 0)}
        text = explain.decision_text(row, standard, lang)
        # Longest first: the yearly income is written before the monthly one.
        values: tuple[tuple[str, float], ...] = (
            ("income_year", sentinel.income * 12), ("income", sentinel.income), ("score", sentinel.score))
        for name, value in values:
            text = text.replace(format_number(value, lang), "{" + name + "}")
        templates.append(text.replace(str(sentinel.unknown), "{unknown}"))
    if templates[0] != templates[1]:
        raise PortableError(f"decision text ({band}, {area}, {klass}) depends on more than its placeholders")
    return _check_placeholders(templates[0], _DECISION_PLACEHOLDERS, f"decision text ({band}, {area}, {klass})")


def _with_class_label(texts: dict[str, str], lang: str) -> dict[str, str]:
    """Each class's text, as one template with ``{class_label}`` where that template gives the text exactly
    (a label that also occurs elsewhere in a sentence keeps its literal text)."""
    labels = {klass: pick(CLASSES[klass], lang) for klass in texts}
    shared = [text.replace(labels[k], "{class_label}") for k, text in texts.items() if text.count(labels[k]) == 1]
    return {k: next((s for s in shared if s.replace("{class_label}", labels[k]) == text), text)
            for k, text in texts.items()}


def _decision_templates(standard: Standard, lang: str) -> dict[str, Any]:
    """Templates keyed ``band|area|class|u`` (u: 1 when some indicator is unknown); ``missing|income``,
    ``missing|area`` and ``score_missing`` for the sentences that name what is missing."""
    templates: list[str] = []
    keys: dict[str, int] = {}

    def add(key: str, template: str) -> None:
        if template not in templates:
            templates.append(template)
        keys[key] = templates.index(template)

    def invariant(band: str, income: bool) -> str:
        variants = {_decision_cut(standard, lang, band, area, klass, unknown, income)
                    for area in ("rural", "urban") for klass in CLASSES for unknown in (False, True)}
        if len(variants) != 1:
            raise PortableError(f"the {band} decision text now depends on area, class or unknowns")
        return variants.pop()

    add("missing|income", invariant("missing", income=False))
    add("missing|area", _decision_cut(standard, lang, "missing", None, "undetermined", False))
    bands = ["poverty", "near_poverty", "average", "above"]
    if standard.score_form is not None:
        add("score_missing", invariant("score_missing", income=True))
        bands += ["score_within", "score_above"]
    for area in ("rural", "urban"):
        lines = getattr(standard.lines, area)
        for band in bands:
            if (band == "near_poverty" and lines.near_poverty is None) or (
                    band == "average" and lines.average_upper is None):
                continue  # the executor never puts a household of this area in this band
            for unknown in (False, True):
                texts = {klass: _decision_cut(standard, lang, band, area, klass, unknown) for klass in CLASSES}
                for klass, template in _with_class_label(texts, lang).items():
                    add(f"{band}|{area}|{klass}|{int(unknown)}", template)
    return {"templates": templates, "keys": keys}


# --- The printable text (explain.render_text) ----------------------------------------------------------------


def _render(lang: str, *, indicators: list[dict[str, Any]] | None = None, count: int = 0,
            workers: list[dict[str, Any]] | None = None, tags: dict[str, str] | None = None) -> list[str]:
    explanation = {
        "lang": lang, "household": "{household}", "class_label": "{class_label}",
        "standard": {"title": "{title}", "instrument": "{instrument}", "instrument_tag": "{instrument_tag}",
                     "hash": "{hash}"},
        "decision": {"text": "{decision}", "clause": "{clause}", "tag": "{tag}"},
        "indicators": indicators or [], "indicator_total": "{total}", "deprivation_count": count,
        "low_income_workers": workers or [], "tags": tags or {"{code}": "{text}"},
    }
    return explain.render_text(explanation).split("\n")


def _entry(status: str, *, answers: int = 0, members: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    suffixes = ["", "_2"][:answers]
    return {"status": status, "name": "{name}", "tag": "{tag}", "rule": "{rule}", "clause": "{clause}",
            "answers": {f"a{s}": {"label": "{label" + s + "}", "text": "{text" + s + "}"} for s in suffixes},
            "members": members or []}


_ANSWER = {"label": "{label}", "text": "{text}"}
_ANSWER_2 = {"label": "{label_2}", "text": "{text_2}"}
# Lines of the text in the order render_text writes them, for an explanation with no indicator listed.
_HEAD = ("household", "instrument", "result", "reason", "decision_clause")


def _report_templates(lang: str) -> dict[str, Any]:
    """Line templates of ``render_text``; ``{CLASS_LABEL}`` is the class label in capitals."""
    base = _render(lang)
    if len(base) != len(_HEAD) + 3:
        raise PortableError(f"render_text wrote {len(base)} lines for an explanation without indicators")
    report: dict[str, Any] = dict(zip(_HEAD, base, strict=False))
    report["no_deprivation"], report["hash"] = base[len(_HEAD)], base[-1]
    report["tags"] = _list_parts(base[-2], _render(lang, tags={"{code}": "{text}", "{code_2}": "{text_2}"})[-2],
                                 {"code": "{code}", "text": "{text}"}, {"code": "{code_2}", "text": "{text_2}"})
    one_worker = _render(lang, workers=[{"id": "{worker}", "name": None}])
    two_workers = _render(lang, workers=[{"id": "{worker}", "name": None}, {"id": "{worker_2}", "name": None}])
    report["workers"] = _list_parts(one_worker[-3], two_workers[-3], {"worker": "{worker}"},
                                    {"worker": "{worker_2}"})
    at = len(_HEAD)
    for status in ("deprived", "unknown"):
        count = 1 if status == "deprived" else 0
        one = _render(lang, indicators=[_entry(status)], count=count)
        two = _render(lang, indicators=[_entry(status), _entry(status)], count=2 * count)
        if one[:at] != base[:at]:
            raise PortableError("render_text's first lines depend on the indicators")
        report[f"{status}_title"] = _numbered(one[at], two[at], "count")
        report["indicator"] = _numbered(two[at + 1], two[at + 3], "number")
        report["indicator_clause"] = one[at + 2]
    one = _render(lang, indicators=[_entry("deprived", answers=1)], count=1)
    two = _render(lang, indicators=[_entry("deprived", answers=2)], count=1)
    report["answers"] = _list_parts(one[at + 3], two[at + 3], _ANSWER, _ANSWER_2)
    allowed = {"household", "title", "instrument", "instrument_tag", "CLASS_LABEL", "decision", "clause", "tag",
               "hash", "count", "total", "number", "name", "rule", "items", "code", "text", "worker", "label"}
    for name, value in report.items():
        for template in value.values() if isinstance(value, dict) else [value]:
            _check_placeholders(template, allowed, f"render_text ({name})")
    return report


def _member_line(lang: str, *, name: str | None = None, age: str | None = None, answers: int = 0,
                 status: str = "counts") -> str:
    member = {"id": "{id}", "name": name, "age": age, "status": status,
              "answers": {f"a{s}": {"label": "{label" + s + "}", "text": "{text" + s + "}"}
                          for s in ["", "_2"][:answers]}}
    one = _render(lang, indicators=[_entry("deprived", members=[member])], count=1)
    return one[len(_HEAD) + 3]


def _member_line_parts(lang: str) -> dict[str, Any]:
    """A member's line: ``prefix`` + who (``named`` or the id) + ``age`` when known + the answers list + ``unknown``
    when the member's answer is missing."""
    bare = _member_line(lang)
    if not bare.endswith("{id}"):
        raise PortableError(f"a member line no longer ends with the id: {bare!r}")
    prefix = bare[:-len("{id}")]

    def after(line: str, head: str) -> str:
        if not line.startswith(head):
            raise PortableError(f"member line {line!r} does not start with {head!r}")
        return line[len(head):]

    parts: dict[str, Any] = {
        "prefix": prefix,
        "named": after(_member_line(lang, name="{name}"), prefix),
        "age": after(_member_line(lang, age="{age}"), bare),
        "answers": _list_parts(after(_member_line(lang, answers=1), bare), after(_member_line(lang, answers=2), bare),
                               _ANSWER, _ANSWER_2),
        "unknown": after(_member_line(lang, status="unknown"), bare),
    }
    # Put back together as the device does, the pieces must give render_text's own line.
    answers = parts["answers"]
    items = answers["separator"].join(
        [answers["item"], answers["item"].replace("{label}", "{label_2}").replace("{text}", "{text_2}")])
    rebuilt = (prefix + parts["named"] + parts["age"] + answers["line"].replace("{items}", items)
               + parts["unknown"])
    if rebuilt != _member_line(lang, name="{name}", age="{age}", answers=2, status="unknown"):
        raise PortableError("a member line is no longer who, age, answers and mark in that order")
    allowed = {"name", "id", "age", "items", "label", "text"}
    for name, value in parts.items():
        for template in value.values() if isinstance(value, dict) else [value]:
            _check_placeholders(template, allowed, f"member line ({name})")
    return parts


# --- Answers in words (vocabulary.answer) --------------------------------------------------------------------


def _field_words(spec: rec.FieldSpec, lang: str) -> dict[str, Any]:
    """How the device writes an answer of this field: its label and, by the field's kind, the words or format."""
    words: dict[str, Any] = {"kind": spec.kind, "label": answer(spec, None, lang)["label"],
                             "not_answered": answer_text(spec, None, lang)}
    kind = spec.kind
    if kind == "boolean":
        words.update(yes=answer_text(spec, True, lang), no=answer_text(spec, False, lang))
    elif kind == "enum":
        words["values"] = {value: answer_text(spec, value, lang) for value in spec.values}
    elif kind == "enum_list":
        words["values"] = {value: answer_text(spec, [value], lang) for value in spec.values}
        words["empty"] = answer_text(spec, [], lang)
        first, second = spec.values[:2]
        pair = answer_text(spec, [first, second], lang)
        one, two = words["values"][first], words["values"][second]
        separator = pair[len(one):len(pair) - len(two)]
        if one + separator + two != pair:
            raise PortableError(f"{spec.name}: a list of answers is no longer labels joined by a separator")
        words["separator"] = separator
    elif kind in ("integer", "number"):
        sample = 1234567.25
        template = answer_text(spec, sample, lang).replace(format_number(sample, lang), "{number}")
        words["template"] = _check_placeholders(template, {"number"}, f"{spec.name} answer")
    elif kind == "date":
        words.update(_date_words(spec, lang))
    elif kind != "string" or answer_text(spec, "{value}", lang) != "{value}":
        raise PortableError(f"{spec.name}: no portable form for answers of kind {kind!r}")
    return words


def _date_words(spec: rec.FieldSpec, lang: str) -> dict[str, Any]:
    texts = [answer_text(spec, dt.date(1999, month, 25), lang) for month in range(1, 13)]
    start = min(_common_prefix(texts[0], t) for t in texts)
    end = min(_common_suffix(texts[0], t, min(len(texts[0]), len(t)) - start) for t in texts)
    months = [t[start:len(t) - end] for t in texts]
    template = (texts[0][:start] + "{month}" + texts[0][len(texts[0]) - end:]).replace("1999", "{year}")
    template = template.replace("25", "{day}")
    digits = 2 if answer_text(spec, dt.date(1999, 12, 5), lang).startswith(template.split("{day}")[0] + "05") else 1
    for day in (dt.date(1890, 1, 1), dt.date(2000, 2, 29), dt.date(2024, 10, 9), dt.date(2100, 12, 31)):
        written = template.replace("{year}", str(day.year)).replace("{month}", months[day.month - 1]).replace(
            "{day}", str(day.day).zfill(digits))
        if written != answer_text(spec, day, lang):
            raise PortableError(f"{spec.name}: dates are no longer written day, month, year ({written!r})")
    return {"template": template, "months": months, "day_digits": digits}


def _members_label(standard: Standard, lang: str) -> str | None:
    """The label of the member count shown with the floor-area indicator (the explanation adds it)."""
    for indicator in standard.indicators:
        if indicator.rule == "area_per_person":
            row = {f"_d_{indicator.code}": True, "_n_members": 1}
            entry = explain._indicator_entry(indicator, row, [], lang)
            return str(entry["answers"]["members"]["label"])
    return None


def _number_separators(lang: str) -> dict[str, str]:
    text = format_number(1234567.25, lang)
    group, decimal = text[1], text[-3]
    if text != f"1{group}234{group}567{decimal}25" or format_number(1234567, lang) != f"1{group}234{group}567":
        raise PortableError(f"numbers are no longer written with digit groups: {text!r}")
    return {"group": group, "decimal": decimal}


__all__ = ["FORMAT", "PortableError", "portable_standard", "portable_standards"]
