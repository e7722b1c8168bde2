"""Issue 13 through the API: the duplicate-citizen-ID refusal (class 3), household codes that a spreadsheet
would run (class 5), absurd values and bodies (class 7)."""

from __future__ import annotations

import pytest

from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household

pytestmark = pytest.mark.django_db
LIST = "/api/v1/households"


# --- class 3: duplicate citizen IDs -------------------------------------------------------------------------


def test_duplicate_id_from_a_role_with_masked_ids_names_no_household(problems, api_client_for, province, household,
                                                                     new_record):
    found = problems(api_client_for(province).post(LIST, new_record(id="P-1"), content_type="application/json"))
    message = found[("body", "members", 0, "citizen_id")]
    assert "A-001" not in message and "Bình Minh" not in message and "đã được đăng ký" in message
    assert not Household.objects.filter(code="P-1").exists()
    entries = AuditEntry.objects.filter(action="giamngheo.household.duplicate_citizen_id_refused", actor=province)
    assert sorted(e.data["citizen_id"] for e in entries) == ["*********789", "*********790"]


def test_duplicate_id_from_an_officer_who_sees_ids_names_the_household(problems, api_client_for, owner, household,
                                                                       new_record):
    found = problems(api_client_for(owner).post(LIST, new_record(id="A-002"), content_type="application/json"))
    assert "A-001" in found[("body", "members", 0, "citizen_id")]
    assert AuditEntry.objects.filter(action="giamngheo.household.duplicate_citizen_id_refused").count() == 2


# --- class 5: household codes a spreadsheet would run -------------------------------------------------------


@pytest.mark.parametrize("code", ['=HYPERLINK("http://x","Click")', "+86001", "-1", "@SUM(A1)", "=1+1"])
def test_a_code_starting_like_a_formula_is_refused(problems, api_client_for, owner, new_record, code):
    record = new_record(id=code)
    for member in record["members"]:
        member.pop("citizen_id")
    found = problems(api_client_for(owner).post(LIST, record, content_type="application/json"))
    assert "công thức" in found[("body", "id")]
    assert not Household.objects.exists()
