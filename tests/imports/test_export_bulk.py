"""``giamngheo export bulk``: the registry as the engine's bulk Parquet pair — scoped, audited, no personal data,
and classifying to the classes the registry stores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.demo.places import COMMUNES
from giamngheo.demo.population import PopulationGenerator
from giamngheo.households.models import Household
from giamngheo.households.services import household_create
from giamngheo.imports import export_bulk as eb
from giamngheo.standards import get_standard
from giamngheo.standards.io_parquet import classify_parquet

pytestmark = pytest.mark.django_db

PER_COMMUNE = 12


@pytest.fixture
def registry(unit_tree: Any, make_user: Any) -> dict[str, list[str]]:
    """Demo-like households (the demo's population generator) in both communes of the tree, registered through
    the registry's service, which classifies and stores each one; returns the codes per commune code."""
    generator = PopulationGenerator(seed=7, reference_date=dt.date(2025, 10, 15))
    codes: dict[str, list[str]] = {}
    for commune, hamlets in ((unit_tree.commune, [unit_tree.hamlet.name, unit_tree.hamlet2.name]),
                             (unit_tree.other_commune, [unit_tree.other_hamlet.name])):
        officer = make_user(role=Role.COMMUNE_OFFICER, unit=commune)
        for record in generator.households(COMMUNES[0], count=PER_COMMUNE, hamlets=hamlets,
                                           area=commune.area_type, province_code=unit_tree.province.code):
            record = {**{k: v for k, v in record.items() if k != "id"}, "commune_code": commune.code}
            household = household_create(actor=officer, record=record)
            codes.setdefault(commune.code, []).append(household.code)
    return codes


@pytest.fixture
def commune_officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="can-bo-xa")


@pytest.fixture
def province_officer(unit_tree: Any, make_user: Any) -> Any:
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province, username="can-bo-tinh")


def read(out: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    return pl.read_parquet(out / eb.HOUSEHOLDS_FILE), pl.read_parquet(out / eb.MEMBERS_FILE)


def test_files_classify_to_the_registrys_stored_classes(registry: Any, province_officer: Any,
                                                       tmp_path: Path) -> None:
    # Small row groups: the files are written in several pieces, as a national export is.
    counts = eb.export_bulk(actor=province_officer, out_dir=tmp_path, row_group_households=5)
    households, members = read(tmp_path)
    live = Household.objects.filter(deleted_at__isnull=True)
    assert counts.households == households.height == live.count() == 2 * PER_COMMUNE
    assert counts.members == members.height == sum(live.values_list("member_count", flat=True))
    assert counts.row_groups > 1 and pq.ParquetFile(tmp_path / eb.HOUSEHOLDS_FILE).num_row_groups > 1
    # Members grouped by household in household order: the runs of household ids are the households' ids.
    assert members["household_id"].unique(maintain_order=True).to_list() == households["id"].to_list()

    stored = dict(live.values_list("code", "current_class"))
    (standard_id,) = set(live.values_list("current_standard", flat=True))
    out = tmp_path / "results.parquet"
    report = classify_parquet(tmp_path / eb.HOUSEHOLDS_FILE, tmp_path / eb.MEMBERS_FILE, out,
                              get_standard(standard_id))
    assert report.invalid_values == []
    results = pl.read_parquet(out)
    assert dict(zip(results["id"], results["class"], strict=True)) == stored
    assert len(set(stored.values())) > 1  # the fixture spreads over more than one class


def test_no_names_citizen_ids_or_addresses(registry: Any, province_officer: Any, tmp_path: Path) -> None:
    eb.export_bulk(actor=province_officer, out_dir=tmp_path)
    households, members = read(tmp_path)
    assert households.columns == list(eb.HOUSEHOLD_COLUMNS)
    assert members.columns == list(eb.MEMBER_COLUMNS)
    for frame in (households, members):
        assert not {"name", "citizen_id", "head_name", "address", "search_text"} & set(frame.columns)
    assert {"province_code", "commune_code", "hamlet"} <= set(households.columns)
    # No stored name or citizen ID appears anywhere in the files' bytes either.
    raw = (tmp_path / eb.HOUSEHOLDS_FILE).read_bytes() + (tmp_path / eb.MEMBERS_FILE).read_bytes()
    from giamngheo.households.models import Member

    for citizen_id in Member.objects.values_list("citizen_id", flat=True)[:10]:
        if citizen_id:
            assert citizen_id.encode() not in raw
    assert set(households["province_code"]) == {"86"}
    assert set(households["commune_code"]) == {"86001", "86002"}


def test_a_commune_officer_gets_only_their_commune(registry: Any, commune_officer: Any, tmp_path: Path) -> None:
    eb.export_bulk(actor=commune_officer, out_dir=tmp_path)
    households, _members = read(tmp_path)
    assert households["id"].to_list() == registry["86001"]
    assert set(households["hamlet"]) <= {"Ấp Bình Minh", "Ấp Đồng Tâm"}


def test_a_province_officer_gets_every_commune_or_the_one_asked(registry: Any, province_officer: Any,
                                                               tmp_path: Path) -> None:
    eb.export_bulk(actor=province_officer, out_dir=tmp_path / "all")
    households, _ = read(tmp_path / "all")
    assert sorted(households["id"].to_list()) == sorted(registry["86001"] + registry["86002"])
    eb.export_bulk(actor=province_officer, out_dir=tmp_path / "one", commune_code="86002")
    assert read(tmp_path / "one")[0]["id"].to_list() == registry["86002"]
    eb.export_bulk(actor=province_officer, out_dir=tmp_path / "province", province_code="86")
    assert read(tmp_path / "province")[0].height == 2 * PER_COMMUNE


def test_a_hamlet_surveyor_gets_only_their_hamlet(registry: Any, unit_tree: Any, make_user: Any,
                                                   tmp_path: Path) -> None:
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet)
    eb.export_bulk(actor=surveyor, out_dir=tmp_path)
    households, members = read(tmp_path)
    assert 0 < households.height < PER_COMMUNE
    assert set(households["hamlet"]) == {unit_tree.hamlet.name}
    assert set(members["household_id"]) == set(households["id"])


