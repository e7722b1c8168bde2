"""Past recognised lists written into the ledger as entries of kind ``import`` (issue 7, point 5).

A province adopting giamngheo has last year's poor and near-poor lists as signed decisions; written here as
ledger entries, they give the first review its starting statuses, so its movements (escaped, re-poor, newly
poor…) are right from the start. ``reviews.ledger`` counts an imported entry exactly like a periodic one.

What must always hold:

* an import never replaces what a review wrote: a live periodic, regular, correction or removal entry of the
  same household, year and series refuses the row (``standing`` says ``review``);
* an import never replaces an earlier import either: the identical entry is left as it is (re-importing a file
  changes nothing), a different one is refused and must go through the review's correction flow;
* a decision number names one decision per commune: an imported row reuses the decision imported before
  under that number only when its date and year agree, and never adds households to a decision recognised
  through a review in this system.

The same checks run twice: at validation (``imports.ledger``, to report every problem at once) and again here
inside the commit's transaction, so a review or another import that wrote in between is never overwritten.
Writes are set-based: one query per kind of row read, one ``executemany`` for the entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.core.errors import ApplicationError, PermissionDenied
from giamngheo.demo.bulk import insert_objects
from giamngheo.households.models import Household
from giamngheo.households.records import household_to_record
from giamngheo.reviews import engine, ledger
from giamngheo.reviews.categories import categories_of
from giamngheo.reviews.models import CycleKind, Decision, LedgerClass, LedgerEntry, LedgerKind
from giamngheo.reviews.services._common import _user
from giamngheo.reviews.status import status_spans_refresh

# The statuses a recognised list can give. ``removed`` is not one: leaving the register is the review's removal.
IMPORTABLE_CLASSES = (LedgerClass.POOR, LedgerClass.NEAR_POOR, LedgerClass.AVERAGE, LedgerClass.NONE)
REVIEW_KINDS = frozenset({LedgerKind.PERIODIC, LedgerKind.REGULAR, LedgerKind.CORRECTION, LedgerKind.REMOVAL})
CHUNK = 5000

STANDING_SCHEMA: dict[str, Any] = {
    "household_id": pl.Int64, "year": pl.Int64, "series": pl.String, "standing": pl.String,
    "existing_klass": pl.String, "existing_standard": pl.String, "existing_number": pl.String,
    "existing_date": pl.Date,
}
DECISION_SCHEMA: dict[str, Any] = {
    "commune_id": pl.Int64, "decision_number": pl.String, "decision_id": pl.Int64, "existing_date": pl.Date,
    "existing_year": pl.Int64, "importable": pl.Boolean,
}


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def import_scope(actor: Any) -> tuple[list[str], list[str]]:
    """(paths where the actor may import, paths where they may edit households): a row may be written only
    for a household under one of each."""
    return paths_for(actor, Perm.DATA_IMPORT), paths_for(actor, Perm.HOUSEHOLD_EDIT)


def may_import_for(scope: tuple[list[str], list[str]], unit_path: str) -> bool:
    importing, editing = scope
    return any(unit_path.startswith(p) for p in importing) and any(unit_path.startswith(p) for p in editing)


def standard_reference(standard_id: str) -> tuple[str, str]:
    """(definition hash, series) of a standard; raises ``engine.StandardError`` for an unknown one."""
    return engine.get_standard(standard_id).hash, engine.series_of(standard_id)


def standing(keys: pl.DataFrame) -> pl.DataFrame:
    """What the ledger already holds for each (``household_id``, ``year``, ``series``) of ``keys``: one row per
    key that has a live entry, with ``standing`` ``review`` (a review wrote it: never overwritten) or
    ``import`` (an earlier import), and the latest such import's class, standard, decision number and date."""
    ids = keys["household_id"].drop_nulls().unique().to_list()
    years = keys["year"].drop_nulls().unique().to_list()
    rows: list[tuple[Any, ...]] = []
    for part in _chunks(ids):
        rows += ledger.live_entries().filter(household_id__in=part, year__in=years).order_by(
            "household_id", "year", "effective_on", "id").values_list(
            "household_id", "year", "series", "kind", "klass", "standard_id", "decision__number",
            "decision__signed_on")
    found = pl.DataFrame(rows, schema={"household_id": pl.Int64, "year": pl.Int64, "series": pl.String,
                                       "kind": pl.String, "klass": pl.String, "standard_id": pl.String,
                                       "number": pl.String, "signed_on": pl.Date}, orient="row")
    wanted = keys.select("household_id", "year", "series").unique()
    found = found.join(wanted, on=["household_id", "year", "series"], how="semi")
    return found.group_by("household_id", "year", "series", maintain_order=True).agg(
        pl.when(pl.col("kind").is_in([k.value for k in REVIEW_KINDS]).any()).then(pl.lit("review")).otherwise(pl.lit("import"))
        .alias("standing"),
        pl.col("klass").last().alias("existing_klass"),
        pl.col("standard_id").last().alias("existing_standard"),
        pl.col("number").last().alias("existing_number"),
        pl.col("signed_on").last().alias("existing_date"),
    ).cast(STANDING_SCHEMA)  # type: ignore[arg-type]


