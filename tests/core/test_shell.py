"""The shell every page shares: navigation by permission, the user menu, no resource from elsewhere."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.accounts.unit_home import common_unit_path

pytestmark = pytest.mark.django_db


def nav_labels(html: str) -> list[str]:
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    assert nav is not None
    return re.findall(r">([^<>]+)</a>", nav.group(0))


SUPPORT = ["Hỗ trợ", "Nguồn lực", "Chỉ tiêu", "Thống kê"]  # every role reads support, resources and targets of its units


@pytest.mark.parametrize(
    ("role", "unit", "expected"),
    [
        (Role.PROVINCE_VIEWER, "province", ["Hộ gia đình", "Rà soát", *SUPPORT]),
        (Role.HAMLET_SURVEYOR, "hamlet", ["Hộ gia đình", "Rà soát", *SUPPORT]),
        (Role.COMMUNE_OFFICER, "commune", ["Hộ gia đình", "Đơn vị hành chính", "Rà soát", *SUPPORT, "Nhật ký",
                                           "Nhập dữ liệu", "Dữ liệu cá nhân"]),
        (Role.PROVINCE_OFFICER, "province", ["Hộ gia đình", "Đơn vị hành chính", "Rà soát", *SUPPORT, "Nhật ký",
                                             "Nhập dữ liệu", "Người dùng"]),
    ],
)
def test_navigation_offers_what_the_role_may_open(unit_tree, make_user, client_for, role, unit, expected):
    user = make_user(role, getattr(unit_tree, unit))
    assert nav_labels(client_for(user).get(reverse("accounts:me")).text) == expected


def test_current_section_is_marked(unit_tree, make_user, client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    html = client_for(officer).get(reverse("core:audit_list")).text
    assert f'<a href="{reverse("core:audit_list")}" aria-current="page">' in html


def test_signed_in_shell_has_account_language_and_log_out(unit_tree, make_user, client_for):
    user = make_user(Role.COMMUNE_OFFICER, unit_tree.commune, first_name="Nguyễn Thị Hoa")
    html = client_for(user).get(reverse("accounts:me")).text
    assert "Giảm nghèo bền vững" in html and "Nguyễn Thị Hoa" in html
    assert f'action="{reverse("accounts:logout")}"' in html
    assert 'name="language" value="en"' in html


def test_anonymous_shell_has_no_navigation(client):
    html = client.get(reverse("accounts:login")).text
    assert 'class="mainnav"' not in html
    assert 'name="language" value="en"' in html  # the language can be chosen before signing in


def test_nothing_is_loaded_from_another_site(unit_tree, make_user, client_for):
    html = client_for(make_user(Role.COMMUNE_OFFICER, unit_tree.commune)).get(reverse("core:audit_list")).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and not [s for s in sources if s.startswith(("http:", "https:", "//"))]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([], ""),
        (["/86/86001/"], "/86/86001/"),
        (["/86/86001/", "/86/86001/h1/"], "/86/86001/"),
        (["/86/86001/", "/86/86002/"], "/86/"),
        (["/86/86001/h1/", "/86/86001/h12/"], "/86/86001/"),  # "h1" is not a prefix unit of "h12"
        (["/86/", "/79/"], ""),
    ],
)
def test_common_unit_path(paths, expected):
    assert common_unit_path(paths) == expected
