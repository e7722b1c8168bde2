"""Bearer-token authentication and ``POST /auth/token``.

A token is an ``accounts.tokens`` token: the API acts as its user, through the same scope policy as the
pages. Credentials go through the log-in page's own service, so the API is subject to the same lock-out.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from giamngheo.accounts.services import user_authenticate
from giamngheo.accounts.tokens import api_token_authenticate, api_token_create
from giamngheo.api.schemas import Detail, Unprocessable
from giamngheo.core.errors import ApplicationError

TOKEN_DAYS = 90


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token.strip())
        if user is not None:
            # Selectors and services take request.user like the pages do; nothing signs in a session.
            request.user = user
        return user


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_in_days: int


router = Router(tags=["auth"])


@router.post("/token", auth=None, response={200: TokenOut, 400: Detail, 401: Detail, 422: Unprocessable},
             summary="Lấy mã truy cập (token)")
def token_create(request: HttpRequest, credentials: Credentials) -> Status[dict[str, Any]]:
    """Đổi tên đăng nhập và mật khẩu lấy một mã truy cập dùng được 90 ngày
    (gửi kèm mỗi yêu cầu: ``Authorization: Bearer <mã>``). Sai nhiều lần liên tiếp sẽ bị tạm khoá như trang
    đăng nhập."""
    try:
        user = user_authenticate(request=request, username=credentials.username, password=credentials.password)
    except ApplicationError as exc:
        return Status(401, {"detail": exc.message})
    # The log-in service signs the user into a session; an API client has no use for one.
    request.session.flush()
    return Status(200, {"token": api_token_create(user=user, days=TOKEN_DAYS), "expires_in_days": TOKEN_DAYS})


__all__ = ["BearerToken", "router", "token_create"]
