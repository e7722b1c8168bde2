"""Demo step: the import as a new province meets it — example files, one committed import, one file with errors.

Writes into ``<VAR_DIR>/demo/nhap-du-lieu/`` the files the officer's guide (docs/vi/nhap-du-lieu.md) walks through:

* ``mau-nhap-ho-gia-dinh.xlsx`` — the empty template, as the Nhập dữ liệu page hands it out;
* ``ho-gia-dinh-moi.xlsx`` — about 60 households of one hamlet of the demo commune that are not in the registry,
  in the two-sheet layout with the import's Vietnamese headers and spellings (written by the export's own writer,
  so it reads exactly like an exported list);
* ``ho-gia-dinh-moi-co-loi.xlsx`` — the same workbook with a handful of planted errors of different kinds;
* ``danh-sach-ho-ngheo-can-ngheo-<year>.xlsx`` — the commune's recognised list of the year before its first
  review in the demo, in the ledger import's columns, ready to be imported as an exercise.

Then, as the commune officer ``xa``, it runs the two imports an officer would: the broken workbook is uploaded
and validated (left INVALID, so its error table and error workbook can be opened), the clean one is uploaded,
validated and committed through the services — the import list shows one committed batch.

Everything is drawn from ``ctx.seed`` (a generator of its own, seeded apart from the registry's), so the files
and the jobs are the same on every run with the same seed.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from giamngheo.core.formatting import format_number
from giamngheo.demo.context import DemoContext
from giamngheo.demo.households import _household_row, _member_rows
from giamngheo.demo.places import COMMUNES
from giamngheo.demo.population import PopulationGenerator
from giamngheo.demo.steps import Step
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Member
from giamngheo.imports import columns as cols
from giamngheo.imports import ledger, services
from giamngheo.imports.export import _SheetSeries, household_values, member_values
from giamngheo.imports.models import ImportJob, ImportKind, ImportStatus
from giamngheo.imports.template import template_workbook
from giamngheo.reviews.models import CycleKind, LedgerClass, LedgerEntry, ReviewCycle

SEED_OFFSET = 7  # the review history uses +24: each step draws from a stream of its own
NEW_HOUSEHOLDS = 60
FIRST_NEW_SEQ = 900_001  # codes 29266-900001…: a range the registry's own households never reach
TEMPLATE_FILE = "mau-nhap-ho-gia-dinh.xlsx"
CLEAN_FILE = "ho-gia-dinh-moi.xlsx"
BROKEN_FILE = "ho-gia-dinh-moi-co-loi.xlsx"
LEDGER_DECISION = "98/QĐ-UBND"
ON_LIST = (LedgerClass.POOR, LedgerClass.NEAR_POOR)

Row = dict[str, Any]


def example_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "nhap-du-lieu"


def ledger_file_name(year: int) -> str:
    return f"danh-sach-ho-ngheo-can-ngheo-{year}.xlsx"


# --- the households workbook ----------------------------------------------------------------------------------


def _new_households(ctx: DemoContext, commune: AdminUnit, hamlet: AdminUnit) -> list[dict[str, Any]]:
    """Records of households that are not in the registry, whose members' citizen IDs are not either."""
    spec = next(s for s in COMMUNES if s.code == commune.code)
    generator = PopulationGenerator(ctx.seed + SEED_OFFSET, ctx.reference_date)
    # The generator keeps IDs unique among what it drew itself; the registry's IDs are added so that none of the
    # new members collides with a person already registered (a collision would be a real error in the file).
    generator.citizen_ids.update(Member.objects.exclude(citizen_id="").values_list("citizen_id", flat=True))
    province_code = ctx.province.code if ctx.province is not None else ""
    return list(generator.households(spec, count=NEW_HOUSEHOLDS, hamlets=[hamlet.name], area=commune.area_type,
                                     province_code=province_code, start=FIRST_NEW_SEQ))


