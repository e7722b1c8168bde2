"""Household selectors: scope, diacritics-insensitive search, filters, 404 for the out of scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from giamngheo.accounts.roles import Perm, Role
from giamngheo.core.errors import ApplicationError
from giamngheo.households.models import Classification
from giamngheo.households.selectors import household_classification_view, household_get, household_list
from giamngheo.households.services import household_create, household_delete

pytestmark = pytest.mark.django_db


def record(code, *, commune="86001", hamlet=None, head="Nguyễn Văn Ánh", income=1_200_000, citizen_id=None,
           reference_date="2025-10-01"):
    head_member = {"id": "1", "relation": "head", "name": head, "sex": "male", "age": 44, "health_insured": False}
    if citizen_id:
        head_member["citizen_id"] = citizen_id
    data = {
        "id": code, "reference_date": reference_date, "area": "rural", "commune_code": commune, "income": income,
        "dwelling": {"floor_area_m2": 10, "latrine": "none", "water_source": "surface"},
        "members": [head_member],
    }
    if hamlet:
        data["hamlet"] = hamlet
    return data


@pytest.fixture
def registry(unit_tree, make_user):
    """Three households in commune A (two hamlets), one in commune B, one deleted in A."""
    admin = make_user(is_superuser=True)
    made = {
        "a1": household_create(actor=admin, record=record("A-1", hamlet="Ấp Bình Minh", citizen_id="086000000001")),
        "a2": household_create(actor=admin, record=record("A-2", hamlet="Ấp Đồng Tâm", head="Lê Thị Hoa",
                                                           income=5_000_000)),
        "a3": household_create(actor=admin, record=record("A-3", head="Nguyễn Văn Bình")),
        "b1": household_create(actor=admin, record=record("B-1", commune="86002", head="Nguyễn Văn Ánh")),
        "gone": household_create(actor=admin, record=record("A-9", head="Phạm Văn Xoá")),
    }
    household_delete(actor=admin, household=made["gone"])
    return made


def codes(queryset):
    return [h.code for h in queryset]


def test_commune_officer_sees_only_their_commune(registry, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert sorted(codes(household_list(user=officer))) == ["A-1", "A-2", "A-3"]


def test_province_officer_sees_every_commune_of_the_province(registry, unit_tree, make_user):
    province = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    assert sorted(codes(household_list(user=province))) == ["A-1", "A-2", "A-3", "B-1"]


def test_hamlet_surveyor_sees_only_their_hamlet(registry, unit_tree, make_user):
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)
    assert codes(household_list(user=surveyor)) == ["A-1"]


def test_user_without_grants_sees_nothing(registry, make_user):
    assert codes(household_list(user=make_user())) == []


def test_search_ignores_diacritics_case_and_word_order(registry, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert sorted(codes(household_list(user=officer, q="nguyen van"))) == ["A-1", "A-3"]
    assert codes(household_list(user=officer, q="ANH nguyễn")) == ["A-1"]
    assert codes(household_list(user=officer, q="dong tam")) == ["A-2"]
    assert codes(household_list(user=officer, q="086000000001")) == ["A-1"]
    assert codes(household_list(user=officer, q="xoa")) == []


def test_filters_by_class_commune_and_hamlet(registry, unit_tree, make_user):
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    assert codes(household_list(user=province, klass="none")) == ["A-2"]
    assert codes(household_list(user=province, commune_code="86002")) == ["B-1"]
    assert codes(household_list(user=province, hamlet_id=unit_tree.hamlet2.pk)) == ["A-2"]
    assert codes(household_list(user=province, commune_code="99999")) == []


def test_a_commune_filter_cannot_widen_scope(registry, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert codes(household_list(user=officer, commune_code="86002")) == []


def test_deleted_households_only_on_request(registry, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert "A-9" in codes(household_list(user=officer, include_deleted=True))


def test_ordering_is_by_unit_then_creation(registry, unit_tree, make_user):
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    # Commune A households without a hamlet sort before its hamlets' (path /86/86001/ < /86/86001/h1/).
    assert codes(household_list(user=province)) == ["A-3", "A-1", "A-2", "B-1"]


def test_listing_a_page_costs_a_fixed_number_of_queries(registry, unit_tree, make_user):
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    household_list(user=province).count()  # warm the grants cache
    with CaptureQueriesContext(connection) as queries:
        rows = [(h.code, h.commune.name, h.hamlet.name if h.hamlet else "") for h in household_list(user=province)]
    assert len(rows) == 4
    assert len(queries) == 1


def test_get_returns_the_household_with_members(registry, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    household = household_get(user=officer, code="A-1")
    assert [m.name for m in household.members.all()] == ["Nguyễn Văn Ánh"]


@pytest.mark.parametrize("code", ["B-1", "A-9", "NOPE"])
def test_get_is_404_out_of_scope_deleted_or_missing(registry, unit_tree, make_user, code):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    with pytest.raises(Http404):
        household_get(user=officer, code=code)


def test_get_for_editing_needs_the_edit_permission(registry, unit_tree, make_user):
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    assert household_get(user=viewer, code="A-1").code == "A-1"
    with pytest.raises(Http404):
        household_get(user=viewer, code="A-1", perm=Perm.HOUSEHOLD_EDIT)


def test_classification_view_explains_in_the_requested_language(registry, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    household = household_get(user=officer, code="A-1")
    [vi] = household_classification_view(household=household, user=officer, lang="vi")
    [en] = household_classification_view(household=household, user=officer, lang="en")
    assert vi["standard"] == en["standard"] == "2022-2025"
    assert vi["class"] == en["class"]
    assert "thu nhập" in vi["explanation"]["decision"]["text"].lower()
    assert "income" in en["explanation"]["decision"]["text"].lower()


def test_classification_view_recomputes_a_stale_result(registry, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    household = household_get(user=officer, code="A-1")
    Classification.objects.filter(household=household).update(klass="average", standard_hash="old")
    [view] = household_classification_view(household=household, user=officer, lang="vi")
    assert view["class"] != "average"
    assert Classification.objects.get(household=household).standard_hash != "old"


def test_classification_view_rejects_unknown_and_inapplicable_standards(registry, unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    household = household_get(user=officer, code="A-1")
    with pytest.raises(ApplicationError) as unknown:
        household_classification_view(household=household, user=officer, lang="vi", standard="2099")
    with pytest.raises(ApplicationError) as inapplicable:
        household_classification_view(household=household, user=officer, lang="vi", standard="2016-2020")
    assert unknown.value.field == inapplicable.value.field == "standard"
    assert "2016-2020" in inapplicable.value.message


def test_classification_view_is_scoped(registry, unit_tree, make_user):
    outsider = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)
    with pytest.raises(Http404):
        household_classification_view(household=registry["a1"], user=outsider, lang="vi")


def test_list_count_is_exact_for_small_lists_and_estimated_above_the_limit(registry, unit_tree, make_user, monkeypatch):
    from giamngheo.households import selectors

    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    assert selectors.household_list_count(household_list(user=province)) == (4, True)
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 2)
    count, exact = selectors.household_list_count(household_list(user=province))
    if connection.vendor == "postgresql":
        assert not exact and count >= 3  # the planner's estimate, never below the bound it exceeded
    else:
        assert (count, exact) == (4, True)
