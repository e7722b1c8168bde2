"""Run simultaneous requests against a file SQLite database, each thread with its own connection, as the
embedded server does. Started by ``test_sqlite_concurrency.py`` in a fresh interpreter so that the
settings' own SQLite options (``giamngheo/settings.py``) apply, not the test database's.

Input (argv[1]): JSON ``[{"user": id, "url": "...", "data": {...}}, ...]``. Output (stdout): JSON
``[{"status": int | None, "error": str | None}, ...]`` in the same order.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from typing import Any


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    jobs = json.loads(sys.argv[1])
    results: list[dict[str, Any]] = [{"status": None, "error": None} for _ in jobs]
    barrier = threading.Barrier(len(jobs))
    user_model = get_user_model()

    # Log in first, one after the other: logging in writes a session, and several threads doing that at once on
    # the file database could hit the lock before the barrier, leaving the others to time out there
    # (BrokenBarrierError) instead of testing the simultaneous posts this worker exists for.
    clients = []
    for job in jobs:
        client = Client()
        client.force_login(user_model.objects.get(pk=job["user"]))
        clients.append(client)
    connection.close()

    def run(index: int, job: dict[str, Any]) -> None:
        try:
            client = clients[index]
            barrier.wait(timeout=60)
            response = client.post(job["url"], job["data"])
            results[index]["status"] = response.status_code
        except Exception:  # noqa: BLE001 — the test reports every failure, whatever its kind
            results[index]["error"] = traceback.format_exc(limit=3)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
