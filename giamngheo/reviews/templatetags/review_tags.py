"""Template filters for the review pages: what an officer reads in place of a code."""

from __future__ import annotations

from django import template

from giamngheo.reviews import engine

register = template.Library()


@register.filter
def standard_title(standard_id: str | None) -> str:
    """``2022-2025`` → "Chuẩn nghèo đa chiều giai đoạn 2022–2025": a standard is named, never coded."""
    return engine.standard_title(standard_id) if standard_id else "–"
