"""Every write of the review: cycles, cases and their transitions, meetings, postings, complaints,
recognition, certificates, regular requests and ledger corrections.

Each service takes keyword-only arguments, checks the actor's scope (out of scope → 404), runs in one
transaction and writes audit entries (``giamngheo.review.*``). Case moves go through ``_move``, which
asks the transition table (``states``) first. Dates are passed in (``today=None`` means the local
date), so deadlines can be tested with fixed dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import log_action
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household, Relation
from giamngheo.reviews import engine, ledger
from giamngheo.reviews.calendar import calendar_for, province_code_of
from giamngheo.reviews.categories import categories_of
from giamngheo.reviews.models import (
    CaseSource,
    CaseTransition,
    Certificate,
    Complaint,
    ComplaintOutcome,
    ComplaintStatus,
    CycleKind,
    CycleStatus,
    Decision,
    LedgerClass,
    LedgerEntry,
    LedgerKind,
    Posting,
    RegularRequest,
    RequestForm,
    RequestStatus,
    ReviewCase,
    ReviewCycle,
    VillageMeeting,
)
from giamngheo.reviews.states import CaseState, check_transition

RECOGNISABLE = frozenset({"poor", "near_poor", "average", "none"})
CERTIFIED = frozenset({"poor", "near_poor"})
CAUSES = ("capital", "land", "labour_or_jobs", "illness_disability", "many_dependents", "know_how",
          "elderly_alone", "other")
WISHES = ("credit", "jobs_training", "housing", "health_insurance", "education", "production_model",
          "land", "clean_water", "information", "social_allowance", "other")
CERTIFICATE_SUFFIX = "GCN-HN.HCN"


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _require_open(cycle: ReviewCycle) -> None:
    if cycle.is_locked:
        raise ApplicationError(
            _("Danh sách năm %(year)s của %(commune)s đã được công nhận và khoá. Mọi thay đổi sau đó phải qua "
              "rà soát thường xuyên (Mẫu 01 để vào danh sách, Mẫu 04 để ra khỏi danh sách).")
            % {"year": cycle.year, "commune": cycle.commune.name},
            field="cycle",
        )


def _move(*, actor: Any, case: ReviewCase, to_state: str, action: str, note: str = "",
          data: dict[str, Any] | None = None) -> None:
    check_transition(case.state, to_state)
    before = case.state
    case.state = to_state
    case.version = F("version") + 1
    case.updated_by = actor
    case.save(update_fields=["state", "version", "updated_by", "updated_at"])
    case.refresh_from_db(fields=["version"])
    CaseTransition.objects.create(case=case, from_state=before, to_state=to_state, actor=_user(actor), note=note[:255])
    log_action(
        actor=actor, action=action, object_type="review_case", object_id=case.pk,
        object_repr=_case_repr(case), unit_path=case.unit_path, changes={"state": [before, to_state]},
        data=data,
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _case_repr(case: ReviewCase) -> str:
    household = case.household
    return f"{household.code} · {household.head_name} · {case.cycle.year}"


def _lock_cycle(cycle: ReviewCycle) -> ReviewCycle:
    return ReviewCycle.objects.select_for_update(of=("self",)).select_related("commune").get(pk=cycle.pk)


def _lock_case(case: ReviewCase) -> ReviewCase:
    return (ReviewCase.objects.select_for_update(of=("self",))
            .select_related("cycle__commune", "household", "hamlet").get(pk=case.pk))


# ---------------------------------------------------------------- cycles and the list


def review_cycle_open(
    *, actor: Any, commune: AdminUnit, year: int, kind: str = CycleKind.PERIODIC, month: int = 0,
) -> ReviewCycle:
    """Open a periodic cycle (and draw its list) or a monthly regular cycle for one commune."""
    require(actor, Perm.REVIEW_MANAGE, commune.path)
    if commune.level != "commune":
        raise ApplicationError(_("Chỉ mở đợt rà soát cho một xã, phường hoặc đặc khu."), field="commune")
    calendar = calendar_for(commune)
    if kind == CycleKind.PERIODIC:
        month = 0
        opens_on, closes_on = calendar.periodic_window(year)
    else:
        if not 1 <= month <= 12:
            raise ApplicationError(_("Tháng rà soát thường xuyên phải từ 1 đến 12."), field="month")
        opens_on, closes_on = calendar.regular_window(year, month)
    try:
        refs = engine.standard_refs(year, province_code_of(commune))
    except engine.StandardError:
        raise ApplicationError(
            _("Chưa có chuẩn nghèo nào áp dụng cho năm %(year)s.") % {"year": year}, field="year"
        ) from None
    try:
        with transaction.atomic():
            cycle = ReviewCycle.objects.create(
                kind=kind, year=year, month=month, commune=commune, unit_path=commune.path,
                opens_on=opens_on, closes_on=closes_on, standards=refs,
                consultation_required=calendar.consultation_required, created_by=_user(actor),
                updated_by=_user(actor),
            )
            log_action(
                actor=actor, action="giamngheo.review.cycle_opened", object_type="review_cycle",
                object_id=cycle.pk, object_repr=str(cycle), unit_path=cycle.unit_path,
                data={"kind": kind, "year": year, "month": month, "standards": [r["id"] for r in refs]},
            )
            if kind == CycleKind.PERIODIC:
                _draw_list(actor=actor, cycle=cycle)
    except IntegrityError:
        raise ApplicationError(
            _("%(commune)s đã có đợt rà soát này; hãy mở đợt đã có.") % {"commune": commune.name}, field="year"
        ) from None
    return cycle


def _draw_list(*, actor: Any, cycle: ReviewCycle) -> None:
    """Current poor and near-poor households (the ledger at the end of last year, or the registry's latest
    classification where the ledger has none yet) and every pending request without a case."""
    households = Household.objects.filter(commune=cycle.commune, deleted_at__isnull=True)
    ids = set(households.filter(current_class__in=("poor", "near_poor")).values_list("pk", flat=True))
    frame = ledger.entries_frame(series="national", max_year=cycle.year - 1, unit_paths=[cycle.unit_path])
    statuses = ledger.statuses_at_end(frame, cycle.year - 1)
    on_list = {pk for pk, klass in statuses.items() if klass in ("poor", "near_poor")}
    live = set(households.filter(pk__in=on_list).values_list("pk", flat=True))
    ids |= live
    pending = {
        r.household_id: r for r in RegularRequest.objects.filter(
            commune=cycle.commune, status=RequestStatus.RECEIVED, cases__isnull=True,
        )
    }
    for household in households.filter(pk__in=ids | set(pending)).select_related("hamlet").order_by("unit_path", "pk"):
        request = pending.get(household.pk)
        if request is not None:
            source = CaseSource.FORM_01 if request.form == RequestForm.FORM_01 else CaseSource.FORM_04
        else:
            source = CaseSource.CURRENT_LIST
        _create_case(actor=actor, cycle=cycle, household=household, source=source, request=request)


def _create_case(*, actor: Any, cycle: ReviewCycle, household: Household, source: str,
                 request: RegularRequest | None = None, note: str = "") -> ReviewCase:
    case = ReviewCase.objects.create(
        cycle=cycle, household=household, unit_path=household.unit_path, hamlet=household.hamlet,
        source=source, request=request, note=note, created_by=_user(actor), updated_by=_user(actor),
    )
    CaseTransition.objects.create(case=case, from_state="", to_state=CaseState.LISTED, actor=_user(actor))
    log_action(
        actor=actor, action="giamngheo.review.case_listed", object_type="review_case", object_id=case.pk,
        object_repr=_case_repr(case), unit_path=case.unit_path,
        changes={"state": [None, CaseState.LISTED]}, data={"source": source, "cycle": cycle.pk},
    )
    return case


def review_case_add(
    *, actor: Any, cycle: ReviewCycle, household: Household, note: str = "",
) -> ReviewCase:
    """A household the hamlet head proposes for the list (the surveyor of its hamlet may add it)."""
    require(actor, Perm.REVIEW_SURVEY, household.unit_path)
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        _require_open(cycle)
        if household.commune_id != cycle.commune_id or household.deleted_at is not None:
            raise ApplicationError(
                _("Hộ %(code)s không thuộc %(commune)s.") % {"code": household.code, "commune": cycle.commune.name},
                field="household",
            )
        if ReviewCase.objects.filter(cycle=cycle, household=household).exists():
            raise ApplicationError(
                _("Hộ %(code)s đã có trong danh sách rà soát của đợt này.") % {"code": household.code},
                field="household",
            )
        return _create_case(actor=actor, cycle=cycle, household=household, source=CaseSource.HAMLET_PROPOSAL,
                            note=note)


def review_cycle_consult(*, actor: Any, cycle: ReviewCycle, consulted_on: dt.date, note: str) -> ReviewCycle:
    """Record the upper level's opinion (step 5, where the province requires it)."""
    require(actor, Perm.REVIEW_MANAGE, cycle.unit_path)
    with transaction.atomic():
        cycle = _lock_cycle(cycle)
        _require_open(cycle)
        before = {"consulted_on": cycle.consulted_on, "consultation_note": cycle.consultation_note}
        cycle.consulted_on, cycle.consultation_note, cycle.updated_by = consulted_on, note, _user(actor)
        cycle.save(update_fields=["consulted_on", "consultation_note", "updated_by", "updated_at"])
        log_action(
            actor=actor, action="giamngheo.review.cycle_consulted", object_type="review_cycle", object_id=cycle.pk,
            object_repr=str(cycle), unit_path=cycle.unit_path,
            changes={"consulted_on": [before["consulted_on"], consulted_on],
                     "consultation_note": [before["consultation_note"], note]},
        )
    return cycle


