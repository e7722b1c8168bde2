"""API tokens do not outlive a password change or a deactivation (issue 13, class 8): a password changed on
the account page or by any other path (``giamngheo changepassword`` sets it through ``User.set_password``),
and an account switched off by its manager, leave no working token; each revocation is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from giamngheo.accounts.models import ApiToken, User
from giamngheo.accounts.roles import Role
from giamngheo.accounts.services import user_change_password, user_deactivate, user_reactivate
from giamngheo.accounts.tokens import api_token_authenticate, api_token_create
from giamngheo.core.errors import PermissionDenied
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

OLD = "Mat-khau-cu-2025-du-dai"  # noqa: S105
NEW = "Mat-khau-moi-2026-rat-dai"  # noqa: S105
HTMX = {"HX-Request": "true"}


@pytest.fixture
def officer(make_user, unit_tree):
    return make_user(Role.COMMUNE_OFFICER, unit_tree.commune, username="canbo", password=OLD)


@pytest.fixture
def province_admin(make_user, unit_tree):
    return make_user(Role.SYSTEM_ADMIN, unit_tree.province, username="quantri")


def test_a_password_change_revokes_every_token_and_is_audited(officer, unit_tree):
    keys = [api_token_create(user=officer, days=30), api_token_create(user=officer, days=90)]
    user_change_password(user=officer, old_password=OLD, new_password=NEW)
    assert [api_token_authenticate(key) for key in keys] == [None, None]
    assert ApiToken.objects.filter(user=officer, revoked=False).count() == 0
    entry = AuditEntry.objects.get(action="giamngheo.user.tokens_revoked")
    assert entry.data == {"tokens": 2, "reason": "password_changed"}
    assert entry.unit_path == unit_tree.commune.path
    # A token made after the change works.
    assert api_token_authenticate(api_token_create(user=officer)) == officer


def test_after_a_password_change_on_the_page_the_api_answers_401(officer, client_for, bearer_for):
    from django.test import Client

    headers = bearer_for(officer)
    assert Client(headers=headers).get("/api/v1/households").status_code == 200
    response = client_for(officer).post(
        reverse("accounts:password_change"),
        {"old_password": OLD, "new_password": NEW, "new_password_again": NEW},
    )
    assert response.status_code == 302
    assert Client(headers=headers).get("/api/v1/households").status_code == 401


def test_a_password_set_outside_the_services_also_ends_older_tokens(officer):
    """What ``giamngheo changepassword`` and ``createsuperuser`` do: set_password() then save()."""
    key = api_token_create(user=officer)
    user = User.objects.get(pk=officer.pk)
    user.set_password(NEW)
    user.save()
    assert api_token_authenticate(key) is None


def test_deactivation_revokes_tokens_ends_sessions_and_is_audited(officer, province_admin, client_for, unit_tree):
    key = api_token_create(user=officer)
    session = client_for(officer)
    assert session.get(reverse("accounts:me")).status_code == 200
    user_deactivate(actor=province_admin, user=officer)
    officer.refresh_from_db()
    assert not officer.is_active
    assert api_token_authenticate(key) is None
    assert ApiToken.objects.filter(user=officer, revoked=False).count() == 0
    assert session.get(reverse("accounts:me")).status_code == 302  # back to the log-in page
    actions = list(AuditEntry.objects.filter(unit_path=unit_tree.commune.path).values_list("action", flat=True))
    assert "giamngheo.user.deactivated" in actions and "giamngheo.user.tokens_revoked" in actions
    # Switched on again, the account has its roles back but not its old tokens.
    user_reactivate(actor=province_admin, user=officer)
    officer.refresh_from_db()
    assert officer.is_active and officer.grants.filter(role=Role.COMMUNE_OFFICER).exists()
    assert api_token_authenticate(key) is None


def test_nobody_deactivates_themself_or_someone_holding_more_than_they_do(make_user, unit_tree, officer):
    province_officer = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=province_officer, user=province_officer)
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=province_officer, user=officer)  # a commune officer sees citizen IDs
    officer.refresh_from_db()
    assert officer.is_active
    assert AuditEntry.objects.filter(action="giamngheo.user.deactivate_refused").count() == 2
    viewer = make_user(Role.PROVINCE_VIEWER, unit_tree.province)
    user_deactivate(actor=province_officer, user=viewer)
    viewer.refresh_from_db()
    assert not viewer.is_active


def test_deactivation_out_of_scope_is_not_found(province_admin, make_user, make_unit_tree, client_for):
    elsewhere = make_unit_tree("87")
    stranger = make_user(Role.COMMUNE_OFFICER, elsewhere.commune)
    response = client_for(province_admin).post(reverse("accounts:user_deactivate", args=[stranger.pk]))
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_deactivate_from_the_users_page(province_admin, officer, client_for):
    key = api_token_create(user=officer)
    response = client_for(province_admin).post(reverse("accounts:user_deactivate", args=[officer.pk]), headers=HTMX)
    assert response.status_code == 200
    assert "Đã ngừng hoạt động" in response.text and "Kích hoạt lại" in response.text
    assert api_token_authenticate(key) is None
