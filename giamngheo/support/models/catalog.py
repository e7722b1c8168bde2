"""The catalogue: kinds of support and the programmes they belong to. Both are data (shipped in
``support/catalog.json``, loaded by a data migration); a province adds its own (``province`` set)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderType(models.TextChoices):
    SOCIAL_POLICY_BANK = "social_policy_bank", _("Ngân hàng Chính sách xã hội")
    STATE_AGENCY = "state_agency", _("Cơ quan nhà nước")
    FUND = "fund", _("Quỹ (Vì người nghèo, bảo trợ…)")
    BUSINESS = "business", _("Doanh nghiệp")
    MASS_ORGANISATION = "mass_organisation", _("Mặt trận, đoàn thể")
    PARTY = "party", _("Tổ chức đảng, đảng viên")
    COMMUNITY = "community", _("Cộng đồng, cá nhân")
    OTHER = "other", _("Khác")


class SupportKind(models.Model):
    """A kind of support (a loan, a health-insurance card, a house…). ``fields`` lists the optional facts a
    record of this kind carries: ``amount``, ``quantity``, ``loan`` (term and outstanding balance),
    ``member`` (the person who received it), ``description`` (what was given)."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    group = models.CharField(_("nhóm"), max_length=100, blank=True)
    fields = models.JSONField(_("thông tin cần ghi"), default=list, blank=True)
    # What one record counts as in the support outputs (figure 11): "thẻ", "người", "căn nhà"…
    output_label = models.CharField(_("đơn vị tính"), max_length=40, blank=True)
    province = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("loại hỗ trợ")
        verbose_name_plural = _("loại hỗ trợ")

    def __str__(self) -> str:
        return self.name


class SupportKindNeed(models.Model):
    """Which wish recorded in the review (``reviews`` WISHES codes) a kind of support answers."""

    kind = models.ForeignKey(SupportKind, on_delete=models.CASCADE, related_name="needs")
    need = models.CharField(max_length=24)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "need"], name="support_kind_need_unique")]
        indexes = [models.Index(fields=["need", "kind"], name="support_kind_need_idx")]

    def __str__(self) -> str:
        return f"{self.kind_id} → {self.need}"


class Programme(models.Model):
    """A programme, project or sub-project support belongs to: the national target programme 2021–2025 and
    its projects, the 2026–2035 programme, policy-credit programmes, or a province's own."""

    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên"), max_length=300)
    short_name = models.CharField(_("tên ngắn"), max_length=120, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=200, blank=True)
    first_year = models.PositiveSmallIntegerField(_("từ năm"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("đến năm"), null=True, blank=True)
    province = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("chương trình, dự án")
        verbose_name_plural = _("chương trình, dự án")

    def __str__(self) -> str:
        return self.short_name or self.name
