"""The account page, the users page and the language switch, through the test client."""

from __future__ import annotations

import pytest
from django.urls import reverse

from giamngheo.accounts.models import ApiToken, RoleGrant
from giamngheo.accounts.roles import Role
from giamngheo.accounts.tokens import api_token_authenticate
from giamngheo.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "Mat-khau-cu-2025-du-dai"  # noqa: S105
HTMX = {"HX-Request": "true"}


@pytest.fixture
def province_officer(make_user, unit_tree):
    return make_user(Role.PROVINCE_OFFICER, unit_tree.province, username="tinh", first_name="Trần Văn Tỉnh")


@pytest.fixture
def province_admin(make_user, unit_tree):
    """Sets up commune staff: their roles carry citizen IDs, which a province officer does not hold."""
    return make_user(Role.SYSTEM_ADMIN, unit_tree.province, username="quantri", first_name="Quản Trị Tỉnh")


# ------------------------------------------------------------------------------------------ language


def test_language_switch_is_saved_on_the_profile_and_pages_turn_english(make_user, unit_tree, client_for):
    user = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    client = client_for(user)
    assert "Tài khoản của tôi" in client.get(reverse("accounts:me")).text
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/tai-khoan/"})
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    user.refresh_from_db()
    assert user.language == "en"
    page = client.get(reverse("accounts:me")).text
    assert '<html lang="en">' in page
    entry = AuditEntry.objects.get(action="giamngheo.user.language_changed")
    assert entry.changes == {"language": ["vi", "en"]}


def test_each_user_gets_messages_in_their_own_language(make_user, client_for):
    english = client_for(make_user(language="en")).post(reverse("accounts:password_change"), {})
    assert "This field is required." in english.text and "Trường này là bắt buộc." not in english.text
    vietnamese = client_for(make_user(language="vi")).post(reverse("accounts:password_change"), {})
    assert "Trường này là bắt buộc." in vietnamese.text


def test_language_follows_the_user_to_a_new_device(make_user, unit_tree, client_for):
    user = make_user(Role.COMMUNE_OFFICER, unit_tree.commune, language="en")
    assert '<html lang="en">' in client_for(user).get(reverse("accounts:me")).text


def test_anonymous_language_switch_sets_the_cookie_for_the_login_page(client):
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/tai-khoan/dang-nhap/"})
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get(reverse("accounts:login")).text


def test_unknown_language_changes_nothing(make_user, client_for):
    user = make_user()
    client_for(user).post(reverse("accounts:set_language"), {"language": "fr"})
    user.refresh_from_db()
    assert user.language == "vi"


# ------------------------------------------------------------------------------------------- my account


def test_account_page_lists_my_roles_and_units(make_user, unit_tree, client_for):
    user = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet)
    page = client_for(user).get(reverse("accounts:me")).text
    assert "Rà soát viên thôn/ấp" in page and "Ấp Bình Minh" in page


def test_account_page_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_password_change_with_the_right_old_password(make_user, client):
    user = make_user(username="hoa", password=PASSWORD)
    client.post(reverse("accounts:login"), {"username": "hoa", "password": PASSWORD})
    new = "Mat-khau-moi-2026-rat-dai"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get(reverse("accounts:me")).status_code == 200  # still signed in here
    assert AuditEntry.objects.filter(action="giamngheo.user.password_changed", actor=user).exists()


