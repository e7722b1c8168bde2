"""How fast does a province's household workbook go into the registry? The import against a raw read + COPY.

    scripts/pg-throwaway .venv/bin/python bench/imports.py                      # 100,000 households, 3 runs
    scripts/pg-throwaway .venv/bin/python bench/imports.py --households 1000000 --runs 1
    GIAMNGHEO_DATABASE_URL=postgres://… .venv/bin/python bench/imports.py --households 20000 --runs 1

1. Generates (fixed seed, NumPy) a province workbook in the two-sheet layout with the import's Vietnamese headers
   (``giamngheo.imports.columns``): N households of 1 + Poisson(2.5) members, answers as officers type them (dates
   ``15/10/2025``, incomes ``1.200.000``, labels ``Nước máy``, ``Có``), written with openpyxl's write-only mode
   and cached under ``bench/.cache/`` by N and seed.
2. Migrates the database and creates the units the workbook names (province 86, ``--communes`` communes × 5
   hamlets, one commune in five urban) and a system administrator of the province.
3. Each run, after emptying the registry (TRUNCATE of the household tables, import jobs and audit entries), runs
   as separate processes timed start to finish by ``/usr/bin/time -v``:

   * the import: ``bench/import_driver.py FILE --user U`` (what ``giamngheo import households FILE --user U
     --commit --json`` does, with the wall time of each phase measured inside the process);
   * the reference: ``bench/imports.py reference FILE``: python-calamine reads both sheets into rows (chunks of
     100,000) and psycopg ``COPY``s them, unvalidated, into two plain text tables.

   ``--cli`` also times the command itself (``giamngheo import households … --commit --json``) each run.

Prints wall, user, system and peak RSS of every process of every run, the median and minimum over the runs, the
import's phases, and the ratios against the reference: end to end, and the write phase's rows per second against
the reference's COPY rows per second. The run empties the registry: point it at a database of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
PYTHON = sys.executable
SEED = 20251015
GENERATOR_VERSION = 1  # bump when the generated workbook changes, so cached files are not reused
USERNAME = "bench-import-admin"
PROVINCE = "86"
HAMLETS = ["Ấp Bình Minh", "Ấp Đồng Tâm", "Ấp Tân Lập", "Ấp Phú Hòa", "Ấp Long Thạnh"]
REFERENCE_TABLES = ("bench_reference_households", "bench_reference_members")
CHUNK = 100_000

FAMILY = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 2 + [
    "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Thạch", "Kim",
]
MIDDLE = {"Nam": ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân"],
          "Nữ": ["Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ", "Bích", "Hồng"]}
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hoa", "Lan", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
         "Tuấn", "Vy", "Yến", "Hùng", "Hương", "Linh", "Khánh", "Long", "Nhung", "Oanh", "Phượng", "Sang", "Thắng"]


# --- the workbook -------------------------------------------------------------------------------------------------

def commune_codes(communes: int) -> list[str]:
    return [f"{PROVINCE}{c + 1:03d}" for c in range(communes)]


def is_urban(index: int) -> bool:
    return index % 5 == 4


def commune_name(index: int) -> str:
    return f"{'Phường' if is_urban(index) else 'Xã'} Số {index + 1}"


def workbook_path(households: int, seed: int, communes: int) -> Path:
    return CACHE / f"households-{households}-seed{seed}-c{communes}-v{GENERATOR_VERSION}.xlsx"


def generate(households: int, seed: int, communes: int) -> tuple[Path, float]:
    """The cached workbook, or a new one; returns (path, seconds spent generating, 0 when cached)."""
    path = workbook_path(households, seed, communes)
    if path.exists():
        return path, 0.0
    import numpy as np
    from openpyxl import Workbook

    from giamngheo.imports import columns as cols

    started = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = households

    def label(sheet: cols.Sheet, name: str, codes: np.ndarray) -> np.ndarray:
        table: dict[object, object] = {**dict(cols.column(sheet, name).labels), None: None}
        return np.array([table[c] for c in codes.tolist()], dtype=object)

    def pick(sheet: cols.Sheet, name: str, codes: list[str], shares: list[float], size: int,
             blank: float = 0.0) -> np.ndarray:
        p = np.array(shares, dtype=float)
        drawn = np.array(codes, dtype=object)[rng.choice(len(codes), size=size, p=p / p.sum())]
        values = label(sheet, name, drawn)
        if blank:
            values[rng.random(size) < blank] = None
        return values

    def only(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The answers of the members a question applies to; blank for the others."""
        values = values.copy()
        values[~mask] = None
        return values

    def yes_no(share: float, size: int, blank: float = 0.01) -> np.ndarray:
        u = rng.random(size)
        values = np.where(u < share, "Có", "Không").astype(object)
        values[rng.random(size) < blank] = None
        return values

    H, M = cols.HOUSEHOLDS, cols.MEMBERS
    codes = commune_codes(communes)
    commune_of = np.sort(rng.integers(0, communes, n))  # households listed commune by commune, as a province sends
    serial = np.arange(n) - np.searchsorted(commune_of, commune_of)  # number inside the commune
    household_codes = np.array([f"{codes[c]}-{s + 1:06d}" for c, s in zip(commune_of, serial, strict=True)],
                               dtype=object)
    urban = np.array([is_urban(c) for c in range(communes)])[commune_of]
    reference = np.datetime64("2025-10-01") + rng.integers(0, 46, n)
    reference_text = np.array([f"{d.day:02d}/{d.month:02d}/{d.year}" for d in reference.astype(object)], dtype=object)
    income = np.round(rng.lognormal(np.log(2_600_000), 0.55, n), -4).astype(np.int64)
    income_text = np.array([f"{v:,}".replace(",", ".") for v in income], dtype=object)
    income_text[rng.random(n) < 0.01] = None
    area = np.round(rng.lognormal(np.log(55), 0.5, n), 1)
    area_text = np.array([f"{v:.1f}".replace(".", ",").removesuffix(",0") for v in area], dtype=object)
    devices = cols.column(H, "information_devices").labels
    device_draw = rng.random((n, len(devices))) < np.array([0.85, 0.1, 0.1, 0.2, 0.93, 0.15])[:len(devices)]
    device_text = np.array([", ".join(lbl for (_c, lbl), has in zip(devices, row, strict=True) if has) or "Không có"
                            for row in device_draw], dtype=object)
    hamlet = np.array(HAMLETS, dtype=object)[rng.integers(0, len(HAMLETS), n)]
    households_sheet: dict[str, np.ndarray] = {
        "id": household_codes,
        "reference_date": reference_text,
        "year": np.full(n, 2025, dtype=object),
        "area": np.where(urban, "Thành thị", "Nông thôn").astype(object),
        "province_code": np.full(n, PROVINCE, dtype=object),
        "commune_code": np.array(codes, dtype=object)[commune_of],
        "commune_name": np.array([commune_name(c) for c in range(communes)], dtype=object)[commune_of],
        "hamlet": hamlet,
        "income": income_text,
        "floor_area_m2": area_text,
        "walls_durable": yes_no(0.9, n),
        "frame_durable": yes_no(0.9, n),
        "roof_durable": yes_no(0.88, n),
        "water_source": pick(H, "water_source", ["piped", "borehole", "protected_well", "protected_spring",
                                                 "rainwater", "bottled", "unprotected_well", "unprotected_spring",
                                                 "surface", "other"], [45, 25, 8, 3, 5, 6, 4, 1, 2, 1], n, 0.005),
        "latrine": pick(H, "latrine", ["septic", "semi_septic", "pour_flush", "double_vault", "ventilated_pit",
                                       "pit_no_slab", "overhang", "none", "other"], [70, 10, 5, 3, 2, 4, 2, 3, 1], n,
                        0.005),
        "information_devices": device_text,
        "hears_loudspeaker": yes_no(0.6, n),
        "waste": pick(H, "waste", ["collected", "treated_on_site", "untreated"], [70, 20, 10], n, 0.01),
    }

    sizes = np.clip(rng.poisson(2.5, n) + 1, 1, 12)
    total = int(sizes.sum())
    owner = np.repeat(np.arange(n), sizes)
    position = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    head = position == 0
    spouse = (position == 1) & (rng.random(total) < 0.7)
    head_age = np.repeat(rng.integers(25, 85, n), sizes)
    child_age = (rng.random(total) * np.maximum(head_age - 18, 1)).astype(np.int64)
    relation = np.where(head, "head", np.where(spouse, "spouse", np.where(rng.random(total) < 0.85, "child",
                                                                          "other_relative")))
    age = np.where(head, head_age, np.where(spouse, np.clip(head_age + rng.integers(-5, 6, total), 18, 95),
                                             np.where(relation == "child", child_age, rng.integers(0, 90, total))))
    ref = reference[owner]
    birth = ref - (age * 365.25 + rng.integers(1, 360, total)).astype("timedelta64[D]")
    birth_parts = birth.astype(object)
    birth_text = np.array([f"{d.day:02d}/{d.month:02d}/{d.year}" for d in birth_parts], dtype=object)
    sex_code = np.where(rng.random(total) < 0.49, "male", "female")
    sex_code = np.where(spouse, np.where(np.roll(sex_code, 1) == "male", "female", "male"), sex_code)
    sex = np.where(sex_code == "male", "Nam", "Nữ").astype(object)
    middle = np.where(sex_code == "male", np.array(MIDDLE["Nam"], dtype=object)[rng.integers(0, 8, total)],
                      np.array(MIDDLE["Nữ"], dtype=object)[rng.integers(0, 8, total)])
    names = [f"{f} {m} {g}" for f, m, g in zip(np.array(FAMILY, dtype=object)[rng.integers(0, len(FAMILY), total)],
                                               middle, np.array(GIVEN, dtype=object)[
                                                   rng.integers(0, len(GIVEN), total)], strict=True)]
    # Citizen IDs: province, century and sex digit, two digits of the birth year, then a serial unique in the file.
    years = np.array([d.year for d in birth_parts])
    century_sex = (years >= 2000) * 2 + (sex_code == "female")
    serial_ids = rng.permutation(total) % 1_000_000 if total <= 1_000_000 else np.arange(total) % 1_000_000
    prefix = [f"0{PROVINCE}{c}{y % 100:02d}" for c, y in zip(century_sex, years, strict=True)]
    # (prefix, serial) is unique: serials repeat only every 1,000,000 members, when prefixes differ by then
    ids = np.array([f"{p}{s:06d}" for p, s in zip(prefix, serial_ids, strict=True)], dtype=object)
    seen: set[str] = set()
    for i, value in enumerate(ids):  # the rare clash gets the next free serial of its prefix
        while value in seen:
            value = f"{value[:6]}{(int(value[6:]) + 1) % 1_000_000:06d}"
        seen.add(value)
        ids[i] = value
    del seen
    ids[(age < 14) & (rng.random(total) < 0.3)] = None  # young children often have no ID written yet
    child = age < 16
    members_sheet: dict[str, np.ndarray] = {
        "household_id": household_codes[owner],
        "id": (position + 1).astype(object),
        "relation": label(M, "relation", relation.astype(object)),
        "name": np.array(names, dtype=object),
        "citizen_id": ids,
        "sex": sex,
        "birth_date": birth_text,
        "ethnicity": np.where(rng.random(total) < 0.86, "Kinh", np.where(rng.random(total) < 0.5, "Khmer", "Hoa"))
        .astype(object),
        "disability": pick(M, "disability", ["none", "mild", "severe", "very_severe"], [95, 3, 1.5, 0.5], total,
                           0.01),
        "monthly_social_allowance": yes_no(0.05, total),
        "meritorious": yes_no(0.02, total),
        "employment": only(age >= 15, pick(M, "employment", ["wage_with_contract", "wage_without_contract",
                                                               "self_employed", "unemployed", "not_working"],
                                                [30, 15, 30, 3, 22], total, 0.01)),
        "health_insured": yes_no(0.92, total),
        "nutrition": only(child, pick(M, "nutrition", ["normal", "stunted", "underweight", "stunted_underweight"],
                                          [85, 7, 5, 3], total, 0.01)),
        "education_completed": only(age >= 6, pick(M, "education_completed", [
            "none", "primary", "lower_secondary", "upper_secondary", "vocational_elementary",
            "vocational_intermediate", "college", "university"], [5, 20, 25, 30, 5, 5, 4, 6], total, 0.01)),
        "in_education": np.where((age >= 3) & (age < 16), "Có", np.where(age <= 30, yes_no(0.3, total), "Không"))
        .astype(object),
        "school": only((age >= 3) & (age < 16), pick(M, "school", ["appropriate_level", "below_level",
                                                                      "not_attending"], [93, 3, 4], total, 0.01)),
        "uses_internet": yes_no(0.7, total),
        "uses_phone": yes_no(0.85, total),
        "ill_untreated": yes_no(0.03, total),
    }
    book = Workbook(write_only=True)
    for title, sheet, data in ((cols.SHEET_TITLES[H], H, households_sheet), (cols.SHEET_TITLES[M], M, members_sheet)):
        ws = book.create_sheet(title)
        names_in_order = [c.name for c in cols.columns(sheet) if c.name in data]
        ws.append([cols.column(sheet, name).header for name in names_in_order])
        for row in zip(*(data[name].tolist() for name in names_in_order), strict=True):
            ws.append(row)
    partial = path.with_suffix(".partial")
    book.save(partial)
    partial.replace(path)
    return path, time.perf_counter() - started


