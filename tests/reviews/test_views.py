"""The review pages through the test client: each page renders for the people of the commune, every
page, fragment and document answers 404 to anyone outside it, and the posted list and certificate show
nothing sensitive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from giamngheo.reviews import services
from giamngheo.reviews.states import CaseState

from .conftest import survey

pytestmark = pytest.mark.django_db


def _urls(r):
    return [
        reverse("reviews:cycle", args=[r.cycle.pk]),
        reverse("reviews:case", args=[r.case.pk]),
        reverse("reviews:minutes", args=[r.meeting.pk]),
        reverse("reviews:posted_list", args=[r.posting.pk]),
        reverse("reviews:decision_pdf", args=[r.decision.pk]),
        reverse("reviews:certificate_pdf", args=[r.certificate.pk]),
        reverse("reviews:request", args=[r.request.pk]),
        reverse("reviews:request_reply", args=[r.request.pk]),
    ]


def test_pages_render_for_the_commune(reviewed, cast, client_for):
    client = client_for(cast.officer)
    for url in [reverse("reviews:index"), reverse("reviews:requests"), *_urls(reviewed)]:
        response = client.get(url)
        assert response.status_code == 200, url
    pdf = client_for(cast.approver).get(reverse("reviews:certificate_pdf", args=[reviewed.certificate.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_outsider_reaches_nothing(reviewed, cast, client_for):
    client = client_for(cast.outsider)
    for url in _urls(reviewed):
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("reviews:case_preview", args=[reviewed.case.pk]),
        reverse("reviews:case_classify", args=[reviewed.case.pk]),
        reverse("reviews:case_complaint", args=[reviewed.case.pk]),
        reverse("reviews:complaint_resolve", args=[reviewed.complaint.pk]),
        reverse("reviews:cycle_meeting", args=[reviewed.cycle.pk]),
        reverse("reviews:cycle_recognise", args=[reviewed.cycle.pk]),
        reverse("reviews:cycle_certificates", args=[reviewed.cycle.pk]),
    ]
    for url in posts:
        assert client.post(url, {}).status_code == 404, url
    dashboard = client.get(reverse("reviews:index"))
    assert reviewed.case.household.head_name not in dashboard.content.decode()
    assert reviewed.cycle.commune.name not in dashboard.content.decode()


def test_surveyor_of_another_hamlet_cannot_open_the_case(reviewed, unit_tree, make_user, client_for):
    from giamngheo.accounts.roles import Role

    other = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet2)
    assert client_for(other).get(reverse("reviews:case", args=[reviewed.case.pk])).status_code == 404


def test_certificate_needs_the_right_to_see_citizen_ids(reviewed, unit_tree, make_user, client_for):
    from giamngheo.accounts.roles import Role

    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    assert client_for(viewer).get(reverse("reviews:certificate_pdf", args=[reviewed.certificate.pk])).status_code == 404


def test_posted_list_shows_only_name_hamlet_and_class(reviewed, cast, client_for):
    html = client_for(cast.officer).get(reverse("reviews:posted_list", args=[reviewed.posting.pk])).content.decode()
    assert "Nguyễn Văn An" in html or "Lò Văn Páo" in html
    assert "Ấp Bình Minh" in html and "Hộ nghèo" in html
    record = reviewed.case.survey_record
    assert str(record["income"]) not in html and "1.200.000" not in html
    assert record["members"][0]["citizen_id"] not in html
    assert "thiếu hụt" not in html.lower()


def _survey_post(case, record_extra=None, action="draft"):
    data = {
        "version": case.version, "action": action, "reference_date": "01/10/2025", "area": "rural",
        "income": "1.200.000", "floor_area_m2": "20", "walls_durable": "no", "frame_durable": "no",
        "roof_durable": "yes", "water_source": "piped", "latrine": "none", "information_devices_unanswered": "",
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "60", "members-0-member_id": "1", "members-0-relation": "head",
        "members-0-name": "Lò Văn Páo", "members-0-sex": "male", "members-0-age": "40",
        "members-0-health_insured": "no", "members-0-uses_internet": "no", "members-0-employment": "self_employed",
        "members-0-education_completed": "upper_secondary", "members-0-in_education": "no",
        "members-0-disability": "none", "members-0-citizen_id": "079201099999",
        "causes": ["capital"], "wishes": ["credit", "housing"],
    }
    data.update(record_extra or {})
    return data


def test_survey_form_draft_then_complete_then_classify(unit_tree, cast, make_household, client_for):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    client = client_for(cast.surveyor)
    url = reverse("reviews:case", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'hx-post="' + reverse("reviews:case_preview", args=[case.pk]) in page.content.decode()

    preview = client.post(reverse("reviews:case_preview", args=[case.pk]), _survey_post(case))
    assert preview.status_code == 200 and "Hộ nghèo" in preview.content.decode()

    response = client.post(url, _survey_post(case))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.LISTED and case.survey_record["income"] == 1_200_000
    assert case.causes == ["capital"] and case.wishes == ["credit", "housing"]

    # Completing without a head: the error names the member field, the draft stays.
    bad = client.post(url, _survey_post(case, {"members-0-relation": "child"}, action="complete"))
    assert bad.status_code == 422 and "chủ hộ" in bad.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.LISTED

    done = client.post(url, _survey_post(case, action="complete"))
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.SURVEYED
    client.post(reverse("reviews:cycle_classify", args=[cycle.pk]))
    case.refresh_from_db()
    assert case.state == CaseState.CLASSIFIED and case.proposed_class == "poor"


def test_meeting_form_below_half_reports_and_returns_cases(unit_tree, cast, make_household, client_for):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    case = services.review_case_survey(actor=cast.surveyor, case=case, record=survey("poor"),
                                       expected_version=case.version, complete=True)
    services.review_case_classify(actor=cast.surveyor, case=case)
    response = client_for(cast.officer).post(reverse("reviews:cycle_meeting", args=[cycle.pk]), {
        "unit": unit_tree.hamlet.pk, "held_on": "05/10/2025", "attendees": "10", "agreeing": "4",
        "chair_name": "A", "secretary_name": "B"}, follow=True)
    assert "Dưới 50%" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.LISTED


def test_overdue_request_is_flagged_on_the_dashboard(unit_tree, cast, make_household, client_for):
    household = make_household(unit_tree.hamlet, code="H1")
    services.review_request_file(actor=cast.officer, household=household, form="01",
                                 received_on=dt.date(2020, 1, 2), channel="post", applicant_name="A")
    html = client_for(cast.officer).get(reverse("reviews:index")).content.decode()
    assert "Đơn quá hạn 15 ngày chưa quyết định" in html and "H1" in html
