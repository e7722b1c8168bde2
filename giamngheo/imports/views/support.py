"""Support records as a file: "Xuất Excel" / "Xuất CSV" export the records the support page lists, with the
page's own query string (``year``, ``unit``, ``kind``, ``programme``, ``provider_type``) plus ``format``. A
parameter that is not a bounded number, or names a unit outside the user's scope, narrows nothing, as on the page;
the scope itself is the selector's. More than ``support.services.exports.IN_REQUEST_MAX`` records are written by
the worker, the user following its progress on the export job's page."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
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
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.geo.models import AdminUnit
from giamngheo.households.views.paging import small_int
from giamngheo.imports.support_export import (
    FORMATS,
    FileFormat,
    SupportExportFilter,
    TooManyRows,
    check_export_size,
    export_support,
    support_export_count,
    support_export_file_name,
)
from giamngheo.support.models import ExportKind, ProviderType
from giamngheo.support.services import exports

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
    name = support_export_file_name(actor=user, filters=filters, file_format=file_format)
    try:
        total = support_export_count(actor=user, filters=filters)
        check_export_size(total)
        if total > exports.IN_REQUEST_MAX:  # a province's records: the worker writes them (docs/support.md)
            job = exports.export_job_start(
                actor=user, kind=ExportKind.SUPPORT_RECORDS,
                parameters={"filters": asdict(filters), "format": file_format},
                unit_path=filters.unit_path or user_home_path(user), rows_total=total, file_name=name)
            return redirect("support:export_job", public_id=job.public_id)
        # Built in an anonymous temporary file (deleted when the response closes it), then streamed.
        handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
        try:
            export_support(actor=user, filters=filters, file_format=file_format, out=handle)
        except BaseException:
            handle.close()
            raise
    except TooManyRows as exc:
        messages.error(request, str(exc))
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{reverse('support:index')}?{query.urlencode()}")
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=FORMATS[file_format])
