"""Settings for the test suite: ``giamngheo.settings`` with development mode asked for explicitly.

Debug is off unless ``GIAMNGHEO_DEBUG=1`` (docs/security.md, class 6); the tests use the development key, so
they ask for it here, before the settings are read — pytest-django imports the settings before any conftest.
pytest-django still runs each test with ``DEBUG = False``, as in production.
"""

import os

os.environ.setdefault("GIAMNGHEO_DEBUG", "1")

from giamngheo.settings import *  # noqa: E402, F403
