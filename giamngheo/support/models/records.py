"""Support given to a household: one row per thing received."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from giamngheo.core.models import TimeStampedModel
from giamngheo.support.models.catalog import Programme, ProviderType, SupportKind


class SupportRecord(TimeStampedModel):
    """What one household received, when, from whom, under which programme. ``unit_path`` is the household's
    unit when the support was given (a household that moves keeps its history, as in the ledger).
    Deleting sets ``deleted_at``: the audit trail and the money it was paid from must still add up."""

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="support_records")
    unit_path = models.CharField(max_length=255)
    kind = models.ForeignKey(SupportKind, verbose_name=_("loại hỗ trợ"), on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, verbose_name=_("chương trình, dự án"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    given_on = models.DateField(_("ngày hỗ trợ"))
    year = models.PositiveSmallIntegerField(_("năm"))
    provider_type = models.CharField(_("đơn vị hỗ trợ"), max_length=24, choices=ProviderType.choices)
    provider_name = models.CharField(_("tên đơn vị hỗ trợ"), max_length=200, blank=True)
    # The member who received it (``Member.member_id``): a card, a course, a job are a person's.
    member_ref = models.CharField(_("thành viên nhận"), max_length=64, blank=True)
    amount = models.BigIntegerField(_("số tiền (đồng)"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("số lượng"), null=True, blank=True)
    description = models.CharField(_("nội dung hỗ trợ"), max_length=500, blank=True)
    loan_term_months = models.PositiveSmallIntegerField(_("thời hạn vay (tháng)"), null=True, blank=True)
    loan_outstanding = models.BigIntegerField(_("dư nợ (đồng)"), null=True, blank=True)
    loan_outstanding_on = models.DateField(_("dư nợ tính đến ngày"), null=True, blank=True)
    # The spending (``ResourceEntry`` of direction "spent") that paid for it.
    funded_by = models.ForeignKey("support.ResourceEntry", verbose_name=_("chi từ nguồn"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="support_records")
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["household_id", "-given_on", "-id"]
        verbose_name = _("hỗ trợ cho hộ")
        verbose_name_plural = _("hỗ trợ cho hộ")
        indexes = [
            models.Index(fields=["household", "year"], name="support_household_year_idx"),
            models.Index(fields=["household", "given_on"], name="support_household_date_idx"),
            models.Index(fields=["unit_path"], name="support_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["year", "kind"], name="support_year_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.given_on} {self.kind_id}"
