"""Forms of the review pages. They only parse what the officer typed; every rule is the service's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from giamngheo.core.dates import FlexibleDateField
from giamngheo.geo.models import AdminUnit
from giamngheo.reviews.models import ComplaintOutcome, LedgerClass, RequestChannel, RequestForm
from giamngheo.reviews.services import CAUSES, MAX_ATTENDEES, WISHES

CAUSE_LABELS = {
    "capital": _("Thiếu vốn sản xuất, kinh doanh"),
    "land": _("Thiếu đất sản xuất"),
    "labour_or_jobs": _("Thiếu lao động hoặc không có việc làm"),
    "illness_disability": _("Có người ốm đau, bệnh nặng, khuyết tật"),
    "many_dependents": _("Đông người ăn theo"),
    "know_how": _("Thiếu kiến thức, kỹ năng sản xuất"),
    "elderly_alone": _("Người cao tuổi sống một mình"),
    "other": _("Nguyên nhân khác"),
}
WISH_LABELS = {
    "credit": _("Vay vốn ưu đãi"),
    "jobs_training": _("Học nghề, giới thiệu việc làm"),
    "housing": _("Hỗ trợ nhà ở"),
    "health_insurance": _("Thẻ bảo hiểm y tế"),
    "education": _("Hỗ trợ học tập cho con em"),
    "production_model": _("Giống, vật nuôi, mô hình sản xuất"),
    "land": _("Đất sản xuất"),
    "clean_water": _("Nước sạch, nhà tiêu hợp vệ sinh"),
    "information": _("Tiếp cận thông tin, internet"),
    "social_allowance": _("Trợ cấp xã hội"),
    "other": _("Nhu cầu khác"),
}


class CausesWishesForm(forms.Form):
    causes = forms.MultipleChoiceField(
        label=_("Nguyên nhân nghèo"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(c, CAUSE_LABELS[c]) for c in CAUSES],
    )
    wishes = forms.MultipleChoiceField(
        label=_("Nhu cầu, mong muốn được hỗ trợ"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(w, WISH_LABELS[w]) for w in WISHES],
    )
    note = forms.CharField(label=_("Ghi chú của rà soát viên"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class OpenCycleForm(forms.Form):
    commune = forms.ModelChoiceField(label=_("Xã/phường"), queryset=AdminUnit.objects.none(),
                                     empty_label=_("— Chọn xã/phường —"))
    year = forms.IntegerField(label=_("Năm rà soát"), min_value=2016, max_value=2100)

    def __init__(self, *args: Any, communes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["commune"]
        field.queryset = communes


class AddHouseholdForm(forms.Form):
    code = forms.CharField(label=_("Mã hộ"), max_length=64)
    note = forms.CharField(label=_("Lý do đề xuất"), required=False, max_length=500)


class MeetingForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Thôn/ấp họp"), queryset=AdminUnit.objects.none(),
                                  empty_label=_("— Chọn thôn/ấp —"))
    held_on = FlexibleDateField(label=_("Ngày họp"))
    attendees = forms.IntegerField(label=_("Số người dự họp"), min_value=0, max_value=MAX_ATTENDEES,
                                   widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    agreeing = forms.IntegerField(label=_("Số người đồng ý"), min_value=0, max_value=MAX_ATTENDEES,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                  help_text=_("Kết quả được thông qua khi từ 50% số người dự họp trở lên đồng ý."))
    chair_name = forms.CharField(label=_("Chủ trì (trưởng thôn/ấp)"), max_length=200, required=False)
    secretary_name = forms.CharField(label=_("Thư ký"), max_length=200, required=False)
    minutes = forms.CharField(label=_("Nội dung biên bản"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.queryset = units


class PostingForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Thôn/ấp"), queryset=AdminUnit.objects.none(),
                                  empty_label=_("— Chọn thôn/ấp —"))
    place = forms.CharField(label=_("Nơi niêm yết"), max_length=200, required=False,
                            initial=_("Nhà văn hoá thôn/ấp và trụ sở UBND xã"))
    starts_on = FlexibleDateField(label=_("Niêm yết từ ngày"))
    ends_on = FlexibleDateField(label=_("Đến ngày"))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["unit"]
        field.queryset = units


class ComplaintForm(forms.Form):
    received_on = FlexibleDateField(label=_("Ngày nhận khiếu nại"))
    complainant = forms.CharField(label=_("Người khiếu nại"), max_length=200, required=False)
    content = forms.CharField(label=_("Nội dung khiếu nại"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ComplaintResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Kết quả phúc tra"), choices=ComplaintOutcome.choices,
                                widget=forms.RadioSelect)
    resolution = forms.CharField(label=_("Nội dung giải quyết"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    resolved_on = FlexibleDateField(label=_("Ngày giải quyết"))


class DecisionForm(forms.Form):
    number = forms.CharField(label=_("Số quyết định"), max_length=64, required=False,
                             help_text=_("Ví dụ: 125/QĐ-UBND"))
    signed_on = FlexibleDateField(label=_("Ngày ký"))
    signer_name = forms.CharField(label=_("Người ký"), max_length=200, required=False)
    signer_title = forms.CharField(label=_("Chức vụ"), max_length=200, required=False,
                                   initial=_("Chủ tịch Ủy ban nhân dân"))


class CertificatesForm(forms.Form):
    issued_on = FlexibleDateField(label=_("Ngày cấp giấy chứng nhận"))


class ConsultForm(forms.Form):
    consulted_on = FlexibleDateField(label=_("Ngày có ý kiến"))
    note = forms.CharField(label=_("Ý kiến của cấp trên"), widget=forms.Textarea(attrs={"rows": 2}))


class RequestFileForm(forms.Form):
    household = forms.CharField(label=_("Mã hộ"), max_length=64)
    form = forms.ChoiceField(label=_("Mẫu đơn"), choices=RequestForm.choices, widget=forms.RadioSelect)
    received_on = FlexibleDateField(label=_("Ngày nhận đơn"))
    channel = forms.ChoiceField(label=_("Hình thức nộp"), choices=RequestChannel.choices)
    applicant_name = forms.CharField(label=_("Người đề nghị"), max_length=200, required=False)
    content = forms.CharField(label=_("Nội dung đề nghị"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RequestDecideForm(forms.Form):
    recognise = forms.TypedChoiceField(
        label=_("Quyết định"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Công nhận")), ("no", _("Không công nhận (trả lời bằng văn bản)"))],
    )
    decided_on = FlexibleDateField(label=_("Ngày quyết định"))
    number = forms.CharField(label=_("Số quyết định"), max_length=64, required=False)
    signer_name = forms.CharField(label=_("Người ký"), max_length=200, required=False)
    signer_title = forms.CharField(label=_("Chức vụ"), max_length=200, required=False,
                                   initial=_("Chủ tịch Ủy ban nhân dân"))
    refusal_reason = forms.CharField(label=_("Lý do không công nhận"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))


class MovementsForm(forms.Form):
    """The choice of a movements table. The standard is one of those in force for the chosen unit and year
    (``standards_for(unit, year)``); left empty, the national one."""

    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=AdminUnit.objects.none(), to_field_name="code",
                                  empty_label=None)
    year = forms.IntegerField(label=_("Năm"), min_value=2016, max_value=2100)
    standard = forms.CharField(label=_("Chuẩn nghèo"), required=False, widget=forms.Select)
    area = forms.ChoiceField(label=_("Khu vực"), required=False, choices=[
        ("all", _("Toàn địa bàn")), ("urban", _("Thành thị")), ("rural", _("Nông thôn"))])

    def __init__(self, *args: Any, units: Any, standards_for: Callable[[Any, int], list[dict[str, Any]]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit: Any = self.fields["unit"]
        unit.queryset = units
        self._standards_for = standards_for

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, year = data.get("unit"), data.get("year")
        if unit is None or year is None:
            return data
        refs = self._standards_for(unit, year)
        widget: Any = self.fields["standard"].widget
        # The empty choice follows the year: changing the year alone never leaves a standard of another year.
        widget.choices = [("", _("Chuẩn quốc gia áp dụng cho năm đã chọn"))] + [(s["id"], s["title"]) for s in refs]
        if not refs:
            self.add_error("year", _("Chưa có chuẩn nghèo nào áp dụng cho năm %(year)s.") % {"year": year})
        elif not data.get("standard"):
            data["standard"] = refs[0]["id"]
        elif data["standard"] not in {s["id"] for s in refs}:
            self.add_error("standard", _("Chuẩn nghèo này không áp dụng cho năm %(year)s tại đơn vị đã chọn.")
                           % {"year": year})
        data["area"] = data.get("area") or "all"
        return data


class LedgerCorrectForm(forms.Form):
    klass = forms.ChoiceField(label=_("Phân loại đúng"), choices=[
        (c.value, c.label) for c in (LedgerClass.POOR, LedgerClass.NEAR_POOR, LedgerClass.AVERAGE, LedgerClass.NONE)])
    reason = forms.CharField(label=_("Lý do đính chính"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Bắt buộc. Ghi căn cứ (văn bản, biên bản phúc tra…) để người sau kiểm tra."))


class HouseholdRemoveForm(forms.Form):
    effective_on = FlexibleDateField(label=_("Ngày đưa ra khỏi danh sách"))
    reason = forms.CharField(label=_("Lý do"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Bắt buộc. Ví dụ: cả hộ chuyển đi nơi khác, hộ giải thể, chủ hộ sống một mình "
                                         "đã chết."))
