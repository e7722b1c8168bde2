from django.urls import path

from giamngheo.reviews.views import case, cycle, dashboard, ledger, movements, printouts, requests

app_name = "reviews"
urlpatterns = [
    path("", dashboard.index, name="index"),
    path("ho-cua-toi/", dashboard.my_cases, name="my_cases"),
    path("dot/<int:pk>/", cycle.cycle_detail, name="cycle"),
    path("dot/<int:pk>/phan-loai/", cycle.cycle_classify, name="cycle_classify"),
    path("dot/<int:pk>/hop-dan/", cycle.cycle_meeting, name="cycle_meeting"),
    path("dot/<int:pk>/niem-yet/", cycle.cycle_posting, name="cycle_posting"),
    path("dot/<int:pk>/xin-y-kien/", cycle.cycle_consult, name="cycle_consult"),
    path("dot/<int:pk>/cong-nhan/", cycle.cycle_recognise, name="cycle_recognise"),
    path("dot/<int:pk>/cap-giay/", cycle.cycle_certificates, name="cycle_certificates"),
    path("dot/<int:pk>/them-ho/", cycle.cycle_add, name="cycle_add"),
    path("ho-so/<int:pk>/", case.case_detail, name="case"),
    path("ho-so/<int:pk>/xem-truoc/", case.case_preview, name="case_preview"),
    path("ho-so/<int:pk>/phan-loai/", case.case_classify, name="case_classify"),
    path("ho-so/<int:pk>/khieu-nai/", case.case_complaint, name="case_complaint"),
    path("khieu-nai/<int:pk>/giai-quyet/", case.complaint_resolve, name="complaint_resolve"),
    path("bien-ban/<int:pk>/", printouts.meeting_minutes, name="minutes"),
    path("niem-yet/<int:pk>/", printouts.posted_list, name="posted_list"),
    path("quyet-dinh/<int:pk>.pdf", printouts.decision_pdf, name="decision_pdf"),
    path("giay-chung-nhan/<int:pk>.pdf", printouts.certificate_pdf, name="certificate_pdf"),
    path("bien-dong/", movements.movements, name="movements"),
    path("bien-dong/excel/", movements.movements_export, name="movements_export"),
    path("bien-dong/<str:code>/ho/", movements.movement_households, name="movement_households"),
    path("ho/<str:code>/so-theo-doi/", ledger.household_ledger, name="household_ledger"),
    path("ho/<str:code>/dua-ra-khoi-danh-sach/", ledger.household_remove, name="household_remove"),
    path("so-theo-doi/<int:pk>/dinh-chinh/", ledger.ledger_correct, name="ledger_correct"),
    path("don/", requests.request_list, name="requests"),
    path("don/<int:pk>/", requests.request_detail, name="request"),
    path("don/<int:pk>/tra-loi/", printouts.request_reply, name="request_reply"),
]
