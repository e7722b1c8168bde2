"""Recording reads cheaply: views call ``record_read`` (one line each), which only appends to a buffer on the
request; ``ReadAuditMiddleware`` writes the buffer in one bulk insert once the view has answered, and only if
the answer is a success (a refused page — 404 out of scope, 403, 500 — records nothing). A failure to write is
logged and never breaks the page. Exports of many households flush every ``FLUSH_AT`` rows so memory stays
bounded (one insert per chunk, never one per household). See docs/privacy.md."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from giamngheo.privacy.models import ReadChannel, ReadRecord

logger = logging.getLogger(__name__)

_BUFFER_ATTR = "_giamngheo_reads"
FLUSH_AT = 2000
HOUSEHOLD = "household"

T = TypeVar("T")


def _reader(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _row(user: Any, *, object_type: str, object_id: str, unit_path: str, channel: str,
         count: int | None = None, at: dt.datetime | None = None) -> ReadRecord:
    return ReadRecord(
        at=at or timezone.now(), reader=user, reader_name=(user.get_username() if user else ""),
        object_type=object_type, object_id=str(object_id)[:64], unit_path=unit_path, channel=channel, count=count,
    )


def record_read(request: HttpRequest, *, object_type: str, object_id: str, unit_path: str,
                channel: str = ReadChannel.PAGE, count: int | None = None) -> None:
    """Note that the signed-in user read ``object_type``/``object_id`` (in unit ``unit_path``) through
    ``channel``. Call it after the access check passed; nothing is written before the answer succeeds."""
    buffer: list[ReadRecord] = request.__dict__.setdefault(_BUFFER_ATTR, [])
    buffer.append(_row(_reader(request), object_type=object_type, object_id=object_id, unit_path=unit_path,
                       channel=channel, count=count))
    if len(buffer) >= FLUSH_AT:
        write_reads(buffer)
        buffer.clear()


def record_household_read(request: HttpRequest, household: Any, channel: str = ReadChannel.PAGE) -> None:
    """``record_read`` of one household (the page, its certificate, the API)."""
    record_read(request, object_type=HOUSEHOLD, object_id=household.code, unit_path=household.unit_path,
                channel=channel)


def record_household_reads(user: Any, households: Iterable[T], *, channel: str = ReadChannel.EXPORT
                           ) -> Iterator[T]:
    """Pass ``households`` through unchanged, noting each one as read by ``user`` (an export). Exports run in
    services without a request, so the rows go straight to the database in bulk inserts of ``FLUSH_AT`` rows
    (memory stays bounded on a province's list); each row gets ``count`` = households in this export."""
    reader = user if getattr(user, "is_authenticated", False) else None
    started = timezone.now()
    pending: list[ReadRecord] = []
    total = 0
    for household in households:
        pending.append(_row(reader, object_type=HOUSEHOLD, object_id=household.code,  # type: ignore[attr-defined]
                            unit_path=household.unit_path, channel=channel, at=started))  # type: ignore[attr-defined]
        total += 1
        if len(pending) >= FLUSH_AT:
            write_reads(pending)
            pending = []
        yield household
    for row in pending:
        row.count = total
    write_reads(pending)
    if total > len(pending):
        # Rows written in earlier chunks did not know the total yet: one statement gives it to them.
        try:
            ReadRecord.objects.filter(reader=reader, channel=channel, at=started, count__isnull=True).update(
                count=total)
        except Exception:
            logger.exception("read audit: could not complete the count of an export")


def write_reads(rows: list[ReadRecord]) -> None:
    """One bulk insert; a failure is logged, never raised (the read already happened)."""
    if not rows:
        return
    try:
        with transaction.atomic():
            ReadRecord.objects.bulk_create(rows, batch_size=FLUSH_AT)
    except Exception:
        logger.exception("read audit: could not record %d read(s)", len(rows))


def flush_reads(request: HttpRequest, response: HttpResponse | None = None) -> None:
    rows: list[ReadRecord] = request.__dict__.pop(_BUFFER_ATTR, [])
    if rows and (response is None or response.status_code < 400):
        write_reads(rows)


class ReadAuditMiddleware:
    """Writes the reads a view noted, in one insert, after the view answered successfully."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        flush_reads(request, response)
        return response


def retention_days() -> int:
    return int(getattr(settings, "GIAMNGHEO_READ_AUDIT_DAYS", 730))


def reads_purge(*, now: dt.datetime | None = None) -> int:
    """Delete reads older than the retention period and return how many; one audit entry when any went.
    Deletes in chunks so a first purge of years of reads does not hold one long lock."""
    from giamngheo.core.audit import log_action
    from giamngheo.privacy import audit_codes

    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    deleted = 0
    while True:
        ids = list(ReadRecord.objects.filter(at__lt=cutoff).order_by("id").values_list("id", flat=True)[:5000])
        if not ids:
            break
        deleted += ReadRecord.objects.filter(id__in=ids).delete()[0]
    if deleted:
        with transaction.atomic():
            log_action(actor=None, action=audit_codes.READS_PURGED, object_type="read_audit", object_id="-",
                       data={"deleted": deleted, "days": retention_days(), "before": cutoff})
    return deleted
