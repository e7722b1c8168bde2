"""A write that cannot get the database's write lock in time (SQLite's busy timeout ran out) is a busy server,
not a broken request: the API answers 503 with Retry-After and a Vietnamese sentence, never a 500 page, and
nothing is stored. Any other database fault still fails loudly."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from giamngheo.households.models import Household

LIST = "/api/v1/households"


def _locked(**kwargs):
    raise OperationalError("database is locked")


def test_a_write_that_finds_the_database_locked_answers_503(api_client_for, owner, new_record, monkeypatch):
    monkeypatch.setattr("giamngheo.api.households.household_create", _locked)
    response = api_client_for(owner).post(LIST, new_record(), content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "bận" in response.json()["detail"]
    assert not Household.objects.exists()


def test_another_database_fault_is_not_disguised_as_busy(api_client_for, owner, new_record, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("no such table: households_household")

    monkeypatch.setattr("giamngheo.api.households.household_create", broken)
    client = api_client_for(owner)
    client.raise_request_exception = True
    with pytest.raises(OperationalError, match="no such table"):
        client.post(LIST, new_record(), content_type="application/json")
