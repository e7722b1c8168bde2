"""Forms of the data-subject request pages: they parse; the services check scope and rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from giamngheo.privacy.models import RequestChannel, RequestKind, RequestStatus
from giamngheo.privacy.services import MAX_TEXT


class RegisterForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Đơn vị xử lý"), coerce=int)
    kind = forms.ChoiceField(label=_("Loại yêu cầu"), choices=RequestKind.choices)
    subject_name = forms.CharField(label=_("Họ tên chủ thể dữ liệu"), max_length=200)
    citizen_id = forms.CharField(label=_("Số định danh cá nhân"), max_length=12, required=False,
                                 help_text=_("12 chữ số trên căn cước/CCCD. Có thể bỏ trống nếu nhập mã hộ."),
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    household_code = forms.CharField(label=_("Mã hộ (nếu yêu cầu về cả hộ)"), max_length=64, required=False)
    requester_name = forms.CharField(label=_("Người yêu cầu"), max_length=200)
    requester_contact = forms.CharField(label=_("Địa chỉ, số điện thoại liên hệ"), max_length=300, required=False)
    channel = forms.ChoiceField(label=_("Hình thức nhận"), choices=RequestChannel.choices)
    received_at = forms.DateTimeField(
        label=_("Thời điểm nhận"), input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(format="%d/%m/%Y %H:%M", attrs={"placeholder": _("ngày/tháng/năm giờ:phút")}),
        help_text=_("Hạn trả lời tính từ thời điểm này."))
    content = forms.CharField(label=_("Nội dung yêu cầu"), max_length=MAX_TEXT, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Người xử lý"), coerce=int)

    def __init__(self, *args: Any, users: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = users  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer_text = forms.CharField(label=_("Nội dung trả lời"), max_length=MAX_TEXT,
                                  widget=forms.Textarea(attrs={"rows": 5}))


class RefuseForm(forms.Form):
    refusal_reason = forms.CharField(label=_("Lý do từ chối"), max_length=MAX_TEXT,
                                     widget=forms.Textarea(attrs={"rows": 3}))


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Tình trạng"), required=False,
                               choices=[("", _("Tất cả"))] + list(RequestStatus.choices))
    kind = forms.ChoiceField(label=_("Loại yêu cầu"), required=False,
                             choices=[("", _("Tất cả"))] + list(RequestKind.choices))
    unit = forms.TypedChoiceField(label=_("Đơn vị"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Chỉ yêu cầu quá hạn"), required=False)

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("Mọi đơn vị trong phạm vi"))] + units  # type: ignore[attr-defined]

