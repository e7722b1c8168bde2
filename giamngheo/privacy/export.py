"""The answer's data export: everything the system holds about one data subject, as one JSON document.

Contents (docs/privacy.md): the household record(s) where the subject appears — the household's facts and the
subject's own member row(s) (every member when the request names a household rather than a person) — the yearly
ledger and status history, support received, every audit entry about those households and the objects hanging
off them (review cases, certificates, ledger entries, review requests, complaints, support records, assignments,
escape registrations, earlier data requests), and every recorded read of them. Only households under the
request's unit and inside the answering user's scope are searched, so an answer never reaches outside the
units of the officer giving it. Citizen IDs of other people inside audit changes are masked.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm
from giamngheo.core.audit import action_label, json_safe, object_type_label
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household
from giamngheo.imports.export import household_values, member_values
from giamngheo.privacy.audit_codes import OBJECT_TYPE
from giamngheo.privacy.models import DataRequest, ReadRecord

FORMAT_VERSION = 1
_CITIZEN_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def subject_households(*, actor: Any, request: DataRequest) -> QuerySet[Household]:
    """The households held about the subject (deleted ones too: their rows are still held)."""
    match = Q(pk__in=[])
    if request.household_id is not None:
        match |= Q(pk=request.household_id)
    if request.citizen_id:
        match |= Q(members__citizen_id=request.citizen_id)
    households = Household.objects.filter(match, unit_path__startswith=request.unit_path)
    return scope.scope_queryset(households, actor, Perm.HOUSEHOLD_VIEW).distinct().order_by("code").select_related(
        "commune__parent", "hamlet")


def _related_ids(households: list[Household]) -> dict[str, list[str]]:
    from giamngheo.reviews.models import Certificate, Complaint, LedgerEntry, RegularRequest, ReviewCase
    from giamngheo.support.models.help import Assignment, EscapeRegistration
    from giamngheo.support.models.records import SupportRecord

    ids = [h.pk for h in households]

    def pks(model: Any, field: str = "household_id__in") -> list[str]:
        return [str(pk) for pk in model.objects.filter(**{field: ids}).values_list("pk", flat=True)]

    return {
        "household": [h.code for h in households],
        "review_case": pks(ReviewCase),
        "certificate": pks(Certificate),
        "ledger_entry": pks(LedgerEntry),
        "review_request": pks(RegularRequest),
        "complaint": pks(Complaint, "case__household_id__in"),
        "support_record": pks(SupportRecord),
        "assignment": pks(Assignment),
        "escape_registration": pks(EscapeRegistration),
    }


def subject_audit_entries(*, actor: Any, request: DataRequest, households: list[Household]) -> QuerySet[AuditEntry]:
    """Every audit entry about the subject's households and what hangs off them, and about data requests of the
    same subject, within the actor's audit scope; oldest first."""
    match = Q(pk__in=[])
    for object_type, object_ids in _related_ids(households).items():
        if object_ids:
            match |= Q(object_type=object_type, object_id__in=object_ids)
    same_subject = DataRequest.objects.filter(unit_path__startswith=request.unit_path)
    same_subject = same_subject.filter(
        (Q(citizen_id=request.citizen_id) if request.citizen_id else Q(pk__in=[]))
        | Q(household__in=households) | Q(pk=request.pk))
    match |= Q(object_type=OBJECT_TYPE, object_id__in=[str(pk) for pk in same_subject.values_list("pk", flat=True)])
    entries = AuditEntry.objects.filter(match)
    return scope.scope_queryset(entries, actor, Perm.AUDIT_VIEW).order_by("at", "id")


def subject_reads(*, actor: Any, households: list[Household]) -> QuerySet[ReadRecord]:
    reads = ReadRecord.objects.filter(object_type="household", object_id__in=[h.code for h in households])
    return scope.scope_queryset(reads, actor, Perm.AUDIT_VIEW).order_by("at", "id")


def _mask_others(value: Any, keep: str) -> Any:
    """Citizen IDs of other people (other members in a household's change history) are masked."""
    text = json.dumps(json_safe(value), ensure_ascii=False)
    masked = _CITIZEN_ID.sub(lambda m: m.group(0) if m.group(0) == keep else scope.mask_citizen_id(m.group(0)), text)
    return json.loads(masked)


def _household_part(household: Household, request: DataRequest) -> dict[str, Any]:
    from giamngheo.reviews.models import LedgerEntry, StatusSpan
    from giamngheo.support.models.records import SupportRecord

    members = list(household.members.order_by("position", "pk"))
    if request.citizen_id and household.pk != request.household_id:
        members = [m for m in members if m.citizen_id == request.citizen_id]
    ledger = LedgerEntry.objects.filter(household=household).select_related("decision").order_by("effective_on", "pk")
    spans = StatusSpan.objects.filter(household=household).order_by("series", "first_year")
    support = SupportRecord.objects.filter(household=household).select_related("kind", "programme").order_by(
        "given_on", "pk")
    return json_safe({
        "code": household.code,
        "deleted": household.deleted_at is not None,
        "record": household_values(household),
        "members": [member_values(household, m, show_citizen_id=True) for m in members],
        "ledger": [{
            "effective_on": e.effective_on, "standard": e.standard_id, "kind": e.get_kind_display(),
            "class": e.get_klass_display(), "criterion": e.criterion,
            "decision": e.decision.number if e.decision is not None else "",
        } for e in ledger],
        "status_history": [{
            "series": s.series, "class": s.get_klass_display(), "first_year": s.first_year, "last_year": s.last_year,
        } for s in spans],
        "support": [{
            "given_on": r.given_on, "year": r.year, "kind": r.kind.name,
            "programme": r.programme.name if r.programme is not None else "",
            "provider": r.get_provider_type_display(), "provider_name": r.provider_name, "member": r.member_ref,
            "amount": r.amount, "quantity": r.quantity, "description": r.description,
        } for r in support],
    })


def subject_export(*, actor: Any, request: DataRequest) -> dict[str, Any]:
    """Build the export (no writes: the answering service stores it and records the reads)."""
    households = list(subject_households(actor=actor, request=request))
    entries = subject_audit_entries(actor=actor, request=request, households=households)
    reads = subject_reads(actor=actor, households=households)
    keep = request.citizen_id
    return json_safe({
        "format": "giamngheo.data-subject-export",
        "version": FORMAT_VERSION,
        "generated_at": timezone.now(),
        "request": {
            "id": request.pk, "kind": request.get_kind_display(), "subject_name": request.subject_name,
            "citizen_id": request.citizen_id, "received_at": request.received_at, "unit": request.unit.name,
        },
        "households": [_household_part(h, request) for h in households],
        "audit": [{
            "id": e.pk, "at": e.at, "actor": e.actor_name, "action": e.action, "action_label": action_label(e.action),
            "object_type": e.object_type, "object_type_label": object_type_label(e.object_type),
            "object_id": e.object_id, "object": e.object_repr,
            "changes": _mask_others(e.changes, keep), "data": _mask_others(e.data, keep),
        } for e in entries],
        "reads": [{
            "id": r.pk, "at": r.at, "reader": r.reader_name, "channel": r.get_channel_display(),
            "household": r.object_id, "households_in_export": r.count,
        } for r in reads],
    })
