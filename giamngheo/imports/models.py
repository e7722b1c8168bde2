"""An import job: one uploaded file taken through upload → validate → preview → commit, and the batch it wrote.

The job row holds the stage, the counts and the choices; the file itself, the validated rows (Parquet) and the
error workbook live in the job's directory (``imports.storage``). Nothing reaches the registry before commit, and
commit is one transaction: a job that fails, is cancelled or whose worker is killed leaves the registry as it was.
``ImportedHousehold`` lists what a committed batch touched, for the batch page and the household's history.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    HOUSEHOLDS = "households", _("Hộ gia đình và thành viên")
    LEDGER = "ledger", _("Danh sách hộ nghèo, cận nghèo đã công nhận")
    SUPPORT = "support", _("Hỗ trợ đã nhận của hộ")
    ODK = "odk", _("Phiếu B thu bằng ODK Collect hoặc KoboToolbox")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ kiểm tra")
    VALIDATING = "validating", _("Đang đọc và kiểm tra")
    INVALID = "invalid", _("Tệp có lỗi")
    READY = "ready", _("Sẵn sàng ghi")
    COMMITTING = "committing", _("Đang ghi vào hệ thống")
    COMMITTED = "committed", _("Đã ghi xong")
    CANCELLED = "cancelled", _("Đã huỷ")
    FAILED = "failed", _("Bị lỗi, chưa ghi gì")


class OnChange(models.TextChoices):
    UPDATE = "update", _("Cập nhật hộ đã có theo tệp")
    SKIP = "skip", _("Giữ nguyên hộ đã có, chỉ thêm hộ mới")


class ImportJob(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("loại dữ liệu"), max_length=12, choices=ImportKind.choices)
    status = models.CharField(_("trạng thái"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED, db_index=True)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    file_sha256 = models.CharField(_("mã băm SHA-256 của tệp"), max_length=64)
    file_size = models.PositiveBigIntegerField(_("dung lượng (byte)"), default=0)
    on_change = models.CharField(_("khi hộ đã có thay đổi"), max_length=8, choices=OnChange.choices,
                                 default=OnChange.UPDATE)
    # The actor's home unit: the job is listed to those who may see that unit's imports.
    unit_path = models.CharField(max_length=255, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhập"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    validated_at = models.DateTimeField(_("kiểm tra xong lúc"), null=True, blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người ghi"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    committed_at = models.DateTimeField(_("ghi xong lúc"), null=True, blank=True)
    # {"households": {"new", "changed", "unchanged", "invalid"}, "members": {...}, "errors": n, ...}
    summary = models.JSONField(default=dict, blank=True)
    # What commit wrote: {"households_created", "households_updated", "members_written", "ledger_entries"}
    result = models.JSONField(default=dict, blank=True)
    failure = models.TextField(_("lý do lỗi"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lượt nhập dữ liệu")
        verbose_name_plural = _("lượt nhập dữ liệu")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class ImportedHousehold(models.Model):
    """One household a committed batch created or changed (unchanged ones are not listed)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Thêm mới")
        UPDATED = "updated", _("Cập nhật")
        LEDGER = "ledger", _("Ghi sổ theo dõi")
        SUPPORT = "support", _("Ghi hỗ trợ")

    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="households")
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("thao tác"), max_length=8, choices=Action.choices)
    unit_path = models.CharField(max_length=255)

    class Meta:
        ordering = ["job_id", "id"]
        indexes = [models.Index(fields=["job", "unit_path"], name="imported_household_job_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.household_id} ({self.action})"


class OdkSubmission(models.Model):
    """A submission of Phiếu B from ODK Collect or KoboToolbox (its instanceID) whose answers a committed import put
    in the registry: the same submission in a later export is skipped, never applied twice (``imports.odk``)."""

    instance_id = models.CharField(_("mã phiếu (instanceID)"), max_length=255, unique=True)
    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.instance_id
