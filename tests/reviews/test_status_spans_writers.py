"""Every service that writes the ledger leaves the spans and the case needs in step with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from giamngheo.reviews import services
from giamngheo.reviews.ledger import entries_frame, statuses_at_end
from giamngheo.reviews.models import CaseNeed, StatusSpan
from giamngheo.reviews.status import at_end_of
from tests.reviews.conftest import survey

pytestmark = pytest.mark.django_db


def _agree(year: int) -> dict[int, str]:
    spans = dict(StatusSpan.objects.filter(at_end_of(year), series="national").values_list("household_id", "klass"))
    assert spans == statuses_at_end(entries_frame(series="national", max_year=year), year)
    return spans


def test_recognition_correction_and_removal_refresh_the_spans(reviewed: Any, cast: Any) -> None:
    household = reviewed.case.household
    assert _agree(2025) == {household.pk: "poor"}
    entry = household.ledger_entries.get(year=2025, standard_id=reviewed.cycle.national_standard)
    services.review_ledger_correct(actor=cast.approver, entry=entry, klass="near_poor", reason="Nhập nhầm.")
    assert _agree(2025) == {household.pk: "near_poor"}
    services.review_household_remove(actor=cast.approver, household=household, effective_on=dt.date(2026, 2, 1),
                                      reason="Chuyển đi.", today=dt.date(2026, 2, 2))
    assert _agree(2026) == {household.pk: "removed"}
    assert _agree(2025) == {household.pk: "near_poor"}


def test_a_completed_survey_makes_its_wishes_the_current_needs(reviewed: Any, cast: Any) -> None:
    household = reviewed.case.household
    request = services.review_request_file(actor=cast.officer, household=household, form="04",
                                           received_on=dt.date(2026, 4, 2), channel="in_person",
                                           applicant_name="Lò Văn Páo")
    case = request.cases.get()
    services.review_case_survey(actor=cast.surveyor, case=case, record=survey("none", reference_date="2026-04-03"),
                                expected_version=case.version, complete=True, wishes=["credit", "housing"])
    # The latest survey's wishes are the household's current needs; earlier surveys' are kept, not current.
    current = CaseNeed.objects.filter(household=household, current=True).order_by("code")
    assert list(current.values_list("code", "stated_on")) == [("credit", dt.date(2026, 4, 3)),
                                                             ("housing", dt.date(2026, 4, 3))]
    assert not CaseNeed.objects.filter(household=household, current=False).exclude(case__cycle__year=2025).exists()
