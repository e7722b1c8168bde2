"""Forms for assignments (who helps a household) and escape registrations (what the household commits to)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from giamngheo.core.dates import FlexibleDateField
from giamngheo.support.forms.records import YEAR_MAX, YEAR_MIN
from giamngheo.support.models import AssignmentEnd, EscapeGoal, HelperType


def _year(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=YEAR_MIN, max_value=YEAR_MAX,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class AssignmentForm(forms.Form):
    helper_type = forms.ChoiceField(label=_("Người/đơn vị giúp đỡ"), choices=HelperType.choices)
    helper_name = forms.CharField(label=_("Họ tên hoặc tên đơn vị"), max_length=200)
    helper_unit = forms.CharField(label=_("Thuộc chi bộ, cơ quan"), max_length=200, required=False)
    since = FlexibleDateField(label=_("Phân công từ ngày"), required=True)
    target_year = _year(_("Năm phấn đấu thoát nghèo"))
    note = forms.CharField(label=_("Ghi chú"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("helper_unit", "note"):
            data[name] = data.get(name) or ""
        return data


class AssignmentEndForm(forms.Form):
    ended_on = FlexibleDateField(label=_("Kết thúc ngày"), required=True)
    end_reason = forms.ChoiceField(label=_("Lý do kết thúc"), choices=AssignmentEnd.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)


class RegistrationForm(forms.Form):
    registered_on = FlexibleDateField(label=_("Ngày đăng ký"), required=True)
    goal = forms.ChoiceField(label=_("Mục tiêu"), choices=EscapeGoal.choices)
    target_year = _year(_("Năm đăng ký thoát nghèo"))
    commitments = forms.CharField(label=_("Cam kết của hộ"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("Ghi chú"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["note"] = data.get("note") or ""
        return data
