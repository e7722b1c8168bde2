from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the top navigation may offer the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_audit": bool(scope.paths_for(user, Perm.AUDIT_VIEW)),
        "nav_can_review": bool(scope.paths_for(user, Perm.REVIEW_VIEW)),
        "nav_can_manage_units": bool(scope.paths_for(user, Perm.UNIT_MANAGE)),
    }
