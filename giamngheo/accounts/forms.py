"""Forms only parse and render; every rule they seem to enforce is checked again by the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from giamngheo.accounts.roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Tên đăng nhập"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Mật khẩu hiện tại"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("Mật khẩu mới"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Ít nhất 10 ký tự, không quá giống tên đăng nhập, không chỉ gồm chữ số."),
    )
    new_password_again = forms.CharField(
        label=_("Nhập lại mật khẩu mới"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("Hai lần nhập mật khẩu mới không khớp nhau."))
        return data


class TokenCreateForm(forms.Form):
    days = forms.IntegerField(label=_("Thời hạn (ngày)"), min_value=1, max_value=366, initial=90)


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)
    # The unit is chosen from the units in the manager's scope (see selectors.units_for_picker); the
    # service checks scope again, so a forged id only meets a "not found".
    unit = forms.IntegerField(label=_("Đơn vị"), widget=forms.Select)


class UserCreateForm(GrantForm):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    password = forms.CharField(
        label=_("Mật khẩu ban đầu"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE)

    field_order = ["username", "full_name", "password", "language", "role", "unit"]
