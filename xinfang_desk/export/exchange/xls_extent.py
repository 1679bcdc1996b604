"""How far an old binary .xls sheet reaches, found by walking its BIFF records before python-calamine opens it.

python-calamine reads every sheet of an .xls when it opens the file: it reserves room for as many
cells as a sheet's DIMENSIONS record declares, then sizes the sheet from its farthest cell.  A few
bytes changed in a small file (a cell in column 65,536, a DIMENSIONS of four billion rows) make it
ask for tens of GB and end the whole program.  This walk finds each sheet the way calamine does
(from the workbook's BOUNDSHEET records, each read from its offset up to its EOF) and measures it
with ``sheet_extent.SheetExtent``: the declared DIMENSIONS span, and every cell record calamine
keeps (BLANK and MULBLANK, formatting only, are not kept).
"""

from __future__ import annotations

import codecs
import io
import struct
from collections.abc import Iterator

import olefile

from xinfang_desk.export.exchange.identity import ExchangeFileError
from xinfang_desk.export.exchange.sheet_extent import SheetExtent


class XlsContainerError(ValueError):
    """The file is not an OLE2 compound file holding a workbook stream."""


_BOF, _EOF, _BOUNDSHEET, _FILEPASS, _CODEPAGE, _DIMENSIONS, _MULRK = (
    0x0809,
    0x000A,
    0x0085,
    0x002F,
    0x0042,
    0x0200,
    0x00BD,
)
#: BOF versions before BIFF8 (names without a flag byte).
_OLDER_BIFF = frozenset((0x0200, 0x0002, 0x0007, 0x0300, 0x0400, 0x0500))
#: Records of one cell, its row and column first: NUMBER, RK, LABELSST, LABEL, RSTRING, BOOLERR, FORMULA.
_CELLS = frozenset((0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0205, 0x0006))
_HEAD = struct.Struct("<HH")
_U32 = struct.Struct("<I")
_U16 = struct.Struct("<H")
_WRAP = 1 << 32


def workbook_stream(data: bytes) -> bytes:
    """The ``Workbook`` (BIFF8) or ``Book`` (BIFF5) stream of an .xls, as calamine takes it."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as container:
            for stream in ("Workbook", "Book"):
                if container.exists(stream) and container.get_type(stream) == olefile.STGTY_STREAM:
                    return container.openstream(stream).read()
    except Exception as exc:  # olefile: OSError, struct.error, IndexError … on a damaged container
        raise XlsContainerError(exc.__class__.__name__) from exc
    raise XlsContainerError("没有工作簿数据流")


def xls_extents(data: bytes, file_name: str) -> list[SheetExtent]:
    """The extent of each sheet of an .xls as calamine will size it; ``ExchangeFileError`` once one
    passes ``SheetExtent``'s limits (or when the file is encrypted), ``XlsContainerError`` when it is
    no compound file with a workbook stream."""
    stream = memoryview(workbook_stream(data))
    extents = []
    for offset, name in _bound_sheets(stream, file_name):
        if offset > len(stream):
            raise XlsContainerError("工作表位置超出数据流")
        extents.append(_measure(stream, offset, SheetExtent(file_name, name)))
    return extents


def _records(stream: memoryview, at: int) -> Iterator[tuple[int, int, int]]:
    """Each record from ``at`` on: its type and where its body starts and ends; stops at a record
    that runs past the stream (calamine refuses it itself).  A CONTINUE record is one more record
    of a type no check reads."""
    size = len(stream)
    while at + 4 <= size:
        kind, length = _HEAD.unpack_from(stream, at)
        start = at + 4
        at = start + length
        if at > size:
            return
        yield kind, start, at


def _bound_sheets(stream: memoryview, file_name: str) -> list[tuple[int, str]]:
    """The offset and name of each sheet the workbook globals list (up to their EOF)."""
    sheets: list[tuple[int, str]] = []
    biff8, encoding = True, "gbk"
    for kind, start, end in _records(stream, 0):
        if kind == _EOF:
            break
        if kind == _BOF and end - start >= 2:
            biff8 = _U16.unpack_from(stream, start)[0] not in _OLDER_BIFF
        elif kind == _FILEPASS and end - start >= 2 and _U16.unpack_from(stream, start)[0]:
            raise ExchangeFileError(f"“{file_name}”已加密或设置了密码，请在 Excel 中取消密码后再导入。")
        elif kind == _CODEPAGE and end - start >= 2:
            encoding = _codec(_U16.unpack_from(stream, start)[0], encoding)
        elif kind == _BOUNDSHEET and end - start >= 8:
            count, flags = stream[start + 6], stream[start + 7]
            if biff8:  # a flag byte, then Latin-1 or UTF-16
                wide = flags & 1
                text = bytes(stream[start + 8 : min(end, start + 8 + count * (2 if wide else 1))])
                name = text.decode("utf-16-le" if wide else "latin-1", "replace")
            else:
                name = bytes(stream[start + 7 : min(end, start + 7 + count)]).decode(encoding, "replace")
            sheets.append((_U32.unpack_from(stream, start)[0], name.replace("\0", "")))
    return sheets


def _codec(codepage: int, default: str) -> str:
    """The Python codec of a CODEPAGE record (``default`` for UTF-16 or one Python lacks)."""
    try:
        return codecs.lookup(f"cp{codepage}").name if codepage != 1200 else default
    except LookupError:
        return default


def _measure(stream: memoryview, offset: int, extent: SheetExtent) -> SheetExtent:
    """Walk one sheet from ``offset`` to its EOF, as calamine does, feeding ``extent``."""
    for kind, start, end in _records(stream, offset):
        length = end - start
        if kind in _CELLS and length >= 4:
            row, column = _HEAD.unpack_from(stream, start)
            extent.reach(row + 1, column + 1)
        elif kind == _MULRK and length >= 6:
            row, first = _HEAD.unpack_from(stream, start)
            last = max(_U16.unpack_from(stream, end - 2)[0], first + (length - 6) // 6 - 1)
            extent.reach(row + 1, last + 1)
        elif kind == _DIMENSIONS:
            _declared(stream, start, length, extent)
        elif kind == _EOF:
            break
    return extent


def _declared(stream: memoryview, start: int, length: int, extent: SheetExtent) -> None:
    """A DIMENSIONS record: calamine reserves (last − first) rows × columns from it, wrapping at 2³²."""
    if length == 14:
        first_row, end_row, first_column, end_column = struct.unpack_from("<IIHH", stream, start)
    elif length == 10:
        first_row, end_row, first_column, end_column = struct.unpack_from("<HHHH", stream, start)
    else:
        return
    if end_row < 1 or end_column < 1:
        return
    rows = (end_row - 1 - first_row + 1) % _WRAP
    columns = (end_column - 1 - first_column + 1) % _WRAP
    extent.reach(rows, columns)
