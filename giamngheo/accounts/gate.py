"""What a signed-in user may reach before finishing what their account requires (docs/security.md, "Log-in").

- A user whose password an administrator reset (``User.must_change_password``) reaches only the page that
  changes it, until they have.
- A user whose province requires two-factor log-in and who had no authenticator when signing in (the
  session says so: ``two_factor.MUST_ENROL_SESSION_KEY``) reaches only the enrolment pages, until a device
  is confirmed.

Log-out and the language switch stay reachable. Every other page — by link, typed address or HTMX — leads
to the required page. The second step of the log-in itself needs no gate: until the code is right the user
is not signed in at all (``views.login``). The API is not gated here: its tokens are refused while the
password must change (``tokens.api_token_authenticate``). Costs no query: the flag is on the user already
loaded, and the other in the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from giamngheo.accounts.two_factor import MUST_ENROL_SESSION_KEY

ALWAYS = frozenset({"accounts:logout", "accounts:set_language", "set_language"})
PASSWORD_PAGES = frozenset({"accounts:password_change_required"})
ENROL_PAGES = frozenset({"accounts:two_factor", "accounts:two_factor_start", "accounts:two_factor_confirm"})


def required_page(request: HttpRequest) -> tuple[str, frozenset[str]] | None:
    """The page the signed-in user must finish first and the views allowed meanwhile, or None."""
    user = request.user
    if not user.is_authenticated:
        return None
    if getattr(user, "must_change_password", False):
        return "accounts:password_change_required", ALWAYS | PASSWORD_PAGES
    if request.session.get(MUST_ENROL_SESSION_KEY):
        return "accounts:two_factor", ALWAYS | ENROL_PAGES
    return None


class AccountGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.path_info.startswith("/api/"):
            return None
        required = required_page(request)
        if required is None:
            return None
        target, allowed = required
        match = request.resolver_match
        if match is not None and match.view_name in allowed:
            return None
        url = reverse(target)
        if request.method == "GET" and not getattr(request, "htmx", False):
            url += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
