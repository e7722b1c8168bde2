"""The unit pages as each kind of user sees them: in scope, out of scope (404), not signed in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _households(unit_tree) -> None:
    def add(code: str, commune, hamlet=None) -> None:
        Household.objects.create(code=code, commune=commune, hamlet=hamlet,
                                 unit_path=(hamlet or commune).path, reference_date=dt.date(2025, 10, 1), area="rural")

    add("A1", unit_tree.commune, unit_tree.hamlet)
    add("A2", unit_tree.commune, unit_tree.hamlet)
    add("A3", unit_tree.commune)
    add("B1", unit_tree.other_commune, unit_tree.other_hamlet)


@pytest.fixture
def officer(unit_tree, make_user):
    return make_user(Role.COMMUNE_OFFICER, unit_tree.commune)


def test_a_commune_officer_lands_on_their_commune_with_hamlets_and_household_counts(unit_tree, officer, client_for):
    _households(unit_tree)
    client = client_for(officer)

    response = client.get(reverse("geo:index"))
    assert response.status_code == 302 and response.url == reverse("geo:commune", kwargs={"code": "86001"})

    page = client.get(response.url)
    assert page.status_code == 200
    rows = {r.unit.name: r.households for r in page.context["hamlets"]}
    assert rows == {"Ấp Bình Minh": 2, "Ấp Đồng Tâm": 0}
    assert page.context["unplaced"] == 1
    assert "Tổ dân phố 1" not in page.content.decode()


def test_another_commune_is_not_found_for_a_commune_officer(unit_tree, officer, client_for):
    client = client_for(officer)
    assert client.get(reverse("geo:commune", kwargs={"code": "86002"})).status_code == 404
    response = client.post(reverse("geo:hamlet_create", kwargs={"code": "86002"}), {"kind": "ap", "name": "Mới"})
    assert response.status_code == 404
    assert client.get(reverse("geo:hamlet_rename", kwargs={"code": "86002-h1"})).status_code == 404
    assert not AdminUnit.objects.filter(name="Ấp Mới").exists()


def test_the_province_page_lists_only_communes_in_scope(unit_tree, officer, make_user, client_for):
    _households(unit_tree)
    mine = client_for(officer).get(reverse("geo:province", kwargs={"code": "86"}))
    assert [r.unit.code for r in mine.context["communes"]] == ["86001"]

    province_officer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    response = client_for(province_officer).get(reverse("geo:index"))
    assert response.url == reverse("geo:province", kwargs={"code": "86"})
    page = client_for(province_officer).get(response.url)
    counts = {r.unit.code: (r.hamlets, r.households) for r in page.context["communes"]}
    assert counts == {"86001": (2, 3), "86002": (1, 1)}
    assert "2 xã, phường, đặc khu; 3 thôn, ấp, khóm; 4 hộ gia đình." in page.content.decode()


def test_a_province_outside_the_scope_is_not_found(unit_tree, make_unit_tree, officer, client_for):
    make_unit_tree("87")
    assert client_for(officer).get(reverse("geo:province", kwargs={"code": "87"})).status_code == 404
    assert client_for(officer).get(reverse("geo:province", kwargs={"code": "99"})).status_code == 404


@pytest.mark.parametrize("role", [Role.HAMLET_SURVEYOR, Role.COMMUNE_APPROVER, Role.PROVINCE_VIEWER])
def test_roles_without_unit_management_see_no_unit_page(unit_tree, make_user, client_for, role):
    unit = unit_tree.hamlet if role == Role.HAMLET_SURVEYOR else unit_tree.commune
    client = client_for(make_user(role, unit))
    assert client.get(reverse("geo:index")).status_code == 404
    assert client.get(reverse("geo:commune", kwargs={"code": "86001"})).status_code == 404
    assert client.post(reverse("geo:hamlet_create", kwargs={"code": "86001"}),
                       {"kind": "ap", "name": "X"}).status_code == 404


def test_not_signed_in_goes_to_the_login_page(unit_tree, client):
    response = client.get(reverse("geo:commune", kwargs={"code": "86001"}))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_adding_a_hamlet_with_htmx_redraws_the_list(unit_tree, officer, client_for):
    response = client_for(officer).post(reverse("geo:hamlet_create", kwargs={"code": "86001"}),
                                        {"kind": "ap", "name": "Tân Lập"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="hamlets"')
    assert "Đã thêm Ấp Tân Lập." in html
    hamlet = AdminUnit.objects.get(name="Ấp Tân Lập")
    assert hamlet.path == "/86/86001/h3/"
    assert AuditEntry.objects.get(action="giamngheo.unit.created").actor == officer


def test_a_refused_hamlet_shows_the_reason_next_to_the_field(unit_tree, officer, client_for):
    client = client_for(officer)
    response = client.post(reverse("geo:hamlet_create", kwargs={"code": "86001"}), {"kind": "ap", "name": "Bình Minh"})
    assert response.status_code == 400
    assert "Xã An Bình đã có “Ấp Bình Minh”." in response.content.decode()
    empty = client.post(reverse("geo:hamlet_create", kwargs={"code": "86001"}), {"kind": "ap", "name": ""},
                        headers=HTMX)
    assert "Hãy nhập tên thôn/ấp." in empty.content.decode()
    assert AdminUnit.objects.filter(level="hamlet", parent=unit_tree.commune).count() == 2


def test_adding_without_htmx_returns_to_the_commune_page(unit_tree, officer, client_for):
    response = client_for(officer).post(reverse("geo:hamlet_create", kwargs={"code": "86001"}),
                                        {"kind": "khom", "name": "3"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("geo:commune", kwargs={"code": "86001"})
    assert "Đã thêm Khóm 3." in response.content.decode()


def test_renaming_a_hamlet_in_place(unit_tree, officer, client_for):
    client = client_for(officer)
    url = reverse("geo:hamlet_rename", kwargs={"code": "86001-h1"})
    form = client.get(url, headers=HTMX)
    assert form.status_code == 200 and 'name="rename-name" value="Ấp Bình Minh"' in form.content.decode()

    response = client.post(url, {"rename-kind": "ap", "rename-name": "Bình Minh Mới"}, headers=HTMX)
    assert response.status_code == 200 and "Ấp Bình Minh Mới" in response.content.decode()
    assert AdminUnit.objects.get(code="86001-h1").name == "Ấp Bình Minh Mới"

    clash = client.post(url, {"rename-kind": "ap", "rename-name": "Đồng Tâm"})
    assert clash.status_code == 400 and "đã có “Ấp Đồng Tâm”" in clash.content.decode()
