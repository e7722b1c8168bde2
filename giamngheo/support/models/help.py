"""Who helps a household escape poverty, and what the household itself has committed to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from giamngheo.core.models import TimeStampedModel


class HelperType(models.TextChoices):
    PARTY_MEMBER = "party_member", _("Đảng viên")
    AGENCY = "agency", _("Cơ quan, đơn vị")
    ORGANISATION = "organisation", _("Mặt trận, đoàn thể")
    BUSINESS = "business", _("Doanh nghiệp")
    INDIVIDUAL = "individual", _("Cá nhân")


class AssignmentEnd(models.TextChoices):
    ESCAPED = "escaped", _("Hộ đã thoát nghèo")
    MOVED = "moved", _("Hộ chuyển đi")
    REPLACED = "replaced", _("Phân công người khác")
    OTHER = "other", _("Lý do khác")


class Assignment(TimeStampedModel):
    """A party member, agency or organisation assigned to help one household, since a date, with the year
    the household is expected to escape poverty. Ended, not deleted, when the help stops."""

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="assignments")
    unit_path = models.CharField(max_length=255)
    helper_type = models.CharField(_("người/đơn vị giúp đỡ"), max_length=16, choices=HelperType.choices)
    helper_name = models.CharField(_("họ tên hoặc tên đơn vị"), max_length=200)
    helper_unit = models.CharField(_("thuộc chi bộ, cơ quan"), max_length=200, blank=True)
    since = models.DateField(_("phân công từ ngày"))
    target_year = models.PositiveSmallIntegerField(_("năm phấn đấu thoát nghèo"))
    ended_on = models.DateField(_("kết thúc ngày"), null=True, blank=True)
    end_reason = models.CharField(_("lý do kết thúc"), max_length=12, choices=AssignmentEnd.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["household_id", "-since", "-id"]
        verbose_name = _("phân công giúp đỡ hộ")
        verbose_name_plural = _("phân công giúp đỡ hộ")
        indexes = [
            models.Index(fields=["household"], name="assignment_household_idx"),
            models.Index(fields=["unit_path"], name="assignment_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["target_year", "ended_on"], name="assignment_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.helper_name} → {self.household_id}"


class EscapeGoal(models.TextChoices):
    ESCAPE_POVERTY = "escape_poor", _("Thoát nghèo")
    ESCAPE_NEAR_POVERTY = "escape_near_poor", _("Thoát cận nghèo")


class EscapeRegistration(TimeStampedModel):
    """The household's own registration to escape poverty (đăng ký thoát nghèo) by a year, with what it
    commits to do. Whether it did is read from the ledger, never typed in."""

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT,
                                  related_name="escape_registrations")
    unit_path = models.CharField(max_length=255)
    registered_on = models.DateField(_("ngày đăng ký"))
    goal = models.CharField(_("mục tiêu"), max_length=16, choices=EscapeGoal.choices,
                            default=EscapeGoal.ESCAPE_POVERTY)
    target_year = models.PositiveSmallIntegerField(_("năm đăng ký thoát nghèo"))
    commitments = models.TextField(_("cam kết của hộ"))
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["household_id", "-registered_on", "-id"]
        verbose_name = _("đăng ký thoát nghèo")
        verbose_name_plural = _("đăng ký thoát nghèo")
        indexes = [
            models.Index(fields=["household"], name="escape_household_idx"),
            models.Index(fields=["unit_path"], name="escape_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.target_year}"
