"""One household's page: facts, members, classification under every standard in force, history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm
from giamngheo.households import selectors
from giamngheo.households.views.present import household_fact_groups, member_facts
from giamngheo.privacy.reads import record_household_read
from giamngheo.support.views.records_panel import household_support_panel


def _lang() -> str:
    return "en" if (translation.get_language() or "vi").startswith("en") else "vi"


@login_required
@require_GET
def household_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    household = selectors.household_get(user=user, code=code)
    record_household_read(request, household)
    show_ids = scope.can_see_citizen_id(user, household.unit_path)
    members = [
        {"member": member, "facts": member_facts(member, show_citizen_id=show_ids)}
        for member in household.members.all()
    ]
    return render(request, "households/detail.html", {
        "household": household,
        "fact_groups": household_fact_groups(household),
        "members": members,
        "show_ids": show_ids,
        "classifications": selectors.household_classification_view(household=household, user=user, lang=_lang()),
        "can_edit": scope.allows(user, Perm.HOUSEHOLD_EDIT, household.unit_path),
        # Support received year by year beside the status, who helps, the escape registration (issue 8).
        "support": household_support_panel(user=user, household=household),
    })
