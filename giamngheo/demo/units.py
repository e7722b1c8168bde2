"""Demo steps: the province's units (current, pre-2025, crosswalk) and the demo communes' hamlets."""

from __future__ import annotations

from django.utils.translation import gettext as _

from giamngheo.core.errors import ApplicationError
from giamngheo.core.formatting import format_number
from giamngheo.demo.context import DemoContext
from giamngheo.demo.places import COMMUNES, PROVINCE_CODE
from giamngheo.geo.loaders import units_load_packaged
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.geo.selectors import hamlets_of, unit_by_code
from giamngheo.geo.services import hamlet_create


def load_units(ctx: DemoContext) -> None:
    ctx.progress(_("Nạp đơn vị hành chính của tỉnh %(code)s…") % {"code": PROVINCE_CODE})
    units_load_packaged(province_codes=[PROVINCE_CODE])
    ctx.province = AdminUnit.objects.get(generation=Generation.CURRENT, level=UnitLevel.PROVINCE, code=PROVINCE_CODE)
    for spec in COMMUNES:
        commune = unit_by_code(spec.code)
        if commune is None or commune.name != spec.name:
            raise ApplicationError(_("Không tìm thấy %(name)s (mã %(code)s) trong danh mục đơn vị.")
                                   % {"name": spec.name, "code": spec.code})
        ctx.communes.append(commune)
    communes = AdminUnit.objects.filter(generation=Generation.CURRENT, level=UnitLevel.COMMUNE,
                                        parent=ctx.province).count()
    ctx.summary.append((_("Tỉnh"), f"{ctx.province.name} ({ctx.province.code})"))
    ctx.summary.append((_("Xã, phường của tỉnh"), format_number(communes)))


def create_hamlets(ctx: DemoContext) -> None:
    ctx.progress(_("Tạo thôn, ấp, khóm cho %(count)d xã, phường thử nghiệm…") % {"count": len(ctx.communes)})
    total = 0
    for spec, commune in zip(COMMUNES, ctx.communes, strict=True):
        existing = {h.name for h in hamlets_of(commune)}
        for name in spec.hamlets:
            if name not in existing:
                hamlet_create(actor=None, commune=commune, name=name, kind=spec.hamlet_kind)
        ctx.hamlets[commune.code] = list(hamlets_of(commune))
        total += len(ctx.hamlets[commune.code])
    ctx.summary.append((_("Xã, phường có dữ liệu thử nghiệm"), ", ".join(c.name for c in ctx.communes)))
    ctx.summary.append((_("Thôn, ấp, khóm"), format_number(total)))
