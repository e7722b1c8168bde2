"""Checks on the test harness itself: the shared fixtures and the settings the harness relies on."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from giamngheo.accounts import scope
from giamngheo.accounts.models import ApiToken
from giamngheo.accounts.roles import Perm, Role
from giamngheo.settings import database_from_url, env_bool, env_int

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_unit_tree_nests_hamlets_under_their_communes(unit_tree):
    assert unit_tree.hamlet.path.startswith(unit_tree.commune.path)
    assert unit_tree.hamlet2.parent == unit_tree.commune
    assert unit_tree.other_hamlet.path.startswith(unit_tree.other_commune.path)
    assert not unit_tree.other_commune.path.startswith(unit_tree.commune.path)


@pytest.mark.django_db
def test_two_trees_do_not_collide(make_unit_tree):
    first, second = make_unit_tree("86"), make_unit_tree("87")
    assert first.commune.path != second.commune.path


@pytest.mark.django_db
def test_make_user_grants_role_scoped_to_the_unit(unit_tree, make_user):
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    assert scope.allows(officer, Perm.HOUSEHOLD_EDIT, unit_tree.hamlet.path)
    assert not scope.allows(officer, Perm.HOUSEHOLD_EDIT, unit_tree.other_hamlet.path)


@pytest.mark.django_db
def test_make_user_without_role_sees_nothing(unit_tree, make_user):
    assert scope.paths_for(make_user(), Perm.HOUSEHOLD_VIEW) == []


@pytest.mark.django_db
def test_make_user_rejects_role_without_unit(make_user):
    with pytest.raises(ValueError, match="role and unit"):
        make_user(role=Role.COMMUNE_OFFICER)


@pytest.mark.django_db
def test_client_for_is_signed_in(unit_tree, make_user, client_for):
    user = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    client = client_for(user)
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_bearer_for_stores_only_the_hash(unit_tree, make_user, bearer_for):
    user = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    header = bearer_for(user)["Authorization"]
    raw = header.removeprefix("Bearer ")
    token = ApiToken.objects.get(user=user)
    assert raw not in token.key_hash
    assert raw.startswith(token.prefix)


@pytest.mark.django_db
def test_bearer_for_token_is_accepted_by_the_api_authentication(unit_tree, make_user, bearer_for):
    from giamngheo.accounts.tokens import api_token_authenticate

    user = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    raw = bearer_for(user)["Authorization"].removeprefix("Bearer ")
    assert api_token_authenticate(raw) == user


def test_settings_parse_sqlite_url():
    assert database_from_url("sqlite:///tmp/x.sqlite3") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/tmp/x.sqlite3",
    }


def test_settings_parse_postgres_url_with_socket_dir():
    parsed = database_from_url("postgres://postgres@/giamngheo?host=/tmp/pg%20sock")
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    assert parsed["NAME"] == "giamngheo"
    assert parsed["USER"] == "postgres"
    assert parsed["HOST"] == "/tmp/pg sock"


def test_settings_parse_postgres_url_with_host_and_port():
    parsed = database_from_url("postgresql://app:s%40cret@db.example:5433/registry")
    assert (parsed["USER"], parsed["PASSWORD"], parsed["HOST"], parsed["PORT"], parsed["NAME"]) == (
        "app", "s@cret", "db.example", "5433", "registry",
    )


@pytest.mark.parametrize("url", ["mysql://root@localhost/x", "giamngheo.sqlite3", ""])
def test_settings_reject_unsupported_database_urls(url):
    with pytest.raises(ImproperlyConfigured, match="GIAMNGHEO_DATABASE_URL"):
        database_from_url(url)



@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("0", False), ("off", False), ("", True)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("GIAMNGHEO_TEST_FLAG", raw)
    assert env_bool("GIAMNGHEO_TEST_FLAG", True) is expected


def test_env_bool_and_env_int_name_the_variable_they_reject(monkeypatch):
    monkeypatch.setenv("GIAMNGHEO_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="GIAMNGHEO_TEST_FLAG"):
        env_bool("GIAMNGHEO_TEST_FLAG", False)
    monkeypatch.setenv("GIAMNGHEO_TEST_SECONDS", "30 phút")
    with pytest.raises(ImproperlyConfigured, match="GIAMNGHEO_TEST_SECONDS"):
        env_int("GIAMNGHEO_TEST_SECONDS", 1800)


def _pg_binaries() -> bool:
    return subprocess.run([REPO / "scripts" / "pg-throwaway", "--bindir"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _pg_binaries(), reason="no PostgreSQL server binaries (make test says so loudly)")
def test_pg_throwaway_passes_the_url_and_exit_status_and_leaves_nothing_behind(tmp_path):
    out = tmp_path / "url"
    script = f'echo "$GIAMNGHEO_DATABASE_URL" > {out}; exit 7'
    env = {k: v for k, v in os.environ.items() if k != "GIAMNGHEO_DATABASE_URL"}
    result = subprocess.run(
        [REPO / "scripts" / "pg-throwaway", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 7, result.stderr
    url = out.read_text().strip()
    assert url.startswith("postgres://postgres@/giamngheo?host=/tmp/giamngheo-pg.")
    socket_dir = Path(database_from_url(url)["HOST"])  # type: ignore[arg-type]
    assert not socket_dir.parent.exists(), "the cluster directory must be removed"

# Licences that may be combined with our GPL-3.0-or-later in one distributed program (docs/adr/0003).
GPL3_COMPATIBLE_SPDX = {
    "0BSD", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "CC0-1.0", "GPL-2.0-or-later", "GPL-3.0-only",
    "GPL-3.0-or-later", "HPND", "ISC", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MIT",
    "MIT-0", "MIT-CMU", "MPL-2.0", "PSF-2.0", "Zlib",
    "Unlicense",  # public domain dedication; the FSF lists it as GPL-compatible (django-otp)
}
GPL3_COMPATIBLE_CLASSIFIERS = {
    "Apache Software License", "BSD License", "GNU General Public License v2 or later (GPLv2+)",
    "GNU General Public License v3 or later (GPLv3+)", "GNU Lesser General Public License v3 (LGPLv3)",
    "ISC License (ISCL)", "MIT License", "Mozilla Public License 2.0 (MPL 2.0)",
    "Python Software Foundation License",
}


def _runtime_distributions() -> dict[str, Any]:
    """Every distribution installed because giamngheo needs it at run time (extras of dependencies included)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    found: dict[str, Any] = {}
    todo: list[tuple[str, frozenset[str]]] = [("giamngheo", frozenset())]
    while todo:
        name, extras = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in found and not extras:
            continue
        dist = found.setdefault(key, metadata.distribution(name))
        for line in dist.requires or []:
            req = Requirement(line)
            wanted = [""] if not extras else ["", *extras]
            if req.marker and not any(req.marker.evaluate({"extra": extra}) for extra in wanted):
                continue
            todo.append((req.name, frozenset(req.extras)))
    found.pop("giamngheo")
    return found


def _licence_is_gpl3_compatible(meta: Any) -> bool:
    expression = meta.get("License-Expression")
    if expression:
        return set(re.findall(r"[A-Za-z0-9.+-]+", expression)) - {"AND", "OR", "WITH"} <= GPL3_COMPATIBLE_SPDX
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    if classifiers:
        return any(c in GPL3_COMPATIBLE_CLASSIFIERS for c in classifiers)
    text = (meta.get("License") or "").strip()
    return bool(text) and set(re.findall(r"[A-Za-z0-9.+-]+", text)) - {"AND", "OR"} <= GPL3_COMPATIBLE_SPDX


def test_every_runtime_dependency_has_a_gpl3_compatible_licence():
    distributions = _runtime_distributions()
    assert {"django", "polars", "psycopg-binary", "vietnamadminunits", "unidecode"} <= distributions.keys()
    incompatible = sorted(
        f"{name} ({meta.get('License-Expression') or meta.get('License') or 'no licence metadata'})"
        for name, meta in ((name, dist.metadata) for name, dist in distributions.items())
        if not _licence_is_gpl3_compatible(meta)
    )
    assert incompatible == [], "licence not known to be GPL-3.0-compatible: " + ", ".join(incompatible)