# ---------------------------------------------------------------- survey and classification


def _clean_codes(values: Iterable[str], allowed: Sequence[str], field: str) -> list[str]:
    values = list(dict.fromkeys(values))
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValidationFailed(
            _("Có lựa chọn không hợp lệ."),
            errors={field: [_("Lựa chọn không hợp lệ: %(values)s.") % {"values": ", ".join(wrong)}]},
        )
    return values


def review_case_survey(
    *,
    actor: Any,
    case: ReviewCase,
    record: Mapping[str, Any],
    expected_version: int,
    complete: bool = False,
    causes: Iterable[str] = (),
    wishes: Iterable[str] = (),
    note: str | None = None,
    today: dt.date | None = None,
) -> ReviewCase:
    """Save the Phiếu B answers. A draft is kept whatever it holds; ``complete=True`` validates the whole
    record (every problem at once, naming its field), moves the case to *surveyed* and writes the facts
    to the household registry."""
    require(actor, Perm.REVIEW_SURVEY, case.unit_path)
    causes = _clean_codes(causes, CAUSES, "causes")
    wishes = _clean_codes(wishes, WISHES, "wishes")
    with transaction.atomic():
        case = _lock_case(case)
        _require_open(case.cycle)
        if case.version != expected_version:
            raise ConcurrentEditError(
                _("Phiếu của hộ %(code)s vừa được người khác lưu sau khi bạn mở. Hãy tải lại trang để xem bản "
                  "mới nhất; thay đổi của bạn chưa được lưu.") % {"code": case.household.code},
                extra={"version": case.version},
            )
        if case.state not in (CaseState.LISTED, CaseState.SURVEYED, CaseState.CLASSIFIED):
            check_transition(case.state, CaseState.SURVEYED)
        data = dict(record)
        data["id"] = case.household.code
        data.setdefault("reference_date", _today(today).isoformat())
        data["year"] = case.cycle.year
        if complete:
            errors = engine.record_errors(data)
            if errors:
                raise ValidationFailed(
                    _("Phiếu khảo sát còn %(count)d lỗi; đã giữ nguyên bản nháp. Hãy sửa các ô được đánh dấu.")
                    % {"count": sum(len(v) for v in errors.values())},
                    errors=errors,
                )
        before = {"survey_record": case.survey_record, "causes": case.causes, "wishes": case.wishes}
        case.survey_record, case.causes, case.wishes = data, causes, wishes
        if note is not None:
            case.note = note
        case.updated_by = _user(actor)
        case.version = F("version") + 1
        fields = ["survey_record", "causes", "wishes", "note", "updated_by", "updated_at", "version"]
        if complete:
            case.survey_complete, case.surveyed_on = True, dt.date.fromisoformat(data["reference_date"])
            case.results, case.proposed_class, case.proposed_criterion = {}, "", ""
            fields += ["survey_complete", "surveyed_on", "results", "proposed_class", "proposed_criterion"]
        case.save(update_fields=fields)
        case.refresh_from_db(fields=["version"])
        if complete:
            _write_registry(actor=actor, case=case, record=data)
            _move(actor=actor, case=case, to_state=CaseState.SURVEYED, action="giamngheo.review.case_surveyed")
        else:
            log_action(
                actor=actor, action="giamngheo.review.case_draft_saved", object_type="review_case",
                object_id=case.pk, object_repr=_case_repr(case), unit_path=case.unit_path,
                changes={k: [v, getattr(case, k)] for k, v in before.items() if v != getattr(case, k)},
            )
    return case