# --- the database -------------------------------------------------------------------------------------------------

def prepare_database(communes: int) -> None:
    """Migrate; create the province, its communes and hamlets, and the importing user (once)."""
    from django.core.management import call_command

    from giamngheo.accounts.models import RoleGrant, User
    from giamngheo.accounts.roles import Role
    from giamngheo.core.text import fold
    from giamngheo.geo.models import AdminUnit

    call_command("migrate", verbosity=0)
    province, _made = AdminUnit.objects.get_or_create(
        generation="2025", level="province", code=PROVINCE,
        defaults={"kind": "tinh", "name": f"Tỉnh Thử Nghiệm {PROVINCE}", "name_folded": fold("Tỉnh Thử Nghiệm"),
                  "path": f"/{PROVINCE}/", "source": "bench"})
    existing = set(AdminUnit.objects.filter(level="commune", parent=province).values_list("code", flat=True))
    for index, code in enumerate(commune_codes(communes)):
        if code in existing:
            continue
        name, urban = commune_name(index), is_urban(index)
        commune = AdminUnit.objects.create(
            generation="2025", level="commune", code=code, kind="phuong" if urban else "xa", name=name,
            short_name=name, name_folded=fold(name), parent=province, path=f"/{PROVINCE}/{code}/",
            area_type="urban" if urban else "rural", source="bench")
        for h, hamlet in enumerate(HAMLETS):
            AdminUnit.objects.create(
                generation="2025", level="hamlet", code=f"{code}-h{h + 1}", kind="ap", name=hamlet,
                short_name=hamlet, name_folded=fold(hamlet), parent=commune, path=f"{commune.path}h{h + 1}/",
                area_type=commune.area_type, source="bench")
    user, created = User.objects.get_or_create(username=USERNAME)
    if created:
        user.set_unusable_password()
        user.save()
        RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN, unit=province, unit_path=province.path)


