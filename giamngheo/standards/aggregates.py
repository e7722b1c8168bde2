"""Per-unit counts of a classification, added up batch by batch: the national figure table in the same pass.

One row per group (the ``by`` columns, e.g. province and commune) and area: households, persons, households and
persons in each class, and households deprived in each indicator (``d_<code>``) or unknown in it (``u_<code>``).
Every column is a count, so the counts of several batches add up to those of all of them, and a province's row
is the sum of its communes' rows. Rates are derived when read, never stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from giamngheo.standards.definition import Standard

CLASSES = ("poor", "near_poor", "average", "none", "undetermined")
MERGE_EVERY = 16  # batches' counts kept apart before they are summed into one part: bounds memory


class Counts:
    """Counts of the batches given to ``add`` (each with ``class``, ``area``, ``_n_members``, the ``_d_`` flags
    and the ``by`` columns); ``frame`` gives them summed, one row per group and area, sorted."""

    def __init__(self, standard: Standard, by: Sequence[str] = ()) -> None:
        self.standard = standard
        self.by = tuple(by)
        self._parts: list[pl.DataFrame] = []

    @property
    def keys(self) -> list[str]:
        return [*self.by, "area"]

    def reset(self) -> None:
        self._parts = []

    def _aggregations(self) -> list[pl.Expr]:
        persons = pl.col("_n_members").cast(pl.Int64)
        klass = pl.col("class")
        return [
            pl.len().cast(pl.Int64).alias("households"),
            persons.sum().alias("persons"),
            *[(klass == name).sum().cast(pl.Int64).alias(name) for name in CLASSES],
            *[persons.filter(klass == name).sum().alias(f"persons_{name}") for name in ("poor", "near_poor")],
            *[pl.col(f"_d_{code}").sum().cast(pl.Int64).alias(f"d_{code}") for code in self.standard.indicator_codes],
            *[pl.col(f"_d_{code}").is_null().sum().cast(pl.Int64).alias(f"u_{code}")
              for code in self.standard.indicator_codes],
        ]

    def add(self, batch: pl.DataFrame) -> None:
        self._parts.append(batch.group_by(self.keys).agg(self._aggregations()))
        if len(self._parts) >= MERGE_EVERY:  # a national run has ~120 batches of ~6,000 commune rows each
            self._parts = [self._summed()]

    def _summed(self) -> pl.DataFrame:
        keys = self.keys
        return pl.concat(self._parts).group_by(keys).agg(pl.exclude(keys).sum())

    def frame(self) -> pl.DataFrame:
        """The counts summed over every batch, one row per group and area (keys first, sorted, nulls last)."""
        if not self._parts:
            empty = pl.DataFrame(schema={**{k: pl.String for k in self.keys}})
            return empty.with_columns(pl.lit(0, dtype=pl.Int64).alias(c) for c in self.count_columns)
        return self._summed().sort(self.keys, nulls_last=True).select(*self.keys, *self.count_columns)

    @property
    def count_columns(self) -> list[str]:
        codes = self.standard.indicator_codes
        return ["households", "persons", *CLASSES, "persons_poor", "persons_near_poor",
                *[f"d_{c}" for c in codes], *[f"u_{c}" for c in codes]]
