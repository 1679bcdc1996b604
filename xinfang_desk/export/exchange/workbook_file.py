"""Opening Excel and spreadsheet files safely, for the office's merge and for importing old 台账.

Two guards, each refusing bad input with one Chinese sentence (``ExchangeFileError``) and never with
an out-of-memory crash or a library's English traceback:

* **The container** (``open_workbook``): an .xlsx (or .ods) must be a zip holding a workbook; every
  member's declared size and compression ratio is checked before anything is decompressed, so a
  decompression bomb is refused unread.  An old binary .xls is read by python-calamine after the same
  file-size limit; .xlsb gets its own advice.
* **A sheet** (``Workbook.sheet``): before an .xlsx sheet is parsed, its XML is streamed once through
  the zip reader (which verifies the sizes and CRC) to count the rows, find formulas and find how far
  its filled cells reach (``sheet_extent``); above ``MAX_ROWS`` real rows, with a formula in a cell, or
  reaching past the extent limits, it is refused.  The declared ``<dimension>`` is not trusted
  (LibreOffice declares a whole column after a row is deleted).  Only then does python-calamine (fast,
  Rust) parse it; openpyxl stays the writer.  An .ods is read whole when opened, so its
  ``content.xml`` gets the same formula and extent checks before calamine sees it.

Cells come back as calamine gives them: ``""`` for an empty cell, ``float`` for numbers, ``date`` /
``datetime`` for date cells; ``identity.canonical_text`` treats them as the writer's values.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count, islice
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from xinfang_desk.export.exchange.columns import FORMAT_VERSION
from xinfang_desk.export.exchange.identity import (
    EXCHANGE_SHEET,
    FORMAT_NAME,
    ExchangeFileError,
    ExchangeIdentity,
    parse_identity,
)
from xinfang_desk.export.exchange.sheet_extent import MAX_ROWS, OdsExtent, XlsxExactExtent, XlsxQuickExtent
from xinfang_desk.export.exchange.xls_extent import XlsContainerError, xls_extents

#: A workbook file larger than this is refused before it is read (a unit's yearly 台账 is a few MB).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Limits on what the zip may unpack to: one member, all members together.
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
#: Highest compression ratio accepted for a member above ``_RATIO_FLOOR`` bytes (sheet XML is ~10:1).
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ---------------------------------------------------------------------------------------- container
#: The spreadsheet formats read: Office Open XML, OpenDocument, the old binary Excel.
XLSX, ODS, XLS = "xlsx", "ods", "xls"
_ODS_CONTENT = "content.xml"
_ODS_FORMULA = b"table:formula="


@dataclass
class Workbook:
    """An opened workbook: its name, the SHA-256 of its bytes, its format, its sheets and their XML members."""

    path: Path
    sha256: str
    size: int
    sheet_members: dict[str, str]
    _zip: zipfile.ZipFile | None
    _book: Any
    kind: str = XLSX

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheet_members)

    def close(self) -> None:
        closers = (getattr(self._book, "close", None), self._zip.close if self._zip else None)
        for closer in closers:
            if closer is not None:
                with contextlib.suppress(Exception):  # closing never matters to the user
                    closer()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def sheet(self, name: str) -> SheetRows:
        """The rows of sheet ``name`` after the guard of the module docstring."""
        member = self.sheet_members.get(name)
        if member is None:
            raise ExchangeFileError(f"“{self.name}”中没有“{name}”工作表。")
        rows = _scan_sheet(self._zip, member, self.name, name).rows if self.kind == XLSX and self._zip else 0
        try:
            sheet = self._book.get_sheet_by_name(name)
            start_row, start_col = sheet.start or (0, 0)
            height = sheet.height
        except Exception as exc:  # calamine: XmlError, ZipError, CalamineError, ValueError …
            raise ExchangeFileError(
                f"“{self.name}”的“{name}”工作表无法读取，文件可能已损坏（{_error_name(exc)}）。"
            ) from exc
        if self.kind != XLSX and height > MAX_ROWS:
            raise _too_many_rows(self.name, name, f"有 {height:,} 行")
        return SheetRows(self.name, name, sheet, start_row + 1, start_col, rows or height)


@dataclass(frozen=True)
class _SheetScan:
    rows: int


def _error_name(exc: BaseException) -> str:
    return exc.__class__.__name__


def open_workbook(path: str | Path) -> Workbook:
    """Open an .xlsx, .ods or .xls for reading, after the checks of the module docstring."""
    path = Path(path)
    name = path.name
    try:
        if not path.is_file():
            raise ExchangeFileError(f"文件不存在：{path}。")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExchangeFileError(
                f"“{name}”有 {size // (1024 * 1024)} MB，超过了 {MAX_FILE_BYTES // (1024 * 1024)} MB 的上限，"
                "不像是一个单位的台账。"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ExchangeFileError(f"无法读取“{name}”：{exc.strerror or exc}。") from exc
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(_OLE_MAGIC):
        try:  # calamine reads every sheet of an .xls when it opens it
            xls_extents(data, name)
        except XlsContainerError as exc:
            raise _unreadable(name, XLS, str(exc)) from exc
        book = _open_calamine(data, name, XLS)
        return Workbook(path, digest, len(data), _calamine_sheets(book, name, ""), None, book, XLS)
    archive = _open_zip(data, name)
    try:
        kind = _check_members(archive, name)
        if kind == ODS:  # calamine reads every table of an .ods when it opens it
            _check_ods_content(archive, name)
        book = _open_calamine(data, name, kind)
        members = _calamine_sheets(book, name, _ODS_CONTENT) if kind == ODS else _sheet_members(archive, name)
    except BaseException:
        archive.close()
        raise
    return Workbook(path, digest, len(data), members, archive, book, kind)


def _calamine_sheets(book: Any, name: str, member: str) -> dict[str, str]:
    names = [n for n in getattr(book, "sheet_names", []) if n]
    if not names:
        raise ExchangeFileError(f"“{name}”中没有任何工作表。")
    return dict.fromkeys(names, member)


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    if not data:
        raise ExchangeFileError(f"“{name}”是空文件。")
    if not (data.startswith(_ZIP_MAGIC) or data.startswith(_EMPTY_ZIP_MAGIC)):
        raise ExchangeFileError(f"“{name}”不是 Excel 工作簿（.xlsx、.xls）或 OpenDocument 表格（.ods）文件。")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ExchangeFileError(
            f"“{name}”不完整或已损坏（可能复制或下载没有完成），无法读取。请重新获取该文件。"
        ) from exc


def _check_members(archive: zipfile.ZipFile, name: str) -> str:
    """The format of the zip (``XLSX`` or ``ODS``) once its members pass the bomb guard."""
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if "xl/workbook.bin" in names:
        raise ExchangeFileError(f"“{name}”是 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 格式后再导入。")
    if "xl/workbook.xml" in names:
        kind = XLSX
    elif _ODS_CONTENT in names and b"spreadsheet" in _mimetype(archive, names):
        kind = ODS
    else:
        raise ExchangeFileError(
            f"“{name}”是一个压缩文件，但不是 Excel 工作簿（.xlsx）或 OpenDocument 表格（.ods）。"
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ExchangeFileError(f"“{name}”已加密或设置了密码，请在 Excel 中取消密码后再导入。")
        total += info.file_size
        ratio_too_high = info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        )
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES or ratio_too_high:
            raise ExchangeFileError(
                f"“{name}”解压后的数据异常庞大（疑似“压缩炸弹”或被篡改的文件），为保护本机已拒绝读取。"
            )
    return kind


def _mimetype(archive: zipfile.ZipFile, names: set[str]) -> bytes:
    if "mimetype" not in names or archive.getinfo("mimetype").file_size > 200:
        return b""
    with contextlib.suppress(Exception):
        return archive.read("mimetype")
    return b""


def _check_ods_content(archive: zipfile.ZipFile, name: str) -> None:
    """An .ods with a formula, or a table reaching too far, is refused as an .xlsx is (its content
    streamed once, sizes checked)."""
    carry = b""
    extent = OdsExtent(name)
    try:
        with archive.open(_ODS_CONTENT) as stream:
            while chunk := stream.read(_CHUNK):
                extent.feed(chunk)
                if _ODS_FORMULA in carry + chunk:
                    raise ExchangeFileError(
                        f"“{name}”含有公式。台账只接受数值和文字，请将公式“选择性粘贴为数值”后再导入。"
                    )
                carry = chunk[-32:]
    except ExchangeFileError:
        raise
    except Exception as exc:  # bad CRC, truncated data
        raise ExchangeFileError(f"“{name}”的表格数据不完整或已损坏（{_error_name(exc)}）。") from exc


def _read_member(archive: zipfile.ZipFile, member: str, name: str) -> bytes:
    try:
        return archive.read(member)
    except KeyError as exc:
        raise ExchangeFileError(f"“{name}”缺少工作簿的组成部分（{member}），文件已损坏。") from exc
    except Exception as exc:  # bad CRC, truncated member, unsupported compression
        raise ExchangeFileError(f"“{name}”已损坏，无法读取（{_error_name(exc)}）。") from exc


def _parse_xml(data: bytes, name: str) -> ElementTree.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ExchangeFileError(f"“{name}”含有不允许的 XML 声明，已拒绝读取。")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ExchangeFileError(f"“{name}”的工作簿结构已损坏，无法读取。") from exc


def _sheet_members(archive: zipfile.ZipFile, name: str) -> dict[str, str]:
    """Sheet name → the zip member holding its XML (from workbook.xml and its relationships)."""
    book = _parse_xml(_read_member(archive, "xl/workbook.xml", name), name)
    targets: dict[str, str] = {}
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name in archive.namelist():
        for rel in _parse_xml(_read_member(archive, rels_name, name), name).iter():
            if _local(rel.tag) == "Relationship":
                target = rel.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[rel.get("Id", "")] = target
    members: dict[str, str] = {}
    for element in book.iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        sheet_name = element.get("name", "")
        if rel_id in targets and sheet_name:
            members[sheet_name] = targets[rel_id]
    if not members:
        raise ExchangeFileError(f"“{name}”中没有任何工作表。")
    return members


def _open_calamine(data: bytes, name: str, kind: str) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # every calamine error, whatever its class
        raise _unreadable(name, kind, _error_name(exc)) from exc


def _unreadable(name: str, kind: str, why: str) -> ExchangeFileError:
    what = {XLS: "旧版 Excel 工作簿（.xls）", ODS: "OpenDocument 表格（.ods）"}.get(kind, "Excel 工作簿")
    return ExchangeFileError(
        f"“{name}”无法作为{what}读取，文件可能已损坏或不是表格（{why}）。请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入。"
    )


def _scan_sheet(archive: zipfile.ZipFile, member: str, name: str, sheet: str) -> _SheetScan:
    """Stream the sheet's XML once: its real row count, formulas and extent; the zip checks sizes and
    CRC.  A sheet whose extent the quick look cannot settle is streamed once more, row by row."""
    rows = 0
    carry = b""
    extent = XlsxQuickExtent(name, sheet)
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                extent.feed(chunk)
                window = carry + chunk
                row_tags, maybe_formula = _row_tags(window)
                # a tag wholly inside ``carry`` was counted with the previous chunk
                rows += row_tags - _row_tags(carry)[0]
                if rows > MAX_ROWS:
                    raise _too_many_rows(name, sheet, f"已读到 {rows:,} 行仍未结束")
                formula = _first_formula(window) if maybe_formula else -1
                if formula >= 0:
                    raise _formula_found(name, sheet, window[:formula])
                carry = window[-64:]
        if extent.exact_needed:
            exact = XlsxExactExtent(name, sheet)
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    exact.feed(chunk)
    except KeyError as exc:
        raise ExchangeFileError(f"“{name}”缺少“{sheet}”工作表的数据，文件已损坏。") from exc
    except ExchangeFileError:
        raise
    except Exception as exc:  # zipfile: bad CRC, truncated data, size mismatch
        raise ExchangeFileError(
            f"“{name}”的“{sheet}”工作表数据不完整或已损坏（{_error_name(exc)}），请重新获取该文件。"
        ) from exc
    return _SheetScan(rows)


def _row_tags(data: bytes) -> tuple[int, bool]:
    """Row tags in ``data`` (``<row …>`` or a namespaced ``<x:row …>``; not ``<rowBreaks>``), and
    whether it may hold a formula (``_first_formula`` then says where).

    One pass finds both the row tags and the unprefixed formula tags.
    """
    found = _ROW_OR_FORMULA.findall(data)
    count = found.count(b"<row")
    maybe_formula = len(found) > count
    if b":" in data:  # a colon is rare past the sheet's first bytes (one quick pass)
        if b":row" in data:
            count += len(re.findall(rb"<\w+:row[\s>/]", data))
        maybe_formula = maybe_formula or b":f" in data
    return count, maybe_formula


#: An unprefixed row tag (the text ``<row`` not starting ``<rowBreaks``) or formula tag.
_ROW_OR_FORMULA = re.compile(rb"<(?:row(?!Breaks)|f[\s>/])")


def _first_formula(data: bytes) -> int:
    """Where the first formula tag (``_FORMULA_TAG``) in ``data`` starts, or -1.

    Two quick passes for ``<f`` and a namespaced ``:f``; only those places are matched against
    the tag (``<firstHeader>`` and the like are not formulas).
    """
    found = -1
    for needle in (b"<f", b":f") if b":" in data else (b"<f",):
        at = data.find(needle)
        while at >= 0 and (found < 0 or at < found):
            begin = at if needle == b"<f" else data.rfind(b"<", max(0, at - 32), at)
            if begin >= 0 and _FORMULA_TAG.match(data, begin):
                found = begin
                break
            at = data.find(needle, at + 1)
    return found


def _too_many_rows(name: str, sheet: str, found: str) -> ExchangeFileError:
    return ExchangeFileError(
        f"“{name}”的“{sheet}”工作表超过了 {MAX_ROWS:,} 行的上限（{found}），已拒绝读取。"
        "请按年度分别导出后再导入。"
    )


def _formula_found(name: str, sheet: str, before: bytes) -> ExchangeFileError:
    numbers = _ROW_NUMBER.findall(before)
    where = f"第 {int(numbers[-1])} 行" if numbers else "单元格"
    return ExchangeFileError(
        f"“{name}”的“{sheet}”工作表{where}含有公式。台账只接受数值和文字，"
        "请在 Excel 中将公式“选择性粘贴为数值”后再导入。"
    )


# ---------------------------------------------------------------------------------------- sheet rows
@dataclass
class SheetRows:
    """The rows of one parsed sheet, read lazily, with the Excel row number of the first one."""

    file_name: str
    sheet_name: str
    _sheet: Any
    first_row_number: int
    first_column: int
    xml_rows: int

    def numbered(self, start: int = 0) -> Iterator[tuple[int, list[Any]]]:
        """(Excel row number, cells from column A) for each row from the ``start``-th on."""
        numbered = zip(count(self.first_row_number), self._sheet.iter_rows())
        if start:
            numbered = islice(numbered, start, None)
        if not self.first_column:
            return numbered
        pad = [""] * self.first_column
        return ((number, pad + row) for number, row in numbered)

    def head(self, count: int) -> list[list[Any]]:
        """The first ``count`` rows (cells from column A)."""
        rows = []
        for _number, row in self.numbered():
            if len(rows) == count:
                break
            rows.append(row)
        return rows

    def key_values(self) -> dict[str, str]:
        """A two-column key/value sheet (such as ``_交换信息``) as a dict of stripped texts."""
        values: dict[str, str] = {}
        for _number, row in self.numbered(1):
            if row and row[0] not in ("", None):
                values[_plain(row[0]).strip()] = _plain(row[1]).strip() if len(row) > 1 else ""
        return values


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------------------- exchange
def read_exchange_identity(workbook: Workbook) -> ExchangeIdentity:
    """The ``_交换信息`` of a unit's exported 台账, read with the same rules as ``exchange``.

    A file of a newer format version is refused with the advice to update the program; an older
    one is read.
    """
    if EXCHANGE_SHEET not in workbook.sheet_members:
        raise ExchangeFileError(
            f"“{workbook.name}”不是信访台账导出文件（缺少“{EXCHANGE_SHEET}”工作表）。"
            "若要导入本单位原有的 Excel 台账，请使用“导入台账”。"
        )
    values = workbook.sheet(EXCHANGE_SHEET).key_values()
    try:
        version = int(values.get("format_version", ""))
    except ValueError:
        version = None
    if values.get("format_name") == FORMAT_NAME and version is not None and version > FORMAT_VERSION:
        raise ExchangeFileError(
            f"“{workbook.name}”由更新版本的程序导出（台账格式版本 {version}，本程序只能读取到版本 "
            f"{FORMAT_VERSION}）。请升级本程序后再合并。"
        )
    return parse_identity(values, workbook.name)
