"""Phiếu B as an XLSForm (sheets ``survey``, ``choices``, ``settings``), for provinces that survey with ODK Collect
or KoboToolbox; their submissions come back through the staged import (``imports.odk``).

Generated, never hand-typed: every question is a field of household record v1 (``standards.record``'s field tables,
through the import's column table ``imports.columns``), labelled with the registry's own Vietnamese words (the model
fields' verbose names and choice labels, the same ones the survey form and the import template show) and their
English translations from the catalogue. What each record kind becomes:

* ``enum`` → ``select_one`` of the record's codes; ``enum_list`` → ``select_multiple`` plus a "none of them" choice
  (the record's ``[]``), which cannot be ticked with a device;
* ``boolean`` → ``select_one`` of three: yes, no, *not answered*. A question left unanswered is not answered, never
  "no" (record v1: "a missing optional field means not answered");
* ``integer``/``number``/``date``/``string`` → ``integer``/``decimal``/``date``/``text`` with the record's bounds,
  pattern and length as the constraint, and a Vietnamese ``constraint_message`` (English beside it).

Required is what the import refuses without: the record's required fields, plus the commune code (the staged import
places a household by it), ``income_basis`` when both income and score A are answered, and the age when no birth date
is given. The member id is not asked: it is the member's position, as the import numbers members without one.

The field names are the record's names (a dwelling fact inside the group ``dwelling``, a member's inside the repeat
``members``), except the two ids: ``household_code`` (the record's ``id``, so a submission names the household) and
``member_id``. ``form_fields`` is the one table both this module and the submissions reader use.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import Model
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from giamngheo.core.formatting import format_date, format_number
from giamngheo.households.models import Household, InformationDevice, Member
from giamngheo.imports import columns as cols
from giamngheo.standards import record as rec

RECORD_VERSION = 1
FORM_ID = f"giamngheo_phieu_b_v{RECORD_VERSION}"
FILE_NAME = f"phieu-b-xlsform-v{RECORD_VERSION}.xlsx"
VI, EN = "Tiếng Việt (vi)", "English (en)"
LANGUAGES = (("vi", VI), ("en", EN))

DWELLING_GROUP = "dwelling"
MEMBERS_REPEAT = "members"
HOUSEHOLD_CODE = "household_code"  # the record's household ``id``
MEMBER_ID = "member_id"  # the record's member ``id``
YES_NO = "yes_no"  # the three-way answer list of every yes/no question
YES, NO, UNANSWERED = "yes", "no", "unanswered"
DEVICES_NONE = "none"  # the choice "none of them" of the device question: the record's ``[]``

SURVEY_HEADER = ("type", "name", *(f"label::{lang}" for _c, lang in LANGUAGES),
                 *(f"hint::{lang}" for _c, lang in LANGUAGES), "required",
                 *(f"required_message::{lang}" for _c, lang in LANGUAGES), "relevant", "constraint",
                 *(f"constraint_message::{lang}" for _c, lang in LANGUAGES), "calculation")
CHOICES_HEADER = ("list_name", "name", *(f"label::{lang}" for _c, lang in LANGUAGES))
SETTINGS_HEADER = ("form_title", "form_id", "version", "default_language", "instance_name")


@dataclass(frozen=True)
class FormField:
    """One question of the form and the import column it fills."""

    column: cols.Column
    name: str  # the XLSForm name (what ODK Central and Kobo write as the column header)

    @property
    def sheet(self) -> cols.Sheet:
        return self.column.sheet

    @property
    def kind(self) -> str:
        return self.column.kind


@cache
def form_fields() -> tuple[FormField, ...]:
    """Every record v1 field the form asks, in the form's order: household facts, dwelling, members."""
    fields: list[FormField] = []
    for column in cols.columns(cols.HOUSEHOLDS):
        if column.spec is not None:
            fields.append(FormField(column, HOUSEHOLD_CODE if column.name == "id" else column.name))
    for column in cols.columns(cols.MEMBERS):
        if column.spec is not None:
            fields.append(FormField(column, MEMBER_ID if column.name == "id" else column.name))
    return tuple(fields)


def _in_dwelling(field: FormField) -> bool:
    return field.column.path.startswith("dwelling.")


# --- labels, in each language -------------------------------------------------------------------------------------

def _model_field(field: FormField) -> tuple[type[Model], str] | None:
    name = field.column.name
    if field.sheet == cols.MEMBERS:
        return Member, {"id": "member_id"}.get(name, name)
    if name in ("province_code", "commune_code", "hamlet"):
        return None  # from the unit tree: the import's own header words
    return Household, {"id": "code"}.get(name, name)


