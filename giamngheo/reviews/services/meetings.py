"""Village meetings, public postings and complaints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import log_action
from giamngheo.core.dates import add_working_days, working_days
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.geo.models import AdminUnit
from giamngheo.reviews.calendar import calendar_for
from giamngheo.reviews.models import (
    Complaint,
    ComplaintOutcome,
    ComplaintStatus,
    Posting,
    ReviewCase,
    ReviewCycle,
    VillageMeeting,
)
from giamngheo.reviews.services._common import (
    _case_repr,
    _check_dates,
    _date_errors,
    _lock_case,
    _lock_cycle,
    _move,
    _require_open,
    _today,
    _user,
)
from giamngheo.reviews.states import CaseState, check_transition

# A village meeting is a hamlet's households: far fewer people; a larger count is a typing mistake.
MAX_ATTENDEES = 10_000


def _cases_of(cycle: ReviewCycle, unit: AdminUnit, state: str, case_ids: Iterable[int] | None) -> list[ReviewCase]:
    qs = (ReviewCase.objects.select_for_update(of=("self",)).select_related("household", "cycle__commune")
          .filter(cycle=cycle, unit_path__startswith=unit.path, state=state))
    if case_ids is not None:
        wanted = set(case_ids)
        qs = qs.filter(pk__in=wanted)
        found = {c.pk for c in qs}
        if wanted - found:
            raise ApplicationError(
                _("Có hồ sơ không ở trạng thái “%(state)s” hoặc không thuộc %(unit)s.")
                % {"state": CaseState(state).label, "unit": unit.name},
                field="cases",
            )
    return list(qs.order_by("unit_path", "pk"))


def review_meeting_record(
    *,
    actor: Any,
    cycle: ReviewCycle,
    unit: AdminUnit,
    held_on: dt.date,
    attendees: int,
    agreeing: int,
    chair_name: str,
    secretary_name: str,
    minutes: str = "",
    case_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
) -> VillageMeeting:
    """The village meeting on the classified cases of a hamlet. At least 50% of attendees must agree;
    below that the cases go back to the survey (they are surveyed and met on again)."""
    require(actor, Perm.REVIEW_MANAGE, unit.path)
    errors = _date_errors({"held_on": (held_on, _("Ngày họp"))}, today=_today(today))
    if not 0 < attendees <= MAX_ATTENDEES:
        errors["attendees"] = [_("Số người dự họp phải từ 1 đến %(max)d.") % {"max": MAX_ATTENDEES}]
    elif agreeing < 0 or agreeing > attendees:
        errors["agreeing"] = [_("Số người đồng ý phải từ 0 đến số người dự họp (%(n)d).") % {"n": attendees}]
    if not chair_name.strip():
        errors["chair_name"] = [_("Ghi họ tên người chủ trì cuộc họp.")]
    if not secretary_name.strip():
        errors["secretary_name"] = [_("Ghi họ tên thư ký cuộc họp.")]
    if errors:
        raise ValidationFailed(_("Biên bản họp dân chưa hợp lệ, chưa lưu gì."), errors=errors)
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        _require_open(cycle)
        if not unit.path.startswith(cycle.unit_path):
            raise ApplicationError(_("Thôn/ấp không thuộc xã của đợt rà soát."), field="unit")
        cases = _cases_of(cycle, unit, CaseState.CLASSIFIED, case_ids)
        if not cases:
            raise ApplicationError(
                _("%(unit)s chưa có hộ nào đã phân loại để đưa ra họp dân.") % {"unit": unit.name}, field="cases"
            )
        # "At least 50%": agreeing / attendees ≥ 1/2, in integers so 5 of 10 passes and 4 of 9 does not.
        passed = 2 * agreeing >= attendees
        meeting = VillageMeeting.objects.create(
            cycle=cycle, unit=unit, unit_path=unit.path, held_on=held_on, attendees=attendees, agreeing=agreeing,
            passed=passed, chair_name=chair_name.strip(), secretary_name=secretary_name.strip(), minutes=minutes,
            created_by=_user(actor), updated_by=_user(actor),
        )
        meeting.cases.set(cases)
        log_action(
            actor=actor, action="giamngheo.review.meeting_recorded", object_type="village_meeting",
            object_id=meeting.pk, object_repr=str(meeting), unit_path=meeting.unit_path,
            data={"attendees": attendees, "agreeing": agreeing, "passed": passed, "cases": [c.pk for c in cases]},
        )
        for case in cases:
            if passed:
                _move(actor=actor, case=case, to_state=CaseState.MEETING,
                      action="giamngheo.review.case_meeting_agreed", data={"meeting": meeting.pk})
            else:
                _move(actor=actor, case=case, to_state=CaseState.LISTED,
                      action="giamngheo.review.case_meeting_rejected",
                      note=_("Họp dân ngày %(date)s: %(agree)d/%(total)d người đồng ý, dưới 50%%.")
                      % {"date": format_date(held_on), "agree": agreeing, "total": attendees},
                      data={"meeting": meeting.pk})
                case.survey_complete = False
                case.save(update_fields=["survey_complete"])
    return meeting


def review_case_post(
    *,
    actor: Any,
    cycle: ReviewCycle,
    unit: AdminUnit,
    place: str,
    starts_on: dt.date,
    ends_on: dt.date,
    case_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
) -> Posting:
    """Post the agreed results publicly (village house, commune office) from ``starts_on`` to ``ends_on``,
    for at least the province's minimum number of working days (03 by default). The dates may lie ahead."""
    require(actor, Perm.REVIEW_MANAGE, unit.path)
    errors = _date_errors({"starts_on": (starts_on, _("Ngày bắt đầu niêm yết")),
                           "ends_on": (ends_on, _("Ngày kết thúc niêm yết"))},
                          today=_today(today), may_be_future=frozenset({"starts_on", "ends_on"}))
    minimum = calendar_for(unit).min_posting_days
    if not errors and ends_on < starts_on:
        errors["ends_on"] = [_("Ngày kết thúc niêm yết phải từ ngày bắt đầu trở đi.")]
    elif not errors and working_days(starts_on, ends_on) < minimum:
        errors["ends_on"] = [
            _("Thời gian niêm yết phải đủ ít nhất %(min)d ngày làm việc (từ %(start)s đến %(end)s mới có %(n)d "
              "ngày); niêm yết đến ngày %(earliest)s trở đi.")
            % {"min": minimum, "start": format_date(starts_on), "end": format_date(ends_on),
               "n": working_days(starts_on, ends_on), "earliest": format_date(add_working_days(starts_on, minimum))}
        ]
    if not place.strip():
        errors["place"] = [_("Ghi nơi niêm yết (nhà văn hoá thôn, trụ sở xã…).")]
    if errors:
        raise ValidationFailed(_("Thông tin niêm yết chưa hợp lệ, chưa lưu gì."), errors=errors)
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        _require_open(cycle)
        cases = _cases_of(cycle, unit, CaseState.MEETING, case_ids)
        if not cases:
            raise ApplicationError(
                _("%(unit)s chưa có hộ nào đã được họp dân thống nhất để niêm yết.") % {"unit": unit.name},
                field="cases",
            )
        posting = Posting.objects.create(
            cycle=cycle, unit=unit, unit_path=unit.path, place=place.strip(), starts_on=starts_on, ends_on=ends_on,
            created_by=_user(actor), updated_by=_user(actor),
        )
        posting.cases.set(cases)
        for case in cases:
            _move(actor=actor, case=case, to_state=CaseState.POSTED, action="giamngheo.review.case_posted",
                  data={"posting": posting.pk, "starts_on": starts_on, "ends_on": ends_on})
    return posting