def empty_registry() -> None:
    """Each run starts from an empty registry: households (members, classifications, batch lists cascade), import
    jobs and audit entries (an import writes one per household)."""
    from django.db import connection

    from giamngheo.core.models import AuditEntry
    from giamngheo.households.models import Household
    from giamngheo.imports.models import ImportedHousehold, ImportJob

    tables = [ImportedHousehold._meta.db_table, ImportJob._meta.db_table, Household._meta.db_table,
              AuditEntry._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute("VACUUM ANALYZE")  # a truncated table's statistics would otherwise be those of a full one


# --- the reference ------------------------------------------------------------------------------------------------

def reference(path: Path) -> int:
    """python-calamine rows + psycopg COPY into plain text tables; prints its own phase times as JSON."""
    started = time.perf_counter()
    import psycopg
    from python_calamine import CalamineWorkbook

    url = os.environ["GIAMNGHEO_DATABASE_URL"]
    read_s = copy_s = 0.0
    counts = {}
    with psycopg.connect(url) as conn:
        workbook = CalamineWorkbook.from_path(str(path))
        for table, name in zip(REFERENCE_TABLES, workbook.sheet_names[:2], strict=True):
            start = time.perf_counter()
            rows = iter(workbook.get_sheet_by_name(name).iter_rows())
            header = next(rows)
            read_s += time.perf_counter() - start
            with conn.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"CREATE TABLE {table} ({', '.join(f'c{i} text' for i in range(len(header)))})")
                written = 0
                with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    while True:
                        start = time.perf_counter()
                        chunk = [row for _n, row in zip(range(CHUNK), rows)]  # noqa: B905 (rows is shorter)
                        read_s += time.perf_counter() - start
                        if not chunk:
                            break
                        start = time.perf_counter()
                        for row in chunk:
                            copy.write_row(row)
                        copy_s += time.perf_counter() - start
                        written += len(chunk)
                start = time.perf_counter()
            conn.commit()
            copy_s += time.perf_counter() - start
            counts[table] = written
        workbook.close()
    print(json.dumps({"read": round(read_s, 3), "copy": round(copy_s, 3), "rows": counts,
                      "in_process_wall": round(time.perf_counter() - started, 3)}))
    return 0


