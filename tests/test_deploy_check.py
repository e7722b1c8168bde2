"""`giamngheo check --deploy` is clean on a production configuration (issue 11, item 7), and still speaks up
when a production variable is wrong, so the clean run means something.

Run in a subprocess with a clean environment: this process's settings were imported with the tests' debug on.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    production = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GIAMNGHEO_VAR_DIR": str(tmp_path),
        "GIAMNGHEO_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GIAMNGHEO_SECRET_KEY": secrets.token_urlsafe(50),
        "GIAMNGHEO_ALLOWED_HOSTS": "giamngheo.angiang.gov.vn",
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "giamngheo.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO, env=production, capture_output=True, text=True, timeout=120, check=False,
    )


def test_production_configuration_passes_the_deploy_check(tmp_path: Path) -> None:
    result = check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


@pytest.mark.parametrize(("env", "warning"), [
    ({"GIAMNGHEO_SECRET_KEY": "short-key"}, "security.W009"),
    ({"GIAMNGHEO_HSTS_SECONDS": "0"}, "security.W004"),
    ({"GIAMNGHEO_SSL_REDIRECT": "0"}, "security.W008"),
    ({"GIAMNGHEO_DEBUG": "1"}, "security.W018"),
])
def test_a_weakened_production_configuration_fails_it(tmp_path: Path, env: dict[str, str], warning: str) -> None:
    result = check_deploy(tmp_path, **env)
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr
