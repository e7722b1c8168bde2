"""``GET /households?cursor=``: deep pages by a keyset cursor (docs/api.md, "Paging").

A cursor page reads from the index at the last row's sort key, so page 10,000 costs what page 1 does; the
order is total (unit, then id), so walking the pages meets every row once even while rows are inserted.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from giamngheo.api.households import CURSOR_SALT
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
URL = "/api/v1/households"


@pytest.fixture
def registry(unit_tree: Any, make_household: Any) -> list[str]:  # noqa: F811
    """Commune A: 12 households in hamlet 1, 12 in hamlet 2 (the sort key's two units)."""
    return [make_household(hamlet, code=f"{name}-{i:02d}").code
            for hamlet, name in ((unit_tree.hamlet, "H1"), (unit_tree.hamlet2, "H2")) for i in range(12)]


def walk(client: Any, page_size: int, between_pages: Any = None) -> list[str]:
    first = client.get(URL, {"page_size": page_size}).json()
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        if between_pages:
            between_pages()
        body = client.get(URL, {"page_size": page_size, "cursor": cursor}).json()
        assert body["count"] is None and body["page"] is None
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    return seen


def test_walking_by_cursor_meets_every_household_once(api_client_for: Any, owner: Any, registry: list[str]) -> None:
    client = api_client_for(owner)
    assert walk(client, page_size=5) == registry
    assert walk(client, page_size=12) == registry  # the last page is full: its next_cursor ends on an empty page
    assert client.get(URL, {"page_size": 200}).json()["next_cursor"] is None


def test_rows_inserted_meanwhile_are_neither_skipped_nor_repeated(
    api_client_for: Any, owner: Any, registry: list[str], unit_tree: Any, make_household: Any,  # noqa: F811
) -> None:
    added: list[str] = []

    def insert() -> None:
        # Before each page: one row into the pages already read (on the commune itself, no hamlet: its unit
        # sorts before both hamlets) and one at the end of hamlet 2, not read yet.
        n = len(added)
        added.append(make_household(unit_tree.commune, code=f"C0-{n:02d}").code)
        added.append(make_household(unit_tree.hamlet2, code=f"H2-9{n:02d}").code)

    seen = walk(api_client_for(owner), page_size=5, between_pages=insert)
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert [code for code in seen if code in registry] == registry, "a row was skipped or met out of order"
    assert seen[len(registry):] == [code for code in added if code.startswith("H2-9")]  # ahead: met, in order
    assert not {code for code in added if code.startswith("C0-")} & set(seen)  # behind: never met


def test_a_deep_cursor_page_reads_from_the_sort_key_without_offset_or_count(
    api_client_for: Any, owner: Any, registry: list[str],
) -> None:
    client = api_client_for(owner)
    shallow = client.get(URL, {"page_size": 2}).json()["next_cursor"]
    deep = client.get(URL, {"page_size": 20}).json()["next_cursor"]
    counts = []
    for cursor in (shallow, deep):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": 2, "cursor": cursor})
        assert response.status_code == 200
        listing = [q["sql"] for q in queries.captured_queries if 'FROM "households_household"' in q["sql"]]
        assert len(listing) == 1, listing  # the page itself; no COUNT
        sql = listing[0]
        assert "OFFSET" not in sql.upper() and "COUNT(" not in sql.upper()
        # The row comparison (unit_path, id) > (…, …): native on PostgreSQL, written out as ORs on SQLite.
        assert ('("households_household"."unit_path", "households_household"."id") >' in sql
                or '("households_household"."unit_path" > ' in sql and '"households_household"."id" > ' in sql)
        assert '"households_household"."unit_path" >= ' in sql
        assert 'ORDER BY "households_household"."unit_path" ASC, "households_household"."id" ASC' in sql
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]  # as many queries 2 rows deep as 20 rows deep


@pytest.mark.parametrize("tamper", [
    lambda good: "%%%",
    lambda good: good[:-1] + ("A" if good[-1] != "A" else "B"),  # signature broken
    lambda good: good[:10],
    lambda good: signing.dumps(["/86/", 1], salt="giamngheo.api.support.cursor"),  # another list's
    lambda good: signing.dumps([1, "/86/"], salt=CURSOR_SALT),  # the key's types swapped
    lambda good: signing.dumps(["/86/", 1, 2], salt=CURSOR_SALT),
    lambda good: signing.dumps(["/86/", True], salt=CURSOR_SALT),
])
def test_a_tampered_cursor_is_a_422_on_cursor(
    api_client_for: Any, owner: Any, registry: list[str], problems: Any, tamper: Any,
) -> None:
    client = api_client_for(owner)
    good = client.get(URL, {"page_size": 3}).json()["next_cursor"]
    found = problems(client.get(URL, {"cursor": tamper(good)}))
    assert list(found) == [("query", "cursor")]
    assert "Con trỏ trang (cursor) không hợp lệ" in found[("query", "cursor")]


def test_a_cursor_longer_than_any_cursor_is_refused(api_client_for: Any, owner: Any, problems: Any) -> None:
    assert list(problems(api_client_for(owner).get(URL, {"cursor": "x" * 600}))) == [("query", "cursor")]


def test_a_cursor_never_reaches_outside_the_scope(
    api_client_for: Any, owner: Any, outsider: Any, registry: list[str],
) -> None:
    cursor = api_client_for(owner).get(URL, {"page_size": 3}).json()["next_cursor"]
    body = api_client_for(outsider).get(URL, {"cursor": cursor}).json()
    assert body["items"] == [] and body["next_cursor"] is None


def test_support_records_page_by_cursor_too(
    api_client_for: Any, province: Any, unit_tree: Any, make_household: Any, problems: Any,  # noqa: F811
) -> None:
    import datetime as dt

    from giamngheo.support.models import SupportKind, SupportRecord

    kind = SupportKind.objects.get(code="loan")
    made = []
    for hamlet in (unit_tree.hamlet2, unit_tree.hamlet):  # made out of the list's order
        household = make_household(hamlet, code=f"S-{hamlet.code}")
        made += [SupportRecord.objects.create(
            household=household, unit_path=household.unit_path, kind=kind, given_on=dt.date(2026, 3, i + 1),
            year=2026, provider_type="social_policy_bank", amount=1_000_000 * (i + 1), loan_term_months=12).pk
            for i in range(4)]
    client = api_client_for(province)
    body = client.get("/api/v1/support", {"page_size": 3}).json()
    seen = [item["id"] for item in body["items"]]
    while body["next_cursor"]:
        body = client.get("/api/v1/support", {"page_size": 3, "cursor": body["next_cursor"]}).json()
        seen += [item["id"] for item in body["items"]]
    assert seen == made[4:] + made[:4]  # hamlet 1's records first, each hamlet's in the order recorded
    households_cursor = client.get(URL, {"page_size": 1}).json()["next_cursor"]
    assert list(problems(client.get("/api/v1/support", {"cursor": households_cursor}))) == [("query", "cursor")]
