"""Background tasks (docs/adr/0007): inline in ordinary tests, queued and worked with ``task_worker``, and the
``giamngheo worker`` command over the same queue."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.test import override_settings
from django_tasks import TaskResultStatus, task, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

import giamngheo.settings as production_settings
from giamngheo.geo.models import AdminUnit


# Tasks must be module-level functions: the worker imports them by dotted path.
@task()
def add(a: int, b: int) -> int:
    return a + b


@task()
def fail_on_purpose(reason: str) -> None:
    raise ValueError(reason)


@task()
def unit_names_under(path: str) -> list[str]:
    return sorted(AdminUnit.objects.filter(path__startswith=path).values_list("name", flat=True))


@task()
def connection_identity() -> int:
    return id(connections["default"])  # the DatabaseWrapper this thread's handler hands out


def test_ordinary_tests_run_tasks_inline():
    assert isinstance(task_backends["default"], ImmediateBackend)
    result = add.enqueue(2, 3)
    # Finished before enqueue() returned: nothing to wait for, nothing committed.
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5


def test_inline_failure_is_recorded_not_raised():
    result = fail_on_purpose.enqueue("hỏng")
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is ValueError
    assert "hỏng" in result.errors[0].traceback


def test_worker_runs_a_queued_task_and_returns_its_result(task_worker):
    assert isinstance(task_backends["default"], DatabaseBackend)
    result = add.enqueue(20, 22)
    assert result.status == TaskResultStatus.READY  # queued as a row, not run inline
    assert DBTaskResult.objects.filter(id=result.id).exists()

    result = task_worker.wait(result)

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 42
    assert result.worker_ids == [task_worker.worker_id]


def test_worker_records_a_failing_task(task_worker):
    result = task_worker.wait(fail_on_purpose.enqueue("tệp hỏng"))
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is ValueError
    assert "tệp hỏng" in result.errors[0].traceback


def test_worker_reads_the_rows_the_test_wrote(task_worker, unit_tree):
    result = task_worker.wait(unit_names_under.enqueue(unit_tree.commune.path))
    assert result.return_value == sorted(
        [unit_tree.commune.name, unit_tree.hamlet.name, unit_tree.hamlet2.name]
    )


def test_wait_for_all_returns_once_every_queued_task_has_run(task_worker):
    results = [add.enqueue(n, n) for n in range(3)]
    task_worker.wait_for_all()
    for result in results:
        result.refresh()
    assert [r.status for r in results] == [TaskResultStatus.SUCCESSFUL] * 3
    assert [r.return_value for r in results] == [0, 2, 4]


def test_worker_shares_the_in_memory_sqlite_connection_like_the_live_server(task_worker):
    test_connection = connections["default"]
    in_memory = isinstance(test_connection, SQLiteWrapper) and test_connection.is_in_memory_db()
    result = task_worker.wait(connection_identity.enqueue())
    assert task_worker.shares_connection == in_memory
    if in_memory:
        # One in-memory database per connection: a connection of its own would see an empty database.
        assert result.return_value == id(test_connection)
    else:
        assert result.return_value != id(test_connection)


def test_backend_is_inline_again_after_a_task_worker_test():
    # Runs after the task_worker tests in this module: the override ended and the backend cache was reset.
    assert isinstance(task_backends["default"], ImmediateBackend)


@pytest.fixture
def restore_signal_handlers() -> Iterator[None]:
    # db_worker installs its graceful-shutdown handlers in the process that runs it: here, pytest itself.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


# Transactional, as a real worker sees the database: db_worker closes connections it finds inside a transaction
# (close_old_connections), which on PostgreSQL would close the test's own connection in mid-test.
@pytest.mark.django_db(transaction=True)
def test_worker_command_in_batch_mode_runs_what_is_queued_then_exits(restore_signal_handlers):
    with override_settings(TASKS=production_settings.TASKS):
        first, second = add.enqueue(1, 1), add.enqueue(2, 2)
        call_command("worker", "--batch", "--worker-id", "batch-1", verbosity=0)
        for result in (first, second):
            result.refresh()
            assert result.status == TaskResultStatus.SUCCESSFUL
            assert result.worker_ids == ["batch-1"]
        assert [first.return_value, second.return_value] == [2, 4]


@pytest.mark.django_db(transaction=True)
def test_worker_command_names_each_run_by_process_and_host(restore_signal_handlers):
    with override_settings(TASKS=production_settings.TASKS):
        result = add.enqueue(1, 2)
        call_command("worker", "--batch", verbosity=0)
        result.refresh()
    assert result.worker_ids[0].startswith(f"{os.getpid()}@")


def test_worker_command_refuses_a_backend_without_a_queue():
    with pytest.raises(CommandError, match="not a database backend"):
        call_command("worker", "--batch", verbosity=0)
