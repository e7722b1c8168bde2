"""The hamlet form: parsing only. Validation that needs the database (a duplicate name) is the service's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from giamngheo.geo.models import UnitKind
from giamngheo.geo.services import HAMLET_KINDS, NAME_MAX


class HamletForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=[(k, UnitKind(k).label) for k in HAMLET_KINDS])
    name = forms.CharField(
        label=_("Tên"), max_length=NAME_MAX,
        help_text=_("Ví dụ: “Bình Hòa” hoặc “Ấp Bình Hòa”; chữ “Ấp”, “Khóm”… được thêm nếu thiếu."),
        error_messages={"required": _("Hãy nhập tên thôn/ấp.")},
    )
