"""“Tài khoản của tôi”: one's own roles, password, language and API tokens. Every action here acts on the
signed-in user only, so no scope question arises beyond being signed in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from giamngheo.accounts.forms import PasswordChangeForm, TokenCreateForm
from giamngheo.accounts.models import User
from giamngheo.accounts.selectors import grants_of
from giamngheo.accounts.services import user_change_password
from giamngheo.accounts.tokens import api_token_create, api_token_revoke, api_tokens_of
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
