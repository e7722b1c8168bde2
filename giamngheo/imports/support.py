"""Support given to households, entered in bulk through the import's stages: validate, then commit.

One sheet, one row per thing a household received. The household by its code (``Mã hộ``), or by its head's
citizen ID (``Số định danh chủ hộ``, matched only where the importer may see citizen IDs; ``Họ tên chủ hộ``, when
given, must be that head's name); what was received (``Loại hỗ trợ``, a kind's code or name), when (``Ngày hỗ
trợ``), from whom (``Đơn vị hỗ trợ``, a provider type's label or code, and ``Tên đơn vị hỗ trợ``), under which
programme (``Chương trình/dự án``, optional: code, short name or name), who in the household received it
(``Thành viên nhận``, name or member id), and the facts the kind carries (``Số tiền``, ``Số lượng``, ``Nội dung``,
``Thời hạn vay``, ``Dư nợ``, ``Dư nợ đến ngày``), and a ``Ghi chú``. Headers are matched as
``columns.header_key`` describes (no diacritics, any case, a trailing remark in brackets ignored); the English
field names are accepted too.

Every problem of the file is reported in one pass, column-wise with Polars, at the cell to fix; nothing is
written unless the whole file is valid. The rules are those of a single record (kinds and programmes from the
catalogue, a programme's years, bounded amounts and dates, a fact only where the kind carries it), asked again
inside the commit's transaction by ``support.services.bulk.support_records_import``.

A household the importer may not enter support for is reported exactly like a code that does not exist: the
file must not tell who lives where. A row equal to a stored record (same household, kind, date and amount) is
*unchanged* and not written again, so an exported list re-imports without writing anything; the same row twice
in the file, beyond what is stored, is an error on the second one.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import can_see_citizen_id, paths_for
from giamngheo.core.dates import DATE_MIN
from giamngheo.core.exports import xlsx_cell
from giamngheo.core.formatting import format_money
from giamngheo.households.models import Household, Member
from giamngheo.imports import columns as cols
from giamngheo.imports.convert import ERROR_SCHEMA, MASKED, _clean, _date, _number, folded
from giamngheo.imports.layout import SHEET
from giamngheo.imports.models import ImportedHousehold
from giamngheo.imports.read import ROW, RawSheet, read_file
from giamngheo.imports.validate import FULL_ERROR_SCHEMA, fold_expr
from giamngheo.support.models import Programme, ProviderType, SupportKind
from giamngheo.support.services import records as record_rules
from giamngheo.support.services.bulk import RECORD_FIELDS, stored_counts, support_records_import

SUPPORT_PARQUET = "support.parquet"  # the validated rows between validation and commit, in the job's directory
MAX_ROWS = 500_000
CHUNK = 5000
# The single record's bounds (``support.services.records``): one rule, two ways in.
FIRST_YEAR = record_rules.FIRST_YEAR
MAX_MONEY = record_rules.MAX_AMOUNT
MAX_QUANTITY = record_rules.MAX_QUANTITY
MAX_LOAN_MONTHS = record_rules.MAX_LOAN_TERM_MONTHS
MAX_TEXT = {"provider_name": 200, "description": 500, "note": record_rules.MAX_TEXT}
ENTRY_COUNTS = ("new", "changed", "unchanged", "invalid")
# The validated rows as stored between validation and commit (``SUPPORT_PARQUET``) and as the service takes them.
ENTRY_SCHEMA: dict[str, Any] = {
    SHEET: pl.String, ROW: pl.Int64, "code": pl.String, "household_id": pl.Int64, "unit_path": pl.String,
    "kind_id": pl.Int64, "programme_id": pl.Int64, "given_on": pl.Date, "year": pl.Int64,
    "provider_type": pl.String, "provider_name": pl.String, "member_ref": pl.String, "amount": pl.Int64,
    "quantity": pl.Int64, "description": pl.String, "loan_term_months": pl.Int64, "loan_outstanding": pl.Int64,
    "loan_outstanding_on": pl.Date, "note": pl.String, "_action": pl.String, "_invalid": pl.Boolean,
}
@dataclass(frozen=True)
class SupportColumn:
    name: str  # the field an error names, also accepted as the English header
    header: str  # the Vietnamese header of the list
    variants: tuple[str, ...] = ()
    # Which of a kind's ``fields`` (``SupportKind.fields``) the column belongs to; None: every kind has it.
    kind_field: str | None = None

    def header_keys(self) -> set[str]:
        return {cols.header_key(self.header), cols.header_key(self.name), *map(cols.header_key, self.variants)} - {""}


COLUMNS = (
    SupportColumn("household_code", "Mã hộ", ("Mã hộ gia đình", "Mã số hộ", "code", "household_id")),
    SupportColumn("head_name", "Họ tên chủ hộ", ("Họ và tên chủ hộ", "Tên chủ hộ", "Chủ hộ")),
    SupportColumn("head_citizen_id", "Số định danh chủ hộ", (
        "Số định danh cá nhân chủ hộ", "Số định danh cá nhân của chủ hộ", "Số định danh của chủ hộ", "CCCD chủ hộ",
        "Số CCCD chủ hộ", "Số căn cước chủ hộ", "Căn cước công dân chủ hộ")),
    SupportColumn("commune_code", "Mã xã/phường", ("Mã xã", "Mã phường", "Mã đơn vị hành chính cấp xã")),
    SupportColumn("kind", "Loại hỗ trợ", ("Hình thức hỗ trợ", "Loại", "kind_code")),
    SupportColumn("given_on", "Ngày hỗ trợ", ("Ngày nhận hỗ trợ", "Ngày nhận", "Ngày cấp", "Ngày giải ngân")),
    SupportColumn("provider_type", "Đơn vị hỗ trợ", ("Loại đơn vị hỗ trợ", "Nguồn hỗ trợ")),
    SupportColumn("provider_name", "Tên đơn vị hỗ trợ", ("Tên đơn vị", "Đơn vị cụ thể", "provider")),
    SupportColumn("programme", "Chương trình/dự án", ("Chương trình, dự án", "Chương trình", "Dự án",
                                                      "programme_code")),
    SupportColumn("member", "Thành viên nhận", ("Người nhận", "Thành viên", "Họ tên người nhận", "member_ref",
                                                "member_id"), "member"),
    SupportColumn("amount", "Số tiền (đồng)", ("Số tiền hỗ trợ", "Kinh phí", "Số tiền vay"), "amount"),
    SupportColumn("quantity", "Số lượng", (), "quantity"),
    SupportColumn("description", "Nội dung", ("Nội dung hỗ trợ", "Mô tả"), "description"),
    SupportColumn("loan_term_months", "Thời hạn vay (tháng)", ("Thời hạn", "Kỳ hạn vay"), "loan"),
    SupportColumn("loan_outstanding", "Dư nợ", ("Dư nợ (đồng)", "Số dư nợ"), "loan"),
    SupportColumn("loan_outstanding_on", "Dư nợ đến ngày", ("Dư nợ tính đến ngày", "Ngày tính dư nợ"), "loan"),
    SupportColumn("note", "Ghi chú", ()),
)
NAMES = tuple(c.name for c in COLUMNS)
HEADERS = {c.name: c.header for c in COLUMNS}
REQUIRED = ("kind", "given_on", "provider_type")
_PROVIDER_VARIANTS: dict[str, tuple[str, ...]] = {
    ProviderType.SOCIAL_POLICY_BANK: ("NHCSXH", "Ngân hàng CSXH", "Ngân hàng chính sách", "NH CSXH", "VBSP"),
    ProviderType.STATE_AGENCY: ("Nhà nước", "Cơ quan", "UBND", "Ngân sách nhà nước"),
    ProviderType.FUND: ("Quỹ", "Quỹ Vì người nghèo", "Quỹ bảo trợ trẻ em"),
    ProviderType.BUSINESS: ("Công ty", "Doanh nghiệp, công ty"),
    ProviderType.MASS_ORGANISATION: ("Mặt trận", "Đoàn thể", "MTTQ", "Hội", "Mặt trận Tổ quốc"),
    ProviderType.PARTY: ("Đảng viên", "Chi bộ", "Tổ chức đảng"),
    ProviderType.COMMUNITY: ("Cộng đồng", "Cá nhân", "Nhà hảo tâm", "Người dân"),
    ProviderType.OTHER: (),
}


@dataclass
class SupportValidation:
    layout: str = "one_sheet"
    entries: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ENTRY_SCHEMA))
    errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FULL_ERROR_SCHEMA))
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"entries": dict.fromkeys(ENTRY_COUNTS, 0)})
    ignored_columns: list[str] = field(default_factory=list)
    diffs: dict[str, Any] = field(default_factory=dict)
    # The preview's sample rows: "new" (to be written) and "unchanged" (equal to a stored record).
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def import_scope(actor: Any) -> list[list[str]]:
    """The paths of each permission a row needs: ``data.import``, ``support.edit`` and ``household.view`` (the
    single record's pair, plus importing)."""
    return [paths_for(actor, perm) for perm in (Perm.DATA_IMPORT, Perm.SUPPORT_EDIT, Perm.HOUSEHOLD_VIEW)]


def may_import_for(scope: list[list[str]], unit_path: str) -> bool:
    return all(any(unit_path.startswith(p) for p in paths) for paths in scope)


# --- catalogue tables -----------------------------------------------------------------------------------------


def provider_labels() -> dict[str, str]:
    with translation.override("vi"):
        return {str(code): str(label) for code, label in ProviderType.choices}


def _provider_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in provider_labels().items():
        table[cols.answer_key(code)] = code
        table[cols.answer_key(label)] = code
    for code, spellings in _PROVIDER_VARIANTS.items():
        for spelling in spellings:
            table.setdefault(cols.answer_key(spelling), str(code))
    return table


_KIND_SCHEMA: dict[str, Any] = {"kind_id": pl.Int64, "kind_name": pl.String, "kind_fields": pl.List(pl.String),
                "kind_province": pl.Int64, "kind_path": pl.String, "kind_active": pl.Boolean}
_PROGRAMME_SCHEMA: dict[str, Any] = {"programme_id": pl.Int64, "p_name": pl.String, "p_first": pl.Int64, "p_last": pl.Int64,
                     "p_province": pl.Int64, "p_path": pl.String, "p_active": pl.Boolean}


def _kinds() -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """Every kind (``_KIND_SCHEMA``) and the kinds each folded spelling (code, name) names."""
    rows = list(SupportKind.objects.order_by("position", "pk").values_list(
        "pk", "code", "name", "fields", "province_id", "unit_path", "active"))
    by_key: dict[str, list[int]] = {}
    for pk, code, name, *_rest in rows:
        for key in {cols.answer_key(code), cols.answer_key(name)}:
            by_key.setdefault(key, []).append(pk)
    frame = pl.DataFrame([(pk, name, list(fields or []), province, path, active)
                          for pk, _c, name, fields, province, path, active in rows], schema=_KIND_SCHEMA, orient="row")
    return frame, by_key


def _programmes() -> tuple[pl.DataFrame, dict[str, list[int]]]:
    rows = list(Programme.objects.order_by("position", "pk").values_list(
        "pk", "code", "name", "short_name", "first_year", "last_year", "province_id", "unit_path", "active"))
    by_key: dict[str, list[int]] = {}
    for pk, code, name, short_name, *_rest in rows:
        for key in {cols.answer_key(code), cols.answer_key(name), cols.answer_key(short_name or "")} - {""}:
            by_key.setdefault(key, []).append(pk)
    frame = pl.DataFrame([(pk, short or name, first, last, province, path, active)
                          for pk, _c, name, short, first, last, province, path, active in rows],
                         schema=_PROGRAMME_SCHEMA, orient="row")
    return frame, by_key


def _candidates(frame: pl.DataFrame, key_column: str, table: dict[str, list[int]], alias: str) -> pl.DataFrame:
    """Each row's candidate ids for a folded spelling (a list; empty when unknown, null when blank)."""
    keys = frame[key_column].drop_nulls().unique().to_list()
    found = pl.DataFrame([(key, table.get(key, [])) for key in keys],
                         schema={key_column: pl.String, alias: pl.List(pl.Int64)}, orient="row")
    return frame.join(found, on=key_column, how="left")


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
    data = [raw for raw in sheets if cols.header_key(raw.title) not in (cols.header_key(cols.INSTRUCTIONS_TITLE),
                                                                          cols.header_key("Lỗi"))] or sheets
    mapped = [(raw, *_map_sheet(raw)) for raw in data]
    raw, fields, ignored, twice = max(mapped, key=lambda m: len(m[1]))
    problems: list[tuple[Any, ...]] = []
    for index, header, name in twice:
        problems.append((index, header, name, _("Cột “%(header)s” trùng với cột “%(first)s”; hãy xoá hoặc đổi tên một "
                                                "cột.") % {"header": header, "first": raw.headers[fields[name]]}))
    for name in REQUIRED:
        if name not in fields:
            problems.append((None, "", name, _("Thiếu cột “%(label)s” ở dòng tiêu đề.") % {"label": HEADERS[name]}))
    if "household_code" not in fields and "head_citizen_id" not in fields:
        problems.append((None, "", "household_code", _(
            "Thiếu cột “Mã hộ” (hoặc cột “Số định danh chủ hộ”) ở dòng tiêu đề.")))
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
    info = pl.DataFrame([(name, fields.get(name), raw.headers[fields[name]] if name in fields else HEADERS[name])
                         for name in NAMES], schema={"field": pl.String, "column_index": pl.Int64,
                                                     "column": pl.String}, orient="row")
    return (errors.join(info, on="field", how="left")
            .select(SHEET, ROW, "column", "column_index", "field", "value", "message")
            .unique(maintain_order=True).sort(ROW, "column_index", nulls_last=True, maintain_order=True))


def _date_text(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%d/%m/%Y")


def _money_text(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class _Errors:
    """Collects error frames for rows of a frame matching a condition."""

    def __init__(self) -> None:
        self.parts: list[pl.DataFrame] = []

    def add(self, frame: pl.DataFrame, condition: pl.Expr, name: str | pl.Expr, message: str | pl.Expr) -> None:
        rows = frame.filter(condition.fill_null(False))
        if rows.height:
            self.parts.append(_error(rows, name, message))

    def rows(self) -> pl.Series:
        return pl.concat(self.parts)[ROW].unique() if self.parts else pl.Series(ROW, [], dtype=pl.Int64)


# --- validation -----------------------------------------------------------------------------------------------


def _whole(name: str, errors: _Errors, frame: pl.DataFrame, *, low: int, high: int, unit: str) -> pl.Expr:
    """A whole number between ``low`` and ``high`` from column ``raw_<name>``; errors for anything else. Returns
    the typed value (null where the cell is bad)."""
    raw = _clean(pl.col(f"raw_{name}"))
    number = _number(raw)
    errors.add(frame, raw.is_not_null() & number.is_null(), name, _("không phải là số"))
    errors.add(frame, number.is_not_null() & (number != number.round(0)), name, _("phải là số nguyên"))
    errors.add(frame, number.is_not_null() & (number == number.round(0)) & ~number.is_between(low, high), name,
               _("phải từ %(low)s đến %(high)s %(unit)s") % {"low": _money_text(low), "high": _money_text(high),
                                                             "unit": unit})
    return (pl.when(number.is_not_null() & (number == number.round(0)) & number.is_between(low, high))
            .then(number).cast(pl.Int64, strict=False))


def _typed(text: pl.DataFrame, today: dt.date, errors: _Errors) -> pl.DataFrame:
    """Cells → values, with an error for every cell that cannot be read or is out of bounds."""
    frame = text
    first_day = max(DATE_MIN, dt.date(FIRST_YEAR, 1, 1))
    bounds = {"first": first_day.strftime("%d/%m/%Y"), "today": today.strftime("%d/%m/%Y")}
    # Household key.
    frame = frame.with_columns(
        _clean(pl.col("raw_household_code")).alias("code"),
        _clean(pl.col("raw_head_name")).alias("head_name"),
        _clean(pl.col("raw_head_citizen_id")).str.replace_all(r"[\s.\-]", "").alias("cid"),
        _clean(pl.col("raw_commune_code")).alias("commune_code"),
    )
    errors.add(frame, pl.col("code").is_null() & pl.col("cid").is_null(), "household_code",
               _("Thiếu mã hộ: ghi mã hộ, hoặc ghi số định danh của chủ hộ."))
    masked = pl.col("cid").str.contains(MASKED)
    errors.add(frame, pl.col("cid").is_not_null() & ~pl.col("cid").str.contains(r"^\d{12}$") & ~masked,
               "head_citizen_id", _("Số định danh cá nhân phải gồm đúng 12 chữ số. Nếu Excel đã bỏ mất số 0 ở đầu, "
                                    "hãy định dạng cột là Văn bản (Text) rồi gõ lại."))
    # A masked ID (from an export by a role that may not see IDs) names nobody: fine beside a code, not alone.
    errors.add(frame, pl.col("code").is_null() & masked, "head_citizen_id", _(
        "Số định danh đã bị che (***) nên không tìm được hộ; hãy ghi mã hộ."))
    frame = frame.with_columns(pl.when(pl.col("cid").str.contains(r"^\d{12}$")).then(pl.col("cid")).alias("cid"))
    # Kind, provider, programme: folded spellings, looked up later.
    frame = frame.with_columns(
        folded(_clean(pl.col("raw_kind"))).alias("kind_key"),
        folded(_clean(pl.col("raw_provider_type"))).alias("provider_key"),
        folded(_clean(pl.col("raw_programme"))).alias("programme_key"),
        _clean(pl.col("raw_member")).alias("member_text"),
    )
    errors.add(frame, pl.col("kind_key").is_null(), "kind", _("Thiếu loại hỗ trợ."))
    errors.add(frame, pl.col("provider_key").is_null(), "provider_type", _("Thiếu đơn vị hỗ trợ."))
    providers = _provider_table()
    frame = frame.with_columns(pl.col("provider_key").replace_strict(providers, default=None,
                                                                     return_dtype=pl.String).alias("provider_type"))
    errors.add(frame, pl.col("provider_key").is_not_null() & pl.col("provider_type").is_null(), "provider_type",
               _("không có trong danh sách; chọn một trong: %(allowed)s")
               % {"allowed": ", ".join(provider_labels().values())})
    # Dates.
    for name in ("given_on", "loan_outstanding_on"):
        raw = _clean(pl.col(f"raw_{name}"))
        value = _date(raw)
        errors.add(frame, raw.is_not_null() & value.is_null(), name,
                   _("không phải ngày hợp lệ (ghi theo dạng ngày/tháng/năm, ví dụ 15/04/2024)"))
        errors.add(frame, value.is_not_null() & ~value.is_between(pl.lit(first_day), pl.lit(today)), name,
                   _("phải từ %(first)s đến hôm nay (%(today)s)") % bounds)
        frame = frame.with_columns(pl.when(value.is_between(pl.lit(first_day), pl.lit(today))).then(value)
                                   .alias(name))
    errors.add(frame, _clean(pl.col("raw_given_on")).is_null(), "given_on", _("Thiếu ngày hỗ trợ."))
    # Numbers.
    frame = frame.with_columns(
        _whole("amount", errors, frame, low=1, high=MAX_MONEY, unit=_("đồng")).alias("amount"),
        _whole("quantity", errors, frame, low=1, high=MAX_QUANTITY, unit="").alias("quantity"),
        _whole("loan_term_months", errors, frame, low=1, high=MAX_LOAN_MONTHS, unit=_("tháng"))
        .alias("loan_term_months"),
        _whole("loan_outstanding", errors, frame, low=0, high=MAX_MONEY, unit=_("đồng")).alias("loan_outstanding"),
    )
    errors.add(frame, pl.col("loan_outstanding") > pl.col("amount"), "loan_outstanding",
               _("Dư nợ không được lớn hơn số tiền vay."))
    errors.add(frame, pl.col("loan_outstanding_on") < pl.col("given_on"), "loan_outstanding_on",
               _("Ngày tính dư nợ không được trước ngày hỗ trợ (ngày vay)."))
    errors.add(frame, pl.col("loan_outstanding_on").is_not_null() & _clean(pl.col("raw_loan_outstanding")).is_null(),
               "loan_outstanding", _("Đã ghi ngày tính dư nợ thì phải ghi số dư nợ."))
    # Text.
    for name, longest in MAX_TEXT.items():
        cell = _clean(pl.col(f"raw_{name}"))
        errors.add(frame, cell.str.len_chars() > longest, name,
                   _("Nội dung quá dài: tối đa %(max)d ký tự.") % {"max": longest})
        frame = frame.with_columns(cell.str.slice(0, longest).alias(name))
    return frame


_HOUSEHOLD_SCHEMA = {"h_code": pl.String, "h_pk": pl.Int64, "h_path": pl.String, "h_commune_code": pl.String,
                     "h_province": pl.Int64, "h_head": pl.String}


def _households_by_code(codes: list[str]) -> pl.DataFrame:
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(codes), CHUNK):
        rows += Household.objects.filter(code__in=codes[start:start + CHUNK], deleted_at__isnull=True).values_list(
            "code", "pk", "unit_path", "commune__code", "commune__parent_id", "head_name")
    return pl.DataFrame(rows, schema=_HOUSEHOLD_SCHEMA, orient="row")


def _households_by_head(citizen_ids: list[str], actor: Any) -> pl.DataFrame:
    """Heads of live households by citizen ID, only where the actor may see citizen IDs: anywhere else a match
    would tell them whose ID it is."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(citizen_ids), CHUNK):
        rows += Member.objects.filter(citizen_id__in=citizen_ids[start:start + CHUNK], relation="head",
                                      household__deleted_at__isnull=True).values_list(
            "citizen_id", "name", "household__code", "household_id", "household__unit_path",
            "household__commune__code", "household__commune__parent_id", "household__head_name")
    frame = pl.DataFrame(rows, schema={"cid": pl.String, "registry_head": pl.String,
                                       **{f"{k}_by_head": v for k, v in _HOUSEHOLD_SCHEMA.items()}}, orient="row")
    visible = {p: can_see_citizen_id(actor, p) for p in frame["h_path_by_head"].unique().to_list()}
    return frame.filter(pl.col("h_path_by_head").replace_strict(visible, return_dtype=pl.Boolean, default=False)
                        ).unique(subset=["cid"], keep="first")


def _matched(frame: pl.DataFrame, actor: Any, errors: _Errors) -> pl.DataFrame:
    """The registry's household of every row, by code or by head. A household outside the importer's scope is
    reported exactly like one that does not exist, and treated as unmatched from here on."""
    codes = frame["code"].drop_nulls().unique().to_list()
    by_code = _households_by_code(codes)
    scope = import_scope(actor)
    allowed = {p: may_import_for(scope, p) for p in by_code["h_path"].unique().to_list()}
    by_code = by_code.filter(pl.col("h_path").replace_strict(allowed, default=False, return_dtype=pl.Boolean))
    wanted = frame.filter(pl.col("code").is_null())["cid"].drop_nulls().unique().to_list()
    by_head = _households_by_head(wanted, actor)
    allowed = {p: may_import_for(scope, p) for p in by_head["h_path_by_head"].unique().to_list()}
    by_head = by_head.filter(pl.col("h_path_by_head").replace_strict(allowed, default=False,
                                                                     return_dtype=pl.Boolean))
    frame = frame.join(by_code, left_on="code", right_on="h_code", how="left", coalesce=False)
    frame = frame.join(by_head, on="cid", how="left")
    use_code = pl.col("code").is_not_null()
    frame = frame.with_columns(
        pl.when(use_code).then(pl.lit("household_code")).otherwise(pl.lit("head_citizen_id")).alias("key_field"),
        *[pl.when(use_code).then(pl.col(k)).otherwise(pl.col(f"{k}_by_head")).alias(k) for k in _HOUSEHOLD_SCHEMA],
    )
    errors.add(frame, use_code & pl.col("h_pk").is_null(), "household_code",
               _("Không có hộ nào mang mã này trong địa bàn bạn được nhập hỗ trợ."))
    errors.add(frame, ~use_code & pl.col("cid").is_not_null() & pl.col("h_pk").is_null(), "head_citizen_id", _(
        "Không tìm thấy chủ hộ nào có số định danh này trong địa bàn bạn được nhập hỗ trợ và được xem số định "
        "danh."))
    other_name = (~use_code & pl.col("h_pk").is_not_null() & pl.col("head_name").is_not_null()
                  & (fold_expr(pl.col("head_name")) != fold_expr(pl.col("registry_head"))))
    errors.add(frame, other_name, "head_name", pl.format(
        _("Họ tên chủ hộ không khớp với chủ hộ mang số định danh này trong hệ thống ({}, hộ {})."),
        pl.col("registry_head"), pl.col("h_code")))
    frame = frame.with_columns([pl.when(other_name).then(None).otherwise(pl.col(k)).alias(k)
                                for k in _HOUSEHOLD_SCHEMA])
    errors.add(frame, pl.col("h_pk").is_not_null() & pl.col("commune_code").is_not_null()
               & (pl.col("commune_code") != pl.col("h_commune_code")), "commune_code", pl.format(
        _("Mã xã/phường không khớp với xã/phường của hộ trong hệ thống ({})."), pl.col("h_commune_code")))
    return frame


def _serves(province: str, path: str) -> pl.Expr:
    """National entries serve everyone; a province's own serve only that province's households (as
    ``support.services.records._in_province``)."""
    return pl.col(province).is_null() | (
        (pl.col(path).fill_null("") != "") & pl.col("h_path").fill_null("").str.starts_with(pl.col(path).fill_null("")))


def _chosen(frame: pl.DataFrame, ids: str, table: pl.DataFrame, id_name: str, province: str, path: str
            ) -> pl.DataFrame:
    """Among a row's candidates, those that serve the row's household (all of them while it is unknown): the
    first one, how many there are, and whether any candidate was refused as another province's."""
    exploded = (frame.select(ROW, ids, "h_path").explode(ids).rename({ids: id_name})
                .join(table, on=id_name, how="inner").with_columns(_serves(province, path).alias("_serves")))
    prefix = id_name.removesuffix("_id")
    served = exploded.filter(pl.col("_serves") | pl.col("h_path").is_null())
    chosen = served.group_by(ROW).agg(pl.all().exclude(ROW, "h_path", "_serves").first(),
                                      pl.col(id_name).n_unique().alias(f"{prefix}_count"))
    return frame.join(chosen, on=ROW, how="left")


def _catalogue(frame: pl.DataFrame, errors: _Errors) -> pl.DataFrame:
    """Kind and programme of every row, with the kind's facts; errors for unknown, ambiguous or not applicable
    ones, and for a fact written for a kind that does not carry it (the single record's rules)."""
    kinds, kind_keys = _kinds()
    frame = _candidates(frame, "kind_key", kind_keys, "kind_ids")
    names = ", ".join(kinds.filter(pl.col("kind_province").is_null() & pl.col("kind_active"))["kind_name"].to_list())
    errors.add(frame, pl.col("kind_key").is_not_null() & (pl.col("kind_ids").list.len() == 0), "kind",
               _("không có trong danh mục loại hỗ trợ; chọn một trong: %(allowed)s") % {"allowed": names})
    frame = _chosen(frame, "kind_ids", kinds, "kind_id", "kind_province", "kind_path")
    errors.add(frame, pl.col("kind_count") > 1, "kind",
               _("Tên loại hỗ trợ này trùng với nhiều loại trong danh mục; hãy ghi mã loại hỗ trợ."))
    errors.add(frame, (pl.col("kind_ids").list.len() > 0) & pl.col("kind_id").is_null(), "kind",
               pl.format(_("Loại hỗ trợ «{}» là của tỉnh khác."), _clean(pl.col("raw_kind"))))
    frame = frame.with_columns(pl.when(pl.col("kind_count") > 1).then(None).otherwise(pl.col("kind_id"))
                               .alias("kind_id"))
    for column in COLUMNS:
        if column.kind_field is None:
            continue
        carried = pl.col("kind_fields").list.contains(column.kind_field)
        errors.add(frame, pl.col("kind_id").is_not_null() & _clean(pl.col(f"raw_{column.name}")).is_not_null()
                   & ~carried, column.name, pl.format(
                       _("Loại hỗ trợ «{}» không ghi thông tin này; hãy để trống."), pl.col("kind_name")))
    is_loan = pl.col("kind_id").is_not_null() & pl.col("kind_fields").list.contains("loan")
    errors.add(frame, is_loan & _clean(pl.col("raw_amount")).is_null(), "amount",
               _("Khoản vay: chưa ghi số tiền vay."))
    errors.add(frame, is_loan & _clean(pl.col("raw_loan_term_months")).is_null(), "loan_term_months",
               _("Khoản vay: chưa ghi thời hạn vay (tháng)."))
    programmes, programme_keys = _programmes()
    frame = _candidates(frame, "programme_key", programme_keys, "programme_ids")
    errors.add(frame, pl.col("programme_key").is_not_null() & (pl.col("programme_ids").list.len() == 0),
               "programme", _("không có trong danh mục chương trình, dự án; ghi mã hoặc tên ngắn của chương trình"))
    frame = _chosen(frame, "programme_ids", programmes, "programme_id", "p_province", "p_path")
    errors.add(frame, pl.col("programme_count") > 1, "programme",
               _("Tên chương trình này trùng với nhiều chương trình trong danh mục; hãy ghi mã chương trình."))
    errors.add(frame, (pl.col("programme_ids").list.len() > 0) & pl.col("programme_id").is_null(), "programme",
               pl.format(_("Chương trình «{}» là của tỉnh khác."), _clean(pl.col("raw_programme"))))
    year = pl.col("given_on").dt.year()
    outside = (pl.col("programme_count") == 1) & (
        (pl.col("p_first").is_not_null() & (year < pl.col("p_first")))
        | (pl.col("p_last").is_not_null() & (year > pl.col("p_last"))))
    errors.add(frame, outside, "programme", pl.format(
        _("Chương trình «{}» thực hiện trong các năm {}–{}, không gồm ngày hỗ trợ {}. Hãy chọn chương trình của năm "
          "đó hoặc sửa ngày."), pl.col("p_name"), pl.col("p_first").cast(pl.String).fill_null("…"),
        pl.col("p_last").cast(pl.String).fill_null("…"), _date_text(pl.col("given_on"))))
    return frame.with_columns(pl.when(pl.col("programme_count") > 1).then(None).otherwise(pl.col("programme_id"))
                              .alias("programme_id"))


def _members(frame: pl.DataFrame, errors: _Errors) -> pl.DataFrame:
    """The member named in ``Thành viên nhận``: by member id, else by name (without diacritics or case)."""
    wanted = frame.filter(pl.col("member_text").is_not_null() & pl.col("h_pk").is_not_null())
    ids = wanted["h_pk"].unique().to_list()
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), CHUNK):
        rows += Member.objects.filter(household_id__in=ids[start:start + CHUNK]).values_list(
            "household_id", "member_id", "name")
    members = pl.DataFrame(rows, schema={"h_pk": pl.Int64, "m_id": pl.String, "m_name": pl.String}, orient="row")
    by_id = members.select("h_pk", pl.col("m_id").alias("member_text"), pl.col("m_id").alias("by_id"))
    by_name = (members.with_columns(fold_expr(pl.col("m_name")).alias("name_key"))
               .group_by("h_pk", "name_key").agg(pl.col("m_id").first().alias("by_name"),
                                                 pl.len().alias("name_count")))
    frame = (frame.with_columns(fold_expr(pl.col("member_text")).alias("name_key"))
             .join(by_id.unique(subset=["h_pk", "member_text"]), on=["h_pk", "member_text"], how="left")
             .join(by_name, on=["h_pk", "name_key"], how="left"))
    asked = pl.col("member_text").is_not_null() & pl.col("h_pk").is_not_null() & pl.col("by_id").is_null()
    errors.add(frame, asked & pl.col("by_name").is_null(), "member",
               _("không phải thành viên của hộ; ghi họ tên hoặc mã thành viên như trong hồ sơ hộ"))
    errors.add(frame, asked & (pl.col("name_count") > 1), "member",
               _("Hộ có nhiều thành viên cùng họ tên này; hãy ghi mã thành viên."))
    return frame.with_columns(pl.coalesce(pl.col("by_id"), pl.when(pl.col("name_count") == 1)
                                          .then(pl.col("by_name"))).alias("member_ref"))


