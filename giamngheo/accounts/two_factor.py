"""Two-factor log-in with a TOTP authenticator app (django-otp), optional for each user and required by a
province for everyone holding a role on it or below it (docs/security.md, "Log-in").

A user has at most one confirmed ``TOTPDevice``: enrolment creates an unconfirmed one (its secret shown as a
QR code and as text), and a right code confirms it. The log-in's second step is
``services.user_verify_login_code``; what a signed-in user may reach before enrolling is ``accounts.gate``.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from giamngheo.accounts import scope
from giamngheo.accounts.lifecycle import audit_locks, check_may_administer_account, end_sessions
from giamngheo.accounts.login_throttle import client_address, current_locks, record_failure
from giamngheo.accounts.models import TwoFactorRule, User
from giamngheo.accounts.roles import Perm, Role
from giamngheo.accounts.selectors import roles_grantable_by
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action, register_action
from giamngheo.core.errors import ApplicationError, PermissionDenied
from giamngheo.geo.models import AdminUnit, Generation

register_action("giamngheo.user.two_factor_enabled", gettext_lazy("Bật đăng nhập hai bước"))
register_action("giamngheo.user.two_factor_disabled", gettext_lazy("Tắt đăng nhập hai bước"))
register_action("giamngheo.user.two_factor_reset", gettext_lazy("Đặt lại đăng nhập hai bước"))
register_action("giamngheo.user.two_factor_reset_refused", gettext_lazy("Từ chối đặt lại đăng nhập hai bước"))
register_action("giamngheo.user.two_factor_rule_changed", gettext_lazy("Đổi quy định đăng nhập hai bước của tỉnh"))
register_action(
    "giamngheo.user.two_factor_rule_refused", gettext_lazy("Từ chối đổi quy định đăng nhập hai bước của tỉnh")
)

# Set in the session at log-in when the user's province requires two-factor log-in and the user has no
# device: ``accounts.gate`` then leads every page to the enrolment page until a device is confirmed.
MUST_ENROL_SESSION_KEY = "giamngheo.must_enrol_two_factor"
CODE_LENGTH = 6


def _clean_code(code: str) -> str:
    """The digits typed, spaces removed ("123 456" as apps show it); anything else is no code."""
    code = "".join(code.split())
    return code if len(code) == CODE_LENGTH and code.isdigit() else ""


def two_factor_device(user: User, *, for_update: bool = False) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any."""
    devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    if for_update:
        devices = devices.select_for_update()
    return devices.first()


