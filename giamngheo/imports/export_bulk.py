"""The registry as the standards engine's bulk input: ``households.parquet`` and ``members.parquet`` (issue 10).

The pair is exactly what ``giamngheo classify --households … --members … --out …`` (and ``compare``, ``mpi``)
reads (``standards.io_parquet``): one household row per live registry household with the engine's household and
dwelling answers under their record names, ``id`` = the household code, plus ``province_code``, ``commune_code``
and ``hamlet`` for grouping; one member row per member with ``household_id`` = that code, grouped by household in
household order, so the engine streams it chunk by chunk without a second read.

Data minimisation (Law 91/2025 on personal data): no names, no citizen IDs, no addresses. What is written are unit
codes, the hamlet's name (a unit, not an address), the household code and the answers the engine reads. The member
columns are the engine's member schema less ``name`` and ``citizen_id`` (``LEFT_OUT``); a test keeps them out.

Scope is the one of every export: the units under which the user holds ``household.view`` (``accounts.scope``),
narrowed to one province or commune when asked; a unit outside scope is refused exactly like an unknown one. The
frames are built set-based by ``stats.registry_frames`` (two queries per unit, read column-wise into Polars: no
model instance, no Python per household), one commune (or granted hamlet) at a time, and appended to the files
through pyarrow ``ParquetWriter`` in row groups of about ``ROW_GROUP_HOUSEHOLDS`` households, so memory holds one
commune and one row group, whatever the size of the registry. Every export is one audit entry.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action, register_action
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.households.models import Household
from giamngheo.imports.export import OBJECT_TYPE
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, ROW_KEY
from giamngheo.stats.registry_frames import registry_frames

EXPORTED_BULK = "giamngheo.household.exported_bulk"
register_action(EXPORTED_BULK, gettext_lazy("Xuất sổ hộ cho xử lý hàng loạt (Parquet)"))

HOUSEHOLDS_FILE = "households.parquet"
MEMBERS_FILE = "members.parquet"
# Personal data the engine never needs for a class: never written (Law 91/2025, data minimisation).
LEFT_OUT = frozenset({"name", "citizen_id"})
LOCATION = ("province_code", "commune_code", "hamlet")
HOUSEHOLD_COLUMNS: tuple[str, ...] = ("id", *LOCATION, *(n for n in HOUSEHOLD_SCHEMA if n not in ("id", *LOCATION)))
MEMBER_COLUMNS: tuple[str, ...] = ("household_id", "id", *(n for n in MEMBER_SCHEMA
                                                         if n not in LEFT_OUT and n != "id"))
# Households per row group: large enough for the engine's chunked reader, small enough to keep memory flat.
ROW_GROUP_HOUSEHOLDS = 100_000
_HOUSEHOLD_DTYPES = {name: HOUSEHOLD_SCHEMA[name] for name in HOUSEHOLD_COLUMNS}
_MEMBER_DTYPES = {"household_id": pl.String(), **{name: MEMBER_SCHEMA[name] for name in MEMBER_COLUMNS[1:]}}


class OutOfScope(Exception):
    """The asked province or commune does not exist or is not in the user's scope (one message for both)."""


class NoPermission(Exception):
    """The user may not see households anywhere."""


@dataclass
class BulkExportCounts:
    households: int = 0
    members: int = 0
    units: int = 0  # communes (or granted hamlets) read
    row_groups: int = 0
    files: list[Path] = field(default_factory=list)


def _arrow_schema(dtypes: dict[str, pl.DataType]) -> pa.Schema:
    return pl.DataFrame(schema=dtypes).to_arrow().schema


def _asked_unit(province_code: str | None, commune_code: str | None) -> AdminUnit | None:
    """The current unit the export is narrowed to (the commune when both are given and it lies in the province);
    ``OutOfScope`` when it does not exist."""
    unit = None
    if province_code:
        unit = AdminUnit.objects.filter(level=UnitLevel.PROVINCE, generation=Generation.CURRENT,
                                        code=province_code).first()
        if unit is None:
            raise OutOfScope(_("Không có tỉnh/thành phố mã “%(code)s” trong địa bàn của bạn.")
                             % {"code": province_code})
    if commune_code:
        commune = AdminUnit.objects.filter(level=UnitLevel.COMMUNE, generation=Generation.CURRENT,
                                           code=commune_code).first()
        if commune is None or (unit is not None and not commune.path.startswith(unit.path)):
            raise OutOfScope(_("Không có xã/phường mã “%(code)s” trong địa bàn của bạn.") % {"code": commune_code})
        unit = commune
    return unit


def export_units(visible: list[str], asked: AdminUnit | None) -> list[AdminUnit]:
    """The units read one at a time: every commune with households under a visible path (or under the asked
    unit), and a granted hamlet (or commune) as itself — never more than the user sees. Ordered by path."""
    root = asked.path if asked is not None else "/"
    tops = sorted({p if p.startswith(root) else root for p in visible if p.startswith(root) or root.startswith(p)})
    units: dict[str, AdminUnit] = {}
    for path in tops:
        unit = AdminUnit.objects.filter(path=path).first() if path != "/" else None
        if unit is not None and unit.level in (UnitLevel.COMMUNE, UnitLevel.HAMLET):
            units[unit.path] = unit
            continue
        live = Household.objects.filter(unit_path__startswith=path, deleted_at__isnull=True)
        for commune in AdminUnit.objects.filter(pk__in=live.values("commune_id")).order_by("path"):
            units[commune.path] = commune
    return [units[p] for p in sorted(units)]


