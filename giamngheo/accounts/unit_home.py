"""The unit a user "belongs to", for filing audit entries about the user where their managers can see them."""

from __future__ import annotations

import os
from typing import Any


def common_unit_path(paths: list[str]) -> str:
    """The deepest unit path that covers every path given ("" when there is none).

    >>> common_unit_path(["/86/29242/", "/86/29242/h12/"])
    '/86/29242/'
    >>> common_unit_path(["/86/29242/", "/86/29245/"])
    '/86/'
    >>> common_unit_path(["/86/", "/79/"])
    ''
    """
    if not paths:
        return ""
    prefix = os.path.commonprefix(paths)
    # Cut back to a whole segment: "/86/2924" must not pass for a unit.
    cut = prefix.rfind("/")
    prefix = prefix[: cut + 1]
    return prefix if prefix != "/" else ""


def user_home_path(user: Any) -> str:
    """The common unit of all the user's grants: a commune officer's entries are filed under the commune,
    so the commune's and the province's auditors see them. A user without grants gets "" (seen only by
    superusers)."""
    return common_unit_path(sorted(user.grants.values_list("unit_path", flat=True)))
