"""The household survey form: household facts, dwelling and a formset of members.

The forms only *parse* what the officer typed (Vietnamese dates and numbers, three-way answers) into a household
record v1 dict; every rule about the record (required facts, one head, birth date or age …) is checked once, by the
service, and its errors come back keyed by JSON path — ``map_record_errors`` puts each one next to its field.

A yes/no question has three answers, because a missing answer means "not answered", never "no": the engine counts
an unanswered indicator as *unknown*, not as *not deprived*.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from giamngheo.core.formatting import format_number
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import (
    Area,
    Disability,
    Education,
    Employment,
    Household,
    IncomeBasis,
    InformationDevice,
    Latrine,
    Member,
    Nutrition,
    Relation,
    School,
    Sex,
    Waste,
    WaterSource,
)
from giamngheo.households.records import DATE_FACTS, DWELLING_FACTS, HOUSEHOLD_FACTS, MEMBER_FACTS

NOT_ANSWERED = _("Chưa trả lời")
YES, NO = "yes", "no"
TRI_CHOICES = [("", NOT_ANSWERED), (YES, _("Có")), (NO, _("Không"))]
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"]



def field_label(model: type[Model], name: str) -> Any:
    """The model field's Vietnamese verbose name, capitalised: one label for a fact everywhere."""
    return capfirst(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def _with_blank(choices: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", NOT_ANSWERED), *choices]


class TriStateField(forms.TypedChoiceField):
    """Có / Không / Chưa trả lời → True / False / None."""

    widget = forms.RadioSelect(attrs={"class": "tri"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=TRI_CHOICES, coerce=lambda v: v == YES, empty_value=None, required=False, **kwargs)


class GroupedIntegerField(forms.IntegerField):
    """Money as officers write it: 1.500.000, 1,500,000 or 1 500 000 are all 1500000."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {"invalid": _("Hãy nhập một số nguyên, ví dụ 1.500.000.")}

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = re.sub(r"[.,\s]", "", value)
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        # A stored amount is shown grouped, as it was typed: 1.200.000.
        return format_number(value) if isinstance(value, int) else value


class DecimalCommaField(forms.FloatField):
    """A number with either decimal mark: 45,5 and 45.5 are both forty-five and a half."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {"invalid": _("Hãy nhập một số, ví dụ 45,5.")}

    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        if isinstance(value, str):
            value = value.strip().replace(" ", "")
            if "," in value and "." in value:
                # Both marks: the last one is the decimal mark, the other groups thousands.
                thousands = "." if value.rfind(",") > value.rfind(".") else ","
                value = value.replace(thousands, "")
            value = value.replace(",", ".")
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        # 40.0 is shown as 40 and 45.5 as 45,5 (in Vietnamese), the way it would be written on the form.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return format_number(value) if float(value).is_integer() else format_number(value, 2).rstrip("0")
        return value


class VietnameseDateField(forms.DateField):
    widget = forms.DateInput(format="%d/%m/%Y",
                             attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Ngày không hợp lệ: hãy nhập theo dạng ngày/tháng/năm, ví dụ 15/04/2024."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=DATE_INPUT_FORMATS, required=False, **kwargs)


def _choice(model: type[Model], name: str, choices: Iterable[tuple[str, Any]], **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=field_label(model, name), choices=_with_blank(choices), required=False, **kwargs)


def _tri(model: type[Model], name: str, **kwargs: Any) -> TriStateField:
    return TriStateField(label=field_label(model, name), **kwargs)


@dataclass(frozen=True)
class FieldGroup:
    """One titled group of a form. ``rare`` are answers a surveyor almost never gives (score A where the commune
    measures income, an override of the computed working age): the page folds them away unless one is answered
    or wrong, so nothing typed is ever hidden (issue 15, item 9)."""

    title: Any
    fields: list[forms.BoundField]
    rare: list[forms.BoundField]

    @property
    def rare_open(self) -> bool:
        return any(field.errors or field.value() not in (None, "", []) for field in self.rare)


def _groups(form: forms.Form, groups: Any, rare: frozenset[str]) -> list[FieldGroup]:
    return [
        FieldGroup(title,
                   [form[name] for name in names if name in form.fields and name not in rare],
                   [form[name] for name in names if name in form.fields and name in rare])
        for title, names in groups
    ]


class HouseholdForm(forms.Form):
    """Household facts and dwelling. ``commune`` offers only communes where the user may edit households."""

    code = forms.CharField(label=field_label(Household, "code"), max_length=64, required=False,
                           help_text=_("Mã duy nhất của hộ trong hệ thống, ví dụ mã hộ trên phiếu rà soát."))
    commune = forms.ModelChoiceField(
        label=field_label(Household, "commune"), queryset=AdminUnit.objects.none(),
        empty_label=_("— Chọn xã/phường —"),
        error_messages={"required": _("Hãy chọn xã/phường của hộ."),
                        "invalid_choice": _("Xã/phường này không có hoặc bạn không có quyền nhập hộ ở đó.")},
    )
    hamlet = forms.ModelChoiceField(
        label=field_label(Household, "hamlet"), queryset=AdminUnit.objects.none(), required=False,
        empty_label=_("— Không ghi thôn/ấp —"),
        error_messages={"invalid_choice": _("Thôn/ấp này không thuộc xã/phường đã chọn.")},
    )
    reference_date = VietnameseDateField(label=field_label(Household, "reference_date"),
                                         help_text=_("Ngày phỏng vấn hộ; tuổi được tính đến ngày này."))
    year = forms.IntegerField(label=field_label(Household, "year"), required=False,
                              help_text=_("Để trống thì lấy năm của ngày rà soát."),
                              widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    area = forms.ChoiceField(label=field_label(Household, "area"), choices=_with_blank(Area.choices), required=False)
    income = GroupedIntegerField(label=field_label(Household, "income"), required=False)
    score_a = DecimalCommaField(label=field_label(Household, "score_a"), required=False)
    income_basis = _choice(Household, "income_basis", IncomeBasis.choices,
                           help_text=_("Bắt buộc khi ghi cả thu nhập và điểm A."))

    floor_area_m2 = DecimalCommaField(label=field_label(Household, "floor_area_m2"), required=False)
    walls_durable = _tri(Household, "walls_durable")
    frame_durable = _tri(Household, "frame_durable")
    roof_durable = _tri(Household, "roof_durable")
    water_source = _choice(Household, "water_source", WaterSource.choices)
    latrine = _choice(Household, "latrine", Latrine.choices)
    information_devices = forms.MultipleChoiceField(
        label=field_label(Household, "information_devices"), choices=InformationDevice.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "devices"}),
        help_text=_("Không đánh dấu phương tiện nào nghĩa là hộ không có phương tiện nào."),
    )
    information_devices_unanswered = forms.BooleanField(label=NOT_ANSWERED, required=False)
    hears_loudspeaker = _tri(Household, "hears_loudspeaker", help_text=_("Chỉ dùng cho chuẩn 2016–2020."))
    waste = _choice(Household, "waste", Waste.choices, help_text=_("Chỉ dùng cho chuẩn 2027–2030."))

    GROUPS = (
        (_("Thông tin chung"), ("code", "commune", "hamlet", "reference_date", "year", "area", "income", "score_a",
                                "income_basis")),
        (_("Nhà ở và điều kiện sống"), ("floor_area_m2", "walls_durable", "frame_durable", "roof_durable",
                                        "water_source", "latrine", "information_devices", "hears_loudspeaker",
                                        "waste")),
    )

    def __init__(self, *args: Any, communes: QuerySet[AdminUnit], hamlets_for: Any,
                 code_locked: bool = False, **kwargs: Any) -> None:
        """``hamlets_for(commune)`` returns the hamlets of a commune the user may use."""
        super().__init__(*args, **kwargs)
        commune_field: Any = self.fields["commune"]
        commune_field.queryset = communes
        commune_field.widget.attrs.update({
            "hx-get": reverse("households:hamlet_options") + "?purpose=edit",
            "hx-target": "#id_hamlet", "hx-include": "this", "hx-swap": "innerHTML",
        })
        commune = self._chosen_commune()
        hamlet_field: Any = self.fields["hamlet"]
        hamlet_field.queryset = hamlets_for(commune) if commune is not None else AdminUnit.objects.none()
        if code_locked:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("Mã hộ không đổi được sau khi tạo.")

    RARE = frozenset({"score_a", "income_basis"})

    def field_groups(self) -> list[FieldGroup]:
        return _groups(self, self.GROUPS, self.RARE)

    def _chosen_commune(self) -> AdminUnit | None:
        raw = self.data.get(self.add_prefix("commune")) if self.is_bound else self.initial.get("commune")
        if isinstance(raw, AdminUnit):
            return raw
        if not raw:
            return None
        commune_field: Any = self.fields["commune"]
        try:
            return commune_field.queryset.get(pk=int(raw))  # type: ignore[no-any-return]
        except (ValueError, TypeError, AdminUnit.DoesNotExist):
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("information_devices_unanswered") and cleaned.get("information_devices"):
            self.add_error("information_devices", _(
                "Đã đánh dấu “Chưa trả lời” nhưng lại chọn phương tiện: hãy bỏ một trong hai."))
        return cleaned

    def record_part(self) -> dict[str, Any]:
        """The household facts and dwelling of the record (no ``id``, location or members), leaving out what was
        not answered."""
        data = getattr(self, "cleaned_data", {})
        record: dict[str, Any] = {}
        for key in HOUSEHOLD_FACTS:
            _put(record, key, data.get(key))
        dwelling: dict[str, Any] = {}
        for key in DWELLING_FACTS:
            if key == "information_devices":
                if not data.get("information_devices_unanswered"):
                    dwelling[key] = list(data.get(key) or [])
                continue
            _put(dwelling, key, data.get(key))
        if dwelling:
            record["dwelling"] = dwelling
        return record


class MemberForm(forms.Form):
    member_id = forms.CharField(label=field_label(Member, "member_id"), max_length=64, required=False,
                                help_text=_("Để trống thì hệ thống tự đặt."))
    relation = _choice(Member, "relation", Relation.choices)
    name = forms.CharField(label=field_label(Member, "name"), max_length=200, required=False)
    citizen_id = forms.CharField(label=field_label(Member, "citizen_id"), max_length=20, required=False,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                                 help_text=_("12 chữ số trên căn cước/CCCD."))
    sex = _choice(Member, "sex", Sex.choices)
    birth_date = VietnameseDateField(label=field_label(Member, "birth_date"),
                                     help_text=_("Ghi ngày sinh hoặc tuổi, không ghi cả hai."))
    age = forms.IntegerField(label=field_label(Member, "age"), required=False,
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    ethnicity = forms.CharField(label=field_label(Member, "ethnicity"), max_length=64, required=False)
    disability = _choice(Member, "disability", Disability.choices)
    monthly_social_allowance = _tri(Member, "monthly_social_allowance")
    meritorious = _tri(Member, "meritorious")
    working_age = _tri(Member, "working_age", help_text=_("Chỉ trả lời khi cần ghi đè tuổi lao động tính tự động."))
    employment = _choice(Member, "employment", Employment.choices)
    health_insured = _tri(Member, "health_insured")
    nutrition = _choice(Member, "nutrition", Nutrition.choices, help_text=_("Trẻ em dưới 16 tuổi."))
    education_completed = _choice(Member, "education_completed", Education.choices)
    in_education = _tri(Member, "in_education")
    school = _choice(Member, "school", School.choices, help_text=_("Trẻ em từ 3 đến 15 tuổi."))
    uses_internet = _tri(Member, "uses_internet")
    uses_phone = _tri(Member, "uses_phone", help_text=_("Chỉ dùng cho chuẩn 2016–2020."))
    ill_untreated = _tri(Member, "ill_untreated", help_text=_("Chỉ dùng cho chuẩn 2016–2020."))

    GROUPS = (
        (_("Nhân thân"), ("relation", "name", "citizen_id", "sex", "birth_date", "age", "ethnicity", "member_id")),
        (_("Sức khoẻ và an sinh"), ("health_insured", "disability", "monthly_social_allowance", "meritorious",
                                    "nutrition", "ill_untreated")),
        (_("Việc làm"), ("employment", "working_age")),
        (_("Giáo dục"), ("education_completed", "in_education", "school")),
        (_("Tiếp cận thông tin"), ("uses_internet", "uses_phone")),
    )

    def __init__(self, *args: Any, show_citizen_id: bool = True, masked_citizen_ids: Mapping[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.show_citizen_id = show_citizen_id
        self._masked_citizen_ids = masked_citizen_ids or {}
        if not show_citizen_id:
            # The user may not read citizen IDs: the field is not offered, and the stored value is kept as is.
            del self.fields["citizen_id"]

    RARE = frozenset({"working_age"})

    def field_groups(self) -> list[FieldGroup]:
        return _groups(self, self.GROUPS, self.RARE)

    @property
    def masked_citizen_id(self) -> str:
        """The stored ID, masked, for a user who may not read it (shown instead of the field)."""
        return self._masked_citizen_ids.get(str(self["member_id"].value() or ""), "")

    def clean_citizen_id(self) -> str:
        return re.sub(r"\s", "", self.cleaned_data.get("citizen_id") or "")

    def record_part(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {})
        member: dict[str, Any] = {}
        if data.get("member_id"):
            member["id"] = data["member_id"].strip()
        for key in MEMBER_FACTS:
            _put(member, key, data.get(key))
        return member


class EditStateForm(forms.Form):
    """What an edit carries besides the facts: the version it started from and the record as it was opened
    (signed), so that a refused save can show and merge the other person's changes."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    original = forms.CharField(widget=forms.HiddenInput, required=False)


class BaseMemberFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, show_citizen_id: bool = True, masked_citizen_ids: Mapping[str, str] | None = None,
                 **kwargs: Any) -> None:
        self.show_citizen_id = show_citizen_id
        self.masked_citizen_ids = masked_citizen_ids
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "show_citizen_id": self.show_citizen_id,
                "masked_citizen_ids": self.masked_citizen_ids}

    def kept_forms(self) -> list[MemberForm]:
        """Member forms that become members of the record, in order (deleted and untouched blank rows left out)."""
        kept = []
        for form in self.forms:
            if not form.has_changed() or not hasattr(form, "cleaned_data"):
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            kept.append(form)
        return kept


_MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=0, can_delete=True, min_num=0, max_num=60, absolute_max=60,
)


def member_formset(*args: Any, **kwargs: Any) -> BaseMemberFormSet:
    """The members formset (up to 60 members; rows can be added in the page and marked for removal)."""
    return _MemberFormSet(*args, **kwargs)  # type: ignore[return-value]


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Keep an answer; leave the key out when it was not answered (blank text, no choice, no date)."""
    if value is None or value == "":
        return
    if isinstance(value, dt.date):
        value = value.isoformat()
    target[key] = value


def build_record(*, household_form: HouseholdForm, members: BaseMemberFormSet,
                 stored_citizen_ids: Mapping[str, str] | None = None) -> tuple[dict[str, Any], list[int]]:
    """Assemble a record v1 from the forms' cleaned data (what parsed, even when some field did not).

    Returns the record and, for each ``members[i]`` of the record, the index of the form it came from, so that
    errors keyed by JSON path find their way back. A blank household code is left out (the service then gives
    one); members without an id get the next free number. When the user may not see citizen IDs,
    ``stored_citizen_ids`` (member id → masked ID) carries the stored ones over: the service restores a mask to
    the stored number of the same member.
    """
    data = getattr(household_form, "cleaned_data", {})
    record: dict[str, Any] = {}
    code = (data.get("code") or "").strip()
    if code:
        record["id"] = code
    commune, hamlet = data.get("commune"), data.get("hamlet")
    if commune is not None:
        if commune.parent is not None:
            record["province_code"] = commune.parent.code
        record["commune_code"] = commune.code
        if hamlet is not None:
            record["hamlet"] = hamlet.name
    record.update(household_form.record_part())
    kept = members.kept_forms()
    parts = [form.record_part() for form in kept]
    used = {part["id"] for part in parts if "id" in part}
    next_number = 1
    for part in parts:
        if "id" not in part:
            while str(next_number) in used:
                next_number += 1
            part["id"] = str(next_number)
            used.add(part["id"])
        if stored_citizen_ids is not None and part["id"] in stored_citizen_ids:
            part["citizen_id"] = stored_citizen_ids[part["id"]]
    # Keys in the record's own order, so a saved record reads like the spec.
    record["members"] = [_ordered(part) for part in parts]
    return record, [members.forms.index(form) for form in kept]


def _ordered(member: dict[str, Any]) -> dict[str, Any]:
    return {key: member[key] for key in ("id", *MEMBER_FACTS) if key in member}



def record_to_initial(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Form initial values from a stored record: the reverse of ``build_record``."""
    household: dict[str, Any] = {"code": record.get("id", "")}
    for key in HOUSEHOLD_FACTS:
        household[key] = _initial_value(key, record.get(key))
    dwelling = record.get("dwelling") or {}
    for key in DWELLING_FACTS:
        if key == "information_devices":
            devices = dwelling.get(key)
            household[key] = list(devices or [])
            household["information_devices_unanswered"] = devices is None
            continue
        household[key] = _initial_value(key, dwelling.get(key))
    members = []
    for member in record.get("members") or []:
        initial = {"member_id": member.get("id", "")}
        for key in MEMBER_FACTS:
            initial[key] = _initial_value(key, member.get(key))
        members.append(initial)
    return household, members


def _initial_value(key: str, value: Any) -> Any:
    if isinstance(value, bool):
        return YES if value else NO
    if value is None:
        return ""
    if key in DATE_FACTS and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


_MEMBER_PATH = re.compile(r"^members\[(\d+)\](?:\.([a-z_]+))?")


def map_record_errors(errors: Mapping[str, list[str]], *, household_form: HouseholdForm,
                      members: BaseMemberFormSet, member_form_index: list[int],
                      skip_fields_with_errors: bool = False) -> list[str]:
    """Put the service's errors (keyed by JSON path) next to the fields they concern.

    ``id`` is the household code; ``dwelling.information_devices[2]`` goes to the devices field; ``members[i]…``
    goes to the form the i-th record member came from (a member-wide error, such as a missing birth date *and*
    age, at the top of that member's card). Returns the messages that belong to no single field (``members``:
    no head, no member at all), for the top of the form. ``skip_fields_with_errors`` leaves alone a field that
    already shows an error (a date that did not parse is also "missing" from the record built without it).
    """
    unplaced: list[str] = []
    for path, messages in errors.items():
        target_form: forms.Form = household_form
        field: str | None
        member = _MEMBER_PATH.match(path)
        if member:
            index = int(member.group(1))
            name = member.group(2)
            field = {"id": "member_id"}.get(name or "", name)
            if index >= len(member_form_index):
                unplaced.extend(messages)
                continue
            target_form = members.forms[member_form_index[index]]
        elif path in ("members", "", "$"):
            unplaced.extend(messages)
            continue
        else:
            name = re.sub(r"\[\d+\]$", "", path.removeprefix("dwelling."))
            field = {"id": "code", "commune_code": "commune", "province_code": "commune"}.get(name, name)
        if field is not None and field not in target_form.fields:
            field = None
        if skip_fields_with_errors and field is not None and field in target_form.errors:
            continue
        for message in messages:
            target_form.add_error(field, message)
    return unplaced
