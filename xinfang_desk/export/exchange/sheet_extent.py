"""How far a sheet's filled cells reach, found by streaming its XML before python-calamine reads it.

python-calamine sizes a sheet from its farthest filled cell and allocates rows × columns cells at once;
a sheet of a few hundred bytes naming cell XFD150000, or an .ods cell repeated 10,000 times in a row
repeated 10,000 times, would make it ask for tens of GB and end the whole program.  These scanners see
the same extent calamine will (each .xlsx cell's own ``r``, cells without one following the one
before; an .ods row's and cell's repeat counts, up to the last cell with content) and refuse the sheet
with one Chinese sentence when it reaches past ``MAX_ROWS`` rows, past Excel's ``MAX_COLUMNS`` or
past ``MAX_CELLS`` cells.  They are fed the chunks the zip reader already streams for its other checks.
"""

from __future__ import annotations

import heapq
import re
from html import unescape

from xinfang_desk.export.exchange.identity import ExchangeFileError

#: Most rows a sheet may have (header included); far above any unit's yearly ledger.
MAX_ROWS = 200_000
#: Excel's own column limit (XFD).
MAX_COLUMNS = 16_384
#: Most cells (rows × columns, counted from A1) of a sheet: the row limit over 64 columns (the
#: layout has 46), or an old 台账 of a few thousand rows reaching far to the right (~400 MB to read).
WIDE_COLUMNS = 64
MAX_CELLS = MAX_ROWS * WIDE_COLUMNS
#: Longest tag a scanner waits for across chunks (real tags are a few hundred bytes).
_MAX_TAG = 1 << 20
#: Stands for a row or column number too long to be real (its digits are not converted).
_FAR = 10**12


def number(digits: bytes) -> int:
    """The value of a run of decimal digits (leading zeros allowed); ``_FAR`` past 12 digits."""
    digits = digits.lstrip(b"0")
    return int(digits or b"0") if len(digits) <= 12 else _FAR


def column_number(letters: bytes) -> int:
    """1 for A, 27 for AA, 16384 for XFD (letters in either case; more than three: past Excel's last)."""
    if len(letters) > 3:
        return _FAR
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


class SheetExtent:
    """The farthest row and column (1-based, from A1) with content seen so far, checked as it grows."""

    def __init__(self, file_name: str, sheet: str) -> None:
        self.file_name = file_name
        self.sheet = sheet
        self.rows = 0
        self.columns = 0

    def reach(self, row: int, column: int) -> None:
        """A cell with content at (``row``, ``column``); refuses the sheet once it is too large."""
        if row > self.rows or column > self.columns:
            self.rows = max(self.rows, row)
            self.columns = max(self.columns, column)
            if self.rows > MAX_ROWS or self.columns > MAX_COLUMNS or self.rows * self.columns > MAX_CELLS:
                raise self.refusal()

    def refusal(self) -> ExchangeFileError:
        advice = "请删除表格下方或右侧多余的单元格后再导入。"
        if self.rows > MAX_ROWS:
            limit = f"超过了 {MAX_ROWS:,} 行的上限"
            advice = "请删除表格下方多余的单元格，或按年度分开后再导入。"
        elif self.columns > MAX_COLUMNS:
            limit = f"超过了 Excel 的 {MAX_COLUMNS:,} 列"
        else:
            limit = (
                f"共 {self.rows * self.columns:,} 个单元格，超过了台账允许的 {MAX_CELLS:,} 个（行数×列数）"
            )
        return ExchangeFileError(
            f"“{self.file_name}”的“{self.sheet}”工作表范围过大：有内容的单元格远至第 {self.rows:,} 行、"
            f"第 {self.columns:,} 列，{limit}，已拒绝读取。{advice}"
        )


#: A tag's attributes, each value quoted (a ">" may stand in a value).
_ATTRIBUTES = rb"""(?:[^<>"']|"[^"]*"|'[^']*')*"""
_WHOLE_TAG = re.compile(rb"<" + _ATTRIBUTES + rb">")
_ATTRIBUTE = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
#: A quoted value (or a text) holding a "<" (``_lt_in_value`` tells which).
_LT_AFTER_QUOTE = re.compile(rb"""=\s*(?:"[^"<]*|'[^'<]*)<""")
_OPEN_TAG = re.compile(rb"<" + _ATTRIBUTES)


