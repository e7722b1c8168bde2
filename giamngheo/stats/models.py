"""Statistics kept as data: yearly household counts (the denominators, as history), the rollups filled
from the ledger, and the fill state that says how fresh they are. ``docs/statistics.md`` has the long form."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CountSource(models.TextChoices):
    REGISTRY = "registry", _("Sổ hộ của hệ thống")
    # Taken after the year ended (the first fill of an old year): the registry as it stood on ``taken_at``.
    REGISTRY_LATE = "registry_late", _("Sổ hộ (lấy sau khi hết năm)")
    DECLARED = "declared", _("Số liệu tỉnh, xã khai báo")


class HouseholdCount(models.Model):
    """Households and persons on one *cell* in one year and area: a hamlet, or a commune's households that sit
    on no hamlet. Rates divide by these, so a past year's rate does not drift when households move or are
    added later. The current year's row is re-taken from the registry at every fill; a past year's row is
    frozen once taken (only a declared count replaces it)."""

    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField(_("năm"))
    area = models.CharField(_("khu vực"), max_length=8)
    households = models.PositiveIntegerField(_("số hộ"), default=0)
    persons = models.PositiveIntegerField(_("số nhân khẩu"), default=0)
    ethnic_minority = models.PositiveIntegerField(_("số hộ dân tộc thiểu số"), default=0)
    source = models.CharField(_("nguồn"), max_length=16, choices=CountSource.choices, default=CountSource.REGISTRY)
    taken_at = models.DateTimeField(_("lấy số liệu lúc"))

    class Meta:
        verbose_name = _("số hộ theo năm")
        verbose_name_plural = _("số hộ theo năm")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "area"], name="household_count_unique"),
        ]
        indexes = [models.Index(fields=["year", "unit_path"], name="household_count_year_path_idx",
                                opclasses=["", "varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.year} {self.area}: {self.households}"


class RollupLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh/thành phố")
    COMMUNE = "commune", _("Xã/phường/đặc khu")
    HAMLET = "hamlet", _("Thôn/ấp/khóm/bản/tổ dân phố")
    # The households of a commune that sit on no hamlet: with the hamlets they add up to the commune.
    DIRECT = "direct", _("Hộ chưa gắn thôn/ấp, tổ dân phố")
    # Pre-2025 district, re-created from the current communes through the crosswalk (stats/legacy.py).
    OLD_DISTRICT = "old_district", _("Huyện/quận (trước 2025)")


class Rollup(models.Model):
    """The additive counts of one unit, year, standard and area (``all``, ``urban``, ``rural``), keyed by the
    measure codes of ``stats/measures.py``. Rates, changes and Alkire–Foster figures are derived from these
    counts when read (``stats/selectors.py``), never stored and never averaged."""

    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=255)
    level = models.CharField(max_length=16, choices=RollupLevel.choices)
    province = models.ForeignKey("geo.AdminUnit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    series = models.CharField(max_length=40)
    standard_id = models.CharField(max_length=32)
    area = models.CharField(max_length=8)
    counts = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "level", "year", "series", "area"], name="rollup_unique"),
        ]
        indexes = [
            models.Index(fields=["province", "series", "year"], name="rollup_province_idx"),
            models.Index(fields=["unit", "series", "area"], name="rollup_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.level} {self.year} {self.standard_id} {self.area}"


class FillStatus(models.TextChoices):
    FRESH = "fresh", _("Đã cập nhật")
    STALE = "stale", _("Đang chờ cập nhật")
    RUNNING = "running", _("Đang tổng hợp")
    FAILED = "failed", _("Tổng hợp bị lỗi")


class FillState(models.Model):
    """How fresh one province's rollups of one year and series are: "figures as of …". A ledger write marks
    the years it touched stale and queues a refill; readers show the last filled figures with their date."""

    province = models.ForeignKey("geo.AdminUnit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    series = models.CharField(max_length=40)
    standard_id = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=8, choices=FillStatus.choices, default=FillStatus.STALE)
    filled_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    households_read = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["province", "year", "series"], name="fill_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.series} {self.year}: {self.status}"


class UnitBoundary(models.Model):
    """Commune boundaries a province uploaded as GeoJSON, drawn as a choropleth on its dashboard instead of
    bubbles at the centroids. ``code_property`` names the feature property holding the commune code;
    ``matched``/``features`` say how many features matched a commune when it was uploaded."""

    province = models.OneToOneField("geo.AdminUnit", on_delete=models.CASCADE, related_name="+")
    geojson = models.JSONField()
    code_property = models.CharField(_("thuộc tính chứa mã xã"), max_length=64)
    features = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ranh giới đơn vị hành chính")
        verbose_name_plural = _("ranh giới đơn vị hành chính")

    def __str__(self) -> str:
        return f"{self.province_id}: {self.matched}/{self.features}"
