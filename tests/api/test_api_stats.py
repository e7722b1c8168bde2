"""``/api/v1/stats``: the rollups as the selectors read them, scoped like the pages, with bounded parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from giamngheo.accounts.roles import Role
from giamngheo.api.v1 import api
from giamngheo.geo.models import AdminUnit
from giamngheo.standards.definition import get_standard
from giamngheo.stats import selectors
from giamngheo.stats.models import FillState, Rollup
from giamngheo.stats.services import stats_fill
from giamngheo.stats.tables.result import columns, result_table
from tests.reviews.conftest import make_household  # noqa: F401  (fixture)
from tests.stats.test_fill import put

pytestmark = pytest.mark.django_db

ENDPOINTS = ("/api/v1/stats/rollups", "/api/v1/stats/rollups/children", "/api/v1/stats/series",
             "/api/v1/stats/fill-states", "/api/v1/stats/tables/result")


@pytest.fixture
def filled(unit_tree: Any, make_household: Any) -> Any:  # noqa: F811
    """Four households over two years, on two hamlets, on no hamlet and in the other commune; 2024 and 2025
    filled."""
    a = make_household(unit_tree.hamlet, code="A")
    b = make_household(unit_tree.hamlet2, code="B", ethnicity="Khmer")
    c = make_household(unit_tree.commune, code="C")
    d = make_household(unit_tree.other_hamlet, code="D", area="urban")
    put(a, 2024, "poor", unit_tree.hamlet)
    put(a, 2025, "near_poor", unit_tree.hamlet)
    put(b, 2025, "poor", unit_tree.hamlet2, em=True)
    put(c, 2025, "near_poor", unit_tree.commune)
    put(d, 2024, "poor", unit_tree.other_hamlet, area="urban")
    for year in (2024, 2025):
        stats_fill(province=unit_tree.province, series="national", year=year)
    return unit_tree


@pytest.fixture
def surveyor(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)


def _expected(figures: Any, before: Any) -> dict[str, Any]:
    codes = get_standard(figures.standard_id).indicator_codes
    af = figures.af(codes)
    return {
        "counts": figures.counts, "households": figures.households, "poor": figures["poor.end"],
        "near_poor": figures["near_poor.end"], "poor_rate": figures.poor_rate,
        "near_poor_rate": figures.near_poor_rate,
        "poor_rate_change_points": selectors.change_points(figures, before),
        "near_poor_rate_change_points": selectors.change_points(figures, before, "near_poor.end"),
        "indicators": codes, "H": af.H, "A": af.A, "M0": af.M0, "contribution": af.contribution,
    }


def _read(body: dict[str, Any]) -> dict[str, Any]:
    af = body["alkire_foster"]
    return {
        **{k: body[k] for k in ("counts", "households", "poor", "near_poor", "poor_rate", "near_poor_rate",
                                "poor_rate_change_points", "near_poor_rate_change_points")},
        "indicators": [i["code"] for i in body["indicators"]], "H": af["H"], "A": af["A"], "M0": af["M0"],
        "contribution": af["contribution"],
    }


@pytest.mark.parametrize("area", ["all", "urban", "rural"])
def test_a_units_figures_are_the_selectors_with_their_date(filled: Any, api_client_for: Any, province: Any,
                                                           area: str) -> None:
    response = api_client_for(province).get("/api/v1/stats/rollups", {"unit": "86", "year": 2025, "area": area})
    assert response.status_code == 200, response.content
    body = response.json()
    figures = selectors.rollup(filled.province, year=2025, area=area)
    before = selectors.rollup(filled.province, year=2024, area=area)
    assert figures is not None and before is not None
    assert _read(body) == _expected(figures, before)
    state = FillState.objects.get(province=filled.province, year=2025, series="national")
    # JSON carries milliseconds (Django's encoder).
    as_of = dt.datetime.fromisoformat(body["as_of"].replace("Z", "+00:00"))
    assert state.filled_at is not None and abs(as_of - state.filled_at) < dt.timedelta(milliseconds=1)
    assert (body["status"], body["filled"], body["standard_id"]) == ("fresh", True, "2022-2025")
    assert (body["unit"], body["level"], body["area"]) == (
        {"code": "86", "name": filled.province.name, "level": "province"}, "province", area)


def test_the_figures_derive_rates_changes_and_alkire_foster(filled: Any, api_client_for: Any, owner: Any) -> None:
    body = api_client_for(owner).get("/api/v1/stats/rollups", {"unit": "86001", "year": 2025}).json()
    # 2025: 3 households on the commune (A, B on hamlets, C on none); B poor, A and C near-poor.
    assert (body["households"], body["poor"], body["near_poor"]) == (3, 1, 2)
    assert body["poor_rate"] == pytest.approx(1 / 3)
    before = selectors.rollup(filled.commune, year=2024)
    assert before is not None and before.poor_rate is not None
    assert body["poor_rate_change_points"] == pytest.approx((1 / 3 - before.poor_rate) * 100)
    assert body["counts"]["poor.end_ethnic_minority"] == 1
    assert set(body["alkire_foster"]["contribution"]) == set(get_standard("2022-2025").indicator_codes)


def test_alkire_foster_from_the_rollups_sums(filled: Any, api_client_for: Any, owner: Any) -> None:
    """H = q/n, M0 = c/n, A = M0/H, an indicator's contribution = its weight × censored headcount / M0."""
    row = Rollup.objects.get(unit=filled.hamlet, level="hamlet", year=2025, series="national", area="all")
    row.counts = {**row.counts, "af.n": 10, "af.q": 3, "af.c": 1.5, "af.ch.employment": 2, "af.excluded": 1,
                  "af_em.n": 4, "af_em.q": 2, "af_em.c": 1.0}
    row.save()
    body = api_client_for(owner).get("/api/v1/stats/rollups", {"unit": "86001-h1", "year": 2025}).json()
    af, em = body["alkire_foster"], body["alkire_foster_ethnic_minority"]
    indicators = len(get_standard("2022-2025").indicator_codes)
    assert (af["n"], af["q"], af["excluded"]) == (10, 3, 1)
    assert (af["H"], af["M0"], af["A"]) == (pytest.approx(0.3), pytest.approx(0.15), pytest.approx(0.5))
    assert af["censored"]["employment"] == pytest.approx(0.2)
    assert af["contribution"]["employment"] == pytest.approx(0.2 / indicators / 0.15)
    assert af["contribution"]["latrine"] == 0
    assert (em["H"], em["M0"], em["A"]) == (pytest.approx(0.5), pytest.approx(0.25), pytest.approx(0.5))


