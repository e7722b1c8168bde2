"""``giamngheo units load|check``: load the unit tree, or list where the sources disagree.

Exit codes: 0 success (``check``: no disagreement), 1 ``check`` found disagreements, 2 bad input (an
unknown province, a missing or malformed CSV; nothing is written then).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.formatting import format_number
from giamngheo.geo.check import units_check
from giamngheo.geo.loaders import LoadReport, units_load_official_csv, units_load_packaged


class Command(BaseCommand):
    help = "Nạp danh mục đơn vị hành chính (load) hoặc đối chiếu các nguồn (check)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="Nạp tỉnh, xã, đơn vị cũ và bảng chuyển đổi.")
        load.add_argument("--province", action="append", dest="provinces", metavar="MÃ",
                          help="Chỉ nạp tỉnh/thành phố có mã này (có thể lặp lại).")
        load.add_argument("--csv", dest="csv", help="Nạp bảng chính thức theo Quyết định 19/2025 từ tệp CSV.")
        load.add_argument("--retire-missing", action="store_true",
                          help="Với --csv: đánh dấu hết hiệu lực các xã của tỉnh trong tệp mà tệp không liệt kê.")
        check = actions.add_parser("check", help="Liệt kê mọi chỗ khác nhau giữa các nguồn.")
        check.add_argument("--csv", dest="csv", help="Bảng chính thức (CSV) để đối chiếu với dữ liệu đóng gói.")
        check.add_argument("--province", action="append", dest="provinces", metavar="MÃ",
                           help="Chỉ đối chiếu tỉnh/thành phố có mã này.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "load":
                self._load(options)
            else:
                self._check(options)
        except ValidationFailed as exc:
            for messages in exc.errors.values():
                for message in messages:
                    self.stderr.write(message)
            raise CommandError(exc.message, returncode=2) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=2) from exc

    def _load(self, options: dict[str, Any]) -> None:
        if options["csv"]:
            if options["provinces"]:
                raise CommandError(_("Không dùng --province cùng với --csv: tệp quyết định tỉnh nào được nạp."),
                                   returncode=2)
            self.stdout.write(_("Đang nạp bảng chính thức từ %(path)s…") % {"path": options["csv"]})
            report = units_load_official_csv(path=options["csv"], retire_missing=options["retire_missing"])
        else:
            self.stdout.write(_("Đang nạp danh mục đóng gói (vietnamadminunits)…"))
            report = units_load_packaged(province_codes=options["provinces"])
        self._print_report(report)

    def _print_report(self, report: LoadReport) -> None:
        n = format_number
        lines = [
            _("Số đơn vị trong nguồn: %(count)s") % {"count": n(report.units_in_source)},
            _("Tạo mới: %(count)s") % {"count": n(report.created)},
            _("Cập nhật: %(count)s (đổi tên: %(renamed)s)") % {"count": n(report.updated),
                                                             "renamed": n(report.renamed)},
            _("Không đổi: %(count)s") % {"count": n(report.unchanged)},
            _("Đổi mã (mã cũ được giữ làm mã phụ): %(count)s") % {"count": n(report.code_changed)},
            _("Đánh dấu hết hiệu lực: %(count)s") % {"count": n(report.retired)},
            _("Bảng chuyển đổi cũ → mới: %(created)s liên kết mới, %(updated)s cập nhật") % {
                "created": n(report.crosswalk_created), "updated": n(report.crosswalk_updated)},
        ]
        for line in lines:
            self.stdout.write(line)
        for conflict in report.conflicts:
            self.stderr.write(_("Bỏ qua: %(reason)s") % {"reason": conflict})
        if not report.changed:
            self.stdout.write(_("Danh mục đã đầy đủ, không có gì thay đổi."))

    def _check(self, options: dict[str, Any]) -> None:
        found = units_check(csv_path=options["csv"], province_codes=options["provinces"])
        other = _("tệp %(path)s") % {"path": options["csv"]} if options["csv"] else _("cơ sở dữ liệu")
        for disagreement in found:
            self.stdout.write(disagreement.message(other))
        if not found:
            self.stdout.write(_("Không có khác biệt giữa dữ liệu đóng gói và %(other)s.") % {"other": other})
            return
        self.stdout.write(_("Tổng cộng %(count)s khác biệt.") % {"count": format_number(len(found))})
        sys.exit(1)
