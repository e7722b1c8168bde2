"""The registry ⇄ engine bridge: what is stored for each standard in force, and when it is redone."""

from __future__ import annotations

import pytest

from giamngheo.accounts.roles import Role
from giamngheo.households.classification import classification_is_stale, engine_record, household_reclassify
from giamngheo.households.models import Classification
from giamngheo.households.records import household_to_record
from giamngheo.households.services import household_create, household_update
from giamngheo.standards import classify_records, get_standard

pytestmark = pytest.mark.django_db


def record(commune_code, *, reference_date="2025-10-01", income=1_200_000):
    return {
        "id": "HH-1", "reference_date": reference_date, "area": "urban", "commune_code": commune_code,
        "income": income,
        "dwelling": {"floor_area_m2": 9, "latrine": "none", "water_source": "surface", "information_devices": []},
        "members": [{"id": "1", "relation": "head", "name": "Lý Văn Tư", "citizen_id": "079000000001",
                     "sex": "male", "age": 50, "health_insured": False}],
    }


@pytest.fixture
def hcmc(make_unit_tree, make_user):
    tree = make_unit_tree("79")
    return tree, make_user(role=Role.COMMUNE_OFFICER, unit=tree.commune)


def test_a_province_with_a_local_standard_gets_both_results(hcmc):
    tree, officer = hcmc
    household = household_create(actor=officer, record=record("79001"))
    rows = {row.standard_id: row for row in Classification.objects.filter(household=household)}
    assert set(rows) == {"2022-2025", "79-2025"}
    assert rows["79-2025"].is_local and not rows["2022-2025"].is_local
    # The current class comes from the national standard, whatever the local one says.
    assert household.current_standard == "2022-2025"
    assert household.current_class == rows["2022-2025"].klass


def test_stored_result_is_the_engines_result(hcmc):
    tree, officer = hcmc
    household = household_create(actor=officer, record=record("79001"))
    row = Classification.objects.get(household=household, standard_id="2022-2025")
    expected = classify_records([engine_record(household)], get_standard("2022-2025"))[0]
    assert (row.klass, row.deprivations, row.unknown, row.income_line, row.basis) == (
        expected["class"], expected["deprivations"], expected["unknown"], expected["income_line"], expected["basis"]
    )
    assert row.standard_hash == get_standard("2022-2025").hash
    assert row.result["explanation"]["lang"] == "vi"


def test_the_snapshot_keeps_the_facts_but_not_citizen_ids(hcmc):
    tree, officer = hcmc
    household = household_create(actor=officer, record=record("79001"))
    snapshot = Classification.objects.filter(household=household).first().input_snapshot
    assert snapshot["income"] == 1_200_000
    assert snapshot["members"][0]["name"] == "Lý Văn Tư"
    assert "citizen_id" not in snapshot["members"][0]


def test_a_new_review_year_replaces_results_of_standards_no_longer_in_force(hcmc):
    tree, officer = hcmc
    household = household_create(actor=officer, record=record("79001"))
    moved = household_to_record(household, show_citizen_ids=True) | {"reference_date": "2027-10-01"}
    household_update(actor=officer, household=household, record=moved, expected_version=1)
    assert list(Classification.objects.filter(household=household).values_list("standard_id", flat=True)) == [
        "2027-2030"
    ]


def test_a_result_is_stale_when_facts_or_definition_change(hcmc):
    tree, officer = hcmc
    household = household_create(actor=officer, record=record("79001"))
    standard = get_standard("2022-2025")
    row = Classification.objects.get(household=household, standard_id="2022-2025")
    current = engine_record(household)
    assert not classification_is_stale(row, standard, current)
    assert classification_is_stale(row, standard, current | {"income": 5_000_000})
    row.standard_hash = "0" * 64
    assert classification_is_stale(row, standard, current)


def test_reclassify_is_idempotent(hcmc):
    tree, officer = hcmc
    household = household_create(actor=officer, record=record("79001"))
    before = list(Classification.objects.filter(household=household).values_list("pk", "klass"))
    household_reclassify(household=household)
    assert list(Classification.objects.filter(household=household).values_list("pk", "klass")) == before