def _write_registry(*, actor: Any, case: ReviewCase, record: dict[str, Any]) -> None:
    """The survey's facts become the household's facts (the registry keeps its own audit entry)."""
    from giamngheo.households.services import household_update

    household = Household.objects.select_related("hamlet").get(pk=case.household_id)
    # The survey does not move a household: it stays in its commune and hamlet.
    registry_record = {k: v for k, v in record.items() if k not in ("province_code", "commune_code", "hamlet")}
    if household.hamlet is not None:
        registry_record["hamlet"] = household.hamlet.name
    household_update(actor=actor, household=household, record=registry_record, expected_version=household.version)


def review_case_classify(*, actor: Any, case: ReviewCase) -> ReviewCase:
    """Classify the surveyed household under every standard of the cycle; the national result is the
    class proposed to the village meeting. An undetermined result is refused with the missing answers."""
    require(actor, Perm.REVIEW_SURVEY, case.unit_path)
    with transaction.atomic():
        case = _lock_case(case)
        _require_open(case.cycle)
        check_transition(case.state, CaseState.CLASSIFIED)
        ids = [ref["id"] for ref in case.cycle.standards]
        results = engine.classify(case.survey_record, ids)
        national = results[case.cycle.national_standard]
        undetermined = [r for r in results.values() if r["class"] not in RECOGNISABLE]
        if undetermined:
            missing = sorted({code for r in undetermined for code in r.get("unknown") or []})
            raise ApplicationError(
                _("Chưa xác định được phân loại của hộ %(code)s vì thiếu thông tin: %(missing)s. Hãy bổ sung phiếu "
                  "khảo sát.") % {"code": case.household.code, "missing": ", ".join(missing) or "—"},
                field="survey_record",
            )
        case.results = results
        case.proposed_class = national["class"]
        case.proposed_criterion = national.get("criterion") or ""
        case.save(update_fields=["results", "proposed_class", "proposed_criterion", "updated_at"])
        _move(actor=actor, case=case, to_state=CaseState.CLASSIFIED, action="giamngheo.review.case_classified",
              data={"class": case.proposed_class, "standards": {k: v["class"] for k, v in results.items()}})
    return case


