"""Money mobilised and spent, by source, level and date; fund campaigns with their pledges."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from giamngheo.core.models import TimeStampedModel
from giamngheo.support.models.catalog import Programme


class FundSource(models.TextChoices):
    CENTRAL_BUDGET = "central_budget", _("Ngân sách trung ương")
    LOCAL_BUDGET = "local_budget", _("Ngân sách địa phương")
    POLICY_CREDIT = "policy_credit", _("Vốn tín dụng chính sách")
    FOR_THE_POOR_FUND = "for_the_poor_fund", _("Quỹ «Vì người nghèo»")
    BUSINESSES = "businesses", _("Doanh nghiệp")
    PEOPLE = "people", _("Nhân dân đóng góp")
    OTHER = "other", _("Nguồn khác")


class FlowDirection(models.TextChoices):
    MOBILISED = "mobilised", _("Huy động")
    SPENT = "spent", _("Chi")


class Campaign(TimeStampedModel):
    """A fund-raising campaign of a province or commune (e.g. the peak month 17 Oct – 18 Nov)."""

    unit = models.ForeignKey("geo.AdminUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    name = models.CharField(_("tên đợt vận động"), max_length=200)
    source = models.CharField(_("nguồn"), max_length=20, choices=FundSource.choices,
                              default=FundSource.FOR_THE_POOR_FUND)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    goal_amount = models.BigIntegerField(_("chỉ tiêu vận động (đồng)"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("đợt vận động")
        verbose_name_plural = _("đợt vận động")
        indexes = [models.Index(fields=["unit_path"], name="campaign_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class Pledge(TimeStampedModel):
    """A donor's promise in a campaign; receipts against it are ``ResourceEntry`` rows naming it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="pledges")
    unit_path = models.CharField(max_length=255)
    donor_name = models.CharField(_("đơn vị, cá nhân ủng hộ"), max_length=200)
    donor_type = models.CharField(_("loại nhà hảo tâm"), max_length=24)
    amount = models.BigIntegerField(_("số tiền đăng ký (đồng)"))
    pledged_on = models.DateField(_("ngày đăng ký"))
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign_id", "pledged_on", "id"]
        verbose_name = _("đăng ký ủng hộ")
        verbose_name_plural = _("đăng ký ủng hộ")

    def __str__(self) -> str:
        return f"{self.donor_name}: {self.amount}"


class ResourceEntry(TimeStampedModel):
    """Money mobilised or spent by a province or commune: source, date, amount. Spending may pay for
    support records (``SupportRecord.funded_by``); a receipt may answer a campaign pledge."""

    unit = models.ForeignKey("geo.AdminUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    level = models.CharField(_("cấp"), max_length=10)
    direction = models.CharField(_("huy động hay chi"), max_length=10, choices=FlowDirection.choices)
    source = models.CharField(_("nguồn"), max_length=20, choices=FundSource.choices)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    on = models.DateField(_("ngày"))
    year = models.PositiveSmallIntegerField(_("năm"))
    programme = models.ForeignKey(Programme, verbose_name=_("chương trình, dự án"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, verbose_name=_("đợt vận động"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="entries")
    pledge = models.ForeignKey(Pledge, verbose_name=_("đăng ký ủng hộ"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="receipts")
    description = models.CharField(_("nội dung"), max_length=500)
    document = models.CharField(_("chứng từ, văn bản"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("nguồn lực")
        verbose_name_plural = _("nguồn lực")
        indexes = [
            models.Index(fields=["unit_path"], name="resource_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["year", "direction", "source"], name="resource_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.direction} {self.source} {self.amount}"
