"""Walk every page, fragment, export and document URL as an out-of-scope user: nothing of another commune may
leak, and nothing of it may change.

The URLs are read from Django's resolver, so a page added later is walked without anyone remembering to add it
here. Path parameters are filled with the ids of commune A's objects (every object id is tried for an ``<int:…>``
parameter, so whichever model the view looks up, the object belongs to commune A). The API has its own walk in
``tests/api/test_api_scope_walk.py``.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from giamngheo.accounts.models import ApiToken, RoleGrant
from giamngheo.accounts.roles import Role
from giamngheo.accounts.tokens import api_token_create
from giamngheo.core.models import AuditEntry
from giamngheo.geo.models import AdminUnit
from giamngheo.imports.models import ImportJob, ImportKind
from giamngheo.privacy.services import data_request_answer, data_request_register
from giamngheo.support.models.exports import ExportJob, ExportKind, ExportStatus
from tests.reviews.conftest import cast, make_household, reviewed  # noqa: F401  (fixtures)
from tests.support.walk_world import (
    SUPPORT_SECRET,
    stats_grant,
    stats_objects,
    stats_secret_texts,
    support_objects,
)

pytestmark = pytest.mark.django_db

# What of commune A must never reach the outsider.
SECRET_HEAD = "Đinh Thị Kín Đáo"
SECRET_CODE = "BIMAT-A-777"
SECRET_CITIZEN_ID = "086199012345"
SECRETS = (SECRET_HEAD, SECRET_CODE, SECRET_CITIZEN_ID, "Lò Văn Páo", SUPPORT_SECRET)


def page_patterns() -> list[str]:
    """Every non-API route as its full pattern text (``ho/<str:code>/sua/``)."""

    def walk(resolver: URLResolver, prefix: str) -> list[str]:
        found: list[str] = []
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                found += walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append(prefix + str(entry.pattern))
        return found

    return sorted(p for p in walk(get_resolver(), "") if not p.startswith("api/"))


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def fillings(template: str, values: dict[str, list[str]]) -> list[str]:
    """Every concrete path for ``template`` with the candidate values of each of its parameters."""
    names = [m.group(2) or m.group(3) for m in PARAM.finditer(template)]
    # An id parameter the world does not name (``record_id``, ``target_pk``…) meets every object of commune A.
    choices = [values.get(name, values["pk"] if name.endswith(("id", "pk")) else ["1"]) for name in names]
    paths = []
    for combo in itertools.product(*choices):
        parts = PARAM.split(template)
        # split() yields text, then the 3 groups of each parameter, then text: keep text, put values between.
        text_parts = parts[::4]
        path = text_parts[0] + "".join(v + t for v, t in zip(combo, text_parts[1:], strict=True))
        # A regular expression's escaped dot (``bieu-do/<chart>\\.xlsx``) is a dot in the path.
        path = path.lstrip("^").rstrip("$").replace("^", "").replace("$", "").replace("\\.", ".")
        paths.append("/" + path)
    return paths


@pytest.fixture
def world(unit_tree: Any, cast: Any, reviewed: Any, make_household: Any, make_user: Any) -> dict[str, Any]:  # noqa: F811
    """Commune A with a completed review, a household holding a citizen ID, a token and grants; and the
    outsider: an officer and approver of commune B (everything a commune user can hold)."""
    secret = make_household(unit_tree.hamlet, code=SECRET_CODE, head=SECRET_HEAD, current_class="poor")
    secret.members.update(citizen_id=SECRET_CITIZEN_ID)
    api_token_create(user=cast.officer)
    RoleGrant.objects.create(user=cast.outsider, role=Role.COMMUNE_APPROVER, unit=unit_tree.other_commune,
                             unit_path=unit_tree.other_commune.path)
    ids = [str(obj.pk) for obj in vars(reviewed).values()]
    # Support given, assignments, resources, campaigns, targets of commune A (issue 8).
    ids += [str(pk) for pk in support_objects(commune=unit_tree.commune, household=secret)]
    grant_ids = [str(pk) for pk in RoleGrant.objects.filter(user=cast.officer).values_list("pk", flat=True)]
    token_ids = [str(pk) for pk in ApiToken.objects.filter(user=cast.officer).values_list("pk", flat=True)]
    # An import job of commune A's officer, named after a secret: its pages must stay out of the outsider's reach.
    import_job = ImportJob.objects.create(kind=ImportKind.HOUSEHOLDS, file_name=f"{SECRET_HEAD}.xlsx",
                                          file_sha256="0" * 64, unit_path=unit_tree.commune.path,
                                          created_by=cast.officer, summary={"households": {"new": 1}})
    # And one of Phiếu B submissions from ODK/KoboToolbox (issue 12): the same pages, the same reach.
    odk_job = ImportJob.objects.create(kind=ImportKind.ODK, file_name=f"{SECRET_HEAD}.zip", file_sha256="0" * 64,
                                       unit_path=unit_tree.commune.path, created_by=cast.officer,
                                       summary={"households": {"new": 1}, "odk": {"submissions": 1}})
    # A finished export of commune A's officer, named after a secret: its progress page and file are the officer's.
    export_job = ExportJob.objects.create(kind=ExportKind.SUPPORT_LIST, created_by=cast.officer,
                                          parameters={"slug": "chua-ho-tro", "year": 2026},
                                          unit_path=unit_tree.commune.path, status=ExportStatus.DONE,
                                          file_name=f"{SECRET_HEAD}.xlsx")
    # A personal-data request about the secret household, answered (its export holds the household): its pages,
    # its JSON export and its printed reply are commune A's (issue 11).
    data_request = data_request_register(
        actor=cast.officer, unit=unit_tree.commune, kind="access", citizen_id=SECRET_CITIZEN_ID,
        household_code=SECRET_CODE, subject_name=SECRET_HEAD, requester_name=SECRET_HEAD, channel="in_person",
        received_at=timezone.now())
    data_request_answer(actor=cast.officer, request=data_request, answer_text=f"Trả lời cho {SECRET_HEAD}")
    ids.append(str(data_request.pk))
    # Statistics of every unit (issue 9): the numbers of the province and of commune A must not reach commune B.
    stats = stats_objects(province=unit_tree.province)
    stats_hidden = [text for code, number in stats.items() if not code.startswith(unit_tree.other_commune.code)
                    for year_number in (number, number - 1) for text in stats_secret_texts(year_number)]
    values = {
        "pk": sorted(set(ids), key=int),  # the same id of two models is tried once: it meets both
        "code": [SECRET_CODE, reviewed.case.household.code, unit_tree.commune.code, unit_tree.hamlet.code,
                 unit_tree.province.code],
        "user_id": [str(cast.officer.pk), str(cast.approver.pk)],
        "grant_id": grant_ids,
        "token_id": token_ids,
        "object_type": ["household", "households.household", "review_case", "reviews.reviewcase"],
        "object_id": [SECRET_CODE, str(reviewed.case.pk), str(secret.pk)],
        "public_id": [str(import_job.public_id), str(odk_job.public_id), str(export_job.public_id)],
        "chart": ["xu-huong", "ban-do"],  # the scope check comes before the chart's name
    }
    return {"values": values, "outsider": cast.outsider, "commune_path": unit_tree.commune.path,
            "stats_hidden": stats_hidden}


def assert_nothing_leaks(method: str, path: str, response: Any, more: tuple[str, ...] | list[str] = ()) -> None:
    assert response.status_code in (200, 302, 400, 404, 405, 409, 422), (
        f"{method} {path} answered {response.status_code}"
    )
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for secret in (*SECRETS, *more):
        assert secret not in text, f"{method} {path} leaked {secret!r}"


def test_the_walk_reaches_the_pages_of_every_app() -> None:
    patterns = page_patterns()
    for prefix in ("tai-khoan/", "don-vi/", "ho/", "nhat-ky/", "ra-soat/", "nhap-du-lieu/", "thong-ke/",
                   "du-lieu-ca-nhan/", "khao-sat-ngoai-tuyen/"):
        assert any(p.startswith(prefix) for p in patterns), prefix


def test_outsider_reaches_nothing_of_another_commune(world: dict[str, Any], client_for: Any) -> None:
    client = client_for(world["outsider"])
    audit_before = AuditEntry.objects.filter(unit_path__startswith=world["commune_path"]).count()
    walked = 0
    for template in page_patterns():
        if template.startswith(("tai-khoan/dang-xuat", "i18n/")):
            continue  # logging out or switching language touches only the outsider's own session
        for path in fillings(template, world["values"]):
            for method in ("get", "post"):
                response = getattr(client, method)(path, follow=False)
                assert_nothing_leaks(method.upper(), path, response, world["stats_hidden"])
                walked += 1
            # An HTMX fragment request takes the same checks.
            response = client.get(path, HTTP_HX_REQUEST="true")
            assert_nothing_leaks("GET (htmx)", path, response, world["stats_hidden"])
    assert walked > 100
    changed = AuditEntry.objects.filter(unit_path__startswith=world["commune_path"]).count() - audit_before
    assert changed == 0, "a request of the outsider changed commune A"


# Values no form offers, as a scanner or a mistyped bookmark sends them (issue 13, class 7).
ABSURD_QUERIES = (
    {"page": str(10**30), "year": str(10**23), "hamlet": str(10**23), "unit": "9" * 5000, "q": "x" * 10_000,
     "date_from": "31/12/9999", "date_to": "01/01/0001", "state": "<script>", "standard": "9" * 300,
     "area": "moon", "column": "../../etc", "klass": "x" * 500, "object_id": "9" * 5000, "actor": str(10**23),
     "per_page": str(10**9), "format": "exe", "received_on": "9999-12-31", "month": "13"},
    {"page": "-1", "year": "0", "hamlet": "-5", "unit": "", "q": "\x00", "date_from": "2025-02-30",
     "date_to": "abc", "year_from": "1e308", "all": "maybe", "per_page": "-1", "cursor": "%%%"},
)


def test_absurd_query_parameters_never_break_a_page(world: dict[str, Any], cast: Any, client_for: Any,  # noqa: F811
                                                    unit_tree: Any, make_user: Any) -> None:
    """Every page, fragment and export read from the resolver, as users who may see it, with out-of-range,
    malformed and oversized query parameters: an answer the user can read (a message, a redirect, a 4xx),
    never a 500."""
    admin = make_user(role=Role.SYSTEM_ADMIN, unit=unit_tree.province)
    walked = 0
    for user in (cast.officer, cast.surveyor, admin):
        client = client_for(user)
        client.raise_request_exception = False
        for template in page_patterns():
            if template.startswith(("tai-khoan/dang-xuat", "i18n/")):
                continue
            for path in fillings(template, world["values"])[:3]:
                for query in ABSURD_QUERIES:
                    response = client.get(path, query)
                    assert response.status_code < 500, f"GET {path} as {user} answered {response.status_code}"
                    walked += 1
    assert walked > 200


def stats_page_patterns() -> list[str]:
    """The statistics routes that name a unit (``thong-ke/<code>/…``)."""
    return [p for p in page_patterns() if p.startswith("thong-ke/") and "code" in p]



@pytest.mark.parametrize("role", list(Role))
def test_every_role_reaches_the_statistics_of_its_own_units_only(unit_tree: Any, make_user: Any, client_for: Any,
                                                                 role: str) -> None:
    """Every role asks every statistics page, download and button for every unit of the tree: a unit outside its
    grant answers 404 (405 where the method is wrong, before any unit is looked at) and nothing of its figures;
    a unit inside answers its pages."""
    secrets = stats_objects(province=unit_tree.province)
    grant = stats_grant(role, unit_tree)
    user = make_user(role=role, unit=grant)
    client = client_for(user)
    units = list(AdminUnit.objects.filter(path__startswith=unit_tree.province.path).order_by("path"))
    visible = [u for u in units if u.path.startswith(grant.path)]
    hidden_texts = [text for u in units if u not in visible
                    for number in (secrets[u.code], secrets[u.code] - 1) for text in stats_secret_texts(number)]
    pages = ("", "bang/", "so-sanh-chuan/", "doi-chieu/")  # after /thong-ke/<code>/
    templates = stats_page_patterns()
    assert len(templates) >= 8
    for unit in units:
        if unit in visible:
            # Its pages answer (downloads and buttons are their owners' tests: rendering them all costs seconds).
            for page in pages:
                path = f"/thong-ke/{unit.code}/{page}"
                response = client.get(path, {"nam": 2025})
                assert response.status_code == 200, f"{role} GET {path}"
                assert_nothing_leaks("GET", path, response, hidden_texts)
                if page == "":  # the dashboard shows the unit's own number: a leak of another's would show
                    assert stats_secret_texts(secrets[unit.code])[1] in response.content.decode()
            continue
        for template in templates:
            for path in fillings(template, {"code": [unit.code], "chart": ["xu-huong"]}):
                for method in ("get", "post"):
                    response = getattr(client, method)(path, {"nam": 2025})
                    assert response.status_code in (404, 405), f"{role} {method} {path}"
                    assert_nothing_leaks(method.upper(), path, response, hidden_texts)
