"""Writes on users: signing in (with lock-out), creating users, granting and revoking roles, language and
password. Each write is one transaction with one audit entry; API tokens live in ``accounts.tokens``."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login

from giamngheo.accounts import scope
from giamngheo.accounts.lifecycle import (
    audit_locks,
    check_may_administer_account,
    end_sessions,
    idle_message,
    is_idle,
    user_expire_idle,
)
from giamngheo.accounts.login_policy import may_sign_in
from giamngheo.accounts.login_throttle import (
    client_address,
    current_locks,
    record_failure,
    record_success,
)
from giamngheo.accounts.models import RoleGrant, User
from giamngheo.accounts.roles import ROLE_UNIT_LEVELS, Perm, Role
from giamngheo.accounts.selectors import roles_grantable_by
from giamngheo.accounts.tokens import api_tokens_revoke_all
from giamngheo.accounts.two_factor import MUST_ENROL_SESSION_KEY, two_factor_device, two_factor_must_enrol
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action, register_action, register_value_labels
from giamngheo.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from giamngheo.geo.models import AdminUnit

register_action("giamngheo.user.created", gettext_lazy("Tạo người dùng"))
register_action("giamngheo.user.language_changed", gettext_lazy("Đổi ngôn ngữ giao diện"))
register_action("giamngheo.user.password_changed", gettext_lazy("Đổi mật khẩu"))
register_action("giamngheo.user.role_grant_refused", gettext_lazy("Từ chối cấp quyền"))
register_action("giamngheo.user.role_revoke_refused", gettext_lazy("Từ chối thu hồi quyền"))
register_action("giamngheo.user.deactivated", gettext_lazy("Ngừng hoạt động tài khoản"))
register_action("giamngheo.user.reactivated", gettext_lazy("Kích hoạt lại tài khoản"))
register_action("giamngheo.user.deactivate_refused", gettext_lazy("Từ chối ngừng hoạt động tài khoản"))
register_action("giamngheo.user.reactivate_refused", gettext_lazy("Từ chối kích hoạt lại tài khoản"))
register_value_labels("user", "role", dict(Role.choices))
register_value_labels("user", "language", dict(settings.LANGUAGES))


class LoginLocked(ApplicationError):
    """Too many failed log-ins (``accounts.login_throttle``): refused without looking at the password."""


# ---------------------------------------------------------------------------------------------- log-in


def _lock_message(locked_until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
    return _(
        "Tài khoản tạm thời bị khoá do đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút."
    ) % {"minutes": minutes}


def user_check_credentials(
    *, request: HttpRequest, username: str, password: str, now: dt.datetime | None = None
) -> User:
    """Check the credentials and return the user, *without* signing them in: the caller then asks for the
    second factor (``user_verify_login_code``) or signs them in (``user_sign_in``).

    Refusals raise ``ApplicationError`` with a message for the log-in page. Failures are throttled by
    ``accounts.login_throttle``: per username *and* client address, per address, and — only when several
    addresses guess at once — per username. Known and unknown usernames are treated alike and the
    messages never say which, nor which limit was reached. A right password does not yet forgive earlier
    failures (``user_sign_in`` does), or each right password would reset the count of wrong codes. An
    account idle for longer than ``GIAMNGHEO_IDLE_ACCOUNT_DAYS`` is switched off here, even if
    ``giamngheo expire_idle_accounts`` has not run yet. ``now`` is for tests.
    """
    now = now or timezone.now()
    # No account name is longer than the column; a longer guess is counted under its first 150 characters.
    username = username.strip()[: User._meta.get_field("username").max_length]
    if not username or not password:
        raise ApplicationError(_("Vui lòng nhập tên đăng nhập và mật khẩu."), field="username")
    address = client_address(request)
    locks = current_locks(username, address, now)
    if locks:
        raise LoginLocked(_lock_message(max(lock.until for lock in locks), now))
    # Django's backend hashes the password even for an unknown username, so timing does not tell either.
    user = auth.authenticate(request, username=username, password=password)
    if user is None:
        with transaction.atomic():
            locks = record_failure(username, address, now)
            if locks:
                audit_locks(User.objects.filter(username=username).first(), username, address, locks)
        if locks:
            raise LoginLocked(_lock_message(max(lock.until for lock in locks), now))
        raise ApplicationError(_("Tên đăng nhập hoặc mật khẩu không đúng."), field="password")
    assert isinstance(user, User)
    if not may_sign_in(user):
        raise ApplicationError(
            _(
                "Tài khoản thử nghiệm chỉ đăng nhập được trên cơ sở dữ liệu thử nghiệm "
                "(tạo bằng lệnh “giamngheo demo”)."
            )
        )
    if is_idle(user, now):
        user_expire_idle(user=user, now=now, via="login")
        raise ApplicationError(idle_message())
    return user


def user_sign_in(*, request: HttpRequest, user: User) -> None:
    """Complete a log-in whose every step passed: forgive this address's failures for the username, start
    the session (its key is rotated), and remember in it whether the user must enrol in two-factor log-in
    before anything else (``accounts.gate``)."""
    record_success(user.get_username(), client_address(request))
    auth.login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    if two_factor_must_enrol(user):
        request.session[MUST_ENROL_SESSION_KEY] = True


def user_authenticate(
    *, request: HttpRequest, username: str, password: str, now: dt.datetime | None = None
) -> User:
    """Log-in in one step, for clients that cannot take a second one (``POST /api/v1/auth/token``): checks
    the credentials (``user_check_credentials``) and signs in only a user who needs nothing more — no
    two-factor device, no two-factor enrolment their province requires, no password to change. The others
    are told to use the web page, which is where those steps live."""
    user = user_check_credentials(request=request, username=username, password=password, now=now)
    if user.must_change_password:
        raise ApplicationError(
            _("Mật khẩu của bạn vừa được đặt lại: hãy đăng nhập trên trang web và đổi mật khẩu trước.")
        )
    if two_factor_device(user) is not None or two_factor_must_enrol(user):
        raise ApplicationError(
            _(
                "Tài khoản này dùng đăng nhập hai bước: hãy đăng nhập trên trang web và tạo mã truy cập API ở "
                "“Tài khoản của tôi”."
            )
        )
    user_sign_in(request=request, user=user)
    return user


def user_verify_login_code(*, request: HttpRequest, user: User, code: str, now: dt.datetime | None = None) -> None:
    """The second step of a log-in: ``code`` from the user's authenticator app. A wrong code counts as a
    failed log-in for the username and address (``login_throttle``), so codes are no easier to guess than
    passwords; django-otp's own throttle on the device adds a growing delay after each wrong code. A right
    one signs the user in, with the device recorded in the session (``request.user.is_verified()``)."""
    now = now or timezone.now()
    username = user.get_username()
    address = client_address(request)
    locks = current_locks(username, address, now)
    if locks:
        raise LoginLocked(_lock_message(max(lock.until for lock in locks), now))
    code = "".join(code.split())
    with transaction.atomic():
        device = two_factor_device(user, for_update=True)
        verified = device is not None and code.isdigit() and len(code) == 6 and device.verify_token(code)
        if not verified:
            locks = record_failure(username, address, now)
            if locks:
                audit_locks(user, username, address, locks)
    if not verified:
        if locks:
            raise LoginLocked(_lock_message(max(lock.until for lock in locks), now))
        raise ApplicationError(_("Mã xác thực không đúng hoặc đã hết hạn."), field="code")
    assert device is not None
    user_sign_in(request=request, user=user)
    otp_login(request, device)


# ------------------------------------------------------------------------------------------------ users


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return [str(message) for message in exc.messages]
    return []


def _check_language(language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Ngôn ngữ không được hỗ trợ."), field="language")


def user_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    password: str,
    language: str = settings.LANGUAGE_CODE,
    role: str | None = None,
    unit: AdminUnit | None = None,
) -> User:
    """Create a user, and grant them ``role`` on ``unit`` in the same transaction when both are given
    (a user nobody can see in the users page would be an orphan). The actor needs ``user.manage``."""
    if not scope.paths_for(actor, Perm.USER_MANAGE):
        raise PermissionDenied(_("Bạn không có quyền quản lý người dùng."))
    if (role is None) != (unit is None):
        raise ApplicationError(_("Vui lòng chọn cả vai trò và đơn vị."), field="role" if role is None else "unit")
    username = username.strip()
    full_name = " ".join(full_name.split())
    if role is not None and unit is not None:
        # Checked before anything is written, so a refused first role is audited and creates no orphan.
        if role not in Role.values:
            raise ApplicationError(_("Vai trò không hợp lệ."), field="role")
        _check_may_administer(
            actor, User(username=username), role, unit, refused_action="giamngheo.user.role_grant_refused"
        )
    errors: dict[str, list[str]] = {}
    try:
        User.username_validator(username)
    except ValidationError as exc:
        errors["username"] = [str(m) for m in exc.messages]
    if not username:
        errors["username"] = [_("Vui lòng nhập tên đăng nhập.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("Tên đăng nhập “%(username)s” đã có người dùng.") % {"username": username}]
    if not full_name:
        errors["full_name"] = [_("Vui lòng nhập họ và tên.")]
    # Vietnamese names are written family name first: the whole name is kept in one field.
    user = User(username=username, first_name=full_name[:150], language=language)
    password_errors = _password_errors(password, user)
    if password_errors:
        errors["password"] = password_errors
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Ngôn ngữ không được hỗ trợ.")]
    if errors:
        raise ValidationFailed(_("Chưa tạo được người dùng: vui lòng sửa các lỗi bên dưới."), errors=errors)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        log_action(
            actor=actor,
            action="giamngheo.user.created",
            object_type="user",
            object_id=user.pk,
            object_repr=username,
            unit_path=unit.path if unit is not None else "",
            changes={"username": [None, username], "full_name": [None, full_name], "language": [None, language]},
        )
        if role is not None and unit is not None:
            role_grant(actor=actor, user=user, role=role, unit=unit)
    return user


def user_set_language(*, user: User, language: str) -> User:
    """The user's interface language, kept on their profile so every device follows it."""
    _check_language(language)
    if user.language == language:
        return user
    with transaction.atomic():
        before = user.language
        user.language = language
        user.save(update_fields=["language"])
        log_action(
            actor=user,
            action="giamngheo.user.language_changed",
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
            unit_path=user_home_path(user),
            changes={"language": [before, language]},
        )
    return user


