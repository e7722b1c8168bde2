"""Template filters for the registry pages: class badges and Vietnamese numbers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from giamngheo.core.formatting import format_number
from giamngheo.standards.vocabulary import CLASSES, pick

register = template.Library()


def _lang() -> str:
    return "en" if (translation.get_language() or "vi").startswith("en") else "vi"


@register.filter
def class_label(code: str | None) -> str:
    """The engine's own name for a class (``poor`` → "Hộ nghèo"), in the active language."""
    if not code:
        return _("Chưa phân loại")
    label = CLASSES.get(code)
    return capfirst(pick(label, _lang())) if label else code


@register.filter
def class_badge(code: str | None) -> SafeString:
    return format_html('<span class="badge badge-{}">{}</span>', code or "unclassified", class_label(code))


@register.filter
def vn_number(value: Any, decimals: int = 0) -> str:
    """1234567 → "1.234.567" in Vietnamese, "1,234,567" in English; None → "–"."""
    if value is None or value == "":
        return "–"
    return format_number(value, decimals)


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced or dropped (value None): paging links keep
    the filters."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    pairs = [(k, v) for k in params for v in params.getlist(k) if v != ""]
    return "?" + urlencode(pairs) if pairs else "?"
