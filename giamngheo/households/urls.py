from django.urls import path

from giamngheo.households.views import edit, export, household, registry

app_name = "households"
urlpatterns = [
    path("", registry.household_list, name="list"),
    path("them/", edit.household_create, name="create"),
    path("thon-ap/", registry.hamlet_options, name="hamlet_options"),
    path("xuat/", export.household_export, name="export"),
    path("<str:code>/", household.household_detail, name="detail"),
    path("<str:code>/sua/", edit.household_edit, name="edit"),
    path("<str:code>/xoa/", edit.household_delete, name="delete"),
]