def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    """Change one's own password; the old one must be given, and the new one must differ from it (after a
    reset, the temporary password must not stay). Clears ``must_change_password``. The audit entry
    records that it changed, never a hash."""
    if not user.check_password(old_password):
        raise ApplicationError(_("Mật khẩu hiện tại không đúng."), field="old_password")
    if new_password == old_password:
        raise ValidationFailed(
            _("Mật khẩu mới chưa đạt yêu cầu."),
            errors={"new_password": [_("Mật khẩu mới phải khác mật khẩu hiện tại.")]},
        )
    problems = _password_errors(new_password, user)
    if problems:
        raise ValidationFailed(_("Mật khẩu mới chưa đạt yêu cầu."), errors={"new_password": problems})
    with transaction.atomic():
        was_forced = user.must_change_password
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        log_action(
            actor=user,
            action="giamngheo.user.password_changed",
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
            unit_path=user_home_path(user),
            changes={"must_change_password": [True, False]} if was_forced else None,
        )
        # A password is changed because it may be known to someone else: their API tokens go with it.
        api_tokens_revoke_all(actor=user, user=user, reason="password_changed")
    return user


# ------------------------------------------------------------------------------------------------ roles


def _refuse(actor: User, user: User, role: str, unit: AdminUnit, action: str, reason: str) -> None:
    """Record a refused grant or revocation under the unit, so the managers of that unit (and the auditors
    above it) see an attempt to raise someone's rights, then let the caller raise."""
    log_action(
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.pk or "",
        object_repr=user.get_username(),
        unit_path=unit.path,
        data={"role": role, "unit": unit.code, "reason": reason},
    )