def _lt_in_value(window: bytes) -> bool:
    """Whether an attribute value in ``window`` holds a "<": not well-formed XML (calamine reads it
    all the same), and it would hide where a tag starts."""
    for found in _LT_AFTER_QUOTE.finditer(window):
        start = window.rfind(b"<", 0, found.start())
        if start >= 0 and _OPEN_TAG.match(window, start).end() > found.start():  # in the tag, not a text
            return True
    return False


def _attribute(tag: bytes, name: bytes) -> bytes | None:
    """The value of attribute ``name`` (with any namespace prefix) of ``tag``, None when absent."""
    for found in _ATTRIBUTE.finditer(tag):
        if found[1] == name or found[1].endswith(b":" + name):
            return found[2] if found[2] is not None else found[3]
    return None


class _TagStream:
    """Scans a stream of XML in chunks, each tag whole: a chunk that breaks off inside a tag leaves
    that tag for the next one."""

    #: whether a "<" inside an attribute value refuses the file (the scanners that find tags by it)
    _strict = True

    def __init__(self, file_name: str) -> None:
        self._carry = b""
        self.file_name = file_name

    def feed(self, chunk: bytes) -> None:
        """Scan the next chunk of the XML (consecutive, not overlapping)."""
        window = self._carry + chunk
        if self._strict and _lt_in_value(window):
            raise ExchangeFileError(
                f"“{self.file_name}”的“{self._sheet_name()}”工作表数据不合规范（属性值中有“<”），"
                "文件可能已被篡改，已拒绝读取。"
            )
        cut = window.rfind(b"<")  # a "<" starts a tag: it is never in a text or an attribute value
        if cut < 0 or _WHOLE_TAG.match(window, cut):
            cut = len(window)
        self._scan(window, cut)
        self._carry = window[cut:]
        if len(self._carry) > _MAX_TAG:
            raise ExchangeFileError(
                f"“{self.file_name}”的“{self._sheet_name()}”工作表数据异常（标记过长），文件可能已被篡改，已拒绝读取。"
            )

    def _scan(self, window: bytes, end: int) -> None:
        """Scan ``window[:end]``, which holds only whole tags."""
        raise NotImplementedError

    def _sheet_name(self) -> str:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------- .xlsx
#: A cell tag that is not ``<c r="…`` (attributes reordered, no reference, another quote), or a
#: reference past column ``WIDE_COLUMNS`` (BM on) or at row 200,000 or beyond (leading zeros too).
_XLSX_NOTABLE_CELL = re.compile(
    rb'<c(?:(?P<odd>[\t\n\r/>]| (?!r="))| r="(?=[A-Za-z]*+0*+(?:[2-9]\d{5}|[1-9]\d{6})'
    rb"|[A-Za-z]{3}|[Bb][M-Zm-z]|[C-Zc-z][A-Za-z]))"
)  # possessive: a plain reference fails at once
_XLSX_PREFIXED_CELL = re.compile(rb"<[\w.-]+:c[\s/>]")
_XLSX_REF = re.compile(rb"([A-Za-z]*)(\d+)$")
_XLSX_ROW = re.compile(rb"<row(?=[\s/>])")
_XLSX_CELL_START = re.compile(rb"<c(?=[\s/>])")
_XLSX_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])" + _ATTRIBUTES)
assert column_number(b"BM") == WIDE_COLUMNS + 1


def _is_empty_cell(window: bytes, tag_end: int) -> bool:
    """Whether the tag ending at ``tag_end`` (its ``>``) is self-closing: a cell with no value."""
    return 0 < tag_end < len(window) and window[tag_end - 1 : tag_end] == b"/"


class _XlsxExtent(SheetExtent, _TagStream):
    """The extent of one .xlsx sheet, found in its streamed XML."""

    def __init__(self, file_name: str, sheet: str) -> None:
        SheetExtent.__init__(self, file_name, sheet)
        _TagStream.__init__(self, file_name)

    def _sheet_name(self) -> str:
        return self.sheet


