"""Load test: officers in review season against gunicorn on PostgreSQL, all on this machine (issue 11, item 6).

    .venv/bin/python bench/load.py                                   # 100 officers, 5 minutes, 40,000 households
    .venv/bin/python bench/load.py --users 20 --duration 30s --seed-size 3000    # a short run while developing
    .venv/bin/python bench/load.py --keep                            # leave the cluster (and the run's files)

One command does everything, on loopback only, and downloads nothing:

1. a throwaway PostgreSQL cluster in a fresh directory under /tmp (as ``scripts/pg-throwaway`` makes one, whose
   ``--bindir`` finds the server binaries): unix socket only, no TCP port; production durability (fsync and
   synchronous commit on, unlike the test cluster); ``--keep`` leaves it (and prints how to start it again);
2. ``giamngheo migrate``, then the demo province (``demo_build``: Vĩnh Long's five demo communes, ``--seed-size``
   households with members, classified, 2022–2025 review history), the 2026 periodic review opened in every
   commune (the demo opens it in one), and the officer accounts: commune officers spread evenly over the five
   communes and a few province users (no district level exists since July 2025), one password set directly
   (hashed once with argon2 and shared). Each commune officer gets its own households and review cases (its
   hamlets' share: officers do not survey each other's cases), plus one "hot" household per commune that all
   its officers edit now and then, so that saves collide;
3. gunicorn (``gunicorn giamngheo.wsgi``) on 127.0.0.1 at a free port, debug off, with the production
   settings (secret key, allowed hosts; no SSL redirect or HSTS on plain-HTTP loopback);
4. locust, headless, bounded in time (``bench/load_locustfile.py``: log-in through the form, then search,
   open, survey, save, classify, edit, movements with think time), ``--csv`` into the run directory;
5. the report: per request type count, failures, median, p95, p99, max (ms) and requests/s; the CPU time
   (user/system) of the gunicorn workers, of PostgreSQL and of locust over the run and their peak RSS; the
   lost-update check (every household version step is a save some officer was told succeeded). Exit status 1
   when any request failed, any p95 is 500 ms or more, or an update was lost.

``--json FILE`` writes every figure. The machine's cores and load average are printed first: the load test
shares the two cores with everything else running.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
P95_LIMIT_MS = 500.0


# --- the seed (run as ``bench/load.py seed PLAN``, in the cluster's environment) ---------------------------------


def seed(plan_path: Path, *, households: int, users: int) -> None:
    """Fill the database and write the plan (accounts and each officer's work) as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db.models import Sum

    from giamngheo.accounts.models import RoleGrant, User
    from giamngheo.accounts.roles import Role
    from giamngheo.demo.build import demo_build
    from giamngheo.demo.places import COMMUNES, PROVINCE_CODE
    from giamngheo.geo.models import AdminUnit
    from giamngheo.households.models import Household
    from giamngheo.reviews import services
    from giamngheo.reviews.models import ReviewCase, ReviewCycle
    from giamngheo.reviews.states import CaseState

    started = time.monotonic()
    demo_build(households=households, progress=lambda message: print(f"  {message}", flush=True))
    print(f"  demo built in {time.monotonic() - started:.0f} s", flush=True)
    province = AdminUnit.objects.get(level="province", code=PROVINCE_CODE, valid_to__isnull=True)
    communes = [AdminUnit.objects.get(level="commune", code=c.code, parent=province) for c in COMMUNES]
    admin = User.objects.get(username="quantri")
    for commune in communes:
        if not ReviewCycle.objects.filter(commune=commune, year=2026, kind="periodic").exists():
            services.review_cycle_open(actor=admin, commune=commune, year=2026)

    password = secrets.token_urlsafe(12)
    hashed = make_password(password)  # once: argon2 costs ~0.3 s a hash
    province_users = max(1, round(users * 0.06))
    commune_users = max(1, users - province_users)
    officers: list[dict[str, Any]] = []
    grants = []
    for i in range(users):
        commune_officer = i < commune_users
        unit = communes[i % len(communes)] if commune_officer else province
        role = Role.COMMUNE_OFFICER if commune_officer else (
            Role.PROVINCE_OFFICER if i % 2 == 0 else Role.PROVINCE_VIEWER)
        user = User.objects.create(username=f"bench-{i + 1:03d}", password=hashed, first_name=f"Cán bộ {i + 1}")
        grants.append(RoleGrant(user=user, role=role, unit=unit, unit_path=unit.path))
        officers.append({"username": user.username, "role": str(role), "unit": unit.code})
    RoleGrant.objects.bulk_create(grants)

    surveyable = (CaseState.LISTED, CaseState.SURVEYED, CaseState.CLASSIFIED)
    for commune in communes:
        mine = [o for o in officers[:commune_users] if o["unit"] == commune.code]
        if not mine:
            continue
        cases = list(ReviewCase.objects.filter(cycle__commune=commune, cycle__year=2026, cycle__kind="periodic",
                                               state__in=surveyable).order_by("pk")
                     .values_list("pk", "household__code", "household__head_name"))
        on_cases = {code for _pk, code, _name in cases}
        completable = completable_cases([pk for pk, _code, _name in cases])
        rest = list(Household.objects.filter(commune=commune, deleted_at__isnull=True).exclude(code__in=on_cases)
                    .order_by("pk").values_list("code", "head_name")[: 40 * len(mine) + 1])
        hot = rest.pop(0)[0] if rest else None
        for n, officer in enumerate(mine):
            own_cases = cases[n::len(mine)]
            own_rest = rest[n::len(mine)][:40]
            officer["cases"] = [{"pk": pk, "code": code, "completable": pk in completable}
                                for pk, code, _name in own_cases]
            officer["households"] = [code for _pk, code, _name in own_cases] + [code for code, _name in own_rest]
            officer["names"] = [name for *_x, name in own_cases] + [name for _code, name in own_rest]
            officer["hot"] = hot
        print(f"  commune {commune.code}: {len(mine)} officers, {len(cases)} open review cases", flush=True)
    sample = list(Household.objects.filter(deleted_at__isnull=True).order_by("?")
                  .values_list("code", "head_name")[:200])
    for officer in officers[commune_users:]:
        officer.update(cases=[], households=[c for c, _n in sample], names=[n for _c, n in sample], hot=None)
    plan = {
        "password": password,
        "officers": officers,
        "households": Household.objects.filter(deleted_at__isnull=True).count(),
        "cases": ReviewCase.objects.filter(cycle__year=2026).count(),
        "version_sum": Household.objects.aggregate(s=Sum("version"))["s"],
    }
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    print(f"  seed done in {time.monotonic() - started:.0f} s: {plan['households']:,} households, "
          f"{plan['cases']:,} review cases of 2026, {users} accounts", flush=True)


def completable_cases(pks: list[int]) -> set[int]:
    """The cases whose survey can be completed from the registry's answers as they are (the demo leaves about
    1% of answers unanswered, as real data does): the service's own completeness check, nothing saved. On the
    others the simulated surveyor saves drafts, as a real one does until the missing answer is found."""
    from giamngheo.households.models import Household
    from giamngheo.households.records import household_to_record
    from giamngheo.reviews.models import ReviewCase
    from giamngheo.reviews.services.cases import _completion_errors

    today = dt.date.today().isoformat()
    found = set()
    for case in ReviewCase.objects.filter(pk__in=pks).select_related("cycle", "household"):
        household = Household.objects.select_related("commune__parent", "hamlet").prefetch_related("members").get(
            pk=case.household_id)
        data = {**household_to_record(household, show_citizen_ids=True), "reference_date": today,
                "year": case.cycle.year}
        if not _completion_errors(case, data, date_confirmed=False):
            found.add(case.pk)
    return found


def version_sum() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")
    import django

    django.setup()
    from django.db.models import Sum

    from giamngheo.households.models import Household

    return int(Household.objects.aggregate(s=Sum("version"))["s"] or 0)


# --- the cluster --------------------------------------------------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster in ``work``: unix socket only, production durability, removed unless kept."""

    def __init__(self, work: Path, *, max_connections: int) -> None:
        found = subprocess.run([str(ROOT / "scripts/pg-throwaway"), "--bindir"], capture_output=True, text=True,
                               check=False)
        if found.returncode != 0:
            raise SystemExit("no PostgreSQL server binaries (initdb, pg_ctl): see scripts/pg-throwaway")
        self.bindir = Path(found.stdout.strip())
        self.work, self.data, self.sock = work, work / "data", work / "sock"
        self.sock.mkdir(parents=True)
        self.as_server: list[str] = []
        if os.geteuid() == 0:  # initdb and pg_ctl refuse root
            self.as_server = ["runuser", "-u", "postgres", "--"]
            shutil.chown(work, "postgres")
            shutil.chown(self.sock, "postgres")
        self.options = (f"-c listen_addresses='' -c unix_socket_directories='{self.sock}' -c port=5432 "
                        f"-c max_connections={max_connections} -c shared_buffers=256MB")
        locale = ["--no-locale"]
        locales = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout
        if re.search(r"^c\.utf-?8$", locales, re.I | re.M):
            locale = ["--lc-collate=C", "--lc-ctype=C.UTF-8"]
        subprocess.run([*self.as_server, str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "--encoding=UTF8", *locale], check=True, capture_output=True, cwd=work)
        self.start()
        subprocess.run([str(self.bindir / "createdb"), "-h", str(self.sock), "-U", "postgres", "giamngheo"],
                       check=True)
        self.url = f"postgres://postgres@/giamngheo?host={self.sock}"

    def start(self) -> None:
        subprocess.run([*self.as_server, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l",
                        str(self.work / "server.log"), "-w", "-t", "60", "-o", self.options, "start"],
                       check=True, capture_output=True, cwd=self.work)

    def stop(self) -> None:
        subprocess.run([*self.as_server, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                        "stop"], check=False, capture_output=True, cwd=self.work)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])