def _sheet_rows(records: list[dict[str, Any]], commune: AdminUnit, hamlet: AdminUnit) -> tuple[list[Row], list[Row]]:
    """Cells by column name, as the export takes them from a registry household (typed; labels come at writing).

    The generated records go through the demo's own record → registry rows and the export's values (and, in
    ``_households_workbook``, the export's sheet writer), so the demo files spell every value exactly as an
    exported list does: labels, Có/Không, dd/mm/yyyy, citizen IDs as text."""
    households: list[Row] = []
    members: list[Row] = []
    for record in records:
        household = _household_row(record, commune, hamlet)
        households.append(household_values(household))
        members.extend(member_values(household, member, show_citizen_id=True)
                       for member in _member_rows(0, record["members"]))
    return households, members


def _plant_errors(households: list[Row], members: list[Row], registry_id: str | None) -> list[str]:
    """Break copies of the rows the way officers' files go wrong; returns what was planted, one line each."""
    by_household: dict[str, list[Row]] = {}
    for member in members:
        by_household.setdefault(member[cols.HOUSEHOLD_KEY], []).append(member)
    families = [h for h in households if len(by_household[h["id"]]) >= 3]
    planted: list[str] = []

    households[2]["reference_date"] = "31/02/2025"
    planted.append("Ngày rà soát 31/02/2025")
    households[4]["hamlet"] = "Ấp Không Có"
    planted.append("Thôn/ấp không có trong xã")
    households[7]["floor_area_m2"] = -12
    planted.append("Diện tích nhà ở âm")
    households[11]["floor_area_m2"] = "khoảng 40"
    planted.append("Chữ trong cột số")
    households[14]["water_source"] = "Sông suối"
    planted.append("Nguồn nước không có trong danh sách")
    first, second, third = (by_household[h["id"]] for h in families[-3:])
    first[1]["citizen_id"] = first[0]["citizen_id"]
    planted.append("Số định danh trùng trong tệp")
    second[1]["relation"] = "head"
    planted.append("Hai chủ hộ")
    if registry_id is not None:
        third[2]["citizen_id"] = registry_id
        planted.append("Số định danh của người đã có trong hệ thống")
    return planted


def _households_workbook(households: list[Row], members: list[Row]) -> bytes:
    book = Workbook(write_only=True)
    household_sheet = _SheetSeries(book, cols.SHEET_TITLES[cols.HOUSEHOLDS], cols.columns(cols.HOUSEHOLDS))
    member_sheet = _SheetSeries(book, cols.SHEET_TITLES[cols.MEMBERS], cols.columns(cols.MEMBERS))
    for values in households:
        household_sheet.append(values)
    for values in members:
        member_sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the recognised list of the year before -------------------------------------------------------------------