def decisions_known(keys: pl.DataFrame) -> pl.DataFrame:
    """The decisions already stored under each (``commune_id``, ``decision_number``) of ``keys``, with their
    date and year and whether an import may add entries to them (only one an import itself created: a
    periodic decision without a review cycle)."""
    pairs = keys.select("commune_id", "decision_number").drop_nulls().unique()
    rows: list[tuple[Any, ...]] = []
    communes = pairs["commune_id"].unique().to_list()
    numbers = pairs["decision_number"].unique().to_list()
    for part in _chunks(numbers):
        for pk, commune_id, number, signed_on, year, kind, cycle_id in Decision.objects.filter(
                commune_id__in=communes, number__in=part).values_list(
                "pk", "commune_id", "number", "signed_on", "year", "kind", "cycle_id"):
            rows.append((commune_id, number, pk, signed_on, year, kind == CycleKind.PERIODIC and cycle_id is None))
    found = pl.DataFrame(rows, schema=DECISION_SCHEMA, orient="row")
    return found.join(pairs, on=["commune_id", "decision_number"], how="semi")


@dataclass(frozen=True)
class LedgerImport:
    """What ``ledger_entries_import`` wrote: ``counts`` (``ledger_entries``, ``decisions_created``, ``skipped``
    identical entries) and the households it wrote entries for."""

    counts: dict[str, int]
    household_ids: list[int] = field(default_factory=list)


def _households(ids: list[int]) -> dict[int, Household]:
    found: dict[int, Household] = {}
    for part in _chunks(ids):
        for household in (Household.objects.filter(pk__in=part, deleted_at__isnull=True)
                          .select_related("commune__parent", "hamlet").prefetch_related("members")):
            found[household.pk] = household
    return found


def ledger_entries_import(*, actor: Any, entries: pl.DataFrame) -> LedgerImport:
    """Write past recognised statuses as ledger entries of kind ``import``, inside the caller's transaction.

    ``entries``: one row per household, year and standard, with ``household_id``, ``year``, ``standard_id``,
    ``klass``, ``decision_number`` and ``decision_date``. Everything else of an entry comes from the registry:
    area, commune and unit of the household as it is now, and the category snapshot (ethnic minority,
    meritorious…) computed from its stored record, since a past list records no members. Decisions are found
    by commune and number, or created (periodic, without a cycle or signer). An entry identical to one imported
    before is skipped. Raises ``PermissionDenied`` for a household outside the actor's import scope and
    ``ApplicationError`` when a review or a different import already holds the year: nothing is written then,
    since the caller's transaction rolls back.

    """
    if not connection.in_atomic_block:
        raise RuntimeError("ledger_entries_import must run inside the caller's transaction")
    counts = {"ledger_entries": 0, "decisions_created": 0, "skipped": 0}
    if entries.is_empty():
        return LedgerImport(counts)
    frame = entries.select("household_id", "year", "standard_id", "klass", "decision_number", "decision_date")
    bad_class = frame.filter(~pl.col("klass").is_in([c.value for c in IMPORTABLE_CLASSES]))
    if bad_class.height:
        raise ApplicationError(_("Phân loại “%(klass)s” không nhập được vào sổ theo dõi.")
                               % {"klass": bad_class["klass"][0]})
    households = _households(frame["household_id"].unique().to_list())
    missing = set(frame["household_id"].unique().to_list()) - set(households)
    if missing:
        raise ApplicationError(_("%(count)d hộ trong danh sách không còn trong hệ thống; chưa ghi gì.")
                               % {"count": len(missing)})
    scope = import_scope(actor)
    if any(not may_import_for(scope, h.unit_path) for h in households.values()):
        raise PermissionDenied(_("Danh sách có hộ thuộc địa bàn bạn không được giao nhập dữ liệu; chưa ghi gì."))
    references = {sid: standard_reference(sid) for sid in frame["standard_id"].unique().to_list()}
    frame = frame.with_columns(
        pl.col("standard_id").replace_strict({k: v[0] for k, v in references.items()}, return_dtype=pl.String)
        .alias("standard_hash"),
        pl.col("standard_id").replace_strict({k: v[1] for k, v in references.items()}, return_dtype=pl.String)
        .alias("series"),
        pl.col("household_id").replace_strict({pk: h.commune_id for pk, h in households.items()},
                                              return_dtype=pl.Int64).alias("commune_id"),
    )
    frame = frame.join(standing(frame), on=["household_id", "year", "series"], how="left")
    if frame.filter(pl.col("standing") == "review").height:
        raise ApplicationError(_("Một số hộ vừa có kết quả rà soát cho năm trong danh sách (ghi sau khi kiểm tra "
                                 "tệp); không ghi đè, chưa ghi gì. Hãy tải tệp lên lại."))
    same = (pl.col("standing") == "import") & (pl.col("existing_klass") == pl.col("klass")) & (
        pl.col("existing_standard") == pl.col("standard_id")) & (pl.col("existing_number") == pl.col(
            "decision_number")) & (pl.col("existing_date") == pl.col("decision_date"))
    frame = frame.with_columns(same.fill_null(False).alias("_same"))
    if frame.filter((pl.col("standing") == "import") & ~pl.col("_same")).height:
        raise ApplicationError(_("Một số hộ đã được nhập vào sổ theo dõi với kết quả khác (ghi sau khi kiểm tra "
                                 "tệp); không ghi đè, chưa ghi gì. Hãy tải tệp lên lại."))
    counts["skipped"] = frame.filter("_same").height
    frame = frame.filter(~pl.col("_same"))
    if frame.is_empty():
        return LedgerImport(counts)
    decision_ids, created = _decisions(actor, frame)
    counts["decisions_created"] = created
    user = _user(actor)
    categories = {pk: categories_of(household_to_record(h, show_citizen_ids=False))
                  for pk, h in households.items()}
    rows = []
    for household_id, year, standard_id, standard_hash, series, klass, number, signed_on, commune_id in frame.select(
            "household_id", "year", "standard_id", "standard_hash", "series", "klass", "decision_number",
            "decision_date", "commune_id").iter_rows():
        household, cats = households[household_id], categories[household_id]
        rows.append(LedgerEntry(
            household_id=household_id, year=year, standard_id=standard_id, standard_hash=standard_hash,
            series=series, kind=LedgerKind.IMPORTED, klass=klass, effective_on=signed_on,
            decision_id=decision_ids[(commune_id, number)], ethnic_minority=cats.ethnic_minority,
            meritorious=cats.meritorious, social_protection=cats.social_protection,
            no_working_capacity=cats.no_working_capacity, area=household.area, commune_id=household.commune_id,
            unit_path=household.unit_path, recorded_by=user,
        ))
    counts["ledger_entries"] = insert_objects(rows)
    status_spans_refresh(frame["household_id"].unique().to_list())
    return LedgerImport(counts, frame["household_id"].unique(maintain_order=True).to_list())


