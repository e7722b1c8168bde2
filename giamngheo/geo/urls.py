from django.urls import path, re_path

from giamngheo.geo import views

app_name = "geo"
urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^(?P<code>[0-9]{2})/$", views.province, name="province"),
    path("xa/<str:code>/", views.commune, name="commune"),
    path("xa/<str:code>/them-thon/", views.hamlet_create, name="hamlet_create"),
    path("thon/<str:code>/doi-ten/", views.hamlet_rename, name="hamlet_rename"),
]
