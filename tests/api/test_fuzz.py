"""Every operation of the OpenAPI document fuzzed with schemathesis, as a commune officer and as a province officer.

schemathesis reads the document the API serves (``api.get_openapi_schema()``, the same dict as
``/api/v1/openapi.json``) and hypothesis generates valid and invalid requests for each operation; each is sent
through the real WSGI application in-process (werkzeug's client, Django's ``WSGIHandler``: middleware included)
with the officer's bearer token. Path parameters are fed real ids of every commune of the cast
(``fuzz_world``), in and out of the token's scope, or left to the fuzzer. Each response must:

- not be a server error, and conform to the document (status code documented, content type, headers, body);
- when it is an error, have the documented error shape (``docs/api.md``, "Errors");
- carry no text of a unit or household outside the token's scope.

After each operation's run the rows outside the scope are as before, every column (the read trail included: a
refused read records nothing), no audit entry was written outside the scope, and when rows inside it changed the
officer has an audit entry written during the run (writes go through services).

Bounds: ``GIAMNGHEO_FUZZ_EXAMPLES`` examples per operation and role (default 6), derandomised, no deadline, no
example database, no shrinking, so CI replays the same requests every time. ``@given`` decorates an inner function
run inside the test, so hypothesis never sees pytest's function-scoped fixtures. Run longer locally with e.g.
``GIAMNGHEO_FUZZ_EXAMPLES=200 .venv/bin/pytest tests/api/test_fuzz.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from giamngheo.api.v1 import api
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household
from tests.api.fuzz_world import World, build_world, leaked, record_for, snapshot

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("GIAMNGHEO_FUZZ_EXAMPLES", "6"))
SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = sorted(
    (result.ok() for result in SCHEMA.get_all_operations()), key=lambda op: (op.path, op.method)
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
ROLES = ("commune", "province")


@contextmanager
def in_test_transaction() -> Iterator[None]:
    """Django's WSGI handler closes the database connection after each request (``close_old_connections``);
    inside a test's transaction that would end it, so — as Django's own test client does — not here."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def valid_bodies(operation: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(path parameters, body) of valid writes the generator seldom builds by chance (a whole household record):
    so creating and replacing households in the officer's commune, and refusing it elsewhere, is fuzzed too."""
    label = f"{operation.method.upper()} {operation.path}"
    if label == "POST /api/v1/households":
        return [({}, {**record_for("A", "86001"), "id": "A-900", "members": [
            {**member, "citizen_id": f"0861999999{index:02d}"} for index, member in
            enumerate(record_for("A", "86001")["members"])]})]
    if label == "PUT /api/v1/households/{id}":
        versions = dict(Household.objects.values_list("code", "version"))
        return [({"id": code}, {**record_for(key, commune), "version": versions[code]})
                for key, code, commune in (("A", "A-001", "86001"), ("B", "B-001", "86002"))]
    return []


def path_choices(operation: Any, world: World) -> list[dict[str, Any]]:
    """Fixed path parameters for an operation: real objects of every commune (the last stays generated)."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return [{}]
    values = world.path_values()
    path = operation.path
    if names == ["campaign_id", "pledge_id"]:
        pairs = list(zip(values["campaign_id"], values["pledge_id"], strict=True))
        return [{"campaign_id": c, "pledge_id": p} for c, p in pairs] + [
            {"campaign_id": pairs[0][0], "pledge_id": pairs[-1][1]}]
    (name,) = names
    if path.startswith("/api/v1/households/") or name == "household":
        pool = values["households"]
    elif path.startswith("/api/v1/units/"):
        pool = values["units"]
    elif path.startswith("/api/v1/support/programmes/"):
        pool = values["programmes"]
    elif path.startswith("/api/v1/imports/"):
        pool = values["imports"]
    elif path.startswith("/api/v1/review/ledger/"):
        pool = values["any"]
    elif name in values:
        pool = values[name]
    else:
        first = path.removeprefix("/api/v1/").split("/")[0]
        pool = values.get(first, values["any"])
    return [{name: value} for value in pool]


def header(response: Any, name: str) -> str | None:
    """A header of a schemathesis response (its headers map lower-cased names to lists of values)."""
    values = response.headers.get(name.lower()) or []
    return values[0] if values else None


def error_shape_problems(response: Any, *, secured: bool) -> list[str]:
    """What is wrong with an error answer's body against ``docs/api.md`` ("Errors"); empty when nothing."""
    status = response.status_code
    if status < 400 or status == 405:
        return []
    try:
        body = json.loads(response.content or b"")
    except ValueError:
        return [f"{status} is not JSON"]
    if not isinstance(body, dict) or "detail" not in body:
        return [f"{status} has no detail"]
    detail = body["detail"]
    if status == 422:
        if not isinstance(detail, list) or not detail:
            return ["422 detail is not a non-empty list"]
        bad = [item for item in detail if not (
            isinstance(item, dict) and set(item) == {"loc", "msg", "type"} and isinstance(item["loc"], list)
            and item["loc"] and item["loc"][0] in ("body", "query", "path") and isinstance(item["msg"], str)
            and item["msg"].strip() and isinstance(item["type"], str))]
        return [f"422 item {item!r} is not {{loc, msg, type}} with loc in body/query/path" for item in bad]
    problems = [] if isinstance(detail, str) and detail.strip() else [f"{status} detail is not a message"]
    if status == 401 and secured and header(response, "WWW-Authenticate") != "Bearer":
        problems.append("401 without WWW-Authenticate: Bearer")
    return problems


