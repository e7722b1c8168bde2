"""An account's life after creation, as its administrators see it: unlocking a log-in lock, resetting a
password, switching off accounts nobody uses (docs/security.md, "Log-in").

Who may act on an account (``check_may_administer_account``) is one rule for deactivation, reactivation,
unlocking, password reset and two-factor reset: whoever could revoke every role the user holds. Each write
is one transaction with one audit entry filed under the user's unit, where the user's managers see it.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts import scope
from giamngheo.accounts.login_throttle import Lock
from giamngheo.accounts.models import LoginFailure, User
from giamngheo.accounts.roles import Perm
from giamngheo.accounts.selectors import roles_grantable_by
from giamngheo.accounts.tokens import api_tokens_revoke_all
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action, register_action
from giamngheo.core.errors import ApplicationError, PermissionDenied, ValidationFailed

register_action("giamngheo.user.unlocked", gettext_lazy("Mở khoá đăng nhập"))
register_action("giamngheo.user.unlock_refused", gettext_lazy("Từ chối mở khoá đăng nhập"))
register_action("giamngheo.user.password_reset", gettext_lazy("Đặt lại mật khẩu"))
register_action("giamngheo.user.password_reset_refused", gettext_lazy("Từ chối đặt lại mật khẩu"))
register_action("giamngheo.user.expired_idle", gettext_lazy("Ngừng hoạt động tài khoản lâu không dùng"))

# A generated temporary password: 4 groups of 4 from an alphabet without look-alikes (0/O, 1/l/I), read out
# over the phone to a commune officer; about 95 bits.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479"
TEMPORARY_GROUPS, TEMPORARY_GROUP_LENGTH = 4, 4


def audit_locks(user: User | None, username: str, address: str, locks: list[Lock]) -> None:
    """One entry per new lock, filed under the user's unit so the commune's and the province's auditors see
    it; a lock on a username nobody holds is filed nowhere (superusers see it)."""
    for lock in locks:
        log_action(
            actor=None,
            action="giamngheo.user.login_locked",
            object_type="user",
            object_id=user.pk if user is not None else username,
            object_repr=username,
            unit_path=user_home_path(user) if user is not None else "",
            changes={"locked_until": [None, lock.until]},
            data={"kind": lock.kind, "failures": lock.failures, "remote_addr": address},
        )


def check_may_administer_account(
    actor: User, user: User, *, refused_action: str, self_message: str, beyond_message: str
) -> None:
    """The actor may act on the whole account only if it could revoke each of the user's roles: the user is
    in the actor's user-management scope (otherwise *not found*), is not the actor, and holds no role the
    actor could not grant on its unit (a province officer does not switch off or reset the province's system
    admin, nor a commune officer it could not have appointed). Refusals are audited; ``beyond_message`` may
    name ``%(username)s``."""
    grants = list(user.grants.values_list("role", "unit_path"))
    if not any(scope.allows(actor, Perm.USER_MANAGE, path) for _role, path in grants):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    if user.pk == actor.pk:
        log_action(actor=actor, action=refused_action, object_type="user", object_id=user.pk,
                   object_repr=user.get_username(), unit_path=user_home_path(user), data={"reason": "self"})
        raise PermissionDenied(self_message)
    beyond = [(role, path) for role, path in grants if role not in roles_grantable_by(actor, path)]
    if beyond:
        log_action(actor=actor, action=refused_action, object_type="user", object_id=user.pk,
                   object_repr=user.get_username(), unit_path=user_home_path(user),
                   data={"reason": "exceeds_own_rights", "roles": sorted({role for role, _path in beyond})})
        raise PermissionDenied(beyond_message % {"username": user.get_username()})


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session's hash stops matching (``User._get_session_auth_hash``).
    A view acting for the user themself keeps its own session with ``update_session_auth_hash``."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


# ------------------------------------------------------------------------------------------------ unlock


def user_unlock(*, actor: User, user: User) -> int:
    """Forget the failed log-ins counted against the user's username (the rows behind its per-pair and
    per-username locks) and return how many. A lock of an address (many usernames tried from one machine)
    is not the user's and ends by itself."""
    check_may_administer_account(
        actor, user, refused_action="giamngheo.user.unlock_refused",
        self_message=_("Bạn không thể tự mở khoá tài khoản của chính mình; hãy nhờ một người quản lý khác."),
        beyond_message=_(
            "Bạn không thể mở khoá tài khoản “%(username)s”: người dùng này có vai trò mà bạn không được cấp "
            "hoặc thu hồi. Hãy nhờ quản trị hệ thống của tỉnh."
        ),
    )
    with transaction.atomic():
        forgotten, _by_model = LoginFailure.objects.filter(username__iexact=user.get_username()).delete()
        if forgotten:
            log_action(
                actor=actor,
                action="giamngheo.user.unlocked",
                object_type="user",
                object_id=user.pk,
                object_repr=user.get_username(),
                unit_path=user_home_path(user),
                data={"failures_forgotten": forgotten},
            )
    return forgotten


# ---------------------------------------------------------------------------------------- password reset


def temporary_password() -> str:
    groups = (
        "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_GROUP_LENGTH)) for _ in range(TEMPORARY_GROUPS)
    )
    return "-".join(groups)


