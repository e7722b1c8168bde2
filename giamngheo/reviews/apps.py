from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "giamngheo.reviews"
    label = "reviews"

    def ready(self) -> None:
        from giamngheo.reviews import audit_codes

        audit_codes.register()
