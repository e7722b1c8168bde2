from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "giamngheo.imports"
    verbose_name = _("Nhập, xuất dữ liệu")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Audit labels of imports and exports are registered when these modules load: the audit page must know
        # them before any import or export page has been opened.
        from giamngheo.imports import export, services  # noqa: F401
