"""Background tasks of the statistics, run by ``giamngheo worker`` (docs/adr/0007)."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_stats(province_id: int) -> int:
    """Refill every stale year of one province; returns the years filled."""
    from giamngheo.stats.services import stats_refresh_stale

    return stats_refresh_stale(province_id=province_id)