# --- measuring ----------------------------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """CPU time and peak RSS of process trees (gunicorn workers, PostgreSQL, locust), sampled every second."""

    def __init__(self, roots: dict[str, int]) -> None:
        super().__init__(daemon=True)
        import psutil

        self.psutil = psutil
        self.roots = roots
        self.stop_event = threading.Event()
        self.first: dict[str, dict[int, tuple[float, float]]] = {k: {} for k in roots}
        self.last: dict[str, dict[int, tuple[float, float]]] = {k: {} for k in roots}
        self.peak_rss: dict[str, int] = dict.fromkeys(roots, 0)
        self.peak_process_rss: dict[str, int] = dict.fromkeys(roots, 0)

    def _tree(self, pid: int) -> list[Any]:
        try:
            root = self.psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except self.psutil.NoSuchProcess:
            return []

    def sample(self) -> None:
        for name, pid in self.roots.items():
            total = 0
            for process in self._tree(pid):
                try:
                    times, rss = process.cpu_times(), process.memory_info().rss
                except self.psutil.NoSuchProcess:
                    continue
                self.first[name].setdefault(process.pid, (times.user, times.system))
                self.last[name][process.pid] = (times.user, times.system)
                total += rss
                self.peak_process_rss[name] = max(self.peak_process_rss[name], rss)
            self.peak_rss[name] = max(self.peak_rss[name], total)

    def run(self) -> None:
        while not self.stop_event.wait(1.0):
            self.sample()

    def cpu(self, name: str) -> tuple[float, float]:
        user = sum(self.last[name][p][0] - self.first[name][p][0] for p in self.last[name])
        system = sum(self.last[name][p][1] - self.first[name][p][1] for p in self.last[name])
        return user, system


