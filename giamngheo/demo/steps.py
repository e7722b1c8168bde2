"""The demo is a list of steps run in order, in one transaction, each taking the shared ``DemoContext``.

Another app adds its own steps without touching this package: it defines ``DEMO_STEPS`` in a module
``<app>/demo.py`` (e.g. ``giamngheo/reviews/demo.py``)::

    from giamngheo.demo.steps import Step

    def review_history(ctx):            # ctx.communes, ctx.hamlets, ctx.users, ctx.seed are ready
        ...
        ctx.summary.append((_("Kỳ rà soát"), "2024, 2025, 2026"))

    DEMO_STEPS = [Step("review_history", review_history, after="classification")]

``after`` names the step it must follow (the core steps are listed in ``CORE_STEPS``); without it the step
runs last. Steps draw random numbers from ``random.Random(ctx.seed)`` (or a seed derived from it) so the
demo stays reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

from giamngheo.demo.context import DemoContext


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[DemoContext], None]
    after: str | None = None


def core_steps() -> list[Step]:
    from giamngheo.demo.households import classify_households, create_households
    from giamngheo.demo.units import create_hamlets, load_units
    from giamngheo.demo.users import create_users

    return [
        Step("units", load_units),
        Step("hamlets", create_hamlets),
        Step("users", create_users),
        Step("households", create_households),
        Step("classification", classify_households),
    ]


def app_steps() -> list[Step]:
    found: list[Step] = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.demo"
        if not config.name.startswith("giamngheo.") or find_spec(module_name) is None:
            continue
        found.extend(getattr(import_module(module_name), "DEMO_STEPS", []))
    return found


def collect_steps() -> list[Step]:
    """Core steps, with each app's steps placed after the step they name."""
    steps = core_steps()
    for step in app_steps():
        names = [s.name for s in steps]
        position = names.index(step.after) + 1 if step.after in names else len(steps)
        # Keep app steps that follow the same step in discovery order.
        while position < len(steps) and steps[position].after == step.after and step.after is not None:
            position += 1
        steps.insert(position, step)
    return steps
