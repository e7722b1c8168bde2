"""The ``giamngheo`` command.

Engine commands (``classify``, ``compare``, ``mpi``, ``standards``) never import Django: they must start fast and run
anywhere the package is installed. Every other sub-command is a Django management command
(``giamngheo demo``, ``giamngheo serve``, ``giamngheo units load`` …).
"""

from __future__ import annotations

import os
import sys

ENGINE_COMMANDS = {"classify", "compare", "mpi", "standards"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ENGINE_COMMANDS:
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
