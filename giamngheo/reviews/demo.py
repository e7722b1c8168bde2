"""Demo step: review history — periodic reviews 2022 to 2025 completed in every commune, 2026 in progress.

The completed years are written in bulk, stored exactly as the services store a finished review (cycle,
cases with their transitions and engine results naming the deprivations, causes of poverty, one meeting and
one posting per hamlet, the Decision, ledger entries, certificates, and an audit entry per state change),
because running tens of thousands of service calls would make ``giamngheo demo`` slow. The 2026 review and
the regular requests of the demo users' commune are driven through the services themselves, so every state
of a case is visible on the pages: listed, surveyed, classified, met, posted, under complaint, sent back by a
vote under 50%, recognised with a certificate, refused with a written reply, and a request past its 15-day
deadline.

The 2025 statuses are the households' current classification; the earlier ones are drawn backwards from it
(``giamngheo.demo.history``) so that the province's rates fall by about a point a year and every movement —
escaped, fell from near-poverty, re-poor, newly poor — occurs every year. A few households on the lists move
away each year (2023–2026): they are kept as deleted households with a removal entry, so *removed* occurs too.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.formatting import format_number
from giamngheo.core.models import AuditEntry
from giamngheo.demo.bulk import insert_objects
from giamngheo.demo.context import DemoContext
from giamngheo.demo.history import Household as HistoryHousehold
from giamngheo.demo.history import draw_history
from giamngheo.demo.households import split_counts, store_households
from giamngheo.demo.population import INCOME_LINE, PopulationGenerator
from giamngheo.demo.steps import Step
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Classification, Household
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
    LedgerClass,
    LedgerEntry,
    LedgerKind,
    Posting,
    ReviewCase,
    ReviewCycle,
    VillageMeeting,
)
from giamngheo.reviews.services import CAUSES, CERTIFICATE_SUFFIX, certificate_holder
from giamngheo.reviews.states import CaseState
from giamngheo.reviews.status import status_spans_rebuild
from giamngheo.standards.definition import get_standard

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


def _entry(household: Household, year: int, klass: str, standard: dict[str, Any], day: dt.date,
           decision: Decision | None, case: ReviewCase | None, record: dict[str, Any] | None,
           kind: str = LedgerKind.PERIODIC) -> LedgerEntry:
    cats = categories_of(record or {})
    return LedgerEntry(
        household=household, year=year, standard_id=standard["id"], standard_hash=standard["hash"],
        series=standard["series"], kind=kind, klass=klass, effective_on=day, decision=decision,
        case=case, ethnic_minority=cats.ethnic_minority, meritorious=cats.meritorious,
        social_protection=cats.social_protection, no_working_capacity=cats.no_working_capacity,
        area=household.area, commune_id=household.commune_id, unit_path=household.unit_path,
    )


@dataclass(frozen=True)
class _Survey:
    """What a completed case of one year holds beyond its class: the engine's deprivations and unknown
    indicators under the year's standard, and the causes of poverty the surveyor noted."""

    deprivations: list[str]
    unknown: list[str]
    causes: list[str]


