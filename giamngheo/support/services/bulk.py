"""Support records written in bulk: the commit of a validated support list (``imports.support``).

The rows arrive checked, column by column, by the import's validation; this service runs inside one transaction
and asks again what may have changed since: the households still exist and lie where the actor may enter
support, the kinds and programmes still exist, and no row duplicates a record stored meanwhile (same household,
kind, date and amount). Any of these refuses the whole batch (nothing is written) with a sentence telling the
officer to upload the file again.

Writes are set-based: the households are locked once (so two imports of the same list cannot both pass the
duplicate check), the records are inserted with one ``bulk_create`` per batch, and the audit trail gets one entry
per record written — the same ``giamngheo.support.record_created`` entry a single record gets, so a record's
history starts the same way whichever way it came in — and one entry for the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl
from django.db import transaction
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.core.audit import diff, json_safe, log_action
from giamngheo.core.dates import date_in_bounds
from giamngheo.core.errors import ApplicationError, PermissionDenied
from giamngheo.core.formatting import format_date
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household
from giamngheo.support.models import Programme, ProviderType, SupportKind, SupportRecord
from giamngheo.support.services import records as record_rules

CHUNK = 2000
RECORD_FIELDS = ("household_id", "kind_id", "programme_id", "given_on", "provider_type", "provider_name",
                 "member_ref", "amount", "quantity", "description", "loan_term_months", "loan_outstanding",
                 "loan_outstanding_on", "note")
_TEXT_FIELDS = ("provider_name", "member_ref", "description", "note")
BATCH_ACTION = "giamngheo.support.records_imported"


def _chunks(values: list[Any]) -> Any:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _scope_ok(scope: list[list[str]], unit_path: str) -> bool:
    return all(any(unit_path.startswith(p) for p in paths) for paths in scope)


def _households(ids: list[int]) -> dict[int, tuple[str, str]]:
    """(code, unit_path) of each live household, locked until the transaction ends."""
    found: dict[int, tuple[str, str]] = {}
    for part in _chunks(ids):
        for pk, code, path in (Household.objects.select_for_update().filter(pk__in=part, deleted_at__isnull=True)
                               .order_by("pk").values_list("pk", "code", "unit_path")):
            found[pk] = (code, path)
    return found


def _check(rows: pl.DataFrame) -> None:
    """The bounds no caller may skip, whatever validated the rows before."""
    bad = rows.filter(
        pl.col("kind_id").is_null() | pl.col("given_on").is_null()
        | ~pl.col("provider_type").is_in([str(c) for c in ProviderType.values])
        | (pl.col("amount").is_not_null() & ~pl.col("amount").is_between(1, record_rules.MAX_AMOUNT))
        | (pl.col("loan_outstanding").is_not_null()
           & ~pl.col("loan_outstanding").is_between(0, record_rules.MAX_AMOUNT))
        | (pl.col("quantity").is_not_null() & ~pl.col("quantity").is_between(1, record_rules.MAX_QUANTITY))
        | (pl.col("loan_term_months").is_not_null()
           & ~pl.col("loan_term_months").is_between(1, record_rules.MAX_LOAN_TERM_MONTHS)))
    dates = rows["given_on"].drop_nulls().to_list() + rows["loan_outstanding_on"].drop_nulls().to_list()
    if bad.height or not all(date_in_bounds(d) and d.year >= record_rules.FIRST_YEAR for d in dates):
        raise ApplicationError(_("Danh sách hỗ trợ có dòng chưa đúng (loại, ngày, đơn vị hỗ trợ hoặc số tiền); chưa "
                                 "ghi gì."))


def duplicate_key() -> list[pl.Expr]:
    """What makes two records the same support: household, kind, date and amount (no amount is a value too)."""
    return [pl.col("household_id"), pl.col("kind_id"), pl.col("given_on"),
            pl.col("amount").fill_null(-1).alias("amount_key")]


def stored_counts(keys: pl.DataFrame) -> pl.DataFrame:
    """How many live records each (``household_id``, ``kind_id``, ``given_on``, ``amount_key``) of the
    households in ``keys`` has: column ``stored``."""
    rows: list[tuple[Any, ...]] = []
    for part in _chunks(keys["household_id"].drop_nulls().unique().to_list()):
        rows += SupportRecord.objects.filter(household_id__in=part, deleted_at__isnull=True).values_list(
            "household_id", "kind_id", "given_on", "amount")
    found = pl.DataFrame(rows, schema={"household_id": pl.Int64, "kind_id": pl.Int64, "given_on": pl.Date,
                                       "amount": pl.Int64}, orient="row")
    return found.select(duplicate_key()).group_by("household_id", "kind_id", "given_on", "amount_key").agg(
        pl.len().cast(pl.Int64).alias("stored"))


def _stored_duplicates(rows: pl.DataFrame) -> int:
    """Rows equal to a live stored record."""
    keys = rows.select(duplicate_key())
    return keys.join(stored_counts(rows), on=["household_id", "kind_id", "given_on", "amount_key"],
                     how="semi").height


def support_records_import(*, actor: Any, rows: pl.DataFrame, source: Mapping[str, Any] | None = None,
                           audit_batch: Callable[[dict[str, int]], None] | None = None) -> dict[str, int]:
    """Write support records in bulk, in one transaction (joining the caller's, if any), and audit them.

    ``rows``: one row per record with the columns of ``RECORD_FIELDS`` (``imports.support.RECORD_FIELDS``):
    ``household_id``, ``kind_id``, ``programme_id``, ``given_on``, ``provider_type``, ``provider_name``,
    ``member_ref``, ``amount``, ``quantity``, ``description``, ``loan_term_months``, ``loan_outstanding``,
    ``loan_outstanding_on``, ``note``. The record's year is its date's; its unit is the household's now.
    ``source`` (e.g. the import job and file name) goes into every audit entry. The batch is recorded once: by
    ``audit_batch(counts)`` when the caller has its own entry (the import job's), else by a
    ``giamngheo.support.records_imported`` entry. Returns ``{"support_records": n, "households": m}``.

    Raises ``PermissionDenied`` when a household lies outside the actor's scope and ``ApplicationError`` when a
    household is gone, a kind or programme is unknown, a value is out of bounds, or a row duplicates a stored
    record: nothing is written then."""
    frame = rows.select(RECORD_FIELDS)
    counts = {"support_records": 0, "households": 0}
    with transaction.atomic():
        if frame.is_empty():
            _audit_batch(actor, counts, source, audit_batch, "")
            return counts
        _check(frame)
        households = _households(frame["household_id"].unique().sort().to_list())
        if len(households) != frame["household_id"].n_unique():
            raise ApplicationError(_("Có hộ trong danh sách không còn trong hệ thống; chưa ghi gì. Hãy tải tệp lên "
                                     "lại."))
        # Entering support takes ``support.edit`` and ``household.view`` there (the single record's rule), and
        # ``data.import``: bulk entry is an import.
        scope = [paths_for(actor, perm) for perm in (Perm.SUPPORT_EDIT, Perm.HOUSEHOLD_VIEW, Perm.DATA_IMPORT)]
        if not all(_scope_ok(scope, path) for path in {p for _c, p in households.values()}):
            raise PermissionDenied(_("Danh sách có hộ thuộc địa bàn bạn không được nhập hỗ trợ; chưa ghi gì."))
        kinds = {pk: name for pk, name in SupportKind.objects.filter(
            pk__in=frame["kind_id"].unique().to_list()).values_list("pk", "name")}
        programme_ids = frame["programme_id"].drop_nulls().unique().to_list()
        known_programmes = set(Programme.objects.filter(pk__in=programme_ids).values_list("pk", flat=True))
        if set(frame["kind_id"].unique().to_list()) - set(kinds) or set(programme_ids) - known_programmes:
            raise ApplicationError(_("Danh mục loại hỗ trợ hoặc chương trình vừa thay đổi; chưa ghi gì. Hãy tải tệp "
                                     "lên lại."))
        if _stored_duplicates(frame):
            raise ApplicationError(_("Một số hỗ trợ trong danh sách vừa được ghi vào hệ thống (sau khi kiểm tra tệp); "
                                     "không ghi trùng, chưa ghi gì. Hãy tải tệp lên lại."))
        user = record_rules.user_or_none(actor)
        records: list[SupportRecord] = []
        for values in frame.iter_rows(named=True):
            code, path = households[values["household_id"]]
            for name in _TEXT_FIELDS:
                values[name] = values[name] or ""
            records.append(SupportRecord(unit_path=path, year=values["given_on"].year, created_by=user,
                                         updated_by=user, **values))
        written = SupportRecord.objects.bulk_create(records, batch_size=CHUNK)
        counts = {"support_records": len(written), "households": len(households)}
        _audit_records(actor, written, households, kinds, source)
        _audit_batch(actor, counts, source, audit_batch, _common_path([p for _c, p in households.values()]))
    return counts


def _common_path(paths: list[str]) -> str:
    """The deepest unit holding every household of the batch (the batch entry is filed there)."""
    if not paths:
        return ""
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    return "/" + "/".join(common) + "/" if common else ""


def _audit_records(actor: Any, written: list[SupportRecord], households: dict[int, tuple[str, str]],
                   kinds: dict[int, str], source: Mapping[str, Any] | None) -> None:
    """One ``record_created`` entry per record, as ``support_record_create`` writes it, in one bulk insert."""
    user = record_rules.user_or_none(actor)
    name = user.get_username() if user is not None else "system"
    entries = []
    for record in written:
        code, _path = households[record.household_id]
        entries.append(AuditEntry(
            actor=user, actor_name=name, action="giamngheo.support.record_created", object_type="support_record",
            object_id=str(record.pk),
            object_repr=f"{code} · {kinds[record.kind_id]} · {format_date(record.given_on)}"[:255],
            unit_path=record.unit_path, changes=json_safe(diff({}, record_rules.snapshot(record, record_rules.EDITABLE))),
            data=json_safe({"household": code, **(source or {})})))
    AuditEntry.objects.bulk_create(entries, batch_size=CHUNK)


def _audit_batch(actor: Any, counts: dict[str, int], source: Mapping[str, Any] | None,
                 audit_batch: Callable[[dict[str, int]], None] | None, unit_path: str) -> None:
    if audit_batch is not None:
        audit_batch(counts)
        return
    log_action(actor=actor, action=BATCH_ACTION, object_type="support_record",
               object_id=str((source or {}).get("import") or "batch")[:64],
               object_repr=_("Nhập %(count)d hỗ trợ cho hộ") % {"count": counts["support_records"]},
               unit_path=unit_path, data={"counts": counts, **(source or {})})
