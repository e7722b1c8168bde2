"""The ``giamngheo`` command.

Engine commands (``classify``, ``compare``, ``mpi``, ``standards``) never import Django: they must start fast and run
anywhere the package is installed. Every other sub-command is a Django management command
(``giamngheo demo``, ``giamngheo serve``, ``giamngheo units load`` …).
"""

from __future__ import annotations

import contextlib
import os
import sys

ENGINE_COMMANDS = {"classify", "compare", "mpi", "standards"}


def _tune_engine_runtime() -> None:
    """Settings that must be in place before Polars and NumPy load, for a short-lived engine command.

    - Polars allocates through jemalloc, which hands freed pages back to the kernel after a few seconds; a bulk
      run then faults the same amount of fresh, zeroed memory in again for every batch, and on this project's
      virtual machines the faults cost as much system time as the computation costs user time
      (``docs/performance.md``). The command keeps its pages until it exits (no decay, so no background thread
      to purge them), and all threads share one arena, large allocations included: the reader, the classifier
      and Polars' pools hand buffers to each other, and with an arena per thread each kept its own peak
      (1 M households: 545 MB and 124,000 page faults, 413 MB and 91,000 with one arena).
    - pyarrow loads NumPy, whose OpenBLAS starts a spinning thread per core that the engine never uses.
    - Reference cycles are not made per household, so the cyclic collector only burns time between batches.
    An operator's own settings win: theirs come after ours, and jemalloc takes the last value of an option.
    """
    import gc

    os.environ["_RJEM_MALLOC_CONF"] = ",".join(
        [ENGINE_JEMALLOC, *_operator_options(os.environ.get("_RJEM_MALLOC_CONF", ""))])
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    gc.disable()


ENGINE_JEMALLOC = "dirty_decay_ms:-1,muzzy_decay_ms:-1,background_thread:false,narenas:1,oversize_threshold:0"
# What Polars writes into the environment when it is imported (its defaults, then any earlier value): a parent
# process that imported Polars hands these on to the command, and they are nobody's choice. The benchmark's
# engine runs inherited them, so before 2026-12-04 they measured the command without its own settings.
_POLARS_JEMALLOC = ("dirty_decay_ms:500", "muzzy_decay_ms:1000", "thp:always", "metadata_thp:always")


def _operator_options(inherited: str) -> list[str]:
    """The jemalloc options an operator set (``_RJEM_MALLOC_CONF``), less the defaults Polars writes itself."""
    return [option for option in inherited.split(",") if option and option not in _POLARS_JEMALLOC]


def _start_prefetch(args: list[str]) -> None:
    """A bulk command (``--households`` and ``--members``) starts reading the files' first rows now, while the
    rest of the engine is imported on this thread (``standards.prefetch``)."""
    paths: dict[str, str] = {}
    for position, arg in enumerate(args):
        for option in ("--households", "--members"):
            if arg == option and position + 1 < len(args):
                paths[option] = args[position + 1]
            elif arg.startswith(option + "="):
                paths[option] = arg.partition("=")[2]
    if len(paths) == 2:
        from giamngheo.standards import prefetch

        prefetch.start(paths["--households"], paths["--members"])


def _exit_now(code: int) -> None:
    """End an engine command without tearing the interpreter down.

    Every file the command wrote is closed by then; what is left is hundreds of megabytes of frames and objects
    whose teardown (the final collection, freeing every page) added about 0.15 s to a 1.7 s bulk run. Only the
    standard streams still need flushing."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (``| head``): nothing more to say
            stream.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ENGINE_COMMANDS:
        if argv is None:  # the real command line, not a caller in a longer-lived process
            _tune_engine_runtime()
            _start_prefetch(args)
        from giamngheo.standards.cli import main as engine_main

        code = engine_main(args)
        if argv is None:
            _exit_now(code)
        return code
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "giamngheo.settings")
    from django.core.management import execute_from_command_line

    if args and args[0] == "serve":
        args = ["runserver", *args[1:]]
    execute_from_command_line(["giamngheo", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
