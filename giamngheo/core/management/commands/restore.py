"""``giamngheo restore FILE [--yes]``: replace the database's content with a backup made by ``giamngheo backup``.

Stop the web server and the workers first. Before touching the database the command checks the file against its
manifest (SHA-256), that it is for the configured engine, and that the backup was not made by a newer version of
the code; it asks for confirmation unless ``--yes`` is given (and refuses when nobody is at a terminal to ask).
After the restore the database is compared with the manifest. Exit status 0 on success, 1 on failure, 2 when not
confirmed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from giamngheo.core.backup import BackupError, backup_restore, restore_check
from giamngheo.core.management.commands.backup import fail

CONFIRMATION = "khoi phuc"


class Command(BaseCommand):
    help = "Khôi phục cơ sở dữ liệu từ một bản sao lưu của lệnh giamngheo backup (thay toàn bộ dữ liệu hiện có)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="TỆP", help="Tệp sao lưu (bản kê TỆP.json phải ở bên cạnh).")
        parser.add_argument("--yes", action="store_true",
                            help="Không hỏi lại: đồng ý thay toàn bộ dữ liệu hiện có bằng bản sao lưu.")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("vi")
        path: Path = options["file"]
        try:
            manifest = restore_check(path=path)
            if not options["yes"] and not self._confirmed(path, manifest):
                self.stderr.write(_("Chưa khôi phục: cần xác nhận (gõ “%(word)s” khi được hỏi, hoặc thêm --yes).")
                                  % {"word": CONFIRMATION})
                sys.exit(2)
            result = backup_restore(path=path)
        except BackupError as exc:
            fail(self, exc)
        self.stdout.write(_("Đã khôi phục từ %(name)s (sao lưu lúc %(at)s UTC); cơ sở dữ liệu khớp bản kê.") % {
            "name": path.name, "at": result.manifest["created_at"][:19].replace("T", " ")})
        if result.pending_migrations:
            self.stdout.write(_("Bản sao lưu cũ hơn phần mềm này (%(count)d migration chưa áp dụng): hãy chạy "
                                "“giamngheo migrate” trước khi mở lại ứng dụng.")
                              % {"count": len(result.pending_migrations)})

    def _confirmed(self, path: Path, manifest: dict[str, Any]) -> bool:
        if not sys.stdin.isatty():
            return False
        self.stdout.write(_("Mọi dữ liệu hiện có trong cơ sở dữ liệu %(database)s sẽ bị thay bằng bản sao lưu "
                            "%(name)s (lúc %(at)s UTC). Những gì ghi sau thời điểm đó sẽ mất.") % {
            "database": connection.settings_dict["NAME"], "name": path.name,
            "at": manifest["created_at"][:19].replace("T", " ")})
        answer = input(_("Gõ “%(word)s” để tiếp tục: ") % {"word": CONFIRMATION})
        return answer.strip().lower() == CONFIRMATION
