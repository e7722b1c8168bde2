"""Hamlets: created and renamed by commune officers, numbered within their commune, audited."""

from __future__ import annotations

import datetime as dt

import pytest

from giamngheo.core.errors import ApplicationError
from giamngheo.core.models import AuditEntry
from giamngheo.geo.models import AdminUnit
from giamngheo.geo.selectors import hamlets_of, household_unit_path
from giamngheo.geo.services import hamlet_create, hamlet_rename
from giamngheo.households.models import Household

pytestmark = pytest.mark.django_db


def test_a_new_hamlet_takes_the_next_number_of_its_commune_and_is_audited(unit_tree, make_user):
    officer = make_user()

    hamlet = hamlet_create(actor=officer, commune=unit_tree.commune, name="  bình   hòa ", kind="ap")

    assert (hamlet.code, hamlet.path) == ("86001-h3", "/86/86001/h3/")
    assert (hamlet.name, hamlet.short_name, hamlet.kind) == ("Ấp bình hòa", "bình hòa", "ap")
    assert hamlet.parent == unit_tree.commune and hamlet.area_type == "rural"
    assert list(hamlets_of(unit_tree.commune))[-1] == hamlet
    entry = AuditEntry.objects.get(action="giamngheo.unit.created")
    assert entry.actor == officer and entry.unit_path == "/86/86001/h3/"
    assert entry.changes["name"] == [None, "Ấp bình hòa"]


def test_a_name_that_already_carries_its_kind_is_not_doubled(unit_tree):
    hamlet = hamlet_create(actor=None, commune=unit_tree.other_commune, name="Tổ dân phố 2", kind="to_dan_pho")
    assert hamlet.name == "Tổ dân phố 2"
    assert hamlet.code == "86002-h2"


def test_a_duplicate_name_in_the_same_commune_is_refused_whatever_the_accents(unit_tree):
    with pytest.raises(ApplicationError) as excinfo:
        hamlet_create(actor=None, commune=unit_tree.commune, name="Ap Binh Minh", kind="ap")
    assert excinfo.value.field == "name"
    assert excinfo.value.message == "Xã An Bình đã có “Ấp Binh Minh”."
    assert hamlets_of(unit_tree.commune).count() == 2
    # Another commune may have a hamlet of the same name.
    hamlet_create(actor=None, commune=unit_tree.other_commune, name="Bình Minh", kind="ap")


@pytest.mark.parametrize(("name", "kind", "field"), [("", "ap", "name"), ("Ấp", "ap", "name"),
                                                     ("Bình An", "xom", "kind"), ("x" * 160, "ap", "name")])
def test_bad_input_names_the_field(unit_tree, name, kind, field):
    with pytest.raises(ApplicationError) as excinfo:
        hamlet_create(actor=None, commune=unit_tree.commune, name=name, kind=kind)
    assert excinfo.value.field == field
    assert hamlets_of(unit_tree.commune).count() == 2


def test_hamlets_are_added_only_to_current_communes(unit_tree):
    with pytest.raises(ApplicationError):
        hamlet_create(actor=None, commune=unit_tree.province, name="Bình An", kind="ap")
    unit_tree.commune.valid_to = dt.date(2026, 1, 1)
    unit_tree.commune.save()
    with pytest.raises(ApplicationError) as excinfo:
        hamlet_create(actor=None, commune=unit_tree.commune, name="Bình An", kind="ap")
    assert excinfo.value.field == "commune"


def test_renaming_keeps_code_path_and_households(unit_tree, make_user):
    household = Household.objects.create(code="H1", commune=unit_tree.commune, hamlet=unit_tree.hamlet,
                                         unit_path=unit_tree.hamlet.path, reference_date=dt.date(2025, 10, 1),
                                         area="rural")
    officer = make_user()

    renamed = hamlet_rename(actor=officer, hamlet=unit_tree.hamlet, name="Bình Minh A", kind="khom")

    assert (renamed.code, renamed.path, renamed.name, renamed.kind) == (
        "86001-h1", "/86/86001/h1/", "Khóm Bình Minh A", "khom")
    household.refresh_from_db()
    assert household.hamlet_id == renamed.pk and household.unit_path == renamed.path
    entry = AuditEntry.objects.get(action="giamngheo.unit.updated")
    assert entry.changes == {"name": ["Ấp Bình Minh", "Khóm Bình Minh A"], "kind": ["ap", "khom"]}
    # Renaming to the same name writes nothing.
    hamlet_rename(actor=officer, hamlet=renamed, name="Bình Minh A")
    assert AuditEntry.objects.filter(action="giamngheo.unit.updated").count() == 1


def test_renaming_to_a_sibling_name_is_refused(unit_tree):
    with pytest.raises(ApplicationError) as excinfo:
        hamlet_rename(actor=None, hamlet=unit_tree.hamlet, name="Đồng Tâm", kind="ap")
    assert excinfo.value.field == "name"
    assert AdminUnit.objects.get(pk=unit_tree.hamlet.pk).name == "Ấp Bình Minh"


def test_a_household_is_filed_under_its_hamlet_or_else_its_commune(unit_tree):
    assert household_unit_path(unit_tree.commune, unit_tree.hamlet) == "/86/86001/h1/"
    assert household_unit_path(unit_tree.commune) == "/86/86001/"
    with pytest.raises(ApplicationError) as excinfo:
        household_unit_path(unit_tree.commune, unit_tree.other_hamlet)
    assert excinfo.value.field == "hamlet"