def _duplicates(frame: pl.DataFrame, errors: _Errors) -> pl.DataFrame:
    """A row equal to a stored record is *unchanged*; equal rows in the file beyond those stored are errors on
    every one after the first."""
    frame = frame.with_columns(pl.col("h_pk").alias("household_id"))
    # A row whose amount cannot be read has no key: it is reported for its amount, not as a duplicate.
    keyed = (pl.col("household_id").is_not_null() & pl.col("kind_id").is_not_null() & pl.col("given_on").is_not_null()
             & (pl.col("amount").is_not_null() | _clean(pl.col("raw_amount")).is_null()))
    group = ["household_id", "kind_id", "given_on", "amount_key"]
    frame = frame.with_columns(pl.col("amount").fill_null(-1).alias("amount_key"))
    frame = frame.join(stored_counts(frame.filter(keyed)), on=group, how="left").with_columns(
        pl.col("stored").fill_null(0))
    frame = frame.with_columns(
        pl.when(keyed).then(pl.col(ROW).rank("ordinal").over(group)).alias("rank"),
        pl.when(keyed).then(pl.col(ROW).min().over(group)).alias("first"))
    errors.add(frame, keyed & (pl.col("rank") > pl.col("stored")) & (pl.col("rank") > 1), pl.col("key_field"),
               pl.format(_("Dòng này trùng với dòng {} (cùng hộ, loại hỗ trợ, ngày hỗ trợ và số tiền); mỗi lần hỗ "
                           "trợ chỉ ghi một dòng."), pl.col("first")))
    frame = frame.with_columns((keyed & (pl.col("rank") <= pl.col("stored"))).fill_null(False).alias("_same"))
    # A kind or programme no longer in use takes no new records; a row equal to a stored one writes nothing, so
    # an old list exported and imported again stays unchanged.
    errors.add(frame, ~pl.col("_same") & (pl.col("kind_active") == False), "kind",  # noqa: E712
               pl.format(_("Loại hỗ trợ «{}» không còn dùng."), pl.col("kind_name")))
    errors.add(frame, ~pl.col("_same") & (pl.col("p_active") == False), "programme",  # noqa: E712
               pl.format(_("Chương trình «{}» không còn dùng."), pl.col("p_name")))
    return frame


