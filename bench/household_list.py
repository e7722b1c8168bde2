"""How fast is the household list at national scale? 1 M households on PostgreSQL, paged as the API does.

    scripts/pg-throwaway .venv/bin/python bench/household_list.py            # fresh cluster, fill, measure
    GIAMNGHEO_DATABASE_URL=postgres://… .venv/bin/python bench/household_list.py --households 200000

Fills the database (``COPY``) with households spread over ``--communes`` communes of two provinces, each
commune with five hamlets, realistic Vietnamese names and a class mix; then times, as a commune officer
and as a province officer, what one list request costs: ``household_list`` (the selector every page and
the API use) + one page of 50 + the count, through ``api.paging.page_of``. It also times the planner's
row estimate, the alternative to an exact count. Prints the median of several runs per scenario.
The run empties the registry first: point it at a database of its own. Members are generated with a name and a
citizen ID only: the list reads ``search_text`` (folded code, hamlet and member names) and, for a search by
citizen ID by a user who may see IDs, ``households_member.citizen_id`` (issue 13: IDs left ``search_text``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from giamngheo.accounts.models import RoleGrant, User  # noqa: E402
from giamngheo.accounts.roles import Role  # noqa: E402
from giamngheo.api.paging import PageParams, page_of  # noqa: E402
from giamngheo.core.text import fold  # noqa: E402
from giamngheo.geo.models import AdminUnit  # noqa: E402
from giamngheo.households.models import Household, Member  # noqa: E402
from giamngheo.households.search import search_text_for  # noqa: E402
from giamngheo.households.selectors import household_list, household_list_count  # noqa: E402

FAMILY = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 2 + [
    "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Thạch", "Kim",
]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ", "Bích", "Hồng"]
GIVEN = [
    "An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
    "Tuấn", "Vy", "Yến", "Hùng", "Hương", "Linh", "Khánh", "Long", "Nhung", "Oanh", "Phượng", "Sang", "Thắng",
]
HAMLET_NAMES = ["Ấp Bình Minh", "Ấp Đồng Tâm", "Ấp Tân Lập", "Ấp Phú Hòa", "Ấp Long Thạnh"]
CLASSES = ["poor"] * 5 + ["near_poor"] * 7 + ["average"] * 10 + ["none"] * 75 + ["undetermined"] * 3
COLUMNS = (
    "id", "created_at", "updated_at", "code", "commune_id", "hamlet_id", "unit_path", "reference_date", "year", "area",
    "income", "income_basis", "floor_area_m2", "water_source", "latrine", "waste", "head_name", "search_text",
    "member_count", "current_class", "current_standard", "version", "deleted_at",
)
MEMBER_COLUMNS = (
    "household_id", "position", "member_id", "relation", "name", "citizen_id", "sex", "ethnicity", "disability",
    "employment", "nutrition", "education_completed", "school",
)
TRIGRAM_INDEX = "household_search_trgm_idx"
MEMBER_TRIGRAM_INDEX = "member_citizen_id_trgm_idx"


def person(rng: random.Random) -> str:
    female = rng.random() < 0.5
    middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
    return f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}"


def clear() -> None:
    """Remove what an earlier run made (the bench wants a database of its own: it empties the registry)."""
    User.objects.filter(username__startswith="bench-").delete()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE households_household RESTART IDENTITY CASCADE")
    for level in ("hamlet", "commune", "province"):
        AdminUnit.objects.filter(source="bench", level=level).delete()


def make_units(communes: int) -> list[tuple[AdminUnit, list[AdminUnit]]]:
    made = []
    per_province = max(1, communes // 2)
    for p_index, province_code in enumerate(("86", "87")):
        province = AdminUnit.objects.create(
            code=province_code, level="province", kind="tinh", name=f"Tỉnh {province_code}",
            name_folded=fold(f"Tỉnh {province_code}"), path=f"/{province_code}/", source="bench",
        )
        for c in range(per_province if p_index == 0 else communes - per_province):
            code = f"{province_code}{c + 1:03d}"
            commune = AdminUnit.objects.create(
                code=code, level="commune", kind="xa", name=f"Xã Số {c + 1}", name_folded=fold(f"Xã Số {c + 1}"),
                parent=province, path=f"/{province_code}/{code}/", area_type="rural", source="bench",
            )
            hamlets = [
                AdminUnit.objects.create(
                    code=f"{code}-h{h + 1}", level="hamlet", kind="ap", name=name, name_folded=fold(name),
                    parent=commune, path=f"{commune.path}h{h + 1}/", area_type="rural", source="bench",
                )
                for h, name in enumerate(HAMLET_NAMES)
            ]
            made.append((commune, hamlets))
    return made


def fill(total: int, units: list[tuple[AdminUnit, list[AdminUnit]]], seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    reference = dt.date(2025, 10, 1)
    per_commune = total // len(units)
    # Members go to a file first (one COPY at a time per connection; millions of tuples would not fit in memory).
    member_count = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as members, connection.cursor() as cursor:
        for index_name in (TRIGRAM_INDEX, MEMBER_TRIGRAM_INDEX):
            cursor.execute(f"DROP INDEX IF EXISTS {index_name}")  # built once after the load: much faster
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY households_household ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            serial = 0
            for index, (commune, hamlets) in enumerate(units):
                count = per_commune if index < len(units) - 1 else total - per_commune * (len(units) - 1)
                for n in range(count):
                    serial += 1
                    hamlet = rng.choice(hamlets) if rng.random() < 0.8 else None
                    code = f"{commune.code}-{n + 1:06d}"
                    names = [person(rng) for _ in range(rng.randint(1, 6))]
                    ids = [f"0{commune.code}{rng.randrange(10**6):06d}" for _ in names]
                    klass = rng.choice(CLASSES)
                    search = search_text_for(code=code, hamlet_name=hamlet.name if hamlet else None,
                                             member_names=names)
                    copy.write_row((
                        serial, now, now, code, commune.pk, hamlet.pk if hamlet else None,
                        hamlet.path if hamlet else commune.path, reference, 2025, "rural",
                        rng.randrange(500_000, 6_000_000), "", round(rng.uniform(6, 120), 1), "", "", "",
                        names[0], search, len(names), klass, "2022-2025", 1,
                        now if rng.random() < 0.01 else None,
                    ))
                    for position, (name, citizen_id) in enumerate(zip(names, ids, strict=True)):
                        relation = "head" if position == 0 else "other"
                        members.write(f"{serial}\t{position}\t{position + 1}\t{relation}\t{name}\t{citizen_id}"
                                      "\tmale\t\t\t\t\t\t\n")
                        member_count += 1
                if index % 10 == 9:
                    print(f"  … {serial:,} households", flush=True)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('households_household', 'id'), (SELECT max(id) FROM "
            "households_household))"
        )
        members.seek(0)
        with raw.copy(f"COPY households_member ({', '.join(MEMBER_COLUMNS)}) FROM STDIN") as copy:
            while chunk := members.read(1 << 20):
                copy.write(chunk)
        print(f"  … {member_count:,} members", flush=True)
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            f"CREATE INDEX {TRIGRAM_INDEX} ON households_household USING gin (search_text gin_trgm_ops)"
        )
        cursor.execute(
            f"CREATE INDEX {MEMBER_TRIGRAM_INDEX} ON households_member USING gin (citizen_id gin_trgm_ops)"
        )
        cursor.execute("ANALYZE households_household")
        cursor.execute("ANALYZE households_member")


def officer(username: str, role: str, unit: AdminUnit) -> User:
    User.objects.filter(username=username).delete()
    user = User.objects.create(username=username)
    RoleGrant.objects.create(user=user, role=role, unit=unit, unit_path=unit.path)
    return user


def estimated_count(queryset) -> int:  # type: ignore[no-untyped-def]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def timed(function, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def measure(users: dict[str, User], runs: int) -> list[dict[str, object]]:
    # A real ID of commune 86001 (every user below has that commune in scope).
    full_id = (Member.objects.filter(household__unit_path__startswith="/86/86001/").order_by("pk")
               .values_list("citizen_id", flat=True)[1234])
    scenarios = [
        ("no filter, page 1", {}, 1),
        ("no filter, page 100", {}, 100),
        ("q='nguyen van'", {"q": "nguyen van"}, 1),
        ("q='thach kim oanh'", {"q": "thach kim oanh"}, 1),
        ("q=citizen-id digits", {"q": "086001123"}, 1),
        ("q=full citizen ID", {"q": full_id}, 1),
        ("q=ID's last 6 digits", {"q": full_id[-6:]}, 1),
        ("q=code + ID digits", {"q": f"86001 {full_id[-4:]}"}, 1),
        ("class=poor", {"klass": "poor"}, 1),
        ("class=poor, page 20", {"klass": "poor"}, 20),
    ]
    id_scenarios = {label for label, _f, _p in scenarios if "ID" in label or "citizen" in label}
    rows = []
    for who, user in users.items():
        for label, filters, page in scenarios:
            if who == "province admin" and label not in id_scenarios:
                continue  # the same plans as the province officer's, except for IDs
            params = PageParams(page=page, page_size=50)

            def listed(u=user, f=filters):  # type: ignore[no-untyped-def]
                return household_list(user=u, **f)

            api_ms, (items, count, exact) = timed(
                lambda p=params, q=listed: page_of(q(), p, count=household_list_count), runs)
            items_ms, _ = timed(lambda p=params, q=listed: list(q()[(p.page - 1) * 50 : p.page * 50]), runs)
            count_ms, true_count = timed(lambda q=listed: q().count(), runs)
            estimate_ms, estimate = timed(lambda q=listed: estimated_count(q()), runs)
            rows.append({
                "user": who, "scenario": label, "api_ms": api_ms, "items_ms": items_ms, "count_ms": count_ms,
                "estimate_ms": estimate_ms, "items": len(items), "count": count, "exact": exact,
                "true_count": true_count, "estimate": estimate,
            })
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--reuse", action="store_true", help="measure the rows already there (no fill)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench/household_list.py needs PostgreSQL: set GIAMNGHEO_DATABASE_URL (or use scripts/pg-throwaway)")
        return 2
    call_command("migrate", verbosity=0)
    if not args.reuse:
        clear()
        started = time.perf_counter()
        units = make_units(args.communes)
        fill(args.households, units, args.seed)
        print(f"filled {args.households:,} households in {time.perf_counter() - started:.0f} s")
    commune = AdminUnit.objects.get(level="commune", code="86001")
    province = AdminUnit.objects.get(level="province", code="86")
    users = {
        "commune officer": officer("bench-xa", Role.COMMUNE_OFFICER, commune),
        "province officer": officer("bench-tinh", Role.PROVINCE_OFFICER, province),
        # Sees citizen IDs of the whole province: the widest ID search (trigram index on members).
        "province admin": officer("bench-admin", Role.SYSTEM_ADMIN, province),
    }
    total = Household.objects.count()
    print(f"\n{total:,} households; median of {args.runs} runs; pages of 50")
    print("API = what GET /households costs: page_of(household_list(...), count=household_list_count)")
    print("(exact count up to 10,000, else the planner's estimate); the other columns take it apart.\n")
    header = (f"{'user':<17} {'scenario':<22} {'API':>9} {'page':>8} {'count(*)':>9} {'EXPLAIN':>8}"
              "  rows / API count / true count / planner")
    print(header)
    print("-" * len(header))
    for row in measure(users, args.runs):
        shown = f"{row['count']:,}" + ("" if row["exact"] else "~")
        print(
            f"{row['user']:<17} {row['scenario']:<22} {row['api_ms']:>7.1f}ms {row['items_ms']:>6.1f}ms "
            f"{row['count_ms']:>7.1f}ms {row['estimate_ms']:>6.1f}ms  {row['items']} / {shown} / "
            f"{row['true_count']:,} / {row['estimate']:,}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
