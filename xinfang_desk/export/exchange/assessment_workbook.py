"""The unit assessment table (单位考核) as an Excel workbook: a title row, headers, a row per unit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from xinfang_desk.export.exchange.cells import clean_text, guarded_cell
from xinfang_desk.export.exchange.statistics_sheet import NO_VALUE
from xinfang_desk.export.progress import file_written_whole
from xinfang_desk.ledger.assessment import ASSESSMENT_COLUMNS, UnitAssessment
from xinfang_desk.ledger.errors import ValidationError

SHEET_NAME = "单位考核"


def write_assessment_workbook(path: str | Path, title: str, rows: Sequence[UnitAssessment]) -> Path:
    """Write the table to ``path`` (.xlsx), whole or not at all; returns the path."""
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ValidationError(f"考核表文件应以 .xlsx 结尾：{target.name}。")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    sheet.column_dimensions["A"].width = 24
    for letter in "BCDEFGH":
        sheet.column_dimensions[letter].width = 16
    title_cell = WriteOnlyCell(sheet, value=clean_text(title))
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    head = []
    for _attribute, heading, _definition in ASSESSMENT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        head.append(cell)
    sheet.append(head)
    for row in rows:
        values = []
        for attribute, _heading, _definition in ASSESSMENT_COLUMNS:
            value = row.value(attribute)
            if value is None:
                values.append(NO_VALUE)
            elif isinstance(value, str):
                values.append(guarded_cell(sheet, value))  # a unit named "=…" stays text
            else:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, float):
                    cell.number_format = "0.0"
                values.append(cell)
        sheet.append(values)
    sheet.freeze_panes = "B3"
    with file_written_whole(target) as temporary:
        workbook.save(temporary)
    return target
