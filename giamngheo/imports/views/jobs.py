"""The list of import jobs, the upload form and the Excel template."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from giamngheo.core.errors import ApplicationError
from giamngheo.imports import selectors, services
from giamngheo.imports.models import ImportKind, OnChange
from giamngheo.imports.template import kind_template
from giamngheo.imports.xlsform import FILE_NAME, xlsform_workbook
from giamngheo.reviews.views.once import once

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Loại dữ liệu"), choices=ImportKind.choices,
                             initial=ImportKind.HOUSEHOLDS, widget=forms.RadioSelect)
    file = forms.FileField(label=gettext_lazy("Tệp Excel hoặc CSV"),
                           help_text=gettext_lazy("Tệp .xlsx, .xls, .ods hoặc .csv (phiếu từ ODK Central: tệp .zip); "
                                                  "tối đa 200 MB."))
    on_change = forms.ChoiceField(label=gettext_lazy("Khi một hộ đã có trong hệ thống và tệp ghi khác đi"),
                                  choices=OnChange.choices, initial=OnChange.UPDATE, widget=forms.RadioSelect)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xls,.ods,.csv,.zip"
        self.fields["file"].error_messages["required"] = _("Hãy chọn tệp cần nhập.")


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "imports/list.html", {
        "jobs": selectors.job_list(request.user),
        "can_import": services.may_import(request.user),
        "max_listed": selectors.MAX_LISTED,
    })


@login_required
@require_http_methods(["GET", "POST"])
@once
def job_upload(request: HttpRequest) -> HttpResponse:
    """Store the file as a job, queue its validation, and go to the job page, which shows the progress."""
    if not services.may_import(request.user):
        if request.method == "GET":
            raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
        # The service would refuse too; refusing here first keeps the form away from someone who may not use it.
        return render(request, "imports/upload.html", {"refused": _("Bạn không có quyền nhập dữ liệu từ tệp.")},
                      status=403)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.import_upload(actor=request.user, kind=form.cleaned_data["kind"],
                                             file_name=upload.name or "", content=upload,
                                             on_change=form.cleaned_data["on_change"])
            except ApplicationError as exc:  # PermissionDenied included: the reason, on the form
                form.add_error(None, exc.message)
            else:
                services.start_validation(job)
                return redirect("imports:job", public_id=job.public_id)
    return render(request, "imports/upload.html", {"form": form}, status=status)


@login_required
@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    """The template of the kind asked for (``?kind=support``), else the households template, generated from
    household record v1 (headers, drop-downs, instructions)."""
    if not services.may_import(request.user):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    content, name = kind_template(request.GET.get("kind", ""))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def xlsform_download(request: HttpRequest) -> HttpResponse:
    """Phiếu B as an XLSForm for ODK Collect / KoboToolbox (``imports.xlsform``), for those who may import its
    submissions. It holds the form only, no household."""
    if not services.may_import(request.user):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    response = HttpResponse(xlsform_workbook(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{FILE_NAME}"'
    return response
