"""Forms of the resources pages. They only parse (money typed as officers type it, dates in Vietnamese order,
choices limited to what the user may pick); every rule lives in ``support.services.resources``."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from giamngheo.core.dates import FlexibleDateField
from giamngheo.core.formatting import format_number
from giamngheo.geo.models import AdminUnit
from giamngheo.support.models import Campaign, FlowDirection, FundSource, Pledge, Programme, ProviderType
from giamngheo.support.services.resources import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_AMOUNT,
    MAX_DESCRIPTION,
    MAX_DOCUMENT,
    MAX_NAME,
    MAX_NOTE,
)

# "60.800.000.000", "60 800 000 000" or "60800000000": the dots and spaces group thousands (Vietnamese style).
_GROUPED = re.compile(r"^\d{1,3}([. ]\d{3})+$")


class MoneyField(forms.Field):
    """An amount in đồng, typed with or without thousands separators; bounded 1…10^15."""

    widget = forms.TextInput

    default_error_messages = {
        "invalid": _("Số tiền không hợp lệ: nhập số đồng, ví dụ 60.800.000 (không ghi phần lẻ, không ghi chữ)."),
        "bounds": _("Số tiền phải từ 1 đến %(max)s đồng."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "placeholder": "60.800.000",
                                  "maxlength": "40"})

    def to_python(self, value: Any) -> int | None:
        text = str(value if value is not None else "").strip().replace("\u00a0", " ")
        if not text:
            return None
        if len(text) > 40:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if text.endswith(("đ", "đồng")):
            text = text.removesuffix("đồng").removesuffix("đ").strip()
        if not (text.isascii() and text.isdigit()) and not _GROUPED.match(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        digits = text.replace(".", "").replace(" ", "")
        if len(digits) > 16 or not 1 <= int(digits) <= MAX_AMOUNT:
            raise forms.ValidationError(self.error_messages["bounds"], code="bounds",
                                        params={"max": format_number(MAX_AMOUNT)})
        return int(digits)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_number(value)
        return value


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _date(label: Any) -> FlexibleDateField:
    return FlexibleDateField(label=label, required=True)


class VersionForm(forms.Form):
    """The version of the object the officer opened: a save naming an older one is refused (someone else saved)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class SummaryForm(forms.Form):
    """Which unit and period the summary shows."""

    unit = UnitChoiceField(label=_("Đơn vị"), queryset=AdminUnit.objects.none(), to_field_name="code",
                           empty_label=None)
    year = forms.IntegerField(label=_("Năm"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    quarter = forms.TypedChoiceField(label=_("Quý"), required=False, coerce=int, empty_value=None,
                                     choices=[("", _("Cả năm"))] + [(q, _("Quý %(q)s") % {"q": q}) for q in range(1, 5)])
    month = forms.TypedChoiceField(label=_("Tháng"), required=False, coerce=int, empty_value=None,
                                   choices=[("", _("Mọi tháng"))] + [(m, _("Tháng %(m)s") % {"m": m})
                                                                      for m in range(1, 13)])

    def __init__(self, data: Any, *, units: QuerySet[AdminUnit]) -> None:
        super().__init__(data)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        quarter, month = data.get("quarter"), data.get("month")
        if quarter and month and (month - 1) // 3 + 1 != quarter:
            self.add_error("month", _("Tháng %(month)s không thuộc quý %(quarter)s.") % {"month": month,
                                                                                     "quarter": quarter})
        return data


class EntryFilterForm(forms.Form):
    """Filters of the entries list under the summary. A value not offered is simply dropped."""

    direction = forms.ChoiceField(label=_("Huy động hay chi"), required=False,
                                  choices=[("", _("Tất cả"))] + list(FlowDirection.choices))
    source = forms.ChoiceField(label=_("Nguồn"), required=False, choices=[("", _("Mọi nguồn"))] + list(FundSource.choices))

    def value(self, name: str) -> Any:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return None if name in self.errors else (self.cleaned_data.get(name) or None)


class EntryForm(forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị"), queryset=AdminUnit.objects.none(), empty_label=None)
    direction = forms.ChoiceField(label=_("Huy động hay chi"), choices=FlowDirection.choices,
                                  widget=forms.RadioSelect)
    source = forms.ChoiceField(label=_("Nguồn"), choices=FundSource.choices)
    amount = MoneyField(label=_("Số tiền (đồng)"))
    on = _date(_("Ngày"))
    description = forms.CharField(label=_("Nội dung"), max_length=MAX_DESCRIPTION)
    document = forms.CharField(label=_("Chứng từ, văn bản"), max_length=MAX_DOCUMENT, required=False)
    programme = forms.ModelChoiceField(label=_("Chương trình, dự án"), queryset=Programme.objects.none(),
                                       required=False, empty_label=_("— Không ghi —"))
    campaign = forms.ModelChoiceField(label=_("Đợt vận động"), queryset=Campaign.objects.none(), required=False,
                                      empty_label=_("— Không thuộc đợt nào —"))
    pledge = forms.ModelChoiceField(label=_("Theo đăng ký ủng hộ"), queryset=Pledge.objects.none(), required=False,
                                    empty_label=_("— Không theo đăng ký nào —"),
                                    help_text=_("Chỉ với khoản huy động: tiền nhận được của một đăng ký ủng hộ."))

    def __init__(self, *args: Any, units: QuerySet[AdminUnit], programmes: QuerySet[Programme],
                 campaigns: QuerySet[Campaign], pledges: QuerySet[Pledge], unit_locked: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
        self.fields["pledge"].queryset = pledges  # type: ignore[attr-defined]
        self.fields["pledge"].label_from_instance = lambda p: f"{p.donor_name} · {p.campaign.name}"  # type: ignore[attr-defined]
        if unit_locked:
            # An entry of another unit is a new entry: the unit is shown, not offered.
            del self.fields["unit"]


class CampaignForm(forms.Form):
    unit = UnitChoiceField(label=_("Đơn vị"), queryset=AdminUnit.objects.none(), empty_label=None)
    name = forms.CharField(label=_("Tên đợt vận động"), max_length=MAX_NAME)
    source = forms.ChoiceField(label=_("Nguồn"), choices=FundSource.choices, initial=FundSource.FOR_THE_POOR_FUND)
    starts_on = _date(_("Từ ngày"))
    ends_on = _date(_("Đến ngày"))
    goal_amount = MoneyField(label=_("Chỉ tiêu vận động (đồng)"), required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=MAX_NOTE, required=False, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args: Any, units: QuerySet[AdminUnit], unit_locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if unit_locked:
            del self.fields["unit"]


class PledgeForm(forms.Form):
    donor_name = forms.CharField(label=_("Đơn vị, cá nhân ủng hộ"), max_length=MAX_NAME)
    donor_type = forms.ChoiceField(label=_("Loại nhà hảo tâm"), choices=ProviderType.choices,
                                   initial=ProviderType.BUSINESS)
    amount = MoneyField(label=_("Số tiền đăng ký (đồng)"))
    pledged_on = _date(_("Ngày đăng ký"))
    note = forms.CharField(label=_("Ghi chú"), max_length=MAX_NOTE, required=False, widget=forms.Textarea({"rows": 2}))


class CandidateFilterForm(forms.Form):
    """Filters of the support records a spending could pay for."""

    year = forms.IntegerField(label=_("Năm hỗ trợ"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    q = forms.CharField(label=_("Mã hộ hoặc tên chủ hộ"), required=False, max_length=100)

    def value(self, name: str) -> Any:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return None if name in self.errors else (self.cleaned_data.get(name) or None)
