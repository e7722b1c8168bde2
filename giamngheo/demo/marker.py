"""Is this a demo database? Demo accounts (password ``demo``) may sign in only where it is.

``giamngheo demo`` writes one ``geo.DemoMarker`` row; nothing else does. ``accounts.login_policy`` asks
``is_demo_database()`` before letting an ``is_demo`` user in, by password or by API token.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import DatabaseError

from giamngheo.geo.models import DemoMarker


def is_demo_database() -> bool:
    """True only in a database built by ``giamngheo demo`` (False too before the tables exist)."""
    try:
        return DemoMarker.objects.exists()
    except DatabaseError:
        return False


def holds_real_data() -> bool:
    """Whether the database holds anything the demo must not mix with: a household (outside a demo
    database) or any account that is not a demo account."""
    from giamngheo.households.models import Household

    if get_user_model().objects.filter(is_demo=False).exists():
        return True
    return not is_demo_database() and Household.objects.exists()


def mark_demo_database(*, province_code: str, seed: int, households: int) -> DemoMarker:
    marker = DemoMarker.objects.first() or DemoMarker(province_code=province_code, seed=seed)
    marker.province_code, marker.seed, marker.households = province_code, seed, households
    marker.save()
    return marker
