"""Household facts as the detail page and the conflict comparison show them: label and answer in words.

A missing answer is shown as "Chưa trả lời", never as "Không": the difference matters to the engine
and to the officer checking the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.scope import mask_citizen_id
from giamngheo.core.formatting import format_date, format_number
from giamngheo.households.forms import field_label
from giamngheo.households.models import Household, InformationDevice, Member
from giamngheo.households.records import DATE_FACTS, DWELLING_FACTS, MEMBER_FACTS

GENERAL_FACTS = ("reference_date", "year", "area", "income", "score_a", "income_basis")


@dataclass(frozen=True)
class Fact:
    name: str
    label: Any
    text: str
    answered: bool


# Years and ages are read as labels, not quantities: 2026, never 2.026.
PLAIN_NUMBERS = frozenset({"year", "age"})


def answer_text(model: type[Model], name: str, value: Any) -> tuple[str, bool]:
    """(words, answered) for one stored or record value of ``model``'s field ``name``."""
    if value is None or value == "":
        return _("Chưa trả lời"), False
    if isinstance(value, bool):
        return (_("Có") if value else _("Không")), True
    if isinstance(value, list):
        if not value:
            return _("Không có phương tiện nào"), True
        devices = dict(InformationDevice.choices)
        return ", ".join(str(devices.get(v, v)) for v in value), True
    if name in DATE_FACTS and isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value, True
    if isinstance(value, dt.date):
        return format_date(value), True
    choices = dict(getattr(model._meta.get_field(name), "choices", None) or ())
    if choices:
        return str(choices.get(value, value)), True
    if name in PLAIN_NUMBERS:
        return str(value), True
    if isinstance(value, int | float):
        if name == "income":
            return _("%(amount)s đồng") % {"amount": format_number(value)}, True
        return (format_number(value) if float(value).is_integer() else format_number(value, 2).rstrip("0")), True
    return str(value), True


def facts(obj: Model, names: Iterable[str]) -> list[Fact]:
    model = type(obj)
    rows = []
    for name in names:
        text, answered = answer_text(model, name, getattr(obj, name))
        rows.append(Fact(name, field_label(model, name), text, answered))
    return rows


def household_fact_groups(household: Household) -> list[tuple[Any, list[Fact]]]:
    general = facts(household, GENERAL_FACTS)
    if household.year is None and household.reference_date is not None:
        # An unstated review year is the year of the survey date (record v1), not an unanswered question.
        general = [
            Fact(f.name, f.label, _("%(year)d (theo ngày rà soát)") % {"year": household.reference_date.year}, True)
            if f.name == "year" else f
            for f in general
        ]
    return [
        (gettext_lazy("Thông tin chung"), general),
        (gettext_lazy("Nhà ở và điều kiện sống"), facts(household, DWELLING_FACTS)),
    ]


def member_facts(member: Member, *, show_citizen_id: bool) -> list[Fact]:
    """Every fact of a member; the citizen ID masked unless the reader's role needs it."""
    rows = facts(member, [n for n in MEMBER_FACTS if n != "citizen_id"])
    if member.citizen_id:
        shown = member.citizen_id if show_citizen_id else mask_citizen_id(member.citizen_id)
        rows.insert(2, Fact("citizen_id", field_label(Member, "citizen_id"), shown, True))
    return rows


def record_answer(path: str, value: Any) -> tuple[str, bool]:
    """Words for a value found at a record path (``dwelling.latrine``, ``members[1].sex``, ``income``)."""
    name = path.rsplit(".", 1)[-1]
    model: type[Model] = Member if path.startswith("members") else Household
    if name == "id":
        return (str(value), True) if value not in (None, "") else (_("Chưa trả lời"), False)
    if name in ("province_code", "commune_code", "hamlet"):
        return (str(value), True) if value else (_("Chưa trả lời"), False)
    return answer_text(model, name, value)


def record_label(path: str) -> str:
    """``members[1].sex`` → "Giới tính"; ``dwelling.latrine`` → "Nhà tiêu"; ``id`` → "Mã hộ"."""
    name = path.rsplit(".", 1)[-1]
    if path.startswith("members"):
        return str(field_label(Member, "member_id" if name == "id" else name))
    location = {"id": _("Mã hộ"), "commune_code": _("Mã xã/phường"), "province_code": _("Mã tỉnh"),
                "hamlet": _("Thôn/ấp")}
    return str(location.get(name) or field_label(Household, name))


@dataclass(frozen=True)
class MeetingExplanation:
    """An engine explanation split for reading aloud: ``meeting`` holds only what the village hears (the
    class, the reason, the deprived and unknown indicators with the answers behind them); ``technical``
    holds the confidence tags, legal clauses and the standard's hash, which stay in a collapsed details view."""

    meeting: dict[str, Any]
    technical: dict[str, Any]


def _member_name(member: dict[str, Any]) -> str:
    return str(member.get("name") or _("Thành viên %(id)s") % {"id": member.get("id", "")})


def _evidence(indicator: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per member counted (name, age, the answers that count) and one for household answers."""
    lines = []
    for member in indicator.get("members") or []:
        lines.append({
            "who": _member_name(member), "age": member.get("age"),
            "answers": [(a["label"], a["text"]) for a in (member.get("answers") or {}).values()],
            "unknown": member.get("status") == "unknown",
        })
    answers = [(a["label"], a["text"]) for a in (indicator.get("answers") or {}).values()]
    if answers:
        lines.append({"who": "", "age": None, "answers": answers, "unknown": False})
    return lines


def meeting_explanation(explanation: dict[str, Any] | None) -> MeetingExplanation | None:
    """The engine's structured explanation (``standards.explain.explain_row``) as the meeting reads it."""
    if not explanation:
        return None
    indicators = explanation.get("indicators") or []

    def group(status: str) -> list[dict[str, Any]]:
        return [{"name": i["name"], "rule": i["rule"], "evidence": _evidence(i)}
                for i in indicators if i.get("status") == status]

    standard = explanation.get("standard") or {}
    decision = explanation.get("decision") or {}
    return MeetingExplanation(
        meeting={
            "class": explanation.get("class"),
            "class_label": explanation.get("class_label") or "",
            "reason": decision.get("text", ""),
            "deprived": group("deprived"),
            "unknown": group("unknown"),
            "indicator_total": explanation.get("indicator_total"),
            "deprivation_count": explanation.get("deprivation_count"),
            "workers": [w.get("name") or _("Thành viên %(id)s") % {"id": w.get("id", "")}
                        for w in explanation.get("low_income_workers") or []],
            "standard": standard.get("title", ""),
            "instrument": standard.get("instrument", ""),
        },
        technical={
            "instrument_tag": standard.get("instrument_tag", ""),
            "decision_clause": decision.get("clause", ""),
            "decision_tag": decision.get("tag", ""),
            "indicators": [{"name": i["name"], "code": i.get("code", ""), "clause": i.get("clause", ""),
                            "tag": i.get("tag", "")} for i in indicators],
            "tags": sorted((explanation.get("tags") or {}).items()),
            "hash": standard.get("hash", ""),
        },
    )
