"""The household import template (.xlsx), generated from the column table (``columns``) — no hand-kept column list.

Three sheets: households and members with the Vietnamese headers exactly as the importer reads them, and the
instructions. Headers must round-trip, so nothing is added to their text: a required column is shown by a red
header and says so in its comment. Drop-downs list the answers of every coded column and Có/Không for yes/no
questions; their lists live on the instructions sheet (an inline list is limited to 255 characters and cannot hold a
label with a comma, such as "Nước mặt (sông, suối, ao, hồ)"), which the importer never takes for data.

Formats are set on whole columns rather than on thousands of empty cells, so the file stays small and every row an
officer adds gets them: dates ``dd/mm/yyyy``, numbers ``#,##0`` (a Vietnamese-locale Excel shows 1.200.000), the
citizen ID as text so Excel keeps its leading zero.

No example rows are written on the data sheets: the importer would read them as households. The example household
is on the instructions sheet.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from giamngheo.core.exports import xlsx_cell
from giamngheo.imports import columns as cols

# Rows that carry the drop-downs: enough for a commune's households, or its members, on one sheet.
VALIDATION_ROWS = 5000
DATE_FORMAT = "dd/mm/yyyy"
INTEGER_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.0#"
TEXT_FORMAT = "@"
COMMENT_AUTHOR = "giamngheo"

_BOLD = Font(bold=True)
_REQUIRED = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE = Font(bold=True, size=14)
_SECTION = Font(bold=True, size=12)
_WRAP = Alignment(wrap_text=True, vertical="top")

# Columns whose header alone does not say what goes in them. Every other column is the fact its header names.
_MEANINGS = {
    (cols.HOUSEHOLDS, "id"): "Mã của hộ trong danh sách của xã; mỗi hộ một mã, không trùng nhau.",
    (cols.HOUSEHOLDS, "reference_date"): "Ngày thu thập thông tin của hộ (ngày rà soát).",
    (cols.HOUSEHOLDS, "year"): "Năm của kỳ rà soát; để trống thì lấy theo ngày rà soát.",
    (cols.HOUSEHOLDS, "province_code"): "Mã tỉnh/thành phố (2 chữ số) theo danh mục từ 2025.",
    (cols.HOUSEHOLDS, "commune_code"): "Mã xã/phường (5 chữ số). Mã trước năm 2025 được tự chuyển sang mã mới.",
    (cols.HOUSEHOLDS, cols.COMMUNE_NAME): "Tên xã/phường, khi không ghi mã. Tên trước năm 2025 cũng được nhận.",
    (cols.HOUSEHOLDS, cols.DISTRICT_NAME): "Huyện cũ (trước 2025), chỉ cần khi hai xã cũ trùng tên.",
    (cols.HOUSEHOLDS, "income"): "Thu nhập bình quân đầu người một tháng, tính bằng đồng.",
    (cols.HOUSEHOLDS, "score_a"): "Tổng điểm phiếu A (khi không tính thu nhập).",
    (cols.HOUSEHOLDS, "income_basis"): "Hộ được đánh giá theo thu nhập hay theo điểm A.",
    (cols.HOUSEHOLDS, "information_devices"): "Các phương tiện hộ có, cách nhau bằng dấu phẩy.",
    (cols.MEMBERS, cols.HOUSEHOLD_KEY): "Mã hộ của thành viên: đúng mã ở cột “Mã hộ” của trang hộ gia đình.",
    (cols.MEMBERS, "id"): "Mã của thành viên trong hộ (ví dụ 1, 2, 3); không trùng trong một hộ.",
    (cols.MEMBERS, "citizen_id"): "Số định danh cá nhân (căn cước công dân), đủ 12 chữ số.",
    (cols.MEMBERS, "age"): "Tuổi, khi không biết ngày sinh.",
}

# One household with three members, written only on the instructions sheet (see the module docstring).
_EXAMPLE_HOUSEHOLD = {
    "id": "HN-0001", "reference_date": "15/10/2025", "year": "2025", "area": "Nông thôn", "province_code": "01",
    "commune_code": "00004", "hamlet": "Thôn Đông", "income": "1.200.000", "floor_area_m2": "25,5",
    "walls_durable": "Có", "frame_durable": "Có", "roof_durable": "Không", "water_source": "Giếng khoan",
    "latrine": "Tự hoại", "information_devices": "Ti vi, Điện thoại di động", "hears_loudspeaker": "x",
    "waste": "Được thu gom", "income_basis": "Thu nhập",
}
_EXAMPLE_MEMBERS = (
    {cols.HOUSEHOLD_KEY: "HN-0001", "id": "1", "relation": "Chủ hộ", "name": "Nguyễn Văn An",
     "citizen_id": "001085012345", "sex": "Nam", "birth_date": "02/03/1985", "ethnicity": "Kinh",
     "health_insured": "Có", "employment": "Tự làm", "education_completed": "Trung học cơ sở"},
    {cols.HOUSEHOLD_KEY: "HN-0001", "id": "2", "relation": "Vợ/chồng", "name": "Trần Thị Bình",
     "citizen_id": "001187054321", "sex": "Nữ", "birth_date": "20/11/1987", "ethnicity": "Kinh",
     "health_insured": "Có", "employment": "Tự làm", "education_completed": "Trung học phổ thông"},
    {cols.HOUSEHOLD_KEY: "HN-0001", "id": "3", "relation": "Con", "name": "Nguyễn Minh Châu", "sex": "Nữ",
     "birth_date": "05/09/2015", "ethnicity": "Kinh", "health_insured": "Có", "in_education": "Có",
     "school": "Đi học đúng cấp"},
)


def _required(column: cols.Column) -> bool:
    # The link of a member to its household is not a record field, yet a member row without it belongs nowhere.
    return column.required or (column.sheet == cols.MEMBERS and column.name == cols.HOUSEHOLD_KEY)


def _how_to_write(column: cols.Column) -> str:
    kind = column.kind
    if kind == "date":
        return _("Ngày/tháng/năm, ví dụ 15/04/2024 (cũng nhận 15-04-2024, 15.04.2024, 2024-04-15).")
    if kind == "integer":
        return _("Số nguyên, ví dụ 1.200.000 hoặc 1200000.")
    if kind == "number":
        return _("Số, phần thập phân sau dấu phẩy, ví dụ 25,5 hoặc 1.200,5.")
    if kind == "boolean":
        return _("“%(yes)s” hoặc “%(no)s” (cũng nhận x, 1/0, có dấu hay không dấu); để trống nếu chưa hỏi.") % {
            "yes": cols.YES_LABEL, "no": cols.NO_LABEL}
    if kind == "enum":
        return _("Chọn trong danh sách (có dấu hay không dấu đều được).")
    if kind == "enum_list":
        return _("Một hoặc nhiều mục trong danh sách, cách nhau bằng dấu phẩy; “%(none)s” nếu hộ không có mục "
                 "nào.") % {"none": cols.DEVICE_NONE}
    if column.name == "citizen_id":
        return _("12 chữ số, giữ cả số 0 ở đầu (cột đã định dạng Văn bản).")
    return _("Chữ hoặc số, ghi như trong sổ.")


def _answers(column: cols.Column) -> list[str]:
    if column.kind == "boolean":
        return [cols.YES_LABEL, cols.NO_LABEL]
    if column.kind == "enum_list":
        return [label for _code, label in column.labels] + [cols.DEVICE_NONE]
    return [label for _code, label in column.labels]


def _meaning(column: cols.Column) -> str:
    return _MEANINGS.get((column.sheet, column.name), column.header)


def _header_comment(column: cols.Column) -> Comment:
    lines = [_meaning(column), _how_to_write(column)]
    if column.kind in ("enum", "enum_list"):
        lines.append(_("Câu trả lời: %(answers)s.") % {"answers": "; ".join(_answers(column))})
    lines.append(_("Bắt buộc.") if _required(column) else _("Không bắt buộc."))
    lines.append(_("Tên trong bản ghi v1: %(path)s") % {"path": column.path})
    text = "\n".join(lines)
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 320
    comment.height = 40 + 16 * (len(text) // 45 + len(lines))
    return comment


def _number_format(column: cols.Column) -> str | None:
    if column.kind == "date":
        return DATE_FORMAT
    if column.kind == "integer":
        return INTEGER_FORMAT
    if column.kind == "number":
        return NUMBER_FORMAT
    if column.kind == "string":
        # Codes are text: "01", "00004" and a citizen ID's leading zero must survive Excel.
        return TEXT_FORMAT
    return None


def _validation(column: cols.Column, source: str) -> DataValidation:
    if column.kind == "enum_list":
        # Several devices go in one cell ("Ti vi, Radio"), which a list check would refuse: the drop-down offers
        # single answers and only informs when the cell holds something else.
        validation = DataValidation(type="list", formula1=source, allow_blank=True, errorStyle="information",
                                    showErrorMessage=True)
        validation.error = _("Có thể ghi nhiều mục, cách nhau bằng dấu phẩy, hoặc “%(none)s”.") % {
            "none": cols.DEVICE_NONE}
    else:
        validation = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True)
        validation.error = _("Hãy chọn một câu trả lời trong danh sách.")
    validation.errorTitle = column.header[:32]  # Excel refuses to open a file with a longer title
    return validation


def _data_sheet(sheet: Worksheet, which: cols.Sheet, lists: dict[tuple[str, str], str]) -> None:
    for index, column in enumerate(cols.columns(which), start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = _REQUIRED if _required(column) else _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = _header_comment(column)
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(12, min(40, len(column.header) + 4))
        number_format = _number_format(column)
        if number_format is not None:
            dimension.number_format = number_format
        source = lists.get((column.sheet, column.name))
        if source is not None:
            validation = _validation(column, source)
            validation.add(f"{letter}2:{letter}{VALIDATION_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def _write(sheet: Worksheet, row: int, column: int, value: Any, **style: Any) -> None:
    xlsx_cell(sheet, sheet.cell(row=row, column=column, value=value), **style)


def _instructions(sheet: Worksheet) -> dict[tuple[str, str], str]:
    """Writes the instructions and the answer lists; returns the list range of every coded column."""
    households, members = cols.SHEET_TITLES[cols.HOUSEHOLDS], cols.SHEET_TITLES[cols.MEMBERS]
    paragraphs = [
        (_("Hướng dẫn nhập danh sách hộ gia đình"), _TITLE),
        (_("Cách 1 — hai trang: mỗi hộ một dòng ở trang “%(households)s”; mỗi thành viên một dòng ở trang "
           "“%(members)s”, cột “Mã hộ” ghi đúng mã hộ của dòng hộ.") % {"households": households, "members": members},
         None),
        (_("Cách 2 — một trang: mỗi dòng một thành viên, các cột của hộ ghi trên cùng dòng. Thông tin của hộ có thể "
           "ghi lại ở mọi dòng, hoặc chỉ ở dòng đầu: dòng để trống “Mã hộ” thuộc hộ ở dòng trên."), None),
        (_("Giữ nguyên chữ ở dòng tiêu đề (dòng 1); thứ tự các cột tuỳ ý. Cột tiêu đề màu đỏ là cột bắt buộc; ngoài "
           "ra phải có “Mã xã/phường” hoặc “Xã/phường”, và “Ngày sinh” hoặc “Tuổi”. Cột khác (STT, Ghi chú…) được bỏ "
           "qua. Tên trường của bản ghi v1 (commune_code, dwelling.floor_area_m2…) cũng được nhận làm tiêu đề."),
         None),
        (_("Không ghi ví dụ hay dòng mẫu vào trang dữ liệu: mọi dòng ở đó đều được đọc như một hộ hay một thành "
           "viên. Ví dụ một hộ ba người ở cuối trang này."), None),
        (_("Cách ghi: ngày theo ngày/tháng/năm (15/04/2024); số tiền 1.200.000 hoặc 1200000; số thập phân 25,5; "
           "có/không ghi “Có”, “Không” hoặc “x”, để trống nếu chưa hỏi; giới tính “Nam”, “Nữ”. Câu trả lời có dấu "
           "hay không dấu đều được."), None),
        (_("Số định danh cá nhân: đủ 12 chữ số. Cột này đã định dạng Văn bản để Excel giữ số 0 ở đầu; nếu dán từ "
           "nơi khác mà mất số 0, hãy định dạng Văn bản rồi gõ lại."), None),
        (_("Đơn vị hành chính: ghi mã xã/phường (5 chữ số) hoặc tên xã/phường. Mã và tên trước năm 2025 được tự "
           "chuyển sang xã/phường mới; riêng xã cũ đã bị chia cho nhiều xã mới thì phải ghi mã xã mới."), None),
        (_("Phương tiện tiếp cận thông tin: ghi các mục cách nhau bằng dấu phẩy (ví dụ “Ti vi, Điện thoại di "
           "động”), hoặc “%(none)s”.") % {"none": cols.DEVICE_NONE}, None),
        (_("Tệp CSV cũng được nhận: lưu bằng Excel kiểu “CSV UTF-8”, phân cách bằng dấu chấm phẩy (;) hoặc dấu phẩy "
           "(,). Tệp CSV chỉ có một trang nên dùng cách 2."), None),
    ]
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 30
    sheet.column_dimensions["D"].width = 45
    sheet.column_dimensions["E"].width = 12
    sheet.column_dimensions["F"].width = 60
    row = 1
    for text, font in paragraphs:
        _write(sheet, row, 1, text, font=font or Font())
        row += 1
    row += 1

    # One line per column, in template order.
    _write(sheet, row, 1, _("Các cột"), font=_SECTION)
    row += 1
    table_header = [_("Trang"), _("Cột"), _("Tên trong bản ghi v1"), _("Ý nghĩa và cách ghi"), _("Bắt buộc"),
                    _("Câu trả lời được nhận")]
    for index, text in enumerate(table_header, start=1):
        _write(sheet, row, index, text, font=_BOLD, fill=_HEADER_FILL)
    row += 1
    for which in (cols.HOUSEHOLDS, cols.MEMBERS):
        for column in cols.columns(which):
            values = [cols.SHEET_TITLES[which], column.header, column.path,
                      f"{_meaning(column)} {_how_to_write(column)}",
                      _("Có") if _required(column) else "", "; ".join(_answers(column))]
            for index, value in enumerate(values, start=1):
                _write(sheet, row, index, value, alignment=_WRAP)
            row += 1
    row += 1

    # The example household: what the data sheets would hold, as text here so nobody imports it.
    _write(sheet, row, 1, _("Ví dụ: một hộ ba người (chỉ để xem, không chép dòng tiêu đề)"), font=_SECTION)
    row += 1
    for which, records in ((cols.HOUSEHOLDS, (_EXAMPLE_HOUSEHOLD,)), (cols.MEMBERS, _EXAMPLE_MEMBERS)):
        shown = [c for c in cols.columns(which) if any(c.name in r for r in records)]
        _write(sheet, row, 1, cols.SHEET_TITLES[which], font=_BOLD)
        for index, column in enumerate(shown, start=2):
            _write(sheet, row, index, column.header, font=_BOLD, fill=_HEADER_FILL)
        row += 1
        for record in records:
            for index, column in enumerate(shown, start=2):
                _write(sheet, row, index, record.get(column.name))
            row += 1
        row += 1

    # Answer lists for the drop-downs, side by side to the right of the text.
    lists: dict[tuple[str, str], str] = {}
    list_row = 1
    list_column = 9
    _write(sheet, list_row, list_column, _("Danh sách câu trả lời (dùng cho ô chọn)"), font=_SECTION)
    yes_no: str | None = None
    for which in (cols.HOUSEHOLDS, cols.MEMBERS):
        for column in cols.columns(which):
            if column.kind == "boolean" and yes_no is not None:
                lists[(which, column.name)] = yes_no
                continue
            if column.kind not in ("boolean", "enum", "enum_list"):
                continue
            answers = _answers(column)
            title = _("Có/Không") if column.kind == "boolean" else column.header
            _write(sheet, list_row + 1, list_column, title, font=_BOLD, fill=_HEADER_FILL)
            for offset, answer in enumerate(answers, start=2):
                _write(sheet, list_row + offset, list_column, answer)
            letter = get_column_letter(list_column)
            source = (f"{quote_sheetname(sheet.title)}!${letter}${list_row + 2}:"
                      f"${letter}${list_row + 1 + len(answers)}")
            lists[(which, column.name)] = source
            if column.kind == "boolean":
                yes_no = source
            sheet.column_dimensions[letter].width = max(14, min(40, max(len(a) for a in answers) + 2))
            list_column += 1
    return lists


def template_workbook() -> bytes:
    """The import template as .xlsx bytes: households, members and instructions sheets."""
    workbook = Workbook()
    households = workbook.active
    assert households is not None  # a new workbook always has its first sheet
    households.title = cols.SHEET_TITLES[cols.HOUSEHOLDS]
    members = workbook.create_sheet(cols.SHEET_TITLES[cols.MEMBERS])
    instructions = workbook.create_sheet(cols.INSTRUCTIONS_TITLE)
    lists = _instructions(instructions)
    _data_sheet(households, cols.HOUSEHOLDS, lists)
    _data_sheet(members, cols.MEMBERS, lists)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def kind_template(kind: str) -> tuple[bytes, str]:
    """(workbook, file name) of the template of an import kind: support records have their own, every other
    kind the households template."""
    if kind == "support":
        from giamngheo.imports.support import template_workbook as support_template

        return support_template(), "mau-nhap-ho-tro.xlsx"
    return template_workbook(), "mau-nhap-ho-gia-dinh.xlsx"
