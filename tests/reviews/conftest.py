"""Review fixtures: households straight through the ORM, survey records that classify as asked, and a
cast of users on the shared unit tree (a surveyor of one hamlet, the commune officer and approver, an
officer of the neighbouring commune)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from giamngheo.accounts.roles import Role

_citizen_ids = itertools.count(1)

# Answers that make a rural household deprived in 5 of 12 indicators (poor when income ≤ 1.5M/month).
DEPRIVED_DWELLING = {
    "floor_area_m2": 20.0, "walls_durable": False, "frame_durable": False, "roof_durable": True,
    "water_source": "piped", "latrine": "none", "information_devices": [],
}
# Answers with no deprivation at all.
GOOD_DWELLING = {
    "floor_area_m2": 80.0, "walls_durable": True, "frame_durable": True, "roof_durable": True,
    "water_source": "piped", "latrine": "septic", "information_devices": ["tv", "mobile_phone"],
}


def member(mid: str = "1", *, relation: str = "head", name: str = "Nguyễn Văn An", age: int = 40,
           deprived: bool = True, ethnicity: str = "Kinh", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": mid, "relation": relation, "name": name, "sex": "male", "age": age, "ethnicity": ethnicity,
        "disability": "none", "employment": "self_employed", "health_insured": not deprived,
        "uses_internet": not deprived, "education_completed": "upper_secondary", "in_education": False,
        "citizen_id": f"0792010{next(_citizen_ids):05d}",
    }
    data.update(extra)
    return data


def survey(klass: str, *, reference_date: str = "2025-10-01", area: str = "rural", **member_extra: Any) -> dict[str, Any]:
    """A Phiếu B record that the 2022–2025 standard classifies as ``klass``."""
    income = {"poor": 1_200_000, "near_poor": 1_200_000, "average": 2_000_000, "none": 5_000_000}[klass]
    if area == "urban":
        income = {"poor": 1_800_000, "near_poor": 1_800_000, "average": 2_500_000, "none": 6_000_000}[klass]
    deprived = klass == "poor"
    return {
        "reference_date": reference_date, "area": area, "income": income,
        "dwelling": dict(DEPRIVED_DWELLING if deprived else GOOD_DWELLING),
        "members": [member(deprived=deprived, **member_extra)],
    }


@dataclass
class Cast:
    surveyor: Any
    officer: Any
    approver: Any
    outsider: Any


@pytest.fixture
def cast(unit_tree: Any, make_user: Callable[..., Any]) -> Cast:
    return Cast(
        surveyor=make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet, first_name="Lan"),
        officer=make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, first_name="Hà"),
        approver=make_user(role=Role.COMMUNE_APPROVER, unit=unit_tree.commune, first_name="Minh"),
        outsider=make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune),
    )


@pytest.fixture
def make_household(db: None) -> Callable[..., Any]:
    """``make_household(unit_tree.hamlet, code="H1", current_class="poor")``: a household of one head."""
    from giamngheo.households.models import Household, Member

    def make(unit: Any, *, code: str, head: str = "Nguyễn Văn An", current_class: str = "",
             area: str = "rural", ethnicity: str = "Kinh") -> Any:
        commune = unit if unit.level == "commune" else unit.parent
        hamlet = unit if unit.level == "hamlet" else None
        household = Household.objects.create(
            code=code, commune=commune, hamlet=hamlet, unit_path=unit.path, reference_date=dt.date(2024, 10, 1),
            area=area, head_name=head, member_count=1, current_class=current_class,
            current_standard="2022-2025" if current_class else "",
        )
        Member.objects.create(household=household, position=0, member_id="1", relation="head", name=head,
                              sex="male", age=40, ethnicity=ethnicity)
        return household

    return make


@dataclass
class Reviewed:
    cycle: Any
    case: Any
    meeting: Any
    posting: Any
    decision: Any
    certificate: Any
    request: Any
    complaint: Any


@pytest.fixture
def reviewed(unit_tree: Any, cast: Cast, make_household: Callable[..., Any]) -> Reviewed:
    """A commune whose 2025 periodic review is recognised with one certificate, plus a refused Form 04."""
    from giamngheo.reviews import services

    make_household(unit_tree.hamlet, code="H1", head="Lò Văn Páo", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    case = services.review_case_survey(actor=cast.surveyor, case=case, record=survey("poor", ethnicity="Thái"),
                                       expected_version=case.version, complete=True)
    services.review_case_classify(actor=cast.surveyor, case=case)
    meeting = services.review_meeting_record(
        actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, held_on=dt.date(2025, 10, 1), attendees=30,
        agreeing=25, chair_name="Trưởng ấp Bình", secretary_name="Thư ký Lan", minutes="Thống nhất.")
    posting = services.review_case_post(actor=cast.officer, cycle=cycle, unit=unit_tree.hamlet, place="Nhà văn hoá",
                                        starts_on=dt.date(2025, 10, 2), ends_on=dt.date(2025, 10, 6))
    case.refresh_from_db()
    complaint = services.review_complaint_file(actor=cast.officer, case=case, received_on=dt.date(2025, 10, 3),
                                               complainant="Ông B", content="Xin xem lại.")
    services.review_complaint_resolve(actor=cast.officer, complaint=complaint, outcome="result_stands",
                                      resolution="Giữ nguyên.", resolved_on=dt.date(2025, 10, 4))
    decision = services.review_cycle_recognise(actor=cast.approver, cycle=cycle, number="7/QĐ-UBND",
                                               signed_on=dt.date(2025, 10, 10), signer_name="Nguyễn Văn Chủ",
                                               signer_title="Chủ tịch UBND xã")
    certificate = services.review_certificates_issue(actor=cast.approver, cycle=cycle,
                                                     issued_on=dt.date(2025, 10, 11))[0]
    request = services.review_request_file(actor=cast.officer, household=case.household, form="04",
                                           received_on=dt.date(2026, 3, 2), channel="in_person",
                                           applicant_name="Lò Văn Páo")
    rcase = request.cases.get()
    rcase = services.review_case_survey(actor=cast.surveyor, case=rcase,
                                        record=survey("poor", reference_date="2026-03-03"),
                                        expected_version=rcase.version, complete=True)
    services.review_case_classify(actor=cast.surveyor, case=rcase)
    services.review_request_decide(actor=cast.approver, request=request, recognise=False,
                                   decided_on=dt.date(2026, 3, 10), refusal_reason="Hộ vẫn thiếu hụt 5 chỉ số.")
    cycle.refresh_from_db()
    case.refresh_from_db()
    return Reviewed(cycle, case, meeting, posting, decision, certificate, request, complaint)
