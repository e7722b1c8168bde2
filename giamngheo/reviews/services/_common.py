"""Helpers shared by the review services: moves through the state table, locks, the open-cycle check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.core.audit import log_action
from giamngheo.core.dates import DATE_MAX, DATE_MIN, date_in_bounds
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.reviews.models import CaseTransition, ReviewCase, ReviewCycle
from giamngheo.reviews.states import check_transition

RECOGNISABLE = frozenset({"poor", "near_poor", "average", "none"})
CERTIFIED = frozenset({"poor", "near_poor"})
CAUSES = ("capital", "land", "labour_or_jobs", "illness_disability", "many_dependents", "know_how",
          "elderly_alone", "other")
WISHES = ("credit", "jobs_training", "housing", "health_insurance", "education", "production_model",
          "land", "clean_water", "information", "social_allowance", "other")
CERTIFICATE_SUFFIX = "GCN-HN.HCN"


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _date_errors(
    dates: dict[str, tuple[Any, str]], *, today: dt.date, may_be_future: frozenset[str] = frozenset(),
) -> dict[str, list[str]]:
    """Every date a service receives is a date, between ``core.dates.DATE_MIN`` and ``DATE_MAX`` (arithmetic on 9999 or 0001
    overflows) and, unless named in ``may_be_future``, not after today: a decision, a meeting or a
    received complaint cannot be dated tomorrow. ``dates`` maps a field to (value, its label)."""
    errors: dict[str, list[str]] = {}
    for field, (value, label) in dates.items():
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            errors[field] = [_("%(label)s: chưa ghi ngày hoặc ngày không hợp lệ.") % {"label": label}]
        elif not date_in_bounds(value):
            errors[field] = [_("%(label)s: ngày %(date)s không hợp lệ (phải trong khoảng năm %(first)s–%(last)s).")
                             % {"label": label, "date": format_date(value), "first": DATE_MIN.year,
                                "last": DATE_MAX.year}]
        elif value > today and field not in may_be_future:
            errors[field] = [_("%(label)s không được sau ngày hôm nay (%(today)s).")
                             % {"label": label, "today": format_date(today)}]
    return errors


def _check_dates(message: str, dates: dict[str, tuple[Any, str]], *, today: dt.date,
                 may_be_future: frozenset[str] = frozenset()) -> None:
    errors = _date_errors(dates, today=today, may_be_future=may_be_future)
    if errors:
        raise ValidationFailed(message, errors=errors)


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