def user_reset_password(*, actor: User, user: User, password: str = "") -> str:
    """Give the user a temporary password — ``password`` if the administrator typed one, else a generated
    one — and return it (the caller shows it once; nothing keeps it). The user must choose their own at the
    next log-in; every session and API token of the user ends. The audit entry says whether it was
    generated, never the password."""
    check_may_administer_account(
        actor, user, refused_action="giamngheo.user.password_reset_refused",
        self_message=_("Bạn không thể tự đặt lại mật khẩu của chính mình; hãy đổi mật khẩu ở “Tài khoản của tôi”."),
        beyond_message=_(
            "Bạn không thể đặt lại mật khẩu của “%(username)s”: người dùng này có vai trò mà bạn không được cấp "
            "hoặc thu hồi. Hãy nhờ quản trị hệ thống của tỉnh."
        ),
    )
    generated = not password
    password = password or temporary_password()
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Mật khẩu tạm chưa đạt yêu cầu."), errors={"password": [str(m) for m in exc.messages]}
        ) from exc
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.must_change_password = True
        # Forgotten passwords come with long absences: the reset must not leave an idle account to be
        # switched off at the very log-in it was made for.
        locked.idle_reset_at = timezone.now()
        locked.save(update_fields=["password", "password_changed_at", "must_change_password", "idle_reset_at"])
        end_sessions(locked)
        log_action(
            actor=actor,
            action="giamngheo.user.password_reset",
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
            unit_path=user_home_path(user),
            changes={"must_change_password": [user.must_change_password, True]},
            data={"generated": generated},
        )
        api_tokens_revoke_all(actor=actor, user=locked, reason="password_reset")
    user.refresh_from_db()
    return password


# -------------------------------------------------------------------------------------------- idle accounts


def idle_cutoff(now: dt.datetime) -> dt.datetime | None:
    """Accounts last used before this moment are idle; None when expiry is off."""
    days = settings.GIAMNGHEO_IDLE_ACCOUNT_DAYS
    return now - dt.timedelta(days=days) if days else None


def last_activity(user: User) -> dt.datetime:
    """The last log-in, or the creation of an account never used; a reactivation or a password reset by an
    administrator starts the clock again."""
    moments = [user.last_login or user.date_joined, user.idle_reset_at]
    return max(moment for moment in moments if moment is not None)


def expiry_applies(user: User) -> bool:
    """Superusers are the national operator's accounts, managed from the command line: switching one off
    could leave nobody able to switch accounts on again (the command lists them instead). Demo accounts
    live in a demo database whose age means nothing."""
    return not user.is_superuser and not user.is_demo


def is_idle(user: User, now: dt.datetime) -> bool:
    cutoff = idle_cutoff(now)
    return cutoff is not None and expiry_applies(user) and last_activity(user) < cutoff


def idle_users(now: dt.datetime, *, superusers: bool = False) -> QuerySet[User]:
    """Active accounts idle at ``now`` (superusers instead, when asked: the command reports them)."""
    cutoff = idle_cutoff(now)
    if cutoff is None:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, is_demo=False, is_superuser=superusers)
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=cutoff)
        .filter(Q(idle_reset_at__isnull=True) | Q(idle_reset_at__lt=cutoff))
        .order_by("username")
    )


def user_expire_idle(*, user: User, now: dt.datetime | None = None, via: str) -> bool:
    """Switch off an account idle at ``now``, as ``user_deactivate`` does (sessions and API tokens end,
    roles kept), by the system rather than a person. ``via`` is "command" or "login". True if it was
    switched off by this call."""
    now = now or timezone.now()
    with transaction.atomic():
        current = User.objects.select_for_update().filter(pk=user.pk, is_active=True).first()
        if current is None or not is_idle(current, now):
            return False
        current.is_active = False
        current.save(update_fields=["is_active"])
        end_sessions(current)
        log_action(
            actor=None,
            action="giamngheo.user.expired_idle",
            object_type="user",
            object_id=current.pk,
            object_repr=current.get_username(),
            unit_path=user_home_path(current),
            changes={"is_active": [True, False]},
            data={
                "reason": "idle",
                "idle_days": settings.GIAMNGHEO_IDLE_ACCOUNT_DAYS,
                "last_activity": last_activity(current).isoformat(),
                "via": via,
            },
        )
        api_tokens_revoke_all(actor=None, user=current, reason="expired_idle")
    user.is_active = False
    return True


def users_expire_idle(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[User]:
    """Every idle account at ``now``, switched off unless ``dry_run``; returns those it found. Safe to run
    any number of times: an account already off is not idle any more."""
    now = now or timezone.now()
    found = list(idle_users(now))
    if not dry_run:
        found = [user for user in found if user_expire_idle(user=user, now=now, via="command")]
    return found


def idle_message() -> str:
    days = settings.GIAMNGHEO_IDLE_ACCOUNT_DAYS
    return _(
        "Tài khoản đã không được dùng quá %(days)d ngày nên đã bị ngừng hoạt động. Hãy liên hệ cán bộ quản lý "
        "người dùng để được kích hoạt lại."
    ) % {"days": days}


__all__ = [
    "ApplicationError",
    "audit_locks",
    "check_may_administer_account",
    "end_sessions",
    "idle_users",
    "is_idle",
    "user_expire_idle",
    "user_reset_password",
    "user_unlock",
    "users_expire_idle",
]
