"""A past recognised list (poor, near-poor…) brought into the yearly ledger: validate, then commit.

One sheet, one row per household and year: the household by its code (``Mã hộ``), or by its head's name and
citizen ID (``Họ tên chủ hộ`` + ``Số định danh chủ hộ``, matched only where the importer may see citizen IDs);
the class (``Phân loại``), the year (``Năm``), the standard (``Chuẩn nghèo``, default the national standard of
that year), the decision's number and date (``Số quyết định``, ``Ngày quyết định``) and, optionally, the
commune's code (``Mã xã/phường``, which must be the household's). Headers are matched as ``columns.header_key``
describes; the English names (``household_code``, ``class``, ``decision_date``…) are accepted too.

Every problem of the file is reported in one pass, column-wise with Polars, at the cell to fix. The rules of
the ledger itself (never overwrite what a review wrote, an identical earlier import is *unchanged*, a decision
number names one decision per commune) are the reviews service's (``reviews.services.imported``); they are
asked here to report, and run again inside the commit's transaction.

``changed`` is always 0: an import never changes a ledger entry. A row identical to an earlier import is
*unchanged*; a different one is an error that sends the officer to the review's correction flow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from giamngheo.accounts.scope import can_see_citizen_id
from giamngheo.households.models import Household, Member
from giamngheo.imports import columns as cols
from giamngheo.imports.convert import ERROR_SCHEMA, _clean, _date, folded
from giamngheo.imports.layout import SHEET
from giamngheo.imports.models import ImportedHousehold
from giamngheo.imports.read import ROW, RawSheet, read_file
from giamngheo.imports.validate import FULL_ERROR_SCHEMA, fold_expr
from giamngheo.reviews import engine
from giamngheo.reviews import services as review_services
from giamngheo.reviews.models import LedgerClass
from giamngheo.standards.definition import (
    StandardError,
    get_standard,
    list_standards,
    national_standard_for_year,
)

FIRST_YEAR = 2016  # the first year of the 2016–2020 standard: no recognised list before it is comparable
MAX_ROWS = 2_000_000
CHUNK = 5000
ENTRY_COUNTS = ("new", "changed", "unchanged", "invalid")
# The validated rows as stored between validation and commit (``storage.LEDGER_PARQUET``).
ENTRY_SCHEMA: dict[str, Any] = {
    SHEET: pl.String, ROW: pl.Int64, "code": pl.String, "household_id": pl.Int64, "unit_path": pl.String,
    "commune_id": pl.Int64, "year": pl.Int64, "standard_id": pl.String, "series": pl.String, "klass": pl.String,
    "decision_number": pl.String, "decision_date": pl.Date, "_action": pl.String, "_invalid": pl.Boolean,
}


@dataclass(frozen=True)
class LedgerColumn:
    name: str  # the field an error names, also accepted as the English header
    header: str  # the Vietnamese header of the list
    variants: tuple[str, ...] = ()

    def header_keys(self) -> set[str]:
        return {cols.header_key(self.header), cols.header_key(self.name), *map(cols.header_key, self.variants)} - {""}


COLUMNS = (
    LedgerColumn("household_code", "Mã hộ", ("Mã hộ gia đình", "Mã số hộ", "code", "household_id")),
    LedgerColumn("head_name", "Họ tên chủ hộ", ("Họ và tên chủ hộ", "Tên chủ hộ", "Chủ hộ")),
    LedgerColumn("head_citizen_id", "Số định danh chủ hộ", (
        "Số định danh cá nhân chủ hộ", "Số định danh cá nhân của chủ hộ", "Số định danh của chủ hộ", "CCCD chủ hộ",
        "Số CCCD chủ hộ", "Số căn cước chủ hộ", "Căn cước công dân chủ hộ")),
    LedgerColumn("class", "Phân loại", ("Phân loại hộ", "Loại hộ", "klass")),
    LedgerColumn("year", "Năm", ("Năm rà soát", "Năm công nhận")),
    LedgerColumn("standard_id", "Chuẩn nghèo", ("Chuẩn", "standard", "Chuẩn nghèo áp dụng")),
    LedgerColumn("decision_number", "Số quyết định", ("Số QĐ", "Quyết định số", "Số quyết định công nhận")),
    LedgerColumn("decision_date", "Ngày quyết định", ("Ngày ký quyết định", "Ngày QĐ", "Ngày ký",
                                                      "Ngày quyết định công nhận")),
    LedgerColumn("commune_code", "Mã xã/phường", ("Mã xã", "Mã phường", "Mã đơn vị hành chính cấp xã")),
)
NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = ("class", "year", "decision_number", "decision_date")

# Spellings of a class beyond the ledger's own labels and codes (compared folded).
_CLASS_VARIANTS: dict[str, tuple[str, ...]] = {
    LedgerClass.POOR: ("nghèo", "HN", "poor"),
    LedgerClass.NEAR_POOR: ("cận nghèo", "HCN", "near poor", "near_poor"),
    LedgerClass.AVERAGE: ("mức sống trung bình", "trung bình", "hộ mức sống trung bình", "average"),
    LedgerClass.NONE: ("không nghèo", "không thuộc diện nghèo, cận nghèo", "none"),
}
# Escaping is a movement between two years, not a status: the ledger computes it from the statuses.
_ESCAPE_WORDS = ("thoát nghèo", "hộ thoát nghèo", "thoát cận nghèo", "hộ thoát cận nghèo", "escaped")


@dataclass
class LedgerValidation:
    layout: str = "one_sheet"
    entries: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ENTRY_SCHEMA))
    errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FULL_ERROR_SCHEMA))
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"entries": dict.fromkeys(ENTRY_COUNTS, 0)})
    ignored_columns: list[str] = field(default_factory=list)
    diffs: dict[str, Any] = field(default_factory=dict)


def class_labels() -> dict[str, str]:
    with translation.override("vi"):
        return {str(code): str(label) for code, label in LedgerClass.choices if code in IMPORTABLE}


IMPORTABLE = tuple(str(c) for c in review_services.IMPORTABLE_CLASSES)


def _class_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in class_labels().items():
        table[cols.answer_key(code)] = code
        table[cols.answer_key(label)] = code
        for spelling in _CLASS_VARIANTS.get(code, ()):
            table.setdefault(cols.answer_key(spelling), code)
    return table


# --- layout ---------------------------------------------------------------------------------------------------

def _map_sheet(raw: RawSheet) -> tuple[dict[str, int], list[str], list[tuple[int, str, str]]]:
    """(field → column index, ignored headers, duplicated columns as (index, header, field))."""
    table = {key: c.name for c in COLUMNS for key in c.header_keys()}
    fields: dict[str, int] = {}
    ignored: list[str] = []
    twice: list[tuple[int, str, str]] = []
    for index, header in enumerate(raw.headers):
        name = table.get(cols.header_key(header))
        if name is None:
            if header:
                ignored.append(header)
        elif name in fields:
            twice.append((index, header, name))
        else:
            fields[name] = index
    return fields, ignored, twice


def _layout(sheets: list[RawSheet]) -> tuple[RawSheet, dict[str, int], list[str], list[tuple[Any, ...]]]:
    """The sheet holding the list (the one with most known columns) and what is wrong with its header row."""
    mapped = [(raw, *_map_sheet(raw)) for raw in sheets]
    raw, fields, ignored, twice = max(mapped, key=lambda m: len(m[1]))
    problems: list[tuple[Any, ...]] = []
    for index, header, name in twice:
        problems.append((index, header, name, _("Cột “%(header)s” trùng với cột “%(first)s”; hãy xoá hoặc đổi tên một "
                                                "cột.") % {"header": header, "first": raw.headers[fields[name]]}))
    labels = {c.name: c.header for c in COLUMNS}
    for name in REQUIRED:
        if name not in fields:
            problems.append((None, "", name, _("Thiếu cột “%(label)s” ở dòng tiêu đề.") % {"label": labels[name]}))
    if "household_code" not in fields and not ("head_name" in fields and "head_citizen_id" in fields):
        problems.append((None, "", "household_code", _(
            "Thiếu cột “Mã hộ” (hoặc cả hai cột “Họ tên chủ hộ” và “Số định danh chủ hộ”) ở dòng tiêu đề.")))
    return raw, fields, ignored, problems


# --- errors ---------------------------------------------------------------------------------------------------

def _error(rows: pl.DataFrame, name: str | pl.Expr, message: str | pl.Expr) -> pl.DataFrame:
    """Errors on the cell of column ``name`` (a field name, or an expression giving one per row) of ``rows``;
    the value shown is the cell as written."""
    target = pl.lit(name) if isinstance(name, str) else name
    msg = pl.lit(message) if isinstance(message, str) else message
    value = pl.lit(None, dtype=pl.String)
    for column in NAMES:
        value = pl.when(target == column).then(pl.col(f"raw_{column}")).otherwise(value)
    return rows.select(pl.col(SHEET), pl.col(ROW), target.alias("field"), value.alias("value"),
                       msg.alias("message")).cast(ERROR_SCHEMA)  # type: ignore[arg-type]


def _located(errors: pl.DataFrame, raw: RawSheet, fields: dict[str, int]) -> pl.DataFrame:
    info = pl.DataFrame([(name, fields.get(name), raw.headers[fields[name]] if name in fields else "")
                         for name in NAMES], schema={"field": pl.String, "column_index": pl.Int64,
                                                     "column": pl.String}, orient="row")
    return (errors.join(info, on="field", how="left")
            .select(SHEET, ROW, "column", "column_index", "field", "value", "message")
            .unique(maintain_order=True).sort(ROW, "column_index", nulls_last=True, maintain_order=True))


def _date_text(name: str) -> pl.Expr:
    return pl.col(name).dt.strftime("%d/%m/%Y")


# --- reading the registry -------------------------------------------------------------------------------------

_HOUSEHOLD_SCHEMA = {"h_code": pl.String, "h_pk": pl.Int64, "h_path": pl.String, "h_commune": pl.Int64,
                     "h_commune_code": pl.String, "h_province": pl.String}


def _by_code(codes: list[str]) -> pl.DataFrame:
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(codes), CHUNK):
        rows += Household.objects.filter(code__in=codes[start:start + CHUNK], deleted_at__isnull=True).values_list(
            "code", "pk", "unit_path", "commune_id", "commune__code", "commune__parent__code")
    return pl.DataFrame(rows, schema=_HOUSEHOLD_SCHEMA, orient="row")


def _by_head(citizen_ids: list[str], actor: Any) -> pl.DataFrame:
    """Heads of live households by citizen ID, only where the actor may see citizen IDs: anywhere else a match
    would tell them whose ID it is."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(citizen_ids), CHUNK):
        rows += Member.objects.filter(citizen_id__in=citizen_ids[start:start + CHUNK], relation="head",
                                      household__deleted_at__isnull=True).values_list(
            "citizen_id", "name", "household__code", "household_id", "household__unit_path", "household__commune_id",
            "household__commune__code", "household__commune__parent__code")
    frame = pl.DataFrame(rows, schema={"cid": pl.String, "registry_head": pl.String,
                                       **{f"{k}_by_head": v for k, v in _HOUSEHOLD_SCHEMA.items()}}, orient="row")
    visible = {p: can_see_citizen_id(actor, p) for p in frame["h_path_by_head"].unique().to_list()}
    return frame.filter(pl.col("h_path_by_head").replace_strict(visible, return_dtype=pl.Boolean, default=False)
                        ).unique(subset=["cid"], keep="first")


