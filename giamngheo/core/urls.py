from django.urls import path

from giamngheo.core import views

app_name = "core"
urlpatterns = [
    path("", views.audit_list_view, name="audit_list"),
    path("xuat/", views.audit_export_view, name="audit_export"),
    path("luot-xem/", views.audit_reads_view, name="audit_reads"),
    path("doi-tuong/<str:object_type>/<str:object_id>/", views.object_history_view, name="object_history"),
]
