"""Fixtures shared by every test package.

All of them are *factories*: ask for the fixture, call it. They create rows straight through the ORM
(never through services), so a test of one part does not depend on another part's write path.

``make_unit_tree(province_code="86") -> UnitTree``
    A province, two communes, three hamlets (see ``UnitTree``). Call it again with another province code
    for a second, disjoint tree.
``unit_tree``
    ``make_unit_tree()`` for the common case.
``make_user(role=None, unit=None, *, username=None, password=None, **fields) -> User``
    A user, with one ``RoleGrant`` of ``role`` on ``unit`` when both are given. Without ``password`` the
    user has an unusable password (no argon2 hashing, so tests stay fast): use ``client_for``.
``client_for(user) -> Client``
    A Django test client already signed in as ``user`` (``force_login``).
``bearer_for(user) -> dict``
    Creates an ``ApiToken`` for ``user`` and returns ``{"Authorization": "Bearer <token>"}`` to pass as
    ``client.get(url, headers=...)``. Only the token's SHA-256 is stored, as in production.
``api_client_for(user) -> Client``
    A test client (not signed in) that sends ``user``'s bearer token with every request.

Example::

    def test_officer_sees_only_own_commune(unit_tree, make_user, client_for):
        officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
        response = client_for(officer).get(...)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from giamngheo.core.text import fold

# ``task_worker``: a real task queue and worker thread; ``watchdog``: a hung test ends the run, naming itself.
pytest_plugins = ["tests.task_worker", "tests.watchdog"]

_usernames = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Close database connections at the end of every request in tests.

    Production keeps connections for 60 s. In tests the live server's request threads would then still
    hold a PostgreSQL session when pytest-django drops the test database, which PostgreSQL refuses.
    """
    from django.conf import settings

    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _support_catalogue(request: pytest.FixtureRequest) -> None:
    """The shipped kinds of support and programmes, in every test that uses the database.

    A data migration loads them, but a transactional test (the browser tests, the task worker's) ends by
    flushing every table, so the tests after it would meet an empty catalogue. Loading is idempotent.
    """
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not ({"db", "transactional_db", "live_server"} & names or marker):
        return
    transactional = bool({"transactional_db", "live_server"} & names) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from giamngheo.support.catalog import load_catalog
    from giamngheo.support.models import Programme, SupportKind, SupportKindNeed

    if not SupportKind.objects.filter(province__isnull=True).exists():
        load_catalog(SupportKind, SupportKindNeed, Programme)


@dataclass(frozen=True)
class UnitTree:
    """A small current-generation unit tree::

        province            /86/
        ├── commune         /86/86001/        (rural)
        │   ├── hamlet      /86/86001/h1/
        │   └── hamlet2     /86/86001/h2/
        └── other_commune   /86/86002/        (urban, a sibling: out of scope for ``commune`` users)
            └── other_hamlet /86/86002/h1/
    """

    province: Any
    commune: Any
    hamlet: Any
    hamlet2: Any
    other_commune: Any
    other_hamlet: Any


def _unit(*, code: str, level: str, kind: str, name: str, path: str, parent: Any = None, area_type: str = "") -> Any:
    from giamngheo.geo.models import AdminUnit

    return AdminUnit.objects.create(
        code=code,
        level=level,
        kind=kind,
        generation="2025",
        name=name,
        short_name=name,
        name_folded=fold(name),
        parent=parent,
        path=path,
        area_type=area_type,
        valid_from=dt.date(2025, 7, 1),
        source="tests",
    )


@pytest.fixture
def make_unit_tree(db: None) -> Callable[..., UnitTree]:
    def make(province_code: str = "86") -> UnitTree:
        p = province_code
        province = _unit(code=p, level="province", kind="tinh", name=f"Tỉnh Thử Nghiệm {p}", path=f"/{p}/")
        commune = _unit(
            code=f"{p}001", level="commune", kind="xa", name="Xã An Bình", path=f"/{p}/{p}001/",
            parent=province, area_type="rural",
        )
        other_commune = _unit(
            code=f"{p}002", level="commune", kind="phuong", name="Phường Tân Hòa", path=f"/{p}/{p}002/",
            parent=province, area_type="urban",
        )
        # Hamlet codes are local to their commune; the unique key is (generation, level, code).
        hamlet = _unit(
            code=f"{p}001-h1", level="hamlet", kind="ap", name="Ấp Bình Minh", path=f"/{p}/{p}001/h1/",
            parent=commune, area_type="rural",
        )
        hamlet2 = _unit(
            code=f"{p}001-h2", level="hamlet", kind="ap", name="Ấp Đồng Tâm", path=f"/{p}/{p}001/h2/",
            parent=commune, area_type="rural",
        )
        other_hamlet = _unit(
            code=f"{p}002-h1", level="hamlet", kind="to_dan_pho", name="Tổ dân phố 1", path=f"/{p}/{p}002/h1/",
            parent=other_commune, area_type="urban",
        )
        return UnitTree(province, commune, hamlet, hamlet2, other_commune, other_hamlet)

    return make


@pytest.fixture
def unit_tree(make_unit_tree: Callable[..., UnitTree]) -> UnitTree:
    return make_unit_tree()


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    from giamngheo.accounts.models import RoleGrant, User

    def make(
        role: str | None = None,
        unit: Any = None,
        *,
        username: str | None = None,
        password: str | None = None,
        **fields: Any,
    ) -> Any:
        if (role is None) != (unit is None):
            raise ValueError("make_user needs both role and unit, or neither")
        user = User(username=username or f"user{next(_usernames)}", **fields)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        if role is not None:
            RoleGrant.objects.create(user=user, role=role, unit=unit, unit_path=unit.path)
        return user

    return make


@pytest.fixture
def client_for(db: None) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def bearer_for(db: None) -> Callable[[Any], dict[str, str]]:
    from giamngheo.accounts.models import ApiToken

    def make(user: Any) -> dict[str, str]:
        # Same shape as accounts.tokens.api_token_create, without its audit entry (tests count those).
        raw = "gn_" + secrets.token_urlsafe(32)
        ApiToken.objects.create(
            user=user,
            key_hash=hashlib.sha256(raw.encode()).hexdigest(),
            prefix=raw[:8],
            expires_at=timezone.now() + dt.timedelta(days=30),
        )
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def api_client_for(bearer_for: Callable[[Any], dict[str, str]]) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        return Client(headers=bearer_for(user))

    return make
