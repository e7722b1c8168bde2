"""What the resources pages share: the choices a form may offer a user, money as the pages show it, and the
rendering of a form that a service refused."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for, scope_queryset
from giamngheo.core.formatting import format_money, format_number
from giamngheo.support.models import Campaign, Pledge, Programme

PAGE_SIZE = 50
# Page numbers past this are no list's (10 million rows); a bigger one is a tampered link.
MAX_PAGE = 200_000


def money(amount: int | None) -> str:
    """"60,8 tỷ đồng" for tables; the exact figure goes in the cell's title (``exact``)."""
    return format_money(amount)


def exact(amount: int | None) -> str:
    return format_number(amount) + " đ" if amount is not None else "–"


def page_number(raw: str | None) -> int:
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 7:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def programme_choices(user: Any, perm: str = Perm.RESOURCE_MANAGE) -> QuerySet[Programme]:
    """National programmes and those of the provinces the user works in."""
    paths = paths_for(user, perm)
    programmes = Programme.objects.filter(active=True)
    if paths == ["/"]:
        return programmes
    provinces = {"/" + path.strip("/").split("/")[0] + "/" for path in paths if path.strip("/")}
    return programmes.filter(Q(province__isnull=True) | Q(unit_path__in=provinces))


def campaign_choices(user: Any) -> QuerySet[Campaign]:
    return scope_queryset(Campaign.objects.filter(deleted_at__isnull=True), user, Perm.SUPPORT_VIEW) \
        .select_related("unit").order_by("-starts_on", "-id")


def pledge_choices(user: Any) -> QuerySet[Pledge]:
    return scope_queryset(Pledge.objects.filter(deleted_at__isnull=True, campaign__deleted_at__isnull=True), user,
                          Perm.SUPPORT_VIEW).select_related("campaign").order_by("-pledged_on", "-id")
