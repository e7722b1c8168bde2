"""How fast are the statistics for a province of 1 M households with three years of ledger, on PostgreSQL?

    scripts/pg-throwaway env GIAMNGHEO_DEBUG=1 .venv/bin/python bench/stats.py                    # 1 M, 5 runs
    scripts/pg-throwaway env GIAMNGHEO_DEBUG=1 .venv/bin/python bench/stats.py --households 100000

Builds its own database with ``bench/support_lists.py``'s set-based SQL (one province of ``--communes``
communes of five hamlets, national ledger entries for 2025 and 2026, surveyed cases, support records), adds a
2024 year to the ledger (so three years are on record) and the registry's classification of every household for
2025 and 2026 with its deprivations (the deprivation profile and Alkire–Foster figures read them).

Then it measures, each ``--runs`` times, median and p95:
- **fill**: ``stats_fill_province`` for the three years (the background task a ledger write queues);
- **dashboard**: the province dashboard page rendered for the province officer (``/thong-ke/86/``, through
  Django's test client: URL resolution, middleware, template, charts' data) against the **reference**: the
  dashboard's headline figures (poor, near-poor and households per commune and for the province, this year
  and last) computed directly from the ledger with hand-written SQL over the status spans, as a report would
  without rollups; limit 1 s;
- **Excel report**: the full province workbook as the province officer downloads it, support sheets included
  (``stats.tables.report.province_report_workbook``); limit 10 s.
Prints the process's wall, user and system time and peak memory (the PostgreSQL server's CPU is its own).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")

import django  # noqa: E402

django.setup()

import support_lists  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from giamngheo.accounts.roles import Role  # noqa: E402
from giamngheo.geo.models import AdminUnit  # noqa: E402
from giamngheo.standards.definition import get_standard  # noqa: E402
from giamngheo.stats.services import stats_fill_province  # noqa: E402

YEARS = (2024, 2025, 2026)
DASHBOARD_LIMIT_MS = 1000.0
REPORT_LIMIT_MS = 10_000.0


def add_history() -> None:
    """2024 statuses (poor the year before for most of 2025's poor, so every movement occurs) and the
    registry's classification of every household for 2025 and 2026 with its deprivations."""
    run = support_lists.run
    with connection.cursor() as cursor:
        run(cursor, "ledger 2024", """
            INSERT INTO reviews_ledgerentry (household_id, year, standard_id, standard_hash, series, kind, klass,
                criterion, effective_on, recognised_at, reason, ethnic_minority, meritorious, social_protection,
                no_working_capacity, area, commune_id, unit_path)
            SELECT s.household_id, 2024, '2022-2025', '', 'national', 'periodic',
                   CASE WHEN s.r < 12 AND s.r2 < 80 THEN 'poor' WHEN s.r < 20 THEN 'near_poor' ELSE 'average' END,
                   '', DATE '2024-12-10', now(), '', s.r2 < 20, s.r2 %% 17 = 0, s.r2 %% 13 = 0, s.r2 > 95, 'rural',
                   s.commune_id, s.unit_path
            FROM bench_slice s WHERE s.r < 32""")
        run(cursor, "status spans (rebuilt)", "DELETE FROM reviews_statusspan")
        run(cursor, "status spans", """
            INSERT INTO reviews_statusspan (household_id, series, klass, first_year, last_year, entry_id, standard_id,
                unit_path, area, ethnic_minority, no_working_capacity)
            SELECT household_id, series, klass, year,
                   lead(year) OVER (PARTITION BY household_id, series ORDER BY year) - 1, id, standard_id, unit_path,
                   area, ethnic_minority, no_working_capacity
            FROM reviews_ledgerentry""")
        for year, standard in ((2025, "2022-2025"), (2026, "2026")):
            codes = get_standard(standard).indicator_codes
            picks = " || ".join(
                f"CASE WHEN (hashint4((s.household_id + {i * 31})::int) & 2147483647) %% 100 < "
                f"(CASE WHEN s.r < 15 THEN 40 ELSE 8 END) THEN ARRAY['{code}'] ELSE ARRAY[]::text[] END"
                for i, code in enumerate(codes))
            run(cursor, f"classification {year}", f"""
                INSERT INTO households_classification (household_id, standard_id, standard_hash, is_local, year,
                    klass, criterion, deprivation_count, deprivations, unknown, income_line, basis, result,
                    input_snapshot, computed_at)
                SELECT s.household_id, '{standard}', '', false, {year},
                       CASE WHEN s.r < 5 THEN 'poor' WHEN s.r < 10 THEN 'near_poor' ELSE 'not_poor' END, '',
                       cardinality(d.codes), to_jsonb(d.codes), '[]'::jsonb, NULL, '', '{{}}'::jsonb, '{{}}'::jsonb,
                       now()
                FROM bench_slice s CROSS JOIN LATERAL (SELECT {picks} AS codes) d
                ON CONFLICT (household_id, standard_id) DO NOTHING""")
        for table in ("reviews_ledgerentry", "reviews_statusspan", "households_classification"):
            cursor.execute(f"ANALYZE {table}")


REFERENCE_SQL = """
    SELECT substring(s.unit_path from '^/[^/]+/[^/]+/') AS commune, y.year,
           count(*) FILTER (WHERE s.klass = 'poor'), count(*) FILTER (WHERE s.klass = 'near_poor')
    FROM reviews_statusspan s CROSS JOIN (VALUES (%(y)s), (%(y)s - 1)) AS y(year)
    WHERE s.series = 'national' AND s.unit_path LIKE %(prefix)s AND s.first_year <= y.year
      AND (s.last_year IS NULL OR s.last_year >= y.year)
    GROUP BY 1, 2
"""
HOUSEHOLDS_SQL = """
    SELECT substring(unit_path from '^/[^/]+/[^/]+/'), count(*) FROM households_household
    WHERE deleted_at IS NULL AND unit_path LIKE %(prefix)s GROUP BY 1
"""


def reference(prefix: str, year: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, {"y": year, "prefix": prefix + "%"})
        rows = cursor.fetchall()
        cursor.execute(HOUSEHOLDS_SQL, {"prefix": prefix + "%"})
        rows += cursor.fetchall()
    return len(rows)


class _Printed(list[Any]):
    """The results, each printed as soon as it is measured."""

    def append(self, row: Any) -> None:
        super().append(row)
        what, med, p, rmed, rp, limit = row
        verdict = "" if not limit else ("PASS" if p <= limit else "FAIL")
        print(f"{what:<40} {med:>9.1f} {p:>9.1f} {(f'{rmed:.1f}' if rmed else '–'):>9} "
              f"{(f'{rp:.1f}' if rp else '–'):>9} {(f'{limit:.0f}' if limit else '–'):>8}  {verdict}", flush=True)


def timed(function: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    return support_lists.timed(function, runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="measure the rows already there (no fill)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/stats.py needs PostgreSQL: set GIAMNGHEO_DATABASE_URL (or use scripts/pg-throwaway)")
        return 2
    call_command("migrate", verbosity=0)
    if not args.reuse:
        support_lists.clear()
        started = time.perf_counter()
        _province, communes = support_lists.make_units(args.communes)
        support_lists.fill(args.households, communes)
        add_history()
        print(f"built {args.households:,} households in {time.perf_counter() - started:.0f} s", flush=True)
    province = AdminUnit.objects.get(source="bench", level="province", code="86")
    user = support_lists.officer("bench-tinh", Role.PROVINCE_OFFICER, province)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    print(f"{args.households:,} households, ledger {YEARS[0]}–{YEARS[-1]}; {args.runs} runs; ms")
    header = f"{'what':<40} {'median':>9} {'p95':>9} {'ref med':>9} {'ref p95':>9} {'limit':>8}  verdict"
    print(header)
    print("-" * len(header), flush=True)
    results: list[tuple[str, float, float, float | None, float | None, float]] = _Printed()

    fill_runs = max(1, min(args.runs, 3))
    median, p95, _ = timed(lambda: stats_fill_province(province=province, years=list(YEARS)), fill_runs)
    results.append((f"fill {len(YEARS)} years ({fill_runs} runs)", median, p95, None, None, 0.0))

    client = Client()
    client.force_login(user)

    def dashboard() -> int:
        response = client.get("/thong-ke/86/", {"nam": YEARS[-1]})
        assert response.status_code == 200, response.status_code
        return len(response.content)

    # One untimed request first: the first request of a process imports the views, compiles the templates and
    # loads the translation catalogue (about 3 s here), which a running server has long done.
    dashboard()
    median, p95, _ = timed(dashboard, args.runs)
    ref_median, ref_p95, _ = timed(lambda: reference(province.path, YEARS[-1]), args.runs)
    results.append(("province dashboard", median, p95, ref_median, ref_p95, DASHBOARD_LIMIT_MS))

    try:
        from giamngheo.stats.tables.report import province_report_workbook
    except ImportError:
        print("(no stats.tables.report yet: the Excel report is not measured)")
    else:
        # As the province officer downloads it: with the support sheets (targets, money, support outputs).
        province_report_workbook(province, YEARS[-1], "national", user=user)  # warm-up, as for the dashboard
        median, p95, size = timed(lambda: province_report_workbook(province, YEARS[-1], "national", user=user),
                                  args.runs)
        results.append((f"province Excel report ({len(size) // 1024} KB)", median, p95, None, None,
                        REPORT_LIMIT_MS))

    after = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\nmeasuring: wall {time.perf_counter() - wall:.1f} s, user {after.ru_utime - before.ru_utime:.1f} s, "
          f"system {after.ru_stime - before.ru_stime:.1f} s, peak RSS {after.ru_maxrss / 1024:.0f} MB "
          f"(this process; the database server's CPU is not included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
