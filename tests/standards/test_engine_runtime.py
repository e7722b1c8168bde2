"""The engine commands' allocator settings: their own, whatever a parent process that imported Polars hands on,
and an operator's settings after them (jemalloc takes the last value of an option)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from giamngheo import cli


@pytest.fixture
def tune(monkeypatch: pytest.MonkeyPatch) -> Callable[[str | None], str]:
    monkeypatch.setattr(gc, "disable", lambda: None)  # the test process keeps its collector

    def run(inherited: str | None) -> str:
        if inherited is None:
            monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
        else:
            monkeypatch.setenv("_RJEM_MALLOC_CONF", inherited)
        cli._tune_engine_runtime()
        return os.environ["_RJEM_MALLOC_CONF"]
    return run


def test_the_engine_settings_replace_what_polars_wrote_for_a_parent_process(tune: Callable[[str | None], str]) -> None:
    assert tune(None) == cli.ENGINE_JEMALLOC
    assert tune("dirty_decay_ms:500,muzzy_decay_ms:1000") == cli.ENGINE_JEMALLOC
    assert tune("dirty_decay_ms:500,muzzy_decay_ms:1000,dirty_decay_ms:500,muzzy_decay_ms:1000") == cli.ENGINE_JEMALLOC


def test_an_operators_own_settings_come_last_and_win(tune: Callable[[str | None], str]) -> None:
    assert tune("narenas:4") == f"{cli.ENGINE_JEMALLOC},narenas:4"
    assert tune("dirty_decay_ms:500,muzzy_decay_ms:1000,narenas:4") == f"{cli.ENGINE_JEMALLOC},narenas:4"


def test_in_a_child_of_a_polars_process_the_engine_settings_are_what_polars_hands_jemalloc() -> None:
    """Polars puts its defaults first and what it finds after them: the engine's settings must be found."""
    import polars  # noqa: F401  (sets the variable in this process, as in the benchmark's)

    script = ("import gc; gc.disable = lambda: None\n"
              "from giamngheo import cli; cli._tune_engine_runtime()\n"
              "import os, polars; print(os.environ['_RJEM_MALLOC_CONF'])")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env=dict(os.environ)).stdout.strip()
    assert out.endswith("," + cli.ENGINE_JEMALLOC)
