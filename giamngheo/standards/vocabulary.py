"""Vietnamese and English labels of record fields, answer values, classes and confidence tags, and the answer
formatters.

Used by explanations (for the web page and the printed sheet read at the village meeting) and by the docs. An
answer is put into words by the formatter of its field's kind in the record definition (``FieldSpec.kind`` in
``record.py``), never by looking at the Python type of the value: a date, a number and a code each have their own
formatter in both languages, and a field of a new kind fails the test of this table, not a village meeting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from giamngheo.standards import record as rec

Label = tuple[str, str]  # (Vietnamese, English)

FIELDS: dict[str, Label] = {
    # household
    "id": ("mã", "id"),
    "reference_date": ("ngày rà soát", "reference date"),
    "year": ("năm rà soát", "review year"),
    "area": ("khu vực", "area"),
    "province_code": ("mã tỉnh", "province code"),
    "commune_code": ("mã xã", "commune code"),
    "hamlet": ("thôn/ấp", "hamlet"),
    "income": ("thu nhập bình quân đầu người", "per-capita income"),
    "score_a": ("điểm A", "score A"),
    "income_basis": ("căn cứ phân loại", "basis of the classification"),
    # dwelling
    "floor_area_m2": ("diện tích nhà ở", "floor area"),
    "walls_durable": ("tường bền chắc", "durable walls"),
    "frame_durable": ("khung cột bền chắc", "durable frame/columns"),
    "roof_durable": ("mái bền chắc", "durable roof"),
    "water_source": ("nguồn nước sinh hoạt chính", "main water source"),
    "latrine": ("nhà tiêu đang dùng", "latrine used"),
    "information_devices": ("phương tiện thông tin của hộ", "information devices"),
    "hears_loudspeaker": ("nghe được loa truyền thanh xã/thôn", "hears the commune/village loudspeaker"),
    "waste": ("xử lý rác thải sinh hoạt", "household waste"),
    # members
    "relation": ("quan hệ với chủ hộ", "relation to the head"),
    "name": ("họ và tên", "name"),
    "citizen_id": ("số định danh cá nhân", "personal identification number"),
    "sex": ("giới tính", "sex"),
    "age": ("tuổi", "age"),
    "ethnicity": ("dân tộc", "ethnicity"),
    "meritorious": ("người có công với cách mạng", "person with meritorious services"),
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
    # relations
    "head": ("chủ hộ", "head"),
    "spouse": ("vợ/chồng", "spouse"),
    "child": ("con", "child"),
    "parent": ("cha/mẹ", "parent"),
    "grandchild": ("cháu", "grandchild"),
    "grandparent": ("ông/bà", "grandparent"),
    "sibling": ("anh/chị/em", "sibling"),
    "other_relative": ("họ hàng khác", "other relative"),
    # sexes
    "male": ("nam", "male"),
    "female": ("nữ", "female"),
}

# Values whose label depends on the field (the same code means different things).
FIELD_VALUES: dict[tuple[str, str], Label] = {
    ("water_source", "other"): ("nguồn khác", "other source"),
    ("latrine", "other"): ("loại khác", "other type"),
    ("latrine", "none"): ("không có nhà tiêu", "no latrine"),
    ("education_completed", "none"): ("chưa tốt nghiệp cấp học nào", "none"),
    ("disability", "none"): ("không khuyết tật", "none"),
    ("relation", "other"): ("người khác, không có quan hệ họ hàng", "other, not related"),
    ("income_basis", "income"): ("thu nhập", "income"),
    ("income_basis", "score_a"): ("điểm A", "score A"),
}
# Units written after a number answer.
UNITS: dict[str, Label] = {
    "floor_area_m2": ("m²", "m²"),
    "income": ("đồng/người/tháng", "VND per person a month"),
}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")

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


def code_label(field: str, code: str, lang: str) -> str:
    """A coded answer in words; the field decides codes such as ``other`` and ``none``. Unknown codes as they are."""
    label = FIELD_VALUES.get((field, code)) or VALUES.get(code)
    return pick(label, lang) if label else code


def _date_text(spec: rec.FieldSpec, value: Any, lang: str) -> str:
    # Executor rows hold dates; a record holds them as text. Either way the same day is written out.
    day = value if isinstance(value, dt.date) else rec.parse_date(str(value))
    if day is None:
        return str(value)
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}" if lang == "en" else day.strftime("%d/%m/%Y")


def _number_text(spec: rec.FieldSpec, value: Any, lang: str) -> str:
    text = format_number(value, lang)
    unit = UNITS.get(spec.name)
    return f"{text} {pick(unit, lang)}" if unit else text


def _boolean_text(spec: rec.FieldSpec, value: Any, lang: str) -> str:
    return pick(("có", "yes") if value else ("không", "no"), lang)


def _enum_text(spec: rec.FieldSpec, value: Any, lang: str) -> str:
    return code_label(spec.name, str(value), lang)


def _enum_list_text(spec: rec.FieldSpec, value: Any, lang: str) -> str:
    if not value:
        return pick(("không có", "none"), lang)
    return ", ".join(code_label(spec.name, str(item), lang) for item in value)


def _string_text(spec: rec.FieldSpec, value: Any, lang: str) -> str:
    return str(value)


AnswerFormatter = Callable[[rec.FieldSpec, Any, str], str]
# One formatter per field kind of the record definition (tests/standards/test_vocabulary.py checks that every kind
# has one and every field a label).
FORMATTERS: dict[rec.Kind, AnswerFormatter] = {
    "string": _string_text,
    "date": _date_text,
    "integer": _number_text,
    "number": _number_text,
    "boolean": _boolean_text,
    "enum": _enum_text,
    "enum_list": _enum_list_text,
}
HOUSEHOLD_SPECS: dict[str, rec.FieldSpec] = {f.name: f for f in (*rec.HOUSEHOLD_FIELDS, *rec.DWELLING_FIELDS)}
MEMBER_SPECS: dict[str, rec.FieldSpec] = {f.name: f for f in rec.MEMBER_FIELDS}


def answer_text(spec: rec.FieldSpec, value: Any, lang: str) -> str:
    """An answer in words, by the formatter of its field's kind; a missing answer is "not answered"."""
    if value is None:
        return pick(("chưa trả lời", "not answered"), lang)
    return FORMATTERS[spec.kind](spec, value, lang)


def answer(spec: rec.FieldSpec, value: Any, lang: str) -> dict[str, Any]:
    """An answer as explanations show it: the field's label, the value as the record writes it (dates as
    ``YYYY-MM-DD``, so an explanation is plain JSON) and the value in words."""
    shown = value.isoformat() if spec.kind == "date" and isinstance(value, dt.date) else value
    return {"label": pick(FIELDS[spec.name], lang), "value": shown, "text": answer_text(spec, value, lang)}


def format_number(value: float, lang: str) -> str:
    """1500000 → "1.500.000" (vi) or "1,500,000" (en); 6.5 → "6,5" (vi) or "6.5" (en).

    Every digit the record holds is written (140.004 is not shown as 140, which would contradict a cut of 140);
    a float is written with its shortest exact decimal form, never in exponent notation.
    """
    if isinstance(value, float) and value.is_integer() or isinstance(value, int):
        text = f"{int(value):,}"
    else:
        text = f"{Decimal(repr(float(value))):,f}"
    if lang != "en":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text
