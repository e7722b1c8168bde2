"""Validate a household file completely, in one pass, without writing to the registry.

read → layout → text to typed values → units → the engine's record rules (``standards.validate_frames``, the
same rules as a single record, run column-wise) → what a workbook adds (household code and member links,
relations against ages, citizen IDs unique in the file and in the registry) → matching with the registry
(new / changed / unchanged). Every error names its sheet, row (the spreadsheet's own number), column and record
field. The result is what ``stage`` stores and ``commit`` writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from giamngheo.households.records import plain_error
from giamngheo.imports import columns as cols
from giamngheo.imports import layout as lay
from giamngheo.imports.convert import ERROR_SCHEMA, MASKED, convert
from giamngheo.imports.layout import SHEET
from giamngheo.imports.match import match_registry
from giamngheo.imports.read import ROW, RawSheet, read_file
from giamngheo.imports.units import resolve
from giamngheo.standards import RecordError
from giamngheo.standards import record as rec
from giamngheo.standards.frame_validate import validate_frames

HH = "_row"  # household key: position of the household in the file
IDX = "_index"  # member position inside its household
MAX_HOUSEHOLDS = 2_000_000
MAX_ERRORS_KEPT = 200_000  # every error is counted; this many are kept for the workbook and the page


FULL_ERROR_SCHEMA = {SHEET: pl.String, ROW: pl.Int64, "column": pl.String, "column_index": pl.Int64,
                     "field": pl.String, "value": pl.String, "message": pl.String}


@dataclass
class Validation:
    layout: str = ""
    households: pl.DataFrame = field(default_factory=pl.DataFrame)
    members: pl.DataFrame = field(default_factory=pl.DataFrame)
    errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FULL_ERROR_SCHEMA))
    ignored_columns: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    diffs: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    summary_extra: dict[str, Any] = field(default_factory=dict)  # kept in the job's summary (``imports.odk``)




def _field_path(sheet: cols.Sheet, name: str) -> str:
    try:
        return cols.column(sheet, name).path
    except StopIteration:
        return name


def _locate(errors: pl.DataFrame, layout: lay.Layout, sheet: cols.Sheet) -> pl.DataFrame:
    """Errors of one sheet (``field`` = column name) with the header and index of the column they are in."""
    if errors.is_empty():
        return pl.DataFrame(schema=FULL_ERROR_SCHEMA)
    names = errors["field"].unique().to_list()
    info = []
    for name in names:
        title, index = layout.cell(sheet, name)
        mapped = layout.households if title == layout.households.raw.title else layout.members
        header = mapped.raw.headers[index] if index is not None else ""
        info.append((name, index, header, _field_path(sheet, name)))
    table = pl.DataFrame(info, schema={"field": pl.String, "column_index": pl.Int64, "column": pl.String,
                                       "path": pl.String}, orient="row")
    return (errors.join(table, on="field", how="left")
            .select(SHEET, ROW, "column", "column_index", pl.col("path").alias("field"), "value", "message"))


def _error_frame(rows: pl.DataFrame, name: str, message: pl.Expr | str, value: pl.Expr | None = None) -> pl.DataFrame:
    """Errors on column ``name`` of the given rows (which carry ``_sheet``, ``_sheet_row`` and the column)."""
    msg = pl.lit(message) if isinstance(message, str) else message
    val = value if value is not None else (pl.col(name).cast(pl.String) if name in rows.columns
                                           else pl.lit(None, dtype=pl.String))
    return rows.select(pl.col(SHEET), pl.col(ROW), pl.lit(name).alias("field"), val.alias("value"),
                       msg.alias("message")).cast(ERROR_SCHEMA)  # type: ignore[arg-type]


def _link(households: pl.DataFrame, members: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, list[pl.DataFrame],
                                                                     list[pl.DataFrame]]:
    """Household keys and member positions; errors for codes missing, duplicated, or naming no household."""
    h_errors: list[pl.DataFrame] = []
    m_errors: list[pl.DataFrame] = []
    missing = households.filter(pl.col("id").is_null())
    if missing.height:
        h_errors.append(_error_frame(missing, "id", _("Thiếu mã hộ: mỗi hộ phải có mã hộ (để nối với các thành viên "
                                                      "và để nhận ra hộ khi nhập lại).")))
    households = households.filter(pl.col("id").is_not_null())
    dup = households.filter(pl.col("id").is_duplicated())
    if dup.height:
        first = dup.group_by("id").agg(pl.col(ROW).min().alias("first"))
        again = dup.join(first, on="id").filter(pl.col(ROW) != pl.col("first"))
        h_errors.append(_error_frame(again, "id", pl.format(_("Mã hộ bị trùng: đã có ở dòng {}."), pl.col("first"))))
    households = households.unique(subset=["id"], keep="first", maintain_order=True).with_row_index(HH).with_columns(
        pl.col(HH).cast(pl.Int64))
    members = members.join(households.select("id", HH), left_on=cols.HOUSEHOLD_KEY, right_on="id", how="left")
    orphans = members.filter(pl.col(HH).is_null())
    if orphans.height:
        m_errors.append(_error_frame(orphans, cols.HOUSEHOLD_KEY, pl.when(pl.col(cols.HOUSEHOLD_KEY).is_null())
                                     .then(pl.lit(_("Thiếu mã hộ của thành viên.")))
                                     .otherwise(pl.lit(_("Không có hộ nào mang mã này trong trang hộ gia đình.")))))
    members = members.filter(pl.col(HH).is_not_null())
    members = members.with_columns(pl.int_range(pl.len()).over(HH).cast(pl.Int64).alias(IDX))
    # A member without its own id gets its position (1, 2, …), as the household form numbers them.
    members = members.with_columns(pl.coalesce(pl.col("id"), (pl.col(IDX) + 1).cast(pl.String)).alias("id"))
    return households, members, h_errors, m_errors


def _record_errors(households: pl.DataFrame, members: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's record rules, column-wise, mapped back onto cells: (household errors, member errors)."""
    engine_h = [f.name for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS)
                if f.name not in ("province_code", "commune_code", "hamlet")]
    engine_m = [f.name for f in rec.MEMBER_FIELDS]
    found = validate_frames(households.select(HH, *[n for n in engine_h if n in households.columns]),
                            members.select(HH, IDX, *[n for n in engine_m if n in members.columns]))
    if found.is_empty():
        return pl.DataFrame(schema=ERROR_SCHEMA), pl.DataFrame(schema=ERROR_SCHEMA)
    # In the form's words, and on the field that must change (``income_basis`` naming an absent income → income).
    basis = households.select(HH, pl.col("income_basis").alias("_basis")) if "income_basis" in households.columns \
        else households.select(HH, pl.lit(None, dtype=pl.String).alias("_basis"))
    found = found.join(basis, on=HH, how="left", maintain_order="left")
    plain = [_plain(*row) for row in found.select("path", "code", "message_vi", "message_en", "_basis").iter_rows()]
    found = found.with_columns(pl.Series("path", [p for p, _m in plain], dtype=pl.String),
                               pl.Series("message_vi", [m for _p, m in plain], dtype=pl.String))
    found = found.with_columns(
        # members[2].birth_date → birth_date; members[1] → the birth date cell (birth date or age missing);
        # members → the relation cell of the first member (no head); dwelling.x[1] → x
        pl.col("path").str.extract(r"^members\[\d+\]\.([a-z0-9_]+)", 1).alias("member_field"),
        pl.col("path").str.extract(r"^(?:dwelling\.)?([a-z0-9_]+)", 1).alias("household_field"),
    )
    on_member = found.filter(pl.col("path").str.starts_with("members[") | (pl.col("code") == "no_head"))
    on_household = found.filter(~(pl.col("path").str.starts_with("members[") | (pl.col("code") == "no_head")))
    on_member = on_member.with_columns(
        pl.when(pl.col("code") == "no_head").then(pl.lit("relation"))
        .when(pl.col("member_field").is_null()).then(pl.lit("birth_date"))
        .otherwise(pl.col("member_field")).alias("field"),
        pl.col(IDX).fill_null(0),
    )
    member_rows = members.select(HH, IDX, SHEET, ROW, *[pl.col(n).cast(pl.String).alias(f"v_{n}")
                                                         for n in engine_m if n in members.columns])
    m = on_member.join(member_rows, on=[HH, IDX], how="left")
    m_values = pl.lit(None, dtype=pl.String)
    for name in engine_m:
        if f"v_{name}" in m.columns:
            m_values = pl.when(pl.col("field") == name).then(pl.col(f"v_{name}")).otherwise(m_values)
    m_err = m.select(SHEET, ROW, "field", m_values.alias("value"), pl.col("message_vi").alias("message"))
    household_rows = households.select(HH, SHEET, ROW, *[pl.col(n).cast(pl.String).alias(f"v_{n}")
                                                         for n in engine_h if n in households.columns
                                                         and n != "information_devices"])
    h = on_household.with_columns(pl.col("household_field").alias("field")).join(household_rows, on=HH, how="left")
    h_values = pl.lit(None, dtype=pl.String)
    for name in engine_h:
        if f"v_{name}" in h.columns:
            h_values = pl.when(pl.col("field") == name).then(pl.col(f"v_{name}")).otherwise(h_values)
    h_err = h.select(SHEET, ROW, "field", h_values.alias("value"), pl.col("message_vi").alias("message"))
    return h_err.cast(ERROR_SCHEMA), m_err.cast(ERROR_SCHEMA)  # type: ignore[arg-type]


