"""Recognition of the periodic list (Form 02), ledger entries and certificates (Form 03)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import log_action
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.households.models import Household, Relation
from giamngheo.reviews import engine
from giamngheo.reviews.categories import categories_of
from giamngheo.reviews.models import (
    Certificate,
    CycleKind,
    CycleStatus,
    Decision,
    LedgerEntry,
    LedgerKind,
    Posting,
    ReviewCase,
    ReviewCycle,
)
from giamngheo.reviews.services._common import (
    CERTIFICATE_SUFFIX,
    CERTIFIED,
    _lock_cycle,
    _move,
    _require_open,
    _user,
)
from giamngheo.reviews.states import CaseState


def _ledger_entries_for(*, actor: Any, case: ReviewCase, kind: str, year: int, effective_on: dt.date,
                        decision: Decision | None) -> list[LedgerEntry]:
    cats = categories_of(case.survey_record)
    household = case.household
    entries = []
    for ref in case.cycle.standards:
        result = case.results[ref["id"]]
        entries.append(LedgerEntry.objects.create(
            household=household, year=year, standard_id=ref["id"], standard_hash=ref["hash"],
            series=ref.get("series") or engine.series_of(ref["id"]), kind=kind, klass=result["class"],
            criterion=result.get("criterion") or "", effective_on=effective_on, decision=decision, case=case,
            ethnic_minority=cats.ethnic_minority, meritorious=cats.meritorious,
            social_protection=cats.social_protection, no_working_capacity=cats.no_working_capacity,
            area=case.survey_record.get("area") or household.area, commune_id=household.commune_id,
            unit_path=household.unit_path, recorded_by=_user(actor),
        ))
    return entries


def _decision_fields_errors(number: str, signer_name: str, signer_title: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not number.strip():
        errors["number"] = [_("Ghi số quyết định.")]
    if not signer_name.strip():
        errors["signer_name"] = [_("Ghi họ tên người ký quyết định.")]
    if not signer_title.strip():
        errors["signer_title"] = [_("Ghi chức vụ người ký quyết định.")]
    return errors


def review_cycle_recognise(
    *,
    actor: Any,
    cycle: ReviewCycle,
    number: str,
    signed_on: dt.date,
    signer_name: str,
    signer_title: str,
) -> Decision:
    """The chair's Decision (Form 02): every posted case is recognised in one step, one ledger entry per
    household and standard is written, and the cycle's list is locked for its year."""
    require(actor, Perm.REVIEW_APPROVE, cycle.unit_path)
    errors = _decision_fields_errors(number, signer_name, signer_title)
    if errors:
        raise ValidationFailed(_("Quyết định chưa đủ thông tin, chưa lưu gì."), errors=errors)
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        _require_open(cycle)
        if cycle.kind != CycleKind.PERIODIC:
            raise ApplicationError(
                _("Rà soát thường xuyên được quyết định theo từng đơn đề nghị, không công nhận cả đợt."), field="cycle"
            )
        if cycle.consultation_required and cycle.consulted_on is None:
            raise ApplicationError(
                _("Tỉnh yêu cầu xin ý kiến cấp trên trước khi công nhận; hãy ghi ý kiến đó trước."),
                field="consulted_on",
            )
        cases = list(cycle.cases.select_for_update(of=("self",)).select_related("household", "cycle").order_by("unit_path", "pk"))
        if not cases:
            raise ApplicationError(_("Đợt rà soát chưa có hộ nào."), field="cycle")
        unfinished = [c for c in cases if c.state != CaseState.POSTED]
        if unfinished:
            sample = ", ".join(c.household.code for c in unfinished[:5])
            raise ApplicationError(
                _("Còn %(count)d hộ chưa hoàn tất niêm yết hoặc còn khiếu nại (ví dụ: %(sample)s); chưa thể công "
                  "nhận.") % {"count": len(unfinished), "sample": sample},
                field="cases",
            )
        last_posting_end = Posting.objects.filter(cycle=cycle).aggregate(end=Max("ends_on"))["end"]
        if last_posting_end is not None and signed_on <= last_posting_end:
            raise ValidationFailed(
                _("Quyết định phải ký sau khi hết thời gian niêm yết."),
                errors={"signed_on": [_("Ngày ký phải sau ngày kết thúc niêm yết (%(date)s).")
                                      % {"date": format_date(last_posting_end)}]},
            )
        try:
            with transaction.atomic():
                decision = Decision.objects.create(
                    kind=CycleKind.PERIODIC, commune=cycle.commune, unit_path=cycle.unit_path, cycle=cycle,
                    year=cycle.year, number=number.strip(), signed_on=signed_on, signer_name=signer_name.strip(),
                    signer_title=signer_title.strip(), created_by=_user(actor), updated_by=_user(actor),
                )
        except IntegrityError:
            raise ValidationFailed(
                _("Số quyết định đã được dùng."),
                errors={"number": [_("Số quyết định %(number)s đã được dùng ở xã này.") % {"number": number}]},
            ) from None
        for case in cases:
            _ledger_entries_for(actor=actor, case=case, kind=LedgerKind.PERIODIC, year=cycle.year,
                                effective_on=signed_on, decision=decision)
            _move(actor=actor, case=case, to_state=CaseState.RECOGNISED, action="giamngheo.review.case_recognised",
                  data={"decision": decision.pk, "class": case.proposed_class})
        cycle.status, cycle.recognised_at, cycle.updated_by = CycleStatus.RECOGNISED, timezone.now(), _user(actor)
        cycle.save(update_fields=["status", "recognised_at", "updated_by", "updated_at"])
        log_action(
            actor=actor, action="giamngheo.review.cycle_recognised", object_type="review_cycle", object_id=cycle.pk,
            object_repr=str(cycle), unit_path=cycle.unit_path,
            changes={"status": [CycleStatus.OPEN, CycleStatus.RECOGNISED]},
            data={"decision": decision.number, "cases": len(cases)},
        )
    return decision


