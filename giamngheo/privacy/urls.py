from django.urls import path

from giamngheo.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("tiep-nhan/", views.request_register, name="register"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/giao/", views.request_assign, name="assign"),
    path("<int:pk>/tra-loi/", views.request_answer, name="answer"),
    path("<int:pk>/tu-choi/", views.request_refuse, name="refuse"),
    path("<int:pk>/du-lieu.json", views.request_export, name="export"),
    path("<int:pk>/van-ban-tra-loi.pdf", views.request_reply, name="reply"),
]
