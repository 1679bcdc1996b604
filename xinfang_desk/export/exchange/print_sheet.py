"""The 打印台账 sheet: the 台账 laid out for A4 landscape paper, key columns only, legible.

The 信访台账 sheet carries every column for the exchange; printed, its 46 columns would be fitted
into one A4 width at about 2 pt.  This sheet repeats each row's key columns (``PRINTED_COLUMNS``:
案件编号, 登记日期, 信访人, 内容摘要 wrapped, 问题类别, 承办单位, 办理时限, 办理状态, 处理结果, 满意度,
办结日期) at widths that fill the page at the body font's own size, with the header repeated on every
page, the title above and page numbers below, dates shown as on the 信访台账 sheet; the machine
columns are not on it.  Excel, WPS and LibreOffice print it the same way; the exchange checksum
does not cover it (it is a view).
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from xinfang_desk.export.exchange.cells import (
    DATE_FORMAT,
    KeptCell,
    looks_like_formula,
    take_rows,
    text_cell,
)
from xinfang_desk.export.exchange.columns import COLUMNS, PRINTED_COLUMNS, Kind

PRINT_SHEET = "打印台账"
#: Point size of the printed text (the page is fitted to its width, so it prints at about this size).
PRINT_POINTS = 10
#: Page margins in inches: narrow, as offices print their 台账.
_MARGIN = 0.4

_POSITIONS = tuple(COLUMNS.index(c) for c in PRINTED_COLUMNS)
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(size=PRINT_POINTS)
_HEAD_FONT = Font(size=PRINT_POINTS, bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_OVERDUE_FILL = PatternFill("solid", fgColor="FFC7CE")


class PrintSheet:
    """The 打印台账 sheet of a write-only workbook, filled row by row beside the 信访台账 sheet."""

    def __init__(self, workbook: Workbook, heading: str) -> None:
        self.sheet = sheet = workbook.create_sheet(PRINT_SHEET)
        for index, column in enumerate(PRINTED_COLUMNS, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.print_width
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_options.horizontalCentered = True
        margins = sheet.page_margins
        margins.left = margins.right = _MARGIN
        margins.top = margins.bottom = 0.6
        margins.header = margins.footer = 0.25
        sheet.oddHeader.center.text = heading
        sheet.oddHeader.center.size = 12
        sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
        sheet.freeze_panes = "A2"
        take_rows(sheet)
        sheet.append([self._head(column.header) for column in PRINTED_COLUMNS])
        self._plain, self._overdue = self._body(False), self._body(True)

    def _head(self, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=text)
        cell.font, cell.fill, cell.border, cell.alignment = _HEAD_FONT, _HEAD_FILL, _BORDER, _CENTER
        return cell

    def _styled(self, cell: WriteOnlyCell, overdue: bool) -> WriteOnlyCell:
        cell.font, cell.border, cell.alignment = _FONT, _BORDER, _WRAP
        if overdue:
            cell.fill = _OVERDUE_FILL
        return cell

    def _body(self, overdue: bool) -> list[KeptCell]:
        """One plain or overdue body cell per printed column, styled once and filled again row by row.

        A write-only sheet writes a row's cells as soon as it is appended, so the same cells carry
        every row: no new cell nor style per value.  A date column's cells show dates as the
        信访台账 sheet does (``DATE_FORMAT``), not as day numbers.
        """
        cells = []
        for column in PRINTED_COLUMNS:
            cell = self._styled(KeptCell(self.sheet), overdue)
            if column.kind is Kind.DATE:
                cell.number_format = DATE_FORMAT
            cells.append(cell)
        return cells

    def append(self, values: tuple[Any, ...], overdue: bool) -> None:
        """Print row of a 台账 row (``values`` in ``COLUMNS`` order)."""
        cells = self._overdue if overdue else self._plain
        row = []
        for cell, position in zip(cells, _POSITIONS, strict=True):
            value = values[position]
            if value.__class__ is str:
                if looks_like_formula(value):  # stays text, with its quote prefix
                    row.append(self._styled(text_cell(self.sheet, value), overdue))
                    continue
                value = value or None
            cell.value = value
            row.append(cell)
        self.sheet.append(row)