def review_complaint_file(
    *, actor: Any, case: ReviewCase, received_on: dt.date, complainant: str, content: str,
    today: dt.date | None = None,
) -> Complaint:
    """A complaint about a posted case: the case waits for a re-check until the complaint is resolved.
    Complaints are taken while the case is posted, i.e. until the list is recognised, which cannot happen
    before the posting period is over."""
    require(actor, Perm.REVIEW_MANAGE, case.unit_path)
    errors = _date_errors({"received_on": (received_on, _("Ngày nhận khiếu nại"))}, today=_today(today))
    if not complainant.strip():
        errors["complainant"] = [_("Ghi họ tên người khiếu nại.")]
    if not content.strip():
        errors["content"] = [_("Ghi nội dung khiếu nại.")]
    if errors:
        raise ValidationFailed(_("Khiếu nại chưa đủ thông tin, chưa lưu gì."), errors=errors)
    with transaction.atomic():
        case = _lock_case(case)
        _require_open(case.cycle)
        check_transition(case.state, CaseState.COMPLAINT)
        complaint = Complaint.objects.create(
            case=case, unit_path=case.unit_path, received_on=received_on, complainant=complainant.strip(),
            content=content.strip(), created_by=_user(actor), updated_by=_user(actor),
        )
        log_action(
            actor=actor, action="giamngheo.review.complaint_filed", object_type="complaint", object_id=complaint.pk,
            object_repr=_case_repr(case), unit_path=case.unit_path, data={"case": case.pk},
        )
        _move(actor=actor, case=case, to_state=CaseState.COMPLAINT, action="giamngheo.review.complaint_filed",
              data={"complaint": complaint.pk})
    return complaint


