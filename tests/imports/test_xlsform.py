"""Phiếu B as an XLSForm: pyxform turns it into an XForm whose questions and answer lists are exactly household
record v1's, with the record's bounds, required-ness, Vietnamese labels and messages (ODK Validate, which needs Java,
is not run: the conversion is the check)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pyxform.xls2xform import convert

from giamngheo.imports import xlsform
from giamngheo.standards import record as rec

NS = {"x": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml",
      "jr": "http://openrosa.org/javarosa"}
JR = "{http://openrosa.org/javarosa}"
ROOT = "/data/"


@pytest.fixture(scope="module")
def xform(tmp_path_factory: pytest.TempPathFactory) -> ET.Element:
    path: Path = tmp_path_factory.mktemp("xlsform") / "phieu-b.xlsx"
    path.write_bytes(xlsform.xlsform_workbook())
    result = convert(xlsform=str(path), validate=False)
    assert not [w for w in result.warnings if "label" in w.lower()], result.warnings
    return ET.fromstring(result.xform)


def _record_path(nodeset: str) -> str | None:
    """An XForm node → the record v1 path it answers (None for ODK's own meta nodes)."""
    path = nodeset.removeprefix(ROOT)
    if path.startswith("meta/"):
        return None
    path = path.replace(xlsform.HOUSEHOLD_CODE, "id").replace(xlsform.MEMBER_ID, "id")
    return path.replace("/", ".")


def _binds(xform: ET.Element) -> dict[str, ET.Element]:
    binds = {}
    for bind in xform.iter("{http://www.w3.org/2002/xforms}bind"):
        path = _record_path(bind.attrib["nodeset"])
        if path is not None:
            binds[path] = bind
    return binds


def _record_fields() -> dict[str, rec.FieldSpec]:
    return {**{f.name: f for f in rec.HOUSEHOLD_FIELDS}, **{f"dwelling.{f.name}": f for f in rec.DWELLING_FIELDS},
            **{f"members.{f.name}": f for f in rec.MEMBER_FIELDS}}


def _texts(xform: ET.Element, lang: str) -> dict[str, str]:
    translation = next(t for t in xform.iter("{http://www.w3.org/2002/xforms}translation")
                       if t.attrib["lang"] == lang)
    return {text.attrib["id"]: "".join(text.find("x:value", NS).itertext())  # type: ignore[union-attr]
            for text in translation.findall("x:text", NS)}


def test_the_questions_are_exactly_the_record_v1_fields(xform: ET.Element) -> None:
    assert set(_binds(xform)) == set(_record_fields())


def test_each_kind_has_its_xform_type_and_the_record_bounds(xform: ET.Element) -> None:
    binds = _binds(xform)
    types = {"integer": "int", "number": "decimal", "date": "date", "string": "string", "enum": "string",
             "enum_list": "string", "boolean": "string"}
    for path, spec in _record_fields().items():
        bind = binds[path]
        assert bind.attrib["type"] == types[spec.kind], path
    assert binds["income"].attrib["constraint"] == ". >= 0 and . <= 1000000000"
    assert binds["dwelling.floor_area_m2"].attrib["constraint"] == ". >= 0 and . <= 10000"
    assert binds["commune_code"].attrib["constraint"] == "regex(., '^[0-9]{5}$')"
    assert binds["members.citizen_id"].attrib["constraint"] == "regex(., '^[0-9]{12}$')"
    assert binds["members.birth_date"].attrib["constraint"].startswith(
        ". >= date('1890-01-01') and . <= date('2100-12-31')")
    assert "count-selected(.) > 1" in binds["dwelling.information_devices"].attrib["constraint"]
    # The member id is not asked: the import numbers members 1, 2, … by position.
    assert binds["members.id"].attrib["calculate"] == "once(position(..))"


def test_required_as_the_import_validator_has_it(xform: ET.Element) -> None:
    binds = _binds(xform)
    required = {p for p, b in binds.items() if b.attrib.get("required") == "true()"}
    record_required = {p for p, spec in _record_fields().items() if spec.required and p != "members.id"}
    # The commune code places the household: the staged import refuses a row without it.
    assert required == record_required | {"commune_code"}
    assert binds["income_basis"].attrib["required"] == " /data/income  != '' and  /data/score_a  != ''"
    # The age only when no birth date is given (pyxform writes the repeat's sibling relatively).
    assert binds["members.age"].attrib["required"] == " ../birth_date  = ''"
    assert binds["members.age"].attrib["relevant"] == " ../birth_date  = ''"
    # A yes/no question is never required: left alone it is "not answered".
    assert "required" not in binds["members.health_insured"].attrib


def _choices(xform: ET.Element) -> dict[str, list[str]]:
    return {instance.attrib["id"]: [item.findtext("x:name", namespaces=NS) or ""
                                    for item in instance.findall("x:root/x:item", NS)]
            for instance in xform.iter("{http://www.w3.org/2002/xforms}instance") if "id" in instance.attrib}


def test_answer_lists_are_the_record_codes_and_yes_no_has_not_answered(xform: ET.Element) -> None:
    choices = _choices(xform)
    fields = _record_fields()
    for path, spec in fields.items():
        name = path.rsplit(".", 1)[-1]
        if spec.kind == "enum":
            assert choices[name] == list(spec.values), path
        elif spec.kind == "enum_list":
            assert choices[name] == [*spec.values, xlsform.DEVICES_NONE], path
    assert choices[xlsform.YES_NO] == ["yes", "no", "unanswered"]
    # Every yes/no question is a choice of the three (a select_one of the list), none a plain true/false box.
    lists = {select.attrib["ref"]: select.find("x:itemset", NS).attrib["nodeset"]  # type: ignore[union-attr]
             for select in xform.iter("{http://www.w3.org/2002/xforms}select1")}
    for path, spec in fields.items():
        if spec.kind == "boolean":
            assert lists[ROOT + path.replace(".", "/")] == f"instance('{xlsform.YES_NO}')/root/item", path


def test_labels_and_messages_in_vietnamese_and_english(xform: ET.Element) -> None:
    vi, en = _texts(xform, xlsform.VI), _texts(xform, xlsform.EN)
    assert vi["/data/household_code:label"] == "Mã hộ"
    assert en["/data/household_code:label"] == "Household code"
    assert vi["/data/dwelling/walls_durable:label"] == "Tường bền chắc"
    assert vi["/data/members/relation:label"] == "Quan hệ với chủ hộ"
    assert vi["/data/income:jr:constraintMsg"] == "Phải là số nguyên từ 0 đến 1.000.000.000."
    assert en["/data/income:jr:constraintMsg"] == "Must be a whole number from 0 to 1,000,000,000."
    assert vi["/data/commune_code:jr:constraintMsg"] == "Phải gồm đúng 5 chữ số."
    assert en["/data/commune_code:jr:constraintMsg"] == "Must be exactly 5 digits."
    assert vi["/data/reference_date:jr:constraintMsg"] == "Ngày phải từ 01/01/2000 đến 31/12/2100."
    assert vi["/data/household_code:jr:requiredMsg"] == "Thiếu trường bắt buộc."
    assert vi["area-0"] == "Nông thôn" and en["area-0"] == "Rural"
    assert [vi[f"yes_no-{i}"] for i in range(3)] == ["Có", "Không", "Chưa trả lời"]
    # Every question has a label in both languages.
    for path, bind in _binds(xform).items():
        if path != "members.id":  # calculated, not asked
            node = bind.attrib["nodeset"]
            assert vi[f"{node}:label"] and en[f"{node}:label"], path


def test_form_id_and_version_come_from_the_record_version(xform: ET.Element) -> None:
    data = next(xform.iter("{http://www.w3.org/2002/xforms}data"))
    assert data.attrib["id"] == "giamngheo_phieu_b_v1"
    version = data.attrib["version"]
    assert version.startswith(f"{rec_version()}.") and len(version) == len("1.") + 8
    # The same code gives the same form: the version changes only when the form does.
    book = openpyxl.load_workbook(io.BytesIO(xlsform.xlsform_workbook()))
    assert book["settings"]["C2"].value == version
    assert book.sheetnames == ["survey", "choices", "settings"]


def rec_version() -> int:
    return xlsform.RECORD_VERSION


@pytest.mark.django_db
def test_the_download_is_for_those_who_may_import(unit_tree: Any, make_user: Any, client_for: Any) -> None:
    officer = client_for(make_user("commune_officer", unit_tree.commune))
    response = officer.get("/nhap-du-lieu/phieu-b-xlsform/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{xlsform.FILE_NAME}"'
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == ["survey", "choices", "settings"]
    upload_page = officer.get("/nhap-du-lieu/tai-len/").content.decode()
    assert "/nhap-du-lieu/phieu-b-xlsform/" in upload_page
    for role in ("province_viewer", "hamlet_surveyor"):
        unit = unit_tree.province if role == "province_viewer" else unit_tree.hamlet
        assert client_for(make_user(role, unit)).get("/nhap-du-lieu/phieu-b-xlsform/").status_code == 404
