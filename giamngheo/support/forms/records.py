"""Forms for support records, the page's filters, withdrawing, and a province's own programmes.

Forms only parse and bound what is typed; the rules (which facts a kind carries, a programme's years, a
member of the household…) live in ``support.services`` and come back as errors on these same fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from giamngheo.core.dates import FlexibleDateField
from giamngheo.households.models import Household
from giamngheo.support.models import Programme, ProviderType, SupportKind
from giamngheo.support.selectors.records import programmes_for, support_kinds_for
from giamngheo.support.services.records import FACT_OF_FIELD, MAX_AMOUNT, MAX_LOAN_TERM_MONTHS, MAX_QUANTITY

YEAR_MIN, YEAR_MAX = 2000, 2100


class MoneyField(forms.IntegerField):
    """An amount in đồng as officers type it: ``30.000.000``, ``30 000 000`` or ``30000000``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_AMOUNT)
        super().__init__(**kwargs)
        self.widget.input_type = "text"
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.error_messages["invalid"] = _("Hãy nhập số tiền bằng chữ số, ví dụ 30.000.000.")

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.replace(".", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
            if len(value) > 20:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)  # type: ignore[no-any-return]


def _int(label: Any, *, min_value: int, max_value: int, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=min_value, max_value=max_value, required=required,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class SupportRecordForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Loại hỗ trợ"), queryset=SupportKind.objects.none(),
                                  empty_label=_("— Chọn loại hỗ trợ —"))
    given_on = FlexibleDateField(label=_("Ngày hỗ trợ"), required=True)
    programme = forms.ModelChoiceField(label=_("Chương trình, dự án"), queryset=Programme.objects.none(),
                                       required=False, empty_label=_("— Không thuộc chương trình nào —"))
    provider_type = forms.ChoiceField(label=_("Đơn vị hỗ trợ"), choices=ProviderType.choices)
    provider_name = forms.CharField(label=_("Tên đơn vị hỗ trợ"), max_length=200, required=False)
    member_ref = forms.ChoiceField(label=_("Thành viên nhận"), required=False,
                                   help_text=_("Chỉ ghi với thẻ BHYT, học nghề, việc làm, học bổng…"))
    amount = MoneyField(label=_("Số tiền (đồng)"))
    quantity = _int(_("Số lượng"), min_value=1, max_value=MAX_QUANTITY)
    description = forms.CharField(label=_("Nội dung hỗ trợ"), max_length=500, required=False)
    loan_term_months = _int(_("Thời hạn vay (tháng)"), min_value=1, max_value=MAX_LOAN_TERM_MONTHS)
    loan_outstanding = MoneyField(label=_("Dư nợ (đồng)"))
    loan_outstanding_on = FlexibleDateField(label=_("Dư nợ tính đến ngày"))
    note = forms.CharField(label=_("Ghi chú"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind: Any = self.fields["kind"]
        kind.queryset = support_kinds_for(unit_path=household.unit_path)
        # Choosing a kind re-renders the form with only the facts that kind carries (a phone screen shows the
        # loan's term and balance for a loan, nothing of them for a health-insurance card).
        kind.widget.attrs.update({"hx-get": "", "hx-trigger": "change", "hx-include": "closest form",
                                  "hx-target": "#support-record-form", "hx-select": "#support-record-form",
                                  "hx-swap": "outerHTML"})
        programme: Any = self.fields["programme"]
        programme.queryset = programmes_for(unit_path=household.unit_path)
        programme.label_from_instance = lambda p: p.short_name or p.name
        member: Any = self.fields["member_ref"]
        member.choices = [("", _("— Cả hộ —"))] + [
            (m.member_id, m.name or m.member_id) for m in household.members.all()]

        chosen = self._chosen_kind(kind.queryset)
        if chosen is not None:
            allowed = set(chosen.fields or [])
            for name, fact in FACT_OF_FIELD.items():
                if fact not in allowed:
                    del self.fields[name]

    def _chosen_kind(self, kinds: Any) -> SupportKind | None:
        raw = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        if isinstance(raw, SupportKind):
            return raw
        text = str(raw or "")
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            return None
        return kinds.filter(pk=int(text)).first()  # type: ignore[no-any-return]

    def values(self) -> dict[str, Any]:
        """Every fact for the service: those the chosen kind does not carry are sent empty, so that changing a
        record's kind clears what no longer applies instead of refusing it."""
        data = dict(self.cleaned_data)
        for name in FACT_OF_FIELD:
            data.setdefault(name, None)
        for name in ("provider_name", "description", "note", "member_ref"):
            data[name] = data.get(name) or ""
        return data


class ReasonForm(forms.Form):
    """Withdrawing something entered by mistake: why, and the version the user saw."""

    reason = forms.CharField(label=_("Lý do xoá"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)


class RecordFilterForm(forms.Form):
    """The support page's filters; everything bounded (a mistyped bookmark gets the unfiltered page)."""

    year = forms.IntegerField(label=_("Năm"), min_value=YEAR_MIN, max_value=YEAR_MAX, required=False)
    unit = forms.CharField(label=_("Đơn vị (mã)"), max_length=20, required=False)
    kind = forms.ModelChoiceField(label=_("Loại hỗ trợ"), queryset=SupportKind.objects.none(), required=False,
                                  empty_label=_("Tất cả"))
    programme = forms.ModelChoiceField(label=_("Chương trình, dự án"), queryset=Programme.objects.none(),
                                       required=False, empty_label=_("Tất cả"))
    provider_type = forms.ChoiceField(label=_("Đơn vị hỗ trợ"), required=False,
                                      choices=[("", _("Tất cả")), *ProviderType.choices])

    def __init__(self, *args: Any, kinds: Any, programmes: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind: Any = self.fields["kind"]
        kind.queryset = kinds
        programme: Any = self.fields["programme"]
        programme.queryset = programmes
        programme.label_from_instance = lambda p: p.short_name or p.name
        self.fields["unit"] = forms.ChoiceField(label=_("Đơn vị"), choices=[("", _("Cả địa bàn")), *units],
                                                required=False)


class ProgrammeForm(forms.Form):
    code = forms.CharField(label=_("Mã"), max_length=60,
                           help_text=_("Chữ thường không dấu, chữ số, dấu gạch ngang; ví dụ tinh-ho-tro-nha-o."))
    name = forms.CharField(label=_("Tên"), max_length=300)
    short_name = forms.CharField(label=_("Tên ngắn"), max_length=120, required=False)
    parent = forms.ModelChoiceField(label=_("Thuộc chương trình"), queryset=Programme.objects.none(), required=False,
                                    empty_label=_("— Chương trình độc lập —"))
    legal_basis = forms.CharField(label=_("Căn cứ pháp lý"), max_length=200, required=False)
    first_year = _int(_("Từ năm"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    last_year = _int(_("Đến năm"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)

    def __init__(self, *args: Any, province_path: str, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent: Any = self.fields["parent"]
        parent.queryset = programmes_for(unit_path=province_path)
        parent.label_from_instance = lambda p: p.short_name or p.name
        if not editing:
            del self.fields["active"]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("short_name", "legal_basis"):
            data[name] = data.get(name) or ""
        return data