def test_password_change_refusals_are_shown_next_to_the_field(make_user, client_for):
    user = make_user(password=PASSWORD)
    client = client_for(user)
    wrong_old = client.post(
        reverse("accounts:password_change"),
        {"old_password": "khong-dung", "new_password": "Abc-12345-xyz-dai", "new_password_again": "Abc-12345-xyz-dai"},
    )
    assert wrong_old.context["password_form"].errors["old_password"] == ["Mật khẩu hiện tại không đúng."]
    too_short = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": "ngan", "new_password_again": "ngan"},
    )
    assert "new_password" in too_short.context["password_form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_token_is_shown_once_and_works(make_user, client_for):
    user = make_user()
    client = client_for(user)
    response = client.post(reverse("accounts:token_create"), {"days": "30"}, headers=HTMX)
    assert response.status_code == 200
    key = response.context["new_token"]
    assert key in response.text
    assert api_token_authenticate(key) == user
    assert key not in client.get(reverse("accounts:me")).text  # never shown again


def test_token_revoke_from_the_page(make_user, client_for):
    user = make_user()
    client = client_for(user)
    key = client.post(reverse("accounts:token_create"), {"days": "30"}).context["new_token"]
    token = ApiToken.objects.get(user=user)
    client.post(reverse("accounts:token_revoke", args=[token.pk]), headers=HTMX)
    assert api_token_authenticate(key) is None


def test_cannot_revoke_another_users_token(make_user, client_for):
    owner = make_user()
    key = client_for(owner).post(reverse("accounts:token_create"), {"days": "30"}).context["new_token"]
    token = ApiToken.objects.get(user=owner)
    client_for(make_user()).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert api_token_authenticate(key) == owner


# ------------------------------------------------------------------------------------------- users page


def test_users_page_lists_users_with_grants_in_scope_only(province_officer, make_user, make_unit_tree, unit_tree, client_for):
    elsewhere = make_unit_tree("87")
    make_user(Role.COMMUNE_OFFICER, unit_tree.commune, username="canbo_anbinh")
    make_user(Role.COMMUNE_OFFICER, elsewhere.commune, username="canbo_tinhkhac")
    page = client_for(province_officer).get(reverse("accounts:users")).text
    assert "canbo_anbinh" in page
    assert "canbo_tinhkhac" not in page


def test_users_page_is_not_found_without_user_management(make_user, unit_tree, client_for):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    assert client_for(officer).get(reverse("accounts:users")).status_code == 404


def test_grant_through_the_page_answers_the_row(province_admin, make_user, unit_tree, client_for):
    user = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet)
    response = client_for(province_admin).post(
        reverse("accounts:grant_add", args=[user.pk]),
        {"role": Role.COMMUNE_APPROVER, "unit": unit_tree.commune.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert f'id="user-{user.pk}"' in response.text and "Lãnh đạo xã (phê duyệt)" in response.text
    assert RoleGrant.objects.filter(user=user, role=Role.COMMUNE_APPROVER).exists()


def test_grant_refusal_is_shown_in_the_row(province_officer, make_user, unit_tree, client_for):
    user = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet)
    response = client_for(province_officer).post(
        reverse("accounts:grant_add", args=[user.pk]),
        {"role": Role.PROVINCE_VIEWER, "unit": unit_tree.commune.pk},
        headers=HTMX,
    )
    assert "không cấp được trên đơn vị cấp" in response.text
    assert not RoleGrant.objects.filter(user=user, role=Role.PROVINCE_VIEWER).exists()


def test_grant_on_a_unit_out_of_scope_is_not_found(province_officer, make_user, make_unit_tree, unit_tree, client_for):
    elsewhere = make_unit_tree("87")
    user = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet)
    response = client_for(province_officer).post(
        reverse("accounts:grant_add", args=[user.pk]), {"role": Role.COMMUNE_OFFICER, "unit": elsewhere.commune.pk}
    )
    assert response.status_code == 404
    assert not RoleGrant.objects.filter(user=user, unit=elsewhere.commune).exists()


def test_revoke_through_the_page(province_admin, make_user, unit_tree, client_for):
    user = make_user(Role.HAMLET_SURVEYOR, unit_tree.hamlet)
    grant = user.grants.get()
    response = client_for(province_admin).post(reverse("accounts:grant_revoke", args=[grant.pk]), headers=HTMX)
    assert response.status_code == 200
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_revoke_of_a_grant_out_of_scope_is_not_found(province_officer, make_user, make_unit_tree, client_for):
    elsewhere = make_unit_tree("87")
    grant = make_user(Role.COMMUNE_OFFICER, elsewhere.commune).grants.get()
    response = client_for(province_officer).post(reverse("accounts:grant_revoke", args=[grant.pk]))
    assert response.status_code == 404
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_create_user_through_the_page(province_admin, unit_tree, client_for):
    response = client_for(province_admin).post(
        reverse("accounts:user_create"),
        {
            "username": "ra.soat.vien", "full_name": "Lê Văn Bình", "password": "Mat-khau-ban-dau-2025",
            "language": "vi", "role": Role.HAMLET_SURVEYOR, "unit": unit_tree.hamlet.pk,
        },
    )
    assert response.status_code == 302
    assert RoleGrant.objects.filter(user__username="ra.soat.vien", unit=unit_tree.hamlet).exists()


def test_create_user_errors_stay_on_the_form(province_admin, unit_tree, client_for):
    response = client_for(province_admin).post(
        reverse("accounts:user_create"),
        {"username": "quantri", "full_name": "Trùng Tên", "password": "1", "language": "vi",
         "role": Role.HAMLET_SURVEYOR, "unit": unit_tree.hamlet.pk},
    )
    assert response.status_code == 200
    errors = response.context["create_form"].errors
    assert "username" in errors and "password" in errors


def test_unit_picker_offers_only_units_in_scope(make_user, make_unit_tree, unit_tree, client_for):
    make_unit_tree("87")
    manager = make_user(Role.PROVINCE_OFFICER, unit_tree.province)
    options = client_for(manager).get(reverse("accounts:unit_options"), {"for": "users", "unit_q": "an binh"}).text
    assert "Xã An Bình" in options and ">Tỉnh Thử Nghiệm 86<" not in options  # diacritics ignored
    everything = client_for(manager).get(reverse("accounts:unit_options"), {"for": "users"}).text
    assert ">Tỉnh Thử Nghiệm 86<" in everything and "Tỉnh Thử Nghiệm 87" not in everything
