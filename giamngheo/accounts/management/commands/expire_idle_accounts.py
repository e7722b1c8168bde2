"""``giamngheo expire_idle_accounts``: switch off accounts nobody has signed in to for
``GIAMNGHEO_IDLE_ACCOUNT_DAYS`` days (docs/security.md, "Log-in").

    giamngheo expire_idle_accounts              switch them off, one audit entry each
    giamngheo expire_idle_accounts --dry-run    only list them

Safe to run daily from cron (or as often as one likes): an account already switched off is not looked at
again, and a run that stops half-way leaves each account either switched off with its entry or untouched.
Superusers are never switched off; idle ones are listed for the operator to review.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from giamngheo.accounts.lifecycle import idle_users, last_activity, users_expire_idle


class Command(BaseCommand):
    help = "Ngừng hoạt động các tài khoản lâu không đăng nhập (GIAMNGHEO_IDLE_ACCOUNT_DAYS ngày)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Chỉ liệt kê, không ngừng tài khoản nào.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.GIAMNGHEO_IDLE_ACCOUNT_DAYS
        if not days:
            self.stdout.write("Đã tắt: GIAMNGHEO_IDLE_ACCOUNT_DAYS=0.")
            return
        now = timezone.now()
        dry_run = options["dry_run"]
        found = users_expire_idle(now=now, dry_run=dry_run)
        for user in found:
            seen = timezone.localtime(last_activity(user)).strftime("%d/%m/%Y")
            self.stdout.write(f"{user.get_username()}\t{seen}")
        verb = "sẽ ngừng" if dry_run else "đã ngừng"
        self.stdout.write(f"{len(found)} tài khoản không dùng quá {days} ngày: {verb} hoạt động.")
        superusers = list(idle_users(now, superusers=True))
        if superusers:
            names = ", ".join(user.get_username() for user in superusers)
            self.stderr.write(f"Tài khoản quản trị (superuser) lâu không dùng, cần xem lại: {names}")
