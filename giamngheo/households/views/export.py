"""The registry list as a file: "Xuất Excel" / "Xuất CSV" on the list page export exactly the filtered list the
page shows (the same query string, plus ``format``), through the same filter form and selector."""

from __future__ import annotations

import tempfile
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm
from giamngheo.households.views.registry import ListFilterForm
from giamngheo.imports.export import (
    FORMATS,
    FileFormat,
    HouseholdListFilter,
    export_file_name,
    export_households,
)


@login_required
@require_GET
def household_export(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    if not scope.paths_for(user, Perm.HOUSEHOLD_VIEW):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    requested = request.GET.get("format", "xlsx")
    if requested not in FORMATS:
        raise Http404(_("Chỉ xuất được tệp Excel (.xlsx) hoặc CSV (.csv)."))
    file_format = cast(FileFormat, requested)
    form = ListFilterForm(request.GET, user=user)
    commune, hamlet = form.value("commune"), form.value("hamlet")
    filters = HouseholdListFilter(
        commune_code=commune.code if commune else None,
        hamlet_id=hamlet.pk if hamlet else None,
        q=form.value("q"),
        klass=form.value("klass"),
    )
    # The file is built in an anonymous temporary file (deleted when the response closes it), then streamed:
    # a province's list never sits in memory. Large lists are still built within the request (see docs).
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    try:
        export_households(actor=user, filters=filters, file_format=file_format, out=handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    name = export_file_name(actor=user, filters=filters, file_format=file_format)
    # Cache-Control: no-store comes from core.security_headers, as on every answer carrying personal data.
    return FileResponse(handle, as_attachment=True, filename=name, content_type=FORMATS[file_format])