def sent_text(case: Any) -> str:
    return json.dumps([case.path_parameters, case.query, case.body if isinstance(case.body, (dict, list, str))
                       else None, case.formatted_path], ensure_ascii=False, default=str)


def fuzz(operation: Any, *, world: World, role: str, token: str, app: Any) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    # /units is reference data every token reads whole (docs/api.md, "Units"): codes of other units are its answer.
    secrets = world.secrets_for(role, units=not operation.path.startswith("/api/v1/units"))
    secured = bool(operation.definition.raw.get("security"))
    # The token is a fixed header: a negative case never drops it, so every case is read as this officer.
    strategies = [
        operation.as_strategy(mode, path_parameters=fixed or None, headers=headers)
        for fixed in path_choices(operation, world)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]
    strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, headers=headers))

    explicit = [operation.Case(path_parameters=fixed, body=body, headers=headers, media_type="application/json")
                for fixed, body in valid_bodies(operation)]

    @hypothesis.settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @hypothesis.given(case=st.one_of(strategies))
    def run(case: Any) -> None:
        response = case.call(app=app)
        case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": app})
        problems = error_shape_problems(response, secured=secured)
        assert not problems, f"{case.method} {case.formatted_path} {case.query}: {problems}"
        found = leaked(secrets, response.content.decode(errors="replace"), sent_text(case))
        assert not found, f"{case.method} {case.formatted_path} {case.query} leaked {found}"

    for case in explicit:
        run = hypothesis.example(case=case)(run)
    run()


def operation_id(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path.removeprefix('/api/v1')}"


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The cast, built once for the module inside a transaction rolled back at its end; each test runs in a
    savepoint of it (pytest-django's ``db``), so what one operation's fuzzing writes is gone before the next."""
    from giamngheo.support.catalog import load_catalog
    from giamngheo.support.models import Programme, SupportKind, SupportKindNeed
    from tests.conftest import make_unit_tree, make_user

    with django_db_blocker.unblock(), transaction.atomic():
        if not SupportKind.objects.filter(province__isnull=True).exists():
            load_catalog(SupportKind, SupportKindNeed, Programme)
        yield build_world(make_unit_tree.__wrapped__(None), make_user.__wrapped__(None))
        transaction.set_rollback(True)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=operation_id)
def test_fuzz_operation(world: World, db: None, role: str, operation: Any) -> None:
    user = world.users[role]
    token = world.tokens[role]
    scope = world.scope_path(role)
    before = snapshot(scope)
    last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with in_test_transaction():
        fuzz(operation, world=world, role=role, token=token, app=WSGIHandler())
    after = snapshot(scope)
    changed_outside = [label for label, rows in before.outside.items() if after.outside[label] != rows]
    assert not changed_outside, f"{role} changed rows outside its scope: {changed_outside}"
    new_audit = AuditEntry.objects.filter(pk__gt=last_audit)
    assert not new_audit.exclude(unit_path__startswith=scope).exclude(unit_path="").exists()
    changed_inside = [label for label, rows in before.inside.items() if after.inside[label] != rows]
    if changed_inside:
        assert new_audit.filter(actor=user).exists(), f"{role} changed {changed_inside} without an audit entry"