def _next_seq(commune_id: int, year: int) -> int:
    last = Certificate.objects.filter(commune_id=commune_id, year=year).aggregate(m=Max("seq"))["m"]
    return (last or 0) + 1


def certificate_holder(record: Mapping[str, Any], household: Household) -> dict[str, Any]:
    """What Form 03 shows: head, ethnicity, citizen ID, residence, members — never health, disability,
    income or scores."""
    members = [m for m in record.get("members") or [] if isinstance(m, Mapping)]
    head = next((m for m in members if m.get("relation") == "head"), {})
    hamlet = household.hamlet.name if household.hamlet is not None else ""
    commune = household.commune
    province = commune.parent.name if commune.parent is not None else ""
    labels = dict(Relation.choices)
    return {
        "head_name": head.get("name") or household.head_name,
        "head_ethnicity": head.get("ethnicity", ""),
        "head_citizen_id": head.get("citizen_id", ""),
        "head_birth": head.get("birth_date") or "",
        "hamlet": hamlet,
        "commune": commune.name,
        "province": province,
        "members": [
            {"name": m.get("name", ""), "relation": str(labels.get(m.get("relation", ""), "")),
             "birth": m.get("birth_date") or "", "citizen_id": m.get("citizen_id", "")}
            for m in members
        ],
    }


def _issue(*, actor: Any, entry: LedgerEntry, case: ReviewCase | None, issued_on: dt.date) -> Certificate:
    seq = _next_seq(entry.commune_id, entry.year)
    record = case.survey_record if case is not None else {}
    certificate = Certificate.objects.create(
        number=f"{seq}/{CERTIFICATE_SUFFIX}", seq=seq, year=entry.year, commune_id=entry.commune_id,
        unit_path=entry.unit_path, household=entry.household, ledger_entry=entry, case=case, klass=entry.klass,
        issued_on=issued_on, holder=certificate_holder(record, entry.household), created_by=_user(actor), updated_by=_user(actor),
    )
    log_action(
        actor=actor, action="giamngheo.review.certificate_issued", object_type="certificate",
        object_id=certificate.pk, object_repr=f"{certificate.number} · {entry.household.code}",
        unit_path=certificate.unit_path, data={"number": certificate.number, "class": entry.klass},
    )
    return certificate


def review_certificates_issue(*, actor: Any, cycle: ReviewCycle, issued_on: dt.date) -> list[Certificate]:
    """Form 03 for every recognised poor or near-poor household of the cycle (national standard), numbered
    in sequence per commune and year: ``1/GCN-HN.HCN``, ``2/GCN-HN.HCN``…"""
    require(actor, Perm.REVIEW_APPROVE, cycle.unit_path)
    issued: list[Certificate] = []
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        if not cycle.is_locked:
            raise ApplicationError(_("Chỉ cấp giấy chứng nhận sau khi danh sách đã được công nhận."), field="cycle")
        national = cycle.national_standard
        cases = (cycle.cases.select_for_update(of=("self",)).filter(state=CaseState.RECOGNISED)
                 .select_related("household__commune__parent", "household__hamlet", "cycle")
                 .order_by("unit_path", "pk"))
        for case in cases:
            entry = (case.ledger_entries.filter(standard_id=national).select_related("household").first())
            if entry is None or entry.klass not in CERTIFIED:
                continue
            issued.append(_issue(actor=actor, entry=entry, case=case, issued_on=issued_on))
            _move(actor=actor, case=case, to_state=CaseState.CERTIFICATE_ISSUED,
                  action="giamngheo.review.certificate_issued", data={"number": issued[-1].number})
    return issued