def _label(field: FormField) -> str:
    """The question in the active language (the Vietnamese one is the import's header for the column)."""
    found = _model_field(field)
    if found is None:
        return _(field.column.header)
    model, name = found
    return str(capfirst(model._meta.get_field(name).verbose_name))  # type: ignore[union-attr]


def _choices(field: FormField) -> list[tuple[str, str]]:
    """(code, label in the active language) of a coded question, in the record's order."""
    if field.kind == "boolean":
        return [(YES, _(cols.YES_LABEL)), (NO, _(cols.NO_LABEL)), (UNANSWERED, _("Chưa trả lời"))]
    if field.kind == "enum_list":
        return [(str(c), str(label)) for c, label in InformationDevice.choices] + [
            (DEVICES_NONE, _(cols.DEVICE_NONE))]
    found = _model_field(field)
    assert found is not None  # every enum is a registry column  # noqa: S101
    model, name = found
    return [(str(c), str(label)) for c, label in model._meta.get_field(name).choices or ()]  # type: ignore[union-attr]


def list_name(field: FormField) -> str:
    return YES_NO if field.kind == "boolean" else field.name


# --- types, rules and messages ------------------------------------------------------------------------------------

def _type(field: FormField) -> str:
    kind = field.kind
    if kind in ("boolean", "enum"):
        return f"select_one {list_name(field)}"
    if kind == "enum_list":
        return f"select_multiple {list_name(field)}"
    return {"integer": "integer", "number": "decimal", "date": "date"}.get(kind, "text")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _shown(value: float) -> str:
    """A bound as the officer reads it: 1.000.000.000 grouped, a year (2016) not."""
    return format_number(value) if abs(value) >= 10_000 else _number(value)


def _constraint(field: FormField) -> tuple[str, str]:
    """(XPath constraint, message in the active language) from the record's bounds; ("", "") when unbounded."""
    spec = field.column.spec
    assert spec is not None  # noqa: S101
    if spec.kind in ("integer", "number") and spec.minimum is not None and spec.maximum is not None:
        bounds = {"minimum": _shown(spec.minimum), "maximum": _shown(spec.maximum)}
        message = (_("Phải là số nguyên từ %(minimum)s đến %(maximum)s.") if spec.kind == "integer"
                   else _("Phải là số từ %(minimum)s đến %(maximum)s.")) % bounds
        return f". >= {_number(spec.minimum)} and . <= {_number(spec.maximum)}", message
    if spec.kind == "date" and spec.earliest is not None and spec.latest is not None:
        rule = f". >= date('{spec.earliest.isoformat()}') and . <= date('{spec.latest.isoformat()}')"
        bounds = {"earliest": format_date(spec.earliest), "latest": format_date(spec.latest)}
        if field.sheet == cols.MEMBERS and spec.name == "birth_date":
            # The record refuses a birth after the survey date (``birth_after_reference``).
            return (f"{rule} and (${{reference_date}} = '' or . <= ${{reference_date}})",
                    _("Ngày sinh phải từ %(earliest)s đến %(latest)s và không sau ngày rà soát.") % bounds)
        return rule, _("Ngày phải từ %(earliest)s đến %(latest)s.") % bounds
    if spec.kind == "string" and spec.pattern:
        rule_text = spec.pattern_en if translation.get_language() == "en" else spec.pattern_vi
        return f"regex(., '^{spec.pattern}$')", _("Phải %(rule)s.") % {"rule": rule_text}
    if spec.kind == "string" and spec.max_length is not None:
        return (f"string-length(.) <= {spec.max_length}",
                _("Tối đa %(limit)s ký tự.") % {"limit": format_number(spec.max_length)})
    if spec.kind == "enum_list":
        return (f"not(selected(., '{DEVICES_NONE}') and count-selected(.) > 1)",
                _("“%(none)s” không chọn cùng với phương tiện khác.") % {"none": _(cols.DEVICE_NONE)})
    return "", ""


def _required(field: FormField) -> str:
    name = field.column.name
    if field.column.required or (field.sheet == cols.HOUSEHOLDS and name == "commune_code"):
        return "yes"
    if field.sheet == cols.HOUSEHOLDS and name == "income_basis":
        return "${income} != '' and ${score_a} != ''"
    if field.sheet == cols.MEMBERS and name == "age":
        return "${birth_date} = ''"
    return ""


def _relevant(field: FormField) -> str:
    if field.sheet == cols.MEMBERS and field.column.name == "age":
        return "${birth_date} = ''"  # the record takes a birth date or an age, never both
    return ""


