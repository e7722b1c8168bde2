"""Log-in, log-out and the language switcher: parse, call the service, answer."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from giamngheo.accounts.forms import LoginForm
from giamngheo.accounts.models import User
from giamngheo.accounts.services import user_authenticate, user_set_language
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


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_authenticate(
                request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            response = HttpResponseRedirect(safe_next(request, settings.LOGIN_REDIRECT_URL))
            _remember_language(response, user.language)
            return response
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "session_minutes": settings.SESSION_COOKIE_AGE // 60,
    }
    return render(request, "registration/login.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return HttpResponseRedirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


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
