"""Assignments and escape registrations: rules, audit, versions, scope, and the outcome read from the ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404

from giamngheo.core.errors import ConcurrentEditError, ValidationFailed
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import Assignment, EscapeRegistration
from giamngheo.support.selectors.help import household_help
from giamngheo.support.services.help import (
    assignment_create,
    assignment_delete,
    assignment_end,
    assignment_update,
    escape_registration_create,
    escape_registration_delete,
    escape_registration_update,
)

TODAY = dt.date(2026, 6, 30)


@pytest.fixture
def household(unit_tree: Any, make_household: Any) -> Any:
    return make_household(unit_tree.hamlet, code="H1", current_class="poor")


def assign(actor: Any, household: Any, **extra: Any) -> Assignment:
    values: dict[str, Any] = {"helper_type": "party_member", "helper_name": "Đảng viên Nguyễn Văn Bình",
                              "since": dt.date(2025, 3, 1), "target_year": 2026, "today": TODAY}
    values.update(extra)
    return assignment_create(actor=actor, household=household, **values)


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"since": dt.date(2026, 7, 1)}, "since", "sau ngày hôm nay"),
    ({"since": None}, "since", "chưa ghi ngày"),
    ({"target_year": 2024}, "target_year", "trước năm bắt đầu"),
    ({"target_year": 2101}, "target_year", "2000 đến 2100"),
    ({"target_year": 10**20}, "target_year", "không hợp lệ"),
    ({"helper_name": " "}, "helper_name", "chưa ghi"),
    ({"helper_type": "robot"}, "helper_type", "không hợp lệ"),
])
def test_assignment_rules(cast: Any, household: Any, extra: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        assign(cast.officer, household, **extra)
    assert any(words in m for m in excinfo.value.errors[field]), excinfo.value.errors
    assert not Assignment.objects.exists()


def test_assignment_lifecycle_is_audited_and_version_checked(cast: Any, household: Any) -> None:
    assignment = assign(cast.officer, household)
    assert AuditEntry.objects.get(action="giamngheo.support.assignment_created").changes["helper_name"][1] == \
        "Đảng viên Nguyễn Văn Bình"
    assignment = assignment_update(actor=cast.officer, assignment=assignment, expected_version=1, target_year=2027,
                                   today=TODAY)
    assert AuditEntry.objects.get(action="giamngheo.support.assignment_updated").changes == {"target_year": [2026, 2027]}
    with pytest.raises(ConcurrentEditError):
        assignment_end(actor=cast.officer, assignment=assignment, expected_version=1, ended_on=TODAY,
                       end_reason="escaped", today=TODAY)
    with pytest.raises(ValidationFailed) as excinfo:
        assignment_end(actor=cast.officer, assignment=assignment, expected_version=2, ended_on=dt.date(2025, 1, 1),
                       end_reason="sailed_away", today=TODAY)
    assert set(excinfo.value.errors) == {"ended_on", "end_reason"}
    assignment = assignment_end(actor=cast.officer, assignment=assignment, expected_version=2, ended_on=TODAY,
                                end_reason="escaped", today=TODAY)
    assert (assignment.ended_on, assignment.version) == (TODAY, 3)
    with pytest.raises(ValidationFailed) as excinfo:
        assignment_end(actor=cast.officer, assignment=assignment, expected_version=3, ended_on=TODAY,
                       end_reason="escaped", today=TODAY)
    assert "đã kết thúc" in excinfo.value.errors["ended_on"][0]
    assignment_delete(actor=cast.officer, assignment=assignment, expected_version=3, reason="Ghi nhầm")
    assert Assignment.objects.get().deleted_at is not None
    assert AuditEntry.objects.get(action="giamngheo.support.assignment_deleted").data["reason"] == "Ghi nhầm"


def test_outsider_gets_not_found_on_every_assignment_and_registration_service(cast: Any, household: Any) -> None:
    with pytest.raises(Http404):
        assign(cast.outsider, household)
    assignment = assign(cast.officer, household)
    registration = escape_registration_create(actor=cast.officer, household=household, registered_on=dt.date(2025, 2, 1),
                                              target_year=2025, commitments="Nuôi bò", today=TODAY)
    for call in (
        lambda: assignment_update(actor=cast.outsider, assignment=assignment, expected_version=1, target_year=2030),
        lambda: assignment_end(actor=cast.outsider, assignment=assignment, expected_version=1, ended_on=TODAY,
                               end_reason="moved"),
        lambda: assignment_delete(actor=cast.outsider, assignment=assignment, expected_version=1, reason="x"),
        lambda: escape_registration_update(actor=cast.outsider, registration=registration, expected_version=1,
                                           target_year=2030),
        lambda: escape_registration_delete(actor=cast.outsider, registration=registration, expected_version=1,
                                           reason="x"),
        lambda: household_help(user=cast.outsider, household=household),
    ):
        with pytest.raises(Http404):
            call()
    assert Assignment.objects.get().version == 1 and EscapeRegistration.objects.get().version == 1


def test_registration_rules_and_update(cast: Any, household: Any) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        escape_registration_create(actor=cast.officer, household=household, registered_on=dt.date(2026, 2, 1),
                                   target_year=2025, commitments="", goal="get_rich", today=TODAY)
    assert set(excinfo.value.errors) == {"target_year", "commitments", "goal"}
    registration = escape_registration_create(actor=cast.officer, household=household,
                                              registered_on=dt.date(2026, 2, 1), target_year=2027,
                                              commitments="Trồng 2 ha keo", today=TODAY)
    updated = escape_registration_update(actor=cast.officer, registration=registration, expected_version=1,
                                         commitments="Trồng 3 ha keo", today=TODAY)
    assert updated.version == 2
    entry = AuditEntry.objects.get(action="giamngheo.support.registration_updated")
    assert entry.changes == {"commitments": ["Trồng 2 ha keo", "Trồng 3 ha keo"]}
    with pytest.raises(ConcurrentEditError):
        escape_registration_delete(actor=cast.officer, registration=updated, expected_version=1, reason="x")


def test_registration_outcome_is_read_from_the_ledger(cast: Any, household: Any, set_status: Any) -> None:
    set_status(household, 2024, "poor")
    set_status(household, 2025, "poor")
    set_status(household, 2026, "near_poor")
    reached = escape_registration_create(actor=cast.officer, household=household, registered_on=dt.date(2025, 1, 5),
                                         target_year=2026, commitments="Chăn nuôi", today=TODAY)
    missed = escape_registration_create(actor=cast.officer, household=household, registered_on=dt.date(2024, 1, 5),
                                        target_year=2025, commitments="Trồng rừng", today=TODAY)
    near = escape_registration_create(actor=cast.officer, household=household, registered_on=dt.date(2026, 1, 5),
                                      target_year=2027, goal="escape_near_poor", commitments="Làm thuê",
                                      today=TODAY)
    outcomes = {r.pk: o for r, o in household_help(user=cast.officer, household=household,
                                                   today=dt.date(2026, 12, 31)).registrations}
    assert (outcomes[reached.pk].code, outcomes[reached.pk].year) == ("reached", 2026)
    assert outcomes[missed.pk].code == "missed"
    assert outcomes[near.pk].code == "pending"  # near-poor is not out of near-poverty; 2027 is not over
