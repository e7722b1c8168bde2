"""The engine never imports Django (architecture: the web app calls the engine, never the reverse)."""

from __future__ import annotations

import subprocess
import sys


def test_engine_and_its_command_line_do_not_import_django() -> None:
    code = ("import sys, giamngheo.standards, giamngheo.standards.cli, giamngheo.standards.io_parquet, "
            "giamngheo.standards.alkire_foster, giamngheo.standards.portable, giamngheo.standards.portable_record; "
            "from giamngheo.cli import main; "
            "main(['standards']); "
            "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
