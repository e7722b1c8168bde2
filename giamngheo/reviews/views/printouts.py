"""Printable documents: meeting minutes, the posted list, the written reply to a refused request (HTML to
print), the Decision (Form 02) and certificates (Form 03) as PDF. Each is scoped like every page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from giamngheo.privacy.reads import record_household_read
from giamngheo.reviews import pdf, selectors
from giamngheo.reviews.models import LedgerClass


@login_required
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    labels = dict(LedgerClass.choices)
    rows = [{"head_name": c.household.head_name, "class": labels.get(c.proposed_class, "")}
            for c in meeting.cases.select_related("household").order_by("household__head_name")]
    share = round(100 * meeting.agreeing / meeting.attendees, 1) if meeting.attendees else 0
    return render(request, "reviews/print_minutes.html", {"meeting": meeting, "rows": rows, "share": share})


@login_required
def posted_list(request: HttpRequest, pk: int) -> HttpResponse:
    posting = selectors.posting_get(user=request.user, pk=pk)
    return render(request, "reviews/print_posting.html", {"posting": posting,
                                                           "rows": selectors.posting_rows(posting=posting)})


@login_required
def request_reply(request: HttpRequest, pk: int) -> HttpResponse:
    regular = selectors.request_get(user=request.user, pk=pk)
    return render(request, "reviews/print_reply.html", {"req": regular})


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Personal data: never kept by shared caches or the browser's history cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def decision_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.decision_get(user=request.user, pk=pk)
    commune = decision.commune
    body = pdf.decision_pdf(decision=decision, commune=commune,
                            province_name=commune.parent.name if commune.parent else "",
                            lists=selectors.decision_lists(decision=decision))
    return _pdf(body, f"quyet-dinh-{decision.pk}.pdf")


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_get(user=request.user, pk=pk)
    record_household_read(request, certificate.household, channel="certificate")
    decision = certificate.ledger_entry.decision
    body = pdf.certificate_pdf(certificate=certificate, commune=certificate.commune, decision=decision)
    return _pdf(body, f"giay-chung-nhan-{certificate.pk}.pdf")
