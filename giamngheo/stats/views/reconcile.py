"""Reconciliation pages (issue 9, figure 7, and the old units through the crosswalk).

``/thong-ke/doi-chieu/``: an officer uploads a published table (Excel or CSV); the page guesses its layout,
lets the officer correct it (query parameters, so a choice is a link), and lists every total that differs
from the sum of its parts, or, in the second mode, sums a table keyed by old commune codes into the current
communes. The upload is kept for the session only (``published.upload_keep``), never in the database.
``/thong-ke/<unit>/doi-chieu/``: the same check on the system's own rollups, and the old districts.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.core.exports import xlsx_row
from giamngheo.core.formatting import format_number, format_percent
from giamngheo.stats import legacy, published, selectors
from giamngheo.stats.measures import AREA_LABELS
from giamngheo.stats.published import Layout, Table, TableError
from giamngheo.stats.reconcile import Flag, Number, reconcile, reconcile_rollups
from giamngheo.stats.views.common import (
    NOT_FOUND,
    BadParameter,
    series_param,
    stats_units,
    unit_in_scope,
    year_param,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MODES = ("tong", "don-vi-cu")  # check totals; old communes onto the current ones
SHOWN_ROWS = 300  # the uploaded table is shown whole up to this many rows, flagged cells marked
LISTED = 100  # flags or codes not found listed on the page (the Excel report lists them all)
SENTENCES = 20  # flags also written out as sentences at the top


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp Excel hoặc CSV"), help_text=gettext_lazy(
        "Tệp .xlsx, .xls, .ods hoặc .csv; tối đa 5 MB, 20.000 dòng và 40 cột."))
    mode = forms.ChoiceField(label=gettext_lazy("Việc cần làm"), initial="tong", widget=forms.RadioSelect, choices=[
        ("tong", gettext_lazy("Đối chiếu số tổng với tổng các phần")),
        ("don-vi-cu", gettext_lazy("Chuyển số liệu đơn vị cũ sang đơn vị mới")),
    ])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(published.SUFFIXES)
        self.fields["file"].error_messages["required"] = _("Hãy chọn tệp cần đối chiếu.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > published.MAX_BYTES:
            raise forms.ValidationError(_("Tệp lớn hơn %(max)s MB: hãy chỉ giữ lại bảng cần đối chiếu.") % {
                "max": published.MAX_BYTES // (1024 * 1024)})
        name = (upload.name or "").lower()
        if not name.endswith(published.SUFFIXES):
            raise forms.ValidationError(_("Chỉ nhận tệp Excel (.xlsx, .xls, .ods) hoặc CSV (.csv)."))
        return upload


def _require_stats(request: HttpRequest) -> list[str]:
    scope = paths_for(request.user, Perm.STATS_VIEW)
    if not scope:
        raise Http404(NOT_FOUND)
    return scope


def _column(request: HttpRequest, name: str, width: int, *, required: bool = False) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        if required:
            raise BadParameter(_("Thiếu cột (%(name)s).") % {"name": name})
        return None
    if not raw.isdigit() or int(raw) >= width:
        raise BadParameter(_("Cột (%(name)s) phải là số thứ tự của một cột trong bảng, từ 0 đến %(high)s.") % {
            "name": name, "high": width - 1})
    return int(raw)


def _layout(request: HttpRequest, table: Table) -> Layout:
    """The detected layout, with every choice the officer made in the query string applied over it."""
    layout = published.detect_layout(table)
    width = len(table.headers)
    if "nhan" not in request.GET:
        return layout
    numbers = request.GET.getlist("so")
    if len(numbers) > published.MAX_COLUMNS or any(not n.isdigit() or int(n) >= width for n in numbers):
        raise BadParameter(_("Cột số liệu (so) phải là số thứ tự của các cột trong bảng."))
    structure = request.GET.get("cau_truc", "indent")
    if structure not in ("parent", "level", "indent"):
        raise BadParameter(_("Cách xếp dòng (cau_truc) không hợp lệ."))
    return Layout(label=_column(request, "nhan", width, required=True) or 0,
                  numbers=sorted({int(n) for n in numbers}), structure=structure,
                  structure_column=_column(request, "cot", width, required=structure != "indent"),
                  code=_column(request, "ma", width), denominator=_column(request, "mau", width))


def signed(value: Number) -> str:
    """A difference as Vietnamese reports write it: −90, +119."""
    text = format_number(abs(value), 0 if float(value).is_integer() else 2)
    return ("−" if value < 0 else "+") + text if value else "0"


def number(value: Number | None) -> str:
    if value is None:
        return "–"
    return format_number(value, 0 if float(value).is_integer() else 2)


def flag_sentence(flag: Flag) -> str:
    return _("%(unit)s, %(column)s: tổng các phần %(parts)s, số công bố %(stated)s, chênh lệch %(difference)s") % {
        "unit": flag.row.label, "column": flag.column, "parts": number(flag.parts_sum),
        "stated": number(flag.stated), "difference": signed(flag.difference)}


def _check_context(table: Table, layout: Layout) -> dict[str, Any]:
    rows = published.table_rows(table, layout)
    flags = reconcile(rows, published.checked_columns(table, layout))
    marked = {(f.row.index, f.column) for f in flags}
    flagged_rows = {f.row.index for f in flags}
    checked = set(layout.numbers)
    shown = [{
        "sheet_row": row.sheet_row, "flagged": row.index in flagged_rows, "depth": _depth(rows, row.index),
        "cells": [{"text": cell or "", "flagged": (row.index, table.headers[i]) in marked, "checked": i in checked}
                  for i, cell in enumerate(table.cells[row.index])],
    } for row in rows[:SHOWN_ROWS]]
    return {"flags": [{"flag": f, "sentence": flag_sentence(f), "difference": signed(f.difference),
                       "stated": number(f.stated), "parts": number(f.parts_sum)} for f in flags[:LISTED]],
            "flags_count": len(flags), "flags_more": max(0, len(flags) - LISTED), "sentences": SENTENCES,
            "shown": shown, "more_rows": max(0, len(rows) - SHOWN_ROWS),
            "totals_checked": len({r.parent for r in rows if r.parent is not None}), "rows_count": len(rows)}


def _depth(rows: list[Any], index: int) -> int:
    depth, parent = 0, rows[index].parent
    while parent is not None and depth < 10:
        depth, parent = depth + 1, rows[parent].parent
    return depth


def _old_context(request: HttpRequest, table: Table, layout: Layout, scope: list[str]) -> dict[str, Any]:
    if layout.code is None:
        raise TableError([_("Hãy chọn cột ghi mã xã cũ (mã đơn vị hành chính trước 01/07/2025).")])
    old_rows = published.old_rows(table, layout)
    result = legacy.old_table_to_new(old_rows, scope_paths=scope)
    columns = published.checked_columns(table, layout)
    denominator = table.headers[layout.denominator] if layout.denominator is not None else None
    rated = [c for c in columns if c != denominator] if denominator in columns else []
    return {"conversion": result, "columns": columns, "rated": rated, "denominator": denominator,
            "rate_headers": [_("Tỷ lệ %(column)s") % {"column": c[:1].lower() + c[1:]} for c in rated],
            "unknown": result.unknown[:LISTED], "unknown_more": max(0, len(result.unknown) - LISTED),
            "communes": [{"commune": c, "values": [number(c.values.get(col, 0)) for col in columns],
                          "rates": [format_percent(c.rate(col, denominator or "")) for col in rated]}
                         for c in result.communes]}


@login_required
@require_http_methods(["GET", "POST"])
def reconcile_upload(request: HttpRequest) -> HttpResponse:
    """Upload a table (POST), or see the check of the one kept for this session (GET)."""
    scope = _require_stats(request)
    context: dict[str, Any] = {"units": stats_units(request.user)}
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kept = published.upload_keep(request.session, upload, mode=form.cleaned_data["mode"])
            try:
                published.read_table(kept)
            except TableError as exc:
                published.upload_forget(request.session)
                context.update(form=form, errors=exc.messages)
                return render(request, "stats/reconcile.html", context, status=422)
            return redirect("stats:reconcile")
        return render(request, "stats/reconcile.html", {**context, "form": form}, status=422)
    kept_path = None if request.GET.get("moi") else published.upload_path(request.session)
    if kept_path is None:
        return render(request, "stats/reconcile.html", {**context, "form": UploadForm()})
    mode = published.upload_mode(request.session)
    context.update(form=UploadForm(initial={"mode": mode}), mode=mode,
                   file_name=published.upload_name(request.session))
    status = 200
    try:
        table = published.read_table(kept_path)
        layout = _layout(request, table)
        context.update(table=table, layout=layout, query=request.GET.urlencode(),
                       headers=list(enumerate(table.headers)))
        if mode == "don-vi-cu":
            context.update(_old_context(request, table, layout, scope))
        else:
            context.update(_check_context(table, layout))
    except BadParameter as exc:
        context["errors"], status = [str(exc)], 400
    except TableError as exc:
        context["errors"], status = exc.messages, 422
    return render(request, "stats/reconcile.html", context, status=status)


@login_required
@require_GET
def reconcile_download(request: HttpRequest) -> HttpResponse:
    """The flagged rows (or the converted table) of the kept upload, as Excel."""
    scope = _require_stats(request)
    kept_path = published.upload_path(request.session)
    if kept_path is None:
        return redirect("stats:reconcile")
    try:
        table = published.read_table(kept_path)
        layout = _layout(request, table)
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Đối chiếu"))
        if published.upload_mode(request.session) == "don-vi-cu":
            _old_sheet(sheet, _old_context(request, table, layout, scope))
        else:
            _flags_sheet(sheet, table, layout)
    except BadParameter as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    except TableError as exc:
        return HttpResponse("\n".join(exc.messages), status=422, content_type="text/plain; charset=utf-8")
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="doi-chieu.xlsx"'
    return response


def _flags_sheet(sheet: Any, table: Table, layout: Layout) -> None:
    flags = reconcile(published.table_rows(table, layout), published.checked_columns(table, layout))
    sheet.append(xlsx_row(sheet, [_("Dòng trong tệp"), _("Đơn vị"), _("Cột"), _("Số công bố"),
                                  _("Tổng các phần"), _("Chênh lệch"), _("Số dòng thành phần"), _("Diễn giải")]))
    for flag in flags:
        sheet.append(xlsx_row(sheet, [flag.row.sheet_row, flag.row.label, flag.column, flag.stated, flag.parts_sum,
                                      flag.difference, flag.parts, flag_sentence(flag)]))
    if not flags:
        sheet.append(xlsx_row(sheet, [_("Mọi số tổng đều bằng tổng các phần.")]))


def _old_sheet(sheet: Any, context: dict[str, Any]) -> None:
    conversion = context["conversion"]
    sheet.append(xlsx_row(sheet, [_("Mã xã mới"), _("Xã/phường mới"), *context["columns"],
                                  *context["rate_headers"],
                                  _("Xã cũ"), _("Xã cũ bị chia tách")]))
    for commune in conversion.communes:
        sheet.append(xlsx_row(sheet, [
            commune.code, commune.name, *[commune.values.get(c, 0) for c in context["columns"]],
            *[commune.rate(c, context["denominator"]) for c in context["rated"]],
            "; ".join(commune.old), "; ".join(commune.split_notes)]))
    for row, code in conversion.unknown:
        sheet.append(xlsx_row(sheet, [code, _("Dòng %(row)s: mã xã cũ không tìm thấy trong địa bàn của bạn, không "
                                               "được cộng.") % {"row": row}]))


@login_required
@require_GET
def reconcile_unit(request: HttpRequest, code: str) -> HttpResponse:
    """The system's own rollups of a unit checked, and for a province the old districts (years ≤ 2025)."""
    unit = unit_in_scope(request, code)
    context: dict[str, Any] = {"unit": unit}
    try:
        series = series_param(request, unit)
        year = year_param(request, unit, series)
    except BadParameter as exc:
        return render(request, "stats/reconcile_unit.html", {**context, "errors": [str(exc)]}, status=400)
    flags = reconcile_rollups(unit, year=year, series=series)
    # "Số liệu khớp" only means something for a year that has figures.
    context["filled"] = selectors.rollup(unit, year=year, series=series) is not None
    context.update(year=year, series=series, flags=[{
        "item": f, "area": AREA_LABELS.get(f.area, f.area), "stated": number(f.flag.stated), "parts": number(f.flag.parts_sum),
        "difference": signed(f.flag.difference)} for f in flags])
    if unit.level == "province" and year <= legacy.LAST_LEGACY_YEAR:
        districts, unplaced = legacy.old_district_figures(unit, year=year, series=series)
        context.update(legacy=True, unplaced=unplaced, districts=[{
            "d": d, "households": number(d.counts.get("households", 0)),
            "poor": number(d.counts.get("poor.end", 0)), "poor_rate": format_percent(d.rate("poor.end")),
            "near_poor": number(d.counts.get("near_poor.end", 0)),
            "near_poor_rate": format_percent(d.rate("near_poor.end"))} for d in districts])
    return render(request, "stats/reconcile_unit.html", context)


urlpatterns = [
    path("doi-chieu/", reconcile_upload, name="reconcile"),
    path("doi-chieu/tai-ve/", reconcile_download, name="reconcile_download"),
    path("<str:code>/doi-chieu/", reconcile_unit, name="reconcile_unit"),
]
