from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "giamngheo.accounts"
    label = "accounts"
    verbose_name = _("Tài khoản và phân quyền")

    def ready(self) -> None:
        # The services register their audit action labels on import; the audit page needs them all.
        from giamngheo.accounts import services, tokens  # noqa: F401
