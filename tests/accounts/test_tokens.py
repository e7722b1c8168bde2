"""API tokens: created once, stored as a digest, refused when expired, revoked or the user is disabled."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from giamngheo.accounts.models import ApiToken
from giamngheo.accounts.roles import Role
from giamngheo.accounts.tokens import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_tokens_of,
)
from giamngheo.core.errors import ApplicationError
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_created_token_authenticates_its_user_and_only_its_digest_is_stored(unit_tree, make_user):
    user = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    key = api_token_create(user=user)
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in token.key_hash and key.startswith(token.prefix)
    assert api_token_authenticate(key) == user
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_creation_is_audited_under_the_users_commune(unit_tree, make_user):
    user = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    api_token_create(user=user, days=30)
    entry = AuditEntry.objects.get(action="giamngheo.user.token_created")
    assert entry.actor == user
    assert entry.unit_path == unit_tree.commune.path


def test_token_expires_after_its_days(unit_tree, make_user, monkeypatch):
    user = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    key = api_token_create(user=user, days=1)
    later = timezone.now() + dt.timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert api_token_authenticate(key) is None


def test_revoked_token_is_refused_and_revocation_audited(unit_tree, make_user):
    user = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    key = api_token_create(user=user)
    api_token_revoke(user=user, token_id=ApiToken.objects.get(user=user).pk)
    assert api_token_authenticate(key) is None
    assert AuditEntry.objects.filter(action="giamngheo.user.token_revoked", actor=user).count() == 1


def test_a_user_cannot_revoke_someone_elses_token(unit_tree, make_user):
    owner, other = make_user(), make_user()
    key = api_token_create(user=owner)
    with pytest.raises(ApplicationError):
        api_token_revoke(user=other, token_id=ApiToken.objects.get(user=owner).pk)
    assert api_token_authenticate(key) == owner


def test_unknown_and_empty_keys_are_refused(db):
    assert api_token_authenticate("gn_not-a-real-token") is None
    assert api_token_authenticate("") is None


def test_token_of_a_deactivated_user_is_refused(make_user):
    user = make_user()
    key = api_token_create(user=user)
    user.is_active = False
    user.save()
    assert api_token_authenticate(key) is None


def test_demo_user_token_is_refused_outside_a_demo_database(make_user, monkeypatch):
    user = make_user(is_demo=True)
    key = api_token_create(user=user)
    monkeypatch.setattr("giamngheo.accounts.login_policy.on_demo_database", lambda: False)
    assert api_token_authenticate(key) is None
    monkeypatch.setattr("giamngheo.accounts.login_policy.on_demo_database", lambda: True)
    assert api_token_authenticate(key) == user


@pytest.mark.parametrize("days", [0, -5, 367])
def test_token_lifetime_must_be_reasonable(make_user, days):
    with pytest.raises(ApplicationError) as err:
        api_token_create(user=make_user(), days=days)
    assert err.value.field == "days"
    assert not ApiToken.objects.exists()


def test_tokens_of_lists_only_the_users_own(make_user):
    mine, theirs = make_user(), make_user()
    api_token_create(user=mine)
    api_token_create(user=theirs)
    assert [t.user for t in api_tokens_of(mine)] == [mine]
