"""Submissions of Phiếu B (the XLSForm of ``imports.xlsform``) exported from ODK Central or KoboToolbox, read into
the staged household import: the same validation, preview, error workbook, scope checks, audit and one-transaction
commit as a household workbook (``imports.validate``, ``imports.commit``). A submission becomes a household record
update (or a new household), exactly as a row of the household workbook does (docs/imports.md, "ODK Collect and
KoboToolbox").

The two exports, as their servers write them:

* **ODK Central**, "CSV with repeats" (.zip): ``<form_id>.csv`` with one row per submission (``SubmissionDate``
  first; answers named by their group path joined with ``-``, ``dwelling-floor_area_m2``; ``meta-instanceID``;
  ``KEY`` = the instanceID; ``SubmitterID``, ``SubmitterName``, ``Status``… last) and ``<form_id>-members.csv`` with
  one row per member (answers by bare name, ``PARENT_KEY`` = the submission's ``KEY``, ``KEY`` =
  ``<instanceID>/members[n]``);
* **KoboToolbox**, XLS export with "XML values and headers" (.xlsx): a first sheet of submissions (answers named
  by the bare name, or by the group path joined with ``/`` when groups are included in headers; ``_id``, ``_uuid``
  = the instanceID without ``uuid:``, ``_submission_time``, ``_index``…) and a sheet ``members`` (``_index``,
  ``_parent_index`` = the submission's ``_index``, ``_submission__uuid``…). Members are tied to their submission by
  ``_parent_index``: a resent submission shares its ``_uuid`` with the first, not its ``_index``.

Sheets keep their titles, columns and row numbers, so an error names the cell of the officer's own file and the
annotated error workbook marks it; only headers are renamed to the import's column names and answers rewritten to
what the import reads (a decimal point → the decimal comma, "unanswered" → blank, the space-separated device codes →
a list, "none" → "Không có"). The member sheet's link column (``PARENT_KEY`` / ``_parent_index``) is replaced by
the household code of the submission it names.

A submission is applied once: a repeated instanceID in the file is dropped after its first row, and one a committed
import already wrote (``OdkSubmission``) is dropped too; the preview says how many.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from giamngheo.households.models import Household
from giamngheo.imports import columns as cols
from giamngheo.imports import xlsform
from giamngheo.imports.read import (
    ROW,
    RawSheet,
    ReadError,
    _separator,
    _sheet_from_rows,
    decode_csv,
    read_file,
)

ODK_CENTRAL, KOBOTOOLBOX = "odk_central", "kobotoolbox"
INSTANCE = "_instance_id"  # the households frame's column naming each row's submission
ZIP_SUFFIX = ".zip"
MAX_INSTANCE_ID = 255  # ``OdkSubmission.instance_id``; ODK's are "uuid:" and 36 characters
MAX_ZIP_FILES = 50  # an export holds the submissions, one file per repeat, and media: far fewer CSVs than this
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # CSV compresses about tenfold; the upload itself is at most 200 MB

# What the servers add around the form's answers (last segment of the header, as written).
_META = frozenset({"SubmissionDate", "KEY", "PARENT_KEY", "SubmitterID", "SubmitterName", "Status", "ReviewState",
                   "DeviceID", "Edits", "FormVersion", "AttachmentsPresent", "AttachmentsExpected", "instanceID",
                   "instanceName", "deprecatedID", "rootUuid", "uuid", "start", "end", "today", "deviceid",
                   "username", "audit"})
_UNANSWERED = frozenset({xlsform.UNANSWERED, "chưa trả lời", "chua tra loi"})
_DEVICE_CODES = re.compile(r"^\s*[a-z_]+(\s+[a-z_]+)*\s*$")
_DECIMAL_POINT = re.compile(r"^\s*-?\d+\.\d+\s*$")


@dataclass
class Submissions:
    """An export read into the import's two sheets (households first), and what was dropped."""

    source: str
    households: RawSheet
    members: RawSheet
    instance_ids: dict[int, str]  # households sheet row → instanceID
    repeated: int = 0  # rows dropped: the same instanceID earlier in the file
    already_imported: int = 0  # rows dropped: a committed import already wrote this instanceID

    @property
    def sheets(self) -> list[RawSheet]:
        return [self.households, self.members]

    def summary(self) -> dict[str, Any]:
        return {"source": self.source, "submissions": len(self.instance_ids), "repeated": self.repeated,
                "already_imported": self.already_imported}


# --- the files ----------------------------------------------------------------------------------------------------

