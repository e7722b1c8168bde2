"""A test that hangs ends the run at once, naming itself, instead of stalling CI until its time limit.

Twice a CI run stalled in a test (once in the browser tests, once in the suite of issue 10) and was killed after
90 minutes; all that was left was the tail of a stack dump, with no test name in it. A blocked C call (a browser
pipe, a Polars thread pool) cannot be interrupted from Python, so the watchdog does what faulthandler's timeout
did, then exits: every thread's stack, then the test's id as the last lines of the log, and, when
``GIAMNGHEO_HUNG_FILE`` is set (``scripts/test-all`` sets it), the id in that file for the run's summary.

``GIAMNGHEO_TEST_DEADLINE`` (seconds, default 300) is how long one test (set-up and teardown included) may take.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
from collections.abc import Iterator

import pytest

DEFAULT_DEADLINE = 300.0


def _deadline() -> float:
    try:
        value = float(os.environ.get("GIAMNGHEO_TEST_DEADLINE", DEFAULT_DEADLINE))
    except ValueError:
        return DEFAULT_DEADLINE
    return value if value > 0 else DEFAULT_DEADLINE


def _hung(config: pytest.Config, nodeid: str, deadline: float) -> None:
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:  # the test's output is being captured: write to the real terminal
        capture.suspend_global_capture(in_=True)
    message = f"HUNG TEST: {nodeid} (still running after {deadline:.0f} s; the run stops here)"
    sys.stderr.write(f"\n{message}\n")
    sys.stderr.flush()
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    sys.stderr.write(f"\n{message}\n")
    sys.stderr.flush()
    record = os.environ.get("GIAMNGHEO_HUNG_FILE")
    if record:
        with open(record, "a", encoding="utf-8") as file:
            file.write(nodeid + "\n")
    os._exit(3)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    deadline = _deadline()
    timer = threading.Timer(deadline, _hung, args=(item.config, item.nodeid, deadline))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
