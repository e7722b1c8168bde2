"""The registry's households under a unit as the standards engine's two frames (``standards.frames``).

Two queries (households, then their members) read as value tuples and turned into Polars frames column-wise: no
model instance and no Python work per household, so a province of tens of thousands of households is read in
about a second. The fields are ``households.records``' mapping (the record keys stored in columns of the same
name), so a household reads here exactly as ``household_to_record`` would give it to the engine: a blank coded
answer (``""``) is *not answered* (null), never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household, Member
from giamngheo.households.records import DWELLING_FACTS, HOUSEHOLD_FACTS, MEMBER_FACTS
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, REFERENCE_DATE, ROW_KEY

# Beside the engine's columns: the codes of the household's commune and hamlet (the record carries the hamlet's
# name only), to group figures by child unit.
HAMLET_CODE = "hamlet_code"
_HOUSEHOLD_COLUMNS = ("pk", "code", "unit_path", "commune__code", "hamlet__name", "hamlet__code",
                      *HOUSEHOLD_FACTS, *DWELLING_FACTS)
_MEMBER_COLUMNS = ("household_id", "member_id", *MEMBER_FACTS)
_TEXT = pl.String()
_SEPARATOR = "\x1f"  # never in a code of an enumeration
_HOUSEHOLD_DTYPES: dict[str, pl.DataType] = {
    "pk": pl.Int64(), "code": _TEXT, "unit_path": _TEXT, "commune__code": _TEXT, "hamlet__name": _TEXT,
    "hamlet__code": _TEXT, **{name: HOUSEHOLD_SCHEMA[name] for name in (*HOUSEHOLD_FACTS, *DWELLING_FACTS)}}
_MEMBER_DTYPES: dict[str, pl.DataType] = {"household_id": pl.Int64(), "member_id": _TEXT,
                                          **{name: MEMBER_SCHEMA[name] for name in MEMBER_FACTS}}


@dataclass(frozen=True)
class RegistryFrames:
    """The engine's frames of a unit's live households, keyed by ``_row`` (households in ``households``
    order; members joined by key, so a household without members is still classified, with its member
    indicators unknown)."""

    households: pl.DataFrame
    members: pl.DataFrame

    @property
    def aligned(self) -> bool:
        return False


def _unanswered_blanks(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``""`` in a text column is the registry's *not answered*: null for the engine."""
    text = [name for name, dtype in schema.items() if dtype == pl.String() and name in frame.columns]
    return frame.with_columns([pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in text])


def _list_column(name: str, values: tuple[Any, ...]) -> pl.Series:
    """A JSON list column (``information_devices``) as ``List(String)``. Handing Polars the lists themselves
    builds one Series per household (most of the read time of a province); joined text split by Polars does not."""
    joined = pl.Series(name, [None if v is None else _SEPARATOR.join(v) for v in values], dtype=pl.String)
    return (pl.select(pl.when(joined == "").then(pl.lit([], dtype=pl.List(pl.String)))
                      .otherwise(joined.str.split(_SEPARATOR)).alias(name)).to_series())


def _columns(rows: list[tuple[Any, ...]], names: tuple[str, ...], dtypes: dict[str, pl.DataType]) -> pl.DataFrame:
    """Value tuples as a frame, built column by column (``zip``: a C loop) with the engine's type given, which
    spares Polars inferring a type per value. With no rows every column is empty of its type."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pl.DataFrame([_list_column(name, values) if isinstance(dtypes.get(name), pl.List)
                         else pl.Series(name, values, dtype=dtypes.get(name), strict=False)
                         for name, values in zip(names, columns, strict=True)])


def registry_frames(unit: AdminUnit) -> RegistryFrames:
    """The live (not deleted) registry households under ``unit`` with their members, as engine frames.

    Households carry every engine household column plus ``hamlet_code``; ``province_code`` is the first part of
    the household's unit path, ``commune_code`` its commune's code, ``hamlet`` its hamlet's name (as a record).
    """
    households = Household.objects.filter(unit_path__startswith=unit.path, deleted_at__isnull=True).order_by("pk")
    rows = list(households.values_list(*_HOUSEHOLD_COLUMNS))
    raw = _columns(rows, _HOUSEHOLD_COLUMNS, _HOUSEHOLD_DTYPES)
    household_frame = _unanswered_blanks(raw.select(
        pl.col("pk").cast(pl.Int64).alias("_pk"),
        pl.col("code").cast(pl.String).alias("id"),
        pl.col("unit_path").cast(pl.String).str.split("/").list.get(1, null_on_oob=True).alias("province_code"),
        pl.col("commune__code").cast(pl.String).alias("commune_code"),
        pl.col("hamlet__name").cast(pl.String).alias("hamlet"),
        pl.col("hamlet__code").cast(pl.String).alias(HAMLET_CODE),
        *[pl.col(name).cast(HOUSEHOLD_SCHEMA[name]) for name in (*HOUSEHOLD_FACTS, *DWELLING_FACTS)],
    ), HOUSEHOLD_SCHEMA).with_row_index(ROW_KEY)

    member_rows = list(Member.objects.filter(household__in=households.values("pk"))
                       .order_by("household_id", "position", "pk").values_list(*_MEMBER_COLUMNS))
    member_raw = _columns(member_rows, _MEMBER_COLUMNS, _MEMBER_DTYPES)
    keys = household_frame.select(pl.col("_pk"), pl.col(ROW_KEY), pl.col("reference_date").alias(REFERENCE_DATE))
    member_frame = _unanswered_blanks(member_raw.select(
        pl.col("household_id").cast(pl.Int64).alias("_pk"),
        pl.col("member_id").cast(pl.String).alias("id"),
        *[pl.col(name).cast(MEMBER_SCHEMA[name]) for name in MEMBER_FACTS],
    ), MEMBER_SCHEMA).join(keys, on="_pk", how="inner", maintain_order="left").drop("_pk")
    return RegistryFrames(households=household_frame.drop("_pk"), members=member_frame)
