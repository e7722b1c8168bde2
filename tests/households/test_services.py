"""Household services: create, update (compare-and-swap), soft delete — validation, scope, audit."""

from __future__ import annotations

import copy

import pytest

from giamngheo.accounts.roles import Role
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.households import services
from giamngheo.households.models import Classification, Household, Member
from giamngheo.households.records import household_to_record
from giamngheo.households.services import household_create, household_delete, household_update

pytestmark = pytest.mark.django_db


def poor_record(**overrides):
    """A rural 2025 household under the income line with several deprivations."""
    record = {
        "id": "HH-1",
        "reference_date": "2025-10-01",
        "area": "rural",
        "commune_code": "86001",
        "hamlet": "Ấp Bình Minh",
        "income": 1_200_000,
        "dwelling": {"floor_area_m2": 12, "walls_durable": False, "latrine": "none", "water_source": "surface",
                     "information_devices": []},
        "members": [
            {"id": "1", "relation": "head", "name": "Nguyễn Văn Ánh", "citizen_id": "086123456789", "sex": "male",
             "age": 44, "health_insured": False, "education_completed": "primary", "employment": "self_employed"},
            {"id": "2", "relation": "spouse", "name": "Trần Thị Bé", "citizen_id": "086123456790", "sex": "female",
             "birth_date": "1985-03-02", "health_insured": False},
        ],
    }
    record.update(overrides)
    return record


@pytest.fixture
def officer(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)


def errors_of(excinfo):
    return excinfo.value.errors


# --- create -----------------------------------------------------------------------------------------------------


def test_create_stores_the_record_and_returns_it_unchanged(officer, unit_tree):
    household = household_create(actor=officer, record=poor_record())
    assert household.code == "HH-1"
    assert household.commune == unit_tree.commune and household.hamlet == unit_tree.hamlet
    assert household.unit_path == unit_tree.hamlet.path
    assert household_to_record(household, show_citizen_ids=True) == {**poor_record(), "province_code": "86"}


def test_create_denormalises_head_count_and_folded_search_text(officer):
    household = household_create(actor=officer, record=poor_record())
    assert household.head_name == "Nguyễn Văn Ánh"
    assert household.member_count == 2
    for word in ("nguyen van anh", "tran thi be", "ap binh minh", "hh-1"):
        assert word in household.search_text
    # Citizen IDs are searched through the members' own column, only where the user sees them (issue 13).
    assert "086123456789" not in household.search_text


def test_create_classifies_under_the_national_standard(officer):
    household = household_create(actor=officer, record=poor_record())
    assert (household.current_class, household.current_standard) == ("poor", "2022-2025")
    row = Classification.objects.get(household=household)
    assert row.klass == "poor" and row.year == 2025
    assert "housing_area" in row.deprivations
    assert row.result["explanation"]["class"] == "poor"


def test_create_without_id_numbers_the_household_in_its_commune(officer):
    record = poor_record()
    del record["id"]
    first = household_create(actor=officer, record=record)
    second_record = copy.deepcopy(record)
    for member in second_record["members"]:
        member.pop("citizen_id")
    second = household_create(actor=officer, record=second_record)
    assert (first.code, second.code) == ("86001-000001", "86001-000002")


def test_create_writes_one_audit_entry_with_every_answer(officer, unit_tree):
    household = household_create(actor=officer, record=poor_record())
    entry = AuditEntry.objects.get()
    assert entry.action == "giamngheo.household.created"
    assert (entry.object_id, entry.actor, entry.unit_path) == ("HH-1", officer, unit_tree.hamlet.path)
    assert entry.changes["income"] == [None, 1_200_000]
    assert entry.changes["dwelling.latrine"] == [None, "none"]
    assert entry.changes["members[1]"][1]["name"] == "Trần Thị Bé"
    # The trail is readable by roles that may not see citizen IDs.
    assert entry.changes["members[0]"][1]["citizen_id"] == "*********789"
    assert household.version == 1


