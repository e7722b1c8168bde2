"""Administrative units as a tree with validity dates and a materialized path.

Two trees live side by side: the current one (34 provinces → 3,321 communes → hamlets, from
01/07/2025) and the pre-2025 one (63 provinces → districts → communes), valid until 30/06/2025.
``path`` is built from codes (``/86/86001/`` for a commune; ``/86/86001/h12/`` for a hamlet;
``/L86/L855/L29242/`` for an old commune), so a role granted on a unit covers every unit whose path
starts with it — one prefix filter, on an index (see ``accounts.scope``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from giamngheo.core.models import TimeStampedModel


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh/thành phố")
    DISTRICT = "district", _("Huyện/quận (trước 2025)")
    COMMUNE = "commune", _("Xã/phường/đặc khu")
    HAMLET = "hamlet", _("Thôn/ấp/khóm/bản/tổ dân phố")


class UnitKind(models.TextChoices):
    PROVINCE = "tinh", _("Tỉnh")
    CITY = "thanh_pho", _("Thành phố trực thuộc trung ương")
    URBAN_DISTRICT = "quan", _("Quận")
    RURAL_DISTRICT = "huyen", _("Huyện")
    TOWN = "thi_xa", _("Thị xã")
    PROVINCIAL_CITY = "thanh_pho_thuoc_tinh", _("Thành phố thuộc tỉnh")
    COMMUNE = "xa", _("Xã")
    WARD = "phuong", _("Phường")
    TOWNLET = "thi_tran", _("Thị trấn")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")
    VILLAGE = "thon", _("Thôn")
    HAMLET_AP = "ap", _("Ấp")
    KHOM = "khom", _("Khóm")
    BAN = "ban", _("Bản")
    RESIDENTIAL_GROUP = "to_dan_pho", _("Tổ dân phố")
    OTHER = "khac", _("Khác")


class AreaType(models.TextChoices):
    RURAL = "rural", _("Nông thôn")
    URBAN = "urban", _("Thành thị")


class Generation(models.TextChoices):
    CURRENT = "2025", _("Từ 01/07/2025")
    LEGACY = "legacy", _("Trước 01/07/2025")


class AdminUnit(TimeStampedModel):
    code = models.CharField(_("mã"), max_length=20, db_index=True)
    level = models.CharField(_("cấp"), max_length=10, choices=UnitLevel.choices)
    kind = models.CharField(_("loại"), max_length=24, choices=UnitKind.choices)
    generation = models.CharField(_("thế hệ"), max_length=8, choices=Generation.choices, default=Generation.CURRENT)
    name = models.CharField(_("tên"), max_length=200)
    short_name = models.CharField(_("tên ngắn"), max_length=200, blank=True)
    name_folded = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    parent = models.ForeignKey(
        "self", verbose_name=_("đơn vị cấp trên"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("đường dẫn"), max_length=255, unique=True)
    area_type = models.CharField(_("khu vực"), max_length=8, choices=AreaType.choices, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    latitude = models.FloatField(_("vĩ độ"), null=True, blank=True)
    longitude = models.FloatField(_("kinh độ"), null=True, blank=True)
    area_km2 = models.FloatField(_("diện tích (km²)"), null=True, blank=True)
    source = models.CharField(_("nguồn dữ liệu"), max_length=64, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["generation", "level", "code"], name="unit_code_unique_per_level"),
        ]
        # Scope filters are ``path LIKE '/86/%'``; PostgreSQL needs this operator class to use an index for it.
        indexes = [models.Index(fields=["path"], name="unit_path_like_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.generation == Generation.CURRENT and self.valid_to is None


class UnitAlias(models.Model):
    """Another code a unit is known by: a code changed by a later decision, or a code another source uses.

    A code change never deletes a unit (households keep pointing at it); the old code stays findable.
    """

    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="aliases")
    code = models.CharField(_("mã"), max_length=20, db_index=True)
    source = models.CharField(_("nguồn"), max_length=64)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "code", "source"], name="unit_alias_unique")]

    def __str__(self) -> str:
        return f"{self.code} → {self.unit.code}"


class UnitCrosswalk(models.Model):
    """Old unit (pre-2025) → new unit. An old commune split between new communes has several rows, all
    flagged ``is_split``; statistics move through this table only, and rates are recomputed from counts."""

    old_unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="crosswalk_to")
    new_unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="crosswalk_from")
    is_split = models.BooleanField(_("bị chia tách"), default=False)
    # For a split unit: the new unit an old address goes to when nothing more precise is known.
    is_default = models.BooleanField(_("đơn vị mới mặc định"), default=False)
    source = models.CharField(_("nguồn"), max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["old_unit", "new_unit"], name="crosswalk_unique")]

    def __str__(self) -> str:
        return f"{self.old_unit.code} → {self.new_unit.code}"


class DemoMarker(models.Model):
    """Present only in a database built by ``giamngheo demo``: demo users (password ``demo``) may sign in
    only where this row exists (``giamngheo.demo.marker.is_demo_database``)."""

    created_at = models.DateTimeField(auto_now_add=True)
    province_code = models.CharField(max_length=2)
    seed = models.IntegerField()
    households = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dấu hiệu cơ sở dữ liệu thử nghiệm")
        verbose_name_plural = _("dấu hiệu cơ sở dữ liệu thử nghiệm")

    def __str__(self) -> str:
        return f"demo {self.province_code} seed={self.seed}"