def zip_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    """(file stem, rows) of every CSV in an ODK Central export; media and other files are skipped. Bounded: a zip
    that would unpack to more than ``MAX_UNZIPPED_BYTES`` or holds more than ``MAX_ZIP_FILES`` CSVs is refused."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(_("Không mở được tệp .zip: tệp bị hỏng hoặc không phải tệp nén .zip.")) from exc
    tables: list[tuple[str, list[list[str]]]] = []
    budget = MAX_UNZIPPED_BYTES
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")
                   and not i.filename.startswith(("__MACOSX/", "media/"))]
        if len(entries) > MAX_ZIP_FILES:
            raise ReadError(_("Tệp .zip có %(count)d tệp CSV, quá nhiều cho một lần xuất phiếu (tối đa %(max)d).")
                            % {"count": len(entries), "max": MAX_ZIP_FILES})
        for info in entries:
            with archive.open(info) as member:
                # The sizes in the zip's directory may lie: read at most what is left of the budget, plus one byte.
                data = member.read(budget + 1)
            budget -= len(data)
            if budget < 0:
                raise ReadError(_("Tệp .zip khi giải nén lớn quá %(mb)d MB; hãy xuất từng đợt ít phiếu hơn.")
                                % {"mb": MAX_UNZIPPED_BYTES // (1024 * 1024)})
            text = decode_csv(data)
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text.split("\n", 1)[0]))
            try:
                rows = list(reader)
            except csv.Error as exc:
                raise ReadError(_("Tệp CSV bị lỗi định dạng: %(error)s") % {"error": exc}) from exc
            tables.append((Path(info.filename).stem, rows))
    return tables


def _read_sheets(path: Path) -> list[RawSheet]:
    if path.suffix.lower() != ZIP_SUFFIX:
        return read_file(path)
    sheets = [s for name, rows in zip_tables(path) if (s := _sheet_from_rows(name, iter(rows))) is not None]
    if not sheets:
        raise ReadError(_("Tệp không có dữ liệu: không tìm thấy trang nào có dòng tiêu đề và dữ liệu."))
    return sheets


def _last(header: str) -> str:
    """The answer's own name: ``dwelling-floor_area_m2`` (Central) and ``dwelling/floor_area_m2`` (Kobo) →
    ``floor_area_m2``; the form's names hold neither ``-`` nor ``/``."""
    return re.split(r"[-/]", header.strip())[-1]


def _is_repeat(raw: RawSheet, kobo: bool) -> bool:
    return ("_parent_index" in raw.headers) if kobo else ("PARENT_KEY" in raw.headers)


def _is_members(raw: RawSheet) -> bool:
    return _last(raw.title) == xlsform.MEMBERS_REPEAT or raw.title.endswith(f"-{xlsform.MEMBERS_REPEAT}")


def _tables(sheets: list[RawSheet]) -> tuple[str, RawSheet, RawSheet]:
    """(source, submissions sheet, members sheet)."""
    for source, kobo, key in ((ODK_CENTRAL, False, "KEY"), (KOBOTOOLBOX, True, "_uuid")):
        main = [s for s in sheets if key in s.headers and not _is_repeat(s, kobo)]
        if not main:
            continue
        repeats = [s for s in sheets if _is_repeat(s, kobo)]
        members = [s for s in repeats if _is_members(s)] or repeats
        if not members:
            raise ReadError(_(
                "Tệp xuất chỉ có danh sách phiếu, không có danh sách thành viên (nhóm lặp “members”). ODK Central: "
                "tải về dạng “CSV có nhóm lặp” (.zip); KoboToolbox: tải về dạng XLS, giá trị và tiêu đề XML."))
        return source, main[0], members[0]
    raise ReadError(_(
        "Không nhận ra tệp xuất phiếu từ ODK Central hoặc KoboToolbox: không có cột KEY (ODK Central) hay _uuid "
        "(KoboToolbox). Hãy tải phiếu về đúng như máy chủ xuất, không sửa tên cột."))


# --- headers and answers ------------------------------------------------------------------------------------------

@cache
def _form_names(sheet: cols.Sheet) -> dict[str, str]:
    """XLSForm name → import column name, for one sheet (``household_code`` → ``id``…)."""
    return {f.name: f.column.name for f in xlsform.form_fields() if f.sheet == sheet}


@cache
def _column_lookup(sheet: cols.Sheet) -> dict[str, cols.Column]:
    table: dict[str, cols.Column] = {}
    for column in cols.columns(sheet):
        for key in column.header_keys():
            table.setdefault(key, column)
    return table


