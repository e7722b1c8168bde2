from django.urls import path

from giamngheo.imports.views import batch, job, jobs, support

app_name = "imports"
urlpatterns = [
    path("", jobs.job_list, name="list"),
    path("tai-len/", jobs.job_upload, name="upload"),
    path("mau-excel/", jobs.template_download, name="template"),
    path("phieu-b-xlsform/", jobs.xlsform_download, name="xlsform"),
    path("xuat-ho-tro/", support.support_export, name="support_export"),
    path("<uuid:public_id>/", job.job_detail, name="job"),
    path("<uuid:public_id>/tien-do/", job.job_progress, name="progress"),
    path("<uuid:public_id>/ghi/", job.job_commit, name="commit"),
    path("<uuid:public_id>/huy/", job.job_cancel, name="cancel"),
    path("<uuid:public_id>/tep-loi/", job.job_error_workbook, name="errors"),
    path("<uuid:public_id>/ho/", batch.job_households, name="households"),
]
