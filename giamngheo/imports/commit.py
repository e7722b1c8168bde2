"""Writing a validated file into the registry: set-based, in one transaction.

PostgreSQL: the rows are streamed with ``COPY`` (psycopg 3 ``cursor.copy``) into temporary staging tables, then
merged with one ``INSERT … SELECT`` (new households), one ``UPDATE … FROM`` (changed ones), one ``DELETE`` and one
``INSERT … SELECT`` (their members). SQLite: ``executemany`` of the same rows. The ORM is not used for rows.

Everything — households, members, classifications, the batch's list of touched households and the audit entries —
is written in one transaction. If the worker dies half-way, the database discards the transaction: the registry
is exactly as it was (a test kills a worker in the middle of this function).

Classification runs in the same transaction through the standards engine, in one batch per standard, and is
stored exactly as ``households.classification.household_reclassify`` stores it (result with its Vietnamese
explanation, definition hash, input snapshot), so pages treat imported households as freshly classified.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from giamngheo.core.bulk_rows import copy_rows, write_rows
from giamngheo.households.classification import standards_for
from giamngheo.households.models import Classification, Household, Member
from giamngheo.households.records import DWELLING_FACTS, HOUSEHOLD_FACTS, MEMBER_FACTS
from giamngheo.households.signals import registry_changed
from giamngheo.imports.models import ImportedHousehold
from giamngheo.standards.classify import RESULT_COLUMNS, evaluate
from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA, REFERENCE_DATE, ROW_KEY

HH, IDX = "_row", "_index"
SNAPSHOT_SLICE = 20_000  # households whose snapshot dicts exist at once (memory)
FAILPOINT = "GIAMNGHEO_IMPORT_FAILPOINT"  # tests only: pause inside the commit transaction (see ``_failpoint``)

Progress = Callable[..., None]


def _failpoint(name: str) -> None:
    """Tests stop the commit here, inside the open transaction: ``<name>:<marker file>`` writes the marker and
    sleeps until the worker is killed (nothing half-written may survive); ``<name>:<marker file>:<seconds>``
    pauses that long (a browser test watches the bar stand half-way)."""
    target = os.environ.get(FAILPOINT, "")
    if target.startswith(f"{name}:"):
        _name, marker, *pause = target.split(":")
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(str(os.getpid()))
        time.sleep(float(pause[0]) if pause else 600)


def _blank_string_columns() -> frozenset[str]:
    return frozenset(f.name for model in (Household, Member) for f in model._meta.get_fields()
                     if getattr(f, "get_internal_type", lambda: "")() == "CharField" and not f.null)


# --- rows ---------------------------------------------------------------------------------------------------------

def household_columns() -> list[str]:
    return ["code", "commune_id", "hamlet_id", "unit_path", *HOUSEHOLD_FACTS, *DWELLING_FACTS, "head_name",
            "search_text", "member_count", "current_class", "current_standard"]


def member_columns() -> list[str]:
    return ["household_id", "position", "member_id", *MEMBER_FACTS]


def _prepared(frame: pl.DataFrame, names: Sequence[str], blank: frozenset[str]) -> pl.DataFrame:
    """The columns as the registry stores them: "" for an unanswered coded answer, JSON text for the device list."""
    exprs = []
    for name in names:
        if name not in frame.columns:
            exprs.append(pl.lit("" if name in blank else None).alias(name))
            continue
        col = pl.col(name)
        if name == "information_devices":
            col = pl.when(col.is_null()).then(None).otherwise(
                pl.concat_str(pl.lit("["), col.list.eval(pl.format('"{}"', pl.element())).list.join(", "),
                              pl.lit("]")))
        elif name in blank:
            col = col.fill_null("")
        exprs.append(col.alias(name))
    return frame.select(exprs)


# --- the write itself ---------------------------------------------------------------------------------------------

def _stamp_columns(frame: pl.DataFrame, actor_id: int, now: dt.datetime, *, created: bool) -> pl.DataFrame:
    columns = [pl.lit(now).alias("updated_at"), pl.lit(actor_id).alias("updated_by_id")]
    if created:
        columns += [pl.lit(now).alias("created_at"), pl.lit(actor_id).alias("created_by_id"),
                    pl.lit(1).alias("version")]
    return frame.with_columns(columns)


def _sqlite_datetimes(frame: pl.DataFrame) -> pl.DataFrame:
    """SQLite stores datetimes as Django writes them (ISO text); PostgreSQL takes the datetime as it is."""
    if connection.vendor == "postgresql":
        return frame
    return frame.with_columns([pl.col(n).dt.strftime("%Y-%m-%d %H:%M:%S.%f") for n, t in frame.schema.items()
                               if isinstance(t, pl.Datetime)])


def write(*, households: pl.DataFrame, members: pl.DataFrame, actor: Any, job_id: int, update_changed: bool,
          progress: Progress) -> dict[str, int]:
    """Write the valid households (``_action`` new, and changed when ``update_changed``) and their members.
    Must run inside ``transaction.atomic``. Returns counts of what was written."""
    blank = _blank_string_columns()
    now = timezone.now()
    wanted = ["new", "changed"] if update_changed else ["new"]
    households = households.filter(pl.col("_action").is_in(wanted))
    members = members.join(households.select(HH), on=HH, how="semi")
    total = households.height + members.height
    # Forced: each of these few steps must reach the page, however soon the next one comes.
    progress(written=0, total_rows=total, force=True)
    h_names = household_columns()
    rows = _prepared(households, h_names, blank).with_columns(households["_action"], households["household_pk"])
    created = rows.filter(pl.col("_action") == "new")
    changed = rows.filter(pl.col("_action") == "changed")
    h_table, m_table = Household._meta.db_table, Member._meta.db_table
    written = 0
    with connection.cursor() as cursor:
        # New households.
        new_rows = _sqlite_datetimes(_stamp_columns(created.drop("_action", "household_pk"), actor.pk, now,
                                                    created=True))
        write_rows(cursor, h_table, list(new_rows.columns), new_rows)
        written += created.height
        progress(written=written, force=True)
        _failpoint("after-households")
        # Changed households: one UPDATE from a staging table.
        if changed.height:
            _update_households(cursor, changed, h_names, actor.pk, now)
            written += changed.height
            progress(written=written, force=True)
        # Household ids of everything written, by code.
        codes = households["code"].to_list()
        ids = _ids_by_code(codes)
        # Members: those of changed households are replaced as a set (no row refers to a member row).
        changed_ids = [ids[c] for c in changed["code"].to_list()]
        for start in range(0, len(changed_ids), 5000):
            Member.objects.filter(household_id__in=changed_ids[start:start + 5000]).delete()
        member_rows = _prepared(members, ["code", IDX, "id", *MEMBER_FACTS], blank)
        member_rows = member_rows.with_columns(
            pl.col("code").replace_strict(ids, return_dtype=pl.Int64).alias("household_id"),
            pl.col(IDX).cast(pl.Int64).alias("position"), pl.col("id").alias("member_id"))
        write_rows(cursor, m_table, member_columns(), member_rows.select(member_columns()))
        written += member_rows.height
        progress(written=written, force=True)
        _failpoint("after-members")
        touched = households.select("code", "unit_path", "_action").with_columns(
            pl.col("code").replace_strict(ids, return_dtype=pl.Int64).alias("household_id"),
            pl.col("_action").replace({"new": ImportedHousehold.Action.CREATED,
                                       "changed": ImportedHousehold.Action.UPDATED}).alias("action"),
            pl.lit(job_id).alias("job_id"))
        write_rows(cursor, ImportedHousehold._meta.db_table, ["job_id", "household_id", "action", "unit_path"],
                    touched)
    # This year's household counts (the rates' denominators) change: the statistics refill it.
    registry_changed.send(sender=Household, unit_paths=sorted(set(households["unit_path"].to_list())))
    return {"households_created": created.height, "households_updated": changed.height,
            "members_written": members.height, "ids": ids}  # type: ignore[dict-item]


def _ids_by_code(codes: list[str]) -> dict[str, int]:
    from giamngheo.imports.match import select_in

    table = connection.ops.quote_name(Household._meta.db_table)
    return dict(select_in(f"SELECT code, id FROM {table} WHERE code {{in}}", codes))  # noqa: S608


def _update_households(cursor: Any, changed: pl.DataFrame, names: list[str], actor_id: int, now: dt.datetime) -> None:
    quote = connection.ops.quote_name
    table = Household._meta.db_table
    fields = [n for n in names if n != "code"]
    frame = changed.select("household_pk", *fields)
    if connection.vendor == "postgresql":
        # The staging table takes the registry's column types, none of its constraints.
        columns = ", ".join(quote(n) for n in ["id", *fields])
        cursor.execute(f"CREATE TEMP TABLE import_households ON COMMIT DROP AS "  # noqa: S608 (names from models)
                       f"SELECT {columns} FROM {quote(table)} WITH NO DATA")
        staged = frame.rename({"household_pk": "id"})
        copy_rows(cursor, "import_households", list(staged.columns), staged)
        assignments = ", ".join(f"{quote(n)} = s.{quote(n)}" for n in fields)
        cursor.execute(
            f"UPDATE {quote(table)} AS h SET {assignments}, version = h.version + 1, "  # noqa: S608
            "updated_at = %s, updated_by_id = %s FROM import_households AS s WHERE h.id = s.id", [now, actor_id])
        return
    assignments = ", ".join(f"{quote(n)} = %s" for n in fields)
    sql = (f"UPDATE {quote(table)} SET {assignments}, version = version + 1, updated_at = %s, "  # noqa: S608
           "updated_by_id = %s WHERE id = %s")
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    cursor.executemany(sql, [(*row[1:], stamp, actor_id, row[0]) for row in frame.rows()])


# --- classification -----------------------------------------------------------------------------------------------

def _as_text_dates(frame: pl.DataFrame, names: Sequence[str]) -> list[pl.Expr]:
    return [pl.col(n).dt.strftime("%Y-%m-%d").alias(n) if frame.schema[n] == pl.Date else pl.col(n) for n in names]


def _records(households: pl.DataFrame, members: pl.DataFrame) -> list[dict[str, Any]]:
    """Engine records of the written households, exactly as ``classification.engine_record`` builds them from the
    stored rows (citizen IDs left out, unanswered facts left out, the hamlet's name), so the stored snapshot is
    not stale the moment it is written. Dates are formatted by Polars; the loop only drops unanswered keys."""
    member_names = [n for n in MEMBER_FACTS if n in members.columns and n != "citizen_id"]
    member_lists: dict[int, list[dict[str, Any]]] = {}
    for row in members.sort(HH, IDX).select(HH, "id", *_as_text_dates(members, member_names)).iter_rows(named=True):
        key = row.pop(HH)
        member_lists.setdefault(key, []).append({k: v for k, v in row.items() if v is not None and v != ""})
    top = [n for n in ("reference_date", "year", "area", "income", "score_a", "income_basis") if n in households.columns]
    dwelling = [n for n in DWELLING_FACTS if n in households.columns]
    frame = households.select(HH, "code", "province_code", "commune_code", "hamlet_name",
                              *_as_text_dates(households, top), *[pl.col(n).alias(f"d.{n}") for n in dwelling])
    records = []
    for row in frame.iter_rows(named=True):
        record: dict[str, Any] = {"id": row["code"], "province_code": row["province_code"],
                                  "commune_code": row["commune_code"]}
        if row["hamlet_name"]:
            record["hamlet"] = row["hamlet_name"]
        record.update({n: row[n] for n in top if row[n] is not None and row[n] != ""})
        place = {n: row[f"d.{n}"] for n in dwelling if row[f"d.{n}"] is not None and row[f"d.{n}"] != ""}
        if place:
            record["dwelling"] = place
        record["members"] = member_lists.get(row[HH], [])
        records.append(record)
    return records


def _engine_frames(households: pl.DataFrame, members: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's two input frames (``standards.frames``) straight from the validated frames: no record dicts.
    Households keyed 0..n-1 in order, members grouped by household in that order (``aligned`` for ``evaluate``)."""
    h = households.with_row_index("_key").with_columns(
        pl.col("code").alias("id"), pl.col("hamlet_name").alias("hamlet"))
    h_cols = [(pl.col(n).cast(t) if n in h.columns else pl.lit(None, dtype=t)).alias(n)
              for n, t in HOUSEHOLD_SCHEMA.items()]
    engine_h = h.select(*h_cols, pl.col("_key").cast(pl.UInt32).alias(ROW_KEY))
    m = members.join(h.select(HH, "_key", "reference_date"), on=HH, how="inner").sort("_key", IDX)
    m_cols = [(pl.col(n).cast(t) if n in m.columns else pl.lit(None, dtype=t)).alias(n)
              for n, t in MEMBER_SCHEMA.items()]
    engine_m = m.select(*m_cols, pl.col("_key").cast(pl.UInt32).alias(ROW_KEY),
                        pl.col("reference_date").alias(REFERENCE_DATE))
    return engine_h, engine_m


def classify_frames(*, households: pl.DataFrame, members: pl.DataFrame, progress: Progress) -> pl.DataFrame:
    """The classification rows of the households about to be written (keyed by ``code``; no database id is needed,
    so each household's class goes in with its row, never rewritten afterwards), under every standard in force,
    one engine batch per review year, province and standard (``standards.classify.evaluate``, the executor every
    path shares), straight from the frames.

    Results are stored without their explanation: that text is what makes a single reclassification slow, and
    the household page explains a stored result on demand (``households.selectors``). The input snapshot is the
    record ``classification.engine_record`` builds from the stored rows, so the result is not stale. Snapshots are
    built a slice at a time and kept as JSON text, so memory follows the slice, not the file."""
    if households.is_empty():
        return pl.DataFrame()
    snapshots = []
    for chunk in households.iter_slices(SNAPSHOT_SLICE):
        records = _records(chunk, members.join(chunk.select(HH), on=HH, how="semi"))
        snapshots.append(pl.DataFrame({"code": [r["id"] for r in records],
                                       "input_snapshot": [_snapshot(r) for r in records]},
                                      schema={"code": pl.String, "input_snapshot": pl.String}))
    snapshot = pl.concat(snapshots)
    year = pl.coalesce(pl.col("year"), pl.col("reference_date").dt.year()).cast(pl.Int64)
    keyed = households.with_columns(year.alias("_year"))
    parts = []
    done = 0
    for (group_year, province), group in keyed.group_by("_year", "province_code", maintain_order=True):
        engine_h, engine_m = _engine_frames(group, members.join(group.select(HH), on=HH, how="semi"))
        in_force = standards_for({"year": int(group_year), "reference_date": f"{int(group_year)}-01-01",  # type: ignore[call-overload]
                                  "province_code": province})
        for standard in in_force:
            evaluation = evaluate(engine_h.lazy(), engine_m.lazy(), standard, aligned=True)
            results = evaluation.results().with_columns(
                pl.struct(*RESULT_COLUMNS).struct.json_encode().alias("_json"))
            parts.append(results.select(
                pl.col("id").alias("code"),
                pl.lit(standard.id).alias("standard_id"), pl.lit(standard.hash).alias("standard_hash"),
                pl.lit(standard.is_local).alias("is_local"), pl.lit(int(group_year)).alias("year"),  # type: ignore[call-overload]
                pl.col("class").alias("klass"), pl.col("criterion").fill_null(""),
                pl.col("deprivation_count").cast(pl.Int64),
                _json_list("deprivations"),
                _json_list("unknown"),
                pl.col("income_line").cast(pl.Int64), pl.col("basis").fill_null(""),
                pl.col("_json").alias("result"),
            ))
        done += group.height
        progress(classified=done)
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts).join(snapshot, on="code", how="left")


