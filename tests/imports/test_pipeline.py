"""The household import's stages, end to end through the services, on a small commune."""

from __future__ import annotations

from typing import Any

import pytest

from giamngheo.households.models import Classification, Household, Member
from giamngheo.imports import services
from giamngheo.imports.models import ImportedHousehold, ImportStatus

from .conftest import household_rows, run_import


@pytest.fixture
def officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user("commune_officer", unit_tree.commune)


run = run_import


@pytest.mark.django_db(transaction=True)
def test_import_writes_households_members_and_classes_then_reimport_changes_nothing(
        unit_tree: Any, officer: Any, write_workbook: Any) -> None:
    households, members = household_rows(unit_tree.commune.code, 5)
    path = write_workbook(households, members)
    job = run(path, officer)
    assert job.status == ImportStatus.COMMITTED, (job.failure, services.read_errors(job))
    assert job.summary["households"] == {"new": 5, "changed": 0, "unchanged": 0, "invalid": 0}
    assert Household.objects.count() == 5
    assert Member.objects.count() == 15
    household = Household.objects.get(code=f"{unit_tree.commune.code}-T00001")
    assert household.hamlet == unit_tree.hamlet
    assert household.income == 1_010_000 and household.floor_area_m2 == 25.5
    assert household.information_devices == ["tv", "mobile_phone"]
    assert household.walls_durable is True
    assert household.head_name == "Nguyễn Văn 1" and household.member_count == 3
    assert "nguyen van 1" in household.search_text
    head = household.members.get(relation="head")
    assert head.citizen_id == "086070000001" and head.ethnicity == "Kinh" and head.health_insured is True
    assert Classification.objects.filter(household=household).exists()
    assert household.current_class != ""
    assert ImportedHousehold.objects.filter(job=job).count() == 5
    # The stored classification must not look stale to the registry.
    from giamngheo.households.classification import classification_is_stale, engine_record, standards_for
    record = engine_record(Household.objects.get(pk=household.pk))
    row = Classification.objects.get(household=household, standard_id=standards_for(record)[0].id)
    assert not classification_is_stale(row, standards_for(record)[0], record)
    # The same result the registry computes for one household; its explanation is made when the page asks.
    from giamngheo.households.classification import explain
    from giamngheo.households.selectors import household_classification_view
    fresh = explain(record, standards_for(record)[0], lang="vi")
    explanation = fresh.pop("explanation")
    assert row.result == fresh
    view = household_classification_view(household=household, user=officer, lang="vi")[0]
    assert view["explanation"] == explanation and view["class"] == fresh["class"]

    again = run(path, officer)
    assert again.summary["households"] == {"new": 0, "changed": 0, "unchanged": 5, "invalid": 0}
    assert again.result["households_created"] == 0 and again.result["households_updated"] == 0
    assert Household.objects.get(pk=household.pk).version == household.version


@pytest.mark.django_db(transaction=True)
def test_a_changed_answer_is_one_changed_household_with_its_diff(unit_tree: Any, officer: Any,
                                                                 write_workbook: Any) -> None:
    households, members = household_rows(unit_tree.commune.code, 3)
    run(write_workbook(households, members), officer)
    households[1][6] = "40"
    job = run(write_workbook(households, members, name="b.xlsx"), officer, commit=False)
    assert job.summary["households"] == {"new": 0, "changed": 1, "unchanged": 2, "invalid": 0}
    sample = services.read_preview(job)["samples"]["changed"][0]
    assert sample["changes"] == {"dwelling.floor_area_m2": [25.5, 40.0]}
    job = services.run_commit(services.start_commit(actor=officer, job=job))
    assert job.status == ImportStatus.COMMITTED
    assert Household.objects.get(code=households[1][0]).floor_area_m2 == 40


@pytest.mark.django_db(transaction=True)
def test_errors_block_the_commit_and_name_their_cells(unit_tree: Any, officer: Any, write_workbook: Any) -> None:
    households, members = household_rows(unit_tree.commune.code, 3)
    members[0][4] = "31/02/1990"
    households[2][3] = "99999"
    job = run(write_workbook(households, members), officer)
    assert job.status == ImportStatus.INVALID
    errors = services.read_errors(job)
    cells = {(e["sheet"], e["row"], e["column"]) for e in errors}
    assert ("Thành viên", 2, "Ngày sinh") in cells
    assert ("Hộ gia đình", 4, "Mã xã/phường") in cells
    assert Household.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_commit_whose_worker_died_can_be_cancelled_once_it_is_stale(unit_tree: Any, officer: Any,
                                                                    write_workbook: Any) -> None:
    import os

    from giamngheo.core.errors import ApplicationError
    from giamngheo.imports import storage

    households, members = household_rows(unit_tree.commune.code, 2)
    job = run(write_workbook(households, members), officer, commit=False)
    job = services.start_commit(actor=officer, job=job, enqueue=False)
    # A live commit (its progress file fresh) cannot be cancelled …
    with pytest.raises(ApplicationError):
        services.import_cancel(actor=officer, job=job)
    # … one whose worker stopped writing progress 20 minutes ago can.
    progress = storage.job_dir(job.public_id) / storage.PROGRESS_JSON
    old = progress.stat().st_mtime - 20 * 60
    os.utime(progress, (old, old))
    job = services.import_cancel(actor=officer, job=job)
    assert job.status == ImportStatus.CANCELLED
    assert not storage.root().joinpath(str(job.public_id)).exists()
    assert Household.objects.count() == 0
