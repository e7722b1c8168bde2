"""How the API reports errors, in one shape and in the client's language.

422 bodies always have ninja's own shape — ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`` —
whether the error came from ninja's parameter parsing or from a service, so a client handles one format.
Pydantic's English messages are replaced by translated sentences; the raw input is never echoed back
(it may hold a citizen ID).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed, database_busy
from giamngheo.households.records import split_path

# Pydantic error types → sentences; placeholders come from the error's ``ctx``.
_PYDANTIC_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("Thiếu trường bắt buộc."),
    "int_parsing": gettext_lazy("Phải là số nguyên."),
    "int_type": gettext_lazy("Phải là số nguyên."),
    "int_from_float": gettext_lazy("Phải là số nguyên."),
    "string_type": gettext_lazy("Phải là một chuỗi ký tự."),
    "bool_parsing": gettext_lazy("Phải là true (có) hoặc false (không)."),
    "greater_than_equal": gettext_lazy("Phải lớn hơn hoặc bằng %(ge)s."),
    "greater_than": gettext_lazy("Phải lớn hơn %(gt)s."),
    "less_than_equal": gettext_lazy("Phải nhỏ hơn hoặc bằng %(le)s."),
    "less_than": gettext_lazy("Phải nhỏ hơn %(lt)s."),
    "string_pattern_mismatch": gettext_lazy("Giá trị không đúng định dạng (mẫu: %(pattern)s)."),
    "string_too_long": gettext_lazy("Quá dài: tối đa %(max_length)s ký tự."),
    "string_too_short": gettext_lazy("Quá ngắn: tối thiểu %(min_length)s ký tự."),
    "literal_error": gettext_lazy("Giá trị không hợp lệ; các giá trị được phép: %(expected)s."),
    "enum": gettext_lazy("Giá trị không hợp lệ; các giá trị được phép: %(expected)s."),
    "json_invalid": gettext_lazy("Nội dung gửi lên không phải JSON hợp lệ."),
}
_FALLBACK = gettext_lazy("Giá trị không hợp lệ.")


def _nul_path(value: Any, path: str = "$") -> str | None:
    """The JSON path of the first string (or key) holding a NUL character, which PostgreSQL cannot store."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return path
            found = _nul_path(item, f"{key}" if path == "$" else f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{'' if path == '$' else path}[{index}]")
            if found:
                return found
    return None


def parse_json(body: bytes) -> Any:
    """A request body as JSON, or ``ValidationFailed`` (422) for anything that is not: malformed, not UTF-8,
    nested so deep that the parser runs out of stack (RecursionError, not a ValueError), or holding a NUL
    character (422 on its field: PostgreSQL text cannot hold it)."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        message = _("Nội dung gửi lên không phải JSON hợp lệ.")
        raise ValidationFailed(message, errors={"$": [message]}) from None
    where = _nul_path(data)
    if where is not None:
        message = _("Có ký tự không hợp lệ (ký tự NUL).")
        raise ValidationFailed(message, errors={where: [message]})
    return data


class JsonParser(Parser):
    """ninja's parser for schema-typed bodies, with the same limits as ``parse_json``. ninja turns any error
    raised here into a 400; ``on_unparsable_body`` below gives it a Vietnamese message."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body)
        except RecursionError:
            raise ValueError("nested too deep") from None
        if _nul_path(data) is not None:
            raise ValueError("NUL character")
        return cast(dict[str, Any], data)


def detail_item(loc: Iterable[str | int], msg: str, type_: str) -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": type_}


def body_loc(path: str) -> list[str | int]:
    """A record path (``members[2].sex``; ``$`` for the whole body) as a ``loc`` under ``body``."""
    return ["body", *[p for p in split_path(path) if p != "$"]]


def field_errors(errors: Mapping[str, list[str]], *, where: str = "body") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path, messages in errors.items():
        loc = body_loc(path) if where == "body" else [where, *split_path(path)]
        items.extend(detail_item(loc, message, "value_error") for message in messages)
    return items


def _pydantic_message(error: Mapping[str, Any]) -> str:
    template = _PYDANTIC_MESSAGES.get(str(error.get("type")), _FALLBACK)
    context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return str(template) % context
    except (KeyError, TypeError, ValueError):
        return str(_FALLBACK)


def unprocessable(api: NinjaAPI, request: HttpRequest, items: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, {"detail": items}, status=422)


def _json_path(loc: Iterable[str | int]) -> list[str | int]:
    """ninja names a body error by the view's parameter too (``["body", "body", "amount"]``); the documented
    ``loc`` follows the JSON path of the request body (``["body", "amount"]``), as the services' errors do."""
    items = list(loc)
    if len(items) >= 2 and items[0] == "body":
        return ["body", *items[2:]]
    if items and items[0] in ("form", "file"):
        # The fields of a multipart upload are its body (docs/api.md: ``loc`` starts with body or query).
        return ["body", *items[1:]]
    return items


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's English defaults with translated messages, and map service errors to statuses."""

    @api.exception_handler(NinjaValidationError)
    def on_invalid_parameters(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        items = [
            detail_item(_json_path(error.get("loc", [])), _pydantic_message(error),
                        str(error.get("type", "value_error")))
            for error in exc.errors
        ]
        return unprocessable(api, request, items)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request, {"detail": _("Nội dung gửi lên quá lớn; hãy gửi từng hộ một hoặc chia nhỏ dữ liệu.")}, status=413
        )

    @api.exception_handler(OperationalError)
    def on_database_busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        # The embedded SQLite database waits for its write lock (settings: busy timeout); a lock held past it
        # is a busy server, not a fault of the request: 503 with Retry-After, so a client simply retries.
        if not database_busy(exc):
            raise exc
        response = api.create_response(
            request, {"detail": _("Hệ thống đang bận ghi dữ liệu khác nên chưa lưu được; hãy gửi lại sau ít giây.")},
            status=503,
        )
        response["Retry-After"] = "5"
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja raises HttpError(400) when the body does not parse (its cause then says why, in English).
        too_big = isinstance(exc.__cause__, RequestDataTooBig)
        if too_big:
            return on_too_big(request, cast(RequestDataTooBig, exc.__cause__))
        if exc.status_code == 400 and exc.__cause__ is not None:
            return api.create_response(request, {"detail": _("Nội dung gửi lên không phải JSON hợp lệ.")}, status=400)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            {"detail": _("Cần mã truy cập hợp lệ: gửi tiêu đề “Authorization: Bearer <mã>”. "
                         "Lấy mã tại POST /api/v1/auth/token.")},
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, {"detail": str(exc) or _("Không tìm thấy hoặc bạn không có quyền truy cập.")}, status=404
        )

    @api.exception_handler(ConcurrentEditError)
    def on_conflict(request: HttpRequest, exc: ConcurrentEditError) -> HttpResponse:
        return api.create_response(request, {"detail": exc.message, **exc.extra}, status=409)

    @api.exception_handler(ValidationFailed)
    def on_validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        return unprocessable(api, request, field_errors(exc.errors))

    @api.exception_handler(ApplicationError)
    def on_refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        where = exc.extra.get("where", "body")
        loc = [where, *split_path(exc.field)] if exc.field else [where]
        return unprocessable(api, request, [detail_item(loc, exc.message, "value_error")])
