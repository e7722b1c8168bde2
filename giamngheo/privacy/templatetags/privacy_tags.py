"""``{% who_viewed household %}``: the household page's "Ai đã xem hồ sơ này" block, shown only to users with
``audit.view`` on the household's unit (one query; nothing for anyone else)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from giamngheo.privacy.selectors import who_viewed as who_viewed_for

register = template.Library()


@register.inclusion_tag("privacy/_who_viewed.html", takes_context=True)
def who_viewed(context: dict[str, Any], household: Any) -> dict[str, Any]:
    request = context.get("request")
    reads = who_viewed_for(user=request.user, household=household) if request is not None else None
    return {
        "reads": reads,
        "all_url": reverse("core:audit_reads") + "?" + urlencode({"household": household.code}),
    }
