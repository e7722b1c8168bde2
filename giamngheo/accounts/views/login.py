"""Log-in (password, then the authenticator's code for users who have one), log-out and the language
switcher: parse, call the service, answer."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from giamngheo.accounts.forms import LoginCodeForm, LoginForm
from giamngheo.accounts.models import User
from giamngheo.accounts.services import (
    user_check_credentials,
    user_set_language,
    user_sign_in,
    user_verify_login_code,
)
from giamngheo.accounts.two_factor import two_factor_device
from giamngheo.core.errors import ApplicationError
from giamngheo.core.form_errors import apply_error


def safe_next(request: HttpRequest, fallback: str) -> str:
    """``next`` from the form or query string when it points into this site, otherwise ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback)


def _remember_language(response: HttpResponse, language: str) -> None:
    """The log-in page (before anyone is signed in) follows the language cookie."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE, httponly=True,
    )


# A right password for a user with an authenticator is remembered in the (not signed-in) session for this
# long, waiting for the code; then the log-in starts again.
PENDING_LOGIN_KEY = "giamngheo.pending_login"
PENDING_LOGIN_SECONDS = 5 * 60


def _begin_second_step(request: HttpRequest, user: User) -> None:
    request.session[PENDING_LOGIN_KEY] = {
        "user": user.pk,
        "at": time.time(),
        "next": safe_next(request, settings.LOGIN_REDIRECT_URL),
        # A password changed meanwhile (a reset) voids the first step.
        "hash": user.get_session_auth_hash(),
    }


def _pending(request: HttpRequest) -> tuple[User, str] | None:
    """The user who gave the right password in this browser less than five minutes ago, and where to go."""
    pending: Any = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), float):
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    if not 0 <= time.time() - pending["at"] <= PENDING_LOGIN_SECONDS:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    return user, str(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_check_credentials(
                request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            if two_factor_device(user) is not None:
                _begin_second_step(request, user)
                response = HttpResponseRedirect(resolve_url("accounts:login_code"))
            else:
                user_sign_in(request=request, user=user)
                response = HttpResponseRedirect(safe_next(request, settings.LOGIN_REDIRECT_URL))
            _remember_language(response, user.language)
            return response
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "session_minutes": settings.SESSION_COOKIE_AGE // 60,
    }
    return render(request, "registration/login.html", context)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code_view(request: HttpRequest) -> HttpResponse:
    """The second step: the code of the authenticator app. Reached only after a right password in this
    browser; nothing is signed in before the code is right."""
    pending = _pending(request)
    if pending is None:
        messages.error(request, _("Phiên đăng nhập đã hết hạn. Vui lòng nhập lại tên đăng nhập và mật khẩu."))
        return redirect("accounts:login")
    user, next_url = pending
    form = LoginCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_verify_login_code(request=request, user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            request.session.pop(PENDING_LOGIN_KEY, None)
            return HttpResponseRedirect(next_url)
    return render(request, "registration/login_code.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    response = HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))
    # The browser forgets what this site kept on the device: the offline survey app's cases and drafts, its
    # service worker and cached shell (docs/security.md, "Offline survey app").
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@require_POST
def set_language_view(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: on the profile of a signed-in user (all their devices follow) and in
    the browser's language cookie (the log-in page follows)."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request, "home"))
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        user_set_language(user=request.user, language=language)
    _remember_language(response, language)
    return response
