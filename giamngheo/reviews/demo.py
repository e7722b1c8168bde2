"""Demo step: review history — 2024 and 2025 periodic reviews completed, 2026 in progress.

The two completed years are written in bulk, stored exactly as the services store a finished review
(cycle, cases with their transitions, one meeting and one posting per hamlet, the Decision, ledger
entries, certificates, and an audit entry per state change), because running tens of thousands of
service calls would make ``giamngheo demo`` slow. The 2026 review and the regular requests are driven
through the services themselves, so every state of a case is visible on the pages: listed, surveyed,
classified, met, posted, under complaint, sent back by a vote under 50%, recognised with a certificate,
refused with a written reply, and a request past its 15-day deadline.

The 2025 statuses are the households' current classification; the 2024 (and a few 2023) statuses are
drawn from the seed so that every movement — escaped, fell from near-poverty, re-poor, newly poor — occurs.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.formatting import format_number
from giamngheo.core.models import AuditEntry
from giamngheo.demo.context import DemoContext
from giamngheo.demo.steps import Step
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from giamngheo.households.records import household_to_record
from giamngheo.reviews import engine, services
from giamngheo.reviews.calendar import DEFAULT
from giamngheo.reviews.categories import categories_of
from giamngheo.reviews.models import (
    CaseSource,
    CaseTransition,
    Certificate,
    CycleKind,
    CycleStatus,
    Decision,
    LedgerEntry,
    LedgerKind,
    Posting,
    ReviewCase,
    ReviewCycle,
    VillageMeeting,
)
from giamngheo.reviews.services import CERTIFICATE_SUFFIX, certificate_holder
from giamngheo.reviews.states import CaseState
from giamngheo.reviews.status import status_spans_rebuild

ON_LIST = ("poor", "near_poor")
# The audit code each state change of a finished case is recorded under (as the services record it).
_ACTIONS = {
    CaseState.LISTED: "giamngheo.review.case_listed",
    CaseState.SURVEYED: "giamngheo.review.case_surveyed",
    CaseState.CLASSIFIED: "giamngheo.review.case_classified",
    CaseState.MEETING: "giamngheo.review.case_meeting_agreed",
    CaseState.POSTED: "giamngheo.review.case_posted",
    CaseState.RECOGNISED: "giamngheo.review.case_recognised",
    CaseState.CERTIFICATE_ISSUED: "giamngheo.review.certificate_issued",
}
_PATH = [CaseState.LISTED, CaseState.SURVEYED, CaseState.CLASSIFIED, CaseState.MEETING, CaseState.POSTED,
         CaseState.RECOGNISED]


def _previous_status(current: str, rng: random.Random) -> tuple[str | None, str | None]:
    """(2023, 2024) statuses of a household whose 2025 status is ``current``."""
    roll = rng.random()
    if current == "poor":
        if roll < 0.70:
            return None, "poor"
        if roll < 0.84:
            return None, "near_poor"  # fell from near-poverty in 2025
        if roll < 0.92:
            return "poor", "average"  # escaped in 2024, re-poor in 2025
        return None, None  # newly poor
    if current == "near_poor":
        if roll < 0.62:
            return None, "near_poor"
        if roll < 0.80:
            return None, "poor"  # escaped poverty into near-poverty
        return None, None
    if roll < 0.03:
        return None, "poor"  # escaped poverty in 2025
    if roll < 0.07:
        return None, "near_poor"  # escaped near-poverty in 2025
    return None, None


def _entry(household: Household, year: int, klass: str, standard: dict[str, Any], day: dt.date,
           decision: Decision | None, case: ReviewCase | None, record: dict[str, Any] | None) -> LedgerEntry:
    cats = categories_of(record or {})
    return LedgerEntry(
        household=household, year=year, standard_id=standard["id"], standard_hash=standard["hash"],
        series=standard["series"], kind=LedgerKind.PERIODIC, klass=klass, effective_on=day, decision=decision,
        case=case, ethnic_minority=cats.ethnic_minority, meritorious=cats.meritorious,
        social_protection=cats.social_protection, no_working_capacity=cats.no_working_capacity,
        area=household.area, commune_id=household.commune_id, unit_path=household.unit_path,
    )


def _completed_cycle(ctx: DemoContext, commune: AdminUnit, year: int, statuses: dict[int, str],
                     households: dict[int, Household], records: dict[int, dict[str, Any]]) -> int:
    """A recognised periodic cycle of ``year`` with its cases, meetings, postings, Decision, ledger
    entries and certificates; returns the number of cases."""
    officer, approver = ctx.users["xa"], ctx.users["xa_duyet"]
    standard = engine.standard_refs(year, ctx.province.code if ctx.province else None)[0]
    opens_on, closes_on = DEFAULT.periodic_window(year)
    signed_on = dt.date(year, 12, 10)
    cycle = ReviewCycle.objects.create(
        kind=CycleKind.PERIODIC, year=year, commune=commune, unit_path=commune.path, opens_on=opens_on,
        closes_on=closes_on, standards=[standard], status=CycleStatus.RECOGNISED, recognised_at=timezone.now(),
        created_by=officer, updated_by=approver,
    )
    decision = Decision.objects.create(
        kind=CycleKind.PERIODIC, commune=commune, unit_path=commune.path, cycle=cycle, year=year,
        number=f"{120 + year % 100}/QĐ-UBND", signed_on=signed_on, signer_name=_("Nguyễn Văn Chủ"),
        signer_title=_("Chủ tịch Ủy ban nhân dân"), created_by=approver, updated_by=approver,
    )
    pks = sorted(statuses, key=lambda pk: households[pk].unit_path)
    cases = ReviewCase.objects.bulk_create([
        ReviewCase(
            cycle=cycle, household=households[pk], unit_path=households[pk].unit_path,
            hamlet=households[pk].hamlet, source=CaseSource.CURRENT_LIST,
            state=CaseState.CERTIFICATE_ISSUED if statuses[pk] in ON_LIST else CaseState.RECOGNISED,
            survey_record=records.get(pk, {}) if year == 2025 else {}, survey_complete=True,
            surveyed_on=dt.date(year, 10, 15), proposed_class=statuses[pk],
            results={standard["id"]: {"class": statuses[pk], "standard": standard["id"]}},
            created_by=officer, updated_by=approver,
        ) for pk in pks
    ])
    if any(c.pk is None for c in cases):
        cases = list(ReviewCase.objects.filter(cycle=cycle).order_by("unit_path", "pk"))
    by_household = {c.household_id: c for c in cases}
    transitions, audit = [], []
    for case in cases:
        path = [*_PATH, CaseState.CERTIFICATE_ISSUED] if case.state == CaseState.CERTIFICATE_ISSUED else _PATH
        for before, after in zip(["", *path[:-1]], path, strict=True):
            transitions.append(CaseTransition(case=case, from_state=before, to_state=after, actor=officer))
            audit.append(AuditEntry(
                actor=officer, actor_name=officer.get_username(), action=_ACTIONS[after],
                object_type="review_case", object_id=str(case.pk), object_repr=f"{case.household.code} · {year}",
                unit_path=case.unit_path, changes={"state": [before or None, after]}, data={"demo": True},
            ))
    CaseTransition.objects.bulk_create(transitions, batch_size=2000)
    AuditEntry.objects.bulk_create(audit, batch_size=2000)
    # One meeting and one posting per hamlet.
    for hamlet in ctx.hamlets[commune.code]:
        in_hamlet = [c for c in cases if c.hamlet_id == hamlet.pk]
        if not in_hamlet:
            continue
        meeting = VillageMeeting.objects.create(
            cycle=cycle, unit=hamlet, unit_path=hamlet.path, held_on=dt.date(year, 11, 5),
            attendees=40 + len(in_hamlet), agreeing=30 + len(in_hamlet), passed=True,
            chair_name=_("Trưởng %(hamlet)s") % {"hamlet": hamlet.name}, secretary_name=_("Thư ký chi hội"),
            minutes=_("Thống nhất kết quả rà soát."), created_by=officer, updated_by=officer,
        )
        meeting.cases.set(in_hamlet)
        posting = Posting.objects.create(
            cycle=cycle, unit=hamlet, unit_path=hamlet.path, place=_("Nhà văn hoá ấp và trụ sở UBND xã"),
            starts_on=dt.date(year, 11, 10), ends_on=dt.date(year, 11, 14), created_by=officer, updated_by=officer,
        )
        posting.cases.set(in_hamlet)
    entries = LedgerEntry.objects.bulk_create([
        _entry(households[pk], year, statuses[pk], standard, signed_on, decision, by_household[pk], records.get(pk))
        for pk in pks
    ], batch_size=2000)
    if any(e.pk is None for e in entries):
        entries = list(LedgerEntry.objects.filter(decision=decision).order_by("pk"))
    certificates = []
    seq = 0
    for entry in entries:
        if entry.klass not in ON_LIST:
            continue
        seq += 1
        household = households[entry.household_id]
        certificates.append(Certificate(
            number=f"{seq}/{CERTIFICATE_SUFFIX}", seq=seq, year=year, commune=commune, unit_path=entry.unit_path,
            household=household, ledger_entry=entry, case=by_household[entry.household_id], klass=entry.klass,
            issued_on=signed_on + dt.timedelta(days=2), holder=certificate_holder(records.get(entry.household_id, {}), household),
            created_by=approver, updated_by=approver,
        ))
    Certificate.objects.bulk_create(certificates, batch_size=1000)
    return len(cases)


def _worsened(record: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """The household after a hard year: lower income, a damaged house, no devices left (a Form 01 case)."""
    record = {k: v for k, v in record.items() if k not in ("province_code", "commune_code", "hamlet")}
    record["reference_date"] = day.isoformat()
    record["income"] = 900_000
    record.pop("score_a", None)
    record.pop("income_basis", None)
    dwelling = dict(record.get("dwelling") or {})
    dwelling.update(walls_durable=False, frame_durable=False, latrine="none", information_devices=[])
    record["dwelling"] = dwelling
    record["members"] = [{**m, "uses_internet": False} for m in record["members"]]
    return record


# What the demo surveyor answers when the registry lacks an answer the standards need (completing a
# survey requires every such answer): the common, undeprived case.
_DEMO_ANSWERS: dict[str, Any] = {
    "employment": "self_employed", "nutrition": "normal", "school": "appropriate_level", "in_education": False,
    "health_insured": True, "uses_internet": False, "uses_phone": True, "ill_untreated": False,
    "education_completed": "lower_secondary", "latrine": "semi_septic", "water_source": "piped",
    "hears_loudspeaker": True, "waste": "collected", "floor_area_m2": 40.0, "walls_durable": True,
    "frame_durable": True, "roof_durable": True, "information_devices": ["mobile_phone"], "income": 1_400_000,
}


def _answer_missing(data: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    data = {**data, "dwelling": dict(data.get("dwelling") or {}),
            "members": [dict(m) for m in data.get("members") or []]}
    for path in paths:
        key = path.rsplit(".", 1)[-1]
        if key not in _DEMO_ANSWERS:
            continue
        if path.startswith("members["):
            data["members"][int(path[8:path.index("]")])][key] = _DEMO_ANSWERS[key]
        elif path.startswith("dwelling."):
            data["dwelling"][key] = _DEMO_ANSWERS[key]
        else:
            data[key] = _DEMO_ANSWERS[key]
    return data


def _survey(actor: Any, case: ReviewCase, day: dt.date, record: dict[str, Any] | None = None) -> ReviewCase:
    household = Household.objects.select_related("commune__parent", "hamlet").prefetch_related("members").get(
        pk=case.household_id)
    data = record or household_to_record(household, show_citizen_ids=True)
    data = {k: v for k, v in data.items() if k not in ("province_code", "commune_code", "hamlet", "year")}
    data["reference_date"] = day.isoformat()
    try:
        return services.review_case_survey(actor=actor, case=case, record=data, expected_version=case.version,
                                           complete=True, causes=["capital", "illness_disability"], wishes=["credit"])
    except ValidationFailed as exc:
        # The surveyor answers what the form marked as unanswered, then completes the survey.
        data = _answer_missing(data, list(exc.errors))
    return services.review_case_survey(actor=actor, case=case, record=data, expected_version=case.version,
                                       complete=True, causes=["capital", "illness_disability"], wishes=["credit"])


def _in_progress(ctx: DemoContext, commune: AdminUnit) -> None:
    """The 2026 review of the demo users' commune, in every state, and the year's regular requests."""
    officer, approver, surveyor = ctx.users["xa"], ctx.users["xa_duyet"], ctx.users["thon"]
    hamlets = ctx.hamlets[commune.code]
    rng = random.Random(ctx.seed + 26)  # noqa: S311 (synthetic data, reproducible by design)

    # Regular review: a Form 01 recognised within 15 days, a Form 04 refused in writing, a Form 01 overdue.
    near_poor = list(Household.objects.filter(commune=commune, current_class="near_poor", hamlet=hamlets[0])
                     .order_by("pk")[:2])
    poor = list(Household.objects.filter(commune=commune, current_class="poor").order_by("pk")[:1])
    others = list(Household.objects.filter(commune=commune, current_class="average").order_by("pk")[:1])
    if near_poor:
        request = services.review_request_file(
            actor=officer, household=near_poor[0], form="01", received_on=dt.date(2026, 3, 2), channel="in_person",
            applicant_name=near_poor[0].head_name, content=_("Chồng bị tai nạn lao động, mất khả năng lao động."))
        case = request.cases.get()
        base = household_to_record(Household.objects.select_related("commune__parent", "hamlet")
                                   .prefetch_related("members").get(pk=near_poor[0].pk), show_citizen_ids=True)
        case = _survey(surveyor, case, dt.date(2026, 3, 4), _worsened(base, dt.date(2026, 3, 4)))
        _classify(surveyor, case)
        services.review_meeting_record(actor=officer, cycle=case.cycle, unit=hamlets[0], held_on=dt.date(2026, 3, 6),
                                       attendees=25, agreeing=21, chair_name=_("Trưởng ấp"),
                                       secretary_name=_("Thư ký chi hội"), case_ids=[case.pk])
        services.review_case_post(actor=officer, cycle=case.cycle, unit=hamlets[0], place=_("Nhà văn hoá ấp"),
                                  starts_on=dt.date(2026, 3, 6), ends_on=dt.date(2026, 3, 10), case_ids=[case.pk])
        services.review_request_decide(actor=approver, request=request, recognise=True, decided_on=dt.date(2026, 3, 12),
                                       number="31/QĐ-UBND", signer_name=_("Nguyễn Văn Chủ"),
                                       signer_title=_("Chủ tịch Ủy ban nhân dân"))
    if poor:
        request = services.review_request_file(
            actor=officer, household=poor[0], form="04", received_on=dt.date(2026, 4, 20), channel="post",
            applicant_name=poor[0].head_name, content=_("Gia đình xin ra khỏi danh sách hộ nghèo."))
        case = _survey(officer, request.cases.get(), dt.date(2026, 4, 22))
        _classify(officer, case)
        services.review_request_decide(
            actor=approver, request=request, recognise=False, decided_on=dt.date(2026, 5, 4),
            refusal_reason=_("Kết quả rà soát cho thấy hộ vẫn thuộc diện hộ nghèo theo chuẩn hiện hành; hộ tiếp tục "
                             "được hưởng chính sách cho đến kỳ rà soát sau."))
    if others:
        services.review_request_file(
            actor=officer, household=others[0], form="01", received_on=dt.date(2026, 6, 1), channel="online",
            applicant_name=others[0].head_name, content=_("Nhà bị sập do mưa bão."))

    # The periodic review 2026, opened in September and in full swing. Each step leaves at least one case
    # behind, so every state has a case even in a small demo; meetings and postings are held per hamlet.
    cycle = services.review_cycle_open(actor=officer, commune=commune, year=2026)
    day = dt.date(2026, 9, 20)
    cases = list(cycle.cases.select_related("hamlet").order_by("unit_path", "pk"))
    head, rest = cases[:12], cases[12:]

    def actor_for(case: ReviewCase) -> Any:
        return surveyor if case.hamlet_id == hamlets[0].pk else officer

    surveyed = [_survey(actor_for(c), c, day) for c in head[:min(10, len(head) - 1)]]
    classified = [c for c in surveyed[:min(8, len(surveyed) - 1)] if _classify(actor_for(c), c)]
    agreed = classified[:min(6, len(classified) - 1)]
    for hamlet, group in _by_hamlet(agreed):
        services.review_meeting_record(actor=officer, cycle=cycle, unit=hamlet, held_on=dt.date(2026, 10, 2),
                                       attendees=48, agreeing=41, chair_name=_("Trưởng ấp"),
                                       secretary_name=_("Thư ký chi hội"), minutes=_("Thống nhất kết quả rà soát."),
                                       case_ids=[c.pk for c in group])
    posted = agreed[:min(4, len(agreed) - 1)]
    for hamlet, group in _by_hamlet(posted):
        services.review_case_post(actor=officer, cycle=cycle, unit=hamlet, place=_("Nhà văn hoá ấp và trụ sở UBND xã"),
                                  starts_on=dt.date(2026, 10, 5), ends_on=dt.date(2026, 10, 7),
                                  case_ids=[c.pk for c in group])
    if len(posted) > 1:
        services.review_complaint_file(actor=officer, case=posted[0], received_on=dt.date(2026, 10, 6),
                                       complainant=_("Một hộ dân trong ấp"),
                                       content=_("Đề nghị xem lại vì hộ mới mua xe máy."))
    # In another hamlet the vote fell short: its cases go back to the survey.
    for hamlet, group in _by_hamlet(rest[-3:]):
        again = [c for c in (_survey(officer, c, day) for c in group) if _classify(officer, c)]
        if again:
            services.review_meeting_record(actor=officer, cycle=cycle, unit=hamlet, held_on=dt.date(2026, 10, 3),
                                           attendees=30, agreeing=rng.randint(9, 14), chair_name=_("Trưởng ấp"),
                                           secretary_name=_("Thư ký chi hội"),
                                           minutes=_("Nhiều ý kiến chưa đồng ý với kết quả; đề nghị khảo sát lại."),
                                           case_ids=[c.pk for c in again])
        break


def _by_hamlet(cases: list[ReviewCase]) -> list[tuple[AdminUnit, list[ReviewCase]]]:
    groups: dict[int, tuple[AdminUnit, list[ReviewCase]]] = {}
    for case in cases:
        unit = case.hamlet or case.cycle.commune
        groups.setdefault(unit.pk, (unit, []))[1].append(case)
    return list(groups.values())


def _classify(actor: Any, case: ReviewCase) -> bool:
    """Classify; a household whose answers leave the class undetermined stays surveyed (as on the page)."""
    try:
        services.review_case_classify(actor=actor, case=case)
    except ApplicationError:
        return False
    return True


def review_history(ctx: DemoContext) -> None:
    rng = random.Random(ctx.seed + 24)  # noqa: S311 (synthetic data, reproducible by design)
    counts: Counter[str] = Counter()
    for commune in ctx.communes:
        households = {
            h.pk: h for h in Household.objects.filter(commune=commune, deleted_at__isnull=True)
            .select_related("commune__parent", "hamlet").prefetch_related("members").order_by("pk")
        }
        status_2025: dict[int, str] = {}
        status_2024: dict[int, str] = {}
        status_2023: dict[int, str] = {}
        for pk, household in households.items():
            current = household.current_class if household.current_class in ("poor", "near_poor", "average",
                                                                               "none") else "none"
            y2023, y2024 = _previous_status(current, rng)
            if y2023:
                status_2023[pk] = y2023
            if y2024:
                status_2024[pk] = y2024
            if current in ON_LIST or y2024 in ON_LIST:
                status_2025[pk] = current
        records = {pk: household_to_record(households[pk], show_citizen_ids=True)
                   for pk in set(status_2025) | set(status_2024)}
        # 2023: the lists inherited from before the system, kept as ledger entries without a case.
        standard_2023 = engine.standard_refs(2023, None)[0]
        LedgerEntry.objects.bulk_create([
            _entry(households[pk], 2023, klass, standard_2023, dt.date(2023, 12, 12), None, None, records.get(pk))
            for pk, klass in status_2023.items()
        ])
        counts["2024"] += _completed_cycle(ctx, commune, 2024, status_2024, households, records)
        counts["2025"] += _completed_cycle(ctx, commune, 2025, status_2025, households, records)
    if ctx.communes:
        _in_progress(ctx, ctx.communes[0])
    status_spans_rebuild()
    ctx.summary.append((_("Rà soát"), _("định kỳ 2024: %(y2024)s hộ; 2025: %(y2025)s hộ (đã công nhận); 2026: đang "
                                        "rà soát") % {"y2024": format_number(counts["2024"]),
                                                      "y2025": format_number(counts["2025"])}))


DEMO_STEPS = [Step("review_history", review_history, after="classification")]
