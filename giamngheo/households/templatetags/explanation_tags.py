"""``{% explanation e %}``: one component for the explanation read at the village meeting, used by the
household page, the review case page, the survey's live "Vì sao?" panel and their printouts."""

from __future__ import annotations

from typing import Any

from django import template

from giamngheo.households.views.present import meeting_explanation

register = template.Library()


@register.inclusion_tag("households/partials/explanation_body.html")
def explanation(structured: dict[str, Any] | None) -> dict[str, Any]:
    return {"x": meeting_explanation(structured)}