def test_unknown_and_out_of_scope_communes_get_the_same_error(officer):
    with pytest.raises(ValidationFailed) as unknown:
        household_create(actor=officer, record={**poor_record(commune_code="99999"), "hamlet": "Ấp 1"})
    with pytest.raises(ValidationFailed) as foreign:
        household_create(actor=officer, record={**poor_record(commune_code="86002"), "hamlet": "Tổ dân phố 1"})
    assert set(errors_of(unknown)) == set(errors_of(foreign)) == {"commune_code"}
    assert errors_of(unknown)["commune_code"][0].replace("99999", "X") == errors_of(foreign)[
        "commune_code"
    ][0].replace("86002", "X")
    assert not Household.objects.exists()


def test_missing_commune_code_is_a_field_error(officer):
    record = poor_record()
    del record["commune_code"]
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=record)
    assert "commune_code" in errors_of(excinfo)


def test_commune_chosen_on_the_page_replaces_the_code(officer, unit_tree):
    record = poor_record()
    del record["commune_code"], record["hamlet"]
    household = household_create(actor=officer, record=record, commune=unit_tree.commune, hamlet=unit_tree.hamlet2)
    assert household.hamlet == unit_tree.hamlet2


def test_unknown_hamlet_and_wrong_province_are_field_errors(officer):
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=poor_record(hamlet="Ấp Không Có", province_code="79"))
    assert "Ấp Không Có" in errors_of(excinfo)["hamlet"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=poor_record(province_code="79"))
    assert "79" in errors_of(excinfo)["province_code"][0]


def test_hamlet_is_found_without_diacritics(officer, unit_tree):
    household = household_create(actor=officer, record=poor_record(hamlet="ap dong tam"))
    assert household.hamlet == unit_tree.hamlet2


def test_every_problem_is_reported_at_once_and_nothing_is_written(officer):
    record = poor_record(area="mountain")
    record["members"][1]["sex"] = "x"
    record["members"][0]["nickname"] = "Tư"
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=record)
    errors = errors_of(excinfo)
    assert {"area", "members[1].sex", "members[0].nickname"} <= set(errors)
    assert "không hợp lệ" in errors["area"][0]
    assert not Household.objects.exists() and not Member.objects.exists() and not AuditEntry.objects.exists()


def test_duplicate_code_is_refused(officer):
    household_create(actor=officer, record=poor_record())
    second = poor_record()
    for member in second["members"]:
        member.pop("citizen_id")
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=second)
    assert errors_of(excinfo)["id"] == ["Mã hộ HH-1 đã tồn tại; hãy dùng mã khác."]


@pytest.mark.parametrize("code", ["86001/17", "HH 17", "them", "thon-ap"])
def test_a_code_that_cannot_be_a_page_address_is_refused(officer, code):
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=poor_record(id=code))
    assert "Mã hộ không được chứa dấu “/”" in errors_of(excinfo)["id"][0]
    assert not Household.objects.exists()


def test_a_person_cannot_be_in_two_live_households(officer):
    household_create(actor=officer, record=poor_record())
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=poor_record(id="HH-2"))
    errors = errors_of(excinfo)
    assert "HH-1" in errors["members[0].citizen_id"][0]
    assert "HH-1" in errors["members[1].citizen_id"][0]


def test_a_person_registered_outside_the_officers_area_is_not_located(officer, unit_tree, make_user):
    other_officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)
    elsewhere = poor_record(id="B-7", commune_code="86002")
    del elsewhere["hamlet"]
    household_create(actor=other_officer, record=elsewhere)
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=poor_record())
    message = errors_of(excinfo)["members[0].citizen_id"][0]
    assert "B-7" not in message and "đã được đăng ký" in message


def test_a_deleted_household_releases_its_members(officer):
    first = household_create(actor=officer, record=poor_record())
    household_delete(actor=officer, household=first)
    assert household_create(actor=officer, record=poor_record(id="HH-2")).code == "HH-2"


def test_the_same_citizen_id_twice_in_one_household_is_refused(officer):
    record = poor_record()
    record["members"][1]["citizen_id"] = record["members"][0]["citizen_id"]
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=record)
    assert "members[1].citizen_id" in errors_of(excinfo)


