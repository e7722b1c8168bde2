"""The app as gunicorn serves it in production (``giamngheo.wsgi``), wrapped for the crash test
(tests/ops/test_crash_during_save.py) so that the server process dies inside a household save's transaction.

Nothing of this is in the product: the wrapper is a WSGI middleware of this test file. While the file named by
``GIAMNGHEO_TEST_CRASH_ARM`` exists, the next POST to a household's edit page runs with a
``connection.execute_wrapper`` that lets the save go through its statements — the household row's UPDATE, the
members, the classification — and, just after the audit entry's INSERT (the last statement before COMMIT), records
what it saw in ``<arm>.fired`` and SIGKILLs its own process: no exception handler, no rollback, no COMMIT.
The arm file is removed first, so the crash happens once.

Run as ``gunicorn --pythonpath tests/ops crash_server:application``.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

django_application = get_wsgi_application()


class KillInsideTheSave:
    def __init__(self, arm: Path) -> None:
        self.arm = arm
        self.writes: list[str] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        statement = sql.lstrip()
        if statement.split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            self.writes.append(statement[:60])
        household_written = any(w.startswith('UPDATE "households_household"') for w in self.writes)
        if household_written and statement.startswith('INSERT INTO "core_auditentry"'):
            self.arm.unlink(missing_ok=True)
            fired = self.arm.with_name(self.arm.name + ".fired")
            with fired.open("w") as out:
                json.dump({"pid": os.getpid(), "in_atomic_block": connection.in_atomic_block,
                           "writes": self.writes}, out)
                out.flush()
                os.fsync(out.fileno())
            os.kill(os.getpid(), signal.SIGKILL)
        return result


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    arm = Path(os.environ.get("GIAMNGHEO_TEST_CRASH_ARM", "/nonexistent"))
    if environ["REQUEST_METHOD"] == "POST" and environ.get("PATH_INFO", "").endswith("/sua/") and arm.exists():
        with connection.execute_wrapper(KillInsideTheSave(arm)):
            return django_application(environ, start_response)
    return django_application(environ, start_response)