# ---------------------------------------------------------------- meeting, posting, complaints


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
) -> VillageMeeting:
    """The village meeting on the classified cases of a hamlet. At least 50% of attendees must agree;
    below that the cases go back to the survey (they are surveyed and met on again)."""
    require(actor, Perm.REVIEW_MANAGE, unit.path)
    errors: dict[str, list[str]] = {}
    if attendees <= 0:
        errors["attendees"] = [_("Số người dự họp phải lớn hơn 0.")]
    if agreeing < 0 or agreeing > attendees:
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
) -> Posting:
    """Post the agreed results publicly (village house, commune office) from ``starts_on`` to ``ends_on``."""
    require(actor, Perm.REVIEW_MANAGE, unit.path)
    errors: dict[str, list[str]] = {}
    if ends_on < starts_on:
        errors["ends_on"] = [_("Ngày kết thúc niêm yết phải từ ngày bắt đầu trở đi.")]
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
) -> Complaint:
    """A complaint about a posted case: the case waits for a re-check until the complaint is resolved."""
    require(actor, Perm.REVIEW_MANAGE, case.unit_path)
    errors: dict[str, list[str]] = {}
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


# ---------------------------------------------------------------- recognition and the ledger


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


# ---------------------------------------------------------------- regular review (Form 01 / Form 04)


