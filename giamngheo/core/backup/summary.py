"""What a database holds, in a form two databases can be compared by: row count of every table, the applied
migrations, and the audit trail's last entry. Read through a plain DB-API cursor, so the same code reads the live
database, a backup's snapshot and a scratch restore, on either engine (docs/operations.md, "Verification")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

AUDIT_TABLE = "core_auditentry"
MIGRATIONS_TABLE = "django_migrations"


@dataclass
class Summary:
    tables: dict[str, int]
    migrations: dict[str, list[str]]
    audit_last: dict[str, Any] | None
    # Engine checks that found something wrong (SQLite's integrity check), in the operator's words.
    problems: list[str] = field(default_factory=list)

    def as_manifest(self) -> dict[str, Any]:
        return {"tables": self.tables, "migrations": self.migrations, "audit_last": self.audit_last}


def quote(name: str) -> str:
    """An identifier quoted for both SQLite and PostgreSQL (table names come from the catalogue, not input)."""
    return '"' + name.replace('"', '""') + '"'


def summarise(cursor: Any, table_names: list[str]) -> Summary:
    counts: dict[str, int] = {}
    for name in sorted(table_names):
        cursor.execute(f"SELECT count(*) FROM {quote(name)}")  # noqa: S608 — a catalogue name, quoted
        counts[name] = int(cursor.fetchone()[0])
    migrations: dict[str, list[str]] = {}
    if MIGRATIONS_TABLE in counts:
        cursor.execute(f"SELECT app, name FROM {MIGRATIONS_TABLE} ORDER BY app, name")  # noqa: S608
        for app, name in cursor.fetchall():
            migrations.setdefault(str(app), []).append(str(name))
    audit_last = None
    if AUDIT_TABLE in counts:
        cursor.execute(f"SELECT id, at, action FROM {AUDIT_TABLE} ORDER BY id DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
        if row is not None:
            audit_last = {"id": int(row[0]), "at": _moment(row[1]), "action": str(row[2])}
    return Summary(tables=counts, migrations=migrations, audit_last=audit_last)


def _moment(value: Any) -> str:
    """The audit entry's time as UTC ISO text, however the driver answers it: SQLite stores naive UTC text (which
    Django's connection, unlike a plain one, turns into a datetime), PostgreSQL answers an aware datetime."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    return str(value)


def differences(expected: dict[str, Any], actual: Summary) -> list[str]:
    """Every way ``actual`` differs from a manifest's ``expected`` summary, one sentence each (empty: identical)."""
    found = list(actual.problems)
    want: dict[str, int] = expected.get("tables") or {}
    for name in sorted(set(want) | set(actual.tables)):
        if name not in actual.tables:
            found.append(_("Bảng %(table)s có trong bản kê nhưng không có trong cơ sở dữ liệu đã khôi phục.")
                         % {"table": name})
        elif name not in want:
            found.append(_("Bảng %(table)s có trong cơ sở dữ liệu đã khôi phục nhưng không có trong bản kê.")
                         % {"table": name})
        elif want[name] != actual.tables[name]:
            found.append(_("Bảng %(table)s: bản kê ghi %(expected)d dòng, cơ sở dữ liệu đã khôi phục có %(actual)d "
                           "dòng.") % {"table": name, "expected": want[name], "actual": actual.tables[name]})
    if (expected.get("migrations") or {}) != actual.migrations:
        found.append(_("Các migration đã áp dụng khác với bản kê."))
    if expected.get("audit_last") != actual.audit_last:
        found.append(_("Mục cuối của nhật ký thay đổi khác bản kê: bản kê %(expected)s, cơ sở dữ liệu đã khôi phục "
                       "%(actual)s.") % {"expected": _entry(expected.get("audit_last")),
                                         "actual": _entry(actual.audit_last)})
    return found


def _entry(entry: dict[str, Any] | None) -> str:
    if not entry:
        return _("(không có)")
    return f"#{entry.get('id')} {entry.get('action')} {entry.get('at')}"