def _completed_cycle(ctx: DemoContext, commune: AdminUnit, year: int, statuses: dict[int, str],
                     households: dict[int, Household], records: dict[int, dict[str, Any]],
                     surveys: dict[int, _Survey]) -> int:
    """A recognised periodic cycle of ``year`` with its cases, meetings, postings, Decision, ledger
    entries and certificates; returns the number of cases."""
    if not statuses:
        return 0
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
    pks = sorted(statuses, key=lambda pk: (households[pk].unit_path, pk))

    def result(pk: int) -> dict[str, Any]:
        survey = surveys[pk]
        return {"class": statuses[pk], "standard": standard["id"], "deprivations": survey.deprivations,
                "unknown": survey.unknown, "deprivation_count": len(survey.deprivations)}

    cases = ReviewCase.objects.bulk_create([
        ReviewCase(
            cycle=cycle, household=households[pk], unit_path=households[pk].unit_path,
            hamlet=households[pk].hamlet, source=CaseSource.CURRENT_LIST,
            state=CaseState.CERTIFICATE_ISSUED if statuses[pk] in ON_LIST else CaseState.RECOGNISED,
            survey_record=records.get(pk, {}) if year == 2025 else {}, survey_complete=True,
            surveyed_on=dt.date(year, 10, 15), proposed_class=statuses[pk], results={standard["id"]: result(pk)},
            causes=surveys[pk].causes if statuses[pk] in ON_LIST else [],
            created_by=officer, updated_by=approver,
        ) for pk in pks
    ], batch_size=2000)
    if any(c.pk is None for c in cases):
        cases = list(ReviewCase.objects.filter(cycle=cycle).order_by("unit_path", "household_id"))
    by_household = {c.household_id: c for c in cases}
    transitions, audit = [], []
    for case in cases:
        path = [*_PATH, CaseState.CERTIFICATE_ISSUED] if case.state == CaseState.CERTIFICATE_ISSUED else _PATH
        code = households[case.household_id].code
        for before, after in zip(["", *path[:-1]], path, strict=True):
            transitions.append(CaseTransition(case=case, from_state=before, to_state=after, actor=officer))
            audit.append(AuditEntry(
                actor=officer, actor_name=officer.get_username(), action=_ACTIONS[after],
                object_type="review_case", object_id=str(case.pk), object_repr=f"{code} · {year}",
                unit_path=case.unit_path, changes={"state": [before or None, after]}, data={"demo": True},
            ))
    insert_objects(transitions)
    insert_objects(audit)
    # One meeting and one posting per hamlet, with their cases through the many-to-many tables.
    groups: dict[int, list[ReviewCase]] = {}
    for case in cases:
        groups.setdefault(case.hamlet_id or 0, []).append(case)
    hamlets = [h for h in ctx.hamlets[commune.code] if h.pk in groups]
    meetings = VillageMeeting.objects.bulk_create([VillageMeeting(
        cycle=cycle, unit=hamlet, unit_path=hamlet.path, held_on=dt.date(year, 11, 5),
        attendees=40 + len(groups[hamlet.pk]), agreeing=30 + len(groups[hamlet.pk]), passed=True,
        chair_name=_("Trưởng %(hamlet)s") % {"hamlet": hamlet.name}, secretary_name=_("Thư ký chi hội"),
        minutes=_("Thống nhất kết quả rà soát."), created_by=officer, updated_by=officer,
    ) for hamlet in hamlets])
    postings = Posting.objects.bulk_create([Posting(
        cycle=cycle, unit=hamlet, unit_path=hamlet.path, place=_("Nhà văn hoá ấp và trụ sở UBND xã"),
        starts_on=dt.date(year, 11, 10), ends_on=dt.date(year, 11, 14), created_by=officer, updated_by=officer,
    ) for hamlet in hamlets])
    if any(m.pk is None for m in meetings) or any(p.pk is None for p in postings):
        meetings = list(VillageMeeting.objects.filter(cycle=cycle).order_by("pk"))
        postings = list(Posting.objects.filter(cycle=cycle).order_by("pk"))
    meeting_through, posting_through = VillageMeeting.cases.through, Posting.cases.through
    meeting_through.objects.bulk_create([
        meeting_through(villagemeeting_id=m.pk, reviewcase_id=c.pk)
        for hamlet, m in zip(hamlets, meetings, strict=True) for c in groups[hamlet.pk]], batch_size=2000)
    posting_through.objects.bulk_create([
        posting_through(posting_id=p.pk, reviewcase_id=c.pk)
        for hamlet, p in zip(hamlets, postings, strict=True) for c in groups[hamlet.pk]], batch_size=2000)
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
            issued_on=signed_on + dt.timedelta(days=2),
            holder=certificate_holder(records.get(entry.household_id, {}), household),
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


def _survey_of(klass: str, classification: tuple[list[str], list[str]] | None, indicators: list[str],
               rng: random.Random) -> _Survey:
    """A year's survey of a household whose class that year was ``klass``, from its 2025 classification: a
    household poor that year lacked at least three indicators (the 2022–2025 standard's rule), a near-poor one
    fewer; causes of poverty as surveyors note them."""
    deprivations, unknown = classification or ([], [])
    deprivations = [c for c in deprivations if c in indicators]
    if klass == "poor":
        missing = [c for c in indicators if c not in deprivations and c not in unknown]
        deprivations = deprivations + rng.sample(missing, max(0, min(len(missing), 3 - len(deprivations))))
    elif klass == "near_poor":
        deprivations = deprivations[:2]
    causes: list[str] = []
    if klass in ON_LIST:
        causes = sorted(set(rng.choices(CAUSES[:-1], weights=(30, 12, 18, 20, 10, 14, 6), k=rng.randint(1, 3))))
    return _Survey(sorted(deprivations, key=indicators.index), list(unknown), causes)