class XlsxQuickExtent(_XlsxExtent):
    """The extent of a sheet whose cells are all written ``<c r="…"`` (Excel, WPS, LibreOffice,
    openpyxl), from the few cells far down or to the right, found by one regex pass per chunk.

    ``exact_needed`` says when that is not enough: a cell in another form, or one past column
    ``WIDE_COLUMNS`` (the farthest row then matters too); ``XlsxExactExtent`` then reads every tag.
    """

    _strict = False  # it reads the cells it needs by their own tag, never by where a tag starts

    def __init__(self, file_name: str, sheet: str) -> None:
        super().__init__(file_name, sheet)
        self.exact_needed = False

    def _scan(self, window: bytes, end: int) -> None:
        if self.exact_needed:
            return
        if b":" in window and b":c" in window and _XLSX_PREFIXED_CELL.search(window, 0, end):
            self.exact_needed = True
            return
        for match in _XLSX_NOTABLE_CELL.finditer(window, 0, end):
            if match["odd"] is not None:
                self.exact_needed = True
                return
            close = window.find(b'"', match.end(), end)
            ref = _XLSX_REF.match(window, match.end(), close) if close >= 0 else None
            if ref is None:  # calamine refuses a malformed reference itself
                continue
            column, row = column_number(ref[1]), number(ref[2])
            if column > WIDE_COLUMNS:
                self.exact_needed = True
            tag = _XLSX_TAG.match(window, match.start(), end)
            if tag is None or not _is_empty_cell(window, tag.end()):
                self.reach(row, column)


class XlsxExactExtent(_XlsxExtent):
    """The extent of any sheet XML, as far as calamine may place each cell: a cell with a reference
    where it says; a cell without one in its row's place (the row's ``r``, or the row after the last)
    and in the column after the cell before.  A self-closing cell is empty.  A row without references
    is counted whole; any other is read tag by tag."""

    def __init__(self, file_name: str, sheet: str) -> None:
        super().__init__(file_name, sheet)
        self._row = 0
        self._referenced_row = 0
        self._column = 0

    def _scan(self, window: bytes, end: int) -> None:
        if b":" in window and (b":c" in window or b":row" in window):  # prefixed tags: every tag is read
            self._tags(window, 0, end)
            return
        at = 0
        for row in _XLSX_ROW.finditer(window, 0, end):
            self._rows(window, at, row.start())
            at = row.start()
        self._rows(window, at, end)

    def _rows(self, window: bytes, start: int, end: int) -> None:
        """The part ``start:end`` of ``window``: a row from its tag on, or the end of the last row.

        A row whose cells have no references at all (no ``r=`` in it) and that ends here is taken
        whole: its cells follow one another from column A, and it reaches as far as it has cells if
        one has a value.  A row that goes on in the next chunk is read tag by tag (a cell's value may
        follow there).
        """
        row = _XLSX_ROW.match(window, start, end)
        whole = _WHOLE_TAG.match(window, start, end) if row else None
        if (
            whole is None
            or window.find(b"r=", whole.end(), end) >= 0
            or window.find(b"</row>", whole.end(), end) < 0
        ):
            self._tags(window, start, end)
            return
        r = _attribute(window[start : whole.end()], b"r")
        self._row = number(r) if r and r.isdigit() else self._row + 1
        self._referenced_row = 0
        self._column = len(_XLSX_CELL_START.findall(window, whole.end(), end))
        if self._column and window.find(b"</c>", whole.end(), end) >= 0:
            self.reach(self._row, self._column)

    def _tags(self, window: bytes, start: int, end: int) -> None:
        for match in _XLSX_TAG.finditer(window, start, end):
            r = _attribute(match[0], b"r")
            if match[1] == b"row":
                self._row = number(r) if r and r.isdigit() else self._row + 1
                self._referenced_row = self._column = 0
                continue
            ref = _XLSX_REF.match(r) if r is not None else None
            if r is not None and ref is None:  # calamine refuses a malformed reference itself
                continue
            if ref is None:
                self._column += 1
                row, column = max(self._row, self._referenced_row), self._column
            else:
                row, column = number(ref[2]), column_number(ref[1])
                self._referenced_row, self._column = row, max(self._column + 1, column)
            if not _is_empty_cell(window, match.end()):
                self.reach(row, column)