def test_the_year_defaults_to_the_latest_filled_and_a_year_never_filled_says_so(filled: Any, api_client_for: Any,
                                                                                 owner: Any) -> None:
    client = api_client_for(owner)
    assert client.get("/api/v1/stats/rollups", {"unit": "86001"}).json()["year"] == 2025
    body = client.get("/api/v1/stats/rollups", {"unit": "86001", "year": 2030}).json()
    assert (body["filled"], body["status"], body["as_of"], body["counts"], body["poor_rate"]) == (
        False, "not_filled", None, {}, None)


def test_children_are_the_hamlets_and_the_households_on_no_hamlet_paged(filled: Any, api_client_for: Any,
                                                                        owner: Any) -> None:
    client = api_client_for(owner)
    rows = selectors.child_rollups(filled.commune, year=2025)
    earlier = {(f.unit_id, f.level): f for f in selectors.child_rollups(filled.commune, year=2024,
                                                                        include_empty=False)}
    first = client.get("/api/v1/stats/rollups/children", {"unit": "86001", "year": 2025, "page_size": 2}).json()
    second = client.get("/api/v1/stats/rollups/children",
                        {"unit": "86001", "year": 2025, "page_size": 2, "page": 2}).json()
    assert (first["count"], first["page"], len(first["items"]), len(second["items"])) == (3, 1, 2, 1)
    items = first["items"] + second["items"]
    assert [(i["unit"]["code"], i["level"]) for i in items] == [("86001-h1", "hamlet"), ("86001-h2", "hamlet"),
                                                               ("", "direct")]
    for item, figures in zip(items, rows, strict=True):
        assert _read(item) == _expected(figures, earlier.get((figures.unit_id, figures.level)))
    whole = client.get("/api/v1/stats/rollups", {"unit": "86001", "year": 2025}).json()
    for code in ("households", "poor.end", "near_poor.end"):
        assert sum(i["counts"].get(code, 0) for i in items) == whole["counts"][code]
    assert first["status"] == "fresh" and first["as_of"] == whole["as_of"]


