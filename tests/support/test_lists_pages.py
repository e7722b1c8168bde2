"""The list pages and their Excel export through the test client: filters, keyset pages, links to the
household, errors that name the field, scope (an outsider sees nothing of commune A), and the audit entry."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from giamngheo.core.models import AuditEntry
from giamngheo.support.selectors import lists
from tests.support.test_lists_selectors import (  # noqa: F401  (fixtures)
    YEAR,
    ListsWorld,
    cast,
    expected,
    lists_world,
    make_household,
    set_status,
)

pytestmark = pytest.mark.django_db


def url(slug: str, **query: Any) -> str:
    from urllib.parse import urlencode

    return f"/ho-tro/danh-sach/{slug}/" + (f"?{urlencode(query)}" if query else "")


@pytest.mark.parametrize("slug", lists.SLUGS)
def test_each_page_lists_its_households_with_a_link_and_the_total(lists_world: ListsWorld, client_for: Any,  # noqa: F811
                                                                  slug: str) -> None:
    response = client_for(lists_world.officer).get(url(slug, year=YEAR))
    assert response.status_code == 200
    page = response.context["page"]
    want = expected(slug, lists_world, lists_world.officer, YEAR)
    assert {row.code for row in page.rows} == want
    html = response.content.decode()
    # The total is a fragment the page loads.
    count_url = re.search(r'hx-get="(/ho-tro/danh-sach/[^"]+/so-ho/\?[^"]*)"', html).group(1).replace("&amp;", "&")
    assert client_for(lists_world.officer).get(count_url).content.decode().strip() == f"{len(want)} hộ"
    for code in want:
        assert f'href="/ho/{code}/"' in html
    assert "B-POOR" not in html


def test_the_unmet_needs_page_shows_the_needs_and_causes(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    html = client_for(lists_world.officer).get(url(lists.UNMET_NEEDS, year=YEAR)).content.decode()
    assert "Vay vốn ưu đãi" in html and "Thiếu vốn sản xuất, kinh doanh" in html


def test_the_escaped_page_shows_three_years_of_support_in_vietnamese_money(lists_world: ListsWorld,  # noqa: F811
                                                                          client_for: Any) -> None:
    html = client_for(lists_world.officer).get(url(lists.ESCAPED, year=YEAR)).content.decode()
    assert "50 triệu đồng" in html and "8 triệu đồng" in html
    html = client_for(lists_world.officer).get(url(lists.ESCAPED, year=YEAR, klass="near_poor")).content.decode()
    assert "ESCAPED-NEAR" in html and "POOR-TO-NEAR" not in html


def test_keyset_pages_follow_the_next_link(lists_world: ListsWorld, client_for: Any, monkeypatch: Any) -> None:  # noqa: F811
    from giamngheo.support.views import lists as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = client_for(lists_world.officer)
    seen: list[str] = []
    response = client.get(url(lists.NO_SUPPORT, year=2025))
    while True:
        page = response.context["page"]
        seen += [row.code for row in page.rows]
        if not page.next_cursor:
            break
        response = client.get(url(lists.NO_SUPPORT, year=2025, after=page.next_cursor, start=len(seen) + 1))
    want = expected(lists.NO_SUPPORT, lists_world, lists_world.officer, 2025)
    assert sorted(seen) == sorted(want) and len(seen) == len(set(seen))
    total = client.get(f"/ho-tro/danh-sach/{lists.NO_SUPPORT}/so-ho/?year=2025&bare=1").content.decode().strip()
    assert total == str(len(want))


def test_a_unit_filter_narrows_and_one_outside_the_scope_is_an_error(lists_world: ListsWorld,  # noqa: F811
                                                                     client_for: Any) -> None:
    world = lists_world
    response = client_for(world.province_user).get(url(lists.NO_SUPPORT, unit=world.unit_tree.other_commune.pk))
    assert {row.code for row in response.context["page"].rows} == {"B-POOR"}
    response = client_for(world.officer).get(url(lists.NO_SUPPORT, unit=world.unit_tree.other_commune.pk))
    assert response.status_code == 400
    assert "không thuộc địa bàn của bạn" in response.content.decode()
    assert "B-POOR" not in response.content.decode()


@pytest.mark.parametrize(("query", "message"), [
    ({"year": "1999"}, "Năm phải từ 2000 đến 2100."),
    ({"year": "10" * 20}, "Năm phải từ 2000 đến 2100."),
    ({"year": "hai nghìn"}, "Năm phải là một số"),
    ({"klass": "average"}, "Phân loại đã chọn không có trong danh sách."),
    ({"unit": "9" * 500}, "không thuộc địa bàn của bạn"),
])
def test_absurd_parameters_get_a_message_naming_the_field(lists_world: ListsWorld, client_for: Any,  # noqa: F811
                                                          query: dict[str, str], message: str) -> None:
    response = client_for(lists_world.officer).get(url(lists.NO_SUPPORT, **query))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_cursors_and_unknown_lists(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    client = client_for(lists_world.officer)
    for cursor in ("x", "9" * 400 + ":/", "1:" + "/" * 300, "-1:/"):
        assert client.get(url(lists.NO_SUPPORT, after=cursor, before=cursor)).status_code == 200
    assert client.get("/ho-tro/danh-sach/khong-co/").status_code == 404
    assert client.get("/ho-tro/danh-sach/khong-co/xuat/").status_code == 404


def test_an_outsider_sees_only_their_own_commune(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    client = client_for(lists_world.outsider)
    for slug in lists.SLUGS:
        html = client.get(url(slug, year=YEAR)).content.decode()
        for code in lists_world.households:
            if not code.startswith("B-"):
                assert f"/ho/{code}/" not in html
        export = client.get(url(slug, year=YEAR).replace("/?", "/xuat/?"))
        assert export.status_code == 200
        cells = [c for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True) for c in row]
        assert not any(code in cells for code in lists_world.households if not code.startswith("B-"))


def test_anonymous_users_are_sent_to_log_in(lists_world: ListsWorld, client: Any) -> None:  # noqa: F811
    response = client.get(url(lists.NO_SUPPORT))
    assert response.status_code == 302 and "/tai-khoan/" in response["Location"]


@pytest.mark.parametrize("slug", lists.SLUGS)
def test_the_export_holds_the_whole_list_and_is_audited(lists_world: ListsWorld, client_for: Any,  # noqa: F811
                                                        slug: str) -> None:
    response = client_for(lists_world.officer).get(f"/ho-tro/danh-sach/{slug}/xuat/?year={YEAR}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, data = rows[1], rows[2:]
    assert header[1] == "Mã hộ"
    assert {row[1] for row in data} == expected(slug, lists_world, lists_world.officer, YEAR)
    entry = AuditEntry.objects.get(action="giamngheo.support.list_exported")
    assert entry.actor == lists_world.officer and entry.object_id == slug
    assert entry.data["rows"] == len(data) and entry.data["year"] == YEAR


def test_export_refuses_other_formats_and_bad_filters(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    client = client_for(lists_world.officer)
    assert client.get(url(lists.NO_SUPPORT, format="exe").replace("/?", "/xuat/?")).status_code == 400
    response = client.get(url(lists.NO_SUPPORT, year="3000").replace("/?", "/xuat/?"))
    assert response.status_code == 400 and "Năm phải từ 2000 đến 2100." in response.content.decode()
    assert not AuditEntry.objects.filter(action="giamngheo.support.list_exported").exists()


def test_a_formula_typed_as_a_name_is_exported_as_text(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    lists_world.households["POOR-NOTHING"].__class__.objects.filter(code="POOR-NOTHING").update(
        head_name="=HYPERLINK(\"http://x\")")
    response = client_for(lists_world.officer).get(f"/ho-tro/danh-sach/{lists.NO_SUPPORT}/xuat/?year={YEAR}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = next(c for row in sheet.iter_rows() for c in row if c.value and str(c.value).startswith("=HYPER"))
    assert cell.data_type == "s"


def test_the_count_fragment_checks_its_filters_and_scope(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    world = lists_world
    base = f"/ho-tro/danh-sach/{lists.NO_SUPPORT}/so-ho/"
    assert client_for(world.outsider).get(f"{base}?year={YEAR}&bare=1").content.decode().strip() == "1"
    response = client_for(world.outsider).get(f"{base}?unit={world.unit_tree.commune.pk}")
    assert response.status_code == 400 and "không thuộc địa bàn của bạn" in response.content.decode()
    assert client_for(world.officer).get(f"{base}?year=0").status_code == 400
    assert client_for(world.officer).get("/ho-tro/danh-sach/khac/so-ho/").status_code == 404
