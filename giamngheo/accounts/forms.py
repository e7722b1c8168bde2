"""Forms only parse and render; every rule they seem to enforce is checked again by the services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from giamngheo.accounts.roles import Role
from giamngheo.geo.models import AdminUnit


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


def unit_choice_label(unit: AdminUnit) -> str:
    """"Ấp Bình Minh — Xã An Bình": a hamlet's name alone is ambiguous across communes."""
    if unit.parent is not None and unit.level != "province":
        return f"{unit.name} — {unit.parent.name}"
    return unit.name


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)
    # Offered: the units in the manager's scope (selectors.units_for_picker), refreshed by a search box.
    # Any id is accepted here because the search may offer units beyond the first page; the view looks the
    # unit up within scope and the service checks scope again, so a forged id meets only "not found".
    unit = forms.IntegerField(label=_("Đơn vị"), widget=forms.Select)

    def __init__(
        self, *args: Any, units: Iterable[AdminUnit] = (), roles: Iterable[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— Chọn đơn vị —"))] + [(u.pk, unit_choice_label(u)) for u in units]
        self.fields["unit"].widget.choices = choices  # type: ignore[attr-defined]
        if roles is not None:
            # Only the roles this manager may hand out (selectors.roles_grantable_anywhere); the service decides.
            # Only the widget: any role still validates, so that a forged choice reaches the service, which
            # refuses it with a clear message and an audit entry.
            offered = set(roles)
            self.fields["role"].widget.choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in Role.choices if value in offered
            ]


class UserCreateForm(GrantForm):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    password = forms.CharField(
        label=_("Mật khẩu ban đầu"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE)

    field_order = ["username", "full_name", "password", "language", "role", "unit"]


class LoginCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực"), max_length=12, strip=True,
        help_text=_("Mã 6 chữ số đang hiện trong ứng dụng xác thực trên điện thoại của bạn."),
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false",
        }),
    )


class TwoFactorDisableForm(LoginCodeForm):
    password = forms.CharField(
        label=_("Mật khẩu hiện tại"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    field_order = ["password", "code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.pop("autofocus", None)


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu tạm (để trống để hệ thống tự tạo)"), required=False, strip=False, max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