def test_children_cost_the_same_queries_however_many_there_are(filled: Any, api_client_for: Any,
                                                                owner: Any) -> None:
    client = api_client_for(owner)
    query = {"unit": "86001", "year": 2025}

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/api/v1/stats/rollups/children", query).status_code == 200
        return len(context.captured_queries)

    few = queries()
    for number in range(3, 9):
        AdminUnit.objects.create(code=f"86001-h{number}", level="hamlet", kind="ap", generation="2025",
                                 name=f"Ấp {number}", short_name=f"Ấp {number}", name_folded=f"ap {number}",
                                 parent=filled.commune, path=f"/86/86001/h{number}/", source="tests")
    assert queries() == few


def test_a_child_with_no_figures_is_a_row_of_zeros(filled: Any, api_client_for: Any, province: Any) -> None:
    AdminUnit.objects.create(code="86003", level="commune", kind="xa", generation="2025", name="Xã Mới Lập",
                             short_name="Xã Mới Lập", name_folded="xa moi lap", parent=filled.province,
                             path="/86/86003/", source="tests")
    body = api_client_for(province).get("/api/v1/stats/rollups/children", {"unit": "86", "year": 2025}).json()
    by_code = {i["unit"]["code"]: i for i in body["items"]}
    assert list(by_code) == ["86001", "86002", "86003"]
    # Commune B's household, poor since 2024, is still poor in 2025 (the ledger keeps the last status).
    assert by_code["86002"]["filled"] and by_code["86002"]["poor"] == 1
    empty = by_code["86003"]
    assert (empty["filled"], empty["counts"], empty["households"], empty["poor_rate"]) == (False, {}, 0, None)
    # Under the province's standard, so every row has the same indicators.
    assert [i["code"] for i in empty["indicators"]] == get_standard("2022-2025").indicator_codes
    assert api_client_for(province).get(
        "/api/v1/stats/rollups/children", {"unit": "86001-h1"}).json()["items"] == []


def test_a_series_is_one_row_a_year(filled: Any, api_client_for: Any, owner: Any) -> None:
    body = api_client_for(owner).get("/api/v1/stats/series", {"unit": "86001"}).json()
    rows = selectors.rollup_series(filled.commune)
    assert [i["year"] for i in body["items"]] == [2024, 2025]
    assert [_read(i) for i in body["items"]] == [_expected(rows[0], None), _expected(rows[1], rows[0])]
    assert all(i["status"] == "fresh" and i["as_of"] for i in body["items"])


def test_fill_states_are_the_provinces(filled: Any, api_client_for: Any, owner: Any) -> None:
    body = api_client_for(owner).get("/api/v1/stats/fill-states", {"unit": "86001"}).json()
    assert body["province"]["code"] == "86"
    assert [(i["year"], i["series"], i["status"], i["standard_id"]) for i in body["items"]] == [
        (2025, "national", "fresh", "2022-2025"), (2024, "national", "fresh", "2022-2025")]


