"""Issue 13, class 3: the duplicate-citizen-ID refusal is not a look-up tool.

Always refused; the holding household is named only to an actor who may see citizen IDs in its unit; anyone
else learns only that the ID is registered (no code, unit or name); every refusal is audited with the masked
ID, filed where the actor's managers read it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.core.errors import ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.core.selectors import AuditFilter, audit_entries_for
from giamngheo.households.models import Household
from giamngheo.households.services import household_create, household_update

pytestmark = pytest.mark.django_db

HELD = "086123456789"
REFUSED = "giamngheo.household.duplicate_citizen_id_refused"


def record(code, *, commune="86001", hamlet=None, citizen_id=HELD, name="Nguyễn Văn Ánh"):
    data = {
        "id": code, "reference_date": "2025-10-01", "area": "rural", "commune_code": commune, "income": 1_200_000,
        "dwelling": {"floor_area_m2": 10, "latrine": "none", "water_source": "surface"},
        "members": [{"id": "1", "relation": "head", "name": name, "sex": "male", "age": 44,
                     "health_insured": False, "citizen_id": citizen_id}],
    }
    if hamlet:
        data["hamlet"] = hamlet
    return data


@pytest.fixture
def holder(unit_tree, make_user):
    """The household that holds the ID: commune A, hamlet Ấp Bình Minh, head "Lò Văn Páo"."""
    admin = make_user(is_superuser=True)
    return household_create(actor=admin, record=record("A-HOLD", hamlet="Ấp Bình Minh", name="Lò Văn Páo"))


def refusal(actor, data, *, update=None):
    with pytest.raises(ValidationFailed) as caught:
        if update is None:
            household_create(actor=actor, record=data)
        else:
            household_update(actor=actor, household=update, record=data, expected_version=update.version)
    return " ".join(caught.value.errors["members[0].citizen_id"])


def assert_tells_nothing_about_the_holder(message, holder, unit_tree):
    for secret in (holder.code, "Páo", "Pao", unit_tree.commune.name, unit_tree.hamlet.name, "86001"):
        assert secret not in message
    assert "đã được đăng ký" in message


def test_an_officer_who_sees_ids_there_learns_the_holding_household(holder, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert "A-HOLD" in refusal(officer, record("A-NEW"))
    assert not Household.objects.filter(code="A-NEW").exists()


@pytest.mark.parametrize("role, unit, commune", [
    (Role.PROVINCE_OFFICER, "province", "86001"),  # sees the holder, but IDs only masked
    (Role.PROVINCE_OFFICER, "province", "86002"),
    (Role.COMMUNE_OFFICER, "other_commune", "86002"),  # does not see the holder at all
])
def test_anyone_else_learns_only_that_the_id_is_registered(holder, unit_tree, make_user, role, unit, commune):
    actor = make_user(role=role, unit=getattr(unit_tree, unit))
    message = refusal(actor, record("X-NEW", commune=commune))
    assert_tells_nothing_about_the_holder(message, holder, unit_tree)
    assert not Household.objects.filter(code="X-NEW").exists()


def test_a_surveyor_of_another_hamlet_is_not_told_where_the_person_lives(holder, unit_tree, make_user):
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet2)
    message = refusal(surveyor, record("A-NEW", hamlet="Ấp Đồng Tâm"))
    assert_tells_nothing_about_the_holder(message, holder, unit_tree)


def test_an_update_adding_a_registered_id_is_refused_the_same_way(holder, unit_tree, make_user):
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    mine = household_create(actor=province, record=record("A-MINE", citizen_id="086000000001"))
    message = refusal(province, record("A-MINE"), update=mine)
    assert_tells_nothing_about_the_holder(message, holder, unit_tree)
    entry = AuditEntry.objects.get(action=REFUSED)
    assert entry.object_id == "A-MINE" and entry.data["operation"] == "update"


def test_every_refusal_is_audited_with_the_masked_id_where_the_actors_managers_read_it(holder, unit_tree, make_user):
    prober = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    for attempt in range(3):
        refusal(prober, record(f"P-{attempt}"))
    entries = AuditEntry.objects.filter(action=REFUSED)
    assert entries.count() == 3
    for entry in entries:
        assert entry.actor == prober and entry.unit_path == unit_tree.province.path
        assert entry.data["citizen_id"] == "*********789" and HELD not in str(entry.data) + entry.object_repr
    manager = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    seen = audit_entries_for(manager, AuditFilter(action=REFUSED))
    assert seen.count() == 3


def test_the_form_shows_the_refusal_without_the_holder(holder, unit_tree, make_user, client_for):
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    response = client_for(province).post(reverse("households:create"), {
        "code": "W-1", "commune": unit_tree.commune.pk, "reference_date": "01/10/2025", "area": "rural",
        "income": "1200000", "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0",
        "members-0-member_id": "1", "members-0-relation": "head", "members-0-name": "Nguyễn Văn Mới",
        "members-0-sex": "male", "members-0-age": "40", "members-0-citizen_id": HELD,
    })
    page = response.content.decode()
    assert response.status_code == 200 and "đã được đăng ký" in page
    assert "A-HOLD" not in page and not Household.objects.filter(code="W-1").exists()
    assert AuditEntry.objects.filter(action=REFUSED, actor=province).count() == 1