def validate_support_file(path: Path, *, actor: Any, on_progress: Callable[..., None] | None = None,
                          today: dt.date | None = None) -> SupportValidation:
    """Everything wrong with a list of support given, and, where nothing is, the records a commit would write.
    Never writes. ``today`` bounds the dates (default: the local date)."""
    progress = on_progress or (lambda **_kw: None)
    today = today or timezone.localdate()
    result = SupportValidation()
    raw, fields, ignored, problems = _layout(read_file(path))
    result.ignored_columns = ignored
    if problems:
        result.errors = pl.DataFrame([(raw.title, raw.header_row, header or HEADERS[name], index, name, header,
                                       message) for index, header, name, message in problems],
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
    errors = _Errors()
    frame = _typed(text, today, errors)
    frame = _matched(frame, actor, errors)
    frame = _catalogue(frame, errors)
    frame = _members(frame, errors)
    progress(validated=text.height // 2)
    frame = _duplicates(frame, errors)
    # A row equal to a stored record writes nothing: what else it says (a member since gone, a programme whose
    # years were corrected) cannot be wrong in the registry, so an exported list always re-imports unchanged.
    same = frame.filter(pl.col("_same"))[ROW].implode()
    errors.parts = [part.filter(~pl.col(ROW).is_in(same)) for part in errors.parts]
    all_errors = pl.concat(errors.parts) if errors.parts else pl.DataFrame(schema=ERROR_SCHEMA)
    result.errors = _located(all_errors, raw, fields)
    bad_rows = errors.rows().implode()
    entries = frame.select(
        SHEET, ROW, pl.col("h_code").alias("code"), "household_id", pl.col("h_path").alias("unit_path"), "kind_id",
        "programme_id", "given_on", pl.col("given_on").dt.year().cast(pl.Int64).alias("year"), "provider_type",
        "provider_name", "member_ref", "amount", "quantity", "description", "loan_term_months", "loan_outstanding",
        "loan_outstanding_on", "note",
        pl.when(pl.col("_same")).then(pl.lit("unchanged")).otherwise(pl.lit("new")).alias("_action"),
        pl.col(ROW).is_in(bad_rows).alias("_invalid"),
    )
    result.entries = entries.cast(ENTRY_SCHEMA)  # type: ignore[arg-type]
    valid = entries.filter(~pl.col("_invalid"))
    result.counts = {"entries": {
        "new": valid.filter(pl.col("_action") == "new").height, "changed": 0,
        "unchanged": valid.filter(pl.col("_action") == "unchanged").height,
        "invalid": entries.height - valid.height}}
    result.samples = _samples(frame.join(entries.select(ROW, "_invalid"), on=ROW), SAMPLE)
    progress(validated=text.height)
    return result


SAMPLE = 10


def _samples(frame: pl.DataFrame, size: int) -> dict[str, list[dict[str, Any]]]:
    """A few valid rows of each kind as the preview shows them (``services._preview`` keys plus what was
    received): household, head, kind, date and amount as written in Vietnamese."""
    samples: dict[str, list[dict[str, Any]]] = {}
    for action, same in (("new", False), ("unchanged", True)):
        rows = frame.filter(~pl.col("_invalid") & (pl.col("_same") == same)).head(size)
        samples[action] = [
            {"code": r["h_code"], "head_name": r["h_head"] or "", "unit_path": r["h_path"], "member_count": 0,
             "changes": {}, "kind": r["kind_name"] or "", "given_on": r["given_on"].strftime("%d/%m/%Y"),
             "amount": format_money(r["amount"]) if r["amount"] is not None else ""}
            for r in rows.iter_rows(named=True)]
    return samples


def commit_support(*, job: Any, actor: Any, entries: pl.DataFrame, progress: Callable[..., None],
                   audit: Callable[[dict[str, int]], None]) -> dict[str, int]:
    """Write the validated new records in one transaction (through ``support_records_import``, which checks
    scope and duplicates again), one ``ImportedHousehold`` per household written, and the batch's audit entry.
    Unchanged rows write nothing."""
    rows = entries.filter(~pl.col("_invalid") & (pl.col("_action") == "new"))
    progress(written=0, total_rows=rows.height, force=True)
    with transaction.atomic():
        counts = support_records_import(
            actor=actor, rows=rows.select(RECORD_FIELDS), audit_batch=audit,
            source={"import": str(job.public_id), "file_name": job.file_name})
        paths = rows.select("household_id", "unit_path").unique(subset=["household_id"], maintain_order=True)
        ImportedHousehold.objects.bulk_create(
            [ImportedHousehold(job_id=job.pk, household_id=pk, action=ImportedHousehold.Action.SUPPORT,
                               unit_path=path) for pk, path in paths.iter_rows()], batch_size=CHUNK)
    progress(written=counts["support_records"], force=True)
    return counts


# --- template -------------------------------------------------------------------------------------------------

_MEANINGS = {
    "household_code": gettext_lazy("Mã của hộ trong hệ thống (như trên danh sách hộ)."),
    "head_name": gettext_lazy("Không bắt buộc; khi ghi cùng số định danh chủ hộ, phải khớp với họ tên chủ hộ trong hệ thống."),
    "head_citizen_id": gettext_lazy("Dùng khi không ghi mã hộ: số định danh 12 chữ số của chủ hộ."),
    "commune_code": gettext_lazy("Không bắt buộc; khi ghi, phải là xã/phường của hộ."),
    "kind": gettext_lazy("Mã hoặc tên loại hỗ trợ trong danh mục."),
    "given_on": gettext_lazy("Ngày hộ nhận hỗ trợ (ngày giải ngân với khoản vay), ví dụ 15/04/2024."),
    "provider_type": gettext_lazy("Loại đơn vị hỗ trợ."),
    "provider_name": gettext_lazy("Tên cụ thể: chi nhánh ngân hàng, cơ quan, doanh nghiệp…"),
    "programme": gettext_lazy("Không bắt buộc: mã hoặc tên ngắn của chương trình, dự án."),
    "member": gettext_lazy("Người trong hộ nhận hỗ trợ (thẻ BHYT, học nghề, việc làm…): họ tên hoặc mã thành viên."),
    "amount": gettext_lazy("Số tiền bằng đồng, ví dụ 50.000.000."),
    "quantity": gettext_lazy("Số lượng (thẻ, con giống, suất…)."),
    "description": gettext_lazy("Nội dung hỗ trợ: mô hình, vật tư, nghề được học…"),
    "loan_term_months": gettext_lazy("Khoản vay: thời hạn vay, tính bằng tháng."),
    "loan_outstanding": gettext_lazy("Khoản vay: số dư nợ còn lại, bằng đồng."),
    "loan_outstanding_on": gettext_lazy("Khoản vay: ngày tính số dư nợ."),
    "note": gettext_lazy("Ghi chú thêm (không bắt buộc)."),
}


def template_workbook() -> bytes:
    """The support list template as .xlsx bytes: the data sheet (headers only) and an instructions sheet that
    lists the kinds (with the facts each carries), the provider types and the programmes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = _("Hỗ trợ")
    bold, required_font = Font(bold=True), Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = required_font if column.name in (*REQUIRED, "household_code") else bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(str(_MEANINGS[column.name]), "giamngheo", width=300, height=90)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(36, len(column.header) + 4))
        if column.name in ("given_on", "loan_outstanding_on"):
            sheet.column_dimensions[letter].number_format = "dd/mm/yyyy"
        elif column.name in ("amount", "loan_outstanding", "quantity", "loan_term_months"):
            sheet.column_dimensions[letter].number_format = "#,##0"
        else:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    guide = book.create_sheet(cols.INSTRUCTIONS_TITLE)
    lines: list[tuple[Any, ...]] = [
        (_("Hướng dẫn nhập hỗ trợ đã nhận của hộ"),),
        (_("Mỗi dòng một lần hỗ trợ. Cột tiêu đề màu đỏ là cột bắt buộc; hộ được nhận ra theo “Mã hộ”, hoặc theo "
           "“Số định danh chủ hộ” khi không có mã."),),
        (_("Dòng trùng với hỗ trợ đã có (cùng hộ, loại hỗ trợ, ngày và số tiền) không được ghi lại lần nữa: nhập "
           "lại cùng một tệp không tạo bản ghi trùng."),),
        (_("Chỉ ghi ở các cột mà loại hỗ trợ có (xem bảng dưới); để trống các cột khác."),),
        (),
        (_("Cột"), _("Ý nghĩa và cách ghi")),
        *[(c.header, str(_MEANINGS[c.name])) for c in COLUMNS],
        (),
        (_("Loại hỗ trợ"), _("Mã"), _("Các cột ghi thêm")),
    ]
    labels = {c.kind_field: c.header for c in COLUMNS if c.kind_field and c.kind_field != "loan"}
    labels["loan"] = ", ".join(c.header for c in COLUMNS if c.kind_field == "loan")
    for name, code, kind_fields in SupportKind.objects.filter(active=True, province__isnull=True).values_list(
            "name", "code", "fields"):
        lines.append((name, code, ", ".join(labels.get(f, f) for f in kind_fields or [])))
    lines += [(), (_("Đơn vị hỗ trợ"), _("Mã"))]
    lines += [(label, code) for code, label in provider_labels().items()]
    lines += [(), (_("Chương trình, dự án"), _("Mã"), _("Tên ngắn"))]
    lines += [(name, code, short) for name, code, short in Programme.objects.filter(
        active=True, province__isnull=True).values_list("name", "code", "short_name")]
    for row in lines:
        guide.append([xlsx_cell(guide, value) for value in row])
    guide["A1"].font = Font(bold=True, size=14)
    for letter, width in zip("ABC", (60, 30, 60), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
