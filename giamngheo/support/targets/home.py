"""The home page's targets card: how many targets are in force for a year, and how many are off track."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import scope_queryset
from giamngheo.support.models import Target
from giamngheo.support.targets.achievement import is_off_track
from giamngheo.support.targets.measure import Measurer


def _off_track_url(year: int) -> str:
    try:
        path = reverse("support:targets_off_track")
    except NoReverseMatch:  # the page is wired in the same change; the path is fixed by the brief
        path = "/chi-tieu/chua-dat/"
    return f"{path}?{urlencode({'year': year})}"


def targets_home_card(*, user: Any, year: int) -> dict[str, Any]:
    """``total``: live targets in the user's scope whose period covers ``year`` (baseline_year < year ≤
    target_year); ``off_track``: how many of them ``targets.achievement`` flags off track in ``year``; ``url``: the off-track list."""
    targets = list(scope_queryset(Target.objects.filter(deleted_at__isnull=True), user, Perm.SUPPORT_VIEW)
                   .filter(baseline_year__lt=year, target_year__gte=year))
    measurer = Measurer()  # targets of one unit share each year's statuses
    off_track = sum(1 for target in targets if is_off_track(target, year, measurer))
    return {"total": len(targets), "off_track": off_track, "url": _off_track_url(year)}
