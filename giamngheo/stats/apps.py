from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "giamngheo.stats"
    label = "stats"

    def ready(self) -> None:
        from giamngheo.stats import audit_codes, receivers

        audit_codes.register()
        receivers.connect()
