"""The 统计 sheet of the 台账: the figures of ``compute_figures`` laid out for people, readable by programs.

Layout: a title row, a header row, then one row per plain figure (指标 · 数值) in the order of the
figures dict, then, after an empty row each, one small table per nested figure (统计期间, 类别占比,
结果分布, by department, channel, unit and month): a bold heading row and a row per item.  Only
Chinese is on the sheet; the 统计期间 are real dates.  ``read_statistics`` maps the labels back and
rebuilds exactly the dict that ``xinfang-desk stats --json`` prints.  A figure that has no value
(JSON null) is shown as “—”.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook import Workbook

from xinfang_desk.export.exchange.cells import clean_text, guarded_cell, safe_value
from xinfang_desk.ledger.figure_table import FIGURE_TABLE_HEADINGS, figure_rows
from xinfang_desk.ledger.figures import FIGURE_LABELS, Figures

#: What a figure without a value (JSON null) looks like on the sheet.
NO_VALUE = "—"

#: The sheet of the table with 同比 (the page's and the report's table).
FIGURE_TABLE_SHEET = "统计对比"
#: Chinese names of the items of nested figures whose keys are not already Chinese.
ITEM_LABELS: dict[str, dict[str, str]] = {"period": {"from": "起始日期", "to": "截止日期"}}

_KEY_OF_LABEL = {label: key for key, label in FIGURE_LABELS.items()}
_DATE_ITEMS = {"period"}
_TITLE_FONT = Font(bold=True, size=14)
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")


def _styled(sheet: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None) -> Any:
    cell = guarded_cell(sheet, value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _value_cell(sheet: Any, key: str, value: Any) -> Any:
    if value is None:
        cell = WriteOnlyCell(sheet, value=NO_VALUE)
        cell.alignment = Alignment(horizontal="right")
        return cell
    if isinstance(value, float) or key.endswith("_pct"):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.0"
        return cell
    return safe_value(sheet, clean_text(value) if isinstance(value, str) else value)


def write_statistics(
    workbook: Workbook, title: str, figures: Mapping[str, Any], *, name: str
) -> list[list[Any]]:
    """Add the 统计 sheet ``name`` showing ``figures`` under ``title``; returns the values written
    (each row as a reader gets it back), for the sheet's checksum."""
    sheet = workbook.create_sheet(name)
    written: list[list[Any]] = []
    append = sheet.append

    def record(cells: list[Any]) -> None:
        append(cells)
        written.append([c.value if isinstance(c, Cell) else c for c in cells])

    for column, width in zip("AB", (30, 14), strict=True):
        sheet.column_dimensions[column].width = width
    record([_styled(sheet, clean_text(title), font=_TITLE_FONT)])
    record([_styled(sheet, text, font=_HEAD_FONT, fill=_HEAD_FILL) for text in ("指标", "数值")])
    nested = [(k, v) for k, v in figures.items() if isinstance(v, Mapping)]
    for key, value in figures.items():
        if not isinstance(value, Mapping):
            record([safe_value(sheet, FIGURE_LABELS.get(key, key)), _value_cell(sheet, key, value)])
    for key, items in nested:
        record([])
        record([_styled(sheet, FIGURE_LABELS.get(key, key), font=_HEAD_FONT, fill=_SECTION_FILL)])
        labels = ITEM_LABELS.get(key, {})
        for item, value in items.items():
            item_text = clean_text(str(item))
            if key in _DATE_ITEMS and isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=date.fromisoformat(value))
                cell.number_format = "yyyy-mm-dd"
            else:
                cell = _value_cell(sheet, key, value)
            record([safe_value(sheet, labels.get(item_text, item_text)), cell])
    sheet.freeze_panes = "A3"
    return written


def write_figure_table(
    workbook: Workbook, title: str, figures: Figures, *, name: str = FIGURE_TABLE_SHEET
) -> None:
    """Add the sheet of ``figure_rows`` (指标 · 本期 · 上年同期 · 同比), as on the page and in the report."""
    sheet = workbook.create_sheet(name)
    for column, width in zip("ABCD", (30, 14, 14, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([_styled(sheet, clean_text(f"{title}：与上年同期比较"), font=_TITLE_FONT)])
    sheet.append([_styled(sheet, text, font=_HEAD_FONT, fill=_HEAD_FILL) for text in FIGURE_TABLE_HEADINGS])
    for row in figure_rows(figures):
        cells = [row.label]
        for value in (row.value, row.last):
            cell = _value_cell(sheet, row.key, value)
            if row.is_rate and value is not None:
                cell.number_format = '0.0"%"'
            cells.append(cell)
        cells.append(row.change_text)
        sheet.append(cells)
    sheet.freeze_panes = "A3"


def read_figure_table(sheet: Any) -> list[tuple[str, Any, Any, str]]:
    """(指标, 本期, 上年同期, 同比) rows of a sheet written by ``write_figure_table``; "—" reads as None."""
    return [
        (label, _read_value(value), _read_value(last), change)
        for label, value, last, change, *_rest in sheet.iter_rows(min_row=3, values_only=True)
        if label
    ]


def _read_value(value: Any) -> Any:
    if value == NO_VALUE:
        return None
    return value


def read_statistics(sheet: Any) -> dict[str, Any]:
    """The figures dict shown on a 统计 sheet written by ``write_statistics`` (openpyxl worksheet)."""
    figures: dict[str, Any] = {}
    section: str | None = None
    heading_next = False
    for row in sheet.iter_rows(min_row=3, values_only=True):
        label, value = (list(row) + [None, None])[:2]
        if label is None and value is None:
            heading_next = True
            continue
        if heading_next:
            section = _KEY_OF_LABEL.get(str(label), str(label))
            figures[section] = {}
            heading_next = False
            continue
        if section is None:
            figures[_KEY_OF_LABEL.get(str(label), str(label))] = _read_value(value)
            continue
        items = {v: k for k, v in ITEM_LABELS.get(section, {}).items()}
        if isinstance(value, datetime):
            value = value.date().isoformat()
        figures[section][items.get(str(label), str(label))] = _read_value(value)
    return figures
