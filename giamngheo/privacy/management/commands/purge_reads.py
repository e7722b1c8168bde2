"""``giamngheo purge_reads``: delete reads older than GIAMNGHEO_READ_AUDIT_DAYS (run daily from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from giamngheo.privacy.reads import reads_purge, retention_days


class Command(BaseCommand):
    help = "Xoá các lượt xem hồ sơ đã quá thời hạn lưu (GIAMNGHEO_READ_AUDIT_DAYS)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = reads_purge()
        self.stdout.write(f"{deleted} read(s) older than {retention_days()} days deleted")
