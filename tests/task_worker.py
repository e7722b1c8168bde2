"""The ``task_worker`` fixture: the real task queue, worked by a thread, for the tests that need it.

Ordinary tests run every task inline (tests/settings.py: ImmediateBackend). A test that asks for
``task_worker`` gets the production backend instead (``giamngheo.settings.TASKS``: a task is a row in the
test database) and django-tasks-db's own worker loop — the one ``giamngheo worker`` runs — in a daemon
thread, stopped when the test ends.

``task_worker -> TaskWorker``
    ``task_worker.wait(result, timeout=10.0) -> TaskResult`` returns once the task has finished (succeeded or
    failed), refreshed; the test fails after ``timeout`` seconds, or at once if the worker thread died.
    ``task_worker.wait_for_all(timeout=10.0)`` returns once no task is ready to run or running — for a test
    whose task was enqueued by the app (a browser test clicking "Nhập"), not by the test itself.
    ``task_worker.worker_id`` is recorded in ``result.worker_ids``.

Example::

    def test_import_runs_in_the_background(task_worker):
        result = task_worker.wait(households_import.enqueue(upload_id=upload.pk))
        assert result.status == TaskResultStatus.SUCCESSFUL

The test becomes transactional (the fixture asks for ``transactional_db``, as ``live_server`` does): the
worker reads only committed rows, and the tables are flushed afterwards. Which connection the thread uses:

- PostgreSQL (or an SQLite file): its own, to the test database, closed when the worker stops — before the
  tables are flushed and the database dropped, which an open session would block. The thread works the queue
  all the time, concurrently with the test and the live server, as a production worker does.
- In-memory SQLite (the default test database): there is one database per connection, so the thread uses the
  test's own connection, exactly as ``live_server``'s thread does (Django's ``LiveServerThread`` and its
  ``connections_override``). One connection has one transaction state, and a worker claiming a task while the
  test writes a row breaks both ("cannot commit transaction - SQL statements in progress"; seen in the first
  version of this fixture). So here the thread works the queue only while the test thread waits in ``wait``
  or ``wait_for_all``, touching no database until the queue is empty. Live-server request threads are not
  paused: a browser test should wait on the worker between page actions, with no page left polling the
  server meanwhile, or run its waiting part on PostgreSQL.

Switching backends: django_tasks caches one backend per alias in ``task_backends`` (thread- and
context-local); ``override_settings(TASKS=...)`` sends ``setting_changed``, on which django_tasks empties that
cache, so the test thread and the worker thread both build the database backend afresh — and the inline
backend again when the override ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.test import override_settings
from django_tasks import TaskResult
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

import giamngheo.settings as production_settings

T = TypeVar("T")

# How often the thread looks at an empty queue and the test at an unfinished task: short, so a test waits
# about as long as its task runs.
POLL_SECONDS = 0.02


class TaskWorker:
    """One worker thread over the test database; ``start`` and ``stop`` are the fixture's business."""

    worker_id = "test-worker"

    def __init__(self) -> None:
        self._shared_connections: dict[str, BaseDatabaseWrapper] = {
            conn.alias: conn for conn in connections.all() if isinstance(conn, SQLiteWrapper) and conn.is_in_memory_db()
        }
        self.shares_connection = bool(self._shared_connections)
        self._stopping = threading.Event()
        self._drain_asked = threading.Event()
        self._drained = threading.Event()
        # Shared connection: one batch pass per drain, each a fresh Worker (batch mode returns when the queue
        # is empty). Own connection: one Worker looping until stop() clears its `running` flag.
        self._worker = self._new_worker(batch=self.shares_connection)
        self._thread = threading.Thread(target=self._run, name="task-worker", daemon=True)
        self.error: BaseException | None = None

    def _new_worker(self, *, batch: bool) -> Worker:
        return Worker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=POLL_SECONDS,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
        )

    def _run(self) -> None:
        # As LiveServerThread.run: this thread's connection handler hands out the test thread's connection.
        for alias, conn in self._shared_connections.items():
            connections[alias] = conn
        try:
            # Worker.run, not the command: the command installs signal handlers, which only the main thread may.
            if not self.shares_connection:
                self._worker.run()
            else:
                while not self._stopping.is_set():
                    if self._drain_asked.wait(POLL_SECONDS):
                        self._drain_asked.clear()
                        self._new_worker(batch=True).run()
                        self._drained.set()
        except BaseException as exc:  # reported by wait() and at teardown: a dead worker must fail the test
            self.error = exc
        finally:
            self._drained.set()  # a test thread waiting for a drain learns of the error at once
            # Closes this thread's own connections (PostgreSQL); a shared in-memory SQLite one is never closed.
            connections.close_all()

    def start(self) -> None:
        for conn in self._shared_connections.values():
            conn.inc_thread_sharing()
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        # The loop checks these between tasks and after each pause, so a running task is let finish.
        self._stopping.set()
        self._worker.running = False
        self._thread.join(timeout)
        for conn in self._shared_connections.values():
            conn.dec_thread_sharing()
        if self._thread.is_alive():
            pytest.fail(f"the task worker thread did not stop within {timeout} s")

    def _check_alive(self) -> None:
        if self.error is not None:
            pytest.fail(f"the task worker thread died: {self.error!r}")

    def _drain(self, deadline: float) -> None:
        """Shared connection: let the thread run every ready task while this thread stays off the database."""
        self._drained.clear()
        self._drain_asked.set()
        if not self._drained.wait(max(0.0, deadline - time.monotonic())):
            pytest.fail("the task worker did not empty the queue in time")
        self._check_alive()

    def wait(self, result: TaskResult[T], *, timeout: float = 10.0) -> TaskResult[T]:
        deadline = time.monotonic() + timeout
        while True:
            if self.shares_connection:
                self._drain(deadline)
            result.refresh()
            if result.is_finished:
                return result
            self._check_alive()
            if time.monotonic() > deadline:
                pytest.fail(f"task {result.task.module_path} still {result.status} after {timeout} s")
            time.sleep(POLL_SECONDS)

    def wait_for_all(self, *, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.shares_connection:
                self._drain(deadline)
            pending = DBTaskResult.objects.ready() | DBTaskResult.objects.running()
            if not pending.exists():
                return
            self._check_alive()
            if time.monotonic() > deadline:
                pytest.fail(f"{pending.count()} task(s) still queued or running after {timeout} s")
            time.sleep(POLL_SECONDS)


@pytest.fixture
def task_worker(transactional_db: Any) -> Iterator[TaskWorker]:
    with override_settings(TASKS=production_settings.TASKS):
        worker = TaskWorker()
        worker.start()
        try:
            yield worker
        finally:
            worker.stop()
    if worker.error is not None:
        pytest.fail(f"the task worker thread died: {worker.error!r}")
