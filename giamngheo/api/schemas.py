"""Response shapes shared by every endpoint group (for the OpenAPI document)."""

from __future__ import annotations

from ninja import Schema


class Detail(Schema):
    detail: str


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Unprocessable(Schema):
    """422: one item per problem, ``loc`` naming the parameter or the body path (``["body", "members", 2, "sex"]``)."""

    detail: list[ErrorItem]


# 400: a request no endpoint can read (a NUL character in the address or query, a body that is not JSON).
ERRORS = {400: Detail, 401: Detail, 404: Detail, 422: Unprocessable}
