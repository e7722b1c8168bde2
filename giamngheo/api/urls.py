from django.urls import path

from giamngheo.api.v1 import api

urlpatterns = [path("", api.urls)]
