"""The home page "Tổng quan": counts equal the lists' totals, one click to each list and to the targets behind
schedule; hamlet surveyors still land on their cases; a user of several units chooses one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from giamngheo.accounts.models import RoleGrant
from giamngheo.accounts.roles import Role
from giamngheo.support.selectors import lists
from tests.support.test_lists_selectors import (  # noqa: F401  (fixtures)
    ListsWorld,
    cast,
    expected,
    lists_world,
    make_household,
    set_status,
    status_at_end,
)

pytestmark = pytest.mark.django_db


def cards(client: Any, html: str) -> dict[str, tuple[int, str]]:
    """data-list → (count its fragment shows, link)."""
    found = re.findall(r'<a class="card support-home-card" href="([^"]+)" data-list="([^"]+)">\s*'
                       r'<span class="support-home-count num"(?: data-count-url="([^"]+)")?[^>]*>([\d.…]+)</span>', html)
    shown = {}
    for link, slug, count_url, count in found:
        if count_url:
            response = client.get(count_url.replace("&amp;", "&"))
            assert response.status_code == 200
            count = response.content.decode().strip()
        shown[slug] = (int(count.replace(".", "")), link.replace("&amp;", "&"))
    return shown


def status(client: Any, html: str) -> dict[str, int]:
    url = re.search(r'hx-get="(/ho-tro/tong-quan/[^"]+)"', html).group(1).replace("&amp;", "&")
    text = client.get(url).content.decode()
    return {klass: int(n.replace(".", "")) for klass, n in re.findall(r'data-class="(\w+)">([\d.]+)<', text)}


def test_the_counts_are_the_lists_totals_and_each_card_opens_its_list(lists_world: ListsWorld,  # noqa: F811
                                                                      client_for: Any) -> None:
    client = client_for(lists_world.officer)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    year = timezone.localdate().year
    shown = cards(client, html)
    assert set(shown) == {*lists.SLUGS, "targets-off-track"}
    for slug in lists.SLUGS:
        count, link = shown[slug]
        assert count == len(expected(slug, lists_world, lists_world.officer, year))
        listed = client.get(link)
        assert listed.status_code == 200 and len(listed.context["page"].rows) == count  # lists of a few rows
    by_hand = [status_at_end(h, year) for h in lists_world.households.values()
               if h.deleted_at is None and h.unit_path.startswith(lists_world.unit_tree.commune.path)]
    assert status(client, html) == {"poor": by_hand.count("poor"), "near_poor": by_hand.count("near_poor")}
    assert 'href="/ho/"' in html  # the registry stays one click away
    assert shown["targets-off-track"][1].startswith("/chi-tieu/")


def test_the_province_sees_its_communes_together(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    client = client_for(lists_world.province_user)
    response = client.get("/")
    year = timezone.localdate().year
    shown = cards(client, response.content.decode())
    assert shown[lists.NO_SUPPORT][0] == len(expected(lists.NO_SUPPORT, lists_world, lists_world.province_user, year))
    assert shown[lists.NO_SUPPORT][0] == lists.list_count(lists.NO_SUPPORT, user=lists_world.province_user,
                                                          year=year)


def test_a_user_of_two_communes_chooses_one(lists_world: ListsWorld, client_for: Any) -> None:  # noqa: F811
    world = lists_world
    RoleGrant.objects.create(user=world.officer, role=Role.COMMUNE_OFFICER, unit=world.unit_tree.other_commune,
                             unit_path=world.unit_tree.other_commune.path)
    client = client_for(world.officer)
    html = client.get("/").content.decode()
    assert 'name="unit"' in html
    response = client.get(f"/?unit={world.unit_tree.other_commune.pk}")
    assert response.context["unit"] == world.unit_tree.other_commune
    year = timezone.localdate().year
    count, link = cards(client, response.content.decode())[lists.NO_SUPPORT]
    assert count == lists.list_count(lists.NO_SUPPORT, user=world.officer, year=year,
                                     unit_path=world.unit_tree.other_commune.path)
    assert len(client.get(link).context["page"].rows) == count
    # A unit the user does not serve falls back to the first of theirs; garbage too.
    for unit in ("99999", "9" * 400, "x"):
        assert client.get(f"/?unit={unit}").status_code == 200


def test_hamlet_surveyors_still_land_on_their_cases(lists_world: ListsWorld, client_for: Any, cast: Any) -> None:  # noqa: F811
    response = client_for(cast.surveyor).get("/")
    assert response.status_code == 302 and response["Location"] == "/ra-soat/ho-cua-toi/"


def test_a_user_without_grants_goes_to_the_registry(client_for: Any, db: None) -> None:
    from giamngheo.accounts.models import User

    user = User.objects.create(username="khong-quyen")
    response = client_for(user).get("/")
    assert response.status_code == 302 and response["Location"] == "/ho/"