# ---------------------------------------------------------------------------------------- .ods
#: Where an .ods table's extent may move by more than one cell: a table's and a row's start and end,
#: and a repeat count of columns (a repeated cell's, once its tag is found).  Other cells are counted
#: between them, a chunk at a time.
_ODS_MARKS = (
    re.compile(rb"<table:table-row(?=[\s/>])"),
    re.compile(rb"</table:table(?:-row)?>"),
    re.compile(rb"columns-repeated"),
)  # each with a plain prefix that only its tag has, so that each is one quick search
#: A table's start, searched for only where there is one (its prefix is every cell's too).
_ODS_TABLE = re.compile(rb"<table:table(?=[\s/>])")
_ODS_CELL_TAG = re.compile(rb"<table:(?:covered-)?table-cell(?=[\s/>])")


def _count(repeated: bytes | None) -> int:
    """How many times a repeated row or cell stands (once when the count is absent or not a number)."""
    return number(repeated) if repeated and repeated.isdigit() else 1


def _has_content(xml: bytes) -> bool:
    """Whether the cells of ``xml`` hold a value (a value type, or anything inside a cell)."""
    return b"value-type" in xml or b"</table:table-cell>" in xml or b"</table:covered-table-cell>" in xml


class OdsExtent(_TagStream):
    """The extent of each table of an .ods ``content.xml``: rows and cells repeat as calamine expands
    them, up to the last one with content; trailing empty rows and cells (LibreOffice writes a whole
    sheet of them) do not count."""

    def __init__(self, file_name: str) -> None:
        super().__init__(file_name)
        #: each table's extent, in the order of the file
        self.tables: list[SheetExtent] = []
        self._depth = 0
        self._table = SheetExtent(file_name, "")
        self._row = 0
        self._row_repeat = 1
        self._column = 0
        self._width = 0

    def _sheet_name(self) -> str:
        return self._table.sheet

    def _scan(self, window: bytes, end: int) -> None:
        at = 0
        searches = [m.finditer(window, 0, end) for m in _ODS_MARKS]
        if window.count(b"<table:table", 0, end) > window.count(b"<table:table-", 0, end):
            searches.append(_ODS_TABLE.finditer(window, 0, end))
        marks = heapq.merge(*searches, key=lambda m: m.start())
        for mark in marks:
            start = mark.start() if mark[0][0] == 60 else window.rfind(b"<", 0, mark.start())
            if start < at or (mark[0][0] != 60 and not _ODS_CELL_TAG.match(window, start)):
                continue  # a tag already read, or a repeat count of something else than a cell
            whole = _WHOLE_TAG.match(window, start, end)
            if whole is None:  # not well-formed: calamine refuses it itself
                continue
            self._cells(window[at:start])
            at = whole.end()
            tag = window[start : at - 1]
            if mark[0][0] != 60:  # "<"
                self._column += _count(_attribute(tag, b"number-columns-repeated"))
                if _has_content(tag) or not tag.endswith(b"/"):
                    self._width = self._column
            elif b"-row" not in mark[0]:
                self._on_table(tag, closing=mark[0][1] == 47)
            elif mark[0][1] == 47:  # "</"
                self._end_row()
            else:
                self._start_row(tag)
        self._cells(window[at:end])

    def _cells(self, xml: bytes) -> None:
        if not xml:
            return
        self._column += xml.count(b"<table:table-cell") + xml.count(b"<table:covered-table-cell")
        if _has_content(xml):
            self._width = self._column

    def _on_table(self, tag: bytes, *, closing: bool) -> None:
        if closing:
            self._depth = max(0, self._depth - 1)
            return
        self._depth += 1
        if self._depth > 1:
            raise ExchangeFileError(
                f"“{self.file_name}”的表格中嵌有子表格，台账不支持这种格式，请将其展开后再导入。"
            )
        name = _attribute(tag, b"name")
        self._table = SheetExtent(
            self.file_name, unescape(name.decode("utf-8", "replace")) if name is not None else ""
        )
        self.tables.append(self._table)
        self._row = 0
        if tag.endswith(b"/"):
            self._depth -= 1

    def _start_row(self, tag: bytes) -> None:
        self._row_repeat = _count(_attribute(tag, b"number-rows-repeated")) if b"rows-repeated" in tag else 1
        self._column = self._width = 0
        if tag.endswith(b"/"):  # an empty row
            self._end_row()

    def _end_row(self) -> None:
        self._row += self._row_repeat
        if self._width:
            self._table.reach(self._row, self._width)
        self._row_repeat = 1
        self._column = self._width = 0