def _plain(path: str, code: str, message_vi: str, message_en: str, basis: str | None) -> tuple[str, str]:
    """An engine error in the words of the form (field labels, never record keys: ``households.records``)."""
    return plain_error({"income_basis": basis}, RecordError(path, code, message_vi, message_en))


def _ages(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Relations against ages: a child or grandchild older than the head, a parent or grandparent younger."""
    if "birth_date" not in members.columns and "age" not in members.columns:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    frame = members.join(households.select(HH, "reference_date"), on=HH, how="left")
    birth = pl.col("birth_date") if "birth_date" in frame.columns else pl.lit(None, dtype=pl.Date)
    age_given = pl.col("age") if "age" in frame.columns else pl.lit(None, dtype=pl.Int64)
    years = ((pl.col("reference_date") - birth).dt.total_days() / 365.2425).floor().cast(pl.Int64)
    frame = frame.with_columns(pl.coalesce(years, age_given).alias("_age"))
    heads = frame.filter(pl.col("relation") == "head").group_by(HH).agg(pl.col("_age").first().alias("_head_age"))
    frame = frame.join(heads, on=HH, how="inner").filter(pl.col("_age").is_not_null()
                                                        & pl.col("_head_age").is_not_null())
    younger = frame.filter(pl.col("relation").is_in(["child", "grandchild"]) & (pl.col("_age") >= pl.col("_head_age")))
    older = frame.filter(pl.col("relation").is_in(["parent", "grandparent"]) & (pl.col("_age") <= pl.col("_head_age")))
    target = "birth_date" if "birth_date" in members.columns else "age"
    parts = []
    if younger.height:
        parts.append(_error_frame(younger, target, pl.format(
            _("Tuổi không hợp với quan hệ: thành viên là con/cháu ({} tuổi) nhưng không nhỏ tuổi hơn chủ hộ ({} tuổi)."),
            pl.col("_age"), pl.col("_head_age"))))
    if older.height:
        parts.append(_error_frame(older, target, pl.format(
            _("Tuổi không hợp với quan hệ: thành viên là bố mẹ/ông bà ({} tuổi) nhưng không lớn tuổi hơn chủ hộ "
              "({} tuổi)."), pl.col("_age"), pl.col("_head_age"))))
    return pl.concat(parts) if parts else pl.DataFrame(schema=ERROR_SCHEMA)


def _citizen_ids_in_file(members: pl.DataFrame) -> pl.DataFrame:
    if "citizen_id" not in members.columns:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    known = members.filter(pl.col("citizen_id").is_not_null())
    dup = known.filter(pl.col("citizen_id").is_duplicated())
    if not dup.height:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    first = dup.group_by("citizen_id").agg(pl.col(ROW).min().alias("first"))
    again = dup.join(first, on="citizen_id").filter(pl.col(ROW) != pl.col("first"))
    return _error_frame(again, "citizen_id", pl.format(
        _("Số định danh này đã ghi cho một người khác ở dòng {} của tệp; mỗi người chỉ thuộc một hộ."),
        pl.col("first")))


def validate_file(path: Path, *, actor: Any, on_progress: Callable[..., None] | None = None,
                  sheets: list[RawSheet] | None = None) -> Validation:
    """Everything wrong with the file, and, where nothing is, what a commit would write. ``sheets``: the file
    already read (``imports.odk`` reads a submissions export into the two sheets)."""
    progress = on_progress or (lambda **_kw: None)
    result = Validation()
    sheets = read_file(path) if sheets is None else sheets
    layout = lay.detect(sheets)
    result.layout = layout.kind
    result.ignored_columns = layout.households.ignored + (layout.members.ignored if layout.kind == "two_sheets"
                                                          else [])
    layout_errors = pl.DataFrame(
        # A missing column is named by the header it should have had; a duplicated one by its own.
        [(e.sheet, e.row, e.header or e.value, e.column, e.field, e.value, e.message) for e in layout.errors],
        schema=FULL_ERROR_SCHEMA, orient="row")
    if any(e.fatal for e in layout.errors):
        result.errors = layout_errors
        result.counts = {"households": {"new": 0, "changed": 0, "unchanged": 0, "invalid": 0},
                         "members": {"new": 0, "changed": 0, "unchanged": 0, "invalid": 0}}
        return result
    # Fields whose column is missing: reported once on the header row, not again on every row.
    missing = {name for e in layout.errors for name in e.missing}
    text_households, text_members = lay.frames(layout)
    progress(parsed=text_households.height + text_members.height)
    if text_households.height > MAX_HOUSEHOLDS:
        raise ValueError(_("Tệp có %(count)d hộ, nhiều hơn mức tối đa %(max)d hộ một lần nhập; hãy chia tệp.")
                         % {"count": text_households.height, "max": MAX_HOUSEHOLDS})
    households, h_conv = convert(text_households, cols.HOUSEHOLDS)
    members, m_conv = convert(text_members, cols.MEMBERS)
    conflicts = lay.one_sheet_conflicts(layout)
    h_errors = [h_conv]
    m_errors = [m_conv]
    if conflicts.height:
        h_errors.append(conflicts.select(SHEET, ROW, "field", "value", pl.format(
            _("Khác với dòng đầu của hộ ({}): một hộ chỉ có một giá trị cho cột này."), pl.col("first")
        ).alias("message")).cast(ERROR_SCHEMA))  # type: ignore[arg-type]
    households, members, link_h, link_m = _link(households, members)
    h_errors += link_h
    m_errors += link_m
    households = resolve(households, actor)
    for name, message in (("commune", "commune_message"), ("hamlet", "hamlet_message"),
                          ("province", "province_message")):
        bad = households.filter(pl.col(message).is_not_null())
        if not bad.height:
            continue
        if name == "commune":
            for target in ("commune_code", cols.COMMUNE_NAME):
                part = bad.filter(pl.col("commune_field") == target)
                if part.height:
                    value = pl.col("commune_code_in") if target == "commune_code" else pl.col(cols.COMMUNE_NAME)
                    h_errors.append(_error_frame(part, target, pl.col(message), value))
        else:
            target = "hamlet" if name == "hamlet" else "province_code"
            value = pl.col("hamlet") if name == "hamlet" else pl.col("province_code_in")
            h_errors.append(_error_frame(bad, target, pl.col(message), value))
    progress(validated=households.height // 2 + members.height // 2)
    # Masked IDs are resolved by the registry match below; the pattern rule must not see them first.
    unmasked = members.with_columns(pl.when(pl.col("citizen_id").str.contains(MASKED)).then(None)
                                    .otherwise(pl.col("citizen_id")).alias("citizen_id")
                                    ) if "citizen_id" in members.columns else members
    record_h, record_m = _record_errors(households, unmasked)
    h_errors.append(record_h)
    m_errors.append(record_m)
    matched = match_registry(households, members, actor=actor)
    m_errors.append(_citizen_ids_in_file(matched.members))
    # Relations against ages is the import's own plausibility check (the household form does not make it): it
    # judges what the file brings in, not stored households the file leaves as they are.
    touched = matched.households.filter(pl.col("_action") != "unchanged").select(HH)
    m_errors.append(_ages(matched.households.join(touched, on=HH, how="semi"),
                          matched.members.join(touched, on=HH, how="semi")))
    h_errors.append(matched.household_errors)
    m_errors.append(matched.member_errors)
    households, members = matched.households, matched.members
    all_h = pl.concat([e for e in h_errors if e.height]).unique(maintain_order=True) if any(
        e.height for e in h_errors) else pl.DataFrame(schema=ERROR_SCHEMA)
    all_m = pl.concat([e for e in m_errors if e.height]).unique(maintain_order=True) if any(
        e.height for e in m_errors) else pl.DataFrame(schema=ERROR_SCHEMA)
    # A cell that could not be read is null afterwards: the rules would only repeat "missing" for it.
    all_h = _as_written(_drop_echoes(all_h, h_conv).filter(~pl.col("field").is_in(_missing_fields(missing))),
                        text_households)
    all_m = _as_written(_drop_echoes(all_m, m_conv).filter(~pl.col("field").is_in(_missing_fields(missing))),
                        text_members)
    located = pl.concat([_locate(all_h, layout, cols.HOUSEHOLDS), _locate(all_m, layout, cols.MEMBERS)])
    result.errors = pl.concat([layout_errors, located]).sort(SHEET, ROW, "column_index", nulls_last=True)
    bad_households = pl.concat([
        households.join(all_h.select(SHEET, ROW).unique(), on=[SHEET, ROW], how="semi").select(HH),
        members.join(all_m.select(SHEET, ROW).unique(), on=[SHEET, ROW], how="semi").select(HH),
    ]).unique()
    households = households.with_columns(pl.col(HH).is_in(bad_households[HH].implode()).alias("_invalid"))
    members = members.join(households.select(HH, "_invalid"), on=HH, how="left")
    households = _denormalised(households, members)
    result.households, result.members, result.diffs = households, members, matched.diffs
    result.counts = _counts(households, members)
    progress(validated=households.height + members.height)
    return result


def fold_expr(expr: pl.Expr) -> pl.Expr:
    """``core.text.fold`` as an expression (the registry's search text is folded this way)."""
    return (expr.str.replace_many({"đ": "d", "Đ": "d"}).str.normalize("NFD").str.replace_all(r"\p{Mn}", "")
            .str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars())


def _denormalised(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """What list pages show, as the household services store it: head's name, member count, search text."""
    name = pl.col("name") if "name" in members.columns else pl.lit(None, dtype=pl.String)
    per_household = members.sort(HH, IDX).group_by(HH).agg(
        name.filter(pl.col("relation") == "head").first().alias("head_name"),
        pl.len().cast(pl.Int64).alias("member_count"),
        name.drop_nulls().str.join(" ").alias("_names"),
    )
    frame = households.join(per_household, on=HH, how="left")
    return frame.with_columns(
        pl.col("head_name").fill_null(""), pl.col("member_count").fill_null(0),
        fold_expr(pl.concat_str([pl.col("code"), pl.col("hamlet_name"), pl.col("_names")], separator=" ",
                                ignore_nulls=True)).alias("search_text"),
    ).drop("_names")


def _as_written(errors: pl.DataFrame, text: pl.DataFrame) -> pl.DataFrame:
    """Each error's value as the cell was written ("31/02/1990", "Chủ hộ"), not as it was read."""
    if errors.is_empty():
        return errors
    rows = text.join(errors.select(SHEET, ROW).unique(), on=[SHEET, ROW], how="semi")
    cells = rows.unpivot(index=[SHEET, ROW], variable_name="field", value_name="_raw")
    return (errors.join(cells, on=[SHEET, ROW, "field"], how="left")
            .with_columns(pl.coalesce("_raw", "value").alias("value")).drop("_raw"))


def _missing_fields(missing: set[str]) -> list[str]:
    """Cell errors that only repeat a missing column: its own "required", and the commune's "write a code or a
    name" when both are missing (``birth_date``/``age``: the member's "birth date or age" lands on birth_date)."""
    fields = set(missing)
    if "commune_code" in missing:
        fields.add(cols.COMMUNE_NAME)
    return sorted(fields)


def _drop_echoes(errors: pl.DataFrame, conversion: pl.DataFrame) -> pl.DataFrame:
    if errors.is_empty() or conversion.is_empty():
        return errors
    converted = conversion.select(SHEET, ROW, "field").with_columns(pl.lit(True).alias("_conv"))
    joined = errors.join(converted.unique(), on=[SHEET, ROW, "field"], how="left")
    is_conversion = joined["message"].is_in(conversion["message"].implode())
    return joined.filter(pl.col("_conv").is_null() | is_conversion).drop("_conv")


def _counts(households: pl.DataFrame, members: pl.DataFrame) -> dict[str, dict[str, int]]:
    def tally(frame: pl.DataFrame, column: str) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0, "invalid": 0}
        if frame.is_empty():
            return counts
        labelled = frame.select(pl.when(pl.col("_invalid")).then(pl.lit("invalid")).otherwise(pl.col(column))
                                .alias("k")).group_by("k").len()
        for key, n in labelled.iter_rows():
            if key in counts:
                counts[key] = int(n)
        return counts

    return {"households": tally(households, "_action"), "members": tally(members, "_action")}
