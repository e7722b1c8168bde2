"""Response headers that keep personal data out of caches and injected code out of the pages.

Django's ``SecurityMiddleware`` already sends ``X-Content-Type-Options``, ``Referrer-Policy``, HSTS and the
HTTPS redirect (configured in settings); this middleware adds what Django 5.2 lacks:

- ``Content-Security-Policy``: scripts only from this site's own files (no inline script, no ``eval``, no
  ``hx-on`` handlers), nothing framed or embedded, forms post only here. Inline *styles* stay allowed: the
  pages carry a few ``<style>`` blocks of our own and htmx adds its indicator style; a style cannot run code.
- ``Cache-Control: no-store`` on every answer the application itself makes — pages, HTMX fragments, API
  answers, exports, the log-in page — because almost all of them carry personal data and commune PCs are
  shared: the browser's back button or disk cache must not show the last officer's households to the next
  person. Static files are served by the web server (or the development server's static handler), not
  through this middleware, and stay cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        add_never_cache_headers(response)
        return response
