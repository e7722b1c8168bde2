"""Forms of the target pages. They only parse and bound what was typed; every rule lives in
``services/targets.py``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from giamngheo.core.dates import FlexibleDateField
from giamngheo.geo.models import AdminUnit
from giamngheo.support.indicators import indicator_choices

FIRST_YEAR, LAST_YEAR = 2000, 2100


class TypedDecimalField(forms.Field):
    """A number as officers type it: ``-1,5`` or ``-1.5`` (comma or point before the decimals, no thousands
    separator); at most 24 characters, so no absurd input reaches ``Decimal``."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 24})
    default_error_messages = {"invalid": _("Hãy nhập một số, ví dụ -1,5 hoặc 10.")}
    max_chars = 24

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip().replace(" ", "").replace(",", ".")
        if not text:
            return None
        if len(text) > self.max_chars or text.count(".") > 1:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if not number.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def standard_choices() -> list[tuple[str, str]]:
    from giamngheo.standards.definition import list_standards

    return [(s.id, s.title_vi) for s in list_standards()]


def _unit_label(unit: AdminUnit) -> str:
    return f"{unit.name} ({unit.get_level_display()})"


class TargetForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=AdminUnit.objects.none())
    indicator = forms.ChoiceField(label=_("Chỉ tiêu"), choices=())
    standard_id = forms.ChoiceField(label=_("Chuẩn nghèo đo kết quả"), choices=())
    baseline_year = forms.IntegerField(label=_("Năm gốc"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    target_year = forms.IntegerField(label=_("Năm đích"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    value = TypedDecimalField(label=_("Giá trị"), help_text=_(
        "Tỷ lệ ghi theo %, ví dụ 1,5; mức giảm ghi số âm, ví dụ -1,5 (điểm %); số lượng ghi số nguyên."))
    annual = forms.BooleanField(label=_("Giao theo từng năm (giá trị là mức mỗi năm)"), required=False)
    source_document = forms.CharField(label=_("Văn bản giao chỉ tiêu"), max_length=200,
                                      help_text=_("Số và tên nghị quyết, kế hoạch, ví dụ Nghị quyết 12/NQ-HĐND."))
    source_date = FlexibleDateField(label=_("Ngày ban hành"))
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units if units is not None else AdminUnit.objects.none()
        unit_field.label_from_instance = _unit_label  # type: ignore[method-assign,assignment]
        indicator_field = self.fields["indicator"]
        assert isinstance(indicator_field, forms.ChoiceField)
        indicator_field.choices = indicator_choices()
        standard_field = self.fields["standard_id"]
        assert isinstance(standard_field, forms.ChoiceField)
        standard_field.choices = standard_choices()


class TargetEditForm(TargetForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["unit"]


class TargetDeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    reason = forms.CharField(label=_("Lý do xoá"), required=False, max_length=500)


class AllocateForm(forms.Form):
    """One value per child unit (blank = not allocated), and the acceptance of a mismatch with its reason."""

    accept_mismatch = forms.BooleanField(label=_("Chấp nhận phân bổ chưa khớp chỉ tiêu của cấp trên"), required=False)
    reason = forms.CharField(label=_("Lý do chấp nhận"), required=False, max_length=500)

    def __init__(self, *args: Any, units: list[AdminUnit], initial_values: dict[int, Decimal] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        for unit in units:
            value = (initial_values or {}).get(unit.pk)
            self.fields[f"u{unit.pk}"] = TypedDecimalField(
                label=unit.name, required=False,
                initial=None if value is None else format(value.normalize(), "f").replace(".", ","),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "data-allocation": "1", "size": 8,
                                              "maxlength": 24}))

    def unit_fields(self) -> list[tuple[AdminUnit, forms.BoundField]]:
        return [(unit, self[f"u{unit.pk}"]) for unit in self.units]

    def allocations(self) -> dict[AdminUnit, Decimal]:
        data = getattr(self, "cleaned_data", {})
        return {unit: data[f"u{unit.pk}"] for unit in self.units if data.get(f"u{unit.pk}") is not None}


class TargetFilterForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=AdminUnit.objects.none(), required=False,
                                  empty_label=_("Tất cả đơn vị"))
    year = forms.IntegerField(label=_("Năm"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    indicator = forms.ChoiceField(label=_("Chỉ tiêu"), choices=(), required=False)

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units if units is not None else AdminUnit.objects.none()
        indicator_field = self.fields["indicator"]
        assert isinstance(indicator_field, forms.ChoiceField)
        indicator_field.choices = [("", str(_("Tất cả"))), *indicator_choices()]
