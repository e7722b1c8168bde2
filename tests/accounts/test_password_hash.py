"""The password hash: argon2id at OWASP's parameters; a hash made with Django's own parameters still signs
in and is upgraded on that log-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.test import Client

from giamngheo.accounts.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-rat-dai-2025"  # noqa: S105 - a test account's password


def _params(encoded: str) -> tuple[str, int, int, int]:
    decoded = identify_hasher(encoded).decode(encoded)
    return decoded["variety"], decoded["memory_cost"], decoded["time_cost"], decoded["parallelism"]


def test_new_passwords_use_owasp_argon2id(make_user, unit_tree, settings):
    settings.PASSWORD_HASHERS = ["giamngheo.accounts.hashers.OwaspArgon2PasswordHasher"]
    user = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="mk.moi")
    user.set_password(PASSWORD)
    assert _params(user.password) == ("argon2id", 19 * 1024, 2, 1)


def test_a_hash_with_djangos_parameters_signs_in_and_is_upgraded(make_user, unit_tree, settings):
    settings.PASSWORD_HASHERS = ["giamngheo.accounts.hashers.OwaspArgon2PasswordHasher"]
    user = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="mk.cu")
    user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    assert _params(user.password)[1:] == (102400, 2, 8)

    assert Client().login(username="mk.cu", password=PASSWORD)
    user.refresh_from_db()
    assert _params(user.password) == ("argon2id", 19 * 1024, 2, 1)
