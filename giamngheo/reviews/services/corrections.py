"""Ledger corrections and removals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import log_action
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.households.models import Household
from giamngheo.reviews import ledger
from giamngheo.reviews.models import (
    LedgerClass,
    LedgerEntry,
    LedgerKind,
)
from giamngheo.reviews.services._common import (
    CERTIFIED,
    _check_dates,
    _today,
    _user,
)
from giamngheo.reviews.status import status_spans_refresh


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
        status_spans_refresh([entry.household_id])
        log_action(
            actor=actor, action="giamngheo.review.ledger_corrected", object_type="ledger_entry",
            object_id=correction.pk, object_repr=f"{entry.household_id} {entry.year} {entry.standard_id}",
            unit_path=entry.unit_path, changes={"klass": [entry.klass, klass]},
            data={"corrects": entry.pk, "reason": reason.strip()},
        )
    return correction


def review_household_remove(
    *, actor: Any, household: Household, effective_on: dt.date, reason: str, today: dt.date | None = None,
) -> list[LedgerEntry]:
    """Take a household off the lists because it left the commune, dissolved or its members died: one
    ``removed`` entry per series in which it is currently poor or near-poor (counted as *removed*, never
    as *escaped*)."""
    require(actor, Perm.REVIEW_APPROVE, household.unit_path)
    if not reason.strip():
        raise ValidationFailed(_("Ghi lý do đưa hộ ra khỏi danh sách."), errors={"reason": [_("Ghi lý do.")]})
    _check_dates(_("Ngày đưa ra khỏi danh sách không hợp lệ, chưa lưu gì."),
                 {"effective_on": (effective_on, _("Ngày đưa ra khỏi danh sách"))}, today=_today(today))
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
        status_spans_refresh([household.pk])
        log_action(
            actor=actor, action="giamngheo.review.household_removed", object_type="household",
            object_id=household.code, object_repr=str(household), unit_path=household.unit_path,
            data={"effective_on": effective_on, "reason": reason.strip(), "series": [e.series for e in created]},
        )
    return created
