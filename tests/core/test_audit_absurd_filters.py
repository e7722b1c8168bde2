"""Issue 13, class 7 on the audit pages: absurd dates, units and page numbers in the filters give a Vietnamese
message on the filter (or the last page), never a 500 — on the list and on the export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.core.audit import log_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(unit_tree, make_user):
    officer = make_user(Role.COMMUNE_OFFICER, unit_tree.commune)
    log_action(actor=officer, action="giamngheo.household.created", object_type="household", object_id="86001-1",
               object_repr="Nguyễn Văn An", unit_path=unit_tree.hamlet.path)
    return officer


@pytest.mark.parametrize("field, value", [
    ("date_from", "31/12/9999"), ("date_to", "31/12/9999"), ("date_from", "01/01/0001"), ("date_to", "01/01/0001"),
    ("date_to", "9999-12-31"), ("date_from", "0001-01-01"),
])
def test_absurd_dates_are_a_vietnamese_error_on_the_filter(client_for, officer, field, value):
    response = client_for(officer).get(reverse("core:audit_list"), {field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors and "01/01/1890" in errors[0] and "31/12/2100" in errors[0]
    export = client_for(officer).get(reverse("core:audit_export"), {field: value, "format": "csv"})
    assert export.status_code == 302  # back to the list, which shows the message


@pytest.mark.parametrize("params", [
    {"unit": "9" * 5000}, {"unit": str(10**23)}, {"page": str(10**30)}, {"page": "9" * 5000},
    {"object_id": "9" * 5000}, {"actor": "x" * 5000},
])
def test_absurd_list_parameters_never_break_the_audit_list(client_for, officer, params):
    assert client_for(officer).get(reverse("core:audit_list"), params).status_code == 200


def test_a_page_beyond_the_end_shows_the_last_page(client_for, officer):
    response = client_for(officer).get(reverse("core:audit_list"), {"page": str(10**30)})
    assert response.context["page"].number == 1 and "86001-1" in response.content.decode()
