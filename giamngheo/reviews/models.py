"""The review: cycles, cases, village meetings, postings, complaints, decisions, certificates, requests,
and the year-by-year ledger.

Rows here are written only by ``reviews.services``. The ledger is append-only: a wrong entry is never
edited; a correction is a new entry that names the one it corrects (``corrects``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from giamngheo.core.models import TimeStampedModel
from giamngheo.reviews.states import CaseState


class CycleKind(models.TextChoices):
    PERIODIC = "periodic", _("Rà soát định kỳ hằng năm")
    REGULAR = "regular", _("Rà soát thường xuyên hằng tháng")


class CycleStatus(models.TextChoices):
    OPEN = "open", _("Đang rà soát")
    RECOGNISED = "recognised", _("Đã công nhận (đã khoá)")


class CaseSource(models.TextChoices):
    CURRENT_LIST = "current_list", _("Thuộc danh sách hộ nghèo, cận nghèo hiện tại")
    FORM_01 = "form_01", _("Giấy đề nghị rà soát (Mẫu 01)")
    FORM_04 = "form_04", _("Giấy đề nghị thoát nghèo, thoát cận nghèo (Mẫu 04)")
    HAMLET_PROPOSAL = "hamlet_proposal", _("Trưởng thôn đề xuất bổ sung")


class LedgerClass(models.TextChoices):
    POOR = "poor", _("Hộ nghèo")
    NEAR_POOR = "near_poor", _("Hộ cận nghèo")
    AVERAGE = "average", _("Hộ có mức sống trung bình")
    NONE = "none", _("Hộ không thuộc diện nghèo, cận nghèo")
    # The household left the commune's register (moved away, dissolved, all members died).
    REMOVED = "removed", _("Đưa ra khỏi danh sách (chuyển đi, giải thể)")


class LedgerKind(models.TextChoices):
    PERIODIC = "periodic", _("Rà soát định kỳ")
    REGULAR = "regular", _("Rà soát thường xuyên")
    CORRECTION = "correction", _("Đính chính")
    REMOVAL = "removal", _("Đưa ra khỏi danh sách")
    # A past recognised list brought in from a file (``reviews.services.imported``): counted exactly like a
    # periodic entry, but written by no review of this system, so a review's entries are never replaced by it.
    IMPORTED = "import", _("Nhập từ danh sách đã công nhận")


class RequestForm(models.TextChoices):
    FORM_01 = "01", _("Mẫu 01 – Giấy đề nghị rà soát (vào danh sách)")
    FORM_04 = "04", _("Mẫu 04 – Giấy đề nghị công nhận thoát nghèo, thoát cận nghèo")


class RequestChannel(models.TextChoices):
    IN_PERSON = "in_person", _("Nộp trực tiếp")
    POST = "post", _("Qua bưu điện")
    ONLINE = "online", _("Trực tuyến")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận, đang rà soát")
    RECOGNISED = "recognised", _("Đã công nhận")
    REFUSED = "refused", _("Không công nhận, đã trả lời bằng văn bản")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Đang giải quyết")
    RESOLVED = "resolved", _("Đã giải quyết")


class ComplaintOutcome(models.TextChoices):
    UPHELD_RESULT = "result_stands", _("Giữ nguyên kết quả")
    RESURVEY = "resurvey", _("Khiếu nại đúng: khảo sát, họp dân lại")


class ReviewCalendar(models.Model):
    """A province's review calendar. Without a row the national defaults apply (``reviews.calendar``)."""

    province = models.OneToOneField(
        "geo.AdminUnit", verbose_name=_("tỉnh/thành phố"), on_delete=models.PROTECT, related_name="review_calendar"
    )
    periodic_opens_month = models.PositiveSmallIntegerField(_("tháng bắt đầu rà soát định kỳ"), default=9)
    periodic_opens_day = models.PositiveSmallIntegerField(_("ngày bắt đầu rà soát định kỳ"), default=1)
    periodic_closes_month = models.PositiveSmallIntegerField(_("tháng kết thúc rà soát định kỳ"), default=12)
    periodic_closes_day = models.PositiveSmallIntegerField(_("ngày kết thúc rà soát định kỳ"), default=14)
    regular_opens_day = models.PositiveSmallIntegerField(_("ngày bắt đầu rà soát thường xuyên hằng tháng"), default=15)
    decision_days = models.PositiveSmallIntegerField(_("số ngày phải quyết định đơn đề nghị"), default=15)
    consultation_required = models.BooleanField(_("phải xin ý kiến cấp trên trước khi công nhận"), default=False)
    # Decision 24/2021 posts the results for 03 working days (Monday–Friday; holidays not deducted).
    min_posting_days = models.PositiveSmallIntegerField(
        _("số ngày làm việc niêm yết tối thiểu"), default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )

    class Meta:
        verbose_name = _("lịch rà soát của tỉnh")
        verbose_name_plural = _("lịch rà soát của tỉnh")

    def __str__(self) -> str:
        return str(self.province)


