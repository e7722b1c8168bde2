"""Errors that services raise and interfaces turn into messages for the user."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on. ``field`` names the input at fault (a JSON path or form field)."""

    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    """Several field errors at once: ``errors`` maps a field path to its messages."""

    def __init__(self, message: str, *, errors: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.errors = errors


class ConcurrentEditError(ApplicationError):
    """Someone else saved the object since the user loaded it; ``extra['current']`` shows their version."""


class PermissionDenied(ApplicationError):
    """The acting user may not do this to this object (out of scope objects are reported as not found)."""


def database_busy(exc: Exception) -> bool:
    """SQLite's "database is locked" after the busy timeout, or PostgreSQL's lock timeout: retrying helps.
    Any other OperationalError (a missing table, a lost server) is a fault and still raises."""
    text = str(exc).lower()
    return "locked" in text or "lock timeout" in text or "busy" in text
