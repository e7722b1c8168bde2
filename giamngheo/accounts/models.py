from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from giamngheo.accounts.roles import Role


class User(AbstractUser):
    language = models.CharField(
        _("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_demo = models.BooleanField(_("tài khoản thử nghiệm"), default=False)
    failed_logins = models.PositiveIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

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


class LoginThrottle(models.Model):
    """Failed log-ins for a username that no account holds.

    Known users keep their count on ``User.failed_logins``/``locked_until``; a username nobody holds is
    counted and locked here the same way, so the answers to a guesser never tell whether an account exists.
    """

    username = models.CharField(max_length=150, unique=True)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.username
