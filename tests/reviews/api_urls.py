"""Until the project's API mounts the review router, the API tests serve it on a tiny API of their own,
with the project's bearer tokens and error handlers (imported only when that is needed)."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from giamngheo.api.auth import BearerToken
from giamngheo.api.errors import install_error_handlers
from giamngheo.reviews.api import router

api = NinjaAPI(urls_namespace="reviews-test-api", auth=BearerToken())
install_error_handlers(api)
api.add_router("", router)
urlpatterns = [path("api/v1/", api.urls)]
