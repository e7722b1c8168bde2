"""``giamngheo stats fill [--province 86] [--year 2025]``: fill the statistics now, in this process.

The worker refills stale figures on its own after every ledger write (docs/statistics.md); this command is for
a first fill after an upgrade, after a rule setting changed, or to repair."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from giamngheo.geo.models import AdminUnit, Generation
from giamngheo.stats.services import stats_fill_province


class Command(BaseCommand):
    help = "Fill the statistics (rollups) of one province or of all, for every year or one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fill = sub.add_parser("fill", help="fill the rollups from the ledger")
        fill.add_argument("--province", help="province code (default: every province with a ledger)")
        fill.add_argument("--year", type=int, help="only this year (2016–2100)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options.get("year")
        if year is not None and not 2016 <= year <= 2100:
            raise CommandError("--year must be between 2016 and 2100")
        provinces = AdminUnit.objects.filter(level="province", generation=Generation.CURRENT).order_by("code")
        if options.get("province"):
            provinces = provinces.filter(code=options["province"])
            if not provinces.exists():
                raise CommandError(f"no current province with code {options['province']!r}")
        for province in provinces:
            started = time.monotonic()
            states = stats_fill_province(province=province, years=[year] if year else None)
            if states:
                years = ", ".join(f"{s.series} {s.year}" for s in states)
                self.stdout.write(f"{province.code} {province.name}: {years} "
                                  f"({time.monotonic() - started:.1f} s)")
