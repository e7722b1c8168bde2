"""The demo writes example files and import jobs under ``VAR_DIR``: each test gets its own scratch directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _scratch_var_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "var"
    settings.GIAMNGHEO_IMPORT_DIR = str(tmp_path / "var" / "imports")
