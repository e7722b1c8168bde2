"""The home page "Tổng quan": for the user's unit, the poor and near-poor households at the end of this year,
one card per support list with its count (one click to the list), and the targets behind schedule.

``/`` resolves to ``reviews.views.dashboard.landing``, which sends hamlet surveyors to their cases and
everyone else who may read support here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for
from giamngheo.geo.models import AdminUnit
from giamngheo.households.views.paging import small_int
from giamngheo.support.selectors import lists
from giamngheo.support.targets.home import targets_home_card


def home_units(user: Any) -> list[AdminUnit]:
    """The units the user serves (their grants' units) where they may read both support and households:
    a commune officer's commune, a province officer's province; several when they hold several grants.
    A superuser (scope "/") chooses among the provinces."""
    paths = [p for p in paths_for(user, Perm.SUPPORT_VIEW) if allows(user, Perm.HOUSEHOLD_VIEW, p)]
    if paths == ["/"]:
        return list(AdminUnit.objects.filter(level="province", valid_to__isnull=True).order_by("name", "code"))
    return list(AdminUnit.objects.filter(path__in=paths).order_by("path"))


def _chosen_unit(request: HttpRequest) -> tuple[list[AdminUnit], AdminUnit | None]:
    """The user's units and the one asked for (``?unit=``), else the first; 404 for a user who serves none."""
    user = request.user
    units = home_units(user)
    if not units and paths_for(user, Perm.SUPPORT_VIEW) != ["/"]:
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    chosen = small_int(request.GET.get("unit", ""))
    return units, next((u for u in units if u.pk == chosen), units[0] if units else None)


def support_home(request: HttpRequest) -> HttpResponse:
    """The page itself answers at once; each count is a fragment it loads (``support:list_count``,
    ``support:home_status``), since counting a province's list reads every matching household."""
    from giamngheo.support.views.lists import TITLES

    units, unit = _chosen_unit(request)
    year = timezone.localdate().year
    query = {"year": year, **({"unit": unit.pk} if unit else {})}
    cards = [{
        "slug": slug, "title": TITLES[slug],
        "url": f"{reverse('support:list', args=[slug])}?{urlencode(query)}",
        "count_url": f"{reverse('support:list_count', args=[slug])}?{urlencode({**query, 'bare': 1})}",
    } for slug in lists.SLUGS]
    return render(request, "support/home.html", {
        "units": units, "unit": unit, "year": year, "cards": cards,
        "status_url": f"{reverse('support:home_status')}?{urlencode(query)}",
        # Judging every target reads the ledger for each of them (a second or more for a province): the card's
        # figures are a fragment too, the link is not.
        "targets_url": f"{reverse('support:targets_off_track')}?{urlencode({'year': year})}",
        "targets_count_url": reverse("support:home_targets"),
    })


@login_required
@require_GET
def support_home_targets(request: HttpRequest) -> HttpResponse:
    """The targets card's figures: targets in force this year in the user's scope, and how many are off track."""
    if not paths_for(request.user, Perm.SUPPORT_VIEW):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    year = timezone.localdate().year
    return render(request, "support/home_targets.html", {"targets": targets_home_card(user=request.user, year=year)})


@login_required
@require_GET
def support_home_status(request: HttpRequest) -> HttpResponse:
    """Poor and near-poor households at the end of this year in the chosen unit (a fragment of the home page)."""
    _units, unit = _chosen_unit(request)
    year = timezone.localdate().year
    counts = lists.status_counts(user=request.user, year=year, unit_path=unit.path if unit else None)
    return render(request, "support/home_status.html", {"counts": counts, "year": year})
