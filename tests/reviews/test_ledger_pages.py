"""A household's ledger history, and the approver's corrections and removals through the pages and the API:
reason required, approver only, audited, scoped; a correction names what it corrects and the corrected entry
stays visible but stops counting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from giamngheo.core.models import AuditEntry
from giamngheo.reviews import ledger
from giamngheo.reviews.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(reviewed):
    return reviewed.case.ledger_entries.get(series="national")


def test_history_page_shows_entries_and_offers_writes_to_the_approver_only(reviewed, entry, cast, client_for):
    code = reviewed.case.household.code
    url = reverse("reviews:household_ledger", args=[code])
    officer_html = client_for(cast.officer).get(url).content.decode()
    assert "Hộ nghèo" in officer_html and "7/QĐ-UBND" in officer_html and "1/GCN-HN.HCN" in officer_html
    assert reverse("reviews:ledger_correct", args=[entry.pk]) not in officer_html
    approver_html = client_for(cast.approver).get(url).content.decode()
    assert reverse("reviews:ledger_correct", args=[entry.pk]) in approver_html
    assert reverse("reviews:household_remove", args=[code]) in approver_html
    # The household's registry page links to it (the one line added to the household detail template).
    detail = client_for(cast.officer).get(reverse("households:detail", args=[code])).content.decode()
    assert url in detail


def test_correction_through_the_page(reviewed, entry, cast, client_for):
    client = client_for(cast.approver)
    url = reverse("reviews:ledger_correct", args=[entry.pk])
    refused = client.post(url, {"klass": "near_poor", "reason": "  "})
    assert refused.status_code == 422 and "Ghi lý do đính chính." in refused.content.decode()
    assert not LedgerEntry.objects.filter(corrects=entry).exists()

    done = client.post(url, {"klass": "near_poor", "reason": "Phúc tra: thu nhập ghi nhầm."})
    assert done.status_code == 302
    correction = LedgerEntry.objects.get(corrects=entry)
    assert (correction.klass, correction.kind, correction.year, correction.effective_on) == (
        "near_poor", "correction", entry.year, entry.effective_on)
    audit = AuditEntry.objects.get(action="giamngheo.review.ledger_corrected")
    assert audit.actor == cast.approver and audit.changes == {"klass": ["poor", "near_poor"]}
    assert audit.data["corrects"] == entry.pk
    frame = ledger.entries_frame(series="national", max_year=2025, household_ids=[entry.household_id])
    assert ledger.statuses_at_end(frame, 2025) == {entry.household_id: "near_poor"}

    html = client.get(done["Location"]).content.decode()
    assert f"Đính chính mục số {entry.pk} (năm 2025, đã ghi: Hộ nghèo)." in html
    assert f"Đã được đính chính bởi mục số {correction.pk}; không còn được tính." in html
    assert "Phúc tra: thu nhập ghi nhầm." in html
    # The corrected entry cannot be corrected again: the latest one can.
    assert reverse("reviews:ledger_correct", args=[entry.pk]) not in html
    again = client.post(url, {"klass": "average", "reason": "Lần hai."})
    assert again.status_code == 200 and "đã được đính chính" in again.content.decode()
    assert LedgerEntry.objects.filter(corrects=entry).count() == 1


def test_removal_through_the_page(reviewed, cast, client_for):
    household = reviewed.case.household
    client = client_for(cast.approver)
    url = reverse("reviews:household_remove", args=[household.code])
    refused = client.post(url, {"effective_on": "05/04/2026", "reason": ""})
    assert refused.status_code == 422
    assert not LedgerEntry.objects.filter(household=household, klass="removed").exists()
    done = client.post(url, {"effective_on": "05/04/2026", "reason": "Cả hộ chuyển vào Bình Dương."})
    assert done.status_code == 302
    removed = LedgerEntry.objects.get(household=household, klass="removed", series="national")
    assert removed.effective_on == dt.date(2026, 4, 5) and removed.year == 2026
    audit = AuditEntry.objects.get(action="giamngheo.review.household_removed")
    assert audit.actor == cast.approver and audit.data["reason"] == "Cả hộ chuyển vào Bình Dương."
    assert "Đưa ra khỏi danh sách" in client.get(done["Location"]).content.decode()


def test_only_the_approver_in_scope_reaches_the_writes(reviewed, entry, cast, client_for):
    code = reviewed.case.household.code
    correct = reverse("reviews:ledger_correct", args=[entry.pk])
    remove = reverse("reviews:household_remove", args=[code])
    for user in (cast.officer, cast.surveyor, cast.outsider):
        client = client_for(user)
        assert client.get(correct).status_code == 404
        assert client.post(correct, {"klass": "none", "reason": "x"}).status_code == 404
        assert client.post(remove, {"effective_on": "05/04/2026", "reason": "x"}).status_code == 404
    assert client_for(cast.outsider).get(reverse("reviews:household_ledger", args=[code])).status_code == 404
    assert LedgerEntry.objects.filter(kind__in=("correction", "removal")).count() == 0


def test_ledger_through_the_api(reviewed, entry, cast, api_client_for):
    code = reviewed.case.household.code
    approver = api_client_for(cast.approver)
    history = approver.get("/api/v1/review/ledger", {"household": code})
    assert history.status_code == 200
    assert [(e["year"], e["klass"], e["decision"]) for e in history.json() if e["series"] == "national"] == [
        (2025, "poor", "7/QĐ-UBND")]

    url = f"/api/v1/review/ledger/{entry.pk}/corrections"
    missing = approver.post(url, {"klass": "near_poor", "reason": ""}, content_type="application/json")
    assert missing.status_code == 422
    assert api_client_for(cast.officer).post(url, {"klass": "near_poor", "reason": "x"},
                                             content_type="application/json").status_code == 404
    assert api_client_for(cast.outsider).get("/api/v1/review/ledger", {"household": code}).status_code == 404
    made = approver.post(url, {"klass": "near_poor", "reason": "Ghi nhầm."}, content_type="application/json")
    assert made.status_code == 201 and made.json()["corrects"] == entry.pk
    after = {e["id"]: e for e in approver.get("/api/v1/review/ledger", {"household": code}).json()}
    assert after[entry.pk]["corrected_by"] == made.json()["id"]

    removal = approver.post(f"/api/v1/review/ledger/removals/{code}",
                            {"effective_on": "2026-04-05", "reason": "Chuyển đi."}, content_type="application/json")
    assert removal.status_code == 201 and {e["klass"] for e in removal.json()} == {"removed"}
    assert AuditEntry.objects.filter(action="giamngheo.review.household_removed").count() == 1