# --- timing -------------------------------------------------------------------------------------------------------

def timed(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall, user and system seconds and peak RSS (MB) of a command run as its own process, and its stdout."""
    completed = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False,
                               cwd=ROOT, env=env)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit(f"command failed ({completed.returncode}): {' '.join(command)}")
    err = completed.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    user = re.search(r"User time \(seconds\): ([\d.]+)", err)
    system = re.search(r"System time \(seconds\): ([\d.]+)", err)
    assert wall and rss and user and system, err
    return {"wall": int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3)),
            "user": float(user.group(1)), "sys": float(system.group(1)), "rss_mb": int(rss.group(1)) / 1024,
            "stdout": completed.stdout}


def last_json(stdout: str) -> dict[str, Any]:
    line = [x for x in stdout.splitlines() if x.startswith("{")][-1]
    return json.loads(line)  # type: ignore[no-any-return]


def summary_row(label: str, samples: list[dict[str, Any]]) -> str:
    def both(key: str, fmt: str) -> str:
        values = [s[key] for s in samples]
        return f"{format(statistics.median(values), fmt)} / {format(min(values), fmt)}"

    return (f"| {label} | {both('wall', '.1f')} | {both('user', '.1f')} | {both('sys', '.1f')} | "
            f"{both('rss_mb', ',.0f')} |")


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "reference":  # the reference process: no Django
        return reference(Path(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cli", action="store_true", help="also time `giamngheo import households … --commit --json`")
    parser.add_argument("--tracemalloc", action="store_true", help="Python-object peak per phase (slower)")
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")
    # Production settings (no query log kept by DEBUG); the key only signs nothing here.
    os.environ.setdefault("GIAMNGHEO_SECRET_KEY", "bench-imports-not-a-secret")
    import django

    django.setup()
    from django.db import connection

    import giamngheo

    print(f"code: {Path(giamngheo.__file__).parent}")
    load = os.getloadavg()[0]
    path, seconds = generate(args.households, args.seed, args.communes)
    size_mb = path.stat().st_size / 2**20
    print(f"workbook {path.relative_to(ROOT)} ({size_mb:,.1f} MB): "
          + (f"generated in {seconds:.0f} s (load {load:.2f})" if seconds else "cached"))
    if args.generate_only:
        return 0
    if connection.vendor != "postgresql":
        print("bench/imports.py needs PostgreSQL: set GIAMNGHEO_DATABASE_URL (or use scripts/pg-throwaway)")
        return 2
    prepare_database(args.communes)
    var_dir = Path(tempfile.mkdtemp(prefix="bench-imports-var-"))
    env = {**os.environ, "GIAMNGHEO_VAR_DIR": str(var_dir)}
    driver = [PYTHON, str(HERE / "import_driver.py"), str(path), "--user", USERNAME]
    if args.tracemalloc:
        driver.append("--tracemalloc")
    # The console script's own code, run so that this checkout's giamngheo is the one imported (cwd = ROOT).
    cli = [PYTHON, "-c", "import sys; from giamngheo.cli import main; sys.argv[0] = 'giamngheo'; sys.exit(main())",
           "import", "households", str(path), "--user", USERNAME, "--commit", "--json"]
    processes: dict[str, list[dict[str, Any]]] = {"import": [], "reference": []}
    if args.cli:
        processes["import (CLI)"] = []
    phase_runs: list[dict[str, Any]] = []
    reference_runs: list[dict[str, Any]] = []
    rows_written = 0
    print("\n| run | load | process | wall s | user s | sys s | peak RSS MB |\n|---|---|---|---|---|---|---|")
    try:
        for run in range(1, args.runs + 1):
            plan: list[tuple[str, list[str]]] = [("import", driver), ("reference", [PYTHON, __file__, "reference",
                                                                                  str(path)])]
            if args.cli:
                plan.append(("import (CLI)", cli))
            for label, command in plan:
                empty_registry()
                connection.close()  # no idle transaction of ours while the child writes
                shutil.rmtree(var_dir, ignore_errors=True)
                var_dir.mkdir()
                load = os.getloadavg()[0]
                sample = timed(command, env)
                processes[label].append(sample)
                if label == "import":
                    out = last_json(sample["stdout"])
                    phase_runs.append(out["phases"])
                    rows_written = out["summary"]["households"]["new"] + out["summary"]["members"]["new"]
                elif label == "reference":
                    reference_runs.append(last_json(sample["stdout"]))
                elif not last_json(sample["stdout"]).get("committed"):
                    raise SystemExit("the command did not commit")
                print(f"| {run} | {load:.2f} | {label} | {sample['wall']:.1f} | {sample['user']:.1f} | "
                      f"{sample['sys']:.1f} | {sample['rss_mb']:,.0f} |", flush=True)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)

    print(f"\n{args.households:,} households, {rows_written:,} rows (households + members); median / min of "
          f"{args.runs} run(s)\n")
    print("| process | wall s | user s | sys s | peak RSS MB |\n|---|---|---|---|---|")
    for label, samples in processes.items():
        print(summary_row(label, samples))
    names = ["startup", "upload", "read", "validation", "classify", "write", "store", "audit", "commit"]
    print("\nImport phases (wall s inside the process, median / min; peak RSS MB after the phase, max):\n")
    print("| phase | wall s | RSS at end MB | peak so far MB |" + (" Python peak MB |" if args.tracemalloc else "")
          + "\n|---|---|---|---|" + ("---|" if args.tracemalloc else ""))
    for name in names:
        got = [p[name] for p in phase_runs if name in p]
        if not got:
            continue
        walls = [g["wall"] for g in got]
        line = (f"| {name} | {statistics.median(walls):.2f} / {min(walls):.2f} | "
                f"{max(g['rss_mb'] for g in got):,.0f} | {max(g['peak_mb'] for g in got):,.0f} |")
        if args.tracemalloc:
            line += f" {max(g.get('python_peak_mb', 0) for g in got):,.0f} |"
        print(line)
    med = statistics.median
    read = med([p["read"]["wall"] for p in phase_runs])
    validate_only = med([p["validation"]["wall"] - p["read"]["wall"] for p in phase_runs])
    write = med([p["write"]["wall"] for p in phase_runs])
    # Classification = the engine (``classify``) + storing its rows (``store``, a phase of its own since 1b6562d).
    classify = med([p["classify"]["wall"] + p.get("store", {"wall": 0.0})["wall"] for p in phase_runs])
    ref_read = med([r["read"] for r in reference_runs])
    ref_copy = med([r["copy"] for r in reference_runs])
    ref_rows = sum(reference_runs[0]["rows"].values())
    import_wall = med([s["wall"] for s in processes["import"]])
    ref_wall = med([s["wall"] for s in processes["reference"]])
    print(f"\nread {read:.1f} s · validate (without read) {validate_only:.1f} s · write {write:.1f} s · "
          f"classify + store {classify:.1f} s")
    print(f"reference: calamine rows {ref_read:.1f} s, COPY {ref_copy:.1f} s of {ref_rows:,} rows "
          f"({ref_rows / ref_copy:,.0f} rows/s)")
    print(f"end to end: import {import_wall:.1f} s / reference {ref_wall:.1f} s = {import_wall / ref_wall:.2f}× "
          f"(target < 60 s at 100,000 households: {'met' if import_wall < 60 else 'NOT met'})")
    print(f"write phase: {rows_written / write:,.0f} rows/s against COPY {ref_rows / ref_copy:,.0f} rows/s = "
          f"{(rows_written / write) / (ref_rows / ref_copy):.2f}× (target ≥ 250,000 rows/s: "
          f"{'met' if rows_written / write >= 250_000 else 'NOT met'})")
    print(f"read: import {read:.1f} s / calamine rows {ref_read:.1f} s = {read / ref_read:.2f}×")
    peak = max(s["rss_mb"] for s in processes["import"])
    print(f"peak RSS of the import: {peak:,.0f} MB (target < 2,048 MB at 1,000,000 households)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