def _cycle_for_request(*, actor: Any, commune: AdminUnit, received_on: dt.date) -> ReviewCycle:
    """An open periodic cycle whose window holds the date takes the request; otherwise the monthly cycle
    (opened on demand)."""
    periodic = ReviewCycle.objects.filter(
        commune=commune, kind=CycleKind.PERIODIC, status=CycleStatus.OPEN,
        opens_on__lte=received_on, closes_on__gte=received_on,
    ).first()
    if periodic is not None:
        return periodic
    year, month = calendar_for(commune).regular_cycle_for(received_on)
    cycle = ReviewCycle.objects.filter(commune=commune, kind=CycleKind.REGULAR, year=year, month=month).first()
    if cycle is not None:
        return cycle
    with transaction.atomic():
        return review_cycle_open(actor=actor, commune=commune, year=year, kind=CycleKind.REGULAR, month=month)


def review_request_file(
    *,
    actor: Any,
    household: Household,
    form: str,
    received_on: dt.date,
    channel: str,
    applicant_name: str,
    content: str = "",
) -> RegularRequest:
    """Receive Form 01 (enter the lists) or Form 04 (leave them). The deadline is the received date plus
    the province's decision days (15 by default); the household is listed in the cycle that handles it."""
    require(actor, Perm.REVIEW_MANAGE, household.unit_path)
    errors: dict[str, list[str]] = {}
    if form not in RequestForm.values:
        errors["form"] = [_("Chọn Mẫu 01 hoặc Mẫu 04.")]
    if not applicant_name.strip():
        errors["applicant_name"] = [_("Ghi họ tên người đề nghị.")]
    if errors:
        raise ValidationFailed(_("Đơn đề nghị chưa đủ thông tin, chưa lưu gì."), errors=errors)
    if household.deleted_at is not None:
        raise ApplicationError(_("Hộ %(code)s đã bị xoá khỏi sổ hộ.") % {"code": household.code}, field="household")
    commune = household.commune
    with transaction.atomic():
        request = RegularRequest.objects.create(
            form=form, household=household, commune=commune, unit_path=household.unit_path, received_on=received_on,
            channel=channel, applicant_name=applicant_name.strip(), content=content.strip(),
            deadline=calendar_for(commune).deadline(received_on), created_by=_user(actor), updated_by=_user(actor),
        )
        log_action(
            actor=actor, action="giamngheo.review.request_filed", object_type="review_request", object_id=request.pk,
            object_repr=f"{request.get_form_display()} · {household.code}", unit_path=request.unit_path,
            data={"form": form, "received_on": received_on, "deadline": request.deadline},
        )
        cycle = _cycle_for_request(actor=actor, commune=commune, received_on=received_on)
        source = CaseSource.FORM_01 if form == RequestForm.FORM_01 else CaseSource.FORM_04
        existing = ReviewCase.objects.filter(cycle=cycle, household=household).first()
        if existing is not None:
            if existing.request_id is None:
                existing.request = request
                existing.save(update_fields=["request"])
        else:
            _create_case(actor=actor, cycle=cycle, household=household, source=source, request=request)
    return request


