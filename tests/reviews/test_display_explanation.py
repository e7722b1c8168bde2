"""The explanation read at the village meeting: wrapping text, not a monospace block, with no confidence tag,
clause or hash in what is read aloud; those stay in the collapsed "Chi tiết kỹ thuật". The same component
on the review case page, the survey's live "Vì sao?" panel and the household page."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from giamngheo.reviews import engine, services

from .conftest import survey

pytestmark = pytest.mark.django_db

TECHNICAL = re.compile(r"\[[PSV]\]|[0-9a-f]{64}|Điều \d|khoản|tạm áp dụng")


def _parts(html: str) -> tuple[str, str]:
    """(meeting text, technical details) of the first explanation on a page."""
    meeting = re.search(r'<div class="meeting-text">(.*?)</div>\s*<details class="technical">', html, re.S)
    technical = re.search(r'<details class="technical">(.*?)</details>', html, re.S)
    assert meeting and technical, html
    return meeting.group(1), technical.group(1)


def _classified_case(unit_tree, cast, make_household, klass="poor"):
    make_household(unit_tree.hamlet, code="H1", current_class=klass)
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    case = cycle.cases.get()
    case = services.review_case_survey(actor=cast.surveyor, case=case, record=survey(klass),
                                       expected_version=case.version, complete=True)
    services.review_case_classify(actor=cast.surveyor, case=case)
    case.refresh_from_db()
    return case


def test_case_page_explanation_is_wrapping_text_without_technical_tags(unit_tree, cast, make_household, client_for):
    case = _classified_case(unit_tree, cast, make_household)
    html = client_for(cast.officer).get(reverse("reviews:case", args=[case.pk])).content.decode()
    assert '<pre class="explanation"' not in html
    meeting, technical = _parts(html)
    assert "Hộ nghèo" in meeting and "Căn cứ:" in meeting
    assert not TECHNICAL.search(meeting), TECHNICAL.search(meeting)
    standard = engine.standard_title(next(iter(case.results)))
    assert standard  # the class heading names the standard outside the meeting text
    assert re.search(r"\[[PSV]\]", technical) and re.search(r"[0-9a-f]{64}", technical)


def test_live_why_panel_uses_the_same_component():
    record = survey("poor")
    record.update({"id": "H9", "year": 2025, "province_code": "86", "commune_code": "86001"})
    results = [{"standard": engine.standard_title(sid), "class": "Hộ nghèo", "klass": r["class"],
                "text": r["explanation"]["text"], "explanation": r["explanation"]}
               for sid, r in engine.classify(record, ["2022-2025"]).items()]
    html = render_to_string("reviews/partials/live_result.html", {"results": results, "problems": []})
    assert "<pre" not in html
    meeting, technical = _parts(html)
    assert not TECHNICAL.search(meeting)
    assert "[" in technical


def test_household_page_explanation_keeps_tags_out_of_the_meeting_text(unit_tree, cast, make_household, client_for):
    case = _classified_case(unit_tree, cast, make_household)
    html = client_for(cast.officer).get(reverse("households:detail", args=[case.household.code])).content.decode()
    meeting, technical = _parts(html)
    assert not TECHNICAL.search(meeting)
    assert re.search(r"[0-9a-f]{64}", technical)
