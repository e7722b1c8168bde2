"""Support records as a file: "Xuất Excel" / "Xuất CSV" export the records the support page lists, with the
page's own query string (``year``, ``unit``, ``kind``, ``programme``, ``provider_type``) plus ``format``. A
parameter that is not a bounded number, or names a unit outside the user's scope, narrows nothing, as on the page;
the scope itself is the selector's."""

from __future__ import annotations

import tempfile
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for
from giamngheo.geo.models import AdminUnit
from giamngheo.households.views.paging import small_int
from giamngheo.imports.support_export import (
    FORMATS,
    FileFormat,
    SupportExportFilter,
    TooManyRows,
    export_support,
    support_export_file_name,
)
from giamngheo.support.models import ProviderType

YEAR_MIN, YEAR_MAX = 2000, 2100


def export_filter(request: HttpRequest) -> SupportExportFilter:
    """The page's filters from the query string, each bounded."""
    year = small_int(request.GET.get("year"), digits=4)
    unit_pk = small_int(request.GET.get("unit"), digits=9)
    unit = AdminUnit.objects.filter(pk=unit_pk).only("path").first() if unit_pk else None
    provider_type = request.GET.get("provider_type") or None
    return SupportExportFilter(
        year=year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None,
        unit_path=unit.path if unit is not None and allows(request.user, Perm.SUPPORT_VIEW, unit.path) else None,
        kind_id=small_int(request.GET.get("kind"), digits=9),
        programme_id=small_int(request.GET.get("programme"), digits=9),
        provider_type=provider_type if provider_type in ProviderType.values else None,
    )


@login_required
@require_GET
def support_export(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    if not paths_for(user, Perm.SUPPORT_VIEW) or not paths_for(user, Perm.HOUSEHOLD_VIEW):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))
    requested = request.GET.get("format", "xlsx")
    if requested not in FORMATS:
        raise Http404(_("Chỉ xuất được tệp Excel (.xlsx) hoặc CSV (.csv)."))
    file_format = cast(FileFormat, requested)
    filters = export_filter(request)
    # Built in an anonymous temporary file (deleted when the response closes it), then streamed.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    try:
        export_support(actor=user, filters=filters, file_format=file_format, out=handle)
    except TooManyRows as exc:
        handle.close()
        messages.error(request, str(exc))
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{reverse('support:index')}?{query.urlencode()}")
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    name = support_export_file_name(actor=user, filters=filters, file_format=file_format)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=FORMATS[file_format])
