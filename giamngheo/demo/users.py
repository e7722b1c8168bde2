"""Demo step: the demo accounts, all with the password ``demo`` and ``is_demo`` set.

They bypass the password validators on purpose (``set_password`` directly): "demo" is the documented
password of a demo database, and ``accounts.login_policy`` refuses these accounts anywhere else.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.models import RoleGrant
from giamngheo.accounts.roles import Role
from giamngheo.core.audit import log_action
from giamngheo.core.errors import ApplicationError
from giamngheo.demo.context import DemoContext
from giamngheo.geo.models import AdminUnit

DEMO_PASSWORD = "demo"  # noqa: S105 (the published password of demo accounts, refused outside demo databases)

# username, role, where (province, commune 1, commune 2, first hamlet of commune 1), display name
ACCOUNTS = (
    ("tinh", Role.PROVINCE_OFFICER, "province", gettext_lazy("Cán bộ tỉnh (thử nghiệm)")),
    ("xa", Role.COMMUNE_OFFICER, "commune1", gettext_lazy("Cán bộ xã (thử nghiệm)")),
    ("xa_duyet", Role.COMMUNE_APPROVER, "commune1", gettext_lazy("Lãnh đạo xã (thử nghiệm)")),
    ("thon", Role.HAMLET_SURVEYOR, "hamlet1", gettext_lazy("Rà soát viên ấp (thử nghiệm)")),
    ("xa2", Role.COMMUNE_OFFICER, "commune2", gettext_lazy("Cán bộ phường (thử nghiệm)")),
    # Commune and hamlet staff are set up by the province's system admin: a province officer may grant only
    # what it holds itself, and it does not see citizen IDs (docs/security.md, class 2).
    ("quantri", Role.SYSTEM_ADMIN, "province", gettext_lazy("Quản trị hệ thống tỉnh (thử nghiệm)")),
)


def _place(ctx: DemoContext, where: str) -> AdminUnit:
    assert ctx.province is not None
    first, second = ctx.communes[0], ctx.communes[1]
    return {"province": ctx.province, "commune1": first, "commune2": second,
            "hamlet1": ctx.hamlets[first.code][0]}[where]


def create_users(ctx: DemoContext) -> None:
    ctx.progress(_("Tạo tài khoản thử nghiệm…"))
    user_model = get_user_model()
    for username, role, where, display in ACCOUNTS:
        unit = _place(ctx, where)
        user = user_model.objects.filter(username=username).first()
        if user is not None and not user.is_demo:
            raise ApplicationError(_("Đã có tài khoản “%(username)s” không phải tài khoản thử nghiệm; không thể "
                                     "tạo dữ liệu thử nghiệm trên cơ sở dữ liệu này.") % {"username": username})
        if user is None:
            user = user_model(username=username, first_name=str(display), is_demo=True)
            user.set_password(DEMO_PASSWORD)
            user.save()
        grant, created = RoleGrant.objects.get_or_create(user=user, role=role, unit=unit,
                                                         defaults={"unit_path": unit.path})
        if created:
            log_action(actor=None, action="giamngheo.user.role_granted", object_type="user",
                       object_id=user.pk, object_repr=username, unit_path=unit.path,
                       data={"role": role, "unit": unit.code, "demo": True})
        ctx.users[username] = user
        ctx.summary.append((
            _("Tài khoản %(username)s") % {"username": username},
            _("%(role)s — %(unit)s (mật khẩu: %(password)s)") % {
                "role": Role(role).label, "unit": unit.name, "password": DEMO_PASSWORD},
        ))