def _header(header: str, sheet: cols.Sheet) -> str:
    """The header the import reads: the column's Vietnamese header for a form answer (so an error names the
    question as the officer knows it), "" for what the server adds (neither matched nor listed as an unknown
    column), anything else as written (a Kobo export with labels as headers carries the Vietnamese questions, which
    the import knows)."""
    name = _form_names(sheet).get(_last(header))
    if name is not None:
        return cols.column(sheet, name).header
    if _last(header) in _META or header.startswith("_"):
        return ""
    return header


def _answers(column: cols.Column, value: pl.Expr) -> pl.Expr:
    """A cell as the export writes it → as the import reads it."""
    text = value.str.strip_chars()
    if column.kind == "boolean":
        return pl.when(text.str.to_lowercase().is_in(list(_UNANSWERED))).then(None).otherwise(value)
    if column.kind == "number":
        return pl.when(text.str.contains(_DECIMAL_POINT.pattern)).then(text.str.replace(".", ",", literal=True)
                                                                       ).otherwise(value)
    if column.kind == "enum_list":
        return (pl.when(text == xlsform.DEVICES_NONE).then(pl.lit(cols.DEVICE_NONE))
                .when(text.str.contains(_DEVICE_CODES.pattern)).then(text.str.replace_all(r"\s+", ", "))
                .otherwise(value))
    return value


def _rewritten(raw: RawSheet, sheet: cols.Sheet, link: tuple[int, dict[str, str]] | None = None) -> RawSheet:
    """``raw`` with the import's headers and answers; ``link``: (index of the member sheet's parent column, parent
    value → household code), the parent column becoming the member's household code."""
    headers = [_header(h, sheet) for h in raw.headers]
    lookup = _column_lookup(sheet)
    exprs = []
    for index, header in enumerate(headers):
        column = lookup.get(cols.header_key(header)) if header else None
        if column is not None:
            exprs.append(_answers(column, pl.col(raw.column_name(index))).alias(raw.column_name(index)))
    frame = raw.frame.with_columns(exprs) if exprs else raw.frame
    if link is not None:
        index, codes = link
        headers[index] = cols.column(cols.MEMBERS, cols.HOUSEHOLD_KEY).header
        name = raw.column_name(index)
        frame = frame.with_columns(pl.col(name).str.strip_chars()
                                   .replace_strict(codes, default=None, return_dtype=pl.String).alias(name))
    return RawSheet(title=raw.title, headers=headers, header_row=raw.header_row, frame=frame)


def _values(raw: RawSheet, header: str) -> list[str | None]:
    if header not in raw.headers:
        return [None] * raw.frame.height
    return [v.strip() if isinstance(v, str) else None
            for v in raw.frame[raw.column_name(raw.headers.index(header))].to_list()]


def _instance_id(value: str | None) -> str | None:
    """ODK's ``uuid:…`` form, whichever tool wrote it (Kobo's ``_uuid`` has no prefix)."""
    if not value:
        return None
    value = value if ":" in value else f"uuid:{value}"
    return value if len(value) <= MAX_INSTANCE_ID else None  # longer than any real one: not recorded


def _household_code_header(raw: RawSheet) -> str | None:
    """The submissions sheet's household code column: ``household_code``, or its label ("Mã hộ")."""
    lookup = _column_lookup(cols.HOUSEHOLDS)
    return next((h for h in raw.headers if _last(h) == xlsform.HOUSEHOLD_CODE
                 or getattr(lookup.get(cols.header_key(h)), "name", None) == "id"), None)


def _keep(raw: RawSheet, rows: Iterable[int]) -> RawSheet:
    keep = pl.Series(list(rows), dtype=pl.Int64)
    return RawSheet(title=raw.title, headers=raw.headers, header_row=raw.header_row,
                    frame=raw.frame.filter(pl.col(ROW).is_in(keep.implode())))


