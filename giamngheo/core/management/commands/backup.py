"""``giamngheo backup``: a verified copy of the database (docs/operations.md, "Backups")::

    giamngheo backup                              into var/backups, verified by a restore into a scratch database
    giamngheo backup --output /srv/sao-luu --keep 14   … and keep only the 14 newest backups there
    giamngheo backup --no-verify                  skip the scratch restore (the nightly job should not)
    giamngheo backup --verify-only FILE           check an existing backup: SHA-256, then a scratch restore

SQLite is copied with its online backup API, PostgreSQL with ``pg_dump --format=custom``; the app may keep running.
Exit status 0 on success; 1 with the reasons on stderr when anything fails, and then no new backup is left.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from giamngheo.core.backup import BackupError, VerificationFailed, backup_create, backup_verify
from giamngheo.core.formatting import format_number


def default_output() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def fail(command: BaseCommand, exc: BackupError) -> NoReturn:
    command.stderr.write(str(exc))
    for problem in getattr(exc, "problems", []):
        command.stderr.write(f"  - {problem}")
    sys.exit(1)


class Command(BaseCommand):
    help = ("Sao lưu cơ sở dữ liệu (SQLite: sao chép trực tuyến; PostgreSQL: pg_dump) kèm bản kê, rồi khôi phục thử "
            "vào cơ sở dữ liệu tạm để kiểm tra.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, metavar="THƯ_MỤC",
                            help="Thư mục chứa bản sao lưu (mặc định: var/backups).")
        parser.add_argument("--keep", type=int, default=None, metavar="SỐ",
                            help="Chỉ giữ chừng này bản sao lưu mới nhất trong thư mục, xoá các bản cũ hơn.")
        parser.add_argument("--verify", action="store_true", default=True,
                            help="Khôi phục thử vào cơ sở dữ liệu tạm và so với bản kê (mặc định).")
        parser.add_argument("--no-verify", dest="verify", action="store_false",
                            help="Không khôi phục thử.")
        parser.add_argument("--verify-only", type=Path, default=None, metavar="TỆP",
                            help="Chỉ kiểm tra một bản sao lưu đã có, không tạo bản mới.")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("vi")
        try:
            if options["verify_only"] is not None:
                self._verify_only(options["verify_only"])
            else:
                self._backup(options)
        except BackupError as exc:
            fail(self, exc)

    def _verify_only(self, path: Path) -> None:
        manifest = backup_verify(path=path)
        self.stdout.write(_("Bản sao lưu %(name)s tốt: mã SHA-256 khớp, khôi phục thử vào cơ sở dữ liệu tạm khớp bản "
                            "kê (%(tables)s bảng, %(rows)s dòng).") % {
            "name": path.name, "tables": format_number(len(manifest["tables"])),
            "rows": format_number(sum(manifest["tables"].values()))})

    def _backup(self, options: dict[str, Any]) -> None:
        result = backup_create(output_dir=options["output"] or default_output(), verify=options["verify"],
                               keep=options["keep"])
        tables = result.manifest["tables"]
        self.stdout.write(_("Đã sao lưu vào %(path)s (%(size)s byte; %(tables)s bảng, %(rows)s dòng).") % {
            "path": result.path, "size": format_number(result.manifest["size"]),
            "tables": format_number(len(tables)), "rows": format_number(sum(tables.values()))})
        if result.verified:
            self.stdout.write(_("Đã kiểm tra: khôi phục thử vào cơ sở dữ liệu tạm khớp bản kê."))
        else:
            self.stdout.write(_("Chưa kiểm tra bản sao lưu này (--no-verify)."))
        for path in result.removed:
            self.stdout.write(_("Đã xoá bản sao lưu cũ %(name)s.") % {"name": path.name})


__all__ = ["Command", "VerificationFailed", "default_output", "fail"]
