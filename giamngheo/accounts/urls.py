from django.urls import path

from giamngheo.accounts.views import account, login, users

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", login.login_view, name="login"),
    path("dang-nhap/ma-xac-thuc/", login.login_code_view, name="login_code"),
    path("dang-xuat/", login.logout_view, name="logout"),
    path("ngon-ngu/", login.set_language_view, name="set_language"),
    path("", account.me_view, name="me"),
    path("mat-khau/", account.password_change_view, name="password_change"),
    path("mat-khau/doi-bat-buoc/", account.password_change_required_view, name="password_change_required"),
    path("hai-buoc/", account.two_factor_view, name="two_factor"),
    path("hai-buoc/bat-dau/", account.two_factor_start_view, name="two_factor_start"),
    path("hai-buoc/xac-nhan/", account.two_factor_confirm_view, name="two_factor_confirm"),
    path("hai-buoc/tat/", account.two_factor_disable_view, name="two_factor_disable"),
    path("hai-buoc/tinh/", users.two_factor_rules_view, name="two_factor_rules"),
    path("hai-buoc/tinh/<int:unit_id>/", users.two_factor_rule_set_view, name="two_factor_rule_set"),
    path("ma-api/", account.token_create_view, name="token_create"),
    path("ma-api/<int:token_id>/thu-hoi/", account.token_revoke_view, name="token_revoke"),
    path("nguoi-dung/", users.users_view, name="users"),
    path("nguoi-dung/tao/", users.user_create_view, name="user_create"),
    path("nguoi-dung/<int:user_id>/cap-quyen/", users.grant_add_view, name="grant_add"),
    path("quyen/<int:grant_id>/thu-hoi/", users.grant_revoke_view, name="grant_revoke"),
    path("nguoi-dung/<int:user_id>/ngung/", users.user_active_view, {"active": False}, name="user_deactivate"),
    path("nguoi-dung/<int:user_id>/kich-hoat/", users.user_active_view, {"active": True}, name="user_reactivate"),
    path("nguoi-dung/<int:user_id>/mo-khoa/", users.user_unlock_view, name="user_unlock"),
    path("nguoi-dung/<int:user_id>/dat-lai-mat-khau/", users.user_password_reset_view, name="user_password_reset"),
    path("nguoi-dung/<int:user_id>/dat-lai-hai-buoc/", users.user_two_factor_reset_view, name="user_two_factor_reset"),
    path("chon-don-vi/", users.unit_options_view, name="unit_options"),
]
