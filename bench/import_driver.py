"""One household import, start to finish, with the wall time and memory of each phase; run by bench/imports.py.

    .venv/bin/python bench/import_driver.py FILE --user USERNAME [--tracemalloc]

Does what ``giamngheo import households FILE --user U --commit --json`` does (upload → validation → commit, through
``giamngheo.imports.services``, in this process) and prints one JSON object on stdout: the job's counts and, per
phase, its wall seconds, the resident memory when it ended and the process's peak so far. The phases are measured by
wrapping the functions each stage calls (``validate.read_file``, ``commit.write``, ``commit.classify``,
``services._audit_commit``) in this process only: the import code is not changed, and nothing is added to the
command line. ``--tracemalloc`` also reports the peak of Python-object memory per phase (Polars' own buffers are
not seen by tracemalloc: the difference with RSS is native memory).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")

PAGE = os.sysconf("SC_PAGE_SIZE")
phases: dict[str, dict[str, float]] = {}


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * PAGE / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def record(name: str, seconds: float) -> None:
    entry = {"wall": round(seconds, 3), "rss_mb": round(rss_mb(), 1), "peak_mb": round(peak_mb(), 1)}
    if tracemalloc.is_tracing():
        entry["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.reset_peak()
    phases[name] = entry


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            record(name, time.perf_counter() - start)

    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--user", required=True)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from giamngheo.imports import commit, services, validate
    from giamngheo.imports.models import ImportKind, ImportStatus, OnChange

    record("startup", time.perf_counter() - STARTED)
    translation.activate("vi")
    # Wrapped where the stages look them up (module globals), so the measured code is the shipped code.
    # Names of earlier versions too (``classify`` before the engine ran ahead of the write), so that the same
    # bench measures a commit before and after a change; a phase whose function is absent is simply not reported.
    for module, name, phase in ((validate, "read_file", "read"), (commit, "write", "write"),
                                (commit, "classify", "classify"), (commit, "classify_frames", "classify"),
                                (commit, "store_classifications", "store"), (services, "_audit_commit", "audit")):
        if hasattr(module, name):
            setattr(module, name, timed(phase, getattr(module, name)))

    user = get_user_model().objects.get(username=args.user, is_active=True)
    start = time.perf_counter()
    with args.file.open("rb") as handle:
        job = services.import_upload(actor=user, kind=ImportKind.HOUSEHOLDS, file_name=args.file.name,
                                     content=handle, on_change=OnChange.UPDATE)
    record("upload", time.perf_counter() - start)
    start = time.perf_counter()
    job = services.run_validation(job)
    record("validation", time.perf_counter() - start)
    errors = services.read_errors(job)
    out: dict[str, Any] = {"status": job.status, "summary": job.summary, "errors": len(errors),
                           "first_errors": errors[:5], "committed": False}
    if job.status == ImportStatus.READY:
        start = time.perf_counter()
        job = services.start_commit(actor=user, job=job, on_change=OnChange.UPDATE, enqueue=False)
        job = services.run_commit(job)
        record("commit", time.perf_counter() - start)
        out.update(status=job.status, result=job.result, committed=job.status == ImportStatus.COMMITTED,
                   failure=job.failure)
    out["code"] = str(Path(django.apps.apps.get_app_config("imports").path))
    out["in_process_wall"] = round(time.perf_counter() - STARTED, 3)
    out["phases"] = phases
    print(json.dumps(out, ensure_ascii=False, default=str))
    return 0 if out["committed"] else 1


if __name__ == "__main__":
    sys.exit(main())
