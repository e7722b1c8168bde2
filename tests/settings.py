"""Settings for the test suite: ``giamngheo.settings`` with development mode asked for explicitly.

Debug is off unless ``GIAMNGHEO_DEBUG=1`` (docs/security.md, class 6); the tests use the development key, so
they ask for it here, before the settings are read — pytest-django imports the settings before any conftest.
pytest-django still runs each test with ``DEBUG = False``, as in production.
"""

import os

os.environ.setdefault("GIAMNGHEO_DEBUG", "1")

from giamngheo.settings import *  # noqa: E402, F403

# Ordinary tests run every task inline, inside the test's transaction, the moment it is enqueued: the outcome
# is deterministic, visible to the next line of the test and rolled back with the test, with no worker thread,
# polling or committed rows. Tests that need the real queue (progress seen from another request, a browser
# test waiting on a task) ask for the ``task_worker`` fixture (tests/task_worker.py), which switches to the
# production backend, giamngheo.settings.TASKS. The queues stay those of production, so a task naming a queue
# that production does not list fails here too.
TASKS = {"default": {**TASKS["default"], "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # noqa: F405

# Uploaded files of import jobs (personal data) never land in the checkout's ./var during tests.
import tempfile  # noqa: E402

GIAMNGHEO_IMPORT_DIR = tempfile.mkdtemp(prefix="giamngheo-test-imports-")
GIAMNGHEO_EXPORT_DIR = tempfile.mkdtemp(prefix="giamngheo-test-exports-")