def _departed(ctx: DemoContext, history: dict[int, dict[int, str]], rng: random.Random
              ) -> dict[int, tuple[int, str, dict[str, Any]]]:
    """Households on a list that left the register (moved away, dissolved) in 2023–2026, about 2% of the
    year before's lists, written as deleted households: pk → (year they left, commune code, record)."""
    assert ctx.province is not None
    generator = PopulationGenerator(ctx.seed + 31, ctx.reference_date)
    communes = {c.code: c for c in ctx.all_communes}
    out: dict[int, tuple[int, str, dict[str, Any]]] = {}
    seq: dict[str, int] = {}
    for year in range(2023, 2027):
        listed = history.get(year - 1, history[2025])
        weights = {}
        for code in communes:
            weights[code] = 0
        for pk in listed:
            weights[ctx.household_communes[pk]] += 1
        codes = sorted(c for c, w in weights.items() if w)
        counts = split_counts(max(1, round(len(listed) * 0.02)), [weights[c] for c in codes]) if codes else []
        for code, count in zip(codes, counts, strict=True):
            if not count:
                continue
            commune, spec = communes[code], ctx.specs[code]
            hamlets = {h.name: h for h in ctx.hamlets[code]}
            start = seq.get(code, 700_001)
            records = list(generator.households(spec, count=count, hamlets=list(hamlets), area=commune.area_type,
                                                province_code=ctx.province.code, start=start))
            seq[code] = start + count
            ids = store_households(records, commune, hamlets)
            Household.objects.filter(pk__in=ids.values()).update(
                deleted_at=dt.datetime(year, rng.randint(2, 9), rng.randint(1, 28), 2, tzinfo=dt.UTC))
            for record in records:
                out[ids[record["id"]]] = (year, code, record)
    return out


