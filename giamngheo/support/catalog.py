"""Loading the shipped catalogue (``catalog.json``): kinds of support and programmes, national ones only.
Idempotent: a code already present is updated in place, so a new release can correct a name; a province's
own entries (``province`` set) are never touched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATALOG = Path(__file__).with_name("catalog.json")


def load_catalog(kind_model: Any, need_model: Any, programme_model: Any) -> dict[str, int]:
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    for position, item in enumerate(data["kinds"]):
        kind, _created = kind_model.objects.update_or_create(
            code=item["code"], defaults={"name": item["name"], "group": item["group"], "fields": item["fields"],
                                         "output_label": item["output_label"], "position": position})
        need_model.objects.filter(kind=kind).exclude(need__in=item["needs"]).delete()
        for need in item["needs"]:
            need_model.objects.get_or_create(kind=kind, need=need)
    by_code: dict[str, Any] = {}
    for position, item in enumerate(data["programmes"]):
        parent = by_code.get(item["parent"]) if item["parent"] else None
        programme, _created = programme_model.objects.update_or_create(
            code=item["code"], defaults={
                "name": item["name"], "short_name": item["short_name"], "parent": parent,
                "legal_basis": item["legal_basis"], "first_year": item["first_year"], "last_year": item["last_year"],
                "position": position})
        by_code[item["code"]] = programme
    return {"kinds": len(data["kinds"]), "programmes": len(data["programmes"])}
