"""JSON Schema of household record v1 for the OpenAPI document, built from the engine's field tables.

Bodies are validated by the engine (``validate_record``) and the services, not by this schema: it only
documents them, and being derived from the same tables it cannot drift from what is enforced.
"""

from __future__ import annotations

from typing import Any

from giamngheo.standards.record import (
    DWELLING_FIELDS,
    HOUSEHOLD_FIELDS,
    MAX_MEMBERS,
    MEMBER_FIELDS,
    FieldSpec,
)

SERVER_FIELDS: dict[str, dict[str, Any]] = {
    "version": {"type": "integer", "readOnly": True,
                "description": "Phiên bản của hồ sơ; gửi lại khi sửa (PUT) để tránh ghi đè thay đổi của người khác."},
    "created_at": {"type": "string", "format": "date-time", "readOnly": True},
    "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
    "class": {"type": "string", "readOnly": True,
              "enum": ["poor", "near_poor", "average", "none", "undetermined", ""],
              "description": "Phân loại hiện tại theo chuẩn quốc gia (rỗng nếu chưa phân loại được)."},
    "standard": {"type": "string", "readOnly": True, "description": "Mã chuẩn nghèo quốc gia đã dùng."},
}
READ_ONLY_KEYS = frozenset(SERVER_FIELDS) - {"version"}


def _property(spec: FieldSpec) -> dict[str, Any]:
    if spec.kind == "enum":
        return {"enum": list(spec.values)}
    if spec.kind == "enum_list":
        return {"type": "array", "uniqueItems": True, "items": {"enum": list(spec.values)}}
    schema: dict[str, Any] = {"type": spec.kind}
    if spec.kind == "date":
        schema = {"type": "string", "format": "date"}
    if spec.pattern:
        schema["pattern"] = f"^{spec.pattern}$"
    if spec.non_empty:
        schema["minLength"] = 1
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    if spec.max_length is not None:
        schema["maxLength"] = spec.max_length
    if spec.earliest is not None and spec.latest is not None:
        schema["description"] = f"Từ {spec.earliest.isoformat()} đến {spec.latest.isoformat()}."
    elif spec.earliest is not None:
        schema["description"] = f"Không trước {spec.earliest.isoformat()}."
    return schema


def _object(fields: tuple[FieldSpec, ...], **extra: dict[str, Any]) -> dict[str, Any]:
    properties = {spec.name: _property(spec) for spec in fields}
    properties.update(extra)
    required = [spec.name for spec in fields if spec.required]
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def record_schema(*, with_server_fields: bool, masked_ids: bool | None = None) -> dict[str, Any]:
    """The record v1 as JSON Schema. ``masked_ids`` (default: with the server fields, i.e. what a GET answers, and
    so what a PUT may send back) lets a citizen ID be its masked form (``*********789``), as roles without
    ``citizen_id.view`` read it."""
    member = _object(MEMBER_FIELDS)
    citizen_id = member["properties"].get("citizen_id")
    if (with_server_fields if masked_ids is None else masked_ids) and citizen_id and "pattern" in citizen_id:
        citizen_id["pattern"] = f"^(?:{citizen_id['pattern'][1:-1]}|\\*+[0-9]{{3}})$"
    member["description"] = "Thành viên hộ; phải có birth_date hoặc age (không cả hai)."
    schema = _object(
        HOUSEHOLD_FIELDS,
        dwelling=_object(DWELLING_FIELDS),
        members={"type": "array", "minItems": 1, "maxItems": MAX_MEMBERS, "items": member},
    )
    schema["required"] = [*schema["required"], "members"]
    if with_server_fields:
        schema["properties"].update(SERVER_FIELDS)
    return schema


def json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """``openapi_extra`` for an operation that reads its JSON body itself."""
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}