def _ledger_workbook(commune: AdminUnit, year: int) -> tuple[bytes, int]:
    """The commune's poor and near-poor households of ``year`` as its signed decision would list them: those on
    the first review's list that no entry of ``year`` covers yet (an import never replaces a review's entry)."""
    covered = LedgerEntry.objects.filter(commune=commune, year=year).values("household_id")
    entries = (LedgerEntry.objects.filter(commune=commune, year=year + 1, klass__in=ON_LIST, corrects__isnull=True)
               .exclude(household_id__in=covered).select_related("household").order_by("household__code"))
    heads = dict(Member.objects.filter(household__commune=commune, relation="head")
                 .values_list("household_id", "citizen_id"))
    labels = ledger.class_labels()
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "Danh sách"
    sheet.append([_("DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO NĂM %(year)s — %(commune)s")
                  % {"year": year, "commune": commune.name}])
    sheet.append([c.header for c in ledger.COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    decided = dt.date(year, 12, 15)
    rows = 0
    for entry in entries:
        household = entry.household
        sheet.append([household.code, household.head_name, heads.get(household.pk) or None, labels[entry.klass],
                      year, None, LEDGER_DECISION, decided, commune.code])
        row = sheet.max_row
        sheet.cell(row, 3).number_format = "@"  # the citizen ID is text: a number would lose its leading zero
        sheet.cell(row, 8).number_format = "dd/mm/yyyy"
        rows += 1
    for letter, width in zip("ABCDEFGHI", (16, 26, 18, 16, 8, 12, 14, 16, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


# --- the step -------------------------------------------------------------------------------------------------


def _upload(actor: Any, path: Path) -> ImportJob:
    with path.open("rb") as handle:
        job = services.import_upload(actor=actor, kind=ImportKind.HOUSEHOLDS, file_name=path.name, content=handle)
    return services.run_validation(job)


def _first_review_year(commune: AdminUnit, default: int) -> int:
    found = ReviewCycle.objects.filter(commune=commune, kind=CycleKind.PERIODIC).aggregate(first=Min("year"))
    return int(found["first"] or default)


def household_import(ctx: DemoContext) -> None:
    officer = ctx.users["xa"]
    commune = ctx.communes[0]
    hamlet = ctx.hamlets[commune.code][0]
    progress: Callable[[str], None] = ctx.progress
    progress(_("Tạo tệp mẫu nhập dữ liệu và nhập thử %(count)d hộ mới của %(hamlet)s…")
             % {"count": NEW_HOUSEHOLDS, "hamlet": hamlet.name})
    folder = example_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TEMPLATE_FILE).write_bytes(template_workbook())

    records = _new_households(ctx, commune, hamlet)
    households, members = _sheet_rows(records, commune, hamlet)
    (folder / CLEAN_FILE).write_bytes(_households_workbook(households, members))
    registry_id = (Member.objects.filter(household__commune=commune).exclude(citizen_id="")
                   .order_by("household__code", "position").values_list("citizen_id", flat=True).first())
    broken_households = [dict(h) for h in households]
    broken_members = [dict(m) for m in members]
    planted = _plant_errors(broken_households, broken_members, registry_id)
    (folder / BROKEN_FILE).write_bytes(_households_workbook(broken_households, broken_members))

    list_year = _first_review_year(commune, ctx.reference_date.year) - 1
    data, listed = _ledger_workbook(commune, list_year)
    (folder / ledger_file_name(list_year)).write_bytes(data)

    # The order an officer lives it: the first upload has mistakes, the corrected file goes in.
    broken = _upload(officer, folder / BROKEN_FILE)
    clean = _upload(officer, folder / CLEAN_FILE)
    if clean.status == ImportStatus.READY:
        clean = services.run_commit(services.start_commit(actor=officer, job=clean, enqueue=False))
    if broken.status != ImportStatus.INVALID or clean.status != ImportStatus.COMMITTED:
        # The example files are generated, so this is a bug in the demo or the import, never the visitor's doing.
        raise RuntimeError(f"demo import: broken file {broken.status}, clean file {clean.status} "
                           f"({clean.failure or clean.summary})")
    created = int(clean.result.get("households_created", 0))
    errors = int(broken.summary.get("errors", 0))
    progress(_("Đã nhập %(count)s hộ mới từ %(file)s; tệp %(broken)s có %(errors)s lỗi (%(planted)d lỗi cài sẵn) "
               "chờ sửa.") % {"count": format_number(created), "file": CLEAN_FILE, "broken": BROKEN_FILE,
                              "errors": format_number(errors), "planted": len(planted)})
    ctx.summary.append((_("Nhập dữ liệu"), _(
        "%(count)s hộ mới đã nhập từ tệp (tài khoản xa); một tệp có %(errors)s lỗi chờ sửa; danh sách hộ nghèo, cận "
        "nghèo năm %(year)s (%(listed)s hộ) chờ nhập") % {
        "count": format_number(created), "errors": format_number(errors), "year": list_year,
        "listed": format_number(listed)}))
    ctx.summary.append((_("Tệp mẫu nhập dữ liệu"), str(folder)))


DEMO_STEPS = [Step("household_import", household_import, after="review_history")]
