"""Targets: an indicator, a unit, a period, a value and the document that set it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from giamngheo.core.models import TimeStampedModel


class Target(TimeStampedModel):
    """``indicator`` is a code of ``support.indicators`` (what is measured, and how, lives there).
    ``value`` is the level to reach by ``target_year`` or, when ``annual``, the change to make every year
    from ``baseline_year``. ``standard_id`` is the standard the target was set under: achievement is measured
    on it. ``parent`` is the target this one was allocated from (province → commune)."""

    unit = models.ForeignKey("geo.AdminUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    indicator = models.CharField(_("chỉ tiêu"), max_length=40)
    standard_id = models.CharField(_("chuẩn nghèo"), max_length=32)
    baseline_year = models.PositiveSmallIntegerField(_("năm gốc"))
    target_year = models.PositiveSmallIntegerField(_("năm đích"))
    value = models.DecimalField(_("giá trị"), max_digits=14, decimal_places=4)
    annual = models.BooleanField(_("mỗi năm"), default=False)
    parent = models.ForeignKey("self", verbose_name=_("phân bổ từ chỉ tiêu"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="allocations")
    source_document = models.CharField(_("văn bản giao chỉ tiêu"), max_length=200)
    source_date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit_path", "indicator", "target_year", "id"]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "standard_id", "baseline_year", "target_year"],
                condition=Q(deleted_at__isnull=True), name="target_unique_live"),
        ]
        indexes = [models.Index(fields=["unit_path"], name="target_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit_id} {self.target_year}"
