from django.urls import path

from giamngheo.accounts.views import account, login

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", login.login_view, name="login"),
    path("dang-xuat/", login.logout_view, name="logout"),
    path("ngon-ngu/", login.set_language_view, name="set_language"),
    path("", account.me_view, name="me"),
    path("mat-khau/", account.password_change_view, name="password_change"),
    path("ma-api/", account.token_create_view, name="token_create"),
    path("ma-api/<int:token_id>/thu-hoi/", account.token_revoke_view, name="token_revoke"),
]
