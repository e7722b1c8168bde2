from django.urls import path

from giamngheo.accounts.views import account, login, users

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", login.login_view, name="login"),
    path("dang-xuat/", login.logout_view, name="logout"),
    path("ngon-ngu/", login.set_language_view, name="set_language"),
    path("", account.me_view, name="me"),
    path("mat-khau/", account.password_change_view, name="password_change"),
    path("ma-api/", account.token_create_view, name="token_create"),
    path("ma-api/<int:token_id>/thu-hoi/", account.token_revoke_view, name="token_revoke"),
    path("nguoi-dung/", users.users_view, name="users"),
    path("nguoi-dung/tao/", users.user_create_view, name="user_create"),
    path("nguoi-dung/<int:user_id>/cap-quyen/", users.grant_add_view, name="grant_add"),
    path("quyen/<int:grant_id>/thu-hoi/", users.grant_revoke_view, name="grant_revoke"),
    path("nguoi-dung/<int:user_id>/ngung/", users.user_active_view, {"active": False}, name="user_deactivate"),
    path("nguoi-dung/<int:user_id>/kich-hoat/", users.user_active_view, {"active": True}, name="user_reactivate"),
    path("chon-don-vi/", users.unit_options_view, name="unit_options"),
]
