"""Rows read ahead while the engine is imported (``standards.prefetch``): taken by the bulk reader when they are the
slices it wants, with the same results as reading them itself; silent when anything is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from giamngheo import cli
from giamngheo.standards import get_standard, prefetch
from giamngheo.standards.io_parquet import BulkInputError, classify_parquet
from tests.standards.test_bulk_chunks import population, write


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write(population(), tmp_path)


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every slice the reader asked for, and whether it came from the read-ahead."""
    monkeypatch.setattr(prefetch, "CHUNK_ROWS", 4)
    seen: list[tuple[Any, ...]] = []
    original = prefetch.take

    def spy(path: str | Path, offset: int, length: int) -> pl.DataFrame | None:
        frame = original(path, offset, length)
        seen.append((Path(path).name, offset, length, frame is not None))
        return frame
    monkeypatch.setattr(prefetch, "take", spy)
    return seen


def _run(files: tuple[Path, Path], out: Path) -> list[dict[str, Any]]:
    classify_parquet(*files, out, get_standard("2022-2025"), chunk_rows=4, one_batch_rows=0)
    return pl.read_parquet(out).to_dicts()


def test_slices_read_ahead_are_taken_with_the_same_results(
        files: tuple[Path, Path], taken: list[tuple[Any, ...]], tmp_path: Path) -> None:
    expected = _run(files, tmp_path / "plain.parquet")
    assert not any(used for *_, used in taken)
    taken.clear()
    prefetch.start(*files)
    assert _run(files, tmp_path / "ahead.parquet") == expected
    assert [t for t in taken if t[3]] == [("h.parquet", 0, 4, True), ("m.parquet", 0, 16, True)]
    assert prefetch._pending == {}  # nothing kept after the run


def test_a_file_that_cannot_be_read_ahead_is_reported_by_the_reader(tmp_path: Path) -> None:
    prefetch.start(tmp_path / "missing-h.parquet", tmp_path / "missing-m.parquet")
    with pytest.raises(BulkInputError, match="file not found"):
        classify_parquet(tmp_path / "missing-h.parquet", tmp_path / "missing-m.parquet", tmp_path / "o.parquet",
                         get_standard("2022-2025"), chunk_rows=4, one_batch_rows=0)
    assert prefetch._pending == {}


def test_the_command_line_starts_reading_ahead_for_both_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[str, str]] = []
    monkeypatch.setattr(prefetch, "start", lambda h, m: started.append((h, m)))
    cli._start_prefetch(["classify", "--standard", "2026", "--households", "h.parquet", "--members", "m.parquet"])
    cli._start_prefetch(["mpi", "--households=h2.parquet", "--members=m2.parquet"])
    cli._start_prefetch(["classify", "records.json"])  # not a bulk command: nothing to read
    assert started == [("h.parquet", "m.parquet"), ("h2.parquet", "m2.parquet")]
