"""``giamngheo worker``: run the background tasks (imports, reports, recomputation) queued in the database.

It is django-tasks-db's ``db_worker`` with this product's defaults (docs/adr/0007)::

    giamngheo worker                        serve every queue, forever (production: several such processes)
    giamngheo worker --queue default        serve only these queues (comma-separated)
    giamngheo worker --batch                run what is queued now, then exit (cron, or a one-off catch-up)
    giamngheo worker --max-tasks 500        exit after 500 tasks, for a supervisor to restart with fresh memory
    giamngheo worker --interval 5           look at an empty queue every 5 s instead of every second
    giamngheo worker --worker-id web1-a     name recorded on each task it runs (default: process id@host)

Differences from ``db_worker``: every queue by default rather than ``default`` only, so a queue added to
``settings.TASKS`` is served without changing how workers are started; and never the autoreloader
(``db_worker`` reloads when DEBUG is on): the reloader runs the worker in a child process that outlives its
killed parent, which would leave a worker behind when ``make demo`` stops.

Several workers may run at once, on one machine or several: each claims a task by locking its row, so no
task runs twice. SIGINT or SIGTERM lets the running task finish, then exits; a second signal stops at once.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands.db_worker import valid_interval, valid_max_tasks, validate_worker_id

# db_worker refuses longer ids (the column that records them is 64 characters).
WORKER_ID_MAX_LENGTH = 64


def default_worker_id() -> str:
    """``pid@host``: unique among running workers, and says where to look when a task misbehaves."""
    return f"{os.getpid()}@{socket.gethostname()}"[:WORKER_ID_MAX_LENGTH]


class Command(BaseCommand):
    help = "Chạy các tác vụ nền (nhập dữ liệu, báo cáo, tính lại) đang chờ trong cơ sở dữ liệu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="*", metavar="TÊN",
                            help="Các hàng đợi cần chạy, cách nhau bởi dấu phẩy; * là mọi hàng đợi (mặc định).")
        parser.add_argument("--interval", type=valid_interval, default=1.0, metavar="GIÂY",
                            help="Thời gian chờ giữa hai lần xem hàng đợi khi không có tác vụ (mặc định 1).")
        parser.add_argument("--batch", action="store_true",
                            help="Chạy hết các tác vụ đang chờ rồi dừng.")
        parser.add_argument("--max-tasks", type=valid_max_tasks, default=None, metavar="SỐ",
                            help="Dừng sau khi đã chạy chừng này tác vụ.")
        parser.add_argument("--worker-id", type=validate_worker_id, default=None, metavar="TÊN",
                            help="Tên ghi vào mỗi tác vụ đã chạy (mặc định: pid@máy).")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "db_worker",
            queue_name=options["queue"],
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"] or default_worker_id(),
            reload=False,
            # The random pause before the first look spreads a fleet of workers started together; a batch
            # run is a one-off and should start at once.
            startup_delay=not options["batch"],
            verbosity=options["verbosity"],
            stdout=self.stdout,
            stderr=self.stderr,
        )