class ReviewCycle(TimeStampedModel):
    kind = models.CharField(_("loại rà soát"), max_length=10, choices=CycleKind.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    # 0 for the periodic review; 1–12 for a monthly regular cycle.
    month = models.PositiveSmallIntegerField(_("tháng"), default=0)
    commune = models.ForeignKey(
        "geo.AdminUnit", verbose_name=_("xã/phường"), on_delete=models.PROTECT, related_name="review_cycles"
    )
    unit_path = models.CharField(max_length=255, editable=False)
    opens_on = models.DateField(_("bắt đầu"))
    closes_on = models.DateField(_("kết thúc"))
    # [{"id": "2022-2025", "hash": "…", "local": false, "title": "…"}, …] — national first.
    standards = models.JSONField(_("chuẩn áp dụng"), default=list)
    status = models.CharField(_("tình trạng"), max_length=12, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    consultation_required = models.BooleanField(_("phải xin ý kiến cấp trên"), default=False)
    consulted_on = models.DateField(_("ngày có ý kiến của cấp trên"), null=True, blank=True)
    consultation_note = models.TextField(_("ý kiến của cấp trên"), blank=True)
    recognised_at = models.DateTimeField(_("công nhận lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-month", "unit_path"]
        verbose_name = _("đợt rà soát")
        verbose_name_plural = _("đợt rà soát")
        constraints = [
            models.UniqueConstraint(fields=["commune", "kind", "year", "month"], name="review_cycle_unique"),
        ]
        indexes = [models.Index(fields=["unit_path"], name="review_cycle_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} · {self.commune}"

    @property
    def is_locked(self) -> bool:
        return self.status == CycleStatus.RECOGNISED

    @property
    def national_standard(self) -> str:
        for ref in self.standards:
            if not ref.get("local"):
                return str(ref["id"])
        return str(self.standards[0]["id"]) if self.standards else ""


class RegularRequest(TimeStampedModel):
    """Form 01 (enter the lists) or Form 04 (leave them), received at the commune."""

    form = models.CharField(_("mẫu đơn"), max_length=2, choices=RequestForm.choices)
    household = models.ForeignKey(
        "households.Household", verbose_name=_("hộ gia đình"), on_delete=models.PROTECT, related_name="review_requests"
    )
    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    received_on = models.DateField(_("ngày nhận đơn"))
    channel = models.CharField(_("hình thức nộp"), max_length=10, choices=RequestChannel.choices)
    applicant_name = models.CharField(_("người đề nghị"), max_length=200)
    content = models.TextField(_("nội dung đề nghị"), blank=True)
    deadline = models.DateField(_("hạn quyết định"))
    status = models.CharField(
        _("tình trạng"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    decided_on = models.DateField(_("ngày quyết định"), null=True, blank=True)
    refusal_reason = models.TextField(_("lý do không công nhận"), blank=True)
    decision = models.ForeignKey(
        "reviews.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("đơn đề nghị")
        verbose_name_plural = _("đơn đề nghị")
        indexes = [models.Index(fields=["unit_path"], name="review_request_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.get_form_display()} · {self.household.code}"


class ReviewCase(TimeStampedModel):
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="cases")
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="review_cases")
    unit_path = models.CharField(max_length=255, editable=False)
    hamlet = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("lý do đưa vào danh sách"), max_length=16, choices=CaseSource.choices)
    request = models.ForeignKey(
        RegularRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    state = models.CharField(_("trạng thái"), max_length=20, choices=CaseState.choices, default=CaseState.LISTED)
    # The Phiếu B answers as a household record v1 (draft until ``survey_complete``).
    survey_record = models.JSONField(_("phiếu khảo sát"), default=dict, blank=True)
    survey_complete = models.BooleanField(default=False)
    surveyed_on = models.DateField(_("ngày khảo sát"), null=True, blank=True)
    # Engine results per standard id, with explanations: {"2022-2025": {...}, "79-2025": {...}}.
    results = models.JSONField(_("kết quả phân loại"), default=dict, blank=True)
    proposed_class = models.CharField(_("phân loại đề xuất"), max_length=16, blank=True)
    proposed_criterion = models.CharField(max_length=16, blank=True)
    causes = models.JSONField(_("nguyên nhân nghèo"), default=list, blank=True)
    wishes = models.JSONField(_("nhu cầu hỗ trợ"), default=list, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["unit_path", "id"]
        verbose_name = _("hồ sơ rà soát hộ")
        verbose_name_plural = _("hồ sơ rà soát hộ")
        constraints = [models.UniqueConstraint(fields=["cycle", "household"], name="review_case_unique")]
        indexes = [
            models.Index(fields=["cycle", "state"], name="review_case_state_idx"),
            models.Index(fields=["unit_path"], name="review_case_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.household.code} · {self.get_state_display()}"


class CaseTransition(models.Model):
    """Who moved a case, from what to what, and when — the case's own history (the audit trail has it too)."""

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=CaseState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} → {self.to_state}"


class VillageMeeting(TimeStampedModel):
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="meetings")
    unit = models.ForeignKey("geo.AdminUnit", verbose_name=_("thôn/ấp"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    held_on = models.DateField(_("ngày họp"))
    attendees = models.PositiveIntegerField(_("số người dự họp"))
    agreeing = models.PositiveIntegerField(_("số người đồng ý"))
    passed = models.BooleanField(_("đạt từ 50% trở lên"))
    chair_name = models.CharField(_("chủ trì"), max_length=200)
    secretary_name = models.CharField(_("thư ký"), max_length=200)
    minutes = models.TextField(_("nội dung biên bản"), blank=True)
    cases = models.ManyToManyField(ReviewCase, related_name="meetings")

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("biên bản họp dân")
        verbose_name_plural = _("biên bản họp dân")

    def __str__(self) -> str:
        return f"{self.unit} {self.held_on}"


class Posting(TimeStampedModel):
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="postings")
    unit = models.ForeignKey("geo.AdminUnit", verbose_name=_("nơi niêm yết"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    place = models.CharField(_("địa điểm niêm yết"), max_length=200)
    starts_on = models.DateField(_("niêm yết từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    cases = models.ManyToManyField(ReviewCase, related_name="postings")

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("đợt niêm yết")
        verbose_name_plural = _("đợt niêm yết")

    def __str__(self) -> str:
        return f"{self.unit} {self.starts_on}–{self.ends_on}"


class Complaint(TimeStampedModel):
    case = models.ForeignKey(ReviewCase, on_delete=models.PROTECT, related_name="complaints")
    unit_path = models.CharField(max_length=255, editable=False)
    received_on = models.DateField(_("ngày nhận khiếu nại"))
    complainant = models.CharField(_("người khiếu nại"), max_length=200)
    content = models.TextField(_("nội dung khiếu nại"))
    status = models.CharField(_("tình trạng"), max_length=10, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.OPEN)
    outcome = models.CharField(_("kết quả"), max_length=16, choices=ComplaintOutcome.choices, blank=True)
    resolution = models.TextField(_("nội dung giải quyết"), blank=True)
    resolved_on = models.DateField(_("ngày giải quyết"), null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("khiếu nại")
        verbose_name_plural = _("khiếu nại")

    def __str__(self) -> str:
        return f"{self.case_id} {self.received_on}"


class Decision(TimeStampedModel):
    """A recognition decision of the commune chair (Form 02), periodic or for regular requests."""

    kind = models.CharField(_("loại"), max_length=10, choices=CycleKind.choices)
    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    cycle = models.ForeignKey(ReviewCycle, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.CharField(_("số quyết định"), max_length=64)
    signed_on = models.DateField(_("ngày ký"))
    # Blank only on a decision brought in with a past list (its file names number and date, not the signer);
    # a decision recognised in this system always names its signer (``_decision_fields_errors``).
    signer_name = models.CharField(_("người ký"), max_length=200, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("quyết định công nhận")
        verbose_name_plural = _("quyết định công nhận")
        constraints = [models.UniqueConstraint(fields=["commune", "number"], name="decision_number_unique")]

    def __str__(self) -> str:
        return self.number


class LedgerEntry(models.Model):
    """One recognised status of one household, for one year and one standard. Never updated.

    ``series`` groups the standards a status is compared across from year to year: ``national`` for the
    national standards (2022-2025 → 2026 → 2027-2030), ``local-<province>`` for a province's own.
    The effective status at the end of a year is the latest entry (by year, ``effective_on``, id) that no
    correction names; see ``reviews.ledger``.
    """

    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="ledger_entries")
    year = models.PositiveSmallIntegerField(_("năm"))
    standard_id = models.CharField(_("chuẩn nghèo"), max_length=32)
    standard_hash = models.CharField(max_length=64, blank=True)
    series = models.CharField(max_length=40)
    kind = models.CharField(_("căn cứ"), max_length=12, choices=LedgerKind.choices)
    klass = models.CharField(_("phân loại"), max_length=16, choices=LedgerClass.choices)
    criterion = models.CharField(max_length=16, blank=True)
    effective_on = models.DateField(_("có hiệu lực từ"))
    recognised_at = models.DateTimeField(_("ghi nhận lúc"), auto_now_add=True)
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    case = models.ForeignKey(ReviewCase, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries")
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    reason = models.TextField(_("lý do"), blank=True)
    # Category snapshot at recognition (rules in ``reviews.categories``).
    ethnic_minority = models.BooleanField(_("hộ dân tộc thiểu số"), default=False)
    meritorious = models.BooleanField(_("hộ có người có công"), default=False)
    social_protection = models.BooleanField(_("hộ có đối tượng bảo trợ xã hội"), default=False)
    no_working_capacity = models.BooleanField(_("hộ không có khả năng lao động"), default=False)
    area = models.CharField(_("khu vực"), max_length=8)
    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["household_id", "year", "effective_on", "id"]
        verbose_name = _("sổ theo dõi hộ nghèo, cận nghèo")
        verbose_name_plural = _("sổ theo dõi hộ nghèo, cận nghèo")
        indexes = [
            models.Index(fields=["series", "year"], name="ledger_series_year_idx"),
            models.Index(fields=["household", "series", "year"], name="ledger_household_idx"),
            models.Index(fields=["unit_path"], name="ledger_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.standard_id}: {self.klass}"


class Certificate(TimeStampedModel):
    """Form 03. ``holder`` is a snapshot of what the paper shows, so a reprint matches the original."""

    number = models.CharField(_("số giấy chứng nhận"), max_length=40)
    seq = models.PositiveIntegerField()
    year = models.PositiveSmallIntegerField(_("năm"))
    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="certificates")
    ledger_entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="certificate")
    case = models.ForeignKey(ReviewCase, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates")
    klass = models.CharField(_("loại hộ"), max_length=16, choices=LedgerClass.choices)
    issued_on = models.DateField(_("ngày cấp"))
    holder = models.JSONField(default=dict)

    class Meta:
        ordering = ["commune_id", "year", "seq"]
        verbose_name = _("giấy chứng nhận hộ nghèo, hộ cận nghèo")
        verbose_name_plural = _("giấy chứng nhận hộ nghèo, hộ cận nghèo")
        constraints = [
            models.UniqueConstraint(fields=["commune", "year", "seq"], name="certificate_seq_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class FormSubmission(models.Model):
    """One submit of a review form, by its idempotency key (a hidden field, random per rendering): a
    second identical submit (a double tap, a resend) is answered like the first instead of acting twice.
    Rows older than two days are purged when a new key is claimed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the first submit sent the user; empty while it is still running or when it did not succeed.
    redirect_to = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="form_submission_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


class StatusSpan(models.Model):
    """The ledger read as spans: household H was in class ``klass`` at the end of every year from
    ``first_year`` to ``last_year`` (open when NULL) in ``series``. Derived from the live ledger entries by
    ``reviews.status.status_spans_refresh`` after every ledger write, never written otherwise, so "poor at
    the end of 2026 in this province" is one indexed range query instead of a pass over the whole ledger.

    Only an entry that is the last of its year makes a span (an earlier entry of the same year was never
    anyone's status at a year's end); ``entry`` names it.
    """

    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="status_spans")
    series = models.CharField(max_length=40)
    klass = models.CharField(max_length=16, choices=LedgerClass.choices)
    first_year = models.PositiveSmallIntegerField()
    last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+")
    standard_id = models.CharField(max_length=32)
    unit_path = models.CharField(max_length=255)
    area = models.CharField(max_length=8)
    ethnic_minority = models.BooleanField(default=False)
    no_working_capacity = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry"], name="status_span_entry_unique")]
        indexes = [
            # Lists walk a scope in (unit_path, household) order and stop after a page.
            models.Index(fields=["series", "unit_path", "household"], name="status_span_list_idx"),
            models.Index(fields=["household", "series", "first_year"], name="status_span_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.series} {self.first_year}–{self.last_year or ''}: {self.klass}"


class CaseNeed(models.Model):
    """One wish for support (``ReviewCase.wishes``) as a row, so the needs still unmet can be found by a
    query. ``current`` marks the wishes of the household's latest surveyed case: a later survey replaces
    what the household asked for. Rebuilt by ``reviews.needs.case_needs_refresh``."""

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="needs")
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=24)
    stated_on = models.DateField()
    year = models.PositiveSmallIntegerField()
    current = models.BooleanField(default=True)
    unit_path = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="case_need_unique")]
        indexes = [models.Index(fields=["household", "current"], name="case_need_household_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.code}"
