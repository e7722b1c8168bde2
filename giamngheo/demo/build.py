"""``demo_build``: turn an empty database into a demo database (the service behind ``giamngheo demo``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.core.audit import log_action, register_action
from giamngheo.core.errors import ApplicationError
from giamngheo.demo.context import DemoContext
from giamngheo.demo.marker import holds_real_data, is_demo_database, mark_demo_database
from giamngheo.demo.places import COMMUNES, PROVINCE_CODE
from giamngheo.demo.population import REFERENCE_DATE
from giamngheo.demo.steps import collect_steps
from giamngheo.households.models import Household

register_action("giamngheo.demo.built", gettext_lazy("Tạo dữ liệu thử nghiệm"))

DEFAULT_SEED = 20251015
DEFAULT_HOUSEHOLDS = 40_000
QUICK_HOUSEHOLDS = 600
MAX_HOUSEHOLDS = 200_000


@dataclass
class DemoResult:
    built: bool  # False when the database already held the demo and nothing was done
    summary: list[tuple[str, str]] = field(default_factory=list)


def demo_build(*, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED, force: bool = False,
               progress: Callable[[str], None] = lambda message: None) -> DemoResult:
    """Load Vĩnh Long's units, hamlets, demo accounts and ``households`` synthetic households, classify
    them, and mark the database as a demo database — all or nothing, in one transaction.

    Does nothing on a database that already holds the demo. Refuses (``ApplicationError``) a database
    with real data — any account that is not a demo account, or households — unless ``force``; even then
    it never writes into communes that already have households.
    """
    if not 1 <= households <= MAX_HOUSEHOLDS:
        raise ApplicationError(_("Số hộ phải từ 1 đến %(max)s.") % {"max": f"{MAX_HOUSEHOLDS:,}".replace(",", ".")},
                               field="households")
    demo_communes = Household.objects.filter(commune__code__in=[c.code for c in COMMUNES],
                                             commune__parent__code=PROVINCE_CODE)
    if is_demo_database() and demo_communes.exists():
        return DemoResult(built=False)
    if holds_real_data() and not force:
        raise ApplicationError(_("Cơ sở dữ liệu này đã có dữ liệu thật (tài khoản hoặc hộ gia đình). Dữ liệu "
                                 "thử nghiệm chỉ được tạo trên cơ sở dữ liệu mới; dùng --force nếu chắc chắn."),
                               field="force")
    if demo_communes.exists():
        raise ApplicationError(_("Các xã thử nghiệm đã có hộ gia đình; không ghi đè dữ liệu."), field="force")

    ctx = DemoContext(seed=seed, households=households, reference_date=REFERENCE_DATE, progress=progress)
    with transaction.atomic():
        for step in collect_steps():
            step.run(ctx)
        mark_demo_database(province_code=PROVINCE_CODE, seed=seed, households=households)
        log_action(actor=None, action="giamngheo.demo.built", object_type="geo.DemoMarker", object_id=PROVINCE_CODE,
                   object_repr=_("Dữ liệu thử nghiệm"), unit_path=f"/{PROVINCE_CODE}/",
                   data={"seed": seed, "households": households})
    return DemoResult(built=True, summary=ctx.summary)
