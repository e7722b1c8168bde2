"""A leaner ``bulk_create`` for the demo's tens of thousands of rows.

``QuerySet.bulk_create`` prepares every value of every row through the field machinery; for ~90,000
members of ~25 columns that alone took about 20 s of CPU on the reference machine, most of the demo's
load time. Here model instances are still built by Django (so defaults and ``auto_now`` apply), but only
the values that need converting for the database (dates, JSON, decimals) go through their field; the
rest are passed as they are to one ``executemany`` per batch. Plain ``INSERT`` with the backend's own
quoting and placeholders: the same on SQLite and PostgreSQL. Primary keys are not returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

_CONVERTED = (models.DateField, models.JSONField, models.DecimalField, models.UUIDField, models.DurationField)


def _getter(field: Any) -> Callable[[models.Model], Any]:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, add=True), connection)
    if isinstance(field, _CONVERTED):
        return lambda obj: field.get_db_prep_save(getattr(obj, field.attname), connection)
    name = field.attname
    return lambda obj: getattr(obj, name)


def insert_objects(objects: Sequence[models.Model], *, batch_size: int = 5000) -> int:
    """Insert unsaved instances of one model; returns the number of rows written."""
    if not objects:
        return 0
    model = type(objects[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    getters = [_getter(field) for field in fields]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names come from the model, values are bound)
        quote(model._meta.db_table), ", ".join(quote(str(f.column)) for f in fields), ", ".join(["%s"] * len(fields))
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            cursor.executemany(sql, [tuple(get(obj) for get in getters) for obj in objects[start:start + batch_size]])
    return len(objects)
