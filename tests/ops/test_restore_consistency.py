"""Restoring from a backup taken before several saves leaves a consistent database (issue 11, acceptance): the
household, its members, classification, status ledger and audit trail are exactly as at the backup, the engine
finds nothing wrong, and the app works on the restored database — its page opens and the same edit saves again."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from giamngheo.core.backup import BACKUP_NAME
from giamngheo.reviews.models import LedgerEntry, LedgerKind
from giamngheo.reviews.status import status_spans_refresh

from .conftest import CODE, Database, form_fields, with_changes

pytestmark = pytest.mark.django_db(transaction=True)


def save_through_the_form(client: Client, **changes: str) -> None:
    url = reverse("households:edit", args=[CODE])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, post_data(with_changes(form_fields(page.content.decode(), "/sua/"), **changes)))
    assert response.status_code == 302, response.content.decode()[:3000]


def post_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def test_restore_from_a_backup_taken_before_several_saves(household: Any, officer: Any, client_for: Any,
                                                          tmp_path: Path) -> None:
    database = Database()
    call_command("backup", "--output", str(tmp_path), "--no-verify", stdout=io.StringIO())
    (path,) = [p for p in tmp_path.iterdir() if BACKUP_NAME.match(p.name)]
    at_backup = database.household_state()
    client = client_for(officer)

    save_through_the_form(client, income="2.500.000")
    save_through_the_form(client, **{"members-1-name": "Trần Thị Bé Hai"})
    LedgerEntry.objects.create(
        household=household, year=2026, standard_id="2026", series="national", kind=LedgerKind.PERIODIC,
        klass="average", effective_on="2026-12-01", area=household.area, commune_id=household.commune_id,
        unit_path=household.unit_path)
    status_spans_refresh([household.pk])
    changed = database.household_state()
    assert changed["households_household"] != at_backup["households_household"]
    assert len(changed["core_auditentry"]) == len(at_backup["core_auditentry"]) + 2
    assert len(changed["reviews_ledgerentry"]) == len(at_backup["reviews_ledgerentry"]) + 1

    call_command("restore", str(path), "--yes", stdout=io.StringIO())

    assert database.household_state() == at_backup
    assert database.integrity_problems() == []
    client = client_for(officer)  # the restore replaced the sessions too
    page = client.get(reverse("households:detail", args=[CODE]))
    assert page.status_code == 200 and "Nguyễn Văn Ánh" in page.content.decode()
    save_through_the_form(client, income="2.500.000")
    after = database.household_state()
    assert after["households_household"][0] != at_backup["households_household"][0]
    assert len(after["core_auditentry"]) == len(at_backup["core_auditentry"]) + 1