def test_deleted_households_are_left_out(registry: Any, province_officer: Any, tmp_path: Path) -> None:
    gone = registry["86001"][0]
    Household.objects.filter(code=gone).update(deleted_at="2026-01-01T00:00:00Z")
    eb.export_bulk(actor=province_officer, out_dir=tmp_path)
    households, members = read(tmp_path)
    assert gone not in households["id"].to_list() and gone not in members["household_id"].to_list()


def test_each_export_is_one_audit_entry(registry: Any, province_officer: Any, tmp_path: Path) -> None:
    before = AuditEntry.objects.count()
    eb.export_bulk(actor=province_officer, out_dir=tmp_path, commune_code="86001")
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action=eb.EXPORTED_BULK)
    assert entry.actor == province_officer and entry.object_id == "86001"
    assert entry.unit_path == "/86/86001/"
    assert entry.data["households"] == PER_COMMUNE and entry.data["format"] == "parquet"
    assert entry.data["filters"] == {"commune_code": "86001"}
    assert "citizen_id" not in entry.data["columns"]["members"]


def test_an_empty_scope_writes_empty_files_with_the_columns(unit_tree: Any, province_officer: Any,
                                                             tmp_path: Path) -> None:
    counts = eb.export_bulk(actor=province_officer, out_dir=tmp_path)
    households, members = read(tmp_path)
    assert (counts.households, households.height, members.height) == (0, 0, 0)
    assert households.columns == list(eb.HOUSEHOLD_COLUMNS)


def test_command_writes_both_files(registry: Any, commune_officer: Any, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    call_command("export", "bulk", "--user", "can-bo-xa", str(tmp_path / "out"))
    assert f"Đã xuất {PER_COMMUNE} hộ" in capsys.readouterr().out
    households, _ = read(tmp_path / "out")
    assert households["id"].to_list() == registry["86001"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [eb.HOUSEHOLDS_FILE, eb.MEMBERS_FILE]


@pytest.mark.parametrize(("arguments", "message"), [
    (["--user", "nobody"], "Không có người dùng “nobody”"),
    # Another commune and a commune that does not exist: the same line.
    (["--user", "can-bo-xa", "--commune", "86002"], "Không có xã/phường mã “86002” trong địa bàn của bạn."),
    (["--user", "can-bo-xa", "--commune", "99999"], "Không có xã/phường mã “99999” trong địa bàn của bạn."),
    (["--user", "can-bo-xa", "--province", "87"], "Không có tỉnh/thành phố mã “87” trong địa bàn của bạn."),
])
def test_command_refuses_in_one_vietnamese_line(registry: Any, commune_officer: Any, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str], arguments: list[str],
                                                message: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        call_command("export", "bulk", *arguments, str(out))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()
    assert not AuditEntry.objects.filter(action=eb.EXPORTED_BULK).exists()


def test_another_province_is_refused_like_an_unknown_one(registry: Any, province_officer: Any, make_unit_tree: Any,
                                                         tmp_path: Path) -> None:
    make_unit_tree(province_code="87")
    for code in ("87", "88"):
        with pytest.raises(eb.OutOfScope) as refused:
            eb.export_bulk(actor=province_officer, out_dir=tmp_path, province_code=code)
        assert str(refused.value) == f"Không có tỉnh/thành phố mã “{code}” trong địa bàn của bạn."