def test_a_hamlet_surveyor_registers_only_in_their_hamlet(unit_tree, make_user):
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)
    assert household_create(actor=surveyor, record=poor_record()).hamlet == unit_tree.hamlet
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=surveyor, record=poor_record(id="HH-9", hamlet="Ấp Đồng Tâm", members=[
            {"id": "1", "relation": "head", "sex": "male", "age": 30}]))
    assert "hamlet" in errors_of(excinfo)


def test_a_province_viewer_cannot_register(unit_tree, make_user):
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=viewer, record=poor_record())
    assert "commune_code" in errors_of(excinfo)


def test_overlong_names_are_reported_not_truncated(officer):
    record = poor_record()
    record["members"][0]["name"] = "A" * 201
    with pytest.raises(ValidationFailed) as excinfo:
        household_create(actor=officer, record=record)
    assert "200" in errors_of(excinfo)["members[0].name"][0]


# --- update -----------------------------------------------------------------------------------------------------


@pytest.fixture
def household(officer):
    return household_create(actor=officer, record=poor_record())


def test_update_replaces_facts_and_bumps_the_version(officer, household):
    record = household_to_record(household, show_citizen_ids=True)
    record["income"] = 3_000_000
    updated = household_update(actor=officer, household=household, record=record, expected_version=1)
    assert updated.version == 2
    assert Household.objects.get(pk=household.pk).income == 3_000_000
    assert updated.current_class == "none"


def test_update_keeps_rows_of_members_that_stay(officer, household):
    ids_before = dict(Member.objects.filter(household=household).values_list("member_id", "pk"))
    record = household_to_record(household, show_citizen_ids=True)
    record["members"][1]["health_insured"] = True
    record["members"].append({"id": "3", "relation": "child", "name": "Nguyễn Bé Ba", "sex": "female", "age": 4})
    household_update(actor=officer, household=household, record=record, expected_version=1)
    ids_after = dict(Member.objects.filter(household=household).values_list("member_id", "pk"))
    assert ids_after["1"] == ids_before["1"] and ids_after["2"] == ids_before["2"]
    assert set(ids_after) == {"1", "2", "3"}


def test_update_audit_shows_member_level_changes(officer, household):
    record = household_to_record(household, show_citizen_ids=True)
    record["members"][1]["health_insured"] = True
    record["members"][0] = {**record["members"][0], "name": "Nguyễn Văn Anh"}
    record["members"].append({"id": "3", "relation": "child", "sex": "female", "age": 4})
    record["dwelling"]["latrine"] = "septic"
    household_update(actor=officer, household=household, record=record, expected_version=1)
    entry = AuditEntry.objects.filter(action="giamngheo.household.updated").get()
    assert entry.changes["members[1].health_insured"] == [False, True]
    assert entry.changes["members[0].name"] == ["Nguyễn Văn Ánh", "Nguyễn Văn Anh"]
    assert entry.changes["members[2]"] == [None, {"id": "3", "relation": "child", "sex": "female", "age": 4}]
    assert entry.changes["dwelling.latrine"] == ["none", "septic"]
    assert "income" not in entry.changes


def test_update_audit_shows_removed_members(officer, household):
    record = household_to_record(household, show_citizen_ids=True)
    record["members"] = record["members"][:1]
    household_update(actor=officer, household=household, record=record, expected_version=1)
    entry = AuditEntry.objects.filter(action="giamngheo.household.updated").get()
    assert entry.changes["members[1]"][0]["name"] == "Trần Thị Bé"
    assert entry.changes["members[1]"][1] is None
    assert not Member.objects.filter(household=household, member_id="2").exists()


def test_a_stale_version_is_refused_with_the_other_persons_change(officer, household, make_user, unit_tree):
    colleague = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, first_name="Lan", last_name="Lê")
    theirs = household_to_record(household, show_citizen_ids=True)
    theirs["income"] = 1_400_000
    household_update(actor=colleague, household=household, record=theirs, expected_version=1)
    mine = household_to_record(household, show_citizen_ids=True)
    mine["income"] = 900_000
    with pytest.raises(ConcurrentEditError) as excinfo:
        household_update(actor=officer, household=household, record=mine, expected_version=1)
    assert excinfo.value.extra["current"]["income"] == 1_400_000
    assert excinfo.value.extra["changed_by"] == "Lan Lê"
    assert excinfo.value.extra["changed_at"]
    assert "Lan Lê" in excinfo.value.message
    assert Household.objects.get(pk=household.pk).income == 1_400_000


