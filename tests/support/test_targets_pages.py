"""Target pages: list, off-track list (the home card's link), detail with the series and allocations, forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.support.models import Target
from giamngheo.support.services.targets import target_create, targets_allocate
from giamngheo.support.targets.home import targets_home_card


@pytest.fixture
def data(unit_tree: Any, cast: Any, make_household: Any, set_status: Any) -> dict[str, Any]:
    """Commune A: 4 households, poor 2 → 2 → 2 (50 %) over 2024–2026, recorded under 2022-2025. Targets for
    2027: poverty rate 10 % (off track), near-poverty rate 60 % (on track), poverty rate 10 % under the 2026
    standard (not measurable: no survey records to re-derive from)."""
    households = [make_household(unit_tree.hamlet, code=f"P{i}") for i in range(4)]
    for year in (2024, 2025, 2026):
        for i, household in enumerate(households):
            set_status(household, year, "poor" if i < 2 else "none", standard_id="2022-2025")
    common = {"baseline_year": 2024, "target_year": 2027, "source_document": "NQ 5/NQ-HĐND",
              "unit": unit_tree.commune, "unit_path": unit_tree.commune.path, "value": Decimal(10)}
    low = Target.objects.create(indicator="poverty_rate", standard_id="2022-2025", **common)
    high = Target.objects.create(indicator="near_poverty_rate", standard_id="2022-2025", **{**common, "value": 60})
    other = Target.objects.create(indicator="poverty_rate", standard_id="2026", **common)
    return {"low": low, "high": high, "other": other}


def test_list_shows_achievement_and_off_track_list_only_the_off_track(cast: Any, client_for: Any,
                                                                       data: dict[str, Any]) -> None:
    client = client_for(cast.officer)
    page = client.get(reverse("support:targets")).content.decode()
    assert "Tỷ lệ hộ nghèo" in page and "50,00%" in page and "Dự báo năm 2027: 50,00%, cao hơn chỉ tiêu 10,00%." in page
    card = targets_home_card(user=cast.officer, year=2026)
    assert card == {"total": 3, "off_track": 1, "url": "/chi-tieu/chua-dat/?year=2026"}
    off = client.get(card["url"]).content.decode()
    assert f'href="/chi-tieu/{data["low"].pk}/?year=2026"' in off
    assert f'/chi-tieu/{data["high"].pk}/' not in off
    # The target under 2026 cannot be measured from entries under 2022-2025 without survey records: said so.
    assert "4 hộ không đo được theo chuẩn của chỉ tiêu" in client.get(reverse("support:targets") + "?year=2026").content.decode()


def test_outsider_sees_no_target_and_detail_is_not_found(cast: Any, client_for: Any, data: dict[str, Any]) -> None:
    client = client_for(cast.outsider)
    page = client.get(reverse("support:targets")).content.decode()
    assert "Chưa có chỉ tiêu nào." in page
    assert f"/chi-tieu/{data['low'].pk}/" not in page
    for name in ("support:target", "support:target_edit", "support:target_delete", "support:target_allocate"):
        assert client.get(reverse(name, args=[data["low"].pk])).status_code == 404
    assert client.get("/chi-tieu/99999999999999999999999/").status_code == 404


def test_detail_series_shows_standard_of_each_year(cast: Any, client_for: Any, data: dict[str, Any]) -> None:
    page = client_for(cast.officer).get(reverse("support:target", args=[data["low"].pk])).content.decode()
    assert "Diễn biến qua các năm" in page
    assert "<td>2022-2025</td>" in page
    other = client_for(cast.officer).get(reverse("support:target", args=[data["other"].pk])).content.decode()
    # Measured under 2026: the entries (standard 2022-2025, no survey record) cannot be re-derived.
    assert "4 hộ không đo được theo chuẩn của chỉ tiêu" in other
    assert "Chưa có số liệu" in other


@pytest.mark.parametrize("query", ["?year=abc", "?year=99999", "?unit=x&indicator=bogus", "?unit=99999999999999999999999", "?page=-1", "?page=999999999"])
def test_absurd_filters_are_ignored(cast: Any, client_for: Any, data: dict[str, Any], query: str) -> None:
    assert client_for(cast.officer).get(reverse("support:targets") + query).status_code == 200
    assert client_for(cast.officer).get(reverse("support:targets_off_track") + query).status_code == 200


def test_create_form_and_bad_value(unit_tree: Any, cast: Any, client_for: Any) -> None:
    client = client_for(cast.officer)
    assert client.get(reverse("support:target_create")).status_code == 200
    form = {"unit": unit_tree.commune.pk, "indicator": "poverty_rate", "standard_id": "2026", "baseline_year": 2025,
            "target_year": 2026, "value": "150", "source_document": "NQ 1"}
    response = client.post(reverse("support:target_create"), form)
    assert response.status_code == 422
    assert "Giá trị chỉ tiêu: phải từ 0 đến 100 %" in response.content.decode()
    response = client.post(reverse("support:target_create"), {**form, "value": "1,5"})
    target = Target.objects.get()
    assert response["Location"] == reverse("support:target", args=[target.pk])
    assert target.value == Decimal("1.5")


def test_edit_and_delete_forms(cast: Any, client_for: Any, data: dict[str, Any]) -> None:
    client = client_for(cast.officer)
    target = data["low"]
    form = {"indicator": "poverty_rate", "standard_id": "2022-2025", "baseline_year": 2024, "target_year": 2027,
            "value": "8", "source_document": "NQ 5/NQ-HĐND", "version": 1}
    assert client.post(reverse("support:target_edit", args=[target.pk]), form).status_code == 302
    target.refresh_from_db()
    assert target.value == Decimal(8)
    stale = client.post(reverse("support:target_edit", args=[target.pk]), {**form, "value": "7"})
    assert "vừa được người khác sửa" in stale.content.decode()
    assert client.post(reverse("support:target_delete", args=[target.pk]), {"version": 2}).status_code == 302
    assert AuditEntry.objects.filter(action="giamngheo.support.target_deleted").count() == 1


def test_allocate_page_refuses_mismatch_then_accepts_with_reason_and_shows_it(
        unit_tree: Any, make_user: Any, client_for: Any) -> None:
    officer = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    parent = target_create(actor=officer, unit=unit_tree.province, indicator="jobs_created", standard_id="2026",
                           baseline_year=2025, target_year=2026, value=Decimal(100), source_document="KH 3")
    client = client_for(officer)
    url = reverse("support:target_allocate", args=[parent.pk])
    page = client.get(url).content.decode()
    assert "Xã An Bình" in page and "Phường Tân Hòa" in page and "targets-allocate.js" in page
    fields = {f"u{unit_tree.commune.pk}": "40", f"u{unit_tree.other_commune.pk}": "50"}
    refused = client.post(url, fields)
    assert refused.status_code == 422
    assert "tổng các đơn vị 90 người, chỉ tiêu của Tỉnh Thử Nghiệm 86 100 người" in refused.content.decode()
    accepted = client.post(url, {**fields, "accept_mismatch": "on", "reason": "Xã An Bình giải thể một ấp"})
    assert accepted.status_code == 302
    detail = client.get(reverse("support:target", args=[parent.pk])).content.decode()
    assert "Phân bổ chưa khớp chỉ tiêu của Tỉnh Thử Nghiệm 86" in detail
    assert "Xã An Bình giải thể một ấp" in detail
    child = Target.objects.get(parent=parent, unit=unit_tree.commune)
    child_page = client.get(reverse("support:target", args=[child.pk])).content.decode()
    assert "Phân bổ chưa khớp chỉ tiêu của Tỉnh Thử Nghiệm 86" in child_page
    targets_allocate(actor=officer, parent=parent, allocations={unit_tree.commune: 50, unit_tree.other_commune: 50})
    assert "Phân bổ chưa khớp" not in client.get(reverse("support:target", args=[child.pk])).content.decode()


def test_targets_of_one_unit_share_their_measurements(unit_tree: Any, cast: Any, client_for: Any,
                                                      data: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.officer)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("support:targets"))
    for year in range(2028, 2038):
        Target.objects.create(unit=unit_tree.commune, unit_path=unit_tree.commune.path, indicator="poverty_rate",
                              standard_id="2022-2025", baseline_year=2024, target_year=year, value=Decimal(5),
                              source_document="NQ 5/NQ-HĐND")
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("support:targets")).content.decode()
    assert page.count("Dự báo năm 20") >= 11
    # Ten more targets of the same unit, standard and years: no measurement is repeated.
    assert len(many.captured_queries) <= len(few.captured_queries) + 2