def review_request_decide(
    *,
    actor: Any,
    request: RegularRequest,
    recognise: bool,
    decided_on: dt.date,
    number: str = "",
    signer_name: str = "",
    signer_title: str = "",
    refusal_reason: str = "",
) -> RegularRequest:
    """The chair's answer to a request. Recognising needs the case through survey, meeting and posting;
    it writes the ledger entry (effective from the decision date) and, for a poor or near-poor household,
    the certificate. Refusing needs written reasons. Both are allowed after the deadline (it is flagged,
    never silently dropped)."""
    require(actor, Perm.REVIEW_APPROVE, request.unit_path)
    with transaction.atomic():
        request = RegularRequest.objects.select_for_update(of=("self",)).select_related("commune", "household").get(pk=request.pk)
        if request.status != RequestStatus.RECEIVED:
            raise ApplicationError(_("Đơn này đã được quyết định."), field="request")
        case = (request.cases.select_for_update(of=("self",)).select_related("cycle__commune", "household__commune__parent",
                                                                  "household__hamlet")
                .order_by("-pk").first())
        if case is None:
            raise ApplicationError(_("Đơn chưa có hồ sơ rà soát."), field="request")
        late = decided_on > request.deadline
        if recognise:
            errors = _decision_fields_errors(number, signer_name, signer_title)
            if errors:
                raise ValidationFailed(_("Quyết định chưa đủ thông tin, chưa lưu gì."), errors=errors)
            if case.cycle.kind == CycleKind.PERIODIC:
                raise ApplicationError(
                    _("Hộ này đang được xét trong đợt rà soát định kỳ; kết quả được công nhận cùng cả danh sách."),
                    field="request",
                )
            check_transition(case.state, CaseState.RECOGNISED)
            try:
                with transaction.atomic():
                    decision = Decision.objects.create(
                        kind=CycleKind.REGULAR, commune=request.commune, unit_path=request.commune.path,
                        cycle=case.cycle, year=decided_on.year, number=number.strip(), signed_on=decided_on,
                        signer_name=signer_name.strip(), signer_title=signer_title.strip(),
                        created_by=_user(actor), updated_by=_user(actor),
                    )
            except IntegrityError:
                raise ValidationFailed(
                    _("Số quyết định đã được dùng."),
                    errors={"number": [_("Số quyết định %(number)s đã được dùng ở xã này.") % {"number": number}]},
                ) from None
            entries = _ledger_entries_for(actor=actor, case=case, kind=LedgerKind.REGULAR, year=decided_on.year,
                                          effective_on=decided_on, decision=decision)
            _move(actor=actor, case=case, to_state=CaseState.RECOGNISED, action="giamngheo.review.case_recognised",
                  data={"decision": decision.pk, "class": case.proposed_class})
            national = next(e for e in entries if e.standard_id == case.cycle.national_standard)
            if national.klass in CERTIFIED:
                certificate = _issue(actor=actor, entry=national, case=case, issued_on=decided_on)
                _move(actor=actor, case=case, to_state=CaseState.CERTIFICATE_ISSUED,
                      action="giamngheo.review.certificate_issued", data={"number": certificate.number})
            request.status, request.decision = RequestStatus.RECOGNISED, decision
            action = "giamngheo.review.request_recognised"
        else:
            if not refusal_reason.strip():
                raise ValidationFailed(
                    _("Không công nhận phải trả lời bằng văn bản, nêu rõ lý do."),
                    errors={"refusal_reason": [_("Ghi lý do không công nhận.")]},
                )
            _move(actor=actor, case=case, to_state=CaseState.REFUSED, action="giamngheo.review.request_refused",
                  note=refusal_reason[:255])
            request.status, request.refusal_reason = RequestStatus.REFUSED, refusal_reason.strip()
            action = "giamngheo.review.request_refused"
        request.decided_on, request.updated_by = decided_on, _user(actor)
        request.save()
        log_action(
            actor=actor, action=action, object_type="review_request", object_id=request.pk,
            object_repr=f"{request.get_form_display()} · {request.household.code}", unit_path=request.unit_path,
            changes={"status": [RequestStatus.RECEIVED, request.status]},
            data={"decided_on": decided_on, "deadline": request.deadline, "late": late},
        )
    return request


# ---------------------------------------------------------------- corrections and removals