def _check_may_administer(actor: User, user: User, role: str, unit: AdminUnit, *, refused_action: str) -> None:
    """Scope first (out of scope is *not found*), then: never on one's own account, and never a role that
    carries a permission the actor does not hold on that unit. Both refusals are audited."""
    scope.require(actor, Perm.USER_MANAGE, unit.path)
    if user.pk == actor.pk:
        # Superusers included: every change of rights needs a second person, so each one is seen by two.
        _refuse(actor, user, role, unit, refused_action, "self")
        raise PermissionDenied(
            _("Bạn không thể tự cấp, thu hồi hay thay đổi vai trò của chính mình; hãy nhờ một người quản lý khác."),
            field="role",
        )
    if role not in roles_grantable_by(actor, unit.path):
        _refuse(actor, user, role, unit, refused_action, "exceeds_own_rights")
        if role == Role.SYSTEM_ADMIN:
            message = _("Chỉ quản trị hệ thống mới được cấp hoặc thu hồi vai trò quản trị hệ thống.")
        else:
            message = _(
                "Bạn không thể cấp hoặc thu hồi vai trò “%(role)s” trên %(unit)s: vai trò này có những quyền mà "
                "chính bạn không có trên đơn vị đó (ví dụ xem số định danh cá nhân). Hãy nhờ quản trị hệ thống "
                "của tỉnh."
            ) % {"role": Role(role).label, "unit": unit.name}
        raise PermissionDenied(message, field="role")


