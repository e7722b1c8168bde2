"""Wishes for support (``ReviewCase.wishes``) as rows: ``CaseNeed``.

The survey stores a case's wishes as a list; to ask "which households' stated needs were never met" for a
province, the support lists need them as rows they can join. ``case_needs_refresh`` rebuilds the rows of
some households from their surveyed cases, marking the latest surveyed case's wishes ``current`` (what the
household asks for now). The survey service calls it for the case it completes; the demo and the
migration that introduced the table call it for every household.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from giamngheo.reviews.models import CaseNeed, ReviewCase


def case_needs_refresh(household_ids: Iterable[int]) -> int:
    ids = sorted({int(pk) for pk in household_ids})
    size = 20_000 if connection.vendor == "postgresql" else 900
    written = 0
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        CaseNeed.objects.filter(household_id__in=chunk).delete()
        cases = (ReviewCase.objects.filter(household_id__in=chunk, survey_complete=True, surveyed_on__isnull=False)
                 .order_by("household_id", "-surveyed_on", "-pk")
                 .values_list("pk", "household_id", "surveyed_on", "cycle__year", "wishes", "unit_path"))
        rows: list[CaseNeed] = []
        latest: set[int] = set()
        for pk, household_id, surveyed_on, year, wishes, unit_path in cases:
            assert surveyed_on is not None  # filtered above
            current = household_id not in latest
            latest.add(household_id)
            rows.extend(CaseNeed(case_id=pk, household_id=household_id, code=code, stated_on=surveyed_on, year=year,
                                 current=current, unit_path=unit_path)
                        for code in dict.fromkeys(wishes or []) if isinstance(code, str))
        CaseNeed.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written
