from django.urls import path

from giamngheo.offline import views

app_name = "offline"

urlpatterns = [
    path("", views.app, name="app"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.worker, name="worker"),
    path("phien/", views.session, name="session"),
    path("tai-ve/", views.bundle, name="bundle"),
    path("ho-so/<int:pk>/gui/", views.submit, name="submit"),
]