def _analyze_bulk_tables() -> None:
    """PostgreSQL: refresh the planner's statistics of the tables just bulk-written, before services query them.
    The demo runs in one transaction, so autovacuum never sees these rows and the planner takes the tables for
    nearly empty: a service's locking query over cases, households and units then ran as nested loops of
    sequential scans for over ten minutes on the quick demo. ANALYZE counts the rows the current transaction
    inserted."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE geo_adminunit, households_household, households_member, reviews_reviewcycle, "
                       "reviews_reviewcase, reviews_ledgerentry, reviews_decision, reviews_certificate")


def review_history(ctx: DemoContext) -> None:
    rng = random.Random(ctx.seed + 24)  # noqa: S311 (synthetic data, reproducible by design)
    ctx.progress(_("Tạo lịch sử rà soát 2022–2025 của %(count)s xã, phường…") % {
        "count": format_number(len(ctx.all_communes))})
    current = dict(Household.objects.filter(pk__in=list(ctx.household_ids.values()))
                   .values_list("pk", "current_class"))
    records = {ctx.household_ids[r["id"]]: r for r in ctx.household_records}
    ctx.household_communes = {pk: r["commune_code"] for pk, r in records.items()}
    people = [HistoryHousehold(pk=pk, commune=r["commune_code"], current=current.get(pk) or "none",
                               income_ratio=(r.get("income") or 0) / INCOME_LINE[r["area"]])
              for pk, r in records.items()]
    history = draw_history(people, ctx.seed + 25)
    departed = _departed(ctx, history, rng)
    for pk, (left, code, record) in departed.items():
        records[pk] = record
        ctx.household_communes[pk] = code
        listed_as = rng.choice(ON_LIST)
        for year in range(max(2022, left - rng.randint(1, 3)), left):
            history[year][pk] = listed_as
    standard_id = engine.standard_refs(2025, None)[0]["id"]
    indicators = get_standard(standard_id).indicator_codes
    classified = {pk: (list(dep or []), list(unk or [])) for pk, dep, unk in Classification.objects.filter(
        standard_id=standard_id, household_id__in=list(records)).values_list("household_id", "deprivations", "unknown")}
    needed = {pk for year in history.values() for pk in year} | set(departed)
    households = {h.pk: h for h in Household.objects.filter(pk__in=needed)
                  .select_related("commune__parent", "hamlet").order_by("pk")}
    counts: Counter[int] = Counter()
    by_commune: dict[str, list[int]] = {}
    for pk in sorted(needed):
        by_commune.setdefault(ctx.household_communes[pk], []).append(pk)
    for commune in ctx.all_communes:
        pks = by_commune.get(commune.code, [])
        for year in range(2022, 2026):
            # A year's review lists the households on a list that year or the year before (the latter
            # recognised as out of poverty); households that left are not surveyed any more.
            statuses: dict[int, str] = {}
            klass: str | None
            for pk in pks:
                if pk in departed and departed[pk][0] <= year:
                    continue
                klass = history[year].get(pk)
                if klass is None and pk in history.get(year - 1, {}):
                    off = current.get(pk) or "average"
                    klass = off if off in ("average", "none") else "average"
                if klass is not None:
                    statuses[pk] = klass
            surveys = {pk: _survey_of(klass, classified.get(pk), indicators, rng) for pk, klass in statuses.items()}
            counts[year] += _completed_cycle(ctx, commune, year, statuses, households, records, surveys)
    _removals(departed, households, records)
    regular = _regular_2026(ctx, history, departed, records, rng)
    _analyze_bulk_tables()
    if ctx.communes:
        _in_progress(ctx, ctx.communes[0])
    status_spans_rebuild()
    ctx.summary.append((_("Rà soát"), _(
        "định kỳ 2022: %(y2022)s hộ; 2023: %(y2023)s hộ; 2024: %(y2024)s hộ; 2025: %(y2025)s hộ (đã công nhận); "
        "2026: đang rà soát; %(departed)s hộ trong danh sách đã chuyển đi") % {
            "y2022": format_number(counts[2022]), "y2023": format_number(counts[2023]),
            "y2024": format_number(counts[2024]), "y2025": format_number(counts[2025]),
            "departed": format_number(len(departed))}))
    ctx.summary.append((_("Rà soát thường xuyên 2026"), _("%(count)s hộ được công nhận thay đổi ở %(communes)s xã, "
                                                         "phường") % {"count": format_number(regular[0]),
                                                                      "communes": format_number(regular[1])}))


def _regular_change(was: str | None, listed_before: bool, roll: float) -> str | None:
    """The class a regular review of 2026 recognised for a household of class ``was`` at the end of 2025
    (None: no request): escaped, fell from near-poverty, came back (re-poor), or newly poor."""
    if was == "poor":
        return ("near_poor" if roll < 0.08 else "average") if roll < 0.15 else None
    if was == "near_poor":
        return "poor" if roll < 0.03 else None
    return "poor" if roll < (0.008 if listed_before else 0.0003) else None


def _regular_2026(ctx: DemoContext, history: dict[int, dict[int, str]],
                  departed: dict[int, tuple[int, str, dict[str, Any]]], records: dict[int, dict[str, Any]],
                  rng: random.Random) -> tuple[int, int]:
    """The regular reviews recognised in 2026 outside the detailed communes (whose 2026 is driven through the
    services): some poor households escaped, some near-poor fell into poverty, some came back and a few are
    newly poor, each with the commune's regular-review Decision. Returns (entries, communes)."""
    standard = engine.standard_refs(2026, None)[0]
    detailed = {c.code for c in ctx.communes}
    listed_before = {pk for year in range(2022, 2025) for pk in history[year]}
    changes: dict[str, list[tuple[int, str]]] = {}
    for pk, code in sorted(ctx.household_communes.items()):
        if code in detailed or pk in departed or pk not in records:
            continue
        klass = _regular_change(history[2025].get(pk), pk in listed_before, rng.random())
        if klass is not None:
            changes.setdefault(code, []).append((pk, klass))
    communes = {c.code: c for c in ctx.all_communes}
    households = {h.pk: h for h in Household.objects.filter(
        pk__in=[pk for rows in changes.values() for pk, _k in rows])}
    officer = ctx.users["xa_duyet"]
    entries = []
    for code, rows in sorted(changes.items()):
        commune = communes[code]
        decision = Decision.objects.create(
            kind=CycleKind.REGULAR, commune=commune, unit_path=commune.path, year=2026, number="45/QĐ-UBND",
            signed_on=dt.date(2026, 6, 15), signer_name=_("Nguyễn Văn Chủ"), signer_title=_("Chủ tịch Ủy ban nhân dân"),
            created_by=officer, updated_by=officer,
        )
        entries += [_entry(households[pk], 2026, klass, standard, dt.date(2026, rng.randint(3, 11), rng.randint(1, 28)),
                           decision, None, records[pk], kind=LedgerKind.REGULAR) for pk, klass in rows]
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries), len(changes)


def _removals(departed: dict[int, tuple[int, str, dict[str, Any]]], households: dict[int, Household],
              records: dict[int, dict[str, Any]]) -> None:
    """The removal entry of each household that left the register, in the year it left."""
    rows = []
    for pk, (year, _code, _record) in sorted(departed.items()):
        standard = engine.standard_refs(year, None)[0]
        rows.append(_entry(households[pk], year, LedgerClass.REMOVED, standard, dt.date(year, 6, 30), None, None,
                           records.get(pk), kind=LedgerKind.REMOVAL))
    LedgerEntry.objects.bulk_create(rows, batch_size=2000)


DEMO_STEPS = [Step("review_history", review_history, after="classification")]
