"""Demo steps: the province's units (current, pre-2025, crosswalk) and the demo communes' hamlets."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.core.errors import ApplicationError
from giamngheo.core.formatting import format_number
from giamngheo.core.models import AuditEntry
from giamngheo.core.text import fold
from giamngheo.demo.context import DemoContext
from giamngheo.demo.places import COMMUNES, PROVINCE_CODE
from giamngheo.demo.province import other_communes
from giamngheo.geo.loaders import units_load_packaged
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.geo.selectors import current_units, hamlets_of, unit_by_code
from giamngheo.geo.services import _full_name, hamlet_create


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
        ctx.specs[commune.code] = spec
    ctx.all_communes = list(ctx.communes)
    for commune, spec in other_communes(ctx.province, ctx.seed):
        ctx.all_communes.append(commune)
        ctx.specs[commune.code] = spec
    communes = AdminUnit.objects.filter(generation=Generation.CURRENT, level=UnitLevel.COMMUNE,
                                        parent=ctx.province).count()
    ctx.summary.append((_("Tỉnh"), f"{ctx.province.name} ({ctx.province.code})"))
    ctx.summary.append((_("Xã, phường của tỉnh"), format_number(communes)))


def create_hamlets(ctx: DemoContext) -> None:
    ctx.progress(_("Tạo thôn, ấp, khóm cho %(count)d xã, phường…") % {"count": len(ctx.all_communes)})
    total = 0
    for commune in ctx.communes:
        spec = ctx.specs[commune.code]
        existing = {h.name for h in hamlets_of(commune)}
        for name in spec.hamlets:
            if name not in existing:
                hamlet_create(actor=None, commune=commune, name=name, kind=spec.hamlet_kind)
    _bulk_hamlets([c for c in ctx.all_communes if c not in ctx.communes], ctx)
    codes = {c.pk: c.code for c in ctx.all_communes}
    ctx.hamlets = {c.code: [] for c in ctx.all_communes}
    for hamlet in current_units().filter(parent__in=ctx.all_communes, level=UnitLevel.HAMLET).order_by("id"):
        ctx.hamlets[codes[hamlet.parent_id or 0]].append(hamlet)
        total += 1
    ctx.summary.append((_("Xã, phường có dữ liệu thử nghiệm"), _("%(count)s (chi tiết: %(names)s)") % {
        "count": format_number(len(ctx.all_communes)), "names": ", ".join(c.name for c in ctx.communes)}))
    ctx.summary.append((_("Thôn, ấp, khóm"), format_number(total)))


def _bulk_hamlets(communes: list[AdminUnit], ctx: DemoContext) -> None:
    """The other communes' hamlets in one go, stored as ``geo.services.hamlet_create`` stores one (code
    ``{commune}-h{n}``, path, folded name, audit entry): a thousand service calls took most of a small demo.
    Only communes with no hamlet yet get them (a ``--force`` run never adds to a real commune's)."""
    has_hamlets = set(AdminUnit.objects.filter(parent__in=communes, level=UnitLevel.HAMLET)
                      .values_list("parent_id", flat=True))
    today = timezone.localdate()
    rows = []
    for commune in communes:
        if commune.pk in has_hamlets:
            continue
        spec = ctx.specs[commune.code]
        for number, name in enumerate(spec.hamlets, start=1):
            full, short = _full_name(spec.hamlet_kind, name)
            rows.append(AdminUnit(
                code=f"{commune.code}-h{number}", level=UnitLevel.HAMLET, kind=spec.hamlet_kind,
                generation=Generation.CURRENT, name=full, short_name=short, name_folded=fold(full), parent=commune,
                path=f"{commune.path}h{number}/", area_type=commune.area_type, valid_from=today, source="commune",
            ))
    created = AdminUnit.objects.bulk_create(rows, batch_size=1000)
    if any(h.pk is None for h in created):
        created = list(AdminUnit.objects.filter(path__in=[h.path for h in rows]).select_related("parent"))
    AuditEntry.objects.bulk_create([AuditEntry(
        actor=None, actor_name="", action="giamngheo.unit.created", object_type="geo.AdminUnit",
        object_id=str(h.pk), object_repr=f"{h.name}, {h.parent.name if h.parent else ''}", unit_path=h.path,
        changes={"code": [None, h.code], "name": [None, h.name], "kind": [None, h.kind]}, data={"demo": True},
    ) for h in created], batch_size=1000)
