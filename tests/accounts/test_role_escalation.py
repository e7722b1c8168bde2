"""Nobody raises their own rights (issue 13, class 2): no grant, revocation or change on one's own account
(superusers included), no grant of a role carrying a permission the granter does not hold on that unit, each
refusal audited, and every grant filed under the grantee's unit where its managers see it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from giamngheo.accounts import scope
from giamngheo.accounts.models import RoleGrant, User
from giamngheo.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from giamngheo.accounts.selectors import roles_grantable_anywhere, roles_grantable_by
from giamngheo.accounts.services import role_grant, role_revoke, user_create
from giamngheo.core.errors import PermissionDenied
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Ho-ngheo-2025-xa-An-Binh"  # noqa: S105
HTMX = {"HX-Request": "true"}
CITIZEN_ID_ROLES = [role for role in Role.values if Perm.CITIZEN_ID_VIEW in ROLE_PERMISSIONS[role]]


@pytest.fixture
def province_officer(make_user, unit_tree):
    return make_user(Role.PROVINCE_OFFICER, unit_tree.province, username="tinh")


@pytest.fixture
def province_admin(make_user, unit_tree):
    return make_user(Role.SYSTEM_ADMIN, unit_tree.province, username="quantri")


def _unit_for(role, unit_tree):
    return {"hamlet_surveyor": unit_tree.hamlet, "commune_officer": unit_tree.commune,
            "commune_approver": unit_tree.commune}.get(role, unit_tree.province)


@pytest.mark.parametrize("role", CITIZEN_ID_ROLES)
def test_a_province_officer_cannot_grant_itself_a_role_that_shows_citizen_ids(province_officer, unit_tree, role):
    unit = _unit_for(role, unit_tree)
    with pytest.raises(PermissionDenied):
        role_grant(actor=province_officer, user=province_officer, role=role, unit=unit)
    assert list(province_officer.grants.values_list("role", flat=True)) == [Role.PROVINCE_OFFICER]
    scope.forget_grants(province_officer)
    assert not scope.can_see_citizen_id(province_officer, unit_tree.hamlet.path)
    refusal = AuditEntry.objects.get(action="giamngheo.user.role_grant_refused")
    assert refusal.actor == province_officer and refusal.unit_path == unit.path
    assert refusal.data["role"] == role and refusal.data["reason"] == "self"


@pytest.mark.parametrize("role", [Role.PROVINCE_VIEWER, Role.PROVINCE_OFFICER])
def test_nobody_grants_themself_even_a_role_they_could_grant_others(make_user, unit_tree, role):
    admin = make_user(Role.SYSTEM_ADMIN, unit_tree.province)
    with pytest.raises(PermissionDenied, match="chính mình"):
        role_grant(actor=admin, user=admin, role=role, unit=unit_tree.province)
    assert not RoleGrant.objects.filter(user=admin, role=role).exists()


def test_a_superuser_cannot_change_its_own_roles_either(make_user, unit_tree):
    root = make_user(is_superuser=True)
    with pytest.raises(PermissionDenied):
        role_grant(actor=root, user=root, role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    other = make_user(Role.SYSTEM_ADMIN, unit_tree.province)
    role_grant(actor=other, user=root, role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    with pytest.raises(PermissionDenied):
        role_revoke(actor=root, user=root, role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    assert RoleGrant.objects.filter(user=root).count() == 1


@pytest.mark.parametrize("role", CITIZEN_ID_ROLES)
def test_a_province_officer_cannot_give_anyone_more_than_it_holds(province_officer, make_user, unit_tree, role):
    colleague = make_user()
    with pytest.raises(PermissionDenied):
        role_grant(actor=province_officer, user=colleague, role=role, unit=_unit_for(role, unit_tree))
    assert not colleague.grants.exists()
    assert AuditEntry.objects.get(action="giamngheo.user.role_grant_refused").data["reason"] == "exceeds_own_rights"


def test_a_province_officer_still_grants_the_province_roles_it_holds(province_officer, make_user, unit_tree):
    assert roles_grantable_by(province_officer, unit_tree.province.path) == [
        Role.PROVINCE_OFFICER, Role.PROVINCE_VIEWER]
    viewer = make_user()
    role_grant(actor=province_officer, user=viewer, role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    assert viewer.grants.filter(role=Role.PROVINCE_VIEWER).exists()


def test_a_province_officer_cannot_revoke_a_role_it_could_not_grant(province_officer, make_user, unit_tree):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    with pytest.raises(PermissionDenied):
        role_revoke(actor=province_officer, user=officer, role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert officer.grants.exists()
    assert AuditEntry.objects.filter(action="giamngheo.user.role_revoke_refused").count() == 1


def test_creating_a_user_with_a_role_beyond_the_creators_rights_creates_nothing(province_officer, unit_tree):
    with pytest.raises(PermissionDenied):
        user_create(
            actor=province_officer, username="tinh.2", full_name="Tài Khoản Thứ Hai", password=GOOD_PASSWORD,
            role=Role.COMMUNE_OFFICER, unit=unit_tree.commune,
        )
    assert not User.objects.filter(username="tinh.2").exists()
    assert AuditEntry.objects.filter(action="giamngheo.user.role_grant_refused").count() == 1


def test_the_province_system_admin_sets_up_commune_staff_and_their_managers_see_it(
    province_admin, make_user, unit_tree, client_for
):
    user = user_create(
        actor=province_admin, username="canbo.anbinh", full_name="Nguyễn Thị Hoa", password=GOOD_PASSWORD,
        role=Role.COMMUNE_OFFICER, unit=unit_tree.commune,
    )
    assert scope.can_see_citizen_id(user, unit_tree.hamlet.path)
    entry = AuditEntry.objects.get(action="giamngheo.user.role_granted")
    assert entry.unit_path == unit_tree.commune.path and entry.object_id == str(user.pk)
    # The commune's approver (who reads the commune's trail) and the province officer both see the grant.
    approver = make_user(Role.COMMUNE_APPROVER, unit_tree.commune)
    for reader in (approver, make_user(Role.PROVINCE_OFFICER, unit_tree.province)):
        page = client_for(reader).get(reverse("core:audit_list"), {"action": "giamngheo.user.role_granted"}).text
        assert "canbo.anbinh" in page


def test_self_grant_through_the_users_page_is_refused_in_vietnamese(province_officer, unit_tree, client_for):
    client = client_for(province_officer)
    response = client.post(
        reverse("accounts:grant_add", args=[province_officer.pk]),
        {"role": Role.COMMUNE_OFFICER, "unit": unit_tree.commune.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "chính mình" in response.text
    assert not province_officer.grants.filter(role=Role.COMMUNE_OFFICER).exists()


def test_the_users_page_offers_only_roles_the_manager_may_grant(province_officer, unit_tree, client_for):
    assert roles_grantable_anywhere(province_officer) == [Role.PROVINCE_OFFICER, Role.PROVINCE_VIEWER]
    page = client_for(province_officer).get(reverse("accounts:users")).text
    assert 'value="province_viewer"' in page
    assert 'value="commune_officer"' not in page and 'value="system_admin"' not in page


def test_the_users_page_shows_revoke_and_deactivate_only_where_the_manager_may(
    province_officer, make_user, unit_tree, client_for
):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune, username="canbo")
    viewer = make_user(Role.PROVINCE_VIEWER, unit_tree.province, username="nguoixem")
    page = client_for(province_officer).get(reverse("accounts:users")).text
    assert reverse("accounts:grant_revoke", args=[viewer.grants.get().pk]) in page
    assert reverse("accounts:user_deactivate", args=[viewer.pk]) in page
    assert reverse("accounts:grant_revoke", args=[officer.grants.get().pk]) not in page
    assert reverse("accounts:user_deactivate", args=[officer.pk]) not in page
