"""The standards engine: household record v1, standard definitions as data, one columnar rule executor.

Pure Python over Polars and pydantic; it never imports Django (the web app calls into it, never the reverse).
"""

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
from giamngheo.standards.record import RecordError, validate_record

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
    "validate_record",
]
