"""API bearer tokens: created by a user for themself, shown once, stored only as a SHA-256 digest.

The REST API calls ``api_token_authenticate`` on every request; the "Tài khoản của tôi" page calls
``api_token_create`` and ``api_token_revoke``. A token carries no permissions of its own: the API acts
as the token's user, through the same scope policy as the pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.login_policy import may_sign_in
from giamngheo.accounts.models import ApiToken, User
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import log_action, register_action
from giamngheo.core.errors import ApplicationError

# Recognisable in logs and secret scanners; the random part is 32 bytes (256 bits).
TOKEN_PREFIX = "gn_"  # noqa: S105 - a public marker, not a secret
MAX_DAYS = 366

register_action("giamngheo.user.token_revoked", gettext_lazy("Thu hồi mã truy cập API"))
register_action("giamngheo.user.tokens_revoked", gettext_lazy("Thu hồi mọi mã truy cập API của người dùng"))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_token_create(*, user: User, days: int = 90) -> str:
    """Create a token for ``user`` valid for ``days`` days and return it; only its digest is stored."""
    if not 1 <= days <= MAX_DAYS:
        raise ApplicationError(
            _("Thời hạn của mã truy cập phải từ 1 đến %(max)d ngày.") % {"max": MAX_DAYS}, field="days"
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=_digest(key),
            prefix=key[:8],
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        log_action(
            actor=user,
            action="giamngheo.user.token_created",
            object_type="api_token",
            object_id=token.pk,
            object_repr=str(token),
            unit_path=user_home_path(user),
            changes={"expires_at": [None, token.expires_at]},
        )
    return key


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens. Another user's token id is reported as not found."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
        if token is None:
            raise ApplicationError(_("Không tìm thấy mã truy cập này."), field="token_id")
        if token.revoked:
            return token
        token.revoked = True
        token.save(update_fields=["revoked"])
        log_action(
            actor=user,
            action="giamngheo.user.token_revoked",
            object_type="api_token",
            object_id=token.pk,
            object_repr=str(token),
            unit_path=user_home_path(user),
            changes={"revoked": [False, True]},
        )
    return token


def api_tokens_revoke_all(*, actor: User | None, user: User, reason: str) -> int:
    """Revoke every live token of ``user`` and return how many; one audit entry when there were any.

    Called inside the transaction of a password change, a password reset or a deactivation: whoever took
    over the account, or the person who left, keeps no way into the API. ``reason`` is recorded as is.
    """
    with transaction.atomic():
        live = list(ApiToken.objects.select_for_update().filter(user=user, revoked=False).values_list("pk", flat=True))
        if not live:
            return 0
        ApiToken.objects.filter(pk__in=live).update(revoked=True)
        log_action(
            actor=actor,
            action="giamngheo.user.tokens_revoked",
            object_type="user",
            object_id=user.pk,
            object_repr=user.get_username(),
            unit_path=user_home_path(user),
            data={"tokens": len(live), "reason": reason},
        )
    return len(live)


def api_token_authenticate(key: str) -> User | None:
    """The active user a presented token belongs to, or None if it is unknown, expired or revoked, or older
    than the user's last password change (however the password was changed: ``User.set_password``), or
    its user must change a password an administrator reset. No two-factor code is asked: a token is a
    credential of its own (docs/security.md, "API tokens").

    Records when the token was last used, so that a user can spot a token used by someone else.
    """
    if not key:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_digest(key), revoked=False, expires_at__gt=now)
        .first()
    )
    if token is None or not may_sign_in(token.user):
        return None
    if token.user.must_change_password:
        # Reset by an administrator (and every token revoked then): none works until the user has chosen a
        # password of their own on the web page.
        return None
    changed = token.user.password_changed_at
    if changed is not None and token.created_at < changed:
        return None
    # A plain UPDATE: no audit entry (using a token changes nothing in the domain) and no race on save().
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_tokens_of(user: User) -> list[ApiToken]:
    """The user's own tokens, newest first, for the account page (never anyone else's)."""
    expired = ExpressionWrapper(Q(expires_at__lte=Now()), output_field=BooleanField())
    return list(ApiToken.objects.filter(user=user).annotate(is_expired=expired).order_by("-created_at", "-pk"))