def with_current_class(households: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """The households with the class lists show (``current_class``/``current_standard``: the national standard's),
    "" where no standard is in force for them."""
    if rows.is_empty():
        return households.with_columns(pl.lit("").alias("current_class"), pl.lit("").alias("current_standard"))
    national = rows.filter(~pl.col("is_local")).unique(subset=["code"], keep="first", maintain_order=True).select(
        "code", pl.col("klass").alias("current_class"), pl.col("standard_id").alias("current_standard"))
    return households.drop("current_class", "current_standard", strict=False).join(
        national, on="code", how="left", maintain_order="left").with_columns(
        pl.col("current_class").fill_null(""), pl.col("current_standard").fill_null(""))


def store_classifications(rows: pl.DataFrame, ids: dict[str, int], replaced: list[str]) -> int:
    """The classification rows, replacing whatever the ``replaced`` (updated) households had; new households have
    none. One transaction with the rest."""
    pks = sorted(ids[code] for code in replaced)
    for start in range(0, len(pks), 5000):
        Classification.objects.filter(household_id__in=pks[start:start + 5000]).delete()
    if rows.is_empty():
        return 0
    frame = rows.with_columns(pl.col("code").replace_strict(ids, return_dtype=pl.Int64).alias("household_id"))
    _store_classifications(frame.select(_CLASSIFICATION_COLUMNS))
    return frame.height


def _json_list(name: str) -> pl.Expr:
    """A list of indicator codes as JSON text, for the JSON column."""
    items = pl.col(name).list.eval(pl.format('"{}"', pl.element())).list.join(", ")
    return pl.concat_str(pl.lit("["), items, pl.lit("]")).alias(name)


def _snapshot(record: dict[str, Any]) -> str:
    # Plain JSON already (strings, numbers, booleans, lists): no ``json_safe`` pass over 100,000 records.
    return json.dumps(record, ensure_ascii=False)


_CLASSIFICATION_COLUMNS = ["household_id", "standard_id", "standard_hash", "is_local", "year", "klass", "criterion",
                           "deprivation_count", "deprivations", "unknown", "income_line", "basis", "result",
                           "input_snapshot"]


def _store_classifications(frame: pl.DataFrame) -> None:
    now = timezone.now()
    rows = frame.with_columns(pl.lit(now).alias("computed_at"))
    with connection.cursor() as cursor:
        write_rows(cursor, Classification._meta.db_table, [*_CLASSIFICATION_COLUMNS, "computed_at"],
                    _sqlite_datetimes(rows))


def write_audit_rows(*, actor: Any, rows: pl.DataFrame) -> None:
    """Audit entries as rows (``object_id``, ``object_repr``, ``unit_path``, ``action``, ``object_type``,
    ``changes`` and ``data`` as JSON text), written like the registry rows: one per household of a batch."""
    from giamngheo.core.models import AuditEntry

    frame = rows.with_columns(pl.lit(timezone.now()).alias("at"), pl.lit(actor.pk).alias("actor_id"),
                              pl.lit(actor.get_username()).alias("actor_name"))
    names = ["at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr", "unit_path",
             "changes", "data"]
    with connection.cursor() as cursor:
        write_rows(cursor, AuditEntry._meta.db_table, names, _sqlite_datetimes(frame.select(names)))


def commit_frames(*, households: pl.DataFrame, members: pl.DataFrame, actor: Any, job_id: int, update_changed: bool,
                  progress: Progress, audit: Callable[[dict[str, int]], None]) -> dict[str, int]:
    """The whole commit in one transaction: rows (each household with its class), classification rows, batch list,
    audit."""
    wanted = ["new", "changed"] if update_changed else ["new"]
    written = households.filter(pl.col("_action").is_in(wanted))
    written_members = members.join(written.select(HH), on=HH, how="semi")
    # The engine runs before the transaction opens: the write lock (SQLite) is held only while rows are written.
    rows = classify_frames(households=written, members=written_members, progress=progress)
    with transaction.atomic():
        counts = write(households=with_current_class(written, rows), members=written_members, actor=actor,
                       job_id=job_id, update_changed=update_changed, progress=progress)
        ids: dict[str, int] = counts.pop("ids")  # type: ignore[assignment]
        counts["classifications"] = store_classifications(
            rows, ids, written.filter(pl.col("_action") == "changed")["code"].to_list())
        _failpoint("before-commit")
        audit(counts)
    return counts
