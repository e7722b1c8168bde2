"""The audit page's filter form: it only parses; the selector applies the filters inside the user's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from giamngheo.core.dates import DATE_MAX, DATE_MIN, date_in_bounds


class DateInput(forms.DateInput):
    """15/04/2025 typed as text: a browser date picker shows mm/dd/yyyy on a PC set up in English, which
    a commune officer would misread. ISO dates (links, bookmarks) are accepted too."""

    def __init__(self) -> None:
        super().__init__(
            format="%d/%m/%Y", attrs={"placeholder": _("ngày/tháng/năm"), "inputmode": "numeric", "size": 10}
        )


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("Từ ngày"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Đến ngày"), required=False, widget=DateInput())
    actor = forms.CharField(label=_("Người thực hiện"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Hành động"), required=False)
    object_type = forms.ChoiceField(label=_("Loại đối tượng"), required=False)
    object_id = forms.CharField(label=_("Mã đối tượng"), required=False, max_length=64)
    unit = forms.IntegerField(label=_("Đơn vị"), required=False, widget=forms.Select, min_value=1,
                              max_value=2**63 - 1)

    def __init__(
        self,
        *args: Any,
        actions: Iterable[tuple[str, str]] = (),
        object_types: Iterable[tuple[str, str]] = (),
        units: Iterable[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("Tất cả"))]
        self.fields["action"].choices = everything + list(actions)  # type: ignore[attr-defined]
        self.fields["object_type"].choices = everything + list(object_types)  # type: ignore[attr-defined]
        self.fields["unit"].widget.choices = [("", _("Mọi đơn vị trong phạm vi"))] + list(units)  # type: ignore[attr-defined]

    def _bounded(self, name: str) -> dt.date | None:
        # 31/12/9999 or 01/01/0001 parse as dates, then overflow when turned into the day's first instant.
        value: dt.date | None = self.cleaned_data.get(name)
        if value is not None and not date_in_bounds(value):
            raise forms.ValidationError(
                _("Ngày phải trong khoảng từ %(first)s đến %(last)s.")
                % {"first": DATE_MIN.strftime("%d/%m/%Y"), "last": DATE_MAX.strftime("%d/%m/%Y")},
                code="bounds",
            )
        return value

    def clean_date_from(self) -> dt.date | None:
        return self._bounded("date_from")

    def clean_date_to(self) -> dt.date | None:
        return self._bounded("date_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
        return data


class ReadFilterForm(AuditFilterForm):
    """The audit page's "Lượt xem" tab: the same dates, then household code, reader and channel."""

    household = forms.CharField(label=_("Mã hộ"), required=False, max_length=64)
    reader = forms.CharField(label=_("Người xem"), required=False, max_length=150)
    channel = forms.ChoiceField(label=_("Cách xem"), required=False)

    def __init__(self, *args: Any, channels: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("actor", "action", "object_type", "object_id", "unit"):
            del self.fields[name]
        self.fields["channel"].choices = [("", _("Tất cả"))] + list(channels)  # type: ignore[attr-defined]
