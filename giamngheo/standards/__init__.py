"""The standards engine: household record v1, standard definitions as data, one columnar rule executor.

Pure Python over Polars and pydantic; it never imports Django (the web app calls into it, never the reverse).

The public names below are imported on first use (module ``__getattr__``), so a command that needs only part of
the engine (``giamngheo classify`` on Parquet files) does not pay for the rest at start-up.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

_HOMES = {
    "MeasureError": "alkire_foster",
    "InvalidRecord": "api",
    "alkire_foster": "api",
    "classify_in_force": "api",
    "classify_record": "api",
    "classify_records": "api",
    "Standard": "definition",
    "StandardError": "definition",
    "get_standard": "definition",
    "list_standards": "definition",
    "load_local_standard": "definition",
    "national_standard_for_year": "definition",
    "standards_in_force": "definition",
    "render_text": "explain",
    "RecordError": "record",
    "validate_record": "record",
    "validate_frames": "frame_validate",
}

__all__ = [
    "InvalidRecord",
    "MeasureError",
    "RecordError",
    "Standard",
    "StandardError",
    "alkire_foster",
    "classify_in_force",
    "classify_record",
    "classify_records",
    "get_standard",
    "list_standards",
    "load_local_standard",
    "national_standard_for_year",
    "render_text",
    "standards_in_force",
    "validate_frames",
    "validate_record",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


class _Package(types.ModuleType):
    """``alkire_foster`` is both a submodule and the public function (from ``api``): the function wins, as it did
    when this package imported everything eagerly — importing the submodule must not rebind the public name."""

    @property
    def alkire_foster(self) -> Any:
        from giamngheo.standards.api import alkire_foster

        return alkire_foster

    @alkire_foster.setter
    def alkire_foster(self, value: Any) -> None:
        pass  # the import system binding the submodule; the public name stays the function


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:
    from giamngheo.standards.alkire_foster import MeasureError
    from giamngheo.standards.api import (
        InvalidRecord,
        alkire_foster,
        classify_in_force,
        classify_record,
        classify_records,
    )
    from giamngheo.standards.definition import (
        Standard,
        StandardError,
        get_standard,
        list_standards,
        load_local_standard,
        national_standard_for_year,
        standards_in_force,
    )
    from giamngheo.standards.explain import render_text
    from giamngheo.standards.frame_validate import validate_frames
    from giamngheo.standards.record import RecordError, validate_record
