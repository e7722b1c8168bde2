"""The household page's "Hỗ trợ" section, built for ``households.views.household.household_detail``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows
from giamngheo.core.formatting import format_money, format_number
from giamngheo.households.models import Household
from giamngheo.support.selectors.help import household_help
from giamngheo.support.selectors.records import household_support_by_year, visible


def household_support_panel(*, user: Any, household: Household) -> dict[str, Any] | None:
    """The section's context, or None when the user may not read support in the household's unit."""
    if not visible(user, household.unit_path):
        return None
    today = timezone.localdate()
    years = household_support_by_year(user=user, household=household, today=today)
    members = {m.member_id: (m.name or m.member_id) for m in household.members.all()}
    for row in years:
        row.amount_text = format_money(row.amount) if row.amount else "–"  # type: ignore[attr-defined]
        for record in row.records:
            record.amount_text = format_money(record.amount) if record.amount is not None else ""  # type: ignore[attr-defined]
            record.outstanding_text = (  # type: ignore[attr-defined]
                format_money(record.loan_outstanding) if record.loan_outstanding is not None else "")
            record.quantity_text = format_number(record.quantity) if record.quantity is not None else ""  # type: ignore[attr-defined]
            record.member_name = members.get(record.member_ref, record.member_ref)  # type: ignore[attr-defined]
    return {
        "years": years,
        "help": household_help(user=user, household=household, today=today),
        "can_edit": allows(user, Perm.SUPPORT_EDIT, household.unit_path),
        "this_year": today.year,
    }
