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


ERRORS = {401: Detail, 404: Detail, 422: Unprocessable}
