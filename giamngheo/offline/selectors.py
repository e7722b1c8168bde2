"""What the offline app downloads: the cases the user surveys in open cycles (only those, at most
``GIAMNGHEO_OFFLINE_MAX_CASES``), each with only the answers its survey form asks, the form itself, the
portable standards of the cases' cycles and the portable record rules. Everything is read through the scope
policy (``reviews.selectors.cases_to_survey``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from giamngheo.accounts.scope import can_see_citizen_id
from giamngheo.households.models import Household
from giamngheo.households.records import LOCATION_KEYS, draft_without_bad_values, household_to_record
from giamngheo.offline.form_definition import survey_form_definition
from giamngheo.reviews import engine, selectors
from giamngheo.reviews.models import LedgerClass, ReviewCase, ReviewCycle
from giamngheo.reviews.states import CaseState
from giamngheo.standards.definition import get_standard
from giamngheo.standards.portable import portable_standard
from giamngheo.standards.portable_record import portable_record_rules

SURVEYABLE = (CaseState.LISTED, CaseState.SURVEYED, CaseState.CLASSIFIED)
# Record keys the phone never edits: the household's code and place, and the review year, are the server's.
NOT_DOWNLOADED = frozenset({"id", "year", *LOCATION_KEYS})


def offline_cases(*, user: Any, hamlet_id: int | None = None) -> QuerySet[ReviewCase]:
    """The cases the user may survey now, in the order of "Hộ cần rà soát của tôi"; ``hamlet_id`` narrows
    them to one hamlet (a commune officer's phone need not carry the whole commune)."""
    cases = selectors.cases_to_survey(user=user).filter(state__in=SURVEYABLE).select_related(
        "household__commune__parent", "household__hamlet")
    if hamlet_id is not None:
        cases = cases.filter(hamlet_id=hamlet_id)
    return cases


def case_record(case: ReviewCase, *, show_citizen_ids: bool, today: dt.date) -> dict[str, Any]:
    """The record the survey starts from, as the server's survey page shows it: the stored draft (values of
    a wrong shape left out), else the registry's household dated today."""
    stored, _dropped = draft_without_bad_values(case.survey_record)
    if stored:
        return stored
    household = Household.objects.select_related("commune__parent", "hamlet").prefetch_related("members").get(
        pk=case.household_id)
    record = household_to_record(household, show_citizen_ids=show_citizen_ids)
    record["reference_date"] = today.isoformat()
    return record


def record_for_phone(record: dict[str, Any], hidden: frozenset[str], *, show_citizen_ids: bool) -> dict[str, Any]:
    """Only the answers the phone's form asks: never the answers the cycle does not need, never the place,
    and citizen IDs only for a role that may read them."""
    dropped = hidden | NOT_DOWNLOADED
    members_dropped = hidden if show_citizen_ids else hidden | {"citizen_id"}
    kept = {k: v for k, v in record.items() if k not in dropped and k not in ("dwelling", "members")}
    dwelling = {k: v for k, v in (record.get("dwelling") or {}).items() if k not in hidden}
    if dwelling:
        kept["dwelling"] = dwelling
    kept["members"] = [{k: v for k, v in member.items() if k not in members_dropped}
                       for member in record.get("members") or [] if isinstance(member, dict)]
    return kept


def _cycle_entry(cycle: ReviewCycle, hidden: frozenset[str], show_citizen_ids: bool) -> dict[str, Any]:
    ids = [ref["id"] for ref in cycle.standards]
    return {
        "id": cycle.pk, "year": cycle.year, "kind": cycle.kind, "month": cycle.month, "commune": cycle.commune.name,
        "standards": ids, "national": cycle.national_standard,
        "form": survey_form_definition(hidden=hidden, show_citizen_id=show_citizen_ids),
    }


def offline_bundle(*, user: Any, hamlet_id: int | None = None,
                   now: dt.datetime | None = None) -> tuple[dict[str, Any], list[Household]]:
    """Everything the phone needs to survey with no connection, and nothing more; and the households it
    carries (the caller notes them as read)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    limit = settings.GIAMNGHEO_OFFLINE_MAX_CASES
    rows = list(offline_cases(user=user, hamlet_id=hamlet_id)[: limit + 1])
    truncated = len(rows) > limit
    cycles: dict[int, dict[str, Any]] = {}
    cases = []
    standard_ids: set[str] = set()
    for case in rows[:limit]:
        show_ids = can_see_citizen_id(user, case.unit_path)
        hidden = engine.survey_not_asked([ref["id"] for ref in case.cycle.standards])
        key = case.cycle_id if show_ids else -case.cycle_id
        if key not in cycles:
            cycles[key] = _cycle_entry(case.cycle, hidden, show_ids)
            standard_ids.update(cycles[key]["standards"])
        household = case.household
        cases.append({
            "id": case.pk, "version": case.version, "state": case.state, "state_label": str(case.get_state_display()),
            "cycle": key,
            "household": {"code": household.code, "head": household.head_name, "version": household.version,
                          "hamlet": household.hamlet.name if household.hamlet is not None else ""},
            "record": record_for_phone(case_record(case, show_citizen_ids=show_ids, today=today), hidden,
                                       show_citizen_ids=show_ids),
            "causes": list(case.causes or []), "wishes": list(case.wishes or []), "note": case.note,
        })
    keep_days = settings.GIAMNGHEO_OFFLINE_KEEP_DAYS
    bundle = {
        "format": 1,
        "downloaded_at": now.isoformat(),
        "expires_at": (now + dt.timedelta(days=keep_days)).isoformat(),
        "keep_days": keep_days,
        "lock_minutes": settings.GIAMNGHEO_OFFLINE_LOCK_MINUTES,
        "today": today.isoformat(),
        "user": user.get_full_name() or user.get_username(),
        "max_cases": limit,
        "truncated": truncated,
        "cycles": {str(k): v for k, v in cycles.items()},
        "cases": cases,
        "standards": {sid: portable_standard(get_standard(sid)) for sid in sorted(standard_ids)},
        "standard_titles": {sid: engine.standard_title(sid) for sid in sorted(standard_ids)},
        "class_labels": {str(value): str(label) for value, label in LedgerClass.choices},
        "record_rules": portable_record_rules(),
    }
    return bundle, [case.household for case in rows[:limit]]
