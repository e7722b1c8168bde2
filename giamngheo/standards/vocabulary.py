"""Vietnamese and English labels of record fields, answer values, classes and confidence tags.

Used by explanations (for the web page and the printed sheet read at the village meeting) and by the docs.
"""

from __future__ import annotations

from typing import Any

Label = tuple[str, str]  # (Vietnamese, English)

FIELDS: dict[str, Label] = {
    "floor_area_m2": ("diện tích nhà ở", "floor area"),
    "walls_durable": ("tường bền chắc", "durable walls"),
    "frame_durable": ("khung cột bền chắc", "durable frame/columns"),
    "roof_durable": ("mái bền chắc", "durable roof"),
    "water_source": ("nguồn nước sinh hoạt chính", "main water source"),
    "latrine": ("nhà tiêu đang dùng", "latrine used"),
    "information_devices": ("phương tiện thông tin của hộ", "information devices"),
    "hears_loudspeaker": ("nghe được loa truyền thanh xã/thôn", "hears the commune/village loudspeaker"),
    "waste": ("xử lý rác thải sinh hoạt", "household waste"),
    "birth_date": ("ngày sinh", "birth date"),
    "working_age": ("trong độ tuổi lao động", "of working age"),
    "employment": ("việc làm", "employment"),
    "health_insured": ("có thẻ bảo hiểm y tế còn hạn", "has valid health insurance"),
    "nutrition": ("tình trạng dinh dưỡng", "nutrition"),
    "education_completed": ("trình độ học vấn cao nhất đã tốt nghiệp", "highest level completed"),
    "in_education": ("đang đi học hoặc học nghề", "in education or training"),
    "school": ("tình trạng đi học", "school attendance"),
    "uses_internet": ("sử dụng internet", "uses internet"),
    "uses_phone": ("có thuê bao điện thoại", "has a telephone subscription"),
    "ill_untreated": ("ốm đau mà không đi khám chữa bệnh", "ill and did not seek care"),
    "disability": ("khuyết tật", "disability"),
    "monthly_social_allowance": ("hưởng trợ cấp xã hội hằng tháng", "receives a monthly social allowance"),
}

VALUES: dict[str, Label] = {
    # water sources
    "piped": ("nước máy", "piped water"),
    "borehole": ("giếng khoan", "borehole"),
    "protected_well": ("giếng đào được bảo vệ", "protected dug well"),
    "protected_spring": ("nước khe/mó được bảo vệ", "protected spring"),
    "rainwater": ("nước mưa", "rainwater"),
    "bottled": ("nước đóng chai hoặc nước mua", "bottled or purchased water"),
    "unprotected_well": ("giếng đào không được bảo vệ", "unprotected dug well"),
    "unprotected_spring": ("nước khe/mó không được bảo vệ", "unprotected spring"),
    "surface": ("nước sông/suối/ao/hồ", "surface water"),
    # latrines
    "septic": ("tự hoại", "septic tank"),
    "semi_septic": ("bán tự hoại", "semi-septic"),
    "pour_flush": ("dội nước", "pour-flush"),
    "double_vault": ("hai ngăn", "double-vault"),
    "ventilated_pit": ("chìm có ống thông hơi", "ventilated improved pit"),
    "pit_no_slab": ("hố đào không có bệ", "pit without slab"),
    "overhang": ("cầu tõm trên ao/sông", "overhanging latrine"),
    # information devices
    "tv": ("ti vi", "TV"),
    "radio": ("radio", "radio"),
    "desktop": ("máy tính để bàn", "desktop computer"),
    "laptop": ("máy tính xách tay", "laptop"),
    "mobile_phone": ("điện thoại di động", "mobile phone"),
    "tablet": ("máy tính bảng", "tablet"),
    # waste
    "collected": ("được thu gom", "collected"),
    "treated_on_site": ("tự xử lý hợp vệ sinh tại chỗ", "treated hygienically on site"),
    "untreated": ("không được thu gom hay xử lý", "neither collected nor treated"),
    # employment
    "wage_with_contract": ("làm công ăn lương có hợp đồng lao động", "wage work with a labour contract"),
    "wage_without_contract": ("làm công ăn lương không có hợp đồng lao động", "wage work without a labour contract"),
    "self_employed": ("tự làm", "self-employed"),
    "unemployed": ("thất nghiệp (muốn làm việc nhưng chưa có việc)", "unemployed (wants work, has none)"),
    "not_working": ("không tham gia lao động", "outside the labour force"),
    # nutrition
    "normal": ("bình thường", "normal"),
    "stunted": ("thấp còi", "stunted"),
    "underweight": ("nhẹ cân", "underweight"),
    "stunted_underweight": ("thấp còi và nhẹ cân", "stunted and underweight"),
    # education
    "primary": ("tiểu học", "primary"),
    "lower_secondary": ("trung học cơ sở", "lower secondary"),
    "upper_secondary": ("trung học phổ thông", "upper secondary"),
    "vocational_elementary": ("sơ cấp nghề", "elementary vocational"),
    "vocational_intermediate": ("trung cấp", "intermediate vocational"),
    "college": ("cao đẳng", "college"),
    "university": ("đại học trở lên", "university or higher"),
    # school
    "appropriate_level": ("đi học đúng bậc, cấp học theo độ tuổi", "attends the level for their age"),
    "below_level": ("đi học thấp hơn bậc, cấp học theo độ tuổi", "attends below the level for their age"),
    "not_attending": ("không đi học", "not attending"),
    # disability
    "mild": ("khuyết tật nhẹ", "mild"),
    "severe": ("khuyết tật nặng", "severe"),
    "very_severe": ("khuyết tật đặc biệt nặng", "very severe"),
    # areas
    "rural": ("nông thôn", "rural"),
    "urban": ("thành thị", "urban"),
}