def _standards(ids: list[str]) -> pl.DataFrame:
    rows = []
    for standard_id in ids:
        try:
            standard = get_standard(standard_id)
        except StandardError:
            continue
        rows.append((standard_id, standard.first_review_year, standard.last_review_year, standard.province_code,
                     engine.series_of(standard_id)))
    return pl.DataFrame(rows, schema={"standard_id": pl.String, "s_first": pl.Int64, "s_last": pl.Int64,
                                      "s_province": pl.String, "series": pl.String}, orient="row")


def _national_by_year(years: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for year in years:
        try:
            found[year] = national_standard_for_year(year).id
        except StandardError:
            continue
    return found


# --- validation -----------------------------------------------------------------------------------------------

def _typed(text: pl.DataFrame, today: dt.date) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Cells → values, with an error for every cell that cannot be read or is missing."""
    frame = text.with_columns(
        _clean(pl.col("raw_household_code")).alias("code"),
        _clean(pl.col("raw_head_name")).alias("head_name"),
        _clean(pl.col("raw_head_citizen_id")).str.replace_all(r"[\s.\-]", "").alias("cid"),
        folded(_clean(pl.col("raw_class"))).alias("class_key"),
        _clean(pl.col("raw_year")).str.replace(r"\.0+$", "").alias("year_text"),
        _clean(pl.col("raw_standard_id")).str.replace_all(r"\s*[–—-]\s*", "-").alias("standard_given"),
        _clean(pl.col("raw_decision_number")).alias("decision_number"),
        _date(_clean(pl.col("raw_decision_date"))).alias("decision_date"),
        _clean(pl.col("raw_commune_code")).alias("commune_code"),
    ).with_columns(
        pl.col("class_key").replace_strict(_class_table(), default=None, return_dtype=pl.String).alias("klass"),
        pl.when(pl.col("year_text").str.contains(r"^\d{4}$")).then(pl.col("year_text").cast(pl.Int64, strict=False))
        .alias("year_read"),
    ).with_columns(
        pl.when(pl.col("year_read").is_between(FIRST_YEAR, today.year)).then(pl.col("year_read")).alias("year"),
    )
    errors: list[pl.DataFrame] = []

    def add(condition: pl.Expr, name: str, message: str | pl.Expr) -> None:
        rows = frame.filter(condition)
        if rows.height:
            errors.append(_error(rows, name, message))

    add(pl.col("code").is_null() & (pl.col("head_name").is_null() | pl.col("cid").is_null()), "household_code",
        _("Thiếu mã hộ: ghi mã hộ, hoặc ghi cả họ tên và số định danh của chủ hộ."))
    add(pl.col("cid").is_not_null() & ~pl.col("cid").str.contains(r"^\d{12}$"), "head_citizen_id",
        _("Số định danh cá nhân phải gồm đúng 12 chữ số. Nếu Excel đã bỏ mất số 0 ở đầu, hãy định dạng cột là Văn "
          "bản (Text) rồi gõ lại."))
    add(pl.col("class_key").is_null(), "class", _("Thiếu phân loại hộ."))
    escape = pl.col("class_key").is_in([cols.answer_key(w) for w in _ESCAPE_WORDS])
    add(escape, "class", _("“Thoát nghèo”, “thoát cận nghèo” không phải là phân loại của một năm: hãy ghi phân loại "
                           "của hộ sau khi thoát (Hộ cận nghèo, Hộ có mức sống trung bình hoặc Hộ không thuộc diện "
                           "nghèo, cận nghèo); hệ thống tự tính hộ thoát nghèo khi so với năm trước."))
    add(pl.col("class_key").is_not_null() & pl.col("klass").is_null() & ~escape, "class",
        _("Phân loại không có trong danh sách; chọn một trong: %(allowed)s.")
        % {"allowed": ", ".join(class_labels().values())})
    add(pl.col("year_text").is_null(), "year", _("Thiếu năm của danh sách."))
    add(pl.col("year_text").is_not_null() & pl.col("year_read").is_null(), "year",
        _("Năm phải là số có 4 chữ số, ví dụ 2025."))
    add(pl.col("year_read").is_not_null() & pl.col("year").is_null(), "year",
        _("Năm phải từ %(first)d đến %(last)d.") % {"first": FIRST_YEAR, "last": today.year})
    add(pl.col("decision_number").is_null(), "decision_number", _("Thiếu số quyết định công nhận."))
    add(_clean(pl.col("raw_decision_date")).is_null(), "decision_date", _("Thiếu ngày quyết định công nhận."))
    add(_clean(pl.col("raw_decision_date")).is_not_null() & pl.col("decision_date").is_null(), "decision_date",
        _("Ngày quyết định không phải ngày hợp lệ (ghi theo dạng ngày/tháng/năm, ví dụ 20/12/2025)."))
    add(pl.col("decision_date") > today, "decision_date", _("Ngày quyết định không được sau ngày hôm nay."))
    add(pl.col("year").is_not_null() & pl.col("decision_date").is_not_null()
        & ((pl.col("decision_date").dt.year() < pl.col("year"))
           | (pl.col("decision_date").dt.year() > pl.col("year") + 1)), "decision_date",
        pl.format(_("Ngày quyết định phải trong năm {} hoặc năm {} (danh sách năm {})."), pl.col("year"),
                  pl.col("year") + 1, pl.col("year")))
    # Rows with a bad citizen ID are matched by nothing.
    frame = frame.with_columns(pl.when(pl.col("cid").str.contains(r"^\d{12}$")).then(pl.col("cid")).alias("cid"))
    return frame, errors


def _matched(frame: pl.DataFrame, actor: Any) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The registry's household of every row, by code or by head; errors for unknown or out-of-scope ones. A row
    whose household is out of scope is treated as unmatched from here on, so no later message tells anything
    about that household."""
    errors: list[pl.DataFrame] = []
    codes = frame["code"].drop_nulls().unique().to_list()
    wanted_ids = frame.filter(pl.col("code").is_null())["cid"].drop_nulls().unique().to_list()
    by_code = _by_code(codes)
    by_head = _by_head(wanted_ids, actor)
    frame = frame.join(by_code, left_on="code", right_on="h_code", how="left", coalesce=False)
    frame = frame.join(by_head, on="cid", how="left")
    use_code = pl.col("code").is_not_null()
    frame = frame.with_columns(
        pl.when(use_code).then(pl.lit("household_code")).otherwise(pl.lit("head_citizen_id")).alias("key_field"),
        *[pl.when(use_code).then(pl.col(k)).otherwise(pl.col(f"{k}_by_head")).alias(k) for k in _HOUSEHOLD_SCHEMA],
    )
    unknown = frame.filter(use_code & pl.col("h_pk").is_null())
    if unknown.height:
        errors.append(_error(unknown, "household_code", _("Không có hộ nào mang mã này trong hệ thống.")))
    no_head = frame.filter(~use_code & pl.col("cid").is_not_null() & pl.col("h_pk").is_null())
    if no_head.height:
        errors.append(_error(no_head, "head_citizen_id", _(
            "Không tìm thấy chủ hộ nào có số định danh này trong địa bàn bạn được xem số định danh.")))
    other_name = ~use_code & pl.col("h_pk").is_not_null() & pl.col("head_name").is_not_null() & (
        fold_expr(pl.col("head_name")) != fold_expr(pl.col("registry_head")))
    wrong = frame.filter(other_name)
    if wrong.height:
        errors.append(_error(wrong, "head_name", pl.format(
            _("Họ tên chủ hộ không khớp với chủ hộ mang số định danh này trong hệ thống ({}, hộ {})."),
            pl.col("registry_head"), pl.col("h_code"))))
    scope = review_services.import_scope(actor)
    allowed = {p: review_services.may_import_for(scope, p) for p in frame["h_path"].drop_nulls().unique().to_list()}
    outside = pl.col("h_pk").is_not_null() & ~pl.col("h_path").replace_strict(allowed, default=False,
                                                                               return_dtype=pl.Boolean)
    rows = frame.filter(outside)
    if rows.height:
        errors.append(_error(rows, pl.col("key_field"), _(
            "Hộ này thuộc địa bàn bạn không được giao nhập dữ liệu; không ghi được vào sổ theo dõi của hộ.")))
    gone = outside | other_name
    frame = frame.with_columns([pl.when(gone).then(None).otherwise(pl.col(k)).alias(k) for k in _HOUSEHOLD_SCHEMA])
    commune = frame.filter(pl.col("h_pk").is_not_null() & pl.col("commune_code").is_not_null()
                           & (pl.col("commune_code") != pl.col("h_commune_code")))
    if commune.height:
        errors.append(_error(commune, "commune_code", pl.format(
            _("Mã xã/phường không khớp với xã/phường của hộ trong hệ thống ({})."), pl.col("h_commune_code"))))
    return frame, errors


def _with_standard(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The standard of every row (default: the national standard of its year) and its series; errors for an
    unknown standard, one that does not cover the year, or another province's local standard."""
    errors: list[pl.DataFrame] = []
    national = _national_by_year(frame["year"].drop_nulls().unique().to_list())
    frame = frame.with_columns(pl.coalesce(
        pl.col("standard_given"),
        pl.col("year").replace_strict(national, default=None, return_dtype=pl.String)).alias("standard_id"))
    table = _standards(frame["standard_id"].drop_nulls().unique().to_list())
    frame = frame.join(table, on="standard_id", how="left")
    unknown = frame.filter(pl.col("standard_given").is_not_null() & pl.col("s_first").is_null())
    if unknown.height:
        errors.append(_error(unknown, "standard_id", _("Không có chuẩn nghèo này; các chuẩn đã có: %(known)s.") % {
            "known": ", ".join(s.id for s in list_standards())}))
    years = frame.filter(pl.col("s_first").is_not_null() & pl.col("year").is_not_null()
                         & ~pl.col("year").is_between(pl.col("s_first"), pl.col("s_last")))
    if years.height:
        errors.append(_error(years, "standard_id", pl.format(
            _("Chuẩn nghèo {} áp dụng cho các năm {}–{}, không áp dụng cho năm {}."), pl.col("standard_id"),
            pl.col("s_first"), pl.col("s_last"), pl.col("year"))))
    local = frame.filter(pl.col("s_province").is_not_null() & pl.col("h_province").is_not_null()
                         & (pl.col("s_province") != pl.col("h_province")))
    if local.height:
        errors.append(_error(local, "standard_id", pl.format(
            _("Chuẩn nghèo {} là chuẩn riêng của một tỉnh khác, không áp dụng cho hộ này."), pl.col("standard_id"))))
    bad = pl.concat(errors).select(ROW).unique() if errors else pl.DataFrame(schema={ROW: pl.Int64})
    frame = frame.with_columns(pl.when(pl.col(ROW).is_in(bad[ROW].implode())).then(None).otherwise(pl.col("series"))
                               .alias("series"))
    return frame, errors


def _in_file(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """The same household twice for one year and series; one decision number with two dates in one commune."""
    errors: list[pl.DataFrame] = []
    keyed = frame.filter(pl.col("h_pk").is_not_null() & pl.col("year").is_not_null() & pl.col("series").is_not_null())
    first = pl.col(ROW).min().over("h_pk", "year", "series")
    twice = keyed.with_columns(first.alias("first")).filter(pl.col(ROW) != pl.col("first"))
    if twice.height:
        errors.append(_error(twice, pl.col("key_field"), pl.format(
            _("Hộ này đã có ở dòng {} cho cùng năm và cùng chuẩn nghèo; mỗi hộ chỉ ghi một dòng cho mỗi năm."),
            pl.col("first"))))
    decided = frame.filter(pl.col("h_commune").is_not_null() & pl.col("decision_number").is_not_null()
                           & pl.col("decision_date").is_not_null() & pl.col("year").is_not_null())
    group = ("h_commune", "decision_number")
    decided = decided.sort(ROW).with_columns(
        pl.col(ROW).first().over(group).alias("first"), pl.col("decision_date").first().over(group).alias("first_date"),
        pl.col("year").first().over(group).alias("first_year"))
    clash = decided.filter((pl.col("decision_date") != pl.col("first_date")) | (pl.col("year") != pl.col("first_year")))
    if clash.height:
        errors.append(_error(clash, "decision_number", pl.format(
            _("Số quyết định này đã ghi ở dòng {} với ngày {} cho danh sách năm {}; một quyết định chỉ có một ngày ký "
              "và một năm."), pl.col("first"), _date_text("first_date"), pl.col("first_year"))))
    return errors


def _against_ledger(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Decisions and ledger entries already stored: a decision number used with another date or by a review, a
    year a review already decided, a different earlier import. An identical earlier import is *unchanged*."""
    errors: list[pl.DataFrame] = []
    decisions = review_services.decisions_known(
        frame.filter(pl.col("h_commune").is_not_null()).select(pl.col("h_commune").alias("commune_id"),
                                                                "decision_number"))
    frame = frame.join(decisions.rename({"commune_id": "h_commune", "existing_date": "d_date",
                                         "existing_year": "d_year"}), on=["h_commune", "decision_number"], how="left")
    by_review = frame.filter(pl.col("decision_id").is_not_null() & ~pl.col("importable"))
    if by_review.height:
        errors.append(_error(by_review, "decision_number", _(
            "Quyết định số này đã được ghi qua quy trình rà soát trong hệ thống; không nhập thêm hộ vào quyết định "
            "này.")))
    other = frame.filter(pl.col("decision_id").is_not_null() & pl.col("importable") & pl.col("decision_date")
                         .is_not_null() & ((pl.col("d_date") != pl.col("decision_date"))
                                           | (pl.col("d_year") != pl.col("year"))))
    if other.height:
        errors.append(_error(other, "decision_number", pl.format(
            _("Số quyết định này đã được dùng ở xã này cho quyết định ngày {} (danh sách năm {}); hãy kiểm tra lại số "
              "hoặc ngày quyết định."), _date_text("d_date"), pl.col("d_year"))))
    keyed = frame.filter(pl.col("h_pk").is_not_null() & pl.col("year").is_not_null() & pl.col("series").is_not_null())
    held = review_services.standing(keyed.select(pl.col("h_pk").alias("household_id"), "year", "series"))
    frame = frame.join(held.rename({"household_id": "h_pk"}), on=["h_pk", "year", "series"], how="left")
    reviewed = frame.filter(pl.col("standing") == "review")
    if reviewed.height:
        errors.append(_error(reviewed, "year", pl.format(
            _("Hộ đã có kết quả rà soát năm {} ghi bởi quy trình rà soát; không ghi đè."), pl.col("year"))))
    same = ((pl.col("standing") == "import") & (pl.col("existing_klass") == pl.col("klass"))
            & (pl.col("existing_standard") == pl.col("standard_id"))
            & (pl.col("existing_number") == pl.col("decision_number"))
            & (pl.col("existing_date") == pl.col("decision_date"))).fill_null(False)
    frame = frame.with_columns(same.alias("_same"))
    labels = class_labels()
    differs = frame.filter((pl.col("standing") == "import") & ~pl.col("_same"))
    if differs.height:
        errors.append(_error(differs, "class", pl.format(
            _("Hộ đã được nhập vào sổ theo dõi năm {} là “{}” (chuẩn {}, quyết định số {} ngày {}); không ghi đè. Nếu "
              "danh sách đã nhập bị sai, hãy đính chính mục đó trong sổ theo dõi của hộ (chức năng đính chính của rà "
              "soát)."), pl.col("year"),
            pl.col("existing_klass").replace_strict(labels, default=pl.col("existing_klass"), return_dtype=pl.String),
            pl.col("existing_standard"), pl.col("existing_number").fill_null("—"),
            _date_text("existing_date").fill_null("—"))))
    return frame, errors


def validate_ledger_file(path: Path, *, actor: Any, on_progress: Callable[..., None] | None = None,
                         today: dt.date | None = None) -> LedgerValidation:
    """Everything wrong with a recognised list, and, where nothing is, the entries a commit would write.
    Never writes. ``today`` bounds the year and the decision date (default: the local date)."""
    progress = on_progress or (lambda **_kw: None)
    today = today or timezone.localdate()
    result = LedgerValidation()
    raw, fields, ignored, problems = _layout(read_file(path))
    result.ignored_columns = ignored
    if problems:
        result.errors = pl.DataFrame([(raw.title, raw.header_row, header, index, name, header, message)
                                      for index, header, name, message in problems],
                                     schema=FULL_ERROR_SCHEMA, orient="row")
        return result
    if raw.frame.height > MAX_ROWS:
        raise ValueError(_("Tệp có %(count)d dòng, nhiều hơn mức tối đa %(max)d dòng một lần nhập; hãy chia tệp.")
                         % {"count": raw.frame.height, "max": MAX_ROWS})
    text = raw.frame.select(
        pl.lit(raw.title).alias(SHEET), pl.col(ROW),
        *[(pl.col(f"c{fields[n]}") if n in fields else pl.lit(None, dtype=pl.String)).alias(f"raw_{n}")
          for n in NAMES])
    progress(parsed=text.height)
    frame, errors = _typed(text, today)
    frame, found = _matched(frame, actor)
    errors += found
    frame, found = _with_standard(frame)
    errors += found
    errors += _in_file(frame)
    progress(validated=text.height // 2)
    frame, found = _against_ledger(frame)
    errors += found
    all_errors = pl.concat(errors) if errors else pl.DataFrame(schema=ERROR_SCHEMA)
    result.errors = _located(all_errors, raw, fields)
    bad_rows = all_errors[ROW].unique().implode()
    entries = frame.select(
        SHEET, ROW, pl.col("h_code").alias("code"), pl.col("h_pk").alias("household_id"),
        pl.col("h_path").alias("unit_path"), pl.col("h_commune").alias("commune_id"), "year", "standard_id", "series",
        "klass", "decision_number", "decision_date",
        pl.when(pl.col("_same")).then(pl.lit("unchanged")).otherwise(pl.lit("new")).alias("_action"),
        pl.col(ROW).is_in(bad_rows).alias("_invalid"),
    )
    result.entries = entries.cast(ENTRY_SCHEMA)  # type: ignore[arg-type]
    valid = entries.filter(~pl.col("_invalid"))
    result.counts = {"entries": {
        "new": valid.filter(pl.col("_action") == "new").height, "changed": 0,
        "unchanged": valid.filter(pl.col("_action") == "unchanged").height,
        "invalid": entries.height - valid.height}}
    progress(validated=text.height)
    return result


def commit_ledger(*, job: Any, actor: Any, entries: pl.DataFrame, progress: Callable[..., None],
                  audit: Callable[[dict[str, int]], None]) -> dict[str, int]:
    """Write the validated new entries in one transaction: the ledger entries and their decisions (through the
    reviews service, which checks again that nothing a review or another import wrote since is overwritten), one
    ``ImportedHousehold`` per household written, and the batch's audit entry. Unchanged rows write nothing."""
    rows = entries.filter(~pl.col("_invalid") & (pl.col("_action") == "new"))
    progress(written=0, total_rows=rows.height, force=True)
    with transaction.atomic():
        written = review_services.ledger_entries_import(actor=actor, entries=rows.select(
            "household_id", "year", "standard_id", "klass", "decision_number", "decision_date"))
        paths = dict(rows.select("household_id", "unit_path").unique(subset=["household_id"]).iter_rows())
        ImportedHousehold.objects.bulk_create(
            [ImportedHousehold(job_id=job.pk, household_id=pk, action=ImportedHousehold.Action.LEDGER,
                               unit_path=paths[pk]) for pk in written.household_ids], batch_size=CHUNK)
        counts = {"ledger_entries": written.counts["ledger_entries"],
                  "decisions_created": written.counts["decisions_created"]}
        audit(counts)
    progress(written=counts["ledger_entries"], force=True)
    return counts
