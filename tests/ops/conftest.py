"""Shared by the operations tests (backups, restores, crashes): a household with members, classification and a
status ledger; its rows read straight from the database; the edit form read from a page as a browser would
submit it; and, for tests that start another process, the test database as a URL that process can open."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from giamngheo.accounts.roles import Role

PASSWORD = "mat-khau-thu-nghiem-42"  # noqa: S105 — a test user's
CODE = "OPS-1"


def household_record(code: str = CODE, income: int = 1_200_000) -> dict[str, Any]:
    return {
        "id": code, "reference_date": "2025-10-01", "area": "rural", "commune_code": "86001",
        "hamlet": "Ấp Bình Minh", "income": income,
        "dwelling": {"floor_area_m2": 12, "walls_durable": False, "frame_durable": False, "latrine": "none",
                     "water_source": "surface", "information_devices": []},
        "members": [
            {"id": "1", "relation": "head", "name": "Nguyễn Văn Ánh", "citizen_id": "086123456789", "sex": "male",
             "age": 44, "health_insured": False, "education_completed": "primary", "employment": "self_employed"},
            {"id": "2", "relation": "spouse", "name": "Trần Thị Bé", "citizen_id": "086123456790", "sex": "female",
             "birth_date": "1985-03-02", "health_insured": False},
        ],
    }


@pytest.fixture
def officer(unit_tree: Any, make_user: Callable[..., Any]) -> Any:
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="xa_ops", password=PASSWORD)


@pytest.fixture
def household(officer: Any) -> Any:
    """Registered through the service (with its audit entry), then given a two-year status ledger and spans."""
    from giamngheo.households.services import household_create
    from giamngheo.reviews.models import LedgerEntry, LedgerKind
    from giamngheo.reviews.status import status_spans_refresh

    household = household_create(actor=officer, record=household_record())
    for year, klass in ((2024, "poor"), (2025, "near_poor")):
        LedgerEntry.objects.create(
            household=household, year=year, standard_id="2022-2025", series="national", kind=LedgerKind.PERIODIC,
            klass=klass, effective_on=dt.date(year, 12, 1), area=household.area, commune_id=household.commune_id,
            unit_path=household.unit_path)
    status_spans_refresh([household.pk])
    return household


# Every row that makes up one household's record, its history and its trail: (table, column naming it).
HOUSEHOLD_TABLES = (
    ("households_household", "id"),
    ("households_member", "household_id"),
    ("households_classification", "household_id"),
    ("reviews_ledgerentry", "household_id"),
    ("reviews_statusspan", "household_id"),
)


class Database:
    """Raw reads of the test database, or of the SQLite file a subprocess used (``url``)."""

    def __init__(self, url: str | None = None) -> None:
        self.path = url.removeprefix("sqlite:///") if url and url.startswith("sqlite:") else None

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.path is not None:
            with sqlite3.connect(self.path) as db:
                return [tuple(r) for r in db.execute(sql.replace("%s", "?"), params).fetchall()]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(r) for r in cursor.fetchall()]

    def household_state(self, code: str = CODE) -> dict[str, list[tuple[Any, ...]]]:
        """The household's rows in every table of its record, and every audit entry about it, in id order."""
        (pk,), = self.rows("SELECT id FROM households_household WHERE code = %s", (code,))
        state = {table: self.rows(f"SELECT * FROM {table} WHERE {column} = %s ORDER BY id", (pk,))  # noqa: S608
                 for table, column in HOUSEHOLD_TABLES}
        state["core_auditentry"] = self.rows(
            "SELECT * FROM core_auditentry WHERE object_type = 'household' AND object_id = %s ORDER BY id", (code,))
        return state

    def integrity_problems(self) -> list[Any]:
        """SQLite's integrity and foreign-key checks (empty: sound). PostgreSQL enforces both at every commit."""
        if self.path is None and connection.vendor != "sqlite":
            return []
        ok = self.rows("PRAGMA integrity_check")
        return ([] if ok == [("ok",)] else ok) + self.rows("PRAGMA foreign_key_check")


def database_url(tmp_path: Path) -> str:
    """A URL another process can open on the test's data: SQLite's test database lives in memory, so a file copy
    of it; PostgreSQL's is the test database itself (the test is transactional, so its rows are committed)."""
    if connection.vendor == "sqlite":
        path = tmp_path / "giamngheo.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    settings = connection.settings_dict
    host = settings["HOST"]
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgres://{auth}@/{settings['NAME']}?host={host}"
    return f"postgres://{auth}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


class _Forms(HTMLParser):
    """The fields of every POST form of a page, as a browser would submit them unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), []))
            return
        if not self.forms:
            return
        fields = self.forms[-1][1]
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "reset", "file", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            fields.append((a["name"], a.get("value", "on" if kind in {"checkbox", "radio"} else "")))
        elif tag == "select" and "disabled" not in a:
            self._select = (a.get("name", ""), [], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            name, options, selected = self._select
            if name and self.forms:
                self.forms[-1][1].extend((name, v) for v in (selected or options[:1]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1][1].append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, action_suffix: str) -> list[tuple[str, str]]:
    """The fields of the page's form posting to a URL ending in ``action_suffix`` (or to the page itself)."""
    parser = _Forms()
    parser.feed(html)
    for action, fields in parser.forms:
        if action.endswith(action_suffix) or (action == "" and any(n == "version" for n, _v in fields)):
            return fields
    raise AssertionError(f"no form posting to …{action_suffix} on the page")


def with_changes(fields: list[tuple[str, str]], **changes: str) -> list[tuple[str, str]]:
    missing = set(changes) - {name for name, _v in fields}
    assert not missing, f"the form has no field {missing}"
    return [(name, changes.get(name, value)) for name, value in fields]
