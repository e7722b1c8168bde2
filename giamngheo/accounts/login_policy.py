"""Who may sign in at all, whatever the credentials: shared by the log-in form and the API tokens."""

from __future__ import annotations

from typing import Any


def on_demo_database() -> bool:
    """True only in a database created by ``giamngheo demo``.

    Imported lazily: the demo package depends on the whole registry, and accounts must not.
    """
    try:
        from giamngheo.demo.marker import is_demo_database
    except ImportError:
        return False
    return bool(is_demo_database())


def may_sign_in(user: Any) -> bool:
    """An active user, and a demo user (known password "demo") only on a demo database."""
    if not user.is_active:
        return False
    return not (user.is_demo and not on_demo_database())