def _frames(units: list[AdminUnit]) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Each unit's households and members in the files' layout (the household code as the members' key)."""
    for unit in units:
        frames = registry_frames(unit)
        households = frames.households
        if households.height == 0:
            continue
        codes = households.get_column("id")
        members = frames.members.with_columns(codes.gather(frames.members.get_column(ROW_KEY)).alias("household_id"))
        yield (households.select([pl.col(n).cast(t) for n, t in _HOUSEHOLD_DTYPES.items()]),
               members.select([pl.col(n).cast(t) for n, t in _MEMBER_DTYPES.items()]))


def write_bulk(units: list[AdminUnit], out_dir: Path, *, row_group_households: int = ROW_GROUP_HOUSEHOLDS
               ) -> BulkExportCounts:
    """Write the units' households and members to ``out_dir`` (created if missing); files are written under a
    temporary name and renamed at the end, so a failed export never leaves a half file under the final name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = (out_dir / HOUSEHOLDS_FILE, out_dir / MEMBERS_FILE)
    partial = tuple(p.with_name(f".{p.name}.partial") for p in paths)
    schemas = (_arrow_schema(_HOUSEHOLD_DTYPES), _arrow_schema(_MEMBER_DTYPES))
    counts = BulkExportCounts(units=len(units))
    writers = [pq.ParquetWriter(path, schema, compression="zstd") for path, schema in zip(partial, schemas, strict=True)]
    pending: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    pending_rows = 0

    def flush() -> None:
        nonlocal pending, pending_rows
        if not pending:
            return
        for side, (writer, schema) in enumerate(zip(writers, schemas, strict=True)):
            frame = pl.concat([frames[side] for frames in pending], rechunk=False)
            writer.write_table(frame.to_arrow().cast(schema), row_group_size=max(frame.height, 1))
        counts.row_groups += 1
        pending, pending_rows = [], 0

    try:
        for households, members in _frames(units):
            pending.append((households, members))
            pending_rows += households.height
            counts.households += households.height
            counts.members += members.height
            if pending_rows >= row_group_households:
                flush()
        flush()
    except BaseException:
        for writer in writers:
            writer.close()
        for path in partial:
            path.unlink(missing_ok=True)
        raise
    for writer in writers:
        writer.close()
    for temporary, final in zip(partial, paths, strict=True):
        os.replace(temporary, final)
    counts.files = list(paths)
    return counts


def export_bulk(*, actor: Any, out_dir: Path, province_code: str | None = None, commune_code: str | None = None,
                row_group_households: int = ROW_GROUP_HOUSEHOLDS) -> BulkExportCounts:
    """The households ``actor`` sees (narrowed to a province or commune) as the engine's bulk Parquet pair in
    ``out_dir``, audited. ``NoPermission`` without ``household.view``; ``OutOfScope`` for an asked unit that does
    not exist or lies outside the user's units (the same message either way)."""
    visible = paths_for(actor, Perm.HOUSEHOLD_VIEW)
    if not visible:
        raise NoPermission(_("Người dùng “%(name)s” không được xem danh sách hộ gia đình.")
                           % {"name": actor.get_username()})
    asked = _asked_unit(province_code, commune_code)
    if asked is not None and not any(asked.path.startswith(p) or p.startswith(asked.path) for p in visible):
        code = commune_code or province_code
        message = (_("Không có xã/phường mã “%(code)s” trong địa bàn của bạn.") if commune_code
                   else _("Không có tỉnh/thành phố mã “%(code)s” trong địa bàn của bạn."))
        raise OutOfScope(message % {"code": code})
    counts = write_bulk(export_units(visible, asked), out_dir, row_group_households=row_group_households)
    log_action(
        actor=actor,
        action=EXPORTED_BULK,
        object_type=OBJECT_TYPE,
        object_id=asked.code if asked is not None else _unit_code(actor),
        object_repr=(_("Sổ hộ (Parquet) – %(unit)s") % {"unit": asked.name} if asked is not None
                     else _("Sổ hộ (Parquet)")),
        unit_path=asked.path if asked is not None else user_home_path(actor),
        data={
            "filters": {k: v for k, v in (("province_code", province_code), ("commune_code", commune_code)) if v},
            "format": "parquet",
            "households": counts.households,
            "members": counts.members,
            "units": counts.units,
            "columns": {"households": list(HOUSEHOLD_COLUMNS), "members": list(MEMBER_COLUMNS)},
        },
    )
    return counts


def _unit_code(actor: Any) -> str:
    home = user_home_path(actor)
    unit = AdminUnit.objects.filter(path=home).only("code").first() if home else None
    return unit.code if unit is not None else "toan-quoc"
