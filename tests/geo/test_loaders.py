"""Loading the packaged unit lists: the trees, the crosswalk, idempotency, code changes, retirement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from giamngheo.core.errors import ApplicationError
from giamngheo.core.models import AuditEntry
from giamngheo.geo.loaders import area_type_for, units_load_official_csv, units_load_packaged
from giamngheo.geo.models import AdminUnit, UnitAlias, UnitCrosswalk
from giamngheo.households.models import Household

pytestmark = pytest.mark.django_db


def _household(commune: AdminUnit, code: str = "HH-1") -> Household:
    return Household.objects.create(code=code, commune=commune, unit_path=commune.path,
                                    reference_date=dt.date(2025, 10, 1), area="rural")


def test_vinh_long_loads_as_one_province_with_its_three_old_provinces(coded):
    report = units_load_packaged(province_codes=["86"])

    current = AdminUnit.objects.filter(generation="2025")
    assert current.filter(level="province").get().name == "Tỉnh Vĩnh Long"
    assert current.filter(level="commune").count() == 124
    tra_vinh = coded("29242")
    assert (tra_vinh.name, tra_vinh.kind, tra_vinh.area_type, tra_vinh.path) == (
        "Phường Trà Vinh", "phuong", "urban", "/86/29242/")
    assert tra_vinh.valid_from == dt.date(2025, 7, 1) and tra_vinh.valid_to is None
    assert coded("29845").area_type == "rural"  # Xã Vĩnh Xuân

    legacy = AdminUnit.objects.filter(generation="legacy")
    assert set(legacy.filter(level="province").values_list("name", flat=True)) == {
        "Tỉnh Vĩnh Long", "Tỉnh Bến Tre", "Tỉnh Trà Vinh"}
    assert legacy.filter(level="commune").count() == 354
    assert not legacy.exclude(valid_to=dt.date(2025, 6, 30)).exists()
    old_commune = legacy.get(level="commune", code="29542")  # Phường 9, thành phố Vĩnh Long
    assert (old_commune.name, old_commune.path) == ("Phường 9", "/L86/L855/L29542/")
    assert report.created == 1 + 124 + 3 + 26 + 354


def test_the_crosswalk_flags_old_communes_split_between_new_ones():
    units_load_packaged(province_codes=["86"])

    # Every old commune of the three merged provinces reaches a new commune.
    assert not AdminUnit.objects.filter(generation="legacy", level="commune", crosswalk_to__isnull=True).exists()
    links = UnitCrosswalk.objects.filter(old_unit__code="28924", old_unit__generation="legacy")
    assert {link.new_unit.code for link in links} == {"29734", "28921"}
    assert all(link.is_split for link in links)
    assert [link.new_unit.code for link in links if link.is_default] == ["28921"]
    whole = UnitCrosswalk.objects.filter(is_split=False)
    assert whole.exists() and all(link.is_default for link in whole)


def test_a_second_load_changes_nothing():
    units_load_packaged(province_codes=["12"])
    before = list(AdminUnit.objects.values_list("id", "code", "path", "name", "updated_at"))
    links = UnitCrosswalk.objects.count()

    report = units_load_packaged(province_codes=["12"])

    assert not report.changed
    assert report.unchanged == report.units_in_source
    assert list(AdminUnit.objects.values_list("id", "code", "path", "name", "updated_at")) == before
    assert UnitCrosswalk.objects.count() == links


def test_each_run_writes_one_summary_audit_entry_not_one_per_unit():
    units_load_packaged(province_codes=["12"])
    entries = AuditEntry.objects.all()
    assert entries.count() == 1
    assert entries.get().action == "giamngheo.unit.loaded"
    assert entries.get().data["created"] == AdminUnit.objects.count()
    assert entries.get().unit_path == "/12/"


def test_an_unknown_province_is_refused_and_nothing_is_loaded():
    with pytest.raises(ApplicationError) as excinfo:
        units_load_packaged(province_codes=["99"])
    assert "99" in excinfo.value.message
    assert not AdminUnit.objects.exists()


def test_a_code_change_keeps_the_unit_its_households_and_its_path(write_csv, packaged_rows, coded):
    units_load_packaged(province_codes=["12"])
    unit = coded("03388")  # Phường Đoàn Kết
    household = _household(unit)
    rows = [[*row[:2], "03999" if row[2] == "03388" else row[2], *row[3:]] for row in packaged_rows("12")]

    report = units_load_official_csv(path=write_csv(rows))

    unit.refresh_from_db()
    assert report.code_changed == 1
    assert (unit.code, unit.path, unit.name) == ("03999", "/12/03388/", "Phường Đoàn Kết")
    household.refresh_from_db()
    assert household.commune_id == unit.pk and household.unit_path == unit.path
    alias = UnitAlias.objects.get(unit=unit)
    assert (alias.code, alias.source) == ("03388", "vietnamadminunits")
    assert coded("03388") == unit  # the old code still finds it
    entry = AuditEntry.objects.get(action="giamngheo.unit.code_changed")
    assert entry.changes == {"code": ["03388", "03999"]} and entry.unit_path == "/12/03388/"


def test_the_packaged_list_does_not_undo_the_official_table(write_csv, packaged_rows):
    units_load_packaged(province_codes=["12"])
    rows = [[*row[:2], "03999" if row[2] == "03388" else row[2], *row[3:]] for row in packaged_rows("12")]
    units_load_official_csv(path=write_csv(rows))

    report = units_load_packaged(province_codes=["12"])

    assert report.code_changed == 0
    assert AdminUnit.objects.get(path="/12/03388/").code == "03999"
    assert UnitAlias.objects.count() == 1


def test_two_units_can_swap_codes(write_csv, packaged_rows, coded):
    units_load_packaged(province_codes=["12"])
    a, b = coded("03388"), coded("03390")
    swap = {"03388": "03390", "03390": "03388"}
    rows = [[*row[:2], swap.get(row[2], row[2]), *row[3:]] for row in packaged_rows("12")]

    report = units_load_official_csv(path=write_csv(rows))

    a.refresh_from_db()
    b.refresh_from_db()
    assert report.code_changed == 2
    assert (a.code, b.code) == ("03390", "03388")
    assert (a.path, b.path) == ("/12/03388/", "/12/03390/")


def test_a_unit_missing_from_the_source_is_marked_not_deleted():
    units_load_packaged(province_codes=["12"])
    province = AdminUnit.objects.get(generation="2025", level="province", code="12")
    gone = AdminUnit.objects.create(code="03000", level="commune", kind="xa", name="Xã Đã Nhập", parent=province,
                                    path="/12/03000/", area_type="rural", source="vietnamadminunits")
    household = _household(gone)

    report = units_load_packaged(province_codes=["12"])

    gone.refresh_from_db()
    assert report.retired == 1
    assert gone.valid_to is not None
    household.refresh_from_db()
    assert household.commune_id == gone.pk
    assert AuditEntry.objects.filter(action="giamngheo.unit.retired", object_id=str(gone.pk)).exists()


def test_a_renamed_unit_keeps_its_code_and_is_audited(write_csv, packaged_rows, coded):
    units_load_packaged(province_codes=["12"])
    rows = [[*row[:3], "Phường Đoàn Kết Mới" if row[2] == "03388" else row[3], row[4]] for row in packaged_rows("12")]

    report = units_load_official_csv(path=write_csv(rows))

    assert report.renamed == 1
    unit = coded("03388")
    assert (unit.name, unit.short_name, unit.name_folded) == ("Phường Đoàn Kết Mới", "Đoàn Kết Mới", "phuong doan ket moi")
    assert AuditEntry.objects.get(action="giamngheo.unit.renamed").changes == {
        "name": ["Phường Đoàn Kết", "Phường Đoàn Kết Mới"]}


def test_urban_or_rural_follows_the_unit_type():
    assert area_type_for("phuong") == "urban"
    assert area_type_for("xa") == "rural"
    assert area_type_for("dac_khu") == "rural"
    with override_settings(GIAMNGHEO_SPECIAL_ZONE_AREA="urban"):
        assert area_type_for("dac_khu") == "urban"



def test_a_misspelt_special_zone_setting_is_caught_at_start_up():
    from giamngheo.geo.checks import special_zone_area

    with override_settings(GIAMNGHEO_SPECIAL_ZONE_AREA="thanh thi"):
        assert [e.id for e in special_zone_area(None)] == ["giamngheo.geo.E001"]
    assert special_zone_area(None) == []
