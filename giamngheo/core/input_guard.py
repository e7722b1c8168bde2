"""Refuse NUL characters in a request's address and parameters, before any view sees them.

PostgreSQL text columns cannot hold NUL (0x00): a filter or a lookup carrying one fails inside the database
driver ("text fields cannot contain NUL") and the page would answer 500 for a single bad character. No form of
ours sends one, so a request with NUL in its path, query string or form fields is answered 400 with a plain
Vietnamese sentence. JSON bodies are checked where they are parsed (``api/errors.py``), with the field's path.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    if any(NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()):
        return True
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        return any(NUL in key or any(NUL in value for value in values) for key, values in request.POST.lists())
    return False


class NulGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            message = _("Yêu cầu có ký tự không hợp lệ (ký tự NUL); hãy nhập lại nội dung.")
            if request.path.startswith("/api/"):
                # API clients read every answer, refusals included, as JSON in the API's own shape.
                return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
