"""The first rows of the bulk files, read while the rest of the engine is still being imported.

A bulk command spends its first fifth of a second importing Python modules on one core (pydantic, the standard
definitions); nothing can be classified before the first chunk is read, and reading it takes about as long
again. ``giamngheo.cli`` therefore starts reading the first household chunk and the first member rows as soon as
Polars is loaded (``start``), in background threads, and the bulk reader takes them (``take``) instead of reading
them again. Only the columns the engine knows (and the grouping codes) are read, in the file's own types; the
reader applies its own projection to them exactly as to the file.

Anything that goes wrong here is silent: the reader then reads the rows itself and reports the problem properly.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl

from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA

CHUNK_ROWS = 125_000  # households per chunk when members come grouped by household: bounds peak memory
# Member rows read at a time, per household of a chunk (about 3.5 members per household): fewer, larger reads
# cost less (a read's own overhead); 4 against 2 was 0.03 s of a 1.3 s run at 1 M households.
MEMBER_READ_FACTOR = 4
_CODES = ("province_code", "commune_code", "hamlet")  # grouping codes a count may ask for

_pending: dict[tuple[str, int, int], Future[pl.DataFrame]] = {}


def _read(path: str, offset: int, length: int, known: tuple[str, ...]) -> pl.DataFrame:
    frame = pl.scan_parquet(path)
    present = frame.collect_schema()
    return frame.select([name for name in present if name in known]).slice(offset, length).collect()


def start(households: str | Path, members: str | Path) -> None:
    """Start reading the first household chunk and the first member rows of the files, in the background."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="giamngheo-prefetch")
    piece = MEMBER_READ_FACTOR * CHUNK_ROWS
    # The first chunk's households and the pieces of members that hold theirs (about 3.5 members a household).
    slices = [(os.fspath(households), 0, CHUNK_ROWS, (*HOUSEHOLD_SCHEMA, *_CODES))]
    slices += [(os.fspath(members), offset, piece, ("household_id", *MEMBER_SCHEMA))
               for offset in range(0, 4 * CHUNK_ROWS, piece)]
    for path, offset, length, known in slices:
        _pending[(path, offset, length)] = pool.submit(_read, path, offset, length, known)
    pool.shutdown(wait=False)


def take(path: str | Path, offset: int, length: int) -> pl.DataFrame | None:
    """The rows ``offset`` .. ``offset + length`` of ``path`` if they were read ahead (once), else None."""
    future = _pending.pop((os.fspath(path), offset, length), None)
    if future is None:
        return None
    try:
        return future.result()
    except Exception:  # the reader reads the rows again and reports the problem in its own words
        return None


def forget() -> None:
    """Drop whatever was read ahead and not taken (the reader chose another path, or other slices)."""
    _pending.clear()
