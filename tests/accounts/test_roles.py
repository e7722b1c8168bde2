"""Granting and revoking roles, and creating users: audited, inside the manager's scope only."""

from __future__ import annotations

import pytest
from django.http import Http404

from giamngheo.accounts import scope
from giamngheo.accounts.models import RoleGrant, User
from giamngheo.accounts.roles import Perm, Role
from giamngheo.accounts.services import role_grant, role_revoke, user_create
from giamngheo.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Ho-ngheo-2025-xa-An-Binh"  # noqa: S105


@pytest.fixture
def province_officer(make_user, unit_tree):
    return make_user(Role.PROVINCE_OFFICER, unit_tree.province, username="tinh")


@pytest.fixture
def province_admin(make_user, unit_tree):
    return make_user(Role.SYSTEM_ADMIN, unit_tree.province, username="quantri")


def test_grant_copies_the_unit_path_and_is_audited(province_admin, make_user, unit_tree):
    user = make_user()
    grant = role_grant(actor=province_admin, user=user, role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert grant.unit_path == unit_tree.commune.path
    assert grant.granted_by == province_admin
    assert scope.allows(user, Perm.HOUSEHOLD_EDIT, unit_tree.hamlet.path)
    entry = AuditEntry.objects.get(action="giamngheo.user.role_granted")
    assert (entry.actor, entry.object_id, entry.unit_path) == (province_admin, str(user.pk), unit_tree.commune.path)
    assert entry.changes["role"] == [None, "commune_officer"]


def test_revoke_removes_access_at_once_and_is_audited(province_admin, make_user, unit_tree):
    user = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    assert scope.allows(user, Perm.HOUSEHOLD_EDIT, unit_tree.commune.path)
    role_revoke(actor=province_admin, user=user, role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert not RoleGrant.objects.filter(user=user).exists()
    assert not scope.allows(user, Perm.HOUSEHOLD_EDIT, unit_tree.commune.path)
    entry = AuditEntry.objects.get(action="giamngheo.user.role_revoked")
    assert entry.changes["role"] == ["commune_officer", None]


def test_grant_outside_the_managers_province_is_not_found(province_officer, make_user, make_unit_tree):
    elsewhere = make_unit_tree("87")
    user = make_user()
    with pytest.raises(Http404):
        role_grant(actor=province_officer, user=user, role=Role.COMMUNE_OFFICER, unit=elsewhere.commune)
    assert not RoleGrant.objects.filter(user=user).exists()
    assert not AuditEntry.objects.exists()


def test_revoke_outside_scope_is_not_found_and_keeps_the_grant(province_officer, make_user, make_unit_tree):
    elsewhere = make_unit_tree("87")
    user = make_user(Role.COMMUNE_OFFICER, elsewhere.commune)
    with pytest.raises(Http404):
        role_revoke(actor=province_officer, user=user, role=Role.COMMUNE_OFFICER, unit=elsewhere.commune)
    assert RoleGrant.objects.filter(user=user).exists()


def test_a_commune_officer_cannot_grant_roles(make_user, unit_tree):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    with pytest.raises(Http404):
        role_grant(actor=officer, user=make_user(), role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)


def test_only_a_system_admin_hands_out_system_admin(province_officer, make_user, unit_tree):
    user = make_user()
    with pytest.raises(PermissionDenied):
        role_grant(actor=province_officer, user=user, role=Role.SYSTEM_ADMIN, unit=unit_tree.province)
    admin = make_user(Role.SYSTEM_ADMIN, unit_tree.province)
    role_grant(actor=admin, user=user, role=Role.SYSTEM_ADMIN, unit=unit_tree.province)
    assert RoleGrant.objects.filter(user=user, role=Role.SYSTEM_ADMIN).exists()


@pytest.mark.parametrize(
    ("role", "unit_name"),
    [(Role.COMMUNE_OFFICER, "province"), (Role.PROVINCE_VIEWER, "commune"), (Role.COMMUNE_APPROVER, "hamlet")],
)
def test_a_role_is_granted_only_on_units_of_its_level(province_admin, make_user, unit_tree, role, unit_name):
    with pytest.raises(ApplicationError) as err:
        role_grant(actor=province_admin, user=make_user(), role=role, unit=getattr(unit_tree, unit_name))
    assert err.value.field == "unit"


def test_the_same_grant_twice_is_refused(province_admin, make_user, unit_tree):
    user = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    with pytest.raises(ApplicationError, match="đã có vai trò này"):
        role_grant(actor=province_admin, user=user, role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)


def test_user_create_with_a_first_role(province_admin, unit_tree):
    user = user_create(
        actor=province_admin, username="canbo.anbinh", full_name="Nguyễn  Thị Hoa", password=GOOD_PASSWORD,
        language="vi", role=Role.COMMUNE_OFFICER, unit=unit_tree.commune,
    )
    assert user.check_password(GOOD_PASSWORD)
    assert user.get_full_name() == "Nguyễn Thị Hoa"
    assert user.password.startswith("argon2")
    assert list(user.grants.values_list("role", "unit_path")) == [("commune_officer", unit_tree.commune.path)]
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["giamngheo.user.created", "giamngheo.user.role_granted"]


def test_user_create_names_every_bad_field_and_creates_nothing(province_officer, make_user, unit_tree):
    make_user(username="taken")
    with pytest.raises(ValidationFailed) as err:
        user_create(actor=province_officer, username="TAKEN", full_name=" ", password="123", language="fr")
    assert set(err.value.errors) == {"username", "full_name", "password", "language"}
    assert not User.objects.filter(username="TAKEN").exists()


def test_user_create_out_of_scope_creates_no_orphan(province_officer, make_unit_tree):
    elsewhere = make_unit_tree("87")
    with pytest.raises(Http404):
        user_create(
            actor=province_officer, username="ngoai", full_name="Người Ngoài", password=GOOD_PASSWORD,
            role=Role.COMMUNE_OFFICER, unit=elsewhere.commune,
        )
    assert not User.objects.filter(username="ngoai").exists()


def test_user_create_needs_user_management(make_user, unit_tree):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    with pytest.raises(PermissionDenied):
        user_create(actor=officer, username="x", full_name="X", password=GOOD_PASSWORD)


def test_a_manager_cannot_revoke_their_own_role(province_officer, unit_tree):
    with pytest.raises(ApplicationError, match="chính mình"):
        role_revoke(actor=province_officer, user=province_officer, role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    assert province_officer.grants.exists()
