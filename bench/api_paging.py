"""Deep pages of the household list: ``?page=`` (OFFSET) against ``?cursor=`` (keyset), on PostgreSQL.

    scripts/pg-throwaway .venv/bin/python bench/api_paging.py                      # fresh cluster, fill, measure
    GIAMNGHEO_DATABASE_URL=postgres://… .venv/bin/python bench/api_paging.py --households 200000

Fills the registry as ``bench/household_list.py`` does (its ``fill``: ``COPY``, two provinces, five hamlets per
commune), then times, as a province officer with pages of 50, what ``GET /households`` costs on page 1 and on
page 10,000 (500,000 rows deep: the default fills 1,020,000 households, half in the
officer's province; less when the registry is smaller) read both ways: by page number, which is what
``api.paging.page_of`` does (OFFSET, plus the count), and by cursor, which is ``api.paging.keyset_page`` (no
OFFSET, no count). The deep cursor is the one the page before would have given (made outside the timing).
Prints the median of several runs. The run empties the registry first: point it at a database of its own.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import household_list as registry  # noqa: E402  (sets Django up)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from giamngheo.accounts.roles import Role  # noqa: E402
from giamngheo.api.households import CURSOR_KEY, CURSOR_SALT  # noqa: E402
from giamngheo.api.paging import PageParams, cursor_encode, keyset_page, page_of  # noqa: E402
from giamngheo.geo.models import AdminUnit  # noqa: E402
from giamngheo.households.selectors import household_list, household_list_count  # noqa: E402

PAGE_SIZE = 50
DEEP_PAGE = 10_000


def median_ms(function, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_020_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--reuse", action="store_true", help="measure the rows already there (no fill)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/api_paging.py needs PostgreSQL: set GIAMNGHEO_DATABASE_URL (or use scripts/pg-throwaway)")
        return 2
    call_command("migrate", verbosity=0)
    if not args.reuse:
        registry.clear()
        started = time.perf_counter()
        registry.fill(args.households, registry.make_units(args.communes), args.seed)
        print(f"filled {args.households:,} households in {time.perf_counter() - started:.0f} s")
    province = AdminUnit.objects.get(level="province", code="86")
    user = registry.officer("bench-tinh", Role.PROVINCE_OFFICER, province)
    households = household_list(user=user)
    total = households.count()  # the province's households (the other province is out of scope)
    deep_page = min(DEEP_PAGE, max(1, (total - PAGE_SIZE) // PAGE_SIZE))
    depth = (deep_page - 1) * PAGE_SIZE
    before = households.values_list(*CURSOR_KEY)[depth - 1] if depth else None
    deep_cursor = cursor_encode(list(before), salt=CURSOR_SALT) if before else None
    first_cursor = cursor_encode(list(households.values_list(*CURSOR_KEY)[PAGE_SIZE - 1]), salt=CURSOR_SALT)

    def by_page(page: int):  # type: ignore[no-untyped-def]
        return lambda: page_of(households, PageParams(page=page, page_size=PAGE_SIZE), count=household_list_count)

    def by_cursor(cursor: str | None):  # type: ignore[no-untyped-def]
        return lambda: keyset_page(households, key=CURSOR_KEY, cursor=cursor, page_size=PAGE_SIZE, salt=CURSOR_SALT)

    print(f"\n{total:,} households in the province officer's scope; pages of {PAGE_SIZE}; median of {args.runs} runs")
    print(f"{'':<10} {'page 1':>10} {'page 2':>10} {f'page {deep_page:,} ({depth:,} rows deep)':>32}")
    rows = (("offset", by_page(1), by_page(2), by_page(deep_page)),
            ("cursor", by_cursor(None), by_cursor(first_cursor), by_cursor(deep_cursor)))
    for name, first, second, deep in rows:
        print(f"{name:<10} {median_ms(first, args.runs):>8.1f}ms {median_ms(second, args.runs):>8.1f}ms "
              f"{median_ms(deep, args.runs):>30.1f}ms")
    print("offset pages include the count (exact to 10,000, else the planner's estimate); cursor pages count nothing.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
