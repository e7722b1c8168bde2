"""Hypothesis strategies for valid household records v1, built from the record definition (``record.py``).

Every field of ``HOUSEHOLD_FIELDS``, ``DWELLING_FIELDS`` and ``MEMBER_FIELDS`` is drawn from its ``FieldSpec``
(kind, enumeration values, pattern, ``minimum``/``maximum``, ``earliest``/``latest``, ``max_length``), so a
field added to the definition, or a bound changed there, is generated without touching this file. Only the rules the field table cannot express are written here: exactly one ``head``,
unique member ids, a birth date or an age (never both), birth dates not after the reference date, ``income_basis``
naming a present field, and the review year matching the reference date.

``household_records`` never yields a record the validator rejects: tests assert that, so a rejected record is a
bug of this strategy, not a finding.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
from typing import Any

from hypothesis import strategies as st

from giamngheo.standards import record as rec
from giamngheo.standards.definition import Standard

_HOUSEHOLD = {f.name: f for f in rec.HOUSEHOLD_FIELDS}
_MEMBER = {f.name: f for f in rec.MEMBER_FIELDS}

# Reference dates the tests cover (the review years of the shipped standards), within what the record allows.
FIRST_REFERENCE = max(dt.date(2016, 1, 1), _HOUSEHOLD["reference_date"].earliest or dt.date.min)
LAST_REFERENCE = min(dt.date(2030, 12, 31), _HOUSEHOLD["reference_date"].latest or dt.date.max)
EARLIEST_BIRTH = _MEMBER["birth_date"].earliest or dt.date(1890, 1, 1)
MAX_MEMBERS = rec.MAX_MEMBERS
# Caps for numeric fields the definition leaves unbounded above (a value must be drawable).
_UNBOUNDED_INTEGER = 10**12
_UNBOUNDED_NUMBER = 1e9

# Fields whose values depend on other fields; everything else is drawn from its FieldSpec alone.
_HOUSEHOLD_JOINT = frozenset({"id", "reference_date", "year", "income", "score_a", "income_basis"})
_MEMBER_JOINT = frozenset({"id", "relation", "birth_date", "age"})

TextStrategy = st.SearchStrategy[str]


def _bounds(spec: rec.FieldSpec, fallback_high: float) -> tuple[float, float]:
    low = spec.minimum if spec.minimum is not None else 0
    high = spec.maximum if spec.maximum is not None else fallback_high
    return low, high


def _integers(spec: rec.FieldSpec, *, typical_high: int | None = None) -> st.SearchStrategy[int]:
    """The whole allowed range, and (more often) a typical range where the class lines are."""
    low, high = (int(v) for v in _bounds(spec, _UNBOUNDED_INTEGER))
    whole = st.integers(min_value=low, max_value=high)
    if typical_high is None or typical_high >= high:
        return whole
    return st.one_of(st.integers(min_value=low, max_value=max(low, typical_high)), whole)


def _numbers(spec: rec.FieldSpec, *, typical_high: float | None = None) -> st.SearchStrategy[float]:
    low, high = _bounds(spec, _UNBOUNDED_NUMBER)
    whole = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    # Integers are the common case in a survey (40 m², score 130); they are also a different path in the formatter.
    options = [whole, st.integers(min_value=int(low), max_value=int(high)).map(float)]
    if typical_high is not None and typical_high < high:
        options.append(st.floats(min_value=low, max_value=typical_high, allow_nan=False, allow_infinity=False)
                       .map(lambda v: round(v, 1)).filter(lambda v: low <= v <= high))
    return st.one_of(options)


@functools.lru_cache(maxsize=4096)  # building strategies anew for every member was most of the generation time
def field_values(spec: rec.FieldSpec, *, text: TextStrategy, reference: dt.date = LAST_REFERENCE
                 ) -> st.SearchStrategy[Any]:
    """Any value the validator accepts for ``spec`` (dates: on or before ``reference``)."""
    kind = spec.kind
    if kind == "string":
        if spec.pattern:
            return st.from_regex(spec.pattern, fullmatch=True)
        limit = spec.max_length
        return text.filter(lambda v: bool(v or not spec.non_empty) and (limit is None or len(v) <= limit))
    if kind == "date":
        latest = min(reference, spec.latest or reference)
        return st.dates(min_value=spec.earliest or EARLIEST_BIRTH, max_value=latest).map(dt.date.isoformat)
    if kind == "integer":
        return _integers(spec)
    if kind == "number":
        return _numbers(spec, typical_high=200)
    if kind == "boolean":
        return st.booleans()
    if kind == "enum":
        return st.sampled_from(spec.values)
    if kind == "enum_list":
        return st.lists(st.sampled_from(spec.values), unique=True, max_size=len(spec.values))
    raise AssertionError(f"no strategy for field kind {kind!r}")  # a new kind needs a strategy here


@functools.cache
def _undated_answers(specs: tuple[rec.FieldSpec, ...], skip: frozenset[str], text: TextStrategy, complete: bool
                     ) -> st.SearchStrategy[dict[str, Any]]:
    # Built once per field table: building strategies for every member of every record dominated the run time.
    undated = tuple(s for s in specs if s.kind != "date" and s.name not in skip)
    return st.fixed_dictionaries(
        {s.name: field_values(s, text=text) for s in undated if s.required or complete},
        optional={s.name: field_values(s, text=text) for s in undated if not (s.required or complete)})


@st.composite
def _answers(draw: st.DrawFn, specs: tuple[rec.FieldSpec, ...], skip: frozenset[str], *, text: TextStrategy,
             reference: dt.date, complete: bool) -> dict[str, Any]:
    """Required fields always; each optional one present or absent (absent means *not answered*), or present
    when ``complete``."""
    answers = draw(_undated_answers(specs, skip, text, complete))
    for spec in specs:
        if spec.kind == "date" and spec.name not in skip and (spec.required or complete or draw(st.booleans())):
            answers[spec.name] = draw(field_values(spec, text=text, reference=reference))
    return answers


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


_OLDEST = int(_MEMBER["age"].maximum) if _MEMBER["age"].maximum is not None else 130
_AGES = st.one_of(st.integers(0, 17), st.integers(0, 100), st.integers(0, _OLDEST))
_NOT_HEAD = st.sampled_from([r for r in _MEMBER["relation"].values if r != "head"])


@st.composite
def _birth_or_age(draw: st.DrawFn, reference: dt.date, earliest_birth: dt.date) -> dict[str, Any]:
    """``{"age": n}`` or ``{"birth_date": ...}``: ages of children, adults, the very old and everything between."""
    years = draw(_AGES)
    if draw(st.booleans()):
        return {"age": years}
    # Days before the birthday that completes ``years`` (0: the birthday itself, 29 February included); a member
    # older than the earliest birth date allows gets that date.
    birthday = _years_before(reference, years)
    earliest = max(_years_before(reference, years + 1) + dt.timedelta(days=1), earliest_birth)
    birth = max(birthday - dt.timedelta(days=draw(st.integers(0, 365))), earliest)
    return {"birth_date": birth.isoformat()}


@st.composite
def _member(draw: st.DrawFn, reference: dt.date, *, text: TextStrategy, complete: bool, earliest_birth: dt.date
            ) -> dict[str, Any]:
    """A member who is not the head (``_members`` makes one of them the head)."""
    member = {"id": draw(field_values(_MEMBER["id"], text=text, reference=reference)),
              "relation": draw(_NOT_HEAD),
              **draw(_birth_or_age(reference, earliest_birth))}
    member.update(draw(_answers(rec.MEMBER_FIELDS, _MEMBER_JOINT, text=text, reference=reference,
                                complete=complete)))
    return member


@st.composite
def _members(draw: st.DrawFn, reference: dt.date, *, text: TextStrategy, max_members: int, complete: bool,
             earliest_birth: dt.date) -> list[dict[str, Any]]:
    """Small households mostly, large ones (up to the record's limit) sometimes; drawn as lists so that
    Hypothesis can shrink a failing household by dropping members."""
    one = _member(reference, text=text, complete=complete, earliest_birth=earliest_birth)
    small = min(6, max_members)
    large = max_members > small and draw(st.integers(0, 3)) == 0
    low, high = (small + 1, max_members) if large else (1, small)
    members = draw(st.lists(one, min_size=low, max_size=high, unique_by=lambda m: m["id"]))
    members[draw(st.integers(0, len(members) - 1))]["relation"] = "head"
    return members


def _review_years(standard: Standard | None) -> tuple[int, int]:
    first, last = FIRST_REFERENCE.year, LAST_REFERENCE.year
    if standard is not None:
        first, last = max(first, standard.first_review_year), min(last, standard.last_review_year)
    year_spec = _HOUSEHOLD["year"]
    if year_spec.minimum is not None:
        first = max(first, int(year_spec.minimum))
    if year_spec.maximum is not None:
        last = min(last, int(year_spec.maximum))
    assert first <= last, f"no review year of {standard.id if standard else 'any standard'} in the tested range"
    return first, last


@st.composite
def household_records(draw: st.DrawFn, standard: Standard | None = None, *, score_a: bool | None = None,
                      text: TextStrategy | None = None, max_members: int = MAX_MEMBERS, complete: bool = False,
                      earliest_birth: dt.date = EARLIEST_BIRTH) -> dict[str, Any]:
    """A valid household record whose review year falls within ``standard``'s years (any 2016–2030 without one).

    ``score_a``: True always carries a score A, False never, None either. ``text`` draws free text (names,
    ids, hamlets): any Unicode by default; web tests pass a narrower one that their forms and database keep.
    ``complete``: every question answered (a survey ready to classify). ``earliest_birth``: for a form that
    accepts fewer dates than the record does.
    """
    text = text if text is not None else st.text(max_size=20)
    first, last = _review_years(standard)
    review_year = draw(st.integers(first, last))
    stated_year = draw(st.booleans())
    # A review year is often surveyed in the autumn before it: a stated ``year`` may follow the reference date's.
    reference_years = [review_year, review_year - 1] if stated_year else [review_year]
    reference_year = draw(st.sampled_from([y for y in reference_years if y >= FIRST_REFERENCE.year]))
    reference = draw(st.dates(min_value=dt.date(reference_year, 1, 1), max_value=dt.date(reference_year, 12, 31)))

    record: dict[str, Any] = {"id": draw(field_values(_HOUSEHOLD["id"], text=text, reference=reference)),
                              "reference_date": reference.isoformat()}
    if stated_year:
        record["year"] = review_year
    record.update(draw(_answers(rec.HOUSEHOLD_FIELDS, _HOUSEHOLD_JOINT, text=text, reference=reference,
                                complete=complete)))
    if "province_code" in record and draw(st.booleans()):
        record["province_code"] = "79"  # the province of the shipped local standard
    if complete or draw(st.booleans()):
        record["income"] = draw(_integers(_HOUSEHOLD["income"], typical_high=3_000_000))
    if score_a or (score_a is None and draw(st.booleans())):
        record["score_a"] = draw(_numbers(_HOUSEHOLD["score_a"], typical_high=300))
    bases = [b for b in _HOUSEHOLD["income_basis"].values if b in record]
    if len(bases) == 2 or (bases and draw(st.booleans())):
        record["income_basis"] = draw(st.sampled_from(bases))
    if complete or draw(st.booleans()):
        record["dwelling"] = draw(_answers(rec.DWELLING_FIELDS, frozenset(), text=text, reference=reference,
                                           complete=complete))
    record["members"] = draw(_members(reference, text=text, max_members=max_members, complete=complete,
                                      earliest_birth=earliest_birth))
    return record


# The first record the property test found failing (issue 14): the 2016–2020 adult-education rule reads the birth
# date of a member born from 1986, and the explanation could not write a date. Web tests run it every time.
ISSUE_14_RECORD: dict[str, Any] = {
    "id": "0", "reference_date": "2016-01-01", "area": "rural",
    "members": [{"id": "0", "relation": "head", "birth_date": "2000-01-02", "sex": "male"}],
}

# Free text a web form and both databases keep as typed: letters and digits of any script, no spaces to be stripped
# and no control characters (PostgreSQL refuses NUL).
web_text = st.text(alphabet=st.characters(categories=("L", "N")), max_size=12)
_citizen_ids = itertools.count(1)


def for_registry(record: dict[str, Any], *, commune_code: str, province_code: str) -> dict[str, Any]:
    """A generated record as an officer of the commune registers it: located in the commune (the hamlet left out),
    no household code (the registry gives one), and citizen IDs not used by any other household of the session
    (a person belongs to one household only)."""
    placed = {k: copy.deepcopy(v) for k, v in record.items() if k not in ("id", "hamlet")}
    placed["commune_code"], placed["province_code"] = commune_code, province_code
    placed["members"] = [
        {**m, "citizen_id": f"{province_code}{next(_citizen_ids):010d}"} if "citizen_id" in m else m
        for m in placed["members"]
    ]
    return placed


# --- Records that break rules, with well-typed values (the column-wise validator's property test) --------------

_INT64 = (-(2**63), 2**63 - 1)
# Free text near every string bound: empty, about the 40 characters a message echoes, past max_length, non-ASCII.
_flawed_text = st.one_of(st.text(max_size=3), st.text(min_size=38, max_size=42),
                         st.text(alphabet="xé1", min_size=60, max_size=210), st.from_regex(r"[0-9]{1,13}", fullmatch=True))


# The valid base record's free text: cheap to draw (never filtered out); the flawed values bring the odd text.
_base_text = st.text(alphabet="aé1 ", min_size=1, max_size=6)


def _near(bound: float | None, step: float) -> list[float]:
    return [] if bound is None else [bound - step, bound, bound + step]


@functools.lru_cache(maxsize=256)
def flawed_values(spec: rec.FieldSpec) -> st.SearchStrategy[Any]:
    """A value of ``spec``'s type (as a typed column holds it) that may break any of its bounds, its enumeration or
    its pattern; valid values too, so that the other rules still get to run."""
    kind = spec.kind
    if kind == "string":
        return st.one_of(field_values(spec, text=st.text(max_size=10)), _flawed_text)
    if kind == "date":
        bounds = [d for d in (spec.earliest, spec.latest) if d is not None]
        days = [b + dt.timedelta(days=k) for b in bounds for k in (-1, 0, 1)]
        return st.one_of(st.sampled_from(days) if days else st.nothing(), st.dates(), st.dates(
            dt.date(1880, 1, 1), dt.date(2110, 1, 1))).map(dt.date.isoformat)
    if kind == "integer":
        whole = [int(v) for v in (*_near(spec.minimum, 1), *_near(spec.maximum, 1))]
        return st.one_of(st.sampled_from(whole) if whole else st.nothing(), st.integers(*_INT64),
                         st.integers(-5, 200))
    if kind == "number":
        near = [*_near(spec.minimum, 0.5), *_near(spec.maximum, 0.01)]
        return st.one_of(st.sampled_from(near) if near else st.nothing(), st.floats(),
                         st.sampled_from([float("nan"), float("inf"), float("-inf")]))
    if kind == "boolean":
        return st.booleans()
    if kind == "enum":
        return st.one_of(st.sampled_from(spec.values), _flawed_text)
    if kind == "enum_list":
        return st.one_of(st.lists(st.one_of(st.sampled_from(spec.values), _flawed_text), max_size=5),
                         st.lists(st.sampled_from(spec.values[:2]), max_size=4))  # repeats
    raise AssertionError(f"no strategy for field kind {kind!r}")  # a new kind needs a strategy here


@st.composite
def _spoil(draw: st.DrawFn, answers: dict[str, Any], specs: tuple[rec.FieldSpec, ...]) -> None:
    """Some fields of ``answers`` replaced by a flawed value or removed (required ones included)."""
    for spec in draw(st.lists(st.sampled_from(specs), max_size=4, unique=True)):
        if draw(st.integers(0, 3)) == 0:
            answers.pop(spec.name, None)
        else:
            answers[spec.name] = draw(flawed_values(spec))


@st.composite
def flawed_household_records(draw: st.DrawFn) -> dict[str, Any]:
    """A household record whose values all have the right JSON type (what a bulk import has after parsing its
    cells) but may break any rule of ``validate_record``: bounds, enumerations, patterns, required fields,
    ``income_basis``, the head, member ids, birth date and age, the member count. ``members`` is always a list."""
    record = draw(household_records(max_members=4, text=_base_text))
    draw(_spoil(record, rec.HOUSEHOLD_FIELDS))
    if draw(st.booleans()):
        dwelling = record.setdefault("dwelling", {})
        draw(_spoil(dwelling, rec.DWELLING_FIELDS))
    members: list[dict[str, Any]] = record["members"]
    for member in members:
        if draw(st.integers(0, 2)) == 0:
            draw(_spoil(member, rec.MEMBER_FIELDS))
    for _ in range(draw(st.integers(0, 3))):  # cross-field rules: a second head, a repeated id, birth and age
        member = members[draw(st.integers(0, len(members) - 1))]
        other = members[draw(st.integers(0, len(members) - 1))]
        change = draw(st.sampled_from(["relation", "id", "undated", "born_later"]))
        if change == "undated":
            member.pop("birth_date", None)
            member.pop("age", None)
        elif change == "born_later":
            reference = dt.date.fromisoformat(record["reference_date"]) if "reference_date" in record else None
            if reference is not None and reference < dt.date(9999, 12, 28):
                member["birth_date"] = (reference + dt.timedelta(days=draw(st.integers(0, 3)))).isoformat()
        elif change in other:
            member[change] = other[change]
    shape = draw(st.sampled_from(["as drawn"] * 14 + ["empty", "too many"]))
    if shape == "empty":
        record["members"] = []
    elif shape == "too many":  # over the limit: validate_record checks none of the members
        record["members"] = [copy.deepcopy(members[i % len(members)]) for i in range(MAX_MEMBERS + 1)]
    return record