def renice(pid: int, niceness: int) -> None:
    """Set the niceness of a process and its children (lowering it needs root), and of their scheduler
    autogroup: with ``kernel.sched_autogroup_enabled`` (the default on desktop and many server kernels) every
    session is scheduled as one group and a process's niceness counts only inside its group, so jobs started from
    other sessions still get an equal share of the cores whatever the process niceness (seen on the shared 2-core
    machine, docs/performance.md)."""
    import psutil

    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            process.nice(niceness)
            Path(f"/proc/{process.pid}/autogroup").write_text(str(niceness))
        except (psutil.NoSuchProcess, OSError):
            continue


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[Any], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn ended with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start listening")


def warm_up(port: int, parallel: int) -> None:
    """A server in service has loaded its URLs and templates: a few rounds of log-in pages in parallel reach
    every worker before the measured run."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def fetch(_n: int) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/tai-khoan/dang-nhap/", timeout=60) as page:  # noqa: S310
            return int(page.status)

    with ThreadPoolExecutor(parallel) as pool:
        statuses = list(pool.map(fetch, range(parallel * 4)))
    if set(statuses) != {200}:
        raise SystemExit(f"warm-up: the log-in page answered {sorted(set(statuses))}")


def seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([smh]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError("a duration such as 300, 30s, 5m or 1h")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def read_stats(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            def number(key: str, row: dict[str, str] = row) -> float:
                value = row.get(key) or "0"
                return float(value) if value not in ("N/A", "") else 0.0

            rows.append({
                "type": row["Type"], "name": row["Name"], "count": int(number("Request Count")),
                "failures": int(number("Failure Count")), "median_ms": number("Median Response Time"),
                "p95_ms": number("95%"), "p99_ms": number("99%"), "max_ms": number("Max Response Time"),
                "rps": number("Requests/s"),
            })
    return rows


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return {"cores": os.cpu_count(), "cpu": model, "ram_gb": round(mem / 1024 / 1024, 1),
            "load_average": os.getloadavg()}


# --- the run ------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100, help="simulated officers (default 100)")
    parser.add_argument("--duration", type=seconds, default=300, help="run time after start (default 5m)")
    parser.add_argument("--spawn-rate", type=float, default=2.0,
                        help="officers signing in per second (default 2: 100 officers in 50 s)")
    parser.add_argument("--seed-size", type=int, default=40_000, help="households of the demo province")
    parser.add_argument("--think", default="5,15", help="think time between requests, min,max seconds (default 5,15)")
    parser.add_argument("--workers", type=int, default=6, help="gunicorn worker processes (default 6)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--keep", action="store_true", help="leave the cluster and the run directory")
    parser.add_argument("--nice", type=int, default=0,
                        help="run PostgreSQL, gunicorn and locust at this niceness (e.g. -10, as root) so that other "
                             "jobs on a shared machine do not take the server's CPU; default 0 (unchanged)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()
    if not 1 <= args.users <= 1000 or not 5 <= args.duration <= 3600 or not 100 <= args.seed_size <= 200_000:
        parser.error("--users 1..1000, --duration 5s..1h, --seed-size 100..200000")

    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, {info['ram_gb']} GB; load average "
          f"{info['load_average'][0]:.2f} {info['load_average'][1]:.2f} {info['load_average'][2]:.2f}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="giamngheo-load."))
    print(f"run directory: {work}", flush=True)
    cluster = Cluster(work, max_connections=args.workers * args.threads + 20)
    if args.nice:
        renice(cluster.postmaster_pid(), args.nice)  # its backends, forked later, inherit it
    env = {**os.environ, "GIAMNGHEO_DATABASE_URL": cluster.url, "GIAMNGHEO_DEBUG": "0",
           "GIAMNGHEO_SECRET_KEY": secrets.token_urlsafe(40), "GIAMNGHEO_ALLOWED_HOSTS": "127.0.0.1",
           "GIAMNGHEO_SSL_REDIRECT": "0", "GIAMNGHEO_HSTS_SECONDS": "0", "GIAMNGHEO_VAR_DIR": str(work / "var"),
           "DJANGO_SETTINGS_MODULE": "giamngheo.settings", "PYTHONPATH": str(ROOT)}
    gunicorn: subprocess.Popen[Any] | None = None
    status = 1
    try:
        started = time.monotonic()
        subprocess.run([str(VENV_BIN / "giamngheo"), "migrate", "--no-input", "-v", "0"], env=env, check=True,
                       cwd=ROOT)
        print(f"migrated in {time.monotonic() - started:.0f} s; seeding {args.seed_size:,} households …", flush=True)
        plan_path = work / "plan.json"
        subprocess.run([sys.executable, __file__, "seed", str(plan_path), str(args.seed_size), str(args.users)],
                       env=env, check=True, cwd=ROOT)
        plan = json.loads(plan_path.read_text(encoding="utf-8"))

        port = free_port()
        command = [str(VENV_BIN / "gunicorn"), "giamngheo.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
                   "--timeout", "60", "--keep-alive", "75", "--no-control-socket",
                   "--error-logfile", str(work / "gunicorn.log"), "--log-level", "warning"]
        gunicorn = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603
        wait_for_port(port, gunicorn)
        if args.nice:
            renice(gunicorn.pid, args.nice)
        warm_up(port, args.workers * args.threads)
        print(f"gunicorn on 127.0.0.1:{port}: {args.workers} workers × {args.threads} threads (gthread)", flush=True)

        locust_env = {**env, "GIAMNGHEO_LOAD_PLAN": str(plan_path), "GIAMNGHEO_LOAD_THINK": args.think}
        locust_cmd = [str(VENV_BIN / "locust"), "-f", str(ROOT / "bench/load_locustfile.py"), "--headless",
                      "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
                      "--host", f"http://127.0.0.1:{port}", "--csv", str(work / "locust"), "--only-summary",
                      "--stop-timeout", "30", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
        print(f"locust: {args.users} officers, {args.spawn_rate}/s, {args.duration} s, think time {args.think} s",
              flush=True)
        locust = subprocess.Popen(locust_cmd, env=locust_env, cwd=ROOT, stdout=subprocess.PIPE,  # noqa: S603
                                  stderr=subprocess.STDOUT, text=True)
        if args.nice:
            renice(locust.pid, args.nice)
        sampler = Sampler({"gunicorn": gunicorn.pid, "postgres": cluster.postmaster_pid(), "locust": locust.pid})
        sampler.sample()
        sampler.start()
        run_started = time.monotonic()
        output = locust.communicate()[0]
        wall = time.monotonic() - run_started
        sampler.stop_event.set()
        sampler.join()
        failures_text = ""
        failures_csv = work / "locust_failures.csv"
        if failures_csv.exists():
            failures_text = failures_csv.read_text(encoding="utf-8")
        rows = read_stats(work / "locust_stats.csv")
        after = int(subprocess.run([sys.executable, __file__, "versions"], env=env, check=True, cwd=ROOT,
                                   capture_output=True, text=True).stdout.strip())
        status = report(args, info, plan, rows, sampler, wall, after, failures_text, output, work)
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if args.keep:
            print(f"kept: {work} (cluster stopped; start it with: {' '.join(cluster.as_server)} "
                  f"{cluster.bindir / 'pg_ctl'} -D {cluster.data} -o \"{cluster.options}\" start; "
                  f"then GIAMNGHEO_DATABASE_URL='{cluster.url}')")
            cluster.stop()
        else:
            cluster.stop()
            shutil.rmtree(work, ignore_errors=True)
    return status


def report(args: argparse.Namespace, info: dict[str, Any], plan: dict[str, Any], rows: list[dict[str, Any]],
           sampler: Sampler, wall: float, version_after: int, failures_text: str, output: str, work: Path) -> int:
    requests = [r for r in rows if r["name"] != "Aggregated"]
    total = next((r for r in rows if r["name"] == "Aggregated"), None)
    conflicts = sum(r["count"] - r["failures"] for r in rows if r["name"] == "edit save (409 merge page)")
    print()
    print(f"{'request':<32}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7}{'req/s':>8}  (ms)")
    for r in sorted(requests, key=lambda r: -r["count"]):
        print(f"{r['name'][:31]:<32}{r['count']:>7}{r['failures']:>6}{r['median_ms']:>7.0f}{r['p95_ms']:>7.0f}"
              f"{r['p99_ms']:>7.0f}{r['max_ms']:>7.0f}{r['rps']:>8.2f}")
    if total:
        print(f"{'all requests':<32}{total['count']:>7}{total['failures']:>6}{total['median_ms']:>7.0f}"
              f"{total['p95_ms']:>7.0f}{total['p99_ms']:>7.0f}{total['max_ms']:>7.0f}{total['rps']:>8.2f}")
    print(f"edit saves answered with the 409 merge page: {conflicts}")
    saves = sum(r["count"] - r["failures"] for r in requests if r["name"] in ("edit save", "survey save (complete)"))
    steps = version_after - int(plan["version_sum"])
    # A save answered as won must have moved a version (fewer steps: an update was lost). A few more steps than
    # answers are the saves still in flight when locust stopped its users (at most one per user); more than that
    # would be writes nobody asked for.
    lost = steps < saves or steps > saves + args.users
    print(f"household versions advanced by {steps}; saves reported as won (edits + completed surveys): {saves}"
          + (" — MISMATCH" if lost else " — no update lost"
             + (f" ({steps - saves} more: saves in flight when the run stopped)" if steps > saves else "")))
    cpu = {}
    for name in ("gunicorn", "postgres", "locust"):
        user, system = sampler.cpu(name)
        cpu[name] = {"user_s": round(user, 1), "system_s": round(system, 1),
                     "cores_busy": round((user + system) / wall, 2),
                     "peak_rss_mb": round(sampler.peak_rss[name] / 2**20),
                     "peak_process_rss_mb": round(sampler.peak_process_rss[name] / 2**20)}
        print(f"{name:<9} CPU user {user:7.1f} s  system {system:6.1f} s  ({cpu[name]['cores_busy']:.2f} cores "
              f"over {wall:.0f} s)  peak RSS {cpu[name]['peak_rss_mb']} MB (largest process "
              f"{cpu[name]['peak_process_rss_mb']} MB)")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (at the start: "
          f"{info['load_average'][0]:.2f}); niceness of the server, database and locust: {args.nice}")
    failed = sum(r["failures"] for r in requests)
    slow = [r["name"] for r in requests if r["p95_ms"] >= P95_LIMIT_MS]
    if failed:
        print(f"\n{failed} failed requests:\n{failures_text[:4000]}")
        print(output[-3000:])
    if slow:
        print(f"p95 at or above {P95_LIMIT_MS:.0f} ms: {', '.join(slow)}")
    verdict = "PASS" if not failed and not slow and not lost else "FAIL"
    print(f"\n{verdict}: {failed} failures, {len(slow)} request types with p95 ≥ {P95_LIMIT_MS:.0f} ms, "
          f"{'an update lost' if lost else 'no update lost'}")
    if args.json:
        args.json.write_text(json.dumps({
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                     cwd=ROOT, check=False).stdout.strip(),
            "machine": info, "users": args.users, "duration_s": args.duration, "spawn_rate": args.spawn_rate,
            "think_s": args.think, "workers": args.workers, "threads": args.threads, "nice": args.nice,
            "households": plan["households"], "review_cases_2026": plan["cases"], "wall_s": round(wall, 1),
            "requests": requests, "total": total, "conflicts_409": conflicts, "version_steps": steps,
            "saves_won": saves, "cpu": cpu, "verdict": verdict, "load_average_end": load, "run_directory": str(work),
        }, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "seed":
        seed(Path(sys.argv[2]), households=int(sys.argv[3]), users=int(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "versions":
        print(version_sum())
    else:
        sys.exit(main())