def test_the_result_table_is_the_one_officers_hand_in(filled: Any, api_client_for: Any, owner: Any) -> None:
    body = api_client_for(owner).get("/api/v1/stats/tables/result", {"unit": "86001", "year": 2025}).json()
    table = result_table(filled.commune, year=2025, series="national")
    assert (body["standard_id"], body["standard_title"], body["status"]) == (
        "2022-2025", table.standard_title, "fresh")
    assert [(line["kind"], line["area"], line["name"], line["households"], line["households_before"])
            for line in body["lines"]] == [(line.kind, line.area, line.name, line.households, line.households_before)
                                           for line in table.lines]
    for klass in ("poor", "near_poor"):
        codes = [c.code for c in columns(klass)]
        assert [c["code"] for c in body["columns"][klass]] == codes
        assert [[line[klass][c] for c in codes] for line in body["lines"]] == [
            line.cells(klass) for line in table.lines]
    total = body["lines"][-1]
    assert (total["kind"], total["poor"]["end"], total["near_poor"]["end"]) == ("total", 1, 2)
    assert total["poor"]["end_rate"] == pytest.approx(1 / 3)
    # A year with no figures has no lines.
    empty = api_client_for(owner).get("/api/v1/stats/tables/result", {"unit": "86001", "year": 2030}).json()
    assert (empty["lines"], empty["status"]) == ([], "not_filled")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_out_of_scope_is_not_found_like_a_unit_that_does_not_exist(unit_tree: Any, api_client_for: Any, owner: Any,
                                                                    surveyor: Any, path: str) -> None:
    officer, hamlet = api_client_for(owner), api_client_for(surveyor)
    missing = officer.get(path, {"unit": "99999"})
    assert missing.status_code == 404
    for code in ("86", "86002", "86002-h1"):
        response = officer.get(path, {"unit": code})
        assert (response.status_code, response.json()) == (404, missing.json()), code
    for code in ("86001", "86001-h1"):
        assert officer.get(path, {"unit": code}).status_code == 200, code
    assert hamlet.get(path, {"unit": "86001-h1"}).status_code == 200
    for code in ("86001-h2", "86001", "86"):
        assert hamlet.get(path, {"unit": code}).status_code == 404, code


@pytest.mark.parametrize(("query", "loc"), [
    ({"year": 2015}, "year"), ({"year": 2101}, "year"), ({"year": "2025a"}, "year"),
    ({"series": "local-79"}, "series"), ({"series": "provincial"}, "series"), ({"series": "x" * 41}, "series"),
    ({"area": "moon"}, "area"), ({"unit": "8" * 21}, "unit"), ({"page": 0}, "page"), ({"page_size": 201}, "page_size"),
])
def test_bad_parameters_are_422_on_the_parameter(unit_tree: Any, api_client_for: Any, province: Any, problems: Any,
                                                 query: dict[str, Any], loc: str) -> None:
    response = api_client_for(province).get("/api/v1/stats/rollups/children", {"unit": "86", **query})
    assert list(problems(response)) == [("query", loc)]


def test_the_unit_is_required_and_a_province_may_ask_for_its_own_series(filled: Any, api_client_for: Any,
                                                                          province: Any, problems: Any) -> None:
    client = api_client_for(province)
    for path in ENDPOINTS:
        assert list(problems(client.get(path))) == [("query", "unit")]
    local = client.get("/api/v1/stats/rollups", {"unit": "86", "series": "local-86", "year": 2025}).json()
    assert (local["series"], local["filled"], local["status"]) == ("local-86", False, "not_filled")


def test_the_endpoints_need_a_token_and_are_documented(client: Any) -> None:
    for path in ENDPOINTS:
        assert client.get(path, {"unit": "86"}).status_code == 401
    paths = api.get_openapi_schema()["paths"]
    for path in ENDPOINTS:
        operation = paths[path]["get"]
        assert operation["tags"] == ["stats"] and 200 in operation["responses"], path
        assert {p["name"] for p in operation["parameters"]} >= {"unit"}