def read_submissions(path: Path, *, already_imported: Callable[[list[str]], set[str]] | None = None
                     ) -> Submissions:
    """The export at ``path`` as the import's sheets. ``already_imported(ids)`` → the ids a committed import wrote
    (their rows are dropped)."""
    source, main, members = _tables(_read_sheets(path))
    kobo = source == KOBOTOOLBOX
    main_rows = main.frame[ROW].to_list()
    ids = [_instance_id(v) for v in _values(main, "_uuid" if kobo else "KEY")]
    known = already_imported([i for i in ids if i]) if already_imported else set()
    seen: set[str] = set()
    kept: list[int] = []
    repeated = skipped = 0
    for row, instance in zip(main_rows, ids, strict=True):
        if instance is not None and instance in known:
            skipped += 1
            continue
        if instance is not None and instance in seen:
            repeated += 1
            continue
        if instance is not None:
            seen.add(instance)
        kept.append(row)
    kept_set = set(kept)
    instance_ids = {row: i for row, i in zip(main_rows, ids, strict=True) if row in kept_set and i}
    # The parent column of the members sheet, and what its values name on the submissions sheet.
    code_header = _household_code_header(main)
    codes = _values(main, code_header) if code_header else [None] * len(main_rows)
    # Kobo: by row (``_index``), not by ``_uuid``, which a resent submission shares with the first.
    link_header, own_header = ("_parent_index", "_index") if kobo else ("PARENT_KEY", "KEY")
    parents = _values(main, own_header)
    link = {p: c for row, p, c in zip(main_rows, parents, codes, strict=True)
            if row in kept_set and p is not None and c is not None}
    # Members of a dropped submission go with it; a member row repeated (Central: same KEY) is kept once.
    dropped_parents = ({p for row, p in zip(main_rows, parents, strict=True) if row not in kept_set and p}
                       - {p for row, p in zip(main_rows, parents, strict=True) if row in kept_set})
    member_rows = members.frame[ROW].to_list()
    member_parent = _values(members, link_header)
    member_key = _values(members, "KEY") if not kobo else [None] * len(member_rows)
    kept_members: list[int] = []
    seen_keys: set[str] = set()
    for row, parent, key in zip(member_rows, member_parent, member_key, strict=True):
        if parent in dropped_parents or (key is not None and key in seen_keys):
            continue
        if key is not None:
            seen_keys.add(key)
        kept_members.append(row)
    households = _rewritten(_keep(main, kept), cols.HOUSEHOLDS)
    member_sheet = _rewritten(_keep(members, kept_members), cols.MEMBERS,
                              link=(members.headers.index(link_header), link) if link_header in members.headers
                              else None)
    return Submissions(source=source, households=households, members=member_sheet, instance_ids=instance_ids,
                       repeated=repeated, already_imported=skipped)


# --- the staged import --------------------------------------------------------------------------------------------

def imported_instance_ids(ids: list[str]) -> set[str]:
    from giamngheo.imports.models import OdkSubmission

    found: set[str] = set()
    for start in range(0, len(ids), 5000):
        found.update(OdkSubmission.objects.filter(instance_id__in=ids[start:start + 5000])
                     .values_list("instance_id", flat=True))
    return found


def validate_submissions(path: Path, *, actor: Any, on_progress: Callable[..., None] | None = None) -> Any:
    """The household import's validation of the export (``validate.validate_file`` on the sheets read here); the
    households frame carries each row's instanceID (``INSTANCE``) for the commit, ``odk`` the counts."""
    from giamngheo.imports.validate import validate_file

    submissions = read_submissions(path, already_imported=imported_instance_ids)
    result = validate_file(path, actor=actor, on_progress=on_progress, sheets=submissions.sheets)
    if ROW in result.households.columns:
        ids = pl.DataFrame({ROW: list(submissions.instance_ids), INSTANCE: list(submissions.instance_ids.values())},
                           schema={ROW: pl.Int64, INSTANCE: pl.String})
        result.households = result.households.join(ids, on=ROW, how="left")
    result.summary_extra = {"odk": submissions.summary()}
    return result


def record_submissions(*, job_id: int, households: pl.DataFrame, update_changed: bool) -> int:
    """Inside the commit's transaction: every submission now in the registry (written, or already equal to it) is
    recorded, so a later export holding it again does not apply it twice. A submission another import recorded
    meanwhile breaks the unique constraint and rolls the whole commit back."""
    from giamngheo.imports.models import OdkSubmission

    if INSTANCE not in households.columns:
        return 0
    wanted = ["new", "unchanged", "changed"] if update_changed else ["new", "unchanged"]
    rows = households.filter(pl.col("_action").is_in(wanted) & pl.col(INSTANCE).is_not_null()).select(
        "code", INSTANCE)
    codes = rows["code"].to_list()
    ids: dict[str, int] = {}
    for start in range(0, len(codes), 5000):
        ids.update(Household.objects.filter(code__in=codes[start:start + 5000], deleted_at__isnull=True)
                   .values_list("code", "pk"))
    OdkSubmission.objects.bulk_create([OdkSubmission(instance_id=instance, job_id=job_id, household_id=ids[code])
                                       for code, instance in rows.iter_rows() if code in ids], batch_size=2000)
    return rows.height
