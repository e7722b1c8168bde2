"""The registry of target indicators: what each code measures, in what unit, which way is better.

A target names one of these codes (``Target.indicator``); the services refuse any other. ``support:<kind>``
counts the support records of one active kind (``SupportKind.code``), so a province that adds a kind of support
can set a target on it without a code change.

Kinds (how the value of a target is read, ``targets/achievement.py`` states the arithmetic):

``level``      a level to reach by the target year (a rate, or a stock count such as poor households without
               working capacity); the plan of every year is the target value.
``change``     a change of a rate in percentage points since the baseline year (negative = down); ``annual``
               targets give the change per year.
``reduction``  a % reduction of the number of poor households since the baseline year; ``annual`` targets give
               the reduction of each year against the year before (compounding).
``count``      a number of things done in the period (support records, jobs); ``annual`` targets give the
               number per year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SUPPORT_PREFIX = "support:"

PERCENT, POINTS, HOUSEHOLDS, PERSONS, RECORDS = "percent", "points", "households", "persons", "records"
LEVEL, CHANGE, REDUCTION, COUNT = "level", "change", "reduction", "count"

# Bounds of a target's value per unit: a rate is a share, a change in points cannot pass ±100, and no unit
# counts ten million households, persons or records.
VALUE_BOUNDS: dict[str, tuple[Decimal, Decimal]] = {
    PERCENT: (Decimal(0), Decimal(100)),
    POINTS: (Decimal(-100), Decimal(100)),
    HOUSEHOLDS: (Decimal(0), Decimal(10**7)),
    PERSONS: (Decimal(0), Decimal(10**7)),
    RECORDS: (Decimal(0), Decimal(10**7)),
}
UNIT_LABELS: dict[str, Promise] = {
    PERCENT: _("%"), POINTS: _("điểm %"), HOUSEHOLDS: _("hộ"), PERSONS: _("người"), RECORDS: _("lượt"),
}
KIND_LABELS: dict[str, Promise] = {
    LEVEL: _("mức cần đạt"), CHANGE: _("thay đổi (điểm %)"), REDUCTION: _("giảm (%)"), COUNT: _("số lượng"),
}


@dataclass(frozen=True)
class Indicator:
    """``measure`` names the measurement in ``targets/measure.py``; ``classes`` the ledger classes it counts;
    ``base`` the level indicator a change or reduction is computed from."""

    code: str
    label: Promise | str
    unit: str
    kind: str
    lower_is_better: bool
    measure: str
    how: Promise | str
    classes: tuple[str, ...] = ()
    base: str = ""
    kind_code: str = ""  # support:<kind> only

    @property
    def sums(self) -> bool:
        """Allocated values add up to the parent (counts), rather than averaging to it weighted by households."""
        return self.unit in (HOUSEHOLDS, PERSONS, RECORDS)

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS[self.unit])

    @property
    def bounds(self) -> tuple[Decimal, Decimal]:
        return VALUE_BOUNDS[self.unit]


_POOR, _NEAR = ("poor",), ("near_poor",)
_POOR_AND_NEAR = ("poor", "near_poor")

INDICATORS: dict[str, Indicator] = {i.code: i for i in (
    Indicator("poverty_rate", _("Tỷ lệ hộ nghèo"), PERCENT, LEVEL, True, "class_rate",
              _("Hộ nghèo cuối năm / tổng số hộ của đơn vị."), classes=_POOR),
    Indicator("poverty_rate_change", _("Mức giảm tỷ lệ hộ nghèo"), POINTS, CHANGE, True, "class_rate",
              _("Tỷ lệ hộ nghèo cuối năm trừ tỷ lệ năm gốc (điểm %)."), classes=_POOR, base="poverty_rate"),
    Indicator("poor_reduction_pct", _("Tỷ lệ giảm số hộ nghèo"), PERCENT, REDUCTION, False, "class_count",
              _("Số hộ nghèo giảm so với năm gốc, tính bằng phần trăm số hộ nghèo năm gốc."), classes=_POOR),
    Indicator("near_poverty_rate", _("Tỷ lệ hộ cận nghèo"), PERCENT, LEVEL, True, "class_rate",
              _("Hộ cận nghèo cuối năm / tổng số hộ của đơn vị."), classes=_NEAR),
    Indicator("near_poverty_rate_change", _("Mức giảm tỷ lệ hộ cận nghèo"), POINTS, CHANGE, True, "class_rate",
              _("Tỷ lệ hộ cận nghèo cuối năm trừ tỷ lệ năm gốc (điểm %)."), classes=_NEAR,
              base="near_poverty_rate"),
    Indicator("ethnic_minority_poverty_rate", _("Tỷ lệ hộ nghèo dân tộc thiểu số"), PERCENT, LEVEL, True,
              "ethnic_minority_rate", _("Hộ nghèo dân tộc thiểu số / tổng số hộ dân tộc thiểu số của đơn vị."),
              classes=_POOR),
    Indicator("ethnic_minority_poverty_rate_change", _("Mức giảm tỷ lệ hộ nghèo dân tộc thiểu số"), POINTS,
              CHANGE, True, "ethnic_minority_rate",
              _("Tỷ lệ hộ nghèo dân tộc thiểu số cuối năm trừ tỷ lệ năm gốc (điểm %)."), classes=_POOR,
              base="ethnic_minority_poverty_rate"),
    Indicator("poor_no_working_capacity", _("Hộ nghèo không có khả năng lao động"), HOUSEHOLDS, LEVEL, True,
              "no_working_capacity_count", _("Số hộ nghèo cuối năm mà không thành viên nào có khả năng lao động."),
              classes=_POOR),
    Indicator("health_insurance_coverage", _("Tỷ lệ bao phủ bảo hiểm y tế (hộ nghèo, cận nghèo)"), PERCENT, LEVEL,
              False, "health_insurance_rate",
              _("Thành viên hộ nghèo, cận nghèo có thẻ BHYT (theo phiếu hoặc đã được cấp thẻ trong năm) / tổng "
                "số thành viên của các hộ đó."), classes=_POOR_AND_NEAR),
    Indicator("trained_labour_pct", _("Tỷ lệ lao động qua đào tạo (hộ nghèo, cận nghèo)"), PERCENT, LEVEL, False,
              "trained_labour_rate",
              _("Thành viên trong độ tuổi lao động của hộ nghèo, cận nghèo có trình độ sơ cấp nghề trở lên hoặc đã "
                "được hỗ trợ đào tạo nghề / tổng số thành viên trong độ tuổi lao động của các hộ đó."),
              classes=_POOR_AND_NEAR),
    Indicator("clean_water_pct", _("Tỷ lệ hộ nghèo, cận nghèo dùng nước sạch"), PERCENT, LEVEL, False,
              "clean_water_rate",
              _("Hộ nghèo, cận nghèo có nguồn nước hợp vệ sinh (theo chỉ số nước của chuẩn của chỉ tiêu) / tổng "
                "số hộ nghèo, cận nghèo."), classes=_POOR_AND_NEAR),
    Indicator("jobs_created", _("Số lao động được giải quyết việc làm"), PERSONS, COUNT, False, "jobs_count",
              _("Số lượt hỗ trợ giới thiệu việc làm và đi làm việc ở nước ngoài ghi nhận trong kỳ.")),
)}

# The kinds of support whose records count as jobs created.
JOB_KINDS = ("job_placement", "work_abroad")
HEALTH_INSURANCE_KINDS = ("health_insurance",)
TRAINING_KINDS = ("vocational_training",)


def indicator_for(code: str, *, active_only: bool = True) -> Indicator | None:
    """The indicator of a code, ``support:<kind>`` for any active kind of support; None when unknown.
    ``active_only=False`` also reads a kind retired since (a target set on it is still measured)."""
    if code in INDICATORS:
        return INDICATORS[code]
    if code.startswith(SUPPORT_PREFIX) and len(code) <= 40:
        from giamngheo.support.models import SupportKind

        kinds = SupportKind.objects.filter(code=code[len(SUPPORT_PREFIX):])
        kind = (kinds.filter(active=True) if active_only else kinds).first()
        if kind is None:
            return None
        return Indicator(code, _("Số lượt hỗ trợ: %(kind)s") % {"kind": kind.name}, RECORDS, COUNT, False,
                         "support_count", _("Số lượt hỗ trợ loại «%(kind)s» ghi nhận trong kỳ.") % {"kind": kind.name},
                         kind_code=kind.code)
    return None


def indicator_choices() -> list[tuple[str, str]]:
    """Every code a target may name, for forms and the API: the fixed ones, then one per active kind."""
    from giamngheo.support.models import SupportKind

    choices = [(code, str(i.label)) for code, i in INDICATORS.items()]
    for code, name in SupportKind.objects.filter(active=True).values_list("code", "name"):
        choices.append((f"{SUPPORT_PREFIX}{code}", str(_("Số lượt hỗ trợ: %(kind)s") % {"kind": name})))
    return choices


def unknown_indicator(code: str) -> Indicator:
    """A stand-in for a code no longer in the registry (only a direct database edit makes one): shown as it
    is, never measured."""
    return Indicator(code, code, RECORDS, COUNT, False, "none", _("Chỉ tiêu không còn trong danh mục."))
