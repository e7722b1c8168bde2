from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfflineConfig(AppConfig):
    name = "giamngheo.offline"
    label = "offline"
    verbose_name = _("Khảo sát ngoại tuyến")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from giamngheo.offline import audit_codes

        audit_codes.register()
