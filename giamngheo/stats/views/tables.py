"""Official report tables: ``/thong-ke/<unit code>/bang/`` previews the review's result table or a household
list for a year and standard, and downloads it as Excel or PDF; ``/thong-ke/<unit code>/bao-cao/`` downloads the
full multi-sheet report. Scoped by ``views.common.unit_in_scope`` (out of scope = 404); every download is
recorded in the audit trail (figures and names leave the system there)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows
from giamngheo.core.audit import log_action
from giamngheo.geo.models import AdminUnit
from giamngheo.stats import selectors
from giamngheo.stats.measures import CLASS_LABELS, CLASSES
from giamngheo.stats.tables import excel, pdf
from giamngheo.stats.tables.household_lists import KINDS, ListTooLong, household_list, list_columns
from giamngheo.stats.tables.report import province_report_workbook
from giamngheo.stats.tables.result import SUBTOTAL, TOTAL, columns, printed_rows, result_table
from giamngheo.stats.views.common import BadParameter, series_param, unit_in_scope, year_param

EXPORTED = "giamngheo.stats.table_exported"
OBJECT_TYPE = "stats_table"

RESULT = "ket-qua"
FORMATS = {"xlsx": excel.CONTENT_TYPE, "pdf": "application/pdf"}
PREVIEW_ROWS = 200


def _choice(request: HttpRequest) -> str:
    raw = request.GET.get("bang", "").strip() or RESULT
    if raw != RESULT and raw not in KINDS:
        raise BadParameter(_("Bảng (bang) không hợp lệ: chọn bảng kết quả rà soát hoặc một danh sách hộ."))
    return raw


def _format(request: HttpRequest) -> str:
    raw = request.GET.get("dinh-dang", "").strip() or "xlsx"
    if raw not in FORMATS:
        raise BadParameter(_("Định dạng tệp (dinh-dang) phải là xlsx hoặc pdf."))
    return raw


def _params(request: HttpRequest, unit: AdminUnit) -> tuple[str, int, str]:
    series = series_param(request, unit)
    return series, year_param(request, unit, series), _choice(request)


def _page_context(request: HttpRequest, unit: AdminUnit, series: str = "national") -> dict[str, Any]:
    may_list = allows(request.user, Perm.HOUSEHOLD_VIEW, unit.path)
    choices = [(RESULT, _("Kết quả rà soát hộ nghèo, hộ cận nghèo"))]
    if may_list:
        choices += [(slug, str(kind.label)) for slug, kind in KINDS.items()]
    province_code = unit.path.strip("/").split("/")[0]
    series_choices = [("national", _("Chuẩn quốc gia"))]
    if f"local-{province_code}" in selectors.series_available(unit):
        series_choices.append((f"local-{province_code}", _("Chuẩn của tỉnh")))
    return {"unit": unit, "choices": choices, "series_choices": series_choices, "may_list": may_list,
            "years": selectors.years_filled(unit, series=series)[::-1]}


@login_required
@require_GET
def table_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = unit_in_scope(request, code)
    try:
        series, year, choice = _params(request, unit)
    except BadParameter as error:
        return _bad(request, unit, str(error))
    context = _page_context(request, unit, series)
    context.update({"series": series, "year": year, "choice": choice, "query": _query(series, year, choice)})
    if choice == RESULT:
        table = result_table(unit, year=year, series=series)
        context["table"] = table
        context["sections"] = [
            {"klass": klass, "label": CLASS_LABELS[klass], "title": table.title(klass),
             "columns": columns(klass), "groups": _groups(klass),
             "rows": [_shown_row(row, klass) for row in printed_rows(table, klass)]}
            for klass in CLASSES]
        return render(request, "stats/tables.html", context)
    if not context["may_list"]:
        return render(request, "stats/tables.html", {**context, "error": _(
            "Bạn không có quyền xem danh sách hộ của đơn vị này.")}, status=404)
    try:
        households = household_list(user=request.user, unit=unit, year=year, series=series, slug=choice)
    except ListTooLong as error:
        context["error"] = str(error)
        return render(request, "stats/tables.html", context, status=400)
    context.update({"households": households, "list_columns": list_columns(households),
                    "list_rows": households.rows[:PREVIEW_ROWS],
                    "list_cut": max(0, len(households.rows) - PREVIEW_ROWS)})
    return render(request, "stats/tables.html", context)


def _query(series: str, year: int, choice: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"nam": year, "chuan": series, "bang": choice})


def _groups(klass: str) -> list[tuple[str, int]]:
    groups: list[tuple[str, int]] = []
    for column in columns(klass):
        if groups and groups[-1][0] == column.group:
            groups[-1] = (column.group, groups[-1][1] + 1)
        else:
            groups.append((column.group, 1))
    return groups


def _shown_row(row: Any, klass: str) -> dict[str, Any]:
    return {"kind": row.kind, "number": row.number, "name": row.name, "bold": row.kind in (SUBTOTAL, TOTAL),
            "households": pdf.shown(row.households, False) if row.households is not None else "",
            "cells": [pdf.shown(value, column.rate) for value, column in zip(row.cells, columns(klass),
                                                                            strict=False)]}


def _download(content: bytes, file_format: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _bad(request: HttpRequest, unit: AdminUnit, message: str, status: int = 400) -> HttpResponse:
    return render(request, "stats/tables.html", {**_page_context(request, unit), "error": message}, status=status)


@login_required
@require_GET
def table_download(request: HttpRequest, code: str) -> HttpResponse:
    unit = unit_in_scope(request, code)
    try:
        series, year, choice = _params(request, unit)
        file_format = _format(request)
    except BadParameter as error:
        return _bad(request, unit, str(error))
    if choice == RESULT:
        table = result_table(unit, year=year, series=series)
        content = excel.result_workbook(table) if file_format == "xlsx" else pdf.result_pdf(table)
        rows = len(table.lines)
    else:
        if not allows(request.user, Perm.HOUSEHOLD_VIEW, unit.path):
            return _bad(request, unit, _("Bạn không có quyền xem danh sách hộ của đơn vị này."), status=404)
        try:
            households = household_list(user=request.user, unit=unit, year=year, series=series, slug=choice)
        except ListTooLong as error:
            return _bad(request, unit, str(error))
        content = excel.list_workbook(households) if file_format == "xlsx" else pdf.list_pdf(households)
        rows = len(households.rows)
    log_action(actor=request.user, action=EXPORTED, object_type=OBJECT_TYPE, object_id=unit.code,
               object_repr=f"{unit.name} · {choice} · {year}", unit_path=unit.path,
               data={"table": choice, "year": year, "series": series, "format": file_format, "rows": rows})
    return _download(content, file_format, f"{choice}-{unit.code}-{year}-{series}.{file_format}")


@login_required
@require_GET
def report_download(request: HttpRequest, code: str) -> HttpResponse:
    """The full report of a province (by commune) or a commune (by hamlet), as one workbook."""
    unit = unit_in_scope(request, code)
    try:
        series = series_param(request, unit)
        year = year_param(request, unit, series)
    except BadParameter as error:
        return _bad(request, unit, str(error))
    content = province_report_workbook(unit, year, series, user=request.user)
    log_action(actor=request.user, action=EXPORTED, object_type=OBJECT_TYPE, object_id=unit.code,
               object_repr=f"{unit.name} · bao-cao · {year}", unit_path=unit.path,
               data={"table": "bao-cao", "year": year, "series": series, "format": "xlsx"})
    return _download(content, "xlsx", f"bao-cao-{unit.code}-{year}-{series}.xlsx")


urlpatterns = [
    path("<str:code>/bang/", table_page, name="tables"),
    path("<str:code>/bang/tai-ve/", table_download, name="table_download"),
    path("<str:code>/bao-cao/", report_download, name="report_download"),
]
