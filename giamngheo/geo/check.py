"""``units check``: every disagreement between two lists of current communes, before anything is loaded.

The packaged list (``vietnamadminunits``) is compared with the official Decision 19/2025 table when a CSV
is given, otherwise with what the database holds. Pairing is ``geo.matching``'s, the loader's own, so
what ``check`` reports is exactly what a load would treat as a code change, a rename, a new or a
missing unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from giamngheo.geo.matching import pair_units
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.geo.sources import SourceUnit, packaged_units


class DisagreementKind:
    CODE_DIFFERS = "code_differs"
    NAME_DIFFERS = "name_differs"
    MISSING_IN_OTHER = "missing_in_other"  # in the packaged list only
    MISSING_IN_PACKAGED = "missing_in_packaged"  # in the other list only
    TYPE_DIFFERS = "type_differs"


@dataclass(frozen=True)
class Disagreement:
    kind: str
    province_code: str
    packaged_code: str = ""
    packaged_name: str = ""
    other_code: str = ""
    other_name: str = ""
    other_row: int | None = None  # line in the CSV

    def message(self, other_label: str) -> str:
        """One line in Vietnamese; ``other_label`` names the other list (the CSV file, the database)."""
        values = {"province": self.province_code, "pcode": self.packaged_code, "pname": self.packaged_name,
                  "ocode": self.other_code, "oname": self.other_name, "other": other_label}
        if self.kind == DisagreementKind.CODE_DIFFERS:
            text = _("Tỉnh %(province)s: “%(pname)s” có mã %(pcode)s trong dữ liệu đóng gói nhưng mã %(ocode)s "
                     "trong %(other)s.") % values
        elif self.kind == DisagreementKind.NAME_DIFFERS:
            text = _("Tỉnh %(province)s: mã %(pcode)s là “%(pname)s” trong dữ liệu đóng gói nhưng là “%(oname)s” "
                     "trong %(other)s.") % values
        elif self.kind == DisagreementKind.TYPE_DIFFERS:
            text = _("Tỉnh %(province)s: mã %(pcode)s “%(pname)s” khác loại đơn vị với %(other)s "
                     "(“%(oname)s”).") % values
        elif self.kind == DisagreementKind.MISSING_IN_OTHER:
            text = _("Tỉnh %(province)s: “%(pname)s” (mã %(pcode)s) có trong dữ liệu đóng gói nhưng không có "
                     "trong %(other)s.") % values
        else:
            text = _("Tỉnh %(province)s: “%(oname)s” (mã %(ocode)s) có trong %(other)s nhưng không có trong dữ "
                     "liệu đóng gói.") % values
        if self.other_row is not None:
            text += " " + _("(dòng %(row)d)") % {"row": self.other_row}
        return text


@dataclass(frozen=True)
class _Stored:
    code: str
    name: str
    kind: str
    row: int | None = None


def _stored_communes(province_codes: set[str]) -> dict[str, list[_Stored]]:
    groups: dict[str, list[_Stored]] = {}
    rows = (AdminUnit.objects.filter(generation=Generation.CURRENT, level=UnitLevel.COMMUNE, valid_to__isnull=True)
            .select_related("parent").order_by("code"))
    for unit in rows:
        province = unit.parent.code if unit.parent else ""
        if province in province_codes:
            groups.setdefault(province, []).append(_Stored(unit.code, unit.name, unit.kind))
    return groups


def units_check(*, csv_path: str | Path | None = None, province_codes: list[str] | None = None) -> list[Disagreement]:
    """Compare the packaged current communes with the official CSV (or, without one, with the database).

    Only provinces present on both sides are compared unit by unit: a CSV of one province does not
    report the other 33 as missing. Raises ``ValidationFailed`` when the CSV has bad rows.
    """
    if csv_path is not None:
        from giamngheo.geo.official_csv import read_official_csv

        other_list = read_official_csv(csv_path)
        other: dict[str, list[_Stored]] = {}
        for unit in other_list.of(Generation.CURRENT, UnitLevel.COMMUNE):
            other.setdefault(unit.province_code, []).append(_Stored(unit.code, unit.name, unit.kind, unit.row))
        provinces = set(other)
    else:
        provinces = set(AdminUnit.objects.filter(generation=Generation.CURRENT, level=UnitLevel.PROVINCE)
                        .values_list("code", flat=True))
        other = _stored_communes(provinces)
    if province_codes:
        provinces &= set(province_codes)

    packaged: dict[str, list[SourceUnit]] = {}
    for unit in packaged_units(sorted(provinces)).of(Generation.CURRENT, UnitLevel.COMMUNE) if provinces else []:
        packaged.setdefault(unit.province_code, []).append(unit)

    found: list[Disagreement] = []
    for province in sorted(provinces):
        pairing = pair_units(packaged.get(province, []), other.get(province, []))
        for left, right in pairing.same:
            if left.kind != right.kind:
                found.append(Disagreement(DisagreementKind.TYPE_DIFFERS, province, left.code, left.name,
                                          right.code, right.name, right.row))
        for left, right in pairing.code_differs:
            found.append(Disagreement(DisagreementKind.CODE_DIFFERS, province, left.code, left.name,
                                      right.code, right.name, right.row))
        for left, right in pairing.name_differs:
            found.append(Disagreement(DisagreementKind.NAME_DIFFERS, province, left.code, left.name,
                                      right.code, right.name, right.row))
        for left in pairing.left_only:
            found.append(Disagreement(DisagreementKind.MISSING_IN_OTHER, province, left.code, left.name))
        for right in pairing.right_only:
            found.append(Disagreement(DisagreementKind.MISSING_IN_PACKAGED, province, other_code=right.code,
                                      other_name=right.name, other_row=right.row))
    return found
