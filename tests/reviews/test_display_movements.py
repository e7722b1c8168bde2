"""The movements page as a reader needs it: the year shown is named (and in the address), figures of a year
whose list is not yet recognised are marked provisional, units are read by name, and every number opens
the households behind it — scoped like the table, citizen IDs masked for readers who may not see them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.reviews.models import CycleKind, CycleStatus, Decision, ReviewCycle

from .test_ledger import put

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger_2025(unit_tree, make_household):
    """2024 → 2025 in the first hamlet: A stays poor, B escapes, C is newly poor."""
    h = {code: make_household(unit_tree.hamlet, code=code, head=f"Chủ hộ {code}") for code in "ABC"}
    h["A"].members.update(citizen_id="086190000111")
    put(h["A"], 2024, "poor")
    put(h["A"], 2025, "poor")
    put(h["B"], 2024, "poor")
    put(h["B"], 2025, "near_poor")
    put(h["C"], 2025, "poor")
    return h


def _page(client, unit, **params):
    return client.get(reverse("reviews:movements"), {"unit": unit.code, "standard": "2022-2025", **params})


def _decide(unit_tree, cast, year):
    Decision.objects.create(kind="periodic", commune=unit_tree.commune, unit_path=unit_tree.commune.path, year=year,
                            number=f"{year}/QĐ", signed_on=dt.date(year, 12, 10), signer_name="A", signer_title="B",
                            created_by=cast.approver)


def test_the_year_shown_is_put_in_the_address_and_named(unit_tree, cast, client_for, ledger_2025):
    _decide(unit_tree, cast, 2025)
    client = client_for(cast.officer)
    response = client.get(reverse("reviews:movements"), {"unit": unit_tree.commune.code})
    assert response.status_code == 302
    assert "year=2025" in response["Location"] and f"unit={unit_tree.commune.code}" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "Đang xem năm 2025." in html
    assert "năm gần nhất có danh sách đã được công nhận" in html
    # A chosen year stays as chosen: no redirect, no "default" sentence.
    chosen = _page(client, unit_tree.commune, year=2024)
    assert chosen.status_code == 200 and "Đang xem năm 2024." in chosen.content.decode()
    assert "năm gần nhất" not in chosen.content.decode()


def test_a_year_without_a_recognised_list_is_provisional(unit_tree, cast, make_user, client_for, ledger_2025):
    client = client_for(cast.officer)
    html = _page(client, unit_tree.commune, year=2025).content.decode()
    assert 'id="provisional"' in html and "Số liệu tạm tính." in html
    _decide(unit_tree, cast, 2025)
    assert 'id="provisional"' not in _page(client, unit_tree.commune, year=2025).content.decode()
    # A province where one commune is recognised and another still reviewing: provisional too.
    ReviewCycle.objects.create(kind=CycleKind.PERIODIC, commune=unit_tree.other_commune, year=2025,
                               unit_path=unit_tree.other_commune.path, status=CycleStatus.OPEN,
                               opens_on=dt.date(2025, 9, 1), closes_on=dt.date(2025, 12, 14), standards=[])
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    html = client_for(province).get(reverse("reviews:movements"), {"unit": unit_tree.province.code,
                                                                    "year": 2025}).content.decode()
    assert 'id="provisional"' in html and "Còn 1 xã/phường đang rà soát năm 2025" in html


def test_units_are_ordered_by_name_not_code(unit_tree, cast, make_user, client_for, ledger_2025):
    # Codes sort "h1" before "h2"; names sort "Ấp Bình Minh" before "Ấp Đồng Tâm" too, so rename to invert.
    unit_tree.hamlet.name = unit_tree.hamlet.short_name = "Ấp Xóm Mới"
    unit_tree.hamlet.save()
    unit_tree.hamlet2.name = unit_tree.hamlet2.short_name = "Ấp Ấn Độ"
    unit_tree.hamlet2.save()
    html = _page(client_for(cast.officer), unit_tree.commune, year=2025, all="1").content.decode()
    table = html[html.index('id="movements-poor"'):]
    assert table.index("Ấp Ấn Độ") < table.index("Ấp Xóm Mới")
    province = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    unit_tree.commune.name = unit_tree.commune.short_name = "Xã Vĩnh Long"
    unit_tree.commune.save()
    html = client_for(province).get(reverse("reviews:movements"), {"unit": unit_tree.province.code,
                                                                    "year": 2025}).content.decode()
    select = html[html.index('name="unit"'):html.index("</select>", html.index('name="unit"'))]
    names = re.findall(r">([^<]+)</option>", select)
    assert names == [unit_tree.province.name, "Phường Tân Hòa", "Xã Vĩnh Long"], names


def test_numbers_open_the_households_behind_them(unit_tree, cast, client_for, ledger_2025):
    client = client_for(cast.officer)
    html = _page(client, unit_tree.commune, year=2025).content.decode()
    links = dict(re.findall(r'<a class="drill" href="([^"]+)">(?:<strong>)?([^<]+)', html))
    end_total = next(url for url in links if "klass=poor" in url and "column=end&" not in url
                     and url.endswith("column=end") and "row=&" in url)
    page = client.get(end_total.replace("&amp;", "&")).content.decode()
    assert "Chủ hộ A" in page and "Chủ hộ C" in page and "Chủ hộ B" not in page
    escaped = next(url for url in links if "klass=poor" in url and url.endswith("column=escaped")
                   and f"row={unit_tree.hamlet.code}" in url)
    page = client.get(escaped.replace("&amp;", "&")).content.decode()
    assert "Chủ hộ B" in page and "Chủ hộ A" not in page
    # The officer may read citizen IDs: shown in full.
    assert "086190000111" in client.get(end_total.replace("&amp;", "&")).content.decode()


def test_drill_down_is_scoped_and_masks_citizen_ids(unit_tree, cast, make_user, client_for, ledger_2025):
    url = reverse("reviews:movement_households", args=[unit_tree.commune.code])
    query = {"year": 2025, "standard": "2022-2025", "klass": "poor", "column": "end"}
    assert client_for(cast.outsider).get(url, query).status_code == 404
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    page = client_for(viewer).get(url, query).content.decode()
    assert "Chủ hộ A" in page
    assert "086190000111" not in page, re.findall(r"[*0-9]{9,}", page)
    assert "*********111" in page
    assert client_for(cast.officer).get(url, {**query, "column": "nonsense"}).status_code == 404
    assert client_for(cast.officer).get(url, {**query, "row": "no-such-unit"}).status_code == 404


def test_the_drill_down_costs_the_same_queries_for_more_households(unit_tree, cast, client_for, make_household):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.officer)
    url = reverse("reviews:movement_households", args=[unit_tree.commune.code])
    query = {"year": 2025, "standard": "2022-2025", "klass": "poor", "column": "end"}

    def cost(n: int, start: int) -> int:
        for i in range(start, start + n):
            put(make_household(unit_tree.hamlet, code=f"Q{i}"), 2025, "poor")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, query).status_code == 200
        return len(queries)

    small = cost(2, 0)
    assert cost(20, 2) <= small
