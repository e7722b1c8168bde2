"""Steps of the review as a user performs them in the browser, shared by the review's browser tests."""

from __future__ import annotations

from typing import Any


def answer_survey(page: Any, *, surveyed_on: str) -> None:
    """Phiếu B for a household of one working adult: poor on income under the 2022–2025 standard."""
    page.fill("input[name=reference_date]", surveyed_on)
    page.fill("input[name=income]", "1.200.000")
    page.fill("input[name=floor_area_m2]", "20")
    for name, value in (("walls_durable", "no"), ("frame_durable", "no"), ("roof_durable", "yes"),
                        ("members-0-health_insured", "no"), ("members-0-uses_internet", "no"),
                        ("members-0-in_education", "no")):
        page.check(f"input[name='{name}'][value='{value}']")
    page.select_option("select[name=water_source]", "piped")
    page.select_option("select[name=latrine]", "none")
    page.select_option("select[name='members-0-employment']", "self_employed")
    page.select_option("select[name='members-0-education_completed']", "upper_secondary")
    page.select_option("select[name='members-0-disability']", "none")
    # Every indicator must be answered before the live result classifies (information devices included).
    page.locator("input[name=information_devices][value=mobile_phone]").check()
    page.check("input[name=causes][value=capital]")


def record_meeting(page: Any, *, hamlet: str, held_on: str) -> None:
    meeting = page.locator("#meeting")
    meeting.locator("select[name=unit]").select_option(label=hamlet)
    meeting.locator("input[name=held_on]").fill(held_on)
    meeting.locator("input[name=attendees]").fill("30")
    meeting.locator("input[name=agreeing]").fill("24")
    meeting.locator("input[name=chair_name]").fill("Trưởng ấp")
    meeting.locator("input[name=secretary_name]").fill("Thư ký")
    meeting.get_by_role("button", name="Ghi biên bản họp dân").click()


def post_list(page: Any, *, hamlet: str, starts_on: str, ends_on: str) -> None:
    posting = page.locator("#posting")
    posting.locator("select[name=unit]").select_option(label=hamlet)
    posting.locator("input[name=starts_on]").fill(starts_on)
    posting.locator("input[name=ends_on]").fill(ends_on)
    posting.get_by_role("button", name="Niêm yết").click()


def recognise(page: Any, *, number: str, signed_on: str) -> None:
    form = page.locator("#recognise")
    form.locator("input[name=number]").fill(number)
    form.locator("input[name=signed_on]").fill(signed_on)
    form.locator("input[name=signer_name]").fill("Nguyễn Văn Chủ")
    form.get_by_role("button", name="Công nhận và khoá danh sách").click()


def issue_certificates(page: Any, *, issued_on: str, double_tap: bool = False) -> None:
    form = page.locator("#certificates")
    form.locator("input[name=issued_on]").fill(issued_on)
    button = form.get_by_role("button", name="Cấp giấy chứng nhận cho hộ nghèo, hộ cận nghèo")
    button.dblclick() if double_tap else button.click()