# Values whose label depends on the field (the same code means different things).
FIELD_VALUES: dict[tuple[str, str], Label] = {
    ("water_source", "other"): ("nguồn khác", "other source"),
    ("latrine", "other"): ("loại khác", "other type"),
    ("latrine", "none"): ("không có nhà tiêu", "no latrine"),
    ("education_completed", "none"): ("chưa tốt nghiệp cấp học nào", "none"),
    ("disability", "none"): ("không khuyết tật", "none"),
}

CLASSES: dict[str, Label] = {
    "poor": ("hộ nghèo", "poor"),
    "near_poor": ("hộ cận nghèo", "near-poor"),
    "average": ("hộ có mức sống trung bình", "average living standard"),
    "none": ("không thuộc diện hộ nghèo, hộ cận nghèo, hộ có mức sống trung bình",
             "not poor, near-poor or of average living standard"),
    "undetermined": ("chưa xác định được", "undetermined"),
}

TAGS: dict[str, Label] = {
    "V": ("đã đối chiếu văn bản pháp luật", "verified against the legal text"),
    "S": ("theo nguồn thứ cấp đáng tin cậy, chưa xem toàn văn", "reliable secondary source, text not seen"),
    "P": ("tạm áp dụng, chưa có văn bản; là tham số có thể sửa", "provisional, legal text not available; an editable parameter"),
}

SERVICES: dict[str, Label] = {
    "employment": ("việc làm", "employment"),
    "health": ("y tế", "health"),
    "education": ("giáo dục", "education"),
    "housing": ("nhà ở", "housing"),
    "water_sanitation": ("nước sinh hoạt và vệ sinh", "water and sanitation"),
    "information": ("thông tin", "information"),
}


def pick(label: Label, lang: str) -> str:
    return label[1] if lang == "en" else label[0]


def value_label(field: str, value: Any, lang: str) -> str:
    """An answer as words: booleans as yes/no, missing as "not answered", codes by their label."""
    if value is None:
        return pick(("chưa trả lời", "not answered"), lang)
    if isinstance(value, bool):
        return pick(("có", "yes") if value else ("không", "no"), lang)
    if isinstance(value, list):
        if not value:
            return pick(("không có", "none"), lang)
        return ", ".join(value_label(field, item, lang) for item in value)
    if isinstance(value, str):
        label = FIELD_VALUES.get((field, value)) or VALUES.get(value)
        return pick(label, lang) if label else value
    if field == "floor_area_m2":
        return f"{format_number(value, lang)} m²"
    return format_number(value, lang)


def format_number(value: float, lang: str) -> str:
    """1500000 → "1.500.000" (vi) or "1,500,000" (en); 6.5 → "6,5" (vi) or "6.5" (en)."""
    if float(value).is_integer():
        text = f"{int(value):,}"
        return text.replace(",", ".") if lang != "en" else text
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if lang != "en":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text
