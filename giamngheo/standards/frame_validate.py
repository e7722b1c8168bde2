"""The record rules of ``record.py``, checked column-wise over a households frame and a members frame.

A bulk import (issue 7) holds hundreds of thousands of households; ``validate_record`` in a Python loop would take
minutes. ``validate_frames`` applies the same FieldSpec tables and the same cross-field rules as Polars
expressions, joins and group-bys (the only Python loops run over fields, never over rows), and reports every
problem with the path, code and Vietnamese and English message ``validate_record`` gives for the equivalent JSON
record (the texts come from ``record.MESSAGES``, so they cannot drift apart).

What the frames cannot say, and so is the caller's business:

* *Types*. The frames hold typed values (the dtypes of ``frames.HOUSEHOLD_SCHEMA`` / ``MEMBER_SCHEMA``): a text
  cell that is not a date or a number must be reported by whatever parsed it ("type", "date" codes).
* *Unknown fields*. Columns outside the schema are ignored, not reported.
* *A missing ``members`` key versus an empty list*. A household without member rows gets ``min_items``, as an
  empty ``members`` list would. Member rows whose ``_row`` names no household are ignored.
* A null cell means *not answered* (the key absent from the JSON record), never a JSON ``null``.

Order: by ``_row``, then exactly the order ``validate_record`` reports the record's problems in.

Speed (one measurement, ``POLARS_MAX_THREADS=2``, Polars 2.1, on a machine shared with other jobs, load ~5):
1,000,000 households and 3,500,000 members with a few percent of faulty values, 167,604 errors, in 5.8 s; the
same members handed over in random order 15 s (they are sorted first; a reader's output is usually in order and
then no sort runs). About 30 ms is fixed cost however small the frames.
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Sequence
from typing import Literal

import polars as pl

from giamngheo.standards import record as rec
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, ROW_KEY

INDEX_KEY = "_index"
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    ROW_KEY: pl.Int64(), INDEX_KEY: pl.Int64(), "path": pl.String(), "code": pl.String(),
    "message_vi": pl.String(), "message_en": pl.String(),
}
# Polars 2.1's streaming engine (the "auto" choice) panics in ``pl.format`` on frames of several chunks, which a
# caller's frames or our own intermediate ones may be; the in-memory engine does not (and measured as fast here).
_ENGINE: Literal["in-memory"] = "in-memory"
_CLIP = 40  # as record._clip: an echoed value is cut short

# Sort keys reproducing validate_record's order within a record: household fields in table order, dwelling
# fields, the income-basis rules, the member count, then each member (its fields in table order, then the
# cross-field rules), then the missing head.
_BASIS_REQUIRED_RANK = 1_000
_BASIS_ABSENT_RANK = 1_001
_COUNT_RANK = 1_002
_MEMBER_RANK = 2_000
_NO_HEAD_RANK = 3_000
_MEMBER_RULE_RANK = len(rec.MEMBER_FIELDS)  # after the member's own fields: birth/age, birth date, head, id
_SORT = ("_rank", INDEX_KEY, "_member_rank", "_item")


def _text(template: str, values: dict[str, pl.Expr]) -> pl.Expr:
    """A ``record.MESSAGES`` template filled by expressions (each already a String)."""
    parts: list[pl.Expr] = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if field is not None:
            parts.append(values[field])
    return pl.concat_str(parts) if parts else pl.lit("")


def _messages(key: str, **values: pl.Expr | str) -> tuple[pl.Expr, pl.Expr]:
    """Vietnamese and English message of ``key``; ``values`` fill the placeholders (plain strings as literals)."""
    filled = {name: pl.lit(value) if isinstance(value, str) else value for name, value in values.items()}
    vi, en = rec.MESSAGES[key]
    return _text(vi, filled), _text(en, filled)


def _shown(value: pl.Expr) -> pl.Expr:
    """A String value as ``record._show`` writes it: quoted, clipped; a null item is ``null``."""
    clipped = pl.when(value.str.len_chars() <= _CLIP).then(value).otherwise(
        pl.concat_str([value.str.slice(0, _CLIP), pl.lit("…")]))
    return pl.when(value.is_null()).then(pl.lit("null")).otherwise(pl.concat_str([pl.lit("'"), clipped, pl.lit("'")]))


def _cases(code: pl.Expr, cases: Sequence[tuple[str, tuple[pl.Expr, pl.Expr]]]) -> tuple[pl.Expr, pl.Expr]:
    """Message columns chosen by ``code`` among ``(code value, (vi, en))`` cases."""
    columns = []
    for lang in (0, 1):
        expr: pl.Expr = pl.lit(None, pl.String())
        for value, messages in reversed(cases):
            expr = pl.when(code == value).then(messages[lang]).otherwise(expr)
        columns.append(expr)
    return columns[0], columns[1]


def _bound(spec: rec.FieldSpec, value: float) -> pl.Expr:
    # An integral bound on an integer column stays an integer: no float rounding of large values.
    if spec.kind == "integer" and float(value).is_integer():
        return pl.lit(int(value), pl.Int64())
    return pl.lit(value)


@functools.cache  # the expressions depend on the spec alone: building them anew was half a small call's time
def _field_checks(spec: rec.FieldSpec) -> tuple[pl.Expr, pl.Expr, pl.Expr] | None:
    """Code, Vietnamese and English message of one scalar field's first failing check, as ``_check_value`` picks
    it (None: the field has nothing to check on a typed column)."""
    value = pl.col(spec.name)
    checks: list[tuple[pl.Expr, str, tuple[pl.Expr, pl.Expr]]] = []
    if spec.required:
        checks.append((value.is_null(), "required", _messages("required")))
    kind = spec.kind
    if kind == "string":
        if spec.non_empty:
            checks.append((value == "", "empty", _messages("empty")))
        if spec.max_length is not None:
            length = value.str.len_chars()
            checks.append((length > spec.max_length, "max_length", _messages(
                "max_length", limit=str(spec.max_length), length=length.cast(pl.String()))))
        if spec.pattern:
            checks.append((~value.str.contains(f"^(?:{spec.pattern})$"), "pattern", _messages(
                "pattern", shown=_shown(value), rule_vi=spec.pattern_vi, rule_en=spec.pattern_en)))
    elif kind == "date":
        for key, bound, outside in (("earliest", spec.earliest, value < pl.lit(spec.earliest)),
                                    ("latest", spec.latest, value > pl.lit(spec.latest))):
            if isinstance(bound, dt.date):
                checks.append((outside, key, _messages(
                    key, day_vi=value.dt.strftime("%d/%m/%Y"), bound_vi=rec.vi_date(bound),
                    day=value.dt.strftime("%Y-%m-%d"), bound=bound.isoformat())))
    elif kind == "enum":
        checks.append((~value.is_in(list(spec.values)), "enum", _messages(
            "enum", shown=_shown(value), allowed=", ".join(spec.values))))
    elif kind in ("integer", "number"):
        if kind == "number":
            checks.append((value.is_nan() | value.is_infinite(), "finite", _messages("finite")))
        if spec.minimum is not None:
            checks.append((value < _bound(spec, spec.minimum), "minimum", _messages(
                "minimum", bound=rec.number_text(spec.minimum))))
        if spec.maximum is not None:
            checks.append((value > _bound(spec, spec.maximum), "maximum", _messages(
                "maximum", bound=rec.number_text(spec.maximum))))
    if not checks:
        return None
    code: pl.Expr = pl.lit(None, pl.String())
    for condition, key, _messages_of_key in reversed(checks):
        # A null fails no check but ``required``: fill_null keeps "not answered" silent.
        code = pl.when(condition.fill_null(False)).then(pl.lit(key.partition(":")[0])).otherwise(code)
    vi, en = _cases(pl.col("code"), [(key.partition(":")[0], messages) for _c, key, messages in checks])
    return code, vi, en


def _field_errors(frame: pl.LazyFrame, spec: rec.FieldSpec, keys: list[str], path: pl.Expr, rank: pl.Expr
                  ) -> pl.LazyFrame:
    """Errors of one scalar field (every kind but ``enum_list``)."""
    checks = _field_checks(spec)
    if checks is None:
        return _empty()
    code, vi, en = checks
    return (frame.select(*keys, spec.name, code.alias("code"))
            .filter(pl.col("code").is_not_null())
            .select(*keys, path.alias("path"), "code", vi.alias("message_vi"), en.alias("message_en"),
                    rank.alias("_rank"), pl.lit(0).alias("_item")))


def _list_errors(frame: pl.LazyFrame, spec: rec.FieldSpec, path: str, rank: int) -> pl.LazyFrame:
    """Errors of the items of an ``enum_list``: an item outside the enumeration, then an item seen before."""
    item = pl.col(spec.name)
    # Only lists with a problem are exploded: almost all of a real import are clean.
    faulty = (item.list.n_unique() < item.list.len()) | ~item.list.eval(pl.element().is_in(list(spec.values))).list.all()
    items = (frame.select(ROW_KEY, item)
             .filter(faulty.fill_null(False))
             .with_columns(pl.int_ranges(0, item.list.len()).alias("_item"))
             .explode(spec.name, "_item"))
    invalid = ~item.is_in(list(spec.values)).fill_null(False)
    # Exploding keeps each list's item order, so "seen before" is "not the first of its (household, value)".
    repeated = ~pl.struct(ROW_KEY, spec.name).is_first_distinct()
    code = pl.when(invalid).then(pl.lit("enum")).when(repeated).then(pl.lit("duplicate"))
    vi, en = _cases(pl.col("code"), [
        ("enum", _messages("enum", shown=_shown(item), allowed=", ".join(spec.values))),
        ("duplicate", _messages("duplicate", shown=_shown(item))),
    ])
    return (items.with_columns(code.alias("code"))
            .filter(pl.col("code").is_not_null())
            .select(ROW_KEY, pl.format(f"{path}[{{}}]", "_item").alias("path"), "code", vi.alias("message_vi"),
                    en.alias("message_en"), pl.lit(rank).alias("_rank"), "_item"))


def _empty() -> pl.LazyFrame:
    return pl.LazyFrame(schema=OUTPUT_SCHEMA)


def _rule(frame: pl.LazyFrame, condition: pl.Expr, key: str, path: pl.Expr | str, rank: int, *,
          member_rank: int | None = None, **values: pl.Expr | str) -> pl.LazyFrame:
    """Rows of ``frame`` where ``condition`` holds, reported as the error ``key`` at ``path``."""
    vi, en = _messages(key, **values)
    keys = [ROW_KEY] if member_rank is None else [ROW_KEY, INDEX_KEY]
    extra = [] if member_rank is None else [pl.lit(member_rank).alias("_member_rank")]
    return (frame.filter(condition.fill_null(False))
            .select(*keys, (pl.lit(path) if isinstance(path, str) else path).alias("path"),
                    pl.lit(key.partition(":")[0]).alias("code"), vi.alias("message_vi"), en.alias("message_en"),
                    pl.lit(rank).alias("_rank"), *extra))


def _complete(frame: pl.DataFrame, schema: dict[str, pl.DataType], keys: Sequence[str]) -> pl.LazyFrame:
    """The frame with every schema column (an absent one all null) in its schema dtype, keys as Int64."""
    columns = [pl.col(key).cast(pl.Int64()) for key in keys]
    for name, dtype in schema.items():
        columns.append(pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name))
    return frame.lazy().select(columns)


def _in_member_order(members: pl.DataFrame) -> bool:
    """Whether members already come by household and position (a reader's usual output: no sort needed)."""
    row, index = pl.col(ROW_KEY).diff(), pl.col(INDEX_KEY).diff()
    return bool(members.select(((row > 0) | ((row == 0) & (index > 0))).fill_null(True).all()).item())


def validate_frames(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Every problem of every household, one row each: ``_row``, ``_index`` (the member; null for a household-level
    problem), ``path``, ``code``, ``message_vi``, ``message_en`` — as ``validate_record`` reports them for the
    equivalent JSON records, sorted by ``_row`` and then in ``validate_record``'s order.

    ``households``: ``_row`` (unique household key) and any household and dwelling fields, typed as in
    ``frames.HOUSEHOLD_SCHEMA``. ``members``: ``_row``, ``_index`` (0-based position within the household) and any
    member fields, typed as in ``frames.MEMBER_SCHEMA``. An absent column or a null cell is *not answered*.
    """
    homes = _complete(households, HOUSEHOLD_SCHEMA, [ROW_KEY])
    people = _complete(members, MEMBER_SCHEMA, [ROW_KEY, INDEX_KEY])
    parts: list[pl.LazyFrame] = []

    household_specs = [(spec, spec.name) for spec in rec.HOUSEHOLD_FIELDS]
    dwelling_specs = [(spec, f"dwelling.{spec.name}") for spec in rec.DWELLING_FIELDS]
    for rank, (spec, path) in enumerate([*household_specs, *dwelling_specs]):
        if spec.kind == "enum_list":
            parts.append(_list_errors(homes, spec, path, rank))
        else:
            parts.append(_field_errors(homes, spec, [ROW_KEY], pl.lit(path), pl.lit(rank)))

    income, score_a, basis = pl.col("income"), pl.col("score_a"), pl.col("income_basis")
    parts.append(_rule(homes, income.is_not_null() & score_a.is_not_null() & basis.is_null(),
                       "income_basis_required", "income_basis", _BASIS_REQUIRED_RANK))
    named_absent = pl.lit(False)
    for name in ("income", "score_a"):  # as validate_record: the two bases, each naming a field of its own name
        named_absent = named_absent | ((basis == name) & pl.col(name).is_null())
    parts.append(_rule(homes, named_absent, "income_basis_absent", "income_basis", _BASIS_ABSENT_RANK,
                       shown=_shown(basis), basis=basis))

    # Member checks only for households with 1..MAX_MEMBERS members, as validate_record stops at the count.
    # Members are put in (household, position) order once: counting is then run-length encoding, each member
    # finds its household's reference date by run number, and the order-based rules (the second head, an id seen
    # before) need no window function.
    in_order = people.collect(engine=_ENGINE)
    if not _in_member_order(in_order):
        in_order = in_order.sort(ROW_KEY, INDEX_KEY)
    runs = (in_order.select(pl.col(ROW_KEY).rle()).unnest(ROW_KEY)
            .select(pl.col("value").alias(ROW_KEY), pl.col("len").cast(pl.Int64()).alias("_count")))
    homes = homes.join(runs.lazy(), on=ROW_KEY, how="left").with_columns(
        pl.col("_count").fill_null(0)).collect(engine=_ENGINE).lazy()  # read by every household rule
    count = pl.col("_count")
    parts.append(_rule(homes, count == 0, "min_items", "members", _COUNT_RANK))
    parts.append(_rule(homes, count > rec.MAX_MEMBERS, "max_items", "members", _COUNT_RANK,
                       count=count.cast(pl.String()), limit=str(rec.MAX_MEMBERS)))
    reference = pl.col("reference_date")
    checked = homes.filter(count.is_between(1, rec.MAX_MEMBERS)).select(
        ROW_KEY, pl.when(reference.is_between(pl.lit(rec.EARLIEST_REFERENCE), pl.lit(rec.LATEST_DATE)))
        .then(reference).alias("_reference")).collect(engine=_ENGINE)  # out of bounds: reported, no birth noise
    run_references = runs.join(checked, on=ROW_KEY, how="left", maintain_order="left")
    run = in_order.select((pl.col(ROW_KEY) != pl.col(ROW_KEY).shift(1)).fill_null(True).cum_sum() - 1).to_series()
    # Gathered eagerly: the same gather as an expression (``pl.lit(series).gather(...)``) left a frame on which
    # ``pl.format`` panicked (Polars 2.1, 3.5 M rows).
    people = (in_order.with_columns(run_references["_reference"].gather(run).alias("_reference")).lazy()
              .filter(pl.col(ROW_KEY).is_in(checked[ROW_KEY].implode()))
              .collect(engine=_ENGINE).lazy())  # read by some thirty member rules: filtered once

    for member_rank, spec in enumerate(rec.MEMBER_FIELDS):
        field_path = pl.format(f"members[{{}}].{spec.name}", INDEX_KEY)
        parts.append(_field_errors(people, spec, [ROW_KEY, INDEX_KEY], field_path, pl.lit(_MEMBER_RANK))
                     .with_columns(pl.lit(member_rank).alias("_member_rank")))
    parts.extend(_member_rule_errors(people))
    heads = people.filter(pl.col("relation") == "head").select(ROW_KEY).collect(engine=_ENGINE)[ROW_KEY]
    headless = checked.lazy().filter(~pl.col(ROW_KEY).is_in(heads.implode()))
    parts.append(_rule(headless, pl.lit(True), "no_head", "members", _NO_HEAD_RANK))

    errors = pl.concat(parts, how="diagonal_relaxed")
    return (errors.with_columns(pl.col(INDEX_KEY).cast(pl.Int64()), pl.col(ROW_KEY).cast(pl.Int64()))
            .sort(ROW_KEY, *(pl.col(key).fill_null(0) for key in _SORT))
            .select(*OUTPUT_SCHEMA)
            .collect(engine=_ENGINE))


def _member_rule_errors(people: pl.LazyFrame) -> list[pl.LazyFrame]:
    """The member rules across fields and across members, on members in (household, position) order."""
    birth, age = pl.col("birth_date"), pl.col("age")
    member_path = pl.format("members[{}]", INDEX_KEY)
    rank = _MEMBER_RULE_RANK
    parts = [
        _rule(people, birth.is_not_null() & age.is_not_null(), "birth_date_and_age", member_path, _MEMBER_RANK,
              member_rank=rank),
        _rule(people, birth.is_null() & age.is_null(), "birth_date_or_age", member_path, _MEMBER_RANK,
              member_rank=rank),
        _rule(people, birth > pl.col("_reference"), "birth_after_reference",
              pl.format("members[{}].birth_date", INDEX_KEY), _MEMBER_RANK, member_rank=rank + 1),
    ]
    heads = people.filter(pl.col("relation") == "head")
    parts.append(_rule(heads, ~pl.col(ROW_KEY).is_first_distinct(), "extra_head",
                       pl.format("members[{}].relation", INDEX_KEY), _MEMBER_RANK, member_rank=rank + 2))
    # An id seen before in the household. Exact over all members is slow (hashing a struct of a key and a
    # string); so a 64-bit hash of both first, sorted to find the hashes that repeat, then the exact test among
    # the few members carrying one of them (a hash collision only adds a candidate, never a false error).
    mixed = pl.col("id").hash() ^ (pl.col(ROW_KEY).cast(pl.UInt64()) * 0x9E3779B97F4A7C15)
    hashes = (people.filter(pl.col("id").is_not_null()).select(mixed.sort().alias("_hash"))
              .collect(engine=_ENGINE)["_hash"])
    repeated = hashes.filter(hashes == hashes.shift(1))
    ids = people.filter(pl.col("id").is_not_null() & mixed.is_in(repeated.implode()))
    parts.append(_rule(ids, ~pl.struct(ROW_KEY, "id").is_first_distinct(), "duplicate_member_id",
                       pl.format("members[{}].id", INDEX_KEY), _MEMBER_RANK, member_rank=rank + 3,
                       shown=_shown(pl.col("id"))))
    return parts
