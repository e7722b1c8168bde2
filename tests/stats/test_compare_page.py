"""``/thong-ke/<code>/so-sanh-chuan/``: two standards over the unit's registry, its workbook, the background path."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.households.services import household_create
from giamngheo.stats import compare_registry
from tests.standards.builders import deprived_household, household

pytestmark = pytest.mark.django_db

A_B = {"a": "2026", "b": "2027-2030"}


def url(unit: Any, suffix: str = "") -> str:
    return f"/thong-ke/{unit.code}/so-sanh-chuan/{suffix}"


@pytest.fixture(autouse=True)
def _results_in_tmp(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def registry(unit_tree, make_user) -> dict[str, Any]:
    """Three households of the commune: non-poor; near-poor under 2026 and unclassifiable under 2027-2030
    (no answer on waste, which only the later standard asks); one in the other commune."""
    officer = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune)
    place = {"province_code": unit_tree.province.code, "commune_code": unit_tree.commune.code}
    household_create(actor=officer, record=household(id="K1", income=5_000_000, **place),
                     hamlet=unit_tree.hamlet)
    near = deprived_household(["housing_quality", "housing_area"], id="K2", income=1_000_000, **place)
    del near["dwelling"]["waste"]
    household_create(actor=officer, record=near, hamlet=unit_tree.hamlet2)
    other = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)
    household_create(actor=other, record=household(
        id="K3", income=5_000_000, area="urban", province_code=unit_tree.province.code,
        commune_code=unit_tree.other_commune.code))
    return {"officer": officer, "other": other,
            "province": make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)}


def test_commune_page_lists_hamlets_matrix_and_what_is_missing(unit_tree, registry, client_for) -> None:
    response = client_for(registry["officer"]).get(url(unit_tree.commune), A_B)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ấp Bình Minh" in text and "Ấp Đồng Tâm" in text
    assert "Ma trận chuyển đổi" in text
    # K2 is near-poor under 2026 and cannot be classified under 2027-2030 for want of the waste answer.
    assert "Theo chuẩn 2027-2030: 1 hộ" in text and "Xử lý rác thải" in text
    page = response.context["page"]
    total = page.rows[-1]
    assert (total.households, total.a.near_poor, total.b.undetermined, total.b.classified) == (2, 1, 1, 1)
    assert page.only_b == 1 and page.only_a == 0


def test_province_page_lists_communes(unit_tree, registry, client_for) -> None:
    response = client_for(registry["province"]).get(url(unit_tree.province), A_B)
    assert response.status_code == 200
    units = [row.unit for row in response.context["page"].rows if row.kind == "area"]
    assert units == ["Phường Tân Hòa", "Xã An Bình"]
    assert response.context["page"].households == 3


def test_out_of_scope_and_unknown_units_answer_404(unit_tree, registry, client_for, make_user) -> None:
    client = client_for(registry["other"])
    assert client.get(url(unit_tree.commune), A_B).status_code == 404
    assert client.get(url(unit_tree.province), A_B).status_code == 404
    assert client.get("/thong-ke/99999/so-sanh-chuan/", A_B).status_code == 404
    assert client.get(url(unit_tree.commune, "excel/"), A_B).status_code == 404


def test_anonymous_is_sent_to_login(unit_tree) -> None:
    from django.test import Client

    response = Client().get(url(unit_tree.commune), A_B)
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


@pytest.mark.parametrize(("query", "named"), [
    ({"a": "2099", "b": "2026"}, "(a)"),
    ({"a": "2026", "b": "x" * 500}, "(b)"),
    ({"a": "2026", "b": "79-2025"}, "(b)"),  # another province's local standard
])
def test_unknown_standard_is_400_naming_the_parameter(unit_tree, registry, client_for, query, named) -> None:
    response = client_for(registry["officer"]).get(url(unit_tree.commune), query)
    assert response.status_code == 400
    text = response.content.decode()
    assert named in text and "Chuẩn nghèo" in text


def test_same_standard_twice_is_400(unit_tree, registry, client_for) -> None:
    response = client_for(registry["officer"]).get(url(unit_tree.commune), {"a": "2026", "b": "2026"})
    assert response.status_code == 400


def test_defaults_pick_two_national_standards(unit_tree, registry, client_for) -> None:
    response = client_for(registry["officer"]).get(url(unit_tree.commune))
    assert response.status_code == 200
    a, b = response.context["a"], response.context["b"]
    assert a.id != b.id and not a.is_local and not b.is_local


def test_wrong_method(unit_tree, registry, client_for) -> None:
    assert client_for(registry["officer"]).put(url(unit_tree.commune)).status_code == 405
    assert client_for(registry["officer"]).post(url(unit_tree.commune, "excel/")).status_code == 405


def test_workbook_is_audited_and_safe(unit_tree, registry, client_for) -> None:
    response = client_for(registry["officer"]).get(url(unit_tree.commune, "excel/"), A_B)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3
    values = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert "Ấp Bình Minh" in values
    entry = AuditEntry.objects.get(action="giamngheo.stats.compare_exported")
    assert entry.unit_path == unit_tree.commune.path and entry.data["households"] == 2


def test_result_is_kept_until_the_registry_changes(unit_tree, registry, client_for, monkeypatch) -> None:
    client = client_for(registry["officer"])
    assert client.get(url(unit_tree.commune), A_B).status_code == 200
    calls = []
    real = compare_registry.compare_registry_store
    monkeypatch.setattr(compare_registry, "compare_registry_store",
                        lambda **kw: calls.append(1) or real(**kw))
    client.get(url(unit_tree.commune), A_B)
    assert calls == []  # served from the stored result
    household_create(actor=registry["officer"], record=household(
        id="K4", income=5_000_000, province_code=unit_tree.province.code, commune_code=unit_tree.commune.code))
    response = client.get(url(unit_tree.commune), A_B)
    assert calls == [1] and response.context["page"].households == 3


def test_a_large_unit_is_computed_by_the_worker_with_progress(unit_tree, registry, client_for, settings,
                                                               monkeypatch) -> None:
    monkeypatch.setattr(compare_registry, "SYNC_HOUSEHOLDS", 0)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    client = client_for(registry["officer"])
    response = client.get(url(unit_tree.commune), A_B)
    assert response.status_code == 200 and "page" not in response.context
    assert "Đang chờ tiến trình nền xử lý" in response.content.decode()
    # The progress block polls; while the job waits it answers with itself.
    poll = client.get(url(unit_tree.commune), A_B, headers={"HX-Request": "true"})
    assert poll.status_code == 200 and b"compare-progress" in poll.content
    assert client.get(url(unit_tree.commune, "excel/"), A_B).status_code == 302  # nothing to download yet

    compare_registry.compare_registry_task.call(unit_id=unit_tree.commune.pk, standard_a="2026",
                                                standard_b="2027-2030")
    poll = client.get(url(unit_tree.commune), A_B, headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"
    response = client.get(url(unit_tree.commune), A_B)
    assert response.context["page"].households == 2


def test_a_failed_job_can_be_asked_again(unit_tree, registry, client_for, settings, monkeypatch) -> None:
    monkeypatch.setattr(compare_registry, "SYNC_HOUSEHOLDS", 0)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    client = client_for(registry["officer"])
    client.get(url(unit_tree.commune), A_B)

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(compare_registry, "compare_registry_store", broken)
    with pytest.raises(RuntimeError):
        compare_registry.compare_registry_task.call(unit_id=unit_tree.commune.pk, standard_a="2026",
                                                    standard_b="2027-2030")
    response = client.get(url(unit_tree.commune), A_B)
    assert "Lần tính vừa rồi bị lỗi" in response.content.decode()
    monkeypatch.undo()
    monkeypatch.setattr(compare_registry, "SYNC_HOUSEHOLDS", 0)
    response = client.post(f"{url(unit_tree.commune)}?a=2026&b=2027-2030")
    assert response.status_code == 302
    assert "Đang chờ tiến trình nền xử lý" in client.get(url(unit_tree.commune), A_B).content.decode()


def test_hamlet_page_has_its_own_total_only(unit_tree, registry, client_for) -> None:
    response = client_for(registry["officer"]).get(url(unit_tree.hamlet2), A_B)
    assert response.status_code == 200
    rows = response.context["page"].rows
    assert {row.kind for row in rows} == {"total"} and rows[-1].households == 1
    assert rows[-1].unit == "Ấp Đồng Tâm"