def test_compare_and_swap_catches_a_save_that_lands_during_validation(officer, household, monkeypatch):
    real = services.record_errors

    def concurrent_save(record):
        Household.objects.filter(pk=household.pk).update(version=2, income=1_450_000)
        return real(record)

    monkeypatch.setattr(services, "record_errors", concurrent_save)
    record = household_to_record(household, show_citizen_ids=True)
    record["income"] = 900_000
    with pytest.raises(ConcurrentEditError):
        household_update(actor=officer, household=household, record=record, expected_version=1)
    assert Household.objects.get(pk=household.pk).income == 1_450_000
    assert not AuditEntry.objects.filter(action="giamngheo.household.updated").exists()


def test_update_cannot_change_the_code(officer, household):
    record = household_to_record(household, show_citizen_ids=True)
    record["id"] = "HH-NEW"
    with pytest.raises(ValidationFailed) as excinfo:
        household_update(actor=officer, household=household, record=record, expected_version=1)
    assert "id" in errors_of(excinfo)


def test_invalid_update_keeps_what_was_stored(officer, household):
    record = household_to_record(household, show_citizen_ids=True)
    record["members"][0]["relation"] = "spouse"
    record["income"] = -5
    with pytest.raises(ValidationFailed) as excinfo:
        household_update(actor=officer, household=household, record=record, expected_version=1)
    assert {"income", "members"} <= set(errors_of(excinfo))
    stored = Household.objects.get(pk=household.pk)
    assert (stored.income, stored.version) == (1_200_000, 1)


def test_masked_citizen_ids_sent_back_keep_the_stored_ones(household, unit_tree, make_user):
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    record = household_to_record(household, show_citizen_ids=False)
    assert record["members"][0]["citizen_id"] == "*********789"
    record["income"] = 1_100_000
    household_update(actor=province, household=household, record=record, expected_version=1)
    assert Member.objects.get(household=household, member_id="1").citizen_id == "086123456789"


def test_update_can_move_the_household_to_another_hamlet(officer, household, unit_tree):
    record = household_to_record(household, show_citizen_ids=True)
    record["hamlet"] = "Ấp Đồng Tâm"
    updated = household_update(actor=officer, household=household, record=record, expected_version=1)
    assert updated.unit_path == unit_tree.hamlet2.path


def test_an_outsider_cannot_update(household, unit_tree, make_user):
    from django.http import Http404

    outsider = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)
    record = household_to_record(household, show_citizen_ids=True)
    with pytest.raises(Http404):
        household_update(actor=outsider, household=household, record=record, expected_version=1)


# --- delete -----------------------------------------------------------------------------------------------------


def test_delete_is_soft_and_audited(officer, household):
    household_delete(actor=officer, household=household, expected_version=1)
    stored = Household.objects.get(pk=household.pk)
    assert stored.deleted_at is not None and stored.version == 2
    assert Member.objects.filter(household=household).count() == 2
    entry = AuditEntry.objects.filter(action="giamngheo.household.deleted").get()
    assert entry.changes["deleted_at"][0] is None and entry.unit_path == household.unit_path


def test_delete_with_a_stale_version_is_refused(officer, household):
    record = household_to_record(household, show_citizen_ids=True)
    household_update(actor=officer, household=household, record=record | {"income": 1}, expected_version=1)
    with pytest.raises(ConcurrentEditError):
        household_delete(actor=officer, household=household, expected_version=1)
    assert Household.objects.get(pk=household.pk).deleted_at is None


def test_deleting_twice_says_so(officer, household):
    household_delete(actor=officer, household=household)
    with pytest.raises(ApplicationError, match="đã bị xoá"):
        household_delete(actor=officer, household=household)
