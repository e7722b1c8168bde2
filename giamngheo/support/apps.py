from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "giamngheo.support"
    label = "support"

    def ready(self) -> None:
        from giamngheo.support import audit_codes

        audit_codes.register()
