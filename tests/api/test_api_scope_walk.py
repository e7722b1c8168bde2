"""Walk every route of the API as an out-of-scope user: nothing of another commune may leak or change.

The routes are read from the NinjaAPI's own URL patterns, so a new endpoint is walked without anyone
remembering to add it here.
"""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from ninja.operation import PathView

from giamngheo.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from giamngheo.accounts.scope import allows
from giamngheo.api.v1 import api
from giamngheo.core.models import AuditEntry
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from tests.support.walk_world import SUPPORT_SECRET, stats_grant, stats_objects, support_objects

pytestmark = pytest.mark.django_db

# What of commune A's household must never reach the outsider: its code, names, citizen IDs.
SECRETS = ("A-001", "Nguyễn Văn Ánh", "Trần Thị Bé", "086123456789", "086123456790", "*********789",
           SUPPORT_SECRET)
# Path parameters: commune A's household and unit; any other object id gets a placeholder.
PATH_VALUES = {"id": "A-001", "code": "86001"}
OWN_ROUTES = {
    ("POST", "/api/v1/auth/token"), ("GET", "/api/v1/units"), ("GET", "/api/v1/units/{code}"),
    ("GET", "/api/v1/households"), ("POST", "/api/v1/households"), ("GET", "/api/v1/households/{id}"),
    ("PUT", "/api/v1/households/{id}"), ("DELETE", "/api/v1/households/{id}"),
    ("GET", "/api/v1/households/{id}/classification"),
}


def api_routes():
    """(method, path template) of every operation, from the URL patterns ninja generates."""
    routes = set()
    for pattern in api.urls[0]:
        cells = getattr(pattern.callback, "__closure__", None) or ()
        path_view = next((c.cell_contents for c in cells if isinstance(c.cell_contents, PathView)), None)
        if path_view is None:
            continue  # openapi.json and the docs page
        for operation in path_view.operations:
            for method in operation.methods:
                routes.add((method, "/api/v1/" + str(pattern.pattern)))
    return sorted(routes)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_download(response):
    """A workbook sent as a file (the import template): binary by design, and read as its cells' text."""
    return response.status_code == 200 and response.get("Content-Type") == XLSX


def text_of(response):
    if not is_download(response):
        return response.content.decode()
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)


def fill(template):
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: PATH_VALUES.get(m.group(1), "1"), template)


def fills(template, ids):
    """The template as ``fill`` makes it, then once per object id of commune A in every id parameter (support
    records, assignments, resources, targets…), so a route that looks objects up by number meets real ones."""
    paths = [fill(template)]
    if re.search(r"<(?:\w+:)?\w*(id|pk)>", template):
        paths += [re.sub(r"<(?:\w+:)?(\w*(?:id|pk))>", str(pk), template) for pk in ids]
    return paths


def test_the_walk_covers_every_endpoint():
    walked = {(m, t.replace("<", "{").replace(">", "}")) for m, t in api_routes()}
    documented = {
        (method.upper(), path)
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    }
    assert walked == documented
    assert walked >= OWN_ROUTES


@pytest.mark.parametrize(("method", "template"), api_routes())
def test_outsider_gets_nothing_of_another_commune(
    api_client_for, outsider, household, new_record, unit_tree, method, template
):
    client = api_client_for(outsider)
    body = json.dumps({**new_record(), "version": 1})
    ids = sorted(set(support_objects(commune=unit_tree.commune, household=household)))
    for path in fills(template, ids):
        if template.endswith("auth/token"):
            response = client.post(path, {"username": "x", "password": "y"}, content_type="application/json")
        else:
            response = client.generic(method, path, body, content_type="application/json")
        text = text_of(response)
        for secret in SECRETS:
            assert secret not in text, f"{method} {path} leaked {secret!r}"
        if "/households" in template and response.status_code == 200:
            assert response.json()["count"] == 0, f"{method} {path} listed another commune's households"
        elif "/households" in template:
            assert response.status_code in (404, 405, 422), f"{method} {path} answered {response.status_code}"
    stored = Household.objects.get(pk=household.pk)
    assert (stored.version, stored.deleted_at, stored.income) == (1, None, 1_200_000)
    assert not AuditEntry.objects.filter(actor=outsider, unit_path__startswith=unit_tree.commune.path).exists()


# What a scanner sends (issue 13, class 7): out of range, negative, malformed, NUL-holding, oversized.
ABSURD_QUERIES = (
    {"page": str(10**30), "per_page": str(10**9), "year": str(10**23), "unit": "9" * 5000, "q": "x" * 10_000,
     "class": "x" * 500, "standard": "9" * 300, "hamlet": str(10**23), "commune": "9" * 300, "state": "<script>",
     "received_on": "9999-12-31", "month": "13", "level": "moon"},
    {"page": "-1", "per_page": "0", "year": "0", "unit": "", "q": "a\x00b", "cursor": "%%%", "hamlet": "-5"},
)


@pytest.mark.parametrize("template", sorted({t for m, t in api_routes() if m == "GET"}))
def test_absurd_query_parameters_never_break_an_endpoint(api_client_for, owner, household, template):
    client = api_client_for(owner)
    client.raise_request_exception = False
    for query in ABSURD_QUERIES:
        response = client.get(fill(template), query)
        assert response.status_code < 500, f"GET {fill(template)} {query} answered {response.status_code}"
        if not is_download(response):
            json.loads(response.content)  # every answer, refusals included, is JSON


# Statistics (issue 9) name their unit in the query (``?unit=``), which the walk above does not fill. Every role,
# granted where it is granted in life, asks every statistics endpoint for every unit of the tree: a unit outside
# the grant answers 404 like a missing one, and an answer never carries another unit's figures (each unit's
# rollup holds a number found nowhere else, ``walk_world.stats_objects``).


def stats_routes():
    return sorted(t for m, t in api_routes() if m == "GET" and t.startswith("/api/v1/stats/"))


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_statistics_of_its_own_units_only(api_client_for, make_user, unit_tree, role):
    secrets = stats_objects(province=unit_tree.province)
    units = list(AdminUnit.objects.filter(path__startswith=unit_tree.province.path))
    level = stats_grant(role, unit_tree)
    user = make_user(role=role, unit=level)
    assert Perm.STATS_VIEW in ROLE_PERMISSIONS[role]
    hidden = [u for u in units if not allows(user, Perm.STATS_VIEW, u.path)]
    # A surveyor reads their hamlet; commune B's staff commune B and its hamlet; the province's, every unit.
    assert len(units) - len(hidden) == {unit_tree.other_hamlet: 1, unit_tree.other_commune: 2}.get(level, 6)
    client = api_client_for(user)
    routes = stats_routes()
    assert len(routes) >= 5
    for template in routes:
        for unit in units:
            response = client.get(template, {"unit": unit.code, "year": 2025})
            expected = 404 if unit in hidden else 200
            assert response.status_code == expected, f"{role} {template} {unit.code}"
            text = response.content.decode()
            if template.endswith("/rollups") and expected == 200:
                assert str(secrets[unit.code]) in text  # the walk would see a leak: the numbers are sent as such
            for other in hidden:
                for number in (secrets[other.code], secrets[other.code] - 1):  # 2025 and 2024
                    assert str(number) not in text, f"{role} {template}?unit={unit.code} leaked {other.code}"
