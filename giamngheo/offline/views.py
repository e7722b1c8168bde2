"""The offline app's routes: the app shell, its manifest and service worker (no personal data: they are
cached on the phone and open with no connection), the download of the assigned cases, a session check that
hands the app a fresh CSRF token, and the upload of one draft.

The JSON routes answer a signed-out request with 401 (never the log-in page's HTML, which the app could not
read) and every refusal with a Vietnamese message naming the field.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from functools import lru_cache
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.offline import selectors, services
from giamngheo.offline.messages import app_messages
from giamngheo.privacy.models import ReadChannel
from giamngheo.privacy.reads import record_household_read
from giamngheo.reviews import selectors as review_selectors

MAX_VERSION = 2**31 - 1
MAX_CHOICES = 20
MAX_CHOICE_LENGTH = 40
MAX_NOTE_LENGTH = 2000
# Scripts and styles the phone keeps for use with no connection, in the order the page loads them.
APP_SCRIPTS = ("giamngheo/offline/record.js", "giamngheo/offline/engine.js", "giamngheo/offline/store.js",
               "giamngheo/offline/form.js", "giamngheo/offline/sync.js", "giamngheo/offline/app.js")
APP_STYLES = ("giamngheo/app.css", "giamngheo/offline/offline.css")
APP_ICON = "giamngheo/favicon.svg"
STATUS = {services.ACCEPTED: 200, services.CONFLICT: 409, services.REFUSED: 422, services.PENDING: 503}


class BadDraft(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _signed_out() -> JsonResponse:
    return JsonResponse({"message": _("Phiên đăng nhập đã hết. Hãy đăng nhập lại."),
                         "login_url": reverse("accounts:login") + "?next=" + reverse("offline:app")}, status=401)


def _bad(field: str, message: str) -> JsonResponse:
    return JsonResponse({"status": "bad_request", "message": message, "errors": {field: [message]}}, status=400)


@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The app shell. It is the same page for everyone (no name, no household) because the phone keeps it."""
    return render(request, "offline/app.html", {
        "scripts": APP_SCRIPTS, "styles": APP_STYLES, "messages_data": app_messages(),
        "urls": {"bundle": reverse("offline:bundle"), "session": reverse("offline:session"),
                 "submit": reverse("offline:submit", args=[0]), "logout": reverse("accounts:logout"),
                 "login": reverse("accounts:login") + "?next=" + reverse("offline:app"),
                 "worker": reverse("offline:worker"), "home": reverse("home")},
    })


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    start = reverse("offline:app")
    data = {
        "name": _("Khảo sát hộ ngoại tuyến · Giảm nghèo bền vững"), "short_name": _("Khảo sát hộ"),
        "start_url": start, "scope": start, "display": "standalone", "lang": "vi",
        "background_color": "#ffffff", "theme_color": "#0b4f8a",
        "icons": [{"src": static(APP_ICON), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


@lru_cache(maxsize=1)
def _asset_fingerprint(paths: tuple[str, ...]) -> str:
    """A digest of the files the worker caches: a new release gets a new cache, the old one is dropped."""
    digest = hashlib.sha256()
    for path in paths:
        found = finders.find(path)
        if isinstance(found, str):
            with open(found, "rb") as handle:
                digest.update(handle.read())
        digest.update(path.encode())
    return digest.hexdigest()[:16]


@require_GET
def worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the app's own path so that its scope is the app."""
    assets = (*APP_STYLES, *APP_SCRIPTS, APP_ICON)
    shell = [reverse("offline:app"), reverse("offline:manifest"), *(static(path) for path in assets)]
    response = render(request, "offline/sw.js", {
        "version": _asset_fingerprint(assets), "shell": json.dumps(shell), "app_url": json.dumps(shell[0]),
    }, content_type="text/javascript; charset=utf-8")
    return response


@require_GET
def session(request: HttpRequest) -> JsonResponse:
    """Is the user still signed in? With a fresh CSRF token for the uploads that follow."""
    if not request.user.is_authenticated:
        return _signed_out()
    return JsonResponse({"signed_in": True, "csrf": get_token(request)})


@require_GET
def bundle(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _signed_out()
    raw = request.GET.get("thon", "")
    hamlet_id = None
    if raw:
        if not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= MAX_VERSION:
            return _bad("thon", _("Thôn/ấp không hợp lệ."))
        hamlet_id = int(raw)
    data, households = selectors.offline_bundle(user=request.user, hamlet_id=hamlet_id)
    for household in households:
        record_household_read(request, household, channel=ReadChannel.EXPORT)
    data["csrf"] = get_token(request)
    return JsonResponse(data)


def _int_field(body: dict[str, Any], field: str, label: str) -> int:
    value = body.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise BadDraft(field, _("%(label)s phải là số nguyên từ 1 đến %(max)s.") % {"label": label, "max": MAX_VERSION})
    return value


def _choices(body: dict[str, Any], field: str, label: str) -> list[str]:
    value = body.get(field, [])
    if not isinstance(value, list) or len(value) > MAX_CHOICES or not all(
            isinstance(v, str) and len(v) <= MAX_CHOICE_LENGTH for v in value):
        raise BadDraft(field, _("%(label)s: lựa chọn không hợp lệ.") % {"label": label})
    return value


def draft_from_body(raw: bytes) -> services.OfflineDraft:
    """The uploaded draft, typed and bounded; a wrong part raises ``BadDraft`` naming it."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadDraft("$", _("Nội dung gửi lên không phải JSON hợp lệ.")) from None
    if not isinstance(body, dict):
        raise BadDraft("$", _("Nội dung gửi lên không phải JSON hợp lệ."))
    try:
        key = uuid.UUID(str(body.get("key", ""))[:64])
    except ValueError:
        raise BadDraft("key", _("Mã gửi của phiếu không hợp lệ.")) from None
    record = body.get("record")
    if not isinstance(record, dict):
        raise BadDraft("record", _("Phiếu khảo sát không có nội dung."))
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH:
        raise BadDraft("note", _("Ghi chú dài quá %(max)s ký tự.") % {"max": MAX_NOTE_LENGTH})
    confirmed = body.get("date_confirmed", False)
    if not isinstance(confirmed, bool):
        raise BadDraft("date_confirmed", _("Giá trị không hợp lệ ở «%(label)s».") % {"label": _("Xác nhận ngày rà soát")})
    return services.OfflineDraft(
        key=key, record=record, note=note, date_confirmed=confirmed,
        case_version=_int_field(body, "case_version", _("Phiên bản hồ sơ")),
        household_version=_int_field(body, "household_version", _("Phiên bản hộ")),
        causes=_choices(body, "causes", _("Nguyên nhân nghèo")),
        wishes=_choices(body, "wishes", _("Nhu cầu, mong muốn được hỗ trợ")),
    )


@require_POST
def submit(request: HttpRequest, pk: int) -> JsonResponse:
    """One draft, JSON, session + CSRF header. 200 accepted, 409 conflict, 422 refused, 400 malformed."""
    if not request.user.is_authenticated:
        return _signed_out()
    case = review_selectors.case_get(user=request.user, pk=pk)
    require(request.user, Perm.REVIEW_SURVEY, case.unit_path)
    try:
        draft = draft_from_body(request.body)
    except RequestDataTooBig:
        return _bad("$", _("Phiếu gửi lên quá lớn."))
    except BadDraft as exc:
        return _bad(exc.field, exc.message)
    answer = services.offline_draft_submit(actor=request.user, case=case, draft=draft)
    return JsonResponse(answer.body, status=STATUS[answer.status])