def review_complaint_resolve(
    *, actor: Any, complaint: Complaint, outcome: str, resolution: str, resolved_on: dt.date,
    today: dt.date | None = None,
) -> Complaint:
    """Close a complaint with a written note: the result stands (back to posting) or the household is
    surveyed and met on again."""
    require(actor, Perm.REVIEW_MANAGE, complaint.unit_path)
    if outcome not in ComplaintOutcome.values:
        raise ValidationFailed(_("Chọn kết quả giải quyết."), errors={"outcome": [_("Chọn kết quả giải quyết.")]})
    if not resolution.strip():
        raise ValidationFailed(
            _("Ghi nội dung giải quyết khiếu nại."), errors={"resolution": [_("Ghi nội dung giải quyết khiếu nại.")]}
        )
    _check_dates(_("Ngày giải quyết không hợp lệ, chưa lưu gì."),
                 {"resolved_on": (resolved_on, _("Ngày giải quyết"))}, today=_today(today))
    if resolved_on < complaint.received_on:
        raise ValidationFailed(_("Ngày giải quyết không hợp lệ, chưa lưu gì."), errors={"resolved_on": [
            _("Ngày giải quyết không được trước ngày nhận khiếu nại (%(date)s).")
            % {"date": format_date(complaint.received_on)}]})
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        if complaint.status == ComplaintStatus.RESOLVED:
            raise ApplicationError(_("Khiếu nại này đã được giải quyết."), field="complaint")
        case = _lock_case(complaint.case)
        _require_open(case.cycle)
        complaint.status, complaint.outcome = ComplaintStatus.RESOLVED, outcome
        complaint.resolution, complaint.resolved_on, complaint.updated_by = resolution.strip(), resolved_on, _user(actor)
        complaint.save()
        log_action(
            actor=actor, action="giamngheo.review.complaint_resolved", object_type="complaint",
            object_id=complaint.pk, object_repr=_case_repr(case), unit_path=complaint.unit_path,
            changes={"status": [ComplaintStatus.OPEN, ComplaintStatus.RESOLVED], "outcome": [None, outcome]},
        )
        if case.complaints.filter(status=ComplaintStatus.OPEN).exists():
            return complaint
        # Every complaint of this round (since the case was last posted) is closed: one well-founded
        # complaint is enough to survey and meet again.
        posted_at = case.transitions.filter(to_state=CaseState.POSTED).order_by("-at").values_list("at", flat=True)
        round_complaints = case.complaints.all()
        if posted_at:
            round_complaints = round_complaints.filter(created_at__gte=posted_at[0])
        if round_complaints.filter(outcome=ComplaintOutcome.RESURVEY).exists():
            _move(actor=actor, case=case, to_state=CaseState.LISTED, action="giamngheo.review.complaint_resolved",
                  note=resolution[:255], data={"complaint": complaint.pk})
            case.survey_complete = False
            case.save(update_fields=["survey_complete"])
        else:
            _move(actor=actor, case=case, to_state=CaseState.POSTED, action="giamngheo.review.complaint_resolved",
                  note=resolution[:255], data={"complaint": complaint.pk})
    return complaint
