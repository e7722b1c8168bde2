"""Household categories used in statistics, each rule a setting (defaults documented in docs/review.md).

The categories are computed from the survey record at recognition and stored on the ledger entry, so a
later change of membership does not rewrite last year's figures.

Settings (all optional):
``GIAMNGHEO_ETHNIC_MINORITY_RULE``  ``"head"`` (default: the household head belongs to a minority group,
    the General Statistics Office's convention) or ``"any_member"``.
``GIAMNGHEO_MAJORITY_ETHNICITIES``  groups that are not minorities (default ``["Kinh"]``; compared without
    diacritics or case).
``GIAMNGHEO_NO_CAPACITY_CHILD_BELOW`` / ``GIAMNGHEO_NO_CAPACITY_ELDERLY_FROM``  ages (default 16 / 60) that,
    with a severe or very severe disability, make a member unable to work.
``GIAMNGHEO_NEWLY_ESCAPED_MONTHS``  how long an escaped household counts as newly escaped (default 36).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from giamngheo.core.text import fold


def ethnic_minority_rule() -> str:
    rule = getattr(settings, "GIAMNGHEO_ETHNIC_MINORITY_RULE", "head")
    if rule not in ("head", "any_member"):
        raise ValueError(f"GIAMNGHEO_ETHNIC_MINORITY_RULE must be 'head' or 'any_member', got {rule!r}")
    return str(rule)


def newly_escaped_months() -> int:
    return int(getattr(settings, "GIAMNGHEO_NEWLY_ESCAPED_MONTHS", 36))


def _majority() -> set[str]:
    return {fold(name) for name in getattr(settings, "GIAMNGHEO_MAJORITY_ETHNICITIES", ["Kinh"])}


@dataclass(frozen=True)
class Categories:
    ethnic_minority: bool
    meritorious: bool
    social_protection: bool
    no_working_capacity: bool


def _age(member: Mapping[str, Any], reference: dt.date | None) -> int | None:
    if isinstance(member.get("age"), int):
        return int(member["age"])
    birth = member.get("birth_date")
    if not isinstance(birth, str) or reference is None:
        return None
    born = dt.date.fromisoformat(birth)
    return reference.year - born.year - ((reference.month, reference.day) < (born.month, born.day))


def _cannot_work(member: Mapping[str, Any], reference: dt.date | None) -> bool:
    """A child, an elderly person, or a person with a severe disability. An unknown age counts as able to
    work: the category must be proven, never assumed."""
    if member.get("disability") in ("severe", "very_severe"):
        return True
    age = _age(member, reference)
    if age is None:
        return False
    child_below = int(getattr(settings, "GIAMNGHEO_NO_CAPACITY_CHILD_BELOW", 16))
    elderly_from = int(getattr(settings, "GIAMNGHEO_NO_CAPACITY_ELDERLY_FROM", 60))
    return age < child_below or age >= elderly_from


def categories_of(record: Mapping[str, Any]) -> Categories:
    members = [m for m in record.get("members") or [] if isinstance(m, Mapping)]
    reference = None
    if isinstance(record.get("reference_date"), str):
        reference = dt.date.fromisoformat(record["reference_date"])
    majority = _majority()

    def minority(member: Mapping[str, Any]) -> bool:
        ethnicity = member.get("ethnicity")
        return bool(ethnicity) and fold(str(ethnicity)) not in majority

    if ethnic_minority_rule() == "head":
        ethnic = any(minority(m) for m in members if m.get("relation") == "head")
    else:
        ethnic = any(minority(m) for m in members)
    return Categories(
        ethnic_minority=ethnic,
        meritorious=any(m.get("meritorious") is True for m in members),
        social_protection=any(m.get("monthly_social_allowance") is True for m in members),
        no_working_capacity=bool(members) and all(_cannot_work(m, reference) for m in members),
    )


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)
