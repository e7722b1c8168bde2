from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "giamngheo.privacy"
    verbose_name = _("Dữ liệu cá nhân")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from giamngheo.privacy import audit_codes, deadlines

        audit_codes.register()
        deadlines.configured_hours()  # a misread GIAMNGHEO_DATA_REQUEST_HOURS stops the start, not a request
