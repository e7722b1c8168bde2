"""Achievement of a target (first version: level rate targets on the ledger's spans; replaced by the full
computation in the same piece of work)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count

from giamngheo.households.models import Household
from giamngheo.reviews.models import StatusSpan
from giamngheo.reviews.status import at_end_of
from giamngheo.support.models import Target

_LEVEL_CLASSES = {"poverty_rate": "poor", "near_poverty_rate": "near_poor"}


def is_off_track(target: Target, year: int) -> bool:
    """A level rate target is off track when the rate at the end of ``year`` is above its value."""
    klass = _LEVEL_CLASSES.get(target.indicator)
    if klass is None:
        return False
    households = Household.objects.filter(unit_path__startswith=target.unit_path, deleted_at__isnull=True).count()
    if not households:
        return False
    in_class = (StatusSpan.objects.filter(at_end_of(year), series="national", klass=klass,
                                          unit_path__startswith=target.unit_path)
                .aggregate(n=Count("household_id", distinct=True))["n"])
    return Decimal(in_class * 100) / households > target.value
