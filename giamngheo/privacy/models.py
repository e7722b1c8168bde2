"""The record of who read whose data (``ReadRecord``) and the register of data-subject requests (``DataRequest``).

Both carry ``unit_path`` so they are scoped by the one unit-tree policy (``accounts.scope``) like the data they
describe. See docs/privacy.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReadChannel(models.TextChoices):
    PAGE = "page", _("Trang hồ sơ")
    CERTIFICATE = "certificate", _("Giấy chứng nhận")
    EXPORT = "export", _("Xuất tệp")
    API = "api", _("API")


class ReadRecord(models.Model):
    """One reading of one object (a household) by one user. Append-only; purged after
    ``GIAMNGHEO_READ_AUDIT_DAYS`` by ``giamngheo purge_reads``. An export writes one row per household it
    contained, each with ``count`` = the number of households in that export."""

    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người xem"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    reader_name = models.CharField(_("tên người xem"), max_length=150, blank=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=40)
    object_id = models.CharField(_("mã đối tượng"), max_length=64)
    unit_path = models.CharField(_("đơn vị"), max_length=255)
    channel = models.CharField(_("cách xem"), max_length=12, choices=ReadChannel.choices)
    count = models.PositiveIntegerField(_("số hộ trong lần xuất"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("lượt xem")
        verbose_name_plural = _("lượt xem")
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="read_object_idx"),
            models.Index(fields=["reader", "-at"], name="read_reader_idx"),
            models.Index(fields=["at"], name="read_at_idx"),
            models.Index(fields=["unit_path"], name="read_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.reader_name} {self.object_type}:{self.object_id}"


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Xem, cung cấp dữ liệu")
    CORRECTION = "correction", _("Chỉnh sửa dữ liệu")
    OBJECTION = "objection", _("Phản đối, hạn chế xử lý")
    DELETION = "deletion", _("Xoá dữ liệu")


class RequestChannel(models.TextChoices):
    IN_PERSON = "in_person", _("Trực tiếp")
    POST = "post", _("Bưu điện")
    PHONE = "phone", _("Điện thoại")
    ELECTRONIC = "electronic", _("Thư điện tử, cổng dịch vụ công")


class RequestStatus(models.TextChoices):
    REGISTERED = "registered", _("Mới tiếp nhận")
    ASSIGNED = "assigned", _("Đã giao xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    REFUSED = "refused", _("Từ chối")


OPEN_STATUSES = (RequestStatus.REGISTERED, RequestStatus.ASSIGNED)


class DataRequest(models.Model):
    """A person's (or a household's) request under the personal-data law, handled by one unit.

    ``citizen_id`` is stored as the registry stores it (``Member.citizen_id``, plain, shown masked unless the
    reader has ``citizen_id.view``); ``household`` is set when the request names a household."""

    unit = models.ForeignKey("geo.AdminUnit", verbose_name=_("đơn vị xử lý"), on_delete=models.PROTECT,
                             related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("loại yêu cầu"), max_length=12, choices=RequestKind.choices)
    citizen_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True, db_index=True)
    household = models.ForeignKey("households.Household", verbose_name=_("hộ gia đình"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    subject_name = models.CharField(_("họ tên chủ thể dữ liệu"), max_length=200)
    requester_name = models.CharField(_("người yêu cầu"), max_length=200)
    requester_contact = models.CharField(_("địa chỉ, số điện thoại liên hệ"), max_length=300, blank=True)
    channel = models.CharField(_("hình thức nhận"), max_length=12, choices=RequestChannel.choices)
    content = models.TextField(_("nội dung yêu cầu"), blank=True)
    received_at = models.DateTimeField(_("thời điểm nhận"))
    deadline = models.DateTimeField(_("hạn trả lời"))
    status = models.CharField(_("tình trạng"), max_length=12, choices=RequestStatus.choices,
                              default=RequestStatus.REGISTERED)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xử lý"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    answer_text = models.TextField(_("nội dung trả lời"), blank=True)
    refusal_reason = models.TextField(_("lý do từ chối"), blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người trả lời"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    # What the system held about the subject when the request was answered: the file handed to the person.
    export = models.JSONField(_("dữ liệu cung cấp"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("yêu cầu về dữ liệu cá nhân")
        verbose_name_plural = _("yêu cầu về dữ liệu cá nhân")
        indexes = [
            models.Index(fields=["unit_path"], name="data_request_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "deadline"], name="data_request_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: object | None = None) -> bool:
        return self.is_open and self.deadline < (now or timezone.now())  # type: ignore[operator]
