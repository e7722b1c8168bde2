"""How fast are the four support lists for a province of 1 M households on PostgreSQL?

    scripts/pg-throwaway env GIAMNGHEO_DEBUG=1 .venv/bin/python bench/support_lists.py          # fill, measure
    scripts/pg-throwaway env GIAMNGHEO_DEBUG=1 .venv/bin/python bench/support_lists.py --households 100000

Fills a database of its own (it empties the registry first) with one province of ``--communes`` communes of
five hamlets, ``--households`` households spread evenly, and, set-based in SQL (fixed hash of the household id,
so every run builds the same data): national ledger entries for 2025 and 2026 with their status spans (about
5 % poor and 7 % near-poor at the end of 2026, 3 % escaped in 2026, 15 % average), support records in 2024–2026
for about half of the poor and near-poor, a surveyed case with one or two stated needs for every household
with a status, and assignments for the poor with target years 2024–2027.

Then, for each list, as a commune officer and as the province officer, it times the first page (50 rows,
with the details each list shows), a deep keyset page (after the row at 80 % of the list) and the count,
``--runs`` times each: through the selector (``support.selectors.lists``) and through the same question written
as hand SQL (the reference). Prints median and p95 in ms, pass/fail against 300 ms for a page (the page
loads its total as a second request, ``support:list_count``: its time is printed beside, not judged),
and the process's wall, user and system time and peak memory (the PostgreSQL server's own CPU is not in
user/sys: it is a separate process).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from giamngheo.accounts.models import RoleGrant, User  # noqa: E402
from giamngheo.accounts.roles import Role  # noqa: E402
from giamngheo.core.text import fold  # noqa: E402
from giamngheo.geo.models import AdminUnit  # noqa: E402
from giamngheo.reviews.models import ReviewCycle  # noqa: E402
from giamngheo.support.models import SupportKind  # noqa: E402
from giamngheo.support.selectors import lists  # noqa: E402

YEAR = 2026
PAGE = 50
LIMIT_MS = 300.0
HAMLETS = ["Ấp Bình Minh", "Ấp Đồng Tâm", "Ấp Tân Lập", "Ấp Phú Hòa", "Ấp Long Thạnh"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
GIVEN = ["Văn An", "Thị Bình", "Văn Cường", "Thị Hoa", "Minh Nam", "Thị Lan", "Hữu Phúc", "Ngọc Mai", "Đức Sơn"]
WISHES = ["credit", "jobs_training", "housing", "health_insurance", "education", "production_model", "land",
          "clean_water", "information", "social_allowance", "other"]
# (low, high, 2025 class, 2026 class or None): the slice of ``hash % 100`` that gets this history.
HISTORIES = [(0, 5, "poor", "poor"), (5, 10, "near_poor", "near_poor"), (10, 12, "poor", "near_poor"),
             (12, 14, "poor", "average"), (14, 15, "near_poor", "none"), (15, 30, "average", None)]


def clear() -> None:
    User.objects.filter(username__startswith="bench-").delete()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE households_household, reviews_reviewcycle RESTART IDENTITY CASCADE")
    for level in ("hamlet", "commune", "province"):
        AdminUnit.objects.filter(source="bench", level=level).delete()


def make_units(communes: int) -> tuple[AdminUnit, list[AdminUnit]]:
    province = AdminUnit.objects.create(code="86", level="province", kind="tinh", name="Tỉnh 86",
                                        name_folded=fold("Tỉnh 86"), path="/86/", source="bench")
    made = []
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_units")
        cursor.execute("CREATE TABLE bench_units (ci int, hi int, commune_id bigint, hamlet_id bigint, path text)")
        for c in range(communes):
            code = f"86{c + 1:03d}"
            commune = AdminUnit.objects.create(
                code=code, level="commune", kind="xa", name=f"Xã Số {c + 1}", name_folded=fold(f"Xã Số {c + 1}"),
                parent=province, path=f"/86/{code}/", area_type="rural", source="bench")
            made.append(commune)
            cursor.execute("INSERT INTO bench_units VALUES (%s, 0, %s, NULL, %s)", [c, commune.pk, commune.path])
            for h, name in enumerate(HAMLETS):
                hamlet = AdminUnit.objects.create(
                    code=f"{code}-h{h + 1}", level="hamlet", kind="ap", name=name, name_folded=fold(name),
                    parent=commune, path=f"{commune.path}h{h + 1}/", area_type="rural", source="bench")
                cursor.execute("INSERT INTO bench_units VALUES (%s, %s, %s, %s, %s)",
                               [c, h + 1, commune.pk, hamlet.pk, hamlet.path])
    return province, made


def run(cursor: Any, label: str, sql: str, params: list[Any] | None = None) -> None:
    started = time.perf_counter()
    cursor.execute(sql, params or [])
    print(f"  … {label}: {cursor.rowcount:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


def fill(total: int, communes: list[AdminUnit]) -> None:
    per = -(-total // len(communes))
    kinds = list(SupportKind.objects.order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        run(cursor, "households", f"""
            INSERT INTO households_household (id, created_at, updated_at, code, commune_id, hamlet_id, unit_path,
                reference_date, year, area, income_basis, water_source, latrine, waste, head_name, search_text,
                member_count, current_class, current_standard, version, deleted_at)
            SELECT g, now(), now(), 'B' || lpad(g::text, 8, '0'), u.commune_id, u.hamlet_id, u.path,
                   DATE '2025-10-01', 2025, 'rural', '', '', '', '',
                   (%s::text[])[1 + g %% {len(FAMILY)}] || ' ' || (%s::text[])[1 + (g / 7) %% {len(GIVEN)}],
                   '', 1 + g %% 5, '', '', 1, CASE WHEN g %% 100 = 99 THEN now() END
            FROM generate_series(1, %s) g
            JOIN bench_units u ON u.ci = (g - 1) / %s AND u.hi = CASE WHEN g %% 10 = 0 THEN 0 ELSE 1 + g %% 5 END
        """, [FAMILY, GIVEN, total, per])
        cursor.execute("SELECT setval(pg_get_serial_sequence('households_household', 'id'), %s)", [total])
        # The slice of a household: a fixed hash of its id, so the classes do not follow the units.
        cursor.execute("DROP TABLE IF EXISTS bench_slice")
        run(cursor, "slices", """
            CREATE TABLE bench_slice AS SELECT id AS household_id, (hashint4(id::int) & 2147483647) %% 100 AS r,
                   (hashint4(id::int + 7) & 2147483647) %% 100 AS r2, commune_id, unit_path
            FROM households_household""")
        histories = ", ".join(f"({lo}, {hi}, '{a}', " + (f"'{b}')" if b else "NULL)") for lo, hi, a, b in HISTORIES)
        for year, column, standard in ((2025, "a", "2022-2025"), (2026, "b", "2026")):
            run(cursor, f"ledger {year}", f"""
                INSERT INTO reviews_ledgerentry (household_id, year, standard_id, standard_hash, series, kind, klass,
                    criterion, effective_on, recognised_at, reason, ethnic_minority, meritorious, social_protection,
                    no_working_capacity, area, commune_id, unit_path)
                SELECT s.household_id, {year}, '{standard}', '', 'national', 'periodic', t.{column}, '',
                       DATE '{year}-12-10', now(), '', s.r2 < 20, false, false, s.r2 > 95, 'rural', s.commune_id,
                       s.unit_path
                FROM bench_slice s JOIN (VALUES {histories}) AS t(lo, hi, a, b) ON s.r >= t.lo AND s.r < t.hi
                WHERE t.{column} IS NOT NULL""")
        run(cursor, "status spans", """
            INSERT INTO reviews_statusspan (household_id, series, klass, first_year, last_year, entry_id, standard_id,
                unit_path, area, ethnic_minority, no_working_capacity)
            SELECT household_id, series, klass, year,
                   lead(year) OVER (PARTITION BY household_id, series ORDER BY year) - 1, id, standard_id, unit_path,
                   area, ethnic_minority, no_working_capacity
            FROM reviews_ledgerentry""")
        # Support: half of the poor and near-poor in 2026, a third in 2025, the escaped ones in 2024 too.
        for year, condition in ((2026, "s.r < 15 AND s.r2 < 50"), (2025, "s.r < 15 AND s.r2 %% 3 = 0"),
                                (2024, "s.r >= 10 AND s.r < 15")):
            run(cursor, f"support {year}", f"""
                INSERT INTO support_supportrecord (created_at, updated_at, household_id, unit_path, kind_id, given_on,
                    year, provider_type, provider_name, member_ref, amount, description, note, version)
                SELECT now(), now(), s.household_id, s.unit_path, (%s::bigint[])[1 + s.r2 %% {len(kinds)}],
                       DATE '{year}-01-01' + (s.r2 * 3), {year}, 'state_agency', '', '', 1000000 * (1 + s.r2), '',
                       '', 1
                FROM bench_slice s WHERE {condition}""", [kinds])
        cycles = [ReviewCycle(kind="periodic", year=2025, month=0, commune=commune, unit_path=commune.path,
                              opens_on="2025-09-01", closes_on="2025-12-15", standards=["2022-2025"])
                  for commune in communes]
        ReviewCycle.objects.bulk_create(cycles)
        run(cursor, "cases", """
            INSERT INTO reviews_reviewcase (created_at, updated_at, cycle_id, household_id, unit_path, source, state,
                survey_record, survey_complete, surveyed_on, results, proposed_class, proposed_criterion, causes,
                wishes, note, version)
            SELECT now(), now(), c.id, s.household_id, s.unit_path, 'periodic', 'recognised', '{}', true,
                   DATE '2025-10-01' + s.r2, '{}', '', '', '["capital"]', '[]', '', 1
            FROM bench_slice s JOIN reviews_reviewcycle c ON c.commune_id = s.commune_id WHERE s.r < 30""")
        run(cursor, "needs", """
            INSERT INTO reviews_caseneed (case_id, household_id, code, stated_on, year, current, unit_path)
            SELECT k.id, k.household_id, w.code, k.surveyed_on, 2025, true, k.unit_path
            FROM reviews_reviewcase k JOIN bench_slice s ON s.household_id = k.household_id
            CROSS JOIN LATERAL (SELECT (%s::text[])[1 + s.r2 %% 11] AS code
                                UNION SELECT 'housing' WHERE s.r2 < 40) w""", [WISHES])
        run(cursor, "assignments", """
            INSERT INTO support_assignment (created_at, updated_at, household_id, unit_path, helper_type, helper_name,
                helper_unit, since, target_year, end_reason, note, version)
            SELECT now(), now(), s.household_id, s.unit_path, 'party_member', 'Đảng viên ' || s.household_id, '',
                   DATE '2023-06-01', 2024 + s.r2 %% 4, '', '', 1
            FROM bench_slice s WHERE s.r < 5 OR (s.r >= 10 AND s.r < 14)""")
        for table in ("households_household", "reviews_ledgerentry", "reviews_statusspan", "support_supportrecord",
                      "reviews_reviewcase", "reviews_caseneed", "support_assignment"):
            cursor.execute(f"ANALYZE {table}")


# The reference: each list's question as one hand-written SQL statement over the same tables.

def _span(alias: str) -> str:
    return (f"JOIN reviews_statusspan {alias} ON {alias}.household_id = h.id AND {alias}.series = 'national' "
            f"AND {alias}.first_year <= %(y{alias})s AND ({alias}.last_year IS NULL OR {alias}.last_year >= %(y{alias})s)")


CONDITIONS = {
    lists.NO_SUPPORT: (_span("s"), "s.klass IN ('poor', 'near_poor') AND NOT EXISTS (SELECT 1 FROM "
                       "support_supportrecord r WHERE r.household_id = h.id AND r.deleted_at IS NULL "
                       "AND r.given_on BETWEEN %(first)s AND %(last)s)"),
    lists.UNMET_NEEDS: (_span("s"), "s.klass IN ('poor', 'near_poor') AND EXISTS (SELECT 1 FROM reviews_caseneed n "
                        "WHERE n.household_id = h.id AND n.current AND n.stated_on <= %(last)s AND NOT EXISTS ("
                        "SELECT 1 FROM support_supportrecord r JOIN support_supportkindneed kn ON kn.kind_id = r.kind_id "
                        "WHERE r.household_id = h.id AND r.deleted_at IS NULL AND kn.need = n.code "
                        "AND r.given_on >= n.stated_on AND r.given_on <= %(last)s))"),
    lists.OVERDUE_ASSIGNMENTS: (_span("s"), "s.klass IN ('poor', 'near_poor') AND EXISTS (SELECT 1 FROM "
                                "support_assignment a WHERE a.household_id = h.id AND a.deleted_at IS NULL "
                                "AND a.target_year < %(ys)s AND a.since <= %(last)s "
                                "AND (a.ended_on IS NULL OR a.ended_on > %(last)s))"),
    lists.ESCAPED: (_span("s") + " " + _span("p"),
                    "p.klass = 'poor' AND s.klass IN ('near_poor', 'average', 'none')"),
}


def reference_sql(slug: str, *, count: bool, after: tuple[str, int] | None) -> str:
    joins, condition = CONDITIONS[slug]
    where = f"h.deleted_at IS NULL AND h.unit_path LIKE %(prefix)s AND {condition}"
    if count:
        return f"SELECT count(*) FROM households_household h {joins} WHERE {where}"
    if after:
        where += " AND (h.unit_path, h.id) > (%(after_path)s, %(after_id)s)"
    return (f"SELECT h.id, h.code, h.head_name, h.unit_path, s.klass, c.name, hm.name FROM households_household h "
            f"{joins} JOIN geo_adminunit c ON c.id = h.commune_id LEFT JOIN geo_adminunit hm ON hm.id = h.hamlet_id "
            f"WHERE {where} ORDER BY h.unit_path, h.id LIMIT {PAGE + 1}")


def reference(slug: str, prefix: str, *, count: bool, after: tuple[str, int] | None = None) -> Any:
    params = {"ys": YEAR, "yp": YEAR - 1, "first": f"{YEAR}-01-01", "last": f"{YEAR}-12-31", "prefix": prefix + "%",
              "after_path": after[0] if after else "", "after_id": after[1] if after else 0}
    with connection.cursor() as cursor:
        cursor.execute(reference_sql(slug, count=count, after=after), params)
        return cursor.fetchall()


def timed(function: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, result


def officer(username: str, role: str, unit: AdminUnit) -> User:
    User.objects.filter(username=username).delete()
    user = User.objects.create(username=username)
    RoleGrant.objects.create(user=user, role=role, unit=unit, unit_path=unit.path)
    return user


def measure(users: dict[str, tuple[User, str]], runs: int) -> list[dict[str, Any]]:
    rows = []
    for who, (user, prefix) in users.items():
        for slug in lists.SLUGS:
            total = lists.list_count(slug, user=user, year=YEAR)
            # The cursor of the row at 80 % of the list (set-up, not timed).
            deep = reference_sql(slug, count=False, after=None).replace(f"LIMIT {PAGE + 1}",
                                                                        f"OFFSET {int(total * 0.8)} LIMIT 1")
            with connection.cursor() as cursor:
                cursor.execute(deep, {"ys": YEAR, "yp": YEAR - 1, "first": f"{YEAR}-01-01", "last": f"{YEAR}-12-31",
                                      "prefix": prefix + "%"})
                found = cursor.fetchone()
            after = (found[3], found[0]) if found else None
            cursor_text = f"{after[1]}:{after[0]}" if after else None
            cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
                ("page 1", lambda s=slug, u=user: lists.list_page(s, user=u, year=YEAR, page_size=PAGE,
                                                                  with_total=False).rows,
                 lambda s=slug, p=prefix: reference(s, p, count=False)),
                ("page at 80 %", lambda s=slug, u=user, c=cursor_text: lists.list_page(
                    s, user=u, year=YEAR, after=c, page_size=PAGE, with_total=False).rows,
                 lambda s=slug, p=prefix, a=after: reference(s, p, count=False, after=a)),
                ("count", lambda s=slug, u=user: lists.list_count(s, user=u, year=YEAR),
                 lambda s=slug, p=prefix: reference(s, p, count=True)[0][0]),
            ]
            for label, ours, theirs in cases:
                median, p95, result = timed(ours, runs)
                ref_median, ref_p95, ref_result = timed(theirs, runs)
                size = result if isinstance(result, int) else len(result)
                ref_size = ref_result if isinstance(ref_result, int) else min(len(ref_result), PAGE)
                rows.append({"user": who, "list": slug, "what": label, "median": median, "p95": p95,
                             "ref_median": ref_median, "ref_p95": ref_p95, "rows": size, "ref_rows": ref_size,
                             "total": total})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="measure the rows already there (no fill)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/support_lists.py needs PostgreSQL: set GIAMNGHEO_DATABASE_URL (or use scripts/pg-throwaway)")
        return 2
    wall = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not args.reuse:
        clear()
        started = time.perf_counter()
        _province, communes = make_units(args.communes)
        fill(args.households, communes)
        print(f"filled {args.households:,} households in {time.perf_counter() - started:.0f} s")
    province = AdminUnit.objects.get(source="bench", level="province", code="86")
    commune = AdminUnit.objects.get(source="bench", level="commune", code="86001")
    users = {
        "commune officer": (officer("bench-xa", Role.COMMUNE_OFFICER, commune), commune.path),
        "province officer": (officer("bench-tinh", Role.PROVINCE_OFFICER, province), province.path),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
    print(f"{args.households:,} households, year {YEAR}; {args.runs} runs each; pages of {PAGE}; ms")
    before = resource.getrusage(resource.RUSAGE_SELF)
    measured = time.perf_counter()
    rows = measure(users, args.runs)
    header = (f"{'user':<17} {'list':<22} {'what':<13} {'median':>8} {'p95':>8} {'ref med':>8} {'ref p95':>8} "
              f"{'ratio':>6}  rows/ref rows (list total)")
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = row["median"] / row["ref_median"] if row["ref_median"] else 0.0
        print(f"{row['user']:<17} {row['list']:<22} {row['what']:<13} {row['median']:>8.1f} {row['p95']:>8.1f} "
              f"{row['ref_median']:>8.1f} {row['ref_p95']:>8.1f} {ratio:>6.2f}  {row['rows']:,}/{row['ref_rows']:,} "
              f"({row['total']:,})")
    print()
    failed = 0
    for who in users:
        for slug in lists.SLUGS:
            mine = {r["what"]: r for r in rows if r["user"] == who and r["list"] == slug}
            for page in ("page 1", "page at 80 %"):
                cost = mine[page]["p95"]
                verdict = "pass" if cost < LIMIT_MS else "FAIL"
                failed += verdict == "FAIL"
                print(f"{verdict}: {who}, {slug}, {page} = {cost:.1f} ms p95 (limit {LIMIT_MS:.0f} ms)")
            # The page loads its total as a separate request (support:list_count); reported, not judged.
            count = mine["count"]
            print(f"      {who}, {slug}, total (own request) = {count['median']:.1f} ms median, "
                  f"{count['p95']:.1f} ms p95; hand SQL {count['ref_median']:.1f} ms")
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\nmeasuring: wall {time.perf_counter() - measured:.1f} s, user {after.ru_utime - before.ru_utime:.1f} s, "
          f"sys {after.ru_stime - before.ru_stime:.1f} s; whole run wall {time.perf_counter() - wall:.0f} s; "
          f"peak RSS {after.ru_maxrss / 1024:.0f} MB (this process; the server's CPU is not counted)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
