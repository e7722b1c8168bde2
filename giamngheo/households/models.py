"""Households and members: the facts of household record v1, one column per fact.

A missing answer is NULL ("not answered"), never False or 0: the standards engine treats the two
differently. Households are never hard-deleted (their yearly ledger must survive); a deletion sets
``deleted_at``. ``version`` guards against lost updates: a save must name the version it edited.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from giamngheo.core.models import TimeStampedModel


class Area(models.TextChoices):
    RURAL = "rural", _("Nông thôn")
    URBAN = "urban", _("Thành thị")


class IncomeBasis(models.TextChoices):
    INCOME = "income", _("Thu nhập")
    SCORE_A = "score_a", _("Điểm A")


class WaterSource(models.TextChoices):
    PIPED = "piped", _("Nước máy")
    BOREHOLE = "borehole", _("Giếng khoan")
    PROTECTED_WELL = "protected_well", _("Giếng đào được bảo vệ")
    PROTECTED_SPRING = "protected_spring", _("Nước khe/mó được bảo vệ")
    RAINWATER = "rainwater", _("Nước mưa")
    BOTTLED = "bottled", _("Nước đóng chai/mua")
    UNPROTECTED_WELL = "unprotected_well", _("Giếng đào không được bảo vệ")
    UNPROTECTED_SPRING = "unprotected_spring", _("Nước khe/mó không được bảo vệ")
    SURFACE = "surface", _("Nước mặt (sông, suối, ao, hồ)")
    OTHER = "other", _("Khác")


class Latrine(models.TextChoices):
    SEPTIC = "septic", _("Tự hoại")
    SEMI_SEPTIC = "semi_septic", _("Bán tự hoại")
    POUR_FLUSH = "pour_flush", _("Thấm dội nước")
    DOUBLE_VAULT = "double_vault", _("Hai ngăn")
    VENTILATED_PIT = "ventilated_pit", _("Chìm có ống thông hơi")
    PIT_NO_SLAB = "pit_no_slab", _("Hố đào không có bệ")
    OVERHANG = "overhang", _("Cầu tõm")
    NONE = "none", _("Không có")
    OTHER = "other", _("Khác")


class InformationDevice(models.TextChoices):
    TV = "tv", _("Ti vi")
    RADIO = "radio", _("Radio")
    DESKTOP = "desktop", _("Máy tính để bàn")
    LAPTOP = "laptop", _("Máy tính xách tay")
    MOBILE_PHONE = "mobile_phone", _("Điện thoại di động")
    TABLET = "tablet", _("Máy tính bảng")


class Waste(models.TextChoices):
    COLLECTED = "collected", _("Được thu gom")
    TREATED_ON_SITE = "treated_on_site", _("Tự xử lý hợp vệ sinh")
    UNTREATED = "untreated", _("Không xử lý")


class Relation(models.TextChoices):
    HEAD = "head", _("Chủ hộ")
    SPOUSE = "spouse", _("Vợ/chồng")
    CHILD = "child", _("Con")
    PARENT = "parent", _("Bố/mẹ")
    GRANDCHILD = "grandchild", _("Cháu")
    GRANDPARENT = "grandparent", _("Ông/bà")
    SIBLING = "sibling", _("Anh/chị/em")
    OTHER_RELATIVE = "other_relative", _("Họ hàng khác")
    OTHER = "other", _("Khác")


class Sex(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class Disability(models.TextChoices):
    NONE = "none", _("Không khuyết tật")
    MILD = "mild", _("Khuyết tật nhẹ")
    SEVERE = "severe", _("Khuyết tật nặng")
    VERY_SEVERE = "very_severe", _("Khuyết tật đặc biệt nặng")


class Employment(models.TextChoices):
    WAGE_WITH_CONTRACT = "wage_with_contract", _("Làm công ăn lương có hợp đồng lao động")
    WAGE_WITHOUT_CONTRACT = "wage_without_contract", _("Làm công ăn lương không có hợp đồng lao động")
    SELF_EMPLOYED = "self_employed", _("Tự làm")
    UNEMPLOYED = "unemployed", _("Thất nghiệp (muốn làm việc nhưng không có việc)")
    NOT_WORKING = "not_working", _("Không tham gia lao động (đi học, nội trợ, nghỉ hưu, mất sức)")


class Nutrition(models.TextChoices):
    NORMAL = "normal", _("Bình thường")
    STUNTED = "stunted", _("Suy dinh dưỡng thấp còi")
    UNDERWEIGHT = "underweight", _("Suy dinh dưỡng nhẹ cân")
    STUNTED_UNDERWEIGHT = "stunted_underweight", _("Thấp còi và nhẹ cân")


class Education(models.TextChoices):
    NONE = "none", _("Chưa tốt nghiệp tiểu học")
    PRIMARY = "primary", _("Tiểu học")
    LOWER_SECONDARY = "lower_secondary", _("Trung học cơ sở")
    UPPER_SECONDARY = "upper_secondary", _("Trung học phổ thông")
    VOCATIONAL_ELEMENTARY = "vocational_elementary", _("Sơ cấp nghề")
    VOCATIONAL_INTERMEDIATE = "vocational_intermediate", _("Trung cấp")
    COLLEGE = "college", _("Cao đẳng")
    UNIVERSITY = "university", _("Đại học trở lên")


class School(models.TextChoices):
    APPROPRIATE_LEVEL = "appropriate_level", _("Đi học đúng cấp")
    BELOW_LEVEL = "below_level", _("Đi học chậm cấp")
    NOT_ATTENDING = "not_attending", _("Không đi học")


class Household(TimeStampedModel):
    code = models.CharField(_("mã hộ"), max_length=64, unique=True)
    commune = models.ForeignKey(
        "geo.AdminUnit", verbose_name=_("xã/phường"), on_delete=models.PROTECT, related_name="households"
    )
    hamlet = models.ForeignKey(
        "geo.AdminUnit", verbose_name=_("thôn/ấp"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="hamlet_households",
    )
    unit_path = models.CharField(max_length=255, editable=False)
    reference_date = models.DateField(_("ngày rà soát"))
    year = models.PositiveSmallIntegerField(_("năm rà soát"), null=True, blank=True)
    area = models.CharField(_("khu vực"), max_length=8, choices=Area.choices)
    income = models.BigIntegerField(_("thu nhập bình quân (đồng/người/tháng)"), null=True, blank=True)
    score_a = models.FloatField(_("điểm A"), null=True, blank=True)
    income_basis = models.CharField(_("căn cứ thu nhập"), max_length=8, choices=IncomeBasis.choices, blank=True)
    floor_area_m2 = models.FloatField(_("diện tích nhà ở (m²)"), null=True, blank=True)
    walls_durable = models.BooleanField(_("tường bền chắc"), null=True, blank=True)
    frame_durable = models.BooleanField(_("cột/khung bền chắc"), null=True, blank=True)
    roof_durable = models.BooleanField(_("mái bền chắc"), null=True, blank=True)
    water_source = models.CharField(_("nguồn nước sinh hoạt"), max_length=20, choices=WaterSource.choices, blank=True)
    latrine = models.CharField(_("nhà tiêu"), max_length=16, choices=Latrine.choices, blank=True)
    information_devices = models.JSONField(_("phương tiện tiếp cận thông tin"), null=True, blank=True)
    hears_loudspeaker = models.BooleanField(_("nghe được loa truyền thanh"), null=True, blank=True)
    waste = models.CharField(_("xử lý rác thải"), max_length=16, choices=Waste.choices, blank=True)

    head_name = models.CharField(_("chủ hộ"), max_length=200, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    member_count = models.PositiveSmallIntegerField(_("số nhân khẩu"), default=0)
    current_class = models.CharField(_("phân loại hiện tại"), max_length=16, blank=True, db_index=True)
    current_standard = models.CharField(max_length=32, blank=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["unit_path", "id"]
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")
        indexes = [
            models.Index(fields=["unit_path", "id"], name="household_scope_idx"),
            models.Index(
                fields=["unit_path"], name="household_path_like_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["commune", "current_class"], name="household_commune_class_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.head_name}"


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(default=0)
    member_id = models.CharField(_("mã thành viên"), max_length=64)
    relation = models.CharField(_("quan hệ với chủ hộ"), max_length=16, choices=Relation.choices)
    name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    citizen_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True, db_index=True)
    sex = models.CharField(_("giới tính"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    age = models.PositiveSmallIntegerField(_("tuổi"), null=True, blank=True)
    ethnicity = models.CharField(_("dân tộc"), max_length=64, blank=True)
    disability = models.CharField(_("khuyết tật"), max_length=12, choices=Disability.choices, blank=True)
    monthly_social_allowance = models.BooleanField(_("hưởng trợ cấp xã hội hằng tháng"), null=True, blank=True)
    meritorious = models.BooleanField(_("người có công với cách mạng"), null=True, blank=True)
    working_age = models.BooleanField(_("trong độ tuổi lao động (khai báo)"), null=True, blank=True)
    employment = models.CharField(_("việc làm"), max_length=24, choices=Employment.choices, blank=True)
    health_insured = models.BooleanField(_("có thẻ bảo hiểm y tế"), null=True, blank=True)
    nutrition = models.CharField(_("dinh dưỡng"), max_length=20, choices=Nutrition.choices, blank=True)
    education_completed = models.CharField(
        _("trình độ giáo dục cao nhất"), max_length=24, choices=Education.choices, blank=True
    )
    in_education = models.BooleanField(_("đang đi học/đào tạo"), null=True, blank=True)
    school = models.CharField(_("tình trạng đi học"), max_length=20, choices=School.choices, blank=True)
    uses_internet = models.BooleanField(_("sử dụng internet"), null=True, blank=True)
    uses_phone = models.BooleanField(_("có thuê bao điện thoại"), null=True, blank=True)
    ill_untreated = models.BooleanField(_("ốm đau không đi khám chữa bệnh"), null=True, blank=True)

    class Meta:
        ordering = ["household_id", "position"]
        verbose_name = _("thành viên hộ")
        verbose_name_plural = _("thành viên hộ")
        constraints = [
            models.UniqueConstraint(fields=["household", "member_id"], name="member_id_unique_in_household")
        ]

    def __str__(self) -> str:
        return self.name or self.member_id


class Classification(models.Model):
    """The engine's latest result for a household under one standard (national or local), with the
    definition's hash and a snapshot of the record it was computed from, so it can be re-explained."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="classifications")
    standard_id = models.CharField(_("chuẩn nghèo"), max_length=32)
    standard_hash = models.CharField(max_length=64)
    is_local = models.BooleanField(default=False)
    year = models.PositiveSmallIntegerField(_("năm"))
    klass = models.CharField(_("phân loại"), max_length=16)
    criterion = models.CharField(max_length=16, blank=True)
    deprivation_count = models.PositiveSmallIntegerField(default=0)
    deprivations = models.JSONField(default=list)
    unknown = models.JSONField(default=list)
    income_line = models.BigIntegerField(null=True, blank=True)
    basis = models.CharField(max_length=8, blank=True)
    result = models.JSONField(default=dict)
    input_snapshot = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kết quả phân loại")
        verbose_name_plural = _("kết quả phân loại")
        constraints = [
            models.UniqueConstraint(fields=["household", "standard_id"], name="classification_unique_standard")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.standard_id}: {self.klass}"
