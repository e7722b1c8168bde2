from django.urls import include, path

from giamngheo.reviews.views.dashboard import landing

urlpatterns = [
    # The start page depends on the role: a hamlet surveyor lands on the households to survey.
    path("", landing, name="home"),
    path("tai-khoan/", include("giamngheo.accounts.urls")),
    path("don-vi/", include("giamngheo.geo.urls")),
    path("ho/", include("giamngheo.households.urls")),
    path("nhat-ky/", include("giamngheo.core.urls")),
    path("ra-soat/", include("giamngheo.reviews.urls")),
    path("nhap-du-lieu/", include("giamngheo.imports.urls")),
    path("", include("giamngheo.support.urls")),
    path("thong-ke/", include("giamngheo.stats.urls")),
    path("du-lieu-ca-nhan/", include("giamngheo.privacy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("giamngheo.api.urls")),
    path("khao-sat-ngoai-tuyen/", include("giamngheo.offline.urls")),
]
