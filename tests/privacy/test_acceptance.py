"""Issue 11 acceptance: a data request answered with the export holds every audit entry about the person,
including reads (page, API, certificate-less here), and nothing about anyone else."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Q

from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household
from giamngheo.households.services import household_update
from giamngheo.privacy import services
from giamngheo.privacy.models import DataRequest, ReadRecord, RequestStatus
from tests.privacy.conftest import SPOUSE_ID, SUBJECT_ID, received, record

pytestmark = pytest.mark.django_db


def test_answer_export_holds_every_audit_entry_and_read_about_the_person(
    unit_tree: Any, officer: Any, approver: Any, household: Any, outside_household: Any,
    client_for: Any, api_client_for: Any,
) -> None:
    request = services.data_request_register(
        actor=officer, unit=unit_tree.commune, kind="access", citizen_id=SUBJECT_ID, subject_name="Nguyễn Văn Ánh",
        requester_name="Nguyễn Văn Ánh", channel="in_person", received_at=received(),
    )
    # Some officer reads the household on its page and through the API (record and classification) …
    assert client_for(approver).get(f"/ho/{household.code}/").status_code == 200
    api = api_client_for(officer)
    assert api.get(f"/api/v1/households/{household.code}").status_code == 200
    assert api.get(f"/api/v1/households/{household.code}/classification").status_code == 200
    # … and someone changes it.
    household_update(actor=officer, household=household, record=record(income=900_000), expected_version=1)

    answered = services.data_request_answer(actor=officer, request=request, answer_text="Gửi ông dữ liệu kèm theo.")

    export = answered.export
    assert answered.status == RequestStatus.ANSWERED
    about = AuditEntry.objects.filter(
        Q(object_type="household", object_id=household.code)
        | Q(object_type="data_request", object_id=str(request.pk), at__lt=answered.answered_at))
    assert about.count() >= 3  # created, updated, request registered
    assert {e["id"] for e in export["audit"]} >= set(about.values_list("id", flat=True))
    reads = ReadRecord.objects.filter(object_type="household", object_id=household.code, at__lt=answered.answered_at)
    assert sorted(reads.values_list("channel", flat=True)) == ["api", "api", "page"]
    assert {r["id"] for r in export["reads"]} == set(reads.values_list("id", flat=True))
    assert {r["reader"] for r in export["reads"]} == {"lanh-dao-xa", "can-bo-xa"}
    # The person's own row with their full ID; other people's IDs never in full; nothing of the other commune.
    (part,) = export["households"]
    assert [m["citizen_id"] for m in part["members"]] == [SUBJECT_ID]
    text = str(export)
    assert SPOUSE_ID not in text and outside_household.code not in text
    # Answering is itself audited and recorded as a read of the household (channel export).
    assert AuditEntry.objects.filter(action="giamngheo.privacy.request_answered", object_id=str(request.pk)).exists()
    assert ReadRecord.objects.filter(object_id=household.code, channel="export", count=1).exists()
    assert DataRequest.objects.get(pk=request.pk).export == export
    assert Household.objects.filter(code=household.code).exists()
