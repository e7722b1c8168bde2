from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="households:list", permanent=False), name="home"),
    path("tai-khoan/", include("giamngheo.accounts.urls")),
    path("don-vi/", include("giamngheo.geo.urls")),
    path("ho/", include("giamngheo.households.urls")),
    path("nhat-ky/", include("giamngheo.core.urls")),
    path("ra-soat/", include("giamngheo.reviews.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("giamngheo.api.urls")),
]
