"""Writing many rows of a Polars frame into a table in one go: ``COPY … FROM STDIN`` on PostgreSQL,
``executemany`` on SQLite. For set-based writers (the household import, the statistics' rollups) where
``bulk_create`` would build a model object per row, and on PostgreSQL adapt every value into arrays."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db import connection

COPY_SLICE = 20_000  # rows escaped and sent to COPY at a time


def copy_rows(cursor: Any, table: str, names: Sequence[str], frame: pl.DataFrame) -> None:
    """``COPY table (names) FROM STDIN`` of the frame, streamed in the text format a slice at a time (each slice
    escaped on its own: an escaped copy of a whole frame of JSON text would double the memory)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for start in range(0, frame.height, COPY_SLICE):
            part = _escape_tsv(frame.slice(start, COPY_SLICE))
            buffer = io.StringIO()
            part.write_csv(buffer, separator="\t", include_header=False, null_value="\\N", quote_style="never")
            copy.write(buffer.getvalue())


def _escape_tsv(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns safe for COPY's text format (backslash, tab and newline escaped)."""
    return frame.with_columns([
        pl.col(n).str.replace_all("\\", "\\\\", literal=True).str.replace_all("\t", "\\t", literal=True)
        .str.replace_all("\n", "\\n", literal=True).str.replace_all("\r", "\\r", literal=True)
        for n, dtype in frame.schema.items() if dtype == pl.String
    ] + [pl.col(n).cast(pl.String).replace({"true": "t", "false": "f"})
         for n, dtype in frame.schema.items() if dtype == pl.Boolean])


def _insert_many(cursor: Any, table: str, names: Sequence[str], frame: pl.DataFrame) -> None:
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608 (names from models)
           f"VALUES ({', '.join(['%s'] * len(names))})")
    for start in range(0, frame.height, 20_000):
        cursor.executemany(sql, frame.slice(start, 20_000).rows())


def write_rows(cursor: Any, table: str, names: Sequence[str], frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    if connection.vendor == "postgresql":
        copy_rows(cursor, table, names, frame.select(names))
    else:
        _insert_many(cursor, table, names, frame.select(names))
