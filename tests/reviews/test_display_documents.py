"""What the printed documents show: the certificate cites the Decision it rests on and keeps the commune's
name on one line; the printed minutes never print their own button; a surveyor is offered only the
documents of their own hamlet."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from giamngheo.reviews import services

from .conftest import survey

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        # .ci/run installs Debian's poppler-utils; a developer without it is told, CI never skips.
        if os.environ.get("CI"):
            pytest.fail("pdftotext (Debian package poppler-utils) is required in CI", pytrace=False)
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    source = tmp_path / "doc.pdf"
    source.write_bytes(content)
    # -layout keeps each printed line as one text line, so a name split across lines shows as split.
    return subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True,  # noqa: S603, S607
                          text=True).stdout


def test_certificate_cites_the_decision_number_and_date(reviewed, cast, client_for, tmp_path):
    response = client_for(cast.approver).get(reverse("reviews:certificate_pdf", args=[reviewed.certificate.pk]))
    text = _pdf_text(response.content, tmp_path)
    assert "7/QĐ-UBND" in text
    assert "10/10/2025" in text


def test_certificate_header_keeps_a_long_commune_name_on_one_line(reviewed, cast, client_for, tmp_path):
    commune = reviewed.cycle.commune
    commune.name = "Xã Càng Long Đông Bắc Thượng"
    commune.save(update_fields=["name"])
    response = client_for(cast.approver).get(reverse("reviews:certificate_pdf", args=[reviewed.certificate.pk]))
    text = _pdf_text(response.content, tmp_path)
    header = text.split("GIẤY CHỨNG NHẬN")[0]
    assert re.search(r"XÃ CÀNG LONG ĐÔNG BẮC THƯỢNG", header), header


def test_printed_minutes_do_not_print_the_button_and_sign_side_by_side(reviewed, cast, client_for):
    page = client_for(cast.officer).get(reverse("reviews:minutes", args=[reviewed.meeting.pk])).content.decode()
    assert re.search(r'class="[^"]*no-print[^"]*"[^>]*>\s*<button', page)
    css = (__import__("pathlib").Path(__file__).resolve().parents[2]
           / "giamngheo/static/giamngheo/app.css").read_text(encoding="utf-8")
    print_rules = "".join(re.findall(r"@media print\s*{(.*?)\n}", css, flags=re.S))
    assert re.search(r"\.no-print[^{]*{[^}]*display:\s*none", print_rules)
    assert re.search(r"\.signatures\s*{[^}]*display:\s*(flex|grid)", css)


def test_surveyor_sees_only_the_minutes_and_lists_of_their_hamlet(unit_tree, cast, make_household, client_for):
    make_household(unit_tree.hamlet, code="H1", current_class="poor")
    make_household(unit_tree.hamlet2, code="H2", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    for case in cycle.cases.all():
        case = services.review_case_survey(actor=cast.officer, case=case, record=survey("poor"),
                                           expected_version=case.version, complete=True)
        services.review_case_classify(actor=cast.officer, case=case)
    for hamlet in (unit_tree.hamlet, unit_tree.hamlet2):
        services.review_meeting_record(actor=cast.officer, cycle=cycle, unit=hamlet, held_on=dt.date(2025, 10, 1),
                                       attendees=10, agreeing=8, chair_name="A", secretary_name="B", minutes="")
        services.review_case_post(actor=cast.officer, cycle=cycle, unit=hamlet, place="Nhà văn hoá",
                                  starts_on=dt.date(2025, 10, 2), ends_on=dt.date(2025, 10, 8))
    client = client_for(cast.surveyor)
    page = client.get(reverse("reviews:cycle", args=[cycle.pk])).content.decode()
    links = re.findall(r'href="(/ra-soat/(?:bien-ban|niem-yet|quyet-dinh|giay-chung-nhan)/[^"]+)"', page)
    assert links, page
    for url in links:
        assert client.get(url).status_code == 200, url
    assert unit_tree.hamlet2.name not in "".join(re.findall(r"Biên bản họp dân[^<]*|Danh sách niêm yết[^<]*", page))
