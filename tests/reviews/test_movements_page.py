"""The movements page and its Excel export: counts and rates per child unit and in total, the urban/rural
split, the reconciliation check shown (and a failing unit flagged, not fixed), scope, and the export's
audit entry."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.reviews import ledger

from .test_ledger import put

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_ledger(unit_tree, make_household):
    """Ten households in the first hamlet; 2024 → 2025: one stays poor, one escapes, one falls from
    near-poverty, one is re-poor, one newly poor, one removed, one moves to the other hamlet."""
    h = {code: make_household(unit_tree.hamlet, code=code) for code in "ABCDEFGHIJ"}
    put(h["A"], 2024, "poor", em=True)
    put(h["A"], 2025, "poor", em=True)
    put(h["B"], 2024, "poor")
    put(h["B"], 2025, "near_poor")
    put(h["C"], 2024, "near_poor")
    put(h["C"], 2025, "poor")
    put(h["D"], 2023, "poor")
    put(h["D"], 2024, "average")
    put(h["D"], 2025, "poor")
    put(h["E"], 2025, "poor", em=True)
    put(h["F"], 2024, "poor")
    put(h["F"], 2025, "removed")
    put(h["G"], 2024, "poor")
    put(h["G"], 2025, "poor", unit_tree.hamlet2)
    return h


def _get(client, unit, **params):
    query = {"unit": unit.code, "year": 2025, "standard": "2022-2025", **params}
    return client.get(reverse("reviews:movements"), query)


def test_the_table_counts_rates_and_checks(unit_tree, cast, client_for, commune_ledger):
    response = _get(client_for(cast.officer), unit_tree.commune)
    assert response.status_code == 200
    poor = response.context["sections"][0]
    assert poor["klass"] == "poor"
    by_name = {line["unit_name"]: line for line in poor["lines"]}
    total = poor["lines"][-1]
    assert total["is_total"] and total["households"] == "10"
    assert (total["start"], total["start_rate"], total["end"], total["end_rate"]) == ("4", "40,00%", "5", "50,00%")
    # escaped, removed, moved out (inside the commune: cancels) | from near-poor, re-poor, newly poor, moved in
    assert total["exits"] == ["1", "1", "0"] and total["entries"] == ["1", "1", "1", "0"]
    assert total["end_ethnic_minority"] == "2"
    assert total["check"] == "4 − 2 + 3 = 5" and total["ok"]
    hamlet = by_name[unit_tree.hamlet.name]
    assert (hamlet["start"], hamlet["exits"][2], hamlet["end"], hamlet["end_rate"]) == ("4", "1", "4", "40,00%")
    hamlet2 = by_name[unit_tree.hamlet2.name]
    # No household of the registry lives in the second hamlet: no rate rather than a division by zero.
    assert (hamlet2["entries"][3], hamlet2["end"], hamlet2["end_rate"]) == ("1", "1", "–")
    assert response.context["failures"] == []
    html = response.content.decode()
    assert "Số liệu khớp" in html and "Tái nghèo" in html and "Cận nghèo phát sinh" in html
    split = {str(s["label"]): s for s in response.context["split"]}
    assert split["Nông thôn"]["poor"]["end"] == "5" and split["Thành thị"]["poor"]["end"] == "0"
    assert split["Thành thị"]["poor"]["end_rate"] == "–"


def test_the_urban_table_is_a_choice(unit_tree, cast, client_for, commune_ledger):
    response = _get(client_for(cast.officer), unit_tree.commune, area="urban")
    total = response.context["sections"][0]["lines"][-1]
    assert (total["households"], total["start"], total["end"]) == ("0", "0", "0")


def test_a_unit_that_does_not_reconcile_is_flagged_not_fixed(unit_tree, cast, client_for, commune_ledger,
                                                             monkeypatch):
    real = ledger.movement_rows

    def broken(**kwargs):
        rows = real(**kwargs)
        first = rows[0]
        return [replace(first, poor={**first.poor, "end": first.poor["end"] + 2}), *rows[1:]]

    monkeypatch.setattr(ledger, "movement_rows", broken)
    response = _get(client_for(cast.officer), unit_tree.commune)
    failures = response.context["failures"]
    assert [(f.unit_name, f.klass, f.area) for f in failures] == [(unit_tree.hamlet.name, "poor", "all")]
    line = response.context["sections"][0]["lines"][0]
    assert not line["ok"] and line["end"] == "6" and line["check"] == "4 − 3 + 3 = 4"
    assert "Không khớp" in response.content.decode()


def test_province_sees_its_communes_and_others_get_404(unit_tree, cast, client_for, make_user, commune_ledger):
    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    response = _get(client_for(viewer), unit_tree.province, all="1")
    names = [line["unit_name"] for line in response.context["sections"][0]["lines"]]
    # Units by name ("Phường Tân Hòa" before "Xã An Bình"), not by code.
    assert names == [unit_tree.other_commune.name, unit_tree.commune.name, "Tổng cộng"]
    assert response.context["sections"][0]["lines"][1]["end"] == "5"
    assert _get(client_for(cast.outsider), unit_tree.commune).status_code == 404
    assert client_for(cast.outsider).get(reverse("reviews:movements_export"),
                                         {"unit": unit_tree.commune.code}).status_code == 404
    # A hamlet surveyor has no province or commune to read figures for.
    assert client_for(cast.surveyor).get(reverse("reviews:movements")).status_code == 404


def test_defaults_and_a_standard_not_in_force(unit_tree, cast, client_for, commune_ledger):
    client = client_for(cast.officer)
    # The defaults are made explicit in the address (test_display_movements.py), then shown.
    response = client.get(reverse("reviews:movements"), follow=True)
    assert response.status_code == 200 and response.context["table"].unit == unit_tree.commune
    # No Decision yet: this year, under the national standard in force.
    table = response.context["table"]
    assert table.year == timezone.localdate().year and table.series == "national"
    response = _get(client, unit_tree.commune, year=2016)
    assert response.context["table"] is None
    assert "Chuẩn nghèo này không áp dụng cho năm 2016 tại đơn vị đã chọn." in response.content.decode()


def test_excel_export_is_scoped_and_audited(unit_tree, cast, client_for, commune_ledger):
    response = client_for(cast.officer).get(reverse("reviews:movements_export"),
                                            {"unit": unit_tree.commune.code, "year": 2025})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Hộ nghèo", "Hộ cận nghèo"]
    sheet = book["Hộ nghèo"]
    header = [c.value for c in sheet[4]]
    assert header[:6] == ["Khu vực", "Mã đơn vị", "Tên đơn vị", "Tổng số hộ", "Đầu năm (số hộ)", "Tỷ lệ đầu năm"]
    assert "Tăng: Tái nghèo" in header
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    total = next(r for r in rows if r[0] == "Toàn địa bàn" and r[2] == "Tổng cộng")
    assert total[3:6] == [10, 4, 0.4] and total[header.index("Cuối năm (số hộ)")] == 5
    assert total[-1] == "Khớp"
    assert sheet.cell(row=5, column=6).number_format == "0.00%"
    assert {r[0] for r in rows} == {"Toàn địa bàn", "Thành thị", "Nông thôn"}
    entry = AuditEntry.objects.get(action="giamngheo.review.movements_exported")
    assert entry.actor == cast.officer and entry.unit_path == unit_tree.commune.path
    assert entry.data["year"] == 2025 and entry.data["standard"] == "2022-2025"


def test_dashboard_links_the_movements_page(cast, client_for, unit_tree):
    html = client_for(cast.officer).get(reverse("reviews:index")).content.decode()
    assert reverse("reviews:movements") in html


def test_units_without_households_or_movements_are_hidden_until_asked_for(client_for, cast, reviewed, unit_tree,
                                                                           make_user):
    province_user = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    client = client_for(province_user)
    url = reverse("reviews:movements")
    query = {"unit": unit_tree.province.code, "year": 2025}
    page = client.get(url, query).content.decode()
    assert "Xã An Bình" in page  # commune A: households and movements
    assert "Phường Tân Hòa</th>" not in page  # commune B: nothing registered
    assert 'id="hidden-units"' in page
    everything = client.get(url, {**query, "all": "1"}).content.decode()
    assert "Phường Tân Hòa</th>" in everything
    assert 'id="hidden-units"' not in everything
