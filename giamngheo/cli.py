"""The ``giamngheo`` command.

Engine commands (``classify``, ``compare``, ``mpi``, ``standards``) never import Django: they must start fast and run
anywhere the package is installed. Every other sub-command is a Django management command
(``giamngheo demo``, ``giamngheo serve``, ``giamngheo units load`` …).
"""

from __future__ import annotations

import os
import sys

ENGINE_COMMANDS = {"classify", "compare", "mpi", "standards"}


def _tune_engine_runtime() -> None:
    """Settings that must be in place before Polars and NumPy load, for a short-lived engine command.

    - Polars allocates through jemalloc, which hands freed pages back to the kernel after a few seconds; a bulk
      run then faults the same amount of fresh, zeroed memory in again for every batch, and on this project's
      virtual machines the faults cost as much system time as the computation costs user time
      (``docs/performance.md``). The command keeps its pages until it exits.
    - pyarrow loads NumPy, whose OpenBLAS starts a spinning thread per core that the engine never uses.
    - Reference cycles are not made per household, so the cyclic collector only burns time between batches.
    An operator's own settings win (``setdefault``).
    """
    import gc

    os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    gc.disable()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ENGINE_COMMANDS:
        if argv is None:  # the real command line, not a caller in a longer-lived process
            _tune_engine_runtime()
        from giamngheo.standards.cli import main as engine_main

        return engine_main(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")
    from django.core.management import execute_from_command_line

    if args and args[0] == "serve":
        args = ["runserver", *args[1:]]
    execute_from_command_line(["giamngheo", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
