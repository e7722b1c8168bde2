"""Reads of the unit tree other apps rely on: scoped lists and lookups by code or alias."""

from __future__ import annotations

import datetime as dt

import pytest

from giamngheo.accounts.roles import Perm, Role
from giamngheo.geo.models import UnitAlias
from giamngheo.geo.selectors import communes_in_scope, unit_by_code, units_in_scope

pytestmark = pytest.mark.django_db


def test_units_in_scope_follow_the_grants(unit_tree, make_unit_tree, make_user):
    make_unit_tree("87")
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    province_officer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    surveyor = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet)

    assert set(units_in_scope(officer, Perm.UNIT_MANAGE, level="hamlet")) == {unit_tree.hamlet, unit_tree.hamlet2}
    assert set(communes_in_scope(province_officer, Perm.UNIT_MANAGE)) == {unit_tree.commune, unit_tree.other_commune}
    assert not communes_in_scope(surveyor, Perm.UNIT_MANAGE).exists()
    assert list(units_in_scope(surveyor, Perm.HOUSEHOLD_VIEW)) == [unit_tree.hamlet]


def test_retired_units_are_not_listed(unit_tree, make_user):
    province_officer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    unit_tree.other_commune.valid_to = dt.date(2026, 1, 1)
    unit_tree.other_commune.save()
    assert list(communes_in_scope(province_officer, Perm.UNIT_MANAGE)) == [unit_tree.commune]
    assert unit_by_code("86002") == unit_tree.other_commune  # still found by code: old records point at it


def test_a_unit_is_found_by_its_code_before_any_alias(unit_tree):
    UnitAlias.objects.create(unit=unit_tree.other_commune, code="86001", source="other-list")
    UnitAlias.objects.create(unit=unit_tree.other_commune, code="86999", source="other-list")
    assert unit_by_code("86001") == unit_tree.commune
    assert unit_by_code("86999") == unit_tree.other_commune
    assert unit_by_code("12345") is None
    assert unit_by_code("86", level="province") == unit_tree.province


def test_an_alias_shared_by_two_units_finds_neither(unit_tree):
    UnitAlias.objects.create(unit=unit_tree.commune, code="86777", source="a")
    UnitAlias.objects.create(unit=unit_tree.other_commune, code="86777", source="b")
    assert unit_by_code("86777") is None
