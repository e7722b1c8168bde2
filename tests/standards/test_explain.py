"""Explanations: built from the executor's flags; structured data and printable text, Vietnamese and English."""

from __future__ import annotations

from giamngheo.standards import classify_record

from .builders import household, member
from .strategies import ISSUE_14_RECORD


def test_explanation_names_the_members_and_answers_that_caused_each_deprivation() -> None:
    record = household(income=1_200_000, members=[
        member(name="Nguyễn Văn An", health_insured=False),
        member(id="M2", relation="spouse", sex="female", name="Trần Thị Bình", birth_date="1990-03-01",
               employment="unemployed"),
        member(id="M3", relation="child", birth_date="2012-01-01", name="Nguyễn Văn Cường", health_insured=True,
               nutrition="normal", school="not_attending"),
    ], dwelling={"latrine": "overhang"})
    result = classify_record(record, "2022-2025", explain=True)
    explanation = result["explanation"]
    assert explanation["class"] == "poor"
    entries = {e["code"]: e for e in explanation["indicators"]}
    assert list(entries) == result["deprivations"] == ["employment", "health_insurance", "school_attendance",
                                                        "latrine"]
    assert [m["id"] for m in entries["employment"]["members"]] == ["M2"]
    assert entries["employment"]["members"][0]["answers"]["employment"]["text"] == (
        "thất nghiệp (muốn làm việc nhưng chưa có việc)")
    assert entries["employment"]["members"][0]["answers"]["working_age"]["value"] is True
    assert [m["id"] for m in entries["health_insurance"]["members"]] == ["M1"]
    assert entries["latrine"]["answers"]["latrine"]["text"] == "cầu tõm trên ao/sông"
    assert entries["latrine"]["tag"] == "P"
    assert explanation["decision"]["income_line"] == 1_500_000
    text = explanation["text"]
    assert "Kết quả: HỘ NGHÈO" in text
    assert ("Thu nhập bình quân 1.200.000 đồng/người/tháng, không vượt chuẩn nghèo 1.500.000 đồng/người/tháng "
            "(nông thôn); hộ thiếu hụt 4/12 chỉ số (ngưỡng: từ 3 chỉ số trở lên): hộ nghèo.") in text
    assert "• Trần Thị Bình (M2), 35 tuổi: trong độ tuổi lao động: có; việc làm: thất nghiệp" in text
    assert "có ít nhất một thành viên từ đủ 6 tuổi trở lên hiện không có bảo hiểm y tế" in text


def test_unknown_indicators_list_the_unanswered_members_in_english() -> None:
    record = household(income=1_000_000, members=[member(health_insured=None, name="An")])
    explanation = classify_record(record, "2022-2025", explain=True, lang="en")["explanation"]
    (entry,) = explanation["indicators"]
    assert (entry["code"], entry["status"]) == ("health_insurance", "unknown")
    assert entry["members"][0]["answers"]["health_insured"]["text"] == "not answered"
    assert "Unknown indicators (missing answers) (1/12):" in explanation["text"]
    assert "• An (M1), aged 40: has valid health insurance: not answered — unknown" in explanation["text"]
    assert explanation["decision"]["text"].startswith("Per-capita income 1,000,000 VND a month")


def test_2016_criterion_is_explained() -> None:
    record = household(income=650_000, reference_date="2019-01-01")
    explanation = classify_record(record, "2016-2020", explain=True)["explanation"]
    assert explanation["criterion"] == "income"
    assert explanation["decision"]["text"].endswith("hộ nghèo theo tiêu chí thu nhập.")
    assert "Hộ không thiếu hụt chỉ số nào." in explanation["text"]


def test_yearly_lines_are_explained_per_year() -> None:
    record = household(income=4_000_000, province_code="79")
    text = classify_record(record, "79-2025", explain=True)["explanation"]["decision"]["text"]
    assert text.startswith("Thu nhập bình quân 48.000.000 đồng/người/năm (4.000.000 đồng/người/tháng), trên chuẩn "
                           "nghèo 46.000.000 đồng/người/năm đến chuẩn cận nghèo 54.000.000 đồng/người/năm")


def test_low_income_workers_are_named() -> None:
    record = household(income=2_000_000, members=[member(name="Lê Văn Dũng")])
    result = classify_record(record, "2022-2025", explain=True)
    assert result["class"] == "average"
    assert "Người lao động có thu nhập thấp (Nghị định 30/2025/NĐ-CP): Lê Văn Dũng." in result["explanation"]["text"]


def test_score_basis_cites_the_score_form() -> None:
    record = household(score_a=130, income_basis="score_a", dwelling={"latrine": "none", "water_source": "surface",
                                                                     "floor_area_m2": 3.0})
    explanation = classify_record(record, "2022-2025", explain=True)["explanation"]
    assert explanation["decision"]["clause"] == "Thông tư 07/2021/TT-BLĐTBXH, Phiếu B"
    assert explanation["decision"]["text"].startswith("Điểm A = 130, không vượt ngưỡng 140 (nông thôn); điểm B = 30")


def test_a_birth_date_read_by_a_rule_is_written_as_a_date_in_both_languages() -> None:
    # Issue 14, as the property test first found it: the explanation failed with "float() argument must be … not
    # 'datetime.date'".
    record = ISSUE_14_RECORD
    for lang, shown in (("vi", "ngày sinh: 02/01/2000"), ("en", "birth date: 2 January 2000")):
        explanation = classify_record(record, "2016-2020", explain=True, lang=lang)["explanation"]
        entry = next(e for e in explanation["indicators"] if e["code"] == "adult_education")
        assert entry["status"] == "unknown"
        assert entry["members"][0]["answers"]["birth_date"]["value"] == "2000-01-02"
        assert shown in explanation["text"]
