"""“Tài khoản của tôi”: one's own roles, password, language and API tokens. Every action here acts on the
signed-in user only, so no scope question arises beyond being signed in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from giamngheo.accounts.forms import LoginCodeForm, PasswordChangeForm, TokenCreateForm, TwoFactorDisableForm
from giamngheo.accounts.models import User
from giamngheo.accounts.selectors import grants_of
from giamngheo.accounts.services import user_change_password
from giamngheo.accounts.tokens import api_token_create, api_token_revoke, api_tokens_of
from giamngheo.accounts.two_factor import (
    MUST_ENROL_SESSION_KEY,
    qr_data_uri,
    secret_text,
    two_factor_confirm,
    two_factor_device,
    two_factor_disable,
    two_factor_pending_device,
    two_factor_required,
    two_factor_start,
)
from giamngheo.accounts.views.login import safe_next
from giamngheo.core.errors import ApplicationError
from giamngheo.core.form_errors import apply_error


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page(request: HttpRequest, **extra: Any) -> HttpResponse:
    user = _me(request)
    context = {
        "grants": grants_of(user),
        "password_form": PasswordChangeForm(),
        "token_form": TokenCreateForm(),
        "tokens": api_tokens_of(user),
        "two_factor_device": two_factor_device(user),
        **extra,
    }
    return render(request, "accounts/me.html", context)


def _tokens_section(request: HttpRequest, **extra: Any) -> HttpResponse:
    """HTMX swaps only the tokens section; a plain form post gets the whole page."""
    if request.htmx:  # type: ignore[attr-defined]
        context = {"tokens": api_tokens_of(_me(request)), "token_form": TokenCreateForm(), **extra}
        return render(request, "accounts/_tokens.html", context)
    return _page(request, **extra)


@login_required
@require_GET
def me_view(request: HttpRequest) -> HttpResponse:
    return _page(request)


@sensitive_post_parameters()
@login_required
@require_POST
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            user = user_change_password(
                user=_me(request),
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            update_session_auth_hash(request, user)  # stay signed in here; other sessions end
            messages.success(request, _("Đã đổi mật khẩu."))
            return redirect("accounts:me")
    return _page(request, password_form=form)


@login_required
@require_POST
def token_create_view(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            key = api_token_create(user=_me(request), days=form.cleaned_data["days"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            # Shown in this answer only: the server keeps nothing it could show again.
            return _tokens_section(request, new_token=key)
    return _tokens_section(request, token_form=form)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        api_token_revoke(user=_me(request), token_id=token_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _tokens_section(request)


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change_required_view(request: HttpRequest) -> HttpResponse:
    """After an administrator's reset: the only page the user reaches (``accounts.gate``) until they choose
    a password of their own."""
    user = _me(request)
    if not user.must_change_password:
        return redirect("accounts:me")
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_change_password(
                user=user, old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Đã đổi mật khẩu. Từ nay hãy đăng nhập bằng mật khẩu mới."))
            return HttpResponseRedirect(safe_next(request, settings.LOGIN_REDIRECT_URL))
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/password_required.html", {"form": form, "next": next_url})


def _two_factor_page(request: HttpRequest, **extra: Any) -> HttpResponse:
    user = _me(request)
    required = two_factor_required(user)
    if not required:
        request.session.pop(MUST_ENROL_SESSION_KEY, None)  # the province stopped requiring it meanwhile
    device = two_factor_device(user)
    pending = None if device is not None else two_factor_pending_device(user)
    context = {
        "device": device,
        "pending": pending,
        "qr": qr_data_uri(pending) if pending is not None else "",
        "secret": secret_text(pending) if pending is not None else "",
        "required": required,
        "must_enrol": bool(request.session.get(MUST_ENROL_SESSION_KEY)),
        "confirm_form": LoginCodeForm(auto_id="id_confirm_%s"),
        "disable_form": TwoFactorDisableForm(auto_id="id_disable_%s"),
        **extra,
    }
    return render(request, "accounts/two_factor.html", context)


@never_cache
@login_required
@require_GET
def two_factor_view(request: HttpRequest) -> HttpResponse:
    return _two_factor_page(request)


@login_required
@require_POST
def two_factor_start_view(request: HttpRequest) -> HttpResponse:
    try:
        two_factor_start(user=_me(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:two_factor")


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_POST
def two_factor_confirm_view(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    form = LoginCodeForm(request.POST, auto_id="id_confirm_%s")
    if form.is_valid():
        try:
            device = two_factor_confirm(user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            update_session_auth_hash(request, user)  # this session stays; every other one ends
            otp_login(request, device)
            request.session.pop(MUST_ENROL_SESSION_KEY, None)
            messages.success(request, _("Đã bật đăng nhập hai bước. Từ lần đăng nhập sau, hệ thống sẽ hỏi mã xác thực."))
            return redirect("accounts:me")
    return _two_factor_page(request, confirm_form=form)


@sensitive_post_parameters("password", "code")
@never_cache
@login_required
@require_POST
def two_factor_disable_view(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    form = TwoFactorDisableForm(request.POST, auto_id="id_disable_%s")
    if form.is_valid():
        try:
            two_factor_disable(
                request=request, user=user, password=form.cleaned_data["password"], code=form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Đã tắt đăng nhập hai bước."))
            return redirect("accounts:me")
    return _two_factor_page(request, disable_form=form)