def review_ledger_correct(
    *, actor: Any, entry: LedgerEntry, klass: str, reason: str,
) -> LedgerEntry:
    """Correct a recognised status: a new entry naming the wrong one; the wrong one stays, and stops
    counting. It takes the corrected entry's year and date, so it replaces it in every later figure."""
    require(actor, Perm.REVIEW_APPROVE, entry.unit_path)
    if klass not in LedgerClass.values:
        raise ValidationFailed(_("Phân loại không hợp lệ."), errors={"klass": [_("Phân loại không hợp lệ.")]})
    if not reason.strip():
        raise ValidationFailed(_("Ghi lý do đính chính."), errors={"reason": [_("Ghi lý do đính chính.")]})
    with transaction.atomic():
        entry = LedgerEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        if entry.corrected_by.exists():
            raise ApplicationError(_("Mục này đã được đính chính; hãy đính chính mục mới nhất."), field="entry")
        correction = LedgerEntry.objects.create(
            household_id=entry.household_id, year=entry.year, standard_id=entry.standard_id,
            standard_hash=entry.standard_hash, series=entry.series, kind=LedgerKind.CORRECTION, klass=klass,
            criterion="" if klass != entry.klass else entry.criterion, effective_on=entry.effective_on,
            decision=entry.decision, case=entry.case, corrects=entry, reason=reason.strip(),
            ethnic_minority=entry.ethnic_minority, meritorious=entry.meritorious,
            social_protection=entry.social_protection, no_working_capacity=entry.no_working_capacity,
            area=entry.area, commune_id=entry.commune_id, unit_path=entry.unit_path, recorded_by=_user(actor),
        )
        log_action(
            actor=actor, action="giamngheo.review.ledger_corrected", object_type="ledger_entry",
            object_id=correction.pk, object_repr=f"{entry.household_id} {entry.year} {entry.standard_id}",
            unit_path=entry.unit_path, changes={"klass": [entry.klass, klass]},
            data={"corrects": entry.pk, "reason": reason.strip()},
        )
    return correction


def review_household_remove(
    *, actor: Any, household: Household, effective_on: dt.date, reason: str,
) -> list[LedgerEntry]:
    """Take a household off the lists because it left the commune, dissolved or its members died: one
    ``removed`` entry per series in which it is currently poor or near-poor (counted as *removed*, never
    as *escaped*)."""
    require(actor, Perm.REVIEW_APPROVE, household.unit_path)
    if not reason.strip():
        raise ValidationFailed(_("Ghi lý do đưa hộ ra khỏi danh sách."), errors={"reason": [_("Ghi lý do.")]})
    created: list[LedgerEntry] = []
    with transaction.atomic():
        latest: dict[str, LedgerEntry] = {}
        for entry in ledger.live_entries().filter(household=household, year__lte=effective_on.year).order_by(
            "year", "effective_on", "pk"
        ):
            latest[entry.series] = entry
        for entry in latest.values():
            if entry.klass not in CERTIFIED:
                continue
            created.append(LedgerEntry.objects.create(
                household=household, year=effective_on.year, standard_id=entry.standard_id,
                standard_hash=entry.standard_hash, series=entry.series, kind=LedgerKind.REMOVAL,
                klass=LedgerClass.REMOVED, effective_on=effective_on, reason=reason.strip(),
                ethnic_minority=entry.ethnic_minority, meritorious=entry.meritorious,
                social_protection=entry.social_protection, no_working_capacity=entry.no_working_capacity,
                area=entry.area, commune_id=entry.commune_id, unit_path=entry.unit_path, recorded_by=_user(actor),
            ))
        if not created:
            raise ApplicationError(
                _("Hộ %(code)s hiện không thuộc danh sách hộ nghèo, cận nghèo nào.") % {"code": household.code},
                field="household",
            )
        log_action(
            actor=actor, action="giamngheo.review.household_removed", object_type="household",
            object_id=household.code, object_repr=str(household), unit_path=household.unit_path,
            data={"effective_on": effective_on, "reason": reason.strip(), "series": [e.series for e in created]},
        )
    return created
