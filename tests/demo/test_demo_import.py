"""The demo's import step: the example files of the officer's guide, one committed import and one file with errors."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command

from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household
from giamngheo.imports import services
from giamngheo.imports.demo import (
    BROKEN_FILE,
    CLEAN_FILE,
    FIRST_NEW_SEQ,
    NEW_HOUSEHOLDS,
    TEMPLATE_FILE,
    ledger_file_name,
)
from giamngheo.imports.models import ImportedHousehold, ImportJob, ImportKind, ImportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> Path:
    call_command("demo", "--quick", stdout=StringIO())
    return Path(settings.VAR_DIR) / "demo" / "nhap-du-lieu"


def test_the_demo_commits_one_import_leaves_one_with_errors_and_writes_the_guides_files(demo: Path) -> None:
    jobs = {job.file_name: job for job in ImportJob.objects.select_related("created_by")}
    assert set(jobs) == {CLEAN_FILE, BROKEN_FILE}
    clean, broken = jobs[CLEAN_FILE], jobs[BROKEN_FILE]
    assert clean.created_by.username == broken.created_by.username == "xa"

    assert clean.status == ImportStatus.COMMITTED
    assert clean.result["households_created"] == NEW_HOUSEHOLDS
    touched = ImportedHousehold.objects.filter(job=clean)
    assert touched.count() == NEW_HOUSEHOLDS
    imported = Household.objects.filter(pk__in=touched.values("household_id")).select_related("hamlet")
    assert {h.hamlet.name for h in imported} == {"Ấp Đại Đức"}
    assert all(h.code.startswith(f"29266-{FIRST_NEW_SEQ // 1000}") and h.current_class for h in imported)
    assert AuditEntry.objects.filter(action="giamngheo.household.imported").count() == NEW_HOUSEHOLDS

    # The broken file is the same households with one mistake of each kind, each reported at its cell.
    assert broken.status == ImportStatus.INVALID
    found = {(e["sheet"], e["field"]) for e in services.read_errors(broken)}
    assert found == {
        ("Hộ gia đình", "reference_date"), ("Hộ gia đình", "hamlet"), ("Hộ gia đình", "dwelling.floor_area_m2"),
        ("Hộ gia đình", "dwelling.water_source"), ("Thành viên", "members.citizen_id"),
        ("Thành viên", "members.relation"),
    }
    assert broken.summary["errors"] == 8
    assert services.read_preview(broken)["counts"]["households"]["invalid"] == 8  # each mistake in a household of its own
    book = openpyxl.load_workbook(services.error_workbook(broken))
    assert book["Lỗi"].max_row >= 9  # a header and the eight errors

    # The example files the guide walks through (one demo run for both parts: the demo takes seconds).
    ledger_files = sorted(demo.glob("danh-sach-ho-ngheo-can-ngheo-*.xlsx"))
    assert [p.name for p in ledger_files] == [ledger_file_name(2021)]  # the year before the first review (2022)
    assert {p.name for p in demo.iterdir()} == {TEMPLATE_FILE, CLEAN_FILE, BROKEN_FILE, ledger_files[0].name}
    template = openpyxl.load_workbook(demo / TEMPLATE_FILE)
    assert template.sheetnames[:2] == ["Hộ gia đình", "Thành viên"]

    # The clean file once more: every household is now in the registry, unchanged.
    officer: Any = clean.created_by
    with (demo / CLEAN_FILE).open("rb") as handle:
        again = services.run_validation(services.import_upload(actor=officer, kind=ImportKind.HOUSEHOLDS,
                                                               file_name=CLEAN_FILE, content=handle))
    assert again.status == ImportStatus.READY
    assert again.summary["households"] == {"new": 0, "changed": 0, "unchanged": NEW_HOUSEHOLDS, "invalid": 0}

    # Last year's list validates cleanly: every row a new ledger entry, none touching what a review wrote.
    with ledger_files[0].open("rb") as handle:
        listed = services.run_validation(services.import_upload(actor=officer, kind=ImportKind.LEDGER,
                                                                file_name=ledger_files[0].name, content=handle))
    assert listed.status == ImportStatus.READY
    entries = listed.summary["entries"]
    assert entries["new"] > 0 and entries["invalid"] == entries["changed"] == entries["unchanged"] == 0