def _decisions(actor: Any, frame: pl.DataFrame) -> tuple[dict[tuple[int, str], int], int]:
    """(commune id, number) → decision id for every decision the rows name, creating the missing ones."""
    wanted = frame.group_by("commune_id", "decision_number").agg(
        pl.col("decision_date").unique().alias("dates"), pl.col("year").unique().alias("years"))
    clash = wanted.filter((pl.col("dates").list.len() > 1) | (pl.col("years").list.len() > 1))
    if clash.height:
        raise ApplicationError(_("Quyết định số %(number)s được ghi với nhiều ngày hoặc nhiều năm khác nhau.")
                               % {"number": clash["decision_number"][0]})
    wanted = wanted.with_columns(pl.col("dates").list.first().alias("decision_date"),
                                 pl.col("years").list.first().alias("year"))
    known = decisions_known(wanted)
    joined = wanted.join(known, on=["commune_id", "decision_number"], how="left")
    conflict = joined.filter(pl.col("decision_id").is_not_null() & (
        ~pl.col("importable") | (pl.col("existing_date") != pl.col("decision_date"))
        | (pl.col("existing_year") != pl.col("year"))))
    if conflict.height:
        raise ApplicationError(_("Số quyết định %(number)s đã được dùng ở xã này cho một quyết định khác; chưa ghi "
                                 "gì.") % {"number": conflict["decision_number"][0]})
    ids: dict[tuple[int, str], int] = {
        (c, n): d for c, n, d in joined.filter(pl.col("decision_id").is_not_null()).select(
            "commune_id", "decision_number", "decision_id").iter_rows()}
    new = joined.filter(pl.col("decision_id").is_null())
    if new.height:
        from giamngheo.geo.models import AdminUnit

        paths = dict(AdminUnit.objects.filter(pk__in=new["commune_id"].unique().to_list()).values_list("pk", "path"))
        user = _user(actor)
        Decision.objects.bulk_create([
            Decision(kind=CycleKind.PERIODIC, commune_id=commune_id, unit_path=paths[commune_id], cycle=None,
                     year=year, number=number, signed_on=signed_on, signer_name="", signer_title="",
                     created_by=user, updated_by=user)
            for commune_id, number, signed_on, year in new.select(
                "commune_id", "decision_number", "decision_date", "year").iter_rows()])
        # Read back by the unique (commune, number) rather than trusting bulk_create to return keys on every backend.
        for part in _chunks(new["decision_number"].unique().to_list()):
            for pk, commune_id, number in Decision.objects.filter(
                    commune_id__in=new["commune_id"].unique().to_list(), number__in=part).values_list(
                    "pk", "commune_id", "number"):
                ids.setdefault((commune_id, number), pk)
    return ids, new.height

