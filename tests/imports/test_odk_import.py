"""Submissions of Phiếu B exported from ODK Central (zip of CSVs) and KoboToolbox (XLSX), written here the way the
two servers write them, through the staged import end to end: validation, scope, errors naming row and field in
Vietnamese, the annotated workbook, commit, audit, and a submission applied once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household, Member
from giamngheo.imports import services, storage
from giamngheo.imports.models import ImportedHousehold, ImportJob, ImportKind, ImportStatus, OdkSubmission

FORM_ID = "giamngheo_phieu_b_v1"
# ODK Central's "CSV with repeats": answers by group path joined with "-", its own columns around them.
CENTRAL_MAIN = ["SubmissionDate", "household_code", "reference_date", "year", "area", "province_code", "commune_code",
                "hamlet", "income", "score_a", "income_basis", "dwelling-floor_area_m2", "dwelling-walls_durable",
                "dwelling-frame_durable", "dwelling-roof_durable", "dwelling-water_source", "dwelling-latrine",
                "dwelling-information_devices", "dwelling-hears_loudspeaker", "dwelling-waste", "meta-instanceID",
                "meta-instanceName", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
                "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
MEMBER_FIELDS = ["member_id", "relation", "name", "citizen_id", "sex", "birth_date", "age", "ethnicity",
                 "disability", "monthly_social_allowance", "meritorious", "working_age", "employment",
                 "health_insured", "nutrition", "education_completed", "in_education", "school", "uses_internet",
                 "uses_phone", "ill_untreated"]
CENTRAL_MEMBERS = [*MEMBER_FIELDS, "PARENT_KEY", "KEY"]
# KoboToolbox's XLS export, "XML values and headers", groups in headers (separator "/").
KOBO_MAIN = [h.replace("-", "/") for h in CENTRAL_MAIN[1:20]] + [
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__",
    "_tags", "_index"]
KOBO_MEMBERS = [f"members/{f}" for f in MEMBER_FIELDS] + [
    "_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid",
    "_submission__submission_time", "_submission__validation_status", "_submission__notes",
    "_submission__status", "_submission__submitted_by", "_submission___version__", "_submission__tags"]


def submission(code: str, commune: str, *, floor: str = "25.5", devices: str = "tv mobile_phone",
               walls: str = "yes", roof: str = "unanswered", income: str = "1500000") -> dict[str, str]:
    return {"household_code": code, "reference_date": "2025-10-15", "year": "2025", "area": "rural",
            "province_code": commune[:2], "commune_code": commune, "hamlet": "Ấp Bình Minh", "income": income,
            "dwelling-floor_area_m2": floor, "dwelling-walls_durable": walls, "dwelling-frame_durable": "yes",
            "dwelling-roof_durable": roof, "dwelling-water_source": "piped", "dwelling-latrine": "septic",
            "dwelling-information_devices": devices, "dwelling-hears_loudspeaker": "no"}


def members_of(code: str) -> list[dict[str, str]]:
    return [
        {"member_id": "1", "relation": "head", "name": f"Lò Văn {code}", "sex": "male", "birth_date": "1980-05-02",
         "ethnicity": "Thái", "health_insured": "yes", "employment": "self_employed"},
        {"member_id": "2", "relation": "child", "name": f"Lò Thị {code}", "sex": "female", "age": "12",
         "ethnicity": "Thái", "health_insured": "unanswered", "in_education": "yes", "school": "appropriate_level"},
    ]


def central_zip(path: Path, rows: list[tuple[str, dict[str, str], list[dict[str, str]]]]) -> Path:
    """``rows``: (instanceID, answers, members), in the order Central lists them."""
    def table(header: list[str], records: list[dict[str, str]]) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[r.get(h, "") for h in header] for r in records])
        return out.getvalue()

    main, members = [], []
    for instance, answers, people in rows:
        main.append({**answers, "SubmissionDate": "2025-10-16T03:04:05.000Z", "meta-instanceID": instance,
                     "meta-instanceName": answers["household_code"], "KEY": instance, "SubmitterID": "7",
                     "SubmitterName": "Điều tra viên Ấp Bình Minh", "ReviewState": "", "FormVersion": "1.abcdef12"})
        members += [{**m, "PARENT_KEY": instance, "KEY": f"{instance}/members[{i}]"}
                    for i, m in enumerate(people, start=1)]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{FORM_ID}.csv", table(CENTRAL_MAIN, main))
        archive.writestr(f"{FORM_ID}-members.csv", table(CENTRAL_MEMBERS, members))
    return path


def kobo_xlsx(path: Path, rows: list[tuple[str, dict[str, str], list[dict[str, str]]]]) -> Path:
    book = openpyxl.Workbook()
    main = book.active
    assert main is not None
    main.title = "Phiếu B — rà soát hộ gia đình ("  # the form title, cut at Excel's 31 characters
    main.append(KOBO_MAIN)
    people_sheet = book.create_sheet("members")
    people_sheet.append(KOBO_MEMBERS)
    member_index = 0
    for index, (uuid, answers, people) in enumerate(rows, start=1):
        values: dict[str, Any] = {k.replace("-", "/"): v for k, v in answers.items()}
        # Kobo writes numbers as numbers.
        values["income"] = int(values["income"])
        values["dwelling/floor_area_m2"] = float(values["dwelling/floor_area_m2"])
        values.update({"_id": 1000 + index, "_uuid": uuid, "_submission_time": "2025-10-16T03:04:05",
                       "_status": "submitted_via_web", "__version__": "vabc", "_index": index})
        main.append([values.get(h) for h in KOBO_MAIN])
        for person in people:
            member_index += 1
            cells: dict[str, Any] = {f"members/{k}": v for k, v in person.items()}
            cells.update({"_index": member_index, "_parent_table_name": "Phiếu B", "_parent_index": index,
                          "_submission__id": 1000 + index, "_submission__uuid": uuid})
            people_sheet.append([cells.get(h) for h in KOBO_MEMBERS])
    book.save(path)
    return path


def registered(hamlet: Any, code: str, head: str = "Nguyễn Văn An") -> Household:
    """A household already in the registry: one head, surveyed last year."""
    household = Household.objects.create(code=code, commune=hamlet.parent, hamlet=hamlet, unit_path=hamlet.path,
                                         reference_date=dt.date(2024, 10, 1), area="rural", head_name=head,
                                         member_count=1)
    Member.objects.create(household=household, position=0, member_id="1", relation="head", name=head, sex="male",
                          age=40, ethnicity="Kinh")
    return household


def run_odk(path: Path, actor: Any, *, commit: bool = True) -> ImportJob:
    with path.open("rb") as handle:
        job = services.import_upload(actor=actor, kind=ImportKind.ODK, file_name=path.name, content=handle)
    job = services.run_validation(job)
    if commit and job.status == ImportStatus.READY:
        job = services.run_commit(services.start_commit(actor=actor, job=job, enqueue=False))
    return job


@pytest.fixture
def officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user("commune_officer", unit_tree.commune)


@pytest.mark.django_db(transaction=True)
def test_odk_central_export_updates_and_adds_households_once(unit_tree: Any, officer: Any, tmp_path: Path) -> None:
    commune = unit_tree.commune.code
    known = registered(unit_tree.hamlet, "AB-001", head="Lò Văn AB-001")
    rows = [("uuid:0001", submission("AB-001", commune), members_of("AB-001")),
            ("uuid:0002", submission("AB-002", commune, devices="none", walls="no"), members_of("AB-002")),
            # The same submission sent twice (same instanceID, same member keys): applied once.
            ("uuid:0001", submission("AB-001", commune), members_of("AB-001"))]
    path = central_zip(tmp_path / "phieu-b.zip", rows)
    job = run_odk(path, officer)
    assert job.status == ImportStatus.COMMITTED, (job.failure, services.read_errors(job))
    assert job.summary["odk"] == {"source": "odk_central", "submissions": 2, "repeated": 1, "already_imported": 0}
    assert job.summary["households"] == {"new": 1, "changed": 1, "unchanged": 0, "invalid": 0}

    updated = Household.objects.get(pk=known.pk)
    assert updated.version == known.version + 1
    assert updated.floor_area_m2 == 25.5 and updated.income == 1_500_000
    assert updated.information_devices == ["tv", "mobile_phone"]
    # yes → True, no → False, "unanswered" → not answered (never "no").
    assert updated.walls_durable is True and updated.hears_loudspeaker is False and updated.roof_durable is None
    assert [m.name for m in updated.members.order_by("position")] == ["Lò Văn AB-001", "Lò Thị AB-001"]
    child = updated.members.get(relation="child")
    assert child.age == 12 and child.health_insured is None and child.in_education is True
    added = Household.objects.get(code="AB-002")
    assert added.information_devices == [] and added.walls_durable is False and added.hamlet == unit_tree.hamlet
    assert Member.objects.filter(household__code__in=["AB-001", "AB-002"]).count() == 4
    assert added.current_class != ""  # classified on commit, as every import

    assert set(OdkSubmission.objects.values_list("instance_id", "household__code")) == {
        ("uuid:0001", "AB-001"), ("uuid:0002", "AB-002")}
    assert AuditEntry.objects.filter(action="giamngheo.import.committed", object_id=str(job.public_id)).exists()
    assert set(AuditEntry.objects.filter(action="giamngheo.household.imported").values_list("object_id", flat=True)
               ) == {"AB-001", "AB-002"}
    assert ImportedHousehold.objects.filter(job=job).count() == 2

    # The officer corrects a household; the same export uploaded again must not undo it.
    Household.objects.filter(pk=known.pk).update(floor_area_m2=30, version=updated.version + 1)
    again = run_odk(central_zip(tmp_path / "again.zip", rows), officer)
    assert again.status == ImportStatus.COMMITTED, (again.failure, services.read_errors(again))
    assert again.summary["odk"]["already_imported"] == 3 and again.summary["odk"]["submissions"] == 0
    assert Household.objects.get(pk=known.pk).floor_area_m2 == 30
    assert OdkSubmission.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_kobotoolbox_export_with_a_duplicated_submission(unit_tree: Any, officer: Any, tmp_path: Path) -> None:
    commune = unit_tree.commune.code
    rows = [("6f1c2d4e-0000-4000-8000-000000000001", submission("KB-001", commune, floor="40.25"),
             members_of("KB-001")),
            # Kobo keeps a resent submission as a second row with the same _uuid and its own members.
            ("6f1c2d4e-0000-4000-8000-000000000001", submission("KB-001", commune, floor="40.25"),
             members_of("KB-001"))]
    job = run_odk(kobo_xlsx(tmp_path / "kobo.xlsx", rows), officer)
    assert job.status == ImportStatus.COMMITTED, (job.failure, services.read_errors(job))
    assert job.summary["odk"] == {"source": "kobotoolbox", "submissions": 1, "repeated": 1, "already_imported": 0}
    household = Household.objects.get(code="KB-001")
    assert household.floor_area_m2 == 40.25 and household.income == 1_500_000
    assert household.members.count() == 2
    assert OdkSubmission.objects.get().instance_id == "uuid:6f1c2d4e-0000-4000-8000-000000000001"


@pytest.mark.django_db(transaction=True)
def test_outside_scope_and_bad_answers_are_refused_by_row_and_field(unit_tree: Any, officer: Any, tmp_path: Path
                                                                   ) -> None:
    commune = unit_tree.commune.code
    other = unit_tree.other_commune.code
    known = registered(unit_tree.hamlet, "AB-001")
    foreign = registered(unit_tree.other_hamlet, "CD-009", head="Người Phường Khác")
    rows = [("uuid:0001", submission("AB-001", commune), members_of("AB-001")),
            ("uuid:0009", submission("CD-009", other), members_of("CD-009")),
            ("uuid:0010", submission("AB-010", commune, floor="abc", income="2000000000"), members_of("AB-010"))]
    job = run_odk(central_zip(tmp_path / "phieu-b.zip", rows), officer)
    assert job.status == ImportStatus.INVALID
    errors = services.read_errors(job)
    main = f"{FORM_ID}"
    by_row = {(e["sheet"], e["row"], e["field"]): e for e in errors}
    # Row 3 of the submissions CSV is the other commune's household: refused on that row, in Vietnamese.
    outside = [e for (sheet, row, _f), e in by_row.items() if sheet == main and row == 3]
    assert any("không thuộc địa bàn bạn được giao" in e["message"] or "không được sửa hộ này" in e["message"]
               for e in outside)
    # Row 4: each bad answer on its cell, named by the question's Vietnamese words.
    floor = by_row[(main, 4, "dwelling.floor_area_m2")]
    assert floor["column"] == "Diện tích nhà ở (m²)" and floor["value"] == "abc"
    assert floor["column_index"] == CENTRAL_MAIN.index("dwelling-floor_area_m2")
    assert "không phải là số" in floor["message"]
    income = by_row[(main, 4, "income")]
    assert "1.000.000.000" in income["message"] or "1000000000" in income["message"]
    # Nothing stored is lost or changed.
    assert Household.objects.get(pk=known.pk).version == known.version
    assert Household.objects.get(pk=foreign.pk).head_name == "Người Phường Khác"
    assert not Household.objects.filter(code="AB-010").exists() and not OdkSubmission.objects.exists()
    # The annotated workbook: the CSVs as sheets, the bad cell commented, the list of errors.
    workbook = openpyxl.load_workbook(services.error_workbook_for(job, officer))
    sheet = workbook[main]
    cell = sheet.cell(row=4, column=CENTRAL_MAIN.index("dwelling-floor_area_m2") + 1)
    assert cell.value == "abc" and cell.comment is not None and "Dòng 4" in cell.comment.text
    assert "Lỗi" in workbook.sheetnames
    # The job cannot be committed.
    with pytest.raises(Exception, match="sẵn sàng"):
        services.start_commit(actor=officer, job=job, enqueue=False)


@pytest.mark.django_db
def test_files_that_are_not_an_export_get_a_clear_sentence(officer: Any, tmp_path: Path) -> None:
    only_main = tmp_path / "chi-phieu.zip"
    with zipfile.ZipFile(only_main, "w") as archive:
        archive.writestr(f"{FORM_ID}.csv", ",".join(CENTRAL_MAIN) + "\n")
    job = run_odk(only_main, officer)
    assert job.status == ImportStatus.FAILED and "thành viên" in job.failure
    broken = tmp_path / "hong.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert run_odk(broken, officer).status == ImportStatus.FAILED
    plain = tmp_path / "ho.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Mã hộ", "Ngày rà soát"])  # type: ignore[union-attr]
    book.save(plain)
    job = run_odk(plain, officer)
    assert job.status == ImportStatus.FAILED and "ODK Central" in job.failure
    # A zip is taken only as an ODK export; the household import still refuses it.
    with only_main.open("rb") as handle, pytest.raises(Exception, match="Chỉ nhận tệp Excel"):
        services.import_upload(actor=officer, kind=ImportKind.HOUSEHOLDS, file_name="x.zip", content=handle)



@pytest.mark.django_db
def test_a_zip_that_unpacks_beyond_the_bound_is_refused(officer: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from giamngheo.imports import odk

    monkeypatch.setattr(odk, "MAX_UNZIPPED_BYTES", 1000)
    rows = [(f"uuid:{n:04d}", submission(f"AB-{n:03d}", "86001"), members_of(f"AB-{n:03d}")) for n in range(20)]
    job = run_odk(central_zip(tmp_path / "lon.zip", rows), officer)
    assert job.status == ImportStatus.FAILED and "giải nén" in job.failure
    # Nothing of a failed job's upload is read again, and its files are the job's own.
    assert storage.upload_path(job.public_id).suffix == ".zip"
