"""``giamngheo export households|support --user USERNAME [--commune CODE] [--year YEAR] OUT.xlsx|OUT.csv``: a
household list, or the support records given (``support``: the support page's list, in the support import's
columns; ``--year`` narrows it to one year), as a file.

``giamngheo export bulk --user USERNAME [--province CODE] [--commune CODE] OUTDIR``: the registry as the standards
engine's bulk input, ``OUTDIR/households.parquet`` and ``OUTDIR/members.parquet`` (``imports.export_bulk``), for
``giamngheo classify|compare|mpi --households … --members …``. No names, no citizen IDs.

Runs as the named user: their scope decides which households are written, their role whether citizen IDs are
masked, and the export is audited under their name — as from the registry page. The format follows the file's
extension. Exit status 0 on success; 1 with one Vietnamese line on stderr for an unknown user, a commune the user
cannot see (reported exactly like one that does not exist), an unknown format or a file that cannot be written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn, cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.imports.export import FORMATS, FileFormat, HouseholdListFilter, export_households


class Failure(Exception):
    pass


class Command(BaseCommand):
    help = ("Xuất danh sách hộ gia đình, hoặc danh sách hỗ trợ đã ghi cho hộ, ra tệp Excel (.xlsx) hoặc CSV (.csv), "
            "theo địa bàn của người dùng; hoặc (bulk) sổ hộ dạng Parquet cho xử lý hàng loạt, không có họ tên, số định "
            "danh.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["households", "support", "bulk"])
        parser.add_argument("--user", required=True, metavar="USERNAME")
        parser.add_argument("--province", metavar="CODE", help="Hàng loạt: chỉ xuất tỉnh/thành phố có mã này.")
        parser.add_argument("--commune", metavar="CODE", help="Chỉ xuất xã/phường có mã này.")
        parser.add_argument("--year", type=int, metavar="YEAR", help="Hỗ trợ: chỉ xuất năm này (2000–2100).")
        parser.add_argument("out", metavar="OUT.xlsx|OUT.csv|OUTDIR")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("vi")
        try:
            message = self._run(options)
        except Failure as exc:
            self._fail(str(exc))
        self.stdout.write(message)

    def _fail(self, message: str) -> NoReturn:
        sys.stderr.write(f"{message}\n")
        sys.exit(1)

    def _run(self, options: dict[str, Any]) -> str:
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise Failure(_("Không có người dùng “%(name)s” (hoặc tài khoản đã bị khoá).") % {"name": options["user"]})
        out = Path(options["out"])
        if options["what"] == "bulk":
            return _export_bulk(user, out, options["province"], options["commune"])
        if options["province"]:
            raise Failure(_("--province chỉ dùng với “export bulk”."))
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in FORMATS:
            raise Failure(_("Chỉ xuất được tệp Excel (.xlsx) hoặc CSV (.csv): “%(path)s”.") % {"path": out})
        visible = paths_for(user, Perm.HOUSEHOLD_VIEW)
        if not visible:
            raise Failure(_("Người dùng “%(name)s” không được xem danh sách hộ gia đình.") % {"name": user.username})
        commune_code = options["commune"]
        if commune_code and not _commune_in_scope(commune_code, visible):
            raise Failure(_("Không có xã/phường mã “%(code)s” trong địa bàn của bạn.") % {"code": commune_code})
        if options["what"] == "support":
            return _export_support(user, out, cast(FileFormat, suffix), commune_code, options["year"])
        filters = HouseholdListFilter(commune_code=commune_code or None)
        try:
            with out.open("wb") as handle:
                counts = export_households(actor=user, filters=filters, file_format=cast(FileFormat, suffix),
                                           out=handle)
        except OSError as exc:
            out.unlink(missing_ok=True)
            raise Failure(_("Không ghi được tệp “%(path)s”: %(error)s") % {"path": out, "error": exc.strerror}) from exc
        return _("Đã xuất %(households)d hộ, %(members)d thành viên vào %(path)s.") % {
            "households": counts.households, "members": counts.members, "path": out}


def _commune_in_scope(code: str, visible: list[str]) -> bool:
    """A current commune the user sees households of (all of it, or some hamlets of it)."""
    commune = AdminUnit.objects.filter(level=UnitLevel.COMMUNE, generation=Generation.CURRENT, code=code).first()
    return commune is not None and any(commune.path.startswith(p) or p.startswith(commune.path) for p in visible)


def _export_support(user: Any, out: Path, file_format: FileFormat, commune_code: str | None, year: int | None) -> str:
    from giamngheo.imports.support_export import SupportExportFilter, TooManyRows, export_support

    if not paths_for(user, Perm.SUPPORT_VIEW):
        raise Failure(_("Người dùng “%(name)s” không được xem hỗ trợ cho hộ.") % {"name": user.username})
    if year is not None and not 2000 <= year <= 2100:
        raise Failure(_("Năm phải từ 2000 đến 2100."))
    commune = (AdminUnit.objects.filter(level=UnitLevel.COMMUNE, generation=Generation.CURRENT, code=commune_code)
               .first() if commune_code else None)
    filters = SupportExportFilter(year=year, unit_path=commune.path if commune is not None else None)
    try:
        with out.open("wb") as handle:
            counts = export_support(actor=user, filters=filters, file_format=file_format, out=handle)
    except TooManyRows as exc:
        out.unlink(missing_ok=True)
        raise Failure(str(exc)) from exc
    except OSError as exc:
        out.unlink(missing_ok=True)
        raise Failure(_("Không ghi được tệp “%(path)s”: %(error)s") % {"path": out, "error": exc.strerror}) from exc
    return _("Đã xuất %(records)d hỗ trợ của %(households)d hộ vào %(path)s.") % {
        "records": counts.records, "households": counts.households, "path": out}


def _export_bulk(user: Any, out_dir: Path, province_code: str | None, commune_code: str | None) -> str:
    from giamngheo.imports.export_bulk import NoPermission, OutOfScope, export_bulk

    try:
        counts = export_bulk(actor=user, out_dir=out_dir, province_code=province_code, commune_code=commune_code)
    except (NoPermission, OutOfScope) as exc:
        raise Failure(str(exc)) from exc
    except OSError as exc:
        raise Failure(_("Không ghi được vào thư mục “%(path)s”: %(error)s")
                      % {"path": out_dir, "error": exc.strerror or exc}) from exc
    return _("Đã xuất %(households)d hộ, %(members)d thành viên (không có họ tên, số định danh) vào %(files)s.") % {
        "households": counts.households, "members": counts.members,
        "files": ", ".join(str(p) for p in counts.files)}
