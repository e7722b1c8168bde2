"""The REST API, version 1: one NinjaAPI, bearer tokens everywhere except ``POST /auth/token``."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from giamngheo.api import auth, households, imports, resources, support, targets, units
from giamngheo.api import stats as stats_api
from giamngheo.api.errors import JsonParser, install_error_handlers
from giamngheo.reviews import api as reviews_api


class ReadableJSONRenderer(JSONRenderer):
    """UTF-8 as is: Vietnamese names stay readable in curl output and logs (``\\u1ec5`` helps nobody).

    Always strict JSON: a value stored before the record's bounds existed may be infinite or NaN, which
    Python would write as ``Infinity``/``NaN`` — tokens no other JSON parser accepts. They are sent as
    ``null`` (the household's classification says which field is wrong)."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        try:
            return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False, allow_nan=False)
        except ValueError:
            loose = json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)
            return json.dumps(json.loads(loose, parse_constant=lambda _constant: None), ensure_ascii=False)


api = NinjaAPI(
    title="giamngheo API",
    version="1",
    description=(
        "API của hệ thống giảm nghèo đa chiều: sổ hộ (hồ sơ hộ v1), đơn vị hành chính, kết quả phân loại. "
        "Mọi yêu cầu (trừ POST /auth/token) cần tiêu đề Authorization: Bearer <mã truy cập>. "
        "Hướng dẫn: docs/api.md."
    ),
    urls_namespace="api",
    auth=auth.BearerToken(),
    renderer=ReadableJSONRenderer(),
    parser=JsonParser(),
)
install_error_handlers(api)
api.add_router("/auth", auth.router)
api.add_router("/units", units.router)
api.add_router("/households", households.router)
api.add_router("/imports", imports.router)
api.add_router("", support.router)  # /support/…, /assignments/…, /escape-registrations/…
api.add_router("/resources", resources.router)  # also /resources/campaigns/…
api.add_router("/targets", targets.router)
api.add_router("", reviews_api.router)  # review: /review/…, /movements
api.add_router("/stats", stats_api.router)
