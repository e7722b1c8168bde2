"""``{% object_history "household" household.code %}``: the change history of one object, scoped to the
signed-in reader, for any page to embed (or load it with HTMX from ``core:object_history``)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("core/_object_history.html", takes_context=True)
def object_history(context: dict[str, Any], object_type: str, object_id: Any) -> dict[str, Any]:
    from giamngheo.core.views import object_history_context

    return object_history_context(context["request"].user, object_type, str(object_id))