def two_factor_pending_device(user: User) -> TOTPDevice | None:
    """The authenticator being enrolled (created, its code not yet typed)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def two_factor_required(user: User) -> bool:
    """Whether a province requires two-factor log-in of ``user``: one of its roles lies on or below a
    province whose rule says so."""
    required = list(TwoFactorRule.objects.filter(required=True).values_list("unit_path", flat=True))
    return any(path.startswith(rule) for rule in required for _role, path in scope.grants(user))


def two_factor_must_enrol(user: User) -> bool:
    return two_factor_device(user) is None and two_factor_required(user)


def _log(actor: User | None, user: User, action: str, **fields: object) -> None:
    log_action(
        actor=actor, action=action, object_type="user", object_id=user.pk, object_repr=user.get_username(),
        unit_path=user_home_path(user), **fields,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------------------------ the user's own device


def two_factor_start(*, user: User) -> TOTPDevice:
    """Begin enrolment: a new secret, not yet trusted for log-in (an earlier unfinished one is dropped).
    Nothing is audited until a code confirms it."""
    if two_factor_device(user) is not None:
        raise ApplicationError(_("Bạn đã bật đăng nhập hai bước."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def two_factor_confirm(*, user: User, code: str) -> TOTPDevice:
    """Finish enrolment with a code from the app: the device now guards every log-in, and every other
    session of the user ends (none of them passed the second step). The calling view keeps its own."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None:
            raise ApplicationError(_("Hãy bấm “Bật đăng nhập hai bước” để bắt đầu lại."), field="code")
        cleaned = _clean_code(code)
        if not cleaned or not device.verify_token(cleaned):
            raise ApplicationError(
                _("Mã xác thực không đúng. Hãy nhập mã 6 chữ số đang hiện trong ứng dụng."), field="code"
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        end_sessions(user)
        _log(user, user, "giamngheo.user.two_factor_enabled", changes={"two_factor": [False, True]})
    return device


def two_factor_disable(
    *, request: HttpRequest, user: User, password: str, code: str, now: dt.datetime | None = None
) -> None:
    """Remove one's own authenticator, with the password and a current code (a session left open on a
    shared PC must not be enough). Wrong answers count as failed log-ins (``login_throttle``). Refused
    while the user's province requires two-factor log-in."""
    now = now or timezone.now()
    username, address = user.get_username(), client_address(request)
    if current_locks(username, address, now):
        raise ApplicationError(
            _("Đã nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút."), field="password"
        )
    if two_factor_required(user):
        raise PermissionDenied(_("Tỉnh của bạn yêu cầu đăng nhập hai bước với mọi cán bộ: không tắt được."))
    with transaction.atomic():
        device = two_factor_device(user, for_update=True)
        if device is None:
            raise ApplicationError(_("Bạn chưa bật đăng nhập hai bước."))
        password_ok = user.check_password(password)
        cleaned = _clean_code(code)
        code_ok = bool(cleaned) and password_ok and device.verify_token(cleaned)
        if not code_ok:
            locks = record_failure(username, address, now)
            if locks:
                audit_locks(user, username, address, locks)
    if not password_ok:
        raise ApplicationError(_("Mật khẩu hiện tại không đúng."), field="password")
    if not code_ok:
        raise ApplicationError(_("Mã xác thực không đúng hoặc đã hết hạn."), field="code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        end_sessions(user)
        _log(user, user, "giamngheo.user.two_factor_disabled", changes={"two_factor": [True, False]})


# ------------------------------------------------------------------------------------ administrators


def two_factor_reset(*, actor: User, user: User) -> None:
    """Remove a user's authenticator (a lost phone), by whoever may administer the whole account; every
    session of the user ends. The user signs in with the password alone — and must enrol again at once
    if the province requires it."""
    check_may_administer_account(
        actor, user, refused_action="giamngheo.user.two_factor_reset_refused",
        self_message=_(
            "Bạn không thể tự đặt lại đăng nhập hai bước của chính mình; hãy nhờ một người quản lý khác."
        ),
        beyond_message=_(
            "Bạn không thể đặt lại đăng nhập hai bước của “%(username)s”: người dùng này có vai trò mà bạn "
            "không được cấp hoặc thu hồi. Hãy nhờ quản trị hệ thống của tỉnh."
        ),
    )
    with transaction.atomic():
        removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
        if not removed:
            raise ApplicationError(_("Người dùng này chưa bật đăng nhập hai bước."))
        end_sessions(user)
        _log(actor, user, "giamngheo.user.two_factor_reset", changes={"two_factor": [True, False]})


def users_with_two_factor(user_ids: list[int]) -> set[int]:
    """Of these users, those with a confirmed authenticator (one query, for the users page)."""
    return set(TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True).values_list("user_id", flat=True))


# ---------------------------------------------------------------------------------- the province's rule


def may_set_rule(actor: User, province: AdminUnit) -> bool:
    """The province's administrator: someone who may grant every role there (its system admin, or a
    superuser) — the rule guards all those roles."""
    return Role.SYSTEM_ADMIN in roles_grantable_by(actor, province.path)


def two_factor_rules_for(actor: User) -> list[tuple[AdminUnit, bool, bool]]:
    """The current provinces in the actor's user-management scope: (province, required, may change)."""
    provinces = scope.scope_queryset(
        AdminUnit.objects.filter(level="province", generation=Generation.CURRENT, valid_to__isnull=True),
        actor, Perm.USER_MANAGE, field="path",
    ).order_by("name")
    required = set(TwoFactorRule.objects.filter(required=True).values_list("unit_id", flat=True))
    return [(unit, unit.pk in required, may_set_rule(actor, unit)) for unit in provinces]


def province_get_for_rule(actor: User, unit_id: int) -> AdminUnit:
    """A current province in the actor's user-management scope, else *not found*."""
    for unit, _required, _may in two_factor_rules_for(actor):
        if unit.pk == unit_id:
            return unit
    raise Http404


def two_factor_rule_set(*, actor: User, unit: AdminUnit, required: bool) -> TwoFactorRule:
    """Require (or stop requiring) two-factor log-in of everyone with a role on the province or below.
    Users already signed in are asked at their next log-in."""
    scope.require(actor, Perm.USER_MANAGE, unit.path)
    if unit.level != "province":
        raise ApplicationError(_("Chỉ đặt quy định đăng nhập hai bước cho cấp tỉnh."), field="unit")
    if not may_set_rule(actor, unit):
        log_action(actor=actor, action="giamngheo.user.two_factor_rule_refused", object_type="geo.AdminUnit",
                   object_id=unit.pk, object_repr=unit.name, unit_path=unit.path,
                   data={"required": required, "reason": "exceeds_own_rights"})
        raise PermissionDenied(
            _("Chỉ quản trị hệ thống của tỉnh mới đổi được quy định đăng nhập hai bước của tỉnh.")
        )
    with transaction.atomic():
        rule, created = TwoFactorRule.objects.select_for_update().get_or_create(
            unit=unit,
            defaults={"unit_path": unit.path, "required": required, "changed_at": timezone.now(),
                      "changed_by": actor},
        )
        before = False if created else rule.required
        if not created and rule.required != required:
            rule.required = required
            rule.changed_at = timezone.now()
            rule.changed_by = actor
            rule.save(update_fields=["required", "changed_at", "changed_by"])
        if before != required:
            log_action(actor=actor, action="giamngheo.user.two_factor_rule_changed", object_type="geo.AdminUnit",
                       object_id=unit.pk, object_repr=unit.name, unit_path=unit.path,
                       changes={"two_factor_required": [before, required]})
    return rule


# ------------------------------------------------------------------------------------------ display


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` address as an SVG QR code, inline as a ``data:`` URI (the CSP allows
    ``img-src data:``; no script involved)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
