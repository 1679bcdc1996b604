"""Safe spreadsheet cells: text that looks like a formula stays text, and illegal characters go.

A spreadsheet program treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a leading tab or carriage return) as a formula; a petitioner's summary must never become
one.  Such a value is written as an explicit string cell with Excel's quote prefix, so it stays text
even after a user edits the cell.  Control characters that XML cannot carry are replaced by a space,
and a text longer than an Excel cell holds stops the export (``whole_cell_text``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from copy import copy
from datetime import date, datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import FORMAT_DATE_YYYYMMDD2
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.limits import EXCEL_CELL_CHARS

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS: frozenset[str] = frozenset("=+-@\t\r")

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)

#: How a date cell shows its date (what openpyxl gives a ``date`` value of the 信访台账 sheet).
DATE_FORMAT = FORMAT_DATE_YYYYMMDD2

#: Characters XML 1.0 cannot carry (the same set openpyxl refuses).
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(value: str) -> str:
    """``value`` with every character XML cannot carry replaced by a space."""
    if _ILLEGAL_CHARACTERS.search(value):
        return _ILLEGAL_CHARACTERS.sub(" ", value)
    return value


def whole_cell_text(value: str | None, where: str, advice: str = "") -> str:
    """``value`` cleaned (``clean_text``); one that no Excel cell can hold stops the export, never cut.

    ``where`` names the text in the message (e.g. 案件…的“信访内容”); ``advice`` ends it.
    """
    text = clean_text(value or "")
    if len(text) > EXCEL_CELL_CHARS:
        raise ValidationError(
            f"{where}有 {len(text):,} 字，超过 Excel 单元格的上限 {EXCEL_CELL_CHARS:,} 字，导出会被截断。{advice}"
        )
    return text


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet might evaluate ``value`` instead of showing it."""
    return bool(value) and value[0] in FORMULA_TRIGGERS


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A cell that holds ``value`` as text, whatever its first character."""
    cell = WriteOnlyCell(sheet)
    cell.value = value
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def safe_value(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """What to append for ``value``: strings cleaned, formula-like strings as text cells, '' as empty."""
    if not isinstance(value, str):
        return value
    if not value:
        return None
    if looks_like_formula(value):
        return text_cell(sheet, value)
    return value


#: Classes ``safe_value`` returns as they are: the row converters pass them on without a call.
_PLAIN_CLASSES = frozenset((type(None), bool, int, float, date, datetime))


def safe_row(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """``safe_value`` of each of a row's values; an ordinary text or a number, date or empty cell as it is."""
    return [
        value
        if value.__class__ in _PLAIN_CLASSES
        or (value.__class__ is str and value and value[0] not in FORMULA_TRIGGERS)
        else safe_value(sheet, value)
        for value in values
    ]


def guarded_cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    """A cell to style: text is cleaned and, when formula-like, kept as text (the guard every text passes)."""
    if isinstance(value, str):
        value = clean_text(value)
        if looks_like_formula(value):
            return text_cell(sheet, value)
    return WriteOnlyCell(sheet, value=value)


def header_cell(sheet: WriteOnlyWorksheet, header: str) -> WriteOnlyCell:
    """A column header of an exchange sheet: bold, shaded, centred, underlined."""
    cell = WriteOnlyCell(sheet, value=header)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.border = _HEADER_BORDER
    cell.alignment = _HEADER_ALIGNMENT
    return cell


class KeptCell(Cell):
    """A write-only cell that carries value after value, its style's number looked up once per style.

    openpyxl looks the style up in the workbook's list for every cell it writes (hashing it twice);
    a cell kept for many values remembers the number of the style it last had and compares (a quick
    array comparison) before using it again.
    """

    __slots__ = ("_numbered",)

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        super().__init__(sheet, row=1, column=1)
        self._numbered: tuple[StyleArray, int] | None = None

    @property
    def style_id(self) -> int:
        numbered = self._numbered
        if numbered is None or numbered[0] != self._style:
            numbered = self._numbered = copy(self._style), super().style_id
        return numbered[1]


#: Classes whose every value openpyxl binds alike (type and, for a date, the number format already set).
_SETTLED_CLASSES = frozenset((bool, int, float, date, datetime))


def take_rows(sheet: WriteOnlyWorksheet) -> None:
    """Make ``sheet.append`` write each value through one cell kept per class of value, and a cell as it is.

    openpyxl's write-only sheet binds each value to a plain cell; a date then sets that cell's number
    format (a new style each time) and, styled, the cell is replaced by a new one; a ready cell is
    first tried as a value and fails with an exception.  Here the first value of each class is bound
    to a new cell, which then carries every later value of that class (a date keeps the number format
    openpyxl gave the first; a later number or date takes the type the first was given without being
    bound again), and a ready cell goes as it is: the same cells are written, at less cost.
    Empty values (``None``) are skipped as openpyxl skips them.  A row's cells are written as it is
    appended, so one cell per class suffices for every row.
    """
    kept: dict[type, KeptCell] = {}
    settled: dict[type, tuple[KeptCell, str]] = {}

    def placed(values: list[Any], row: int) -> Iterator[Cell]:
        for column, value in enumerate(values, 1):
            if value is None:
                continue
            found = settled.get(value.__class__)
            if found is not None:  # a number or a date: what openpyxl would bind, without asking again
                cell, cell._value = found[0], value
                cell.data_type = found[1]
            elif isinstance(value, Cell):
                cell = value
            else:
                cell = kept.get(value.__class__)
                if cell is None:
                    cell = kept[value.__class__] = KeptCell(sheet)
                cell.value = value
                if value.__class__ in _SETTLED_CLASSES:
                    settled[value.__class__] = cell, cell.data_type
            cell.column, cell.row = column, row
            yield cell

    sheet._values_to_row = placed  # the write-only sheet's one step from appended items to cells
