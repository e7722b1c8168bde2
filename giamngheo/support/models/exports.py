"""An export too long for a request: the job a worker runs, its progress and the file it leaves for two days.

The file is written under ``<GIAMNGHEO_EXPORT_DIR>`` (default ``var/exports``); the row says where, how far the
worker has got and who may fetch it (only ``created_by``, see ``support.services.exports``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    SUPPORT_LIST = "support_list", _("Danh sách hộ (hỗ trợ)")
    SUPPORT_RECORDS = "support_records", _("Danh sách hỗ trợ cho hộ")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ đến lượt")
    RUNNING = "running", _("Đang xuất")
    DONE = "done", _("Đã xuất xong")
    FAILED = "failed", _("Bị lỗi")


class ExportJob(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("loại tệp xuất"), max_length=20, choices=ExportKind.choices)
    # The validated filters, as the kind's writer takes them (JSON: ids and paths, never objects).
    parameters = models.JSONField(default=dict, blank=True)
    # The paths of each permission the creator held when the file was written: the download requires them all
    # still, so a user whose scope shrank cannot take away what the old scope let the file hold.
    scope = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xuất"), on_delete=models.CASCADE,
                                   related_name="+")
    # The filtered unit, else the creator's home unit: where the audit entries are filed.
    unit_path = models.CharField(max_length=255, blank=True)
    # The creator's language when asking: the worker writes headers and labels in it.
    language = models.CharField(max_length=16, blank=True)
    status = models.CharField(_("trạng thái"), max_length=8, choices=ExportStatus.choices,
                              default=ExportStatus.QUEUED)
    rows_written = models.PositiveIntegerField(_("số dòng đã xuất"), default=0)
    rows_total = models.PositiveIntegerField(_("tổng số dòng"), default=0)
    # Relative to the export directory (a moved ``var`` keeps its files); "" until the file is complete.
    file_path = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    failure = models.TextField(_("lý do lỗi"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lượt xuất tệp")
        verbose_name_plural = _("lượt xuất tệp")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
