"""``giamngheo purge_reads``: delete reads older than GIAMNGHEO_READ_AUDIT_DAYS (run daily from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from giamngheo.core.audit import log_action
from giamngheo.privacy import audit_codes
from giamngheo.privacy.reads import reads_purge, retention_days


class Command(BaseCommand):
    help = "Xoá các lượt xem hồ sơ đã quá thời hạn lưu (GIAMNGHEO_READ_AUDIT_DAYS)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = reads_purge()
        if deleted:
            with transaction.atomic():
                log_action(actor=None, action=audit_codes.READS_PURGED, object_type="read_audit", object_id="-",
                           data={"deleted": deleted, "days": retention_days()})
        self.stdout.write(f"{deleted} read(s) older than {retention_days()} days deleted")
