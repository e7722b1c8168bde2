"""Phiếu B as data for the offline app: the same fields, order, groups, labels, help texts and choices as the
server's survey form, read from the form classes themselves (``households.forms``, ``reviews.forms``), so the
phone never carries a hand-typed copy that could drift from the server.

Each field names the record v1 path its answer goes to (``income``, ``dwelling.latrine``, ``members[].sex``)
and how the phone parses it (``kind``), which is the form field's class: a Vietnamese grouped integer, a
number with either decimal mark, a dd/mm/yyyy date, a three-way answer...
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from giamngheo.households.forms import (
    NOT_ANSWERED,
    DecimalCommaField,
    GroupedIntegerField,
    HouseholdForm,
    MemberForm,
    TriStateField,
    VietnameseDateField,
)
from giamngheo.households.records import DWELLING_FACTS
from giamngheo.reviews.forms import CausesWishesForm

# The survey does not move the household or renumber its members (as on the server's survey page).
HOUSEHOLD_NOT_ON_PHONE = frozenset({"code", "commune", "hamlet", "year"})
MEMBER_NOT_ON_PHONE = frozenset({"member_id"})


def _kind(field: forms.Field) -> str:
    if isinstance(field, TriStateField):
        return "tri"
    if isinstance(field, forms.MultipleChoiceField):
        return "multi"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    if isinstance(field, GroupedIntegerField):
        return "money"
    if isinstance(field, DecimalCommaField):
        return "number"
    if isinstance(field, VietnameseDateField | forms.DateField):
        return "date"
    if isinstance(field, forms.IntegerField):
        return "integer"
    if isinstance(field, forms.BooleanField):
        return "check"
    return "text"


def _field(name: str, field: forms.Field, *, path: str, rare: bool) -> dict[str, Any]:
    kind = _kind(field)
    spec: dict[str, Any] = {"name": name, "path": path, "kind": kind, "label": str(field.label or name),
                            "help": str(field.help_text or ""), "rare": rare}
    choices = getattr(field, "choices", None)
    if kind in ("tri", "choice", "multi") and choices is not None:
        spec["choices"] = [[str(value), str(label)] for value, label in choices]
    if kind in ("money", "number", "date", "integer") and field.error_messages.get("invalid"):
        # What the server form says of a value it cannot read, for the phone to say the same.
        spec["invalid"] = str(field.error_messages["invalid"])
    max_length = getattr(field, "max_length", None)
    if max_length:
        spec["max_length"] = max_length
    if kind == "multi" and name == "information_devices":
        # No box ticked means "the household has none"; not answering is its own box (as on the server form).
        spec["unanswered_label"] = str(NOT_ANSWERED)
    if isinstance(field.widget, forms.Textarea):
        spec["multiline"] = True
    return spec


def _groups(form_class: type[forms.Form], skip: frozenset[str], path_of: Any,
            hidden: Iterable[str]) -> list[dict[str, Any]]:
    hidden = frozenset(hidden)
    fields = form_class.base_fields
    rare: frozenset[str] = getattr(form_class, "RARE", frozenset())
    groups = []
    for title, names in form_class.GROUPS:  # type: ignore[attr-defined]
        kept = [_field(name, fields[name], path=path_of(name), rare=name in rare)
                for name in names if name in fields and name not in skip and name not in hidden]
        if kept:
            groups.append({"title": str(title), "fields": kept})
    return groups


def survey_form_definition(*, hidden: Iterable[str] = (), show_citizen_id: bool = True) -> dict[str, Any]:
    """The survey form of a case whose cycle does not ask the answers in ``hidden``
    (``reviews.engine.survey_not_asked``, as on the server's survey page); without ``show_citizen_id`` the citizen ID is neither shown nor sent."""
    member_skip = MEMBER_NOT_ON_PHONE if show_citizen_id else MEMBER_NOT_ON_PHONE | {"citizen_id"}
    household = _groups(HouseholdForm, HOUSEHOLD_NOT_ON_PHONE,
                        lambda name: f"dwelling.{name}" if name in DWELLING_FACTS else name, hidden)
    for group in household:
        for spec in group["fields"]:
            if spec["name"] == "reference_date":
                date_confirmed = forms.BooleanField(
                    label=_("Xác nhận ngày rà soát"),
                    help_text=_("Đánh dấu khi ngày rà soát đúng là ngày nằm ngoài thời gian của đợt."))
                index = group["fields"].index(spec)
                group["fields"].insert(index + 1, _field("date_confirmed", date_confirmed, path="date_confirmed",
                                                         rare=False))
                break
    extra = CausesWishesForm.base_fields
    return {
        "household": household,
        "members": _groups(MemberForm, member_skip, lambda name: f"members[].{name}", hidden),
        "extra": [_field(name, extra[name], path=name, rare=False) for name in ("causes", "wishes", "note")],
        "member_title": str(_("Thành viên")),
    }


def choice_labels(definition: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``{path: {value: label}}`` of every coded answer, to show a value as the officer knows it."""
    labels: dict[str, dict[str, str]] = {}
    for group in [*definition["household"], *definition["members"], {"fields": definition["extra"]}]:
        for spec in group["fields"]:
            if spec.get("choices"):
                labels[spec["path"]] = {value: label for value, label in spec["choices"]}
    return labels
