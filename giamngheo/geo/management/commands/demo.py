"""``giamngheo demo``: build a demo database (Vĩnh Long, synthetic households, demo accounts)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from giamngheo.core.errors import ApplicationError
from giamngheo.demo.build import DEFAULT_HOUSEHOLDS, DEFAULT_SEED, QUICK_HOUSEHOLDS, demo_build


class Command(BaseCommand):
    help = "Tạo cơ sở dữ liệu thử nghiệm: đơn vị hành chính tỉnh Vĩnh Long, hộ gia đình giả lập, tài khoản thử nghiệm."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=None,
                            help=f"Số hộ giả lập (mặc định {DEFAULT_HOUSEHOLDS}).")
        parser.add_argument("--quick", action="store_true",
                            help=f"Bản nhỏ ({QUICK_HOUSEHOLDS} hộ), để kiểm thử.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
        parser.add_argument("--force", action="store_true",
                            help="Tạo cả khi cơ sở dữ liệu đã có dữ liệu khác (không dùng cho dữ liệu thật).")

    def handle(self, *args: Any, **options: Any) -> None:
        households = options["households"] or (QUICK_HOUSEHOLDS if options["quick"] else DEFAULT_HOUSEHOLDS)
        started = time.monotonic()
        try:
            result = demo_build(households=households, seed=options["seed"], force=options["force"],
                                progress=self.stdout.write)
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        if not result.built:
            self.stdout.write(_("Cơ sở dữ liệu đã có dữ liệu thử nghiệm; không làm gì thêm."))
            return
        self.stdout.write("")
        self.stdout.write(_("Đã tạo dữ liệu thử nghiệm trong %(seconds)d giây:") % {
            "seconds": round(time.monotonic() - started)})
        for label, value in result.summary:
            self.stdout.write(f"  {label}: {value}")
