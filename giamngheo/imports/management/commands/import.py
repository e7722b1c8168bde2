"""``giamngheo import households|ledger|support FILE --user USERNAME [--commit] …``: the import's stages, for scripts.

Runs as the named user (their scope and audit), in this process (no worker needed). Without ``--commit`` it stops
after validation and prints the preview. Exit status: 0 when it could proceed, 2 when the file has errors (nothing
written), 1 on any other failure, with one Vietnamese line on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from giamngheo.core.errors import ApplicationError, PermissionDenied
from giamngheo.imports import services
from giamngheo.imports.models import ImportKind, ImportStatus, OnChange


class Failure(Exception):
    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class Command(BaseCommand):
    help = ("Nhập hộ gia đình, danh sách hộ nghèo, cận nghèo đã công nhận, hoặc hỗ trợ đã nhận của hộ từ tệp "
            "Excel/CSV.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["households", "ledger", "support", "odk"])
        parser.add_argument("file")
        parser.add_argument("--user", required=True)
        parser.add_argument("--commit", action="store_true")
        parser.add_argument("--on-change", choices=OnChange.values, default=OnChange.UPDATE)
        parser.add_argument("--errors", metavar="OUT.xlsx")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("vi")
        try:
            status = self._run(options)
        except Failure as exc:
            sys.stderr.write(f"{exc}\n")
            sys.exit(exc.status)
        except (ApplicationError, PermissionDenied) as exc:
            sys.stderr.write(f"{exc}\n")
            sys.exit(1)
        sys.exit(status)

    def _run(self, options: dict[str, Any]) -> int:
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise Failure(_("Không có người dùng “%(name)s” (hoặc tài khoản đã bị khoá).") % {"name": options["user"]})
        path = Path(options["file"])
        if not path.is_file():
            raise Failure(_("Không tìm thấy tệp %(path)s.") % {"path": path})
        kind = ImportKind(options["what"])
        with path.open("rb") as handle:
            job = services.import_upload(actor=user, kind=kind, file_name=path.name, content=handle,
                                         on_change=options["on_change"])
        job = services.run_validation(job)
        if job.status == ImportStatus.FAILED:
            raise Failure(job.failure)
        errors = services.read_errors(job)
        if errors and options["errors"]:
            from giamngheo.imports.error_workbook import annotate
            from giamngheo.imports.storage import upload_path

            Path(options["errors"]).write_bytes(annotate(upload_path(job.public_id), errors))
        committed = False
        if not errors and options["commit"]:
            job = services.start_commit(actor=user, job=job, on_change=options["on_change"], enqueue=False)
            job = services.run_commit(job)
            if job.status != ImportStatus.COMMITTED:
                raise Failure(job.failure or _("Không ghi được dữ liệu; chưa ghi gì."))
            committed = True
        else:
            # A check only (or a file with errors): the job ends here. Its upload holds personal data and is not
            # kept; the audit trail keeps what was checked and what was found.
            summary = job.summary
            job = services.import_cancel(actor=user, job=job)
            job.summary = summary
        self._report(job, errors, committed, options["json"])
        return 2 if errors else 0

    def _report(self, job: Any, errors: list[dict[str, Any]], committed: bool, as_json: bool) -> None:
        from giamngheo.imports.error_workbook import error_sentence

        summary = job.summary
        if as_json:
            out = {key: summary.get(key, {}) for key in ("households", "members", "odk") if key in summary
                   } if job.kind in ("households", "odk") else {"entries": summary.get("entries", {})}
            # "message" is the whole sentence an officer reads: "Dòng 17, cột Ngày sinh: '31/02/1990' không …"
            out["errors"] = [{**{key: e[key] for key in ("sheet", "row", "column", "field", "value")},
                              "message": error_sentence(e)} for e in errors]
            out["committed"] = committed
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        for key, label in (("households", _("Hộ")), ("members", _("Thành viên")), ("entries", _("Dòng danh sách"))):
            if key in summary:
                counts = summary[key]
                self.stdout.write(_("%(label)s: mới %(new)s, thay đổi %(changed)s, không đổi %(unchanged)s, lỗi "
                                    "%(invalid)s") % {"label": label, **{k: counts.get(k, 0) for k in
                                                                          ("new", "changed", "unchanged", "invalid")}})
        for error in errors[:50]:
            self.stdout.write(f"{error['sheet']}: " + error_sentence(error))
        if len(errors) > 50:
            self.stdout.write(_("… và %(more)d lỗi khác.") % {"more": len(errors) - 50})
        self.stdout.write(_("Đã ghi vào hệ thống.") if committed else _("Chưa ghi gì vào hệ thống."))
