"""Recognition of the periodic list (Form 02), ledger entries and certificates (Form 03)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import log_action
from giamngheo.core.dates import add_working_days
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.households.models import Household, Relation
from giamngheo.reviews import engine
from giamngheo.reviews.calendar import calendar_for
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
    _check_dates,
    _date_errors,
    _lock_cycle,
    _move,
    _require_open,
    _today,
    _user,
)
from giamngheo.reviews.states import CaseState
from giamngheo.reviews.status import status_spans_refresh


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


# Why a case cannot be recognised yet, by state (a posted case whose posting is not over is its own step).
_STEPS = (
    (CaseState.LISTED, lambda n: ngettext("%(count)d hộ chưa khảo sát xong", "%(count)d hộ chưa khảo sát xong", n)),
    (CaseState.SURVEYED, lambda n: ngettext("%(count)d hộ chưa phân loại", "%(count)d hộ chưa phân loại", n)),
    (CaseState.CLASSIFIED, lambda n: ngettext("%(count)d hộ chờ họp dân", "%(count)d hộ chờ họp dân", n)),
    (CaseState.MEETING, lambda n: ngettext("%(count)d hộ chờ niêm yết", "%(count)d hộ chờ niêm yết", n)),
    (CaseState.COMPLAINT, lambda n: ngettext("%(count)d hộ còn khiếu nại chưa giải quyết",
                                             "%(count)d hộ còn khiếu nại chưa giải quyết", n)),
)


def _posting_ends(cycle: ReviewCycle) -> dict[int, dt.date]:
    """The end of each case's latest posting period in the cycle."""
    ends: dict[int, dt.date] = {}
    for case_id, ends_on in Posting.cases.through.objects.filter(posting__cycle=cycle).values_list(
            "reviewcase_id", "posting__ends_on"):
        if case_id not in ends or ends_on > ends[case_id]:
            ends[case_id] = ends_on
    return ends


def _require_ready(*, cycle: ReviewCycle, cases: list[ReviewCase], signed_on: dt.date, today: dt.date) -> None:
    """Refuse recognition unless every case is posted, without an open complaint, and its posting period
    is over on ``signed_on``; the refusal counts the cases at each step per hamlet and gives the earliest
    date the decision could be signed."""
    ends = _posting_ends(cycle)
    by_hamlet: dict[str, dict[Any, int]] = {}
    for case in cases:
        place = case.hamlet.name if case.hamlet is not None else cycle.commune.name
        if case.state == CaseState.POSTED:
            end = ends.get(case.pk)
            if end is None or end < signed_on:
                continue
            step: Any = ("posting", end)
        else:
            step = case.state
        counts = by_hamlet.setdefault(place, {})
        counts[step] = counts.get(step, 0) + 1
    if not by_hamlet:
        return
    minimum = calendar_for(cycle.commune).min_posting_days
    latest_end = max(ends.values(), default=None)
    earliest = latest_end + dt.timedelta(days=1) if latest_end is not None else today
    unposted = any(not isinstance(step, tuple) for counts in by_hamlet.values() for step in counts)
    if unposted:
        # The cases still to post need a full posting period starting today at the soonest.
        earliest = max(earliest, add_working_days(today, minimum) + dt.timedelta(days=1))
    parts = []
    for place in sorted(by_hamlet):
        counts = by_hamlet[place]
        items = [label(counts[state]) % {"count": counts[state]} for state, label in _STEPS if state in counts]
        for step, n in sorted(((s, n) for s, n in counts.items() if isinstance(s, tuple)), key=lambda x: x[0][1]):
            items.append(ngettext("%(count)d hộ đang niêm yết đến %(date)s", "%(count)d hộ đang niêm yết đến %(date)s",
                                  n) % {"count": n, "date": format_date(step[1])})
        parts.append(_("%(hamlet)s: %(steps)s") % {"hamlet": place, "steps": ", ".join(items)})
    details = "; ".join(parts)
    if unposted:
        message = _("Chưa thể công nhận: %(details)s. Ngày ký sớm nhất có thể là %(date)s, nếu các hộ còn lại được "
                    "niêm yết đủ %(days)d ngày làm việc từ hôm nay và không còn khiếu nại.") % {
            "details": details, "date": format_date(earliest), "days": minimum}
        raise ApplicationError(message, field="cases", extra={"earliest_signing_date": earliest})
    message = _("Chưa thể công nhận: %(details)s. Quyết định phải ký sau khi hết thời gian niêm yết, sớm nhất ngày "
                "%(date)s.") % {"details": details, "date": format_date(earliest)}
    raise ValidationFailed(message, errors={"signed_on": [
        _("Ngày ký phải sau ngày kết thúc niêm yết; sớm nhất là ngày %(date)s.") % {"date": format_date(earliest)}]})


def review_cycle_recognise(
    *,
    actor: Any,
    cycle: ReviewCycle,
    number: str,
    signed_on: dt.date,
    signer_name: str,
    signer_title: str,
    today: dt.date | None = None,
) -> Decision:
    """The chair's Decision (Form 02): every posted case is recognised in one step, one ledger entry per
    household and standard is written, and the cycle's list is locked for its year.

    The decision is dated today at the latest, and strictly after the end of every posting period of
    the cycle: complaints are taken until then, and the posted notice promises it."""
    require(actor, Perm.REVIEW_APPROVE, cycle.unit_path)
    today = _today(today)
    errors = _decision_fields_errors(number, signer_name, signer_title)
    errors |= _date_errors({"signed_on": (signed_on, _("Ngày ký quyết định"))}, today=today)
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
        _require_ready(cycle=cycle, cases=cases, signed_on=signed_on, today=today)
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
        status_spans_refresh(case.household_id for case in cases)
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


def review_certificates_issue(*, actor: Any, cycle: ReviewCycle, issued_on: dt.date,
                              today: dt.date | None = None) -> list[Certificate]:
    """Form 03 for every recognised poor or near-poor household of the cycle (national standard), numbered
    in sequence per commune and year: ``1/GCN-HN.HCN``, ``2/GCN-HN.HCN``…"""
    require(actor, Perm.REVIEW_APPROVE, cycle.unit_path)
    issued: list[Certificate] = []
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        if not cycle.is_locked:
            raise ApplicationError(_("Chỉ cấp giấy chứng nhận sau khi danh sách đã được công nhận."), field="cycle")
        _check_dates(_("Ngày cấp giấy chứng nhận không hợp lệ, chưa cấp giấy nào."),
                     {"issued_on": (issued_on, _("Ngày cấp giấy chứng nhận"))}, today=_today(today))
        signed = cycle.decisions.aggregate(on=Max("signed_on"))["on"]
        if signed is not None and issued_on < signed:
            raise ValidationFailed(_("Ngày cấp giấy chứng nhận không hợp lệ, chưa cấp giấy nào."), errors={"issued_on": [
                _("Ngày cấp giấy chứng nhận không được trước ngày ký quyết định công nhận (%(date)s).")
                % {"date": format_date(signed)}]})
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
