from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "giamngheo.stats"
    label = "stats"

    def ready(self) -> None:
        from giamngheo.stats import receivers

        receivers.connect()
