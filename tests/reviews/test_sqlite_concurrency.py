"""The embedded database under simultaneous requests (issue 15, item 2).

The test database is in memory (shared cache), whose locking is not SQLite's file locking; so the data
built here is copied into a file database and a fresh interpreter (``sqlite_worker.py``) with the
production settings fires the requests from several threads at once: live previews and draft saves of
the survey, and a double click on "Cấp giấy chứng nhận". Before WAL + ``transaction_mode=IMMEDIATE`` +
a busy timeout, the losers answered 500 ``OperationalError: database is locked``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from giamngheo.reviews import services

from .conftest import survey
from .test_views import _survey_post

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite locking only"),
]
HOUSEHOLDS = 4


def _recognised_2025_then_open_2026(unit_tree, cast, make_household):
    for i in range(HOUSEHOLDS):
        make_household(unit_tree.hamlet, code=f"H{i}", head=f"Chủ hộ {i}", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    for case in cycle.cases.all():
        case = services.review_case_survey(actor=cast.surveyor, case=case, record=survey("poor"),
                                           expected_version=case.version, complete=True)
        services.review_case_classify(actor=cast.surveyor, case=case)
    services.review_meeting_record(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet,
                                   held_on=dt.date(2025, 10, 1), attendees=10, agreeing=9, chair_name="A",
                                   secretary_name="B")
    services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                              starts_on=dt.date(2025, 10, 2), ends_on=dt.date(2025, 10, 8))
    services.review_cycle_recognise(actor=cast.approver, cycle=cycle, number="1/QĐ-UBND",
                                    signed_on=dt.date(2025, 10, 10), signer_name="C", signer_title="Chủ tịch")
    later = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2026)
    return cycle, list(later.cases.order_by("pk"))


def _run(jobs, tmp_path: Path) -> list[dict]:
    """Copy the test database into a file and run ``jobs`` at once against it."""
    path = tmp_path / "giamngheo.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    env = {**os.environ, "GIAMNGHEO_DATABASE_URL": f"sqlite:///{path}", "GIAMNGHEO_VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "giamngheo.settings"}
    worker = Path(__file__).with_name("sqlite_worker.py")
    done = subprocess.run([sys.executable, str(worker), json.dumps(jobs)], env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=300, check=False, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    return results, path


def test_previews_saves_and_a_double_certificate_click_all_wait_for_the_lock(
        unit_tree, cast, make_household, tmp_path):
    recognised, cases = _recognised_2025_then_open_2026(unit_tree, cast, make_household)
    certificates = {"issued_on": "11/10/2025", "idempotency_key": "double-click-1"}
    jobs = []
    for case in cases:
        jobs.append({"user": cast.surveyor.pk, "url": reverse("reviews:case_preview", args=[case.pk]),
                     "data": _survey_post(case)})
        jobs.append({"user": cast.surveyor.pk, "url": reverse("reviews:case", args=[case.pk]),
                     "data": _survey_post(case)})
    for _ in range(2):
        jobs.append({"user": cast.approver.pk, "url": reverse("reviews:cycle_certificates", args=[recognised.pk]),
                     "data": certificates})
    results, path = _run(jobs, tmp_path)

    failures = [(job["url"], r) for job, r in zip(jobs, results, strict=True) if r["error"] or r["status"] >= 500]
    assert not failures, failures
    previews = [r["status"] for job, r in zip(jobs, results, strict=True) if "xem-truoc" in job["url"]]
    saves = [r["status"] for job, r in zip(jobs, results, strict=True) if "/ho-so/" in job["url"]
             and "xem-truoc" not in job["url"]]
    assert previews == [200] * HOUSEHOLDS and saves == [302] * HOUSEHOLDS
    with sqlite3.connect(path) as db:
        numbers = [n for (n,) in db.execute("SELECT number FROM reviews_certificate ORDER BY seq")]
        drafts = db.execute("SELECT COUNT(*) FROM reviews_reviewcase WHERE cycle_id != ? AND survey_record != '{}'",
                            (recognised.pk,)).fetchone()[0]
    assert numbers == [f"{i}/GCN-HN.HCN" for i in range(1, HOUSEHOLDS + 1)]
    assert drafts == HOUSEHOLDS
