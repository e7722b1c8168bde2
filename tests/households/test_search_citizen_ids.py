"""Issue 13, class 1: a citizen ID is searchable only by someone who may see it, only in the units where they
may see it. Everyone else's digits never match a citizen ID, whole or partial, alone or next to a household
code — in the registry selector, the registry page and the review cycle's case list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from giamngheo.accounts.models import RoleGrant
from giamngheo.accounts.roles import Role
from giamngheo.households.models import Household
from giamngheo.households.selectors import household_list
from giamngheo.households.services import household_create

pytestmark = pytest.mark.django_db

A_ID = "086123456789"  # head of A-1 (commune A), shown masked as *********789
B_ID = "086987654321"  # head of B-1 (commune B)

# Every way of asking for A_ID: whole, prefix, suffix, middle digits, and the masked-ID rebuild attack
# "<code> <guessed digit><last three digits>".
ID_QUERIES = [A_ID, "0861234", "456789", "2345", "34567", "A-1 6789", "a-1 086123456789", "A-1 9", "Bình Minh 789"]


def record(code, *, commune="86001", hamlet=None, head="Nguyễn Văn Ánh", citizen_id=None):
    head_member = {"id": "1", "relation": "head", "name": head, "sex": "male", "age": 44, "health_insured": False}
    if citizen_id:
        head_member["citizen_id"] = citizen_id
    data = {
        "id": code, "reference_date": "2025-10-01", "area": "rural", "commune_code": commune, "income": 1_200_000,
        "dwelling": {"floor_area_m2": 10, "latrine": "none", "water_source": "surface"},
        "members": [head_member],
    }
    if hamlet:
        data["hamlet"] = hamlet
    return data


@pytest.fixture
def registry(unit_tree, make_user):
    admin = make_user(is_superuser=True)
    return {
        "a1": household_create(actor=admin, record=record("A-1", hamlet="Ấp Bình Minh", citizen_id=A_ID)),
        "a2": household_create(actor=admin, record=record("A-2", head="Lê Thị Hoa")),
        "b1": household_create(actor=admin, record=record("B-1", commune="86002", head="Trần Văn Be",
                                                           citizen_id=B_ID)),
    }


@pytest.fixture
def tinh(unit_tree, make_user):
    """A province officer, like the demo's ``tinh``: sees every household of the province, IDs masked."""
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)


@pytest.fixture
def xa(unit_tree, make_user):
    """A commune officer of commune A, like the demo's ``xa``: sees the IDs of commune A."""
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)


def codes(queryset):
    return sorted(h.code for h in queryset)


def test_citizen_ids_are_not_in_the_text_everyone_searches(registry):
    for household in Household.objects.all():
        assert A_ID not in household.search_text and B_ID not in household.search_text
    assert "ap binh minh" in registry["a1"].search_text and "nguyen van anh" in registry["a1"].search_text


@pytest.mark.parametrize("q", ID_QUERIES)
def test_a_role_with_masked_ids_cannot_search_by_them(registry, tinh, q):
    assert codes(household_list(user=tinh, q=q)) == []


@pytest.mark.parametrize("q", ID_QUERIES)
def test_a_commune_officer_searches_by_whole_or_partial_ids(registry, xa, q):
    assert codes(household_list(user=xa, q=q)) == ["A-1"]


def test_id_search_is_limited_to_the_units_where_the_user_sees_ids(registry, unit_tree, make_user):
    """Commune officer of A and province viewer of the whole province: B-1 is visible, its ID is not."""
    user = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    RoleGrant.objects.create(user=user, role=Role.PROVINCE_VIEWER, unit=unit_tree.province,
                             unit_path=unit_tree.province.path)
    assert codes(household_list(user=user)) == ["A-1", "A-2", "B-1"]
    assert codes(household_list(user=user, q=A_ID)) == ["A-1"]
    assert codes(household_list(user=user, q=B_ID)) == []
    assert codes(household_list(user=user, q="654321")) == []
    assert codes(household_list(user=user, q="B-1 654321")) == []


def test_a_hamlet_surveyor_searches_ids_of_their_hamlet_only(registry, unit_tree, make_user):
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)
    assert codes(household_list(user=surveyor, q="456789")) == ["A-1"]
    assert codes(household_list(user=surveyor, q=B_ID)) == []


def test_name_code_and_hamlet_search_still_work_for_everyone(registry, tinh, xa):
    for user in (tinh, xa):
        assert codes(household_list(user=user, q="nguyen VAN anh")) == ["A-1"]
        assert codes(household_list(user=user, q="ấp binh minh")) == ["A-1"]
        assert codes(household_list(user=user, q="a-2")) == ["A-2"]
    assert codes(household_list(user=tinh, q="tran van be")) == ["B-1"]


def test_every_word_must_match_also_with_an_id(registry, xa):
    assert codes(household_list(user=xa, q="nguyen 456789")) == ["A-1"]
    assert codes(household_list(user=xa, q="hoa 456789")) == []


def _text(response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("q", [A_ID, "456789", "0861234", "A-1 6789"])
def test_registry_page_search_by_id_only_for_roles_that_see_ids(registry, tinh, xa, client_for, q):
    link = reverse("households:detail", args=["A-1"])
    page = _text(client_for(tinh).get(reverse("households:list"), {"q": q}))
    assert link not in page and "Không có hộ nào khớp với điều kiện lọc." in page
    page = _text(client_for(xa).get(reverse("households:list"), {"q": q}))
    assert link in page


def test_review_case_search_by_id_only_for_roles_that_see_ids(registry, unit_tree, xa, make_user):
    from giamngheo.reviews import selectors as review_selectors
    from giamngheo.reviews import services as review_services

    cycle = review_services.review_cycle_open(actor=xa, commune=unit_tree.commune, year=2025)
    tinh = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)

    def case_codes(user, q):
        return sorted(c.household.code for c in review_selectors.case_list(user=user, cycle=cycle, q=q))

    assert case_codes(xa, None) == ["A-1", "A-2"]
    for q in (A_ID, "456789", "0861234", "A-1 6789"):
        assert case_codes(tinh, q) == [], q
        assert case_codes(xa, q) == ["A-1"], q
    assert case_codes(tinh, "nguyen van anh") == ["A-1"]
    assert case_codes(tinh, "a-2") == ["A-2"]


def test_the_data_migration_removes_citizen_ids_from_stored_search_text(registry, xa, tinh):
    """Households stored before the fix hold IDs in ``search_text``; the migration rebuilds it, same code on
    SQLite and PostgreSQL."""
    import importlib

    from django.apps import apps

    Household.objects.filter(code="A-1").update(search_text=f"a-1 ap binh minh nguyen van anh {A_ID}")
    Household.objects.filter(code="A-2").update(search_text="")
    migration = importlib.import_module("giamngheo.households.migrations.0003_search_text_without_citizen_ids")
    migration.rebuild_search_text(apps, None)
    assert Household.objects.get(code="A-1").search_text == "a-1 ap binh minh nguyen van anh"
    assert Household.objects.get(code="A-2").search_text == "a-2 le thi hoa"
    assert codes(household_list(user=tinh, q="456789")) == []
    assert codes(household_list(user=xa, q="456789")) == ["A-1"]
