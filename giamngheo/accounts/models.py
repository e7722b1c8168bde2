from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from giamngheo.accounts.roles import Role


class User(AbstractUser):
    language = models.CharField(
        _("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_demo = models.BooleanField(_("tài khoản thử nghiệm"), default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by an administrator's password reset: until the user chooses a password of their own, the pages
    # lead only to the password change and the API refuses their tokens (accounts.gate, accounts.tokens).
    must_change_password = models.BooleanField(_("phải đổi mật khẩu khi đăng nhập"), default=False)
    # Raised to end every session of the user at once (deactivation, password reset, two-factor changes):
    # it is part of the session hash Django checks on every request (``_get_session_auth_hash``).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # When an administrator last vouched for the account — reactivated it or reset its password: the idle
    # clock starts again from there (accounts.lifecycle), or the account would be switched off as idle at
    # its very next log-in.
    idle_reset_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session hash (an HMAC of the password hash), with ``session_epoch`` mixed in once it is
        raised: every session signed before the raise stops matching and is signed out on its next request.
        At epoch 0 the hash is Django's own, so existing sessions survive the upgrade."""
        if not self.session_epoch:
            return str(super()._get_session_auth_hash(secret=secret))  # type: ignore[misc]
        return salted_hmac(
            "giamngheo.accounts.User.session_epoch",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def set_password(self, raw_password: str | None) -> None:
        """Every way of setting a password passes here — the account page, ``giamngheo changepassword``,
        ``createsuperuser`` — so this is where the moment is stamped: API tokens issued before it stop
        working (``accounts.tokens``), whichever path changed the password. Save ``password_changed_at``
        together with ``password``."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class RoleGrant(models.Model):
    """``user`` holds ``role`` on ``unit`` and everything below it. ``unit_path`` is copied from the unit so
    that scope checks are one prefix comparison without a join."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey("geo.AdminUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="grants")
    unit_path = models.CharField(max_length=255, editable=False)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="grant_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginFailure(models.Model):
    """One failed log-in: the username typed — whether or not an account holds it, so the answers never
    tell which usernames exist — and the client's address (``accounts.login_throttle``). Rows older than
    the lock-out window are deleted as new failures come in."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["username", "address", "at"], name="login_failure_pair"),
            models.Index(fields=["address", "at"], name="login_failure_address"),
            models.Index(fields=["at"], name="login_failure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.address}"


class TwoFactorRule(models.Model):
    """Whether a province requires two-factor log-in (TOTP) of everyone holding a role on it or below it.
    One row per province that ever set it; set on the province page by its system administrator
    (``accounts.two_factor.two_factor_rule_set``)."""

    unit = models.OneToOneField(
        "geo.AdminUnit", verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="two_factor_rule"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    required = models.BooleanField(_("bắt buộc đăng nhập hai bước"), default=False)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("quy định đăng nhập hai bước")
        verbose_name_plural = _("quy định đăng nhập hai bước")

    def __str__(self) -> str:
        return f"{self.unit} · {self.required}"