def role_grant(*, actor: User, user: User, role: str, unit: AdminUnit) -> RoleGrant:
    """Give ``user`` ``role`` on ``unit`` and everything below it."""
    if role not in Role.values:
        raise ApplicationError(_("Vai trò không hợp lệ."), field="role")
    _check_may_administer(actor, user, role, unit, refused_action="giamngheo.user.role_grant_refused")
    if not unit.is_current:
        raise ApplicationError(_("Chỉ cấp quyền trên đơn vị hành chính đang có hiệu lực."), field="unit")
    if unit.level not in ROLE_UNIT_LEVELS[role]:
        raise ApplicationError(
            _("Vai trò “%(role)s” không cấp được trên đơn vị cấp “%(level)s”.")
            % {"role": Role(role).label, "level": unit.get_level_display()},
            field="unit",
        )
    with transaction.atomic():
        if RoleGrant.objects.filter(user=user, role=role, unit=unit).exists():
            raise ApplicationError(_("Người dùng đã có vai trò này trên đơn vị này."), field="role")
        grant = RoleGrant.objects.create(user=user, role=role, unit=unit, unit_path=unit.path, granted_by=actor)
        log_action(
            actor=actor,
            action="giamngheo.user.role_granted",
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
            unit_path=unit.path,
            changes={"role": [None, role], "unit": [None, unit.name]},
        )
    scope.forget_grants(user)
    return grant


def role_revoke(*, actor: User, user: User, role: str, unit: AdminUnit) -> None:
    """Take ``role`` on ``unit`` away from ``user``, under the same rules as granting it: not from oneself
    (a manager who revoked their own role by mistake could not give it back), and only a role whose
    permissions the actor holds there."""
    if role not in Role.values:
        raise ApplicationError(_("Vai trò không hợp lệ."), field="role")
    _check_may_administer(actor, user, role, unit, refused_action="giamngheo.user.role_revoke_refused")
    with transaction.atomic():
        deleted, _by_model = RoleGrant.objects.filter(user=user, role=role, unit=unit).delete()
        if not deleted:
            raise ApplicationError(_("Người dùng không có vai trò này trên đơn vị này."), field="role")
        log_action(
            actor=actor,
            action="giamngheo.user.role_revoked",
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
            unit_path=unit.path,
            changes={"role": [role, None], "unit": [unit.name, None]},
        )
    scope.forget_grants(user)



# ------------------------------------------------------------------------------------ active or not


def _check_may_switch(actor: User, user: User, *, refused_action: str) -> None:
    """Deactivating takes away every role at once: ``check_may_administer_account``."""
    check_may_administer_account(
        actor, user, refused_action=refused_action,
        self_message=_("Bạn không thể tự ngừng hoặc kích hoạt lại tài khoản của chính mình."),
        beyond_message=_(
            "Bạn không thể ngừng hoặc kích hoạt lại tài khoản “%(username)s”: người dùng này có vai trò mà "
            "bạn không được cấp hoặc thu hồi. Hãy nhờ quản trị hệ thống của tỉnh."
        ),
    )


def user_deactivate(*, actor: User, user: User) -> User:
    """Switch an account off: no log-in, every session ended (Django refuses inactive users on every
    request, and the session epoch is raised so that no session comes back with a reactivation) and every
    API token revoked — for someone who left, or an account that may be in the wrong hands. Roles are
    kept, so the account can be switched on again as it was (its tokens stay revoked)."""
    _check_may_switch(actor, user, refused_action="giamngheo.user.deactivate_refused")
    with transaction.atomic():
        if not User.objects.select_for_update().filter(pk=user.pk, is_active=True).exists():
            return user
        user.is_active = False
        user.save(update_fields=["is_active"])
        end_sessions(user)
        log_action(
            actor=actor,
            action="giamngheo.user.deactivated",
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
            unit_path=user_home_path(user),
            changes={"is_active": [True, False]},
        )
        api_tokens_revoke_all(actor=actor, user=user, reason="deactivated")
    scope.forget_grants(user)
    return user


def user_reactivate(*, actor: User, user: User) -> User:
    """Switch an account on again, with the roles it had; it has to create new API tokens. The idle clock
    starts again now (``lifecycle.last_activity``)."""
    _check_may_switch(actor, user, refused_action="giamngheo.user.reactivate_refused")
    with transaction.atomic():
        if not User.objects.select_for_update().filter(pk=user.pk, is_active=False).exists():
            return user
        user.is_active = True
        user.idle_reset_at = timezone.now()
        user.save(update_fields=["is_active", "idle_reset_at"])
        log_action(
            actor=actor,
            action="giamngheo.user.reactivated",
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
            unit_path=user_home_path(user),
            changes={"is_active": [False, True]},
        )
    return user