def _hint(field: FormField) -> str:
    if field.name == HOUSEHOLD_CODE:
        return _("Mã hộ như trong danh sách của xã: hệ thống nhận ra hộ theo mã này.")
    if field.kind == "boolean":
        return _("Chưa hỏi được thì chọn “Chưa trả lời”, không chọn “Không”.")
    if field.sheet == cols.MEMBERS and field.column.name == "age":
        return _("Chỉ ghi tuổi khi không biết ngày sinh.")
    return ""


def _in_languages(make: Any) -> dict[str, Any]:
    """``make()`` evaluated once per form language: {language code: result}."""
    texts = {}
    for code, _column in LANGUAGES:
        with translation.override(code):
            texts[code] = make()
    return texts


# --- the workbook -------------------------------------------------------------------------------------------------

def _question(field: FormField) -> dict[str, str]:
    row: dict[str, str] = {"type": _type(field), "name": field.name}
    constraint, _message = _constraint(field)
    # The validator's own words for a missing answer, in both languages (``standards.record.MESSAGES``).
    missing = dict(zip(("vi", "en"), rec.MESSAGES["required"], strict=True))
    for code, lang in LANGUAGES:
        with translation.override(code):
            row[f"label::{lang}"] = _label(field)
            row[f"hint::{lang}"] = _hint(field)
            row[f"constraint_message::{lang}"] = _constraint(field)[1]
            row[f"required_message::{lang}"] = missing[code] if _required(field) else ""
    row.update(required=_required(field), relevant=_relevant(field), constraint=constraint)
    return row


def _group(kind: str, name: str, make_label: Any) -> dict[str, str]:
    row = {"type": kind, "name": name}
    for code, text in _in_languages(make_label).items():
        row[f"label::{dict(LANGUAGES)[code]}"] = text
    return row


def survey_rows() -> Iterator[dict[str, str]]:
    """The ``survey`` sheet, row by row (column → cell)."""
    household = [f for f in form_fields() if f.sheet == cols.HOUSEHOLDS]
    for field in household:
        if not _in_dwelling(field):
            yield _question(field)
    yield _group("begin_group", DWELLING_GROUP, lambda: _("Nhà ở và điều kiện sống"))
    for field in household:
        if _in_dwelling(field):
            yield _question(field)
    yield {"type": "end_group", "name": DWELLING_GROUP}
    yield _group("begin_repeat", MEMBERS_REPEAT, lambda: _("Thành viên của hộ"))
    for field in form_fields():
        if field.sheet != cols.MEMBERS:
            continue
        if field.name == MEMBER_ID:
            # Numbered 1, 2, … as the import numbers members without an id; once(): kept when members are moved.
            yield {"type": "calculate", "name": MEMBER_ID, "calculation": "once(position(..))"}
            continue
        yield _question(field)
    yield {"type": "end_repeat", "name": MEMBERS_REPEAT}


def choice_rows() -> Iterator[dict[str, str]]:
    """The ``choices`` sheet: one list per coded question (the three-way yes/no list once)."""
    seen: set[str] = set()
    for field in form_fields():
        if field.kind not in ("boolean", "enum", "enum_list") or list_name(field) in seen:
            continue
        seen.add(list_name(field))
        labelled = _in_languages(lambda f=field: dict(_choices(f)))
        for code, _label_vi in _choices(field):
            yield {"list_name": list_name(field), "name": code,
                   **{f"label::{lang}": labelled[short][code] for short, lang in LANGUAGES}}


def form_version(survey: list[dict[str, str]], choices: list[dict[str, str]]) -> str:
    """``<record version>.<digest of the form>``: ODK Central and Kobo take a changed form only under a new
    version, and the same code always gives the same form and the same version."""
    text = json.dumps([survey, choices], ensure_ascii=False, sort_keys=True)
    return f"{RECORD_VERSION}.{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def settings_row(survey: list[dict[str, str]], choices: list[dict[str, str]]) -> dict[str, str]:
    with translation.override("vi"):
        title = _("Phiếu B — rà soát hộ gia đình (bản ghi hộ v%(version)d)") % {"version": RECORD_VERSION}
    return {"form_title": title, "form_id": FORM_ID, "version": form_version(survey, choices),
            "default_language": VI, "instance_name": f"concat(${{{HOUSEHOLD_CODE}}})"}


def xlsform_workbook() -> bytes:
    """The XLSForm as .xlsx bytes."""
    survey = list(survey_rows())
    choices = list(choice_rows())
    workbook = Workbook()
    sheets = [("survey", SURVEY_HEADER, survey), ("choices", CHOICES_HEADER, choices),
              ("settings", SETTINGS_HEADER, [settings_row(survey, choices)])]
    default = workbook.active
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.get(column, "") or None for column in header])
        sheet.freeze_panes = "A2"
    if default is not None:
        workbook.remove(default)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
