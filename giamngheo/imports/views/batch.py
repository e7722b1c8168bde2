"""The households a committed import batch created or changed, as far as the viewer may see households."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from giamngheo.households.views.paging import keyset_page, small_int
from giamngheo.imports import selectors

PAGE_SIZE = 50


@login_required
@require_GET
def job_households(request: HttpRequest, public_id: UUID) -> HttpResponse:
    job = selectors.job_get(request.user, public_id)
    touched = selectors.touched_households(request.user, job)
    page = keyset_page(touched, after=request.GET.get("after"), before=request.GET.get("before"),
                       start=small_int(request.GET.get("start", ""), digits=9) or 1, size=PAGE_SIZE)
    return render(request, "imports/households.html", {
        "job": job,
        "page": page,
        "total": touched.count(),
        "end": page.start + len(page.rows) - 1,
        "next_start": page.start + len(page.rows),
    })
