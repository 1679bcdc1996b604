"""Reading Excel 台账 workbooks safely, for the office's merge and for importing a unit's own Excel 台账.

Three layers, each refusing bad input with one Chinese sentence (``ExchangeFileError``) and never
with an out-of-memory crash or a library's English traceback:

* **The container** (``open_workbook``): the file must be a zip holding an Excel workbook; every
  member's declared size and compression ratio is checked before anything is decompressed, so a
  decompression bomb is refused unread.  The old binary ``.xls`` and ``.xlsb`` get their own advice.
* **A sheet** (``Workbook.sheet``): before the sheet is parsed, its XML is streamed once through
  the zip reader (which verifies the sizes and CRC) to read the ``<dimension>`` tag, count the
  rows and find formulas; above ``MAX_ROWS`` rows, or with a formula in a cell, it is refused.  Only
  then does python-calamine (fast, Rust) parse it; openpyxl stays the writer.
* **The rows** (``RowReader``): headers are found by name in any order (unknown columns ignored);
  each row becomes a ``CaseRecord`` of typed values (dates, counts, vocabulary labels) or a list of
  reasons, each naming the row number a user sees in Excel.

Cells come back as calamine gives them: ``""`` for an empty cell, ``float`` for numbers, ``date`` /
``datetime`` for date cells; ``exchange.canonical_text`` treats them as the writer's values.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import io
import re
import uuid as uuid_module
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import repeat
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from xinfang_desk.export.exchange.identity import (
    EXCHANGE_SHEET,
    FORMAT_NAME,
    FORMAT_VERSION,
    ExchangeFileError,
    ExchangeIdentity,
    parse_identity,
)
from xinfang_desk.ledger.identity import mask_id_number, mask_phone
from xinfang_desk.ledger.vocab import Channel, IdentityType, Nature, Outcome, Satisfaction, Source, Status

#: A workbook file larger than this is refused before it is read (a unit's yearly 台账 is a few MB).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Limits on what the zip may unpack to: one member, all members together.
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
#: Highest compression ratio accepted for a member above ``_RATIO_FLOOR`` bytes (sheet XML is ~10:1).
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
#: Most rows a sheet may have (header included); far above any unit's yearly ledger.
MAX_ROWS = 200_000
#: Excel's own limit on the characters of one cell.
MAX_CELL_CHARS = 32_767
#: Rows looked at for a header row when importing a sheet kept by hand (titles may come first).
HEADER_SEARCH_ROWS = 20
#: Problems listed per file before “…等”.
MAX_LISTED_PROBLEMS = 20

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_CELL_REF = re.compile(r"^[A-Z]{1,3}(\d+)$")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ---------------------------------------------------------------------------------------- container
@dataclass
class Workbook:
    """An opened workbook: its name, the SHA-256 of its bytes, its sheets and their XML members."""

    path: Path
    sha256: str
    size: int
    sheet_members: dict[str, str]
    _zip: zipfile.ZipFile
    _book: Any

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheet_members)

    def close(self) -> None:
        for closer in (getattr(self._book, "close", None), self._zip.close):
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
        scan = _scan_sheet(self._zip, member, self.name, name)
        try:
            sheet = self._book.get_sheet_by_name(name)
            start_row, start_col = sheet.start or (0, 0)
        except Exception as exc:  # calamine: XmlError, ZipError, CalamineError, ValueError …
            raise ExchangeFileError(
                f"“{self.name}”的“{name}”工作表无法读取，文件可能已损坏（{_error_name(exc)}）。"
            ) from exc
        return SheetRows(self.name, name, sheet, start_row + 1, start_col, scan.rows)


@dataclass(frozen=True)
class _SheetScan:
    rows: int


def _error_name(exc: BaseException) -> str:
    return exc.__class__.__name__


def open_workbook(path: str | Path) -> Workbook:
    """Open an .xlsx for reading, after the container checks of the module docstring."""
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
    archive = _open_zip(data, name)
    try:
        _check_members(archive, name)
        members = _sheet_members(archive, name)
        book = _open_calamine(data, name)
    except BaseException:
        archive.close()
        raise
    return Workbook(path, digest, len(data), members, archive, book)


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    if data.startswith(_OLE_MAGIC):
        raise ExchangeFileError(
            f"“{name}”是旧版 Excel（.xls）或其他 Office 二进制文件。请在 Excel 中“另存为”.xlsx 格式后再导入。"
        )
    if not data:
        raise ExchangeFileError(f"“{name}”是空文件。")
    if not (data.startswith(_ZIP_MAGIC) or data.startswith(_EMPTY_ZIP_MAGIC)):
        raise ExchangeFileError(f"“{name}”不是 Excel 工作簿（.xlsx）文件。")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ExchangeFileError(
            f"“{name}”不完整或已损坏（可能复制或下载没有完成），无法读取。请重新获取该文件。"
        ) from exc


def _check_members(archive: zipfile.ZipFile, name: str) -> None:
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if "xl/workbook.bin" in names:
        raise ExchangeFileError(f"“{name}”是 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 格式后再导入。")
    if "xl/workbook.xml" not in names:
        raise ExchangeFileError(f"“{name}”是一个压缩文件，但不是 Excel 工作簿（.xlsx）。")
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


def _open_calamine(data: bytes, name: str) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # every calamine error, whatever its class
        raise ExchangeFileError(
            f"“{name}”无法作为 Excel 工作簿读取，文件可能已损坏（{_error_name(exc)}）。"
        ) from exc


def _scan_sheet(archive: zipfile.ZipFile, member: str, name: str, sheet: str) -> _SheetScan:
    """Stream the sheet's XML once: its claimed and real row count, formulas; the zip checks sizes/CRC."""
    rows = 0
    carry = b""
    head_checked = False
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                window = carry + chunk
                if not head_checked and (b"<sheetData" in window or len(window) > 65536):
                    head_checked = True
                    claimed = _DIMENSION.search(window)
                    if claimed and int(claimed.group(1)) > MAX_ROWS:
                        raise _too_many_rows(name, sheet, f"声明有 {int(claimed.group(1)):,} 行")
                # a tag wholly inside ``carry`` was counted with the previous chunk
                rows += _count_rows(window) - _count_rows(carry)
                if rows > MAX_ROWS:
                    raise _too_many_rows(name, sheet, f"已读到 {rows:,} 行仍未结束")
                formula = _first_formula(window)
                if formula >= 0:
                    raise _formula_found(name, sheet, window[:formula])
                carry = window[-64:]
    except KeyError as exc:
        raise ExchangeFileError(f"“{name}”缺少“{sheet}”工作表的数据，文件已损坏。") from exc
    except ExchangeFileError:
        raise
    except Exception as exc:  # zipfile: bad CRC, truncated data, size mismatch
        raise ExchangeFileError(
            f"“{name}”的“{sheet}”工作表数据不完整或已损坏（{_error_name(exc)}），请重新获取该文件。"
        ) from exc
    return _SheetScan(rows)


def _count_rows(data: bytes) -> int:
    """Row tags in ``data`` (``<row …>`` or a namespaced ``<x:row …>``; not ``<rowBreaks>``)."""
    count = data.count(b"<row") - data.count(b"<rowBreaks")
    if b":" in data and b":row" in data:  # a colon is rare past the sheet's first bytes (one quick pass)
        count += len(re.findall(rb"<\w+:row[\s>/]", data))
    return count


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
        pad = [""] * self.first_column
        number = self.first_row_number
        for index, row in enumerate(self._sheet.iter_rows()):
            if index >= start:
                yield number + index, (pad + row if pad else row)

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


# ---------------------------------------------------------------------------------------- typed rows
class Kind(StrEnum):
    """How a column's cells are read."""

    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    COUNT = "count"
    PEOPLE = "people"
    YES_NO = "yes_no"
    LABEL = "label"
    UUID = "uuid"
    REVISION = "revision"


@dataclass(frozen=True)
class Column:
    """One known column: its header, the ``CaseRecord`` field it fills and how its cells are read."""

    header: str
    key: str
    kind: Kind
    vocab: type[Any] | None = None
    max_chars: int = 200
    #: needed in a unit's exported 台账 (merge) / in an Excel 台账 kept by hand (import)
    merge: bool = True
    imported: bool = False


#: The 台账's columns (headers as ``ledger_rows.LEDGER_HEADERS``), read by name in any order.
COLUMNS: tuple[Column, ...] = (
    Column("案件编号", "case_no", Kind.TEXT, max_chars=40),
    Column("登记日期", "received_on", Kind.DATE, imported=True),
    Column("信访形式", "channel", Kind.LABEL, Channel, imported=True),
    Column("来源", "source", Kind.LABEL, Source),
    Column("信访人", "petitioner_name", Kind.TEXT, max_chars=100, imported=True),
    Column("人数", "people_count", Kind.PEOPLE),
    Column("身份类别", "identity_type", Kind.LABEL, IdentityType),
    Column("证件号码", "id_number", Kind.TEXT, max_chars=18),
    Column("联系电话", "phone", Kind.TEXT, max_chars=32),
    Column("所在单位", "affiliation", Kind.TEXT),
    Column("事项性质", "nature", Kind.LABEL, Nature, imported=True),
    Column("问题类别", "category", Kind.TEXT, max_chars=100, imported=True),
    Column("问题子类", "subcategory", Kind.TEXT, max_chars=100),
    Column("内容摘要", "summary", Kind.TEXT, max_chars=500, imported=True),
    Column("是否重复访", "is_repeat", Kind.YES_NO),
    Column("原案编号", "repeat_of", Kind.TEXT, max_chars=40),
    Column("是否越级访", "bypassed_level", Kind.YES_NO),
    Column("受理情况", "decision", Kind.TEXT, max_chars=10),
    Column("受理日期", "accepted_on", Kind.DATE),
    Column("承办单位", "department", Kind.TEXT, max_chars=100),
    Column("交办日期", "assigned_on", Kind.DATE),
    Column("办理时限", "handle_due_on", Kind.DATE),
    Column("办理状态", "status", Kind.LABEL, Status),
    Column("答复日期", "replied_on", Kind.DATE),
    Column("处理结果", "outcome", Kind.LABEL, Outcome),
    Column("满意度", "satisfaction", Kind.LABEL, Satisfaction),
    Column("办结日期", "closed_on", Kind.DATE),
    Column("是否按期办结", "closed_on_time", Kind.YES_NO),
    Column("督办次数", "supervise_count", Kind.COUNT),
    Column("重开次数", "reopen_count", Kind.COUNT),
    Column("包案领导", "owner_leader", Kind.TEXT, max_chars=100),
    Column("备注", "remarks", Kind.TEXT, max_chars=MAX_CELL_CHARS),
    Column("单位代码", "unit_code", Kind.TEXT, max_chars=16),
    Column("案件ID", "uuid", Kind.UUID),
    Column("修订号", "revision", Kind.REVISION),
    Column("最后修改时间", "updated_at", Kind.DATETIME),
)
COLUMNS_BY_HEADER: dict[str, Column] = {c.header: c for c in COLUMNS}

#: 受理情况 as written by the export (``ledger_rows.decision_of``).
DECISIONS = ("已受理", "不予受理", "已转送", "待受理")
YES, NO = "是", "否"
EARLIEST_DATE = date(2000, 1, 1)
#: How far a unit's clock may run ahead of the office's before a 最后修改时间 counts as in the future.
CLOCK_SKEW = timedelta(days=1)


@dataclass
class CaseRecord:
    """One case row of a 台账, typed.  Fields whose column is absent keep these defaults."""

    row_number: int
    case_no: str = ""
    received_on: date | None = None
    channel: Channel | None = None
    source: Source = Source.OWN
    petitioner_name: str = ""
    people_count: int = 1
    identity_type: IdentityType = IdentityType.STUDENT
    id_number: str = ""
    phone: str = ""
    affiliation: str = ""
    nature: Nature | None = None
    category: str = ""
    subcategory: str = ""
    summary: str = ""
    is_repeat: bool = False
    repeat_of: str = ""
    bypassed_level: bool = False
    decision: str = ""
    accepted_on: date | None = None
    department: str = ""
    assigned_on: date | None = None
    handle_due_on: date | None = None
    status: Status | None = None
    replied_on: date | None = None
    outcome: Outcome | None = None
    satisfaction: Satisfaction = Satisfaction.NONE
    closed_on: date | None = None
    closed_on_time: bool | None = None
    supervise_count: int = 0
    reopen_count: int = 0
    owner_leader: str = ""
    remarks: str = ""
    unit_code: str = ""
    uuid: str = ""
    revision: int = 0
    updated_at: datetime | None = None
    present: frozenset[str] = field(default_factory=frozenset)

    def fingerprint(self) -> str:
        """SHA-256 of the case's content as exported, personal data in masked form (mask-independent).

        The fields in order (all but the row number and the columns present), each as ``str`` (None
        as ""), the ID and phone number masked, joined with U+001F.
        """
        return fingerprints([self])[0]


def fingerprints(records: Sequence[CaseRecord]) -> list[str]:
    """``CaseRecord.fingerprint`` of each record, a field at a time (each distinct value once)."""
    return field_fingerprints(record_fields(records))


def record_fields(records: Sequence[CaseRecord]) -> list[tuple[Any, ...]]:
    """The records' values a field at a time: one tuple per field of ``CaseRecord``, in order."""
    if not records:
        return []
    return list(zip(*(r.__dict__.values() for r in records), strict=True))


def field_fingerprints(fields_of: Sequence[Sequence[Any]]) -> list[str]:
    """``fingerprints`` of records given by ``record_fields``."""
    if not fields_of:
        return []
    texts: list[Sequence[str]] = [_field_texts(values) for values in fields_of[1:-1]]
    texts[_ID_AT - 1] = list(map(mask_id_number, fields_of[_ID_AT]))
    texts[_PHONE_AT - 1] = list(map(mask_phone, fields_of[_PHONE_AT]))
    sha256 = hashlib.sha256
    return [sha256("\x1f".join(parts).encode("utf-8")).hexdigest() for parts in zip(*texts, strict=True)]


def _field_texts(values: Sequence[Any]) -> Sequence[str]:
    """``str`` of each value (None as ""), converting each distinct value once where that is safe."""
    try:
        "".join(values)  # the quickest test that every value is a string
    except TypeError:
        pass
    else:
        return values
    classes = set(map(type, values))
    if len(classes & _NUMBER_CLASSES) > 1 or datetime in classes:  # True == 1, time zones
        return ["" if v is None else str(v) for v in values]
    texts = {v: "" if v is None else str(v) for v in set(values)}
    return list(map(texts.__getitem__, values))


_FIELD_NAMES = [f.name for f in fields(CaseRecord)]
_ID_AT, _PHONE_AT = _FIELD_NAMES.index("id_number"), _FIELD_NAMES.index("phone")
_ROW_AT, _PRESENT_AT = _FIELD_NAMES.index("row_number"), _FIELD_NAMES.index("present")
assert _FIELD_NAMES[0] == "row_number" and _FIELD_NAMES[-1] == "present"
#: The fields a row's cells fill (between the row number and the columns present), with defaults.
_CELL_FIELDS: dict[str, Any] = {f.name: f.default for f in fields(CaseRecord)[1:-1]}


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; the message is Chinese."""


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if isinstance(value, str):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        for fmt in _DATETIME_FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise CellError(f"“{_shorten(text)}”不是有效日期")


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    text = _text(value)
    if not text:
        return None
    for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).replace(microsecond=0, tzinfo=None)
    except ValueError:
        raise CellError(f"“{_shorten(text)}”不是有效的日期时间") from None


def _as_count(value: Any, minimum: int) -> int | None:
    if value is None or value == "":
        return None
    number: float
    if isinstance(value, bool):
        raise CellError("应为整数")
    if isinstance(value, int | float):
        number = value
    else:
        try:
            number = float(_text(value))
        except ValueError:
            raise CellError(f"“{_shorten(_text(value))}”不是整数") from None
    if number != number or number in (float("inf"), float("-inf")) or not float(number).is_integer():
        raise CellError(f"“{_text(value)}”不是整数")
    if number < minimum:
        raise CellError(f"不能小于 {minimum}（现为 {int(number)}）")
    if number > 1_000_000:
        raise CellError(f"数值 {int(number)} 不合理")
    return int(number)


def _shorten(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _read_text(column: Column) -> Callable[[Any], Any]:
    limit = column.max_chars

    def read(value: Any) -> str:
        text = value.strip() if type(value) is str else _text(value)
        if len(text) > limit:
            raise CellError(f"内容过长（{len(text):,} 字，上限 {limit:,} 字）")
        return text

    return read


def _read_date(value: Any) -> date | None:
    return value if type(value) is date else _as_date(value)


def _read_count(minimum: int) -> Callable[[Any], Any]:
    def read(value: Any) -> int | None:
        if type(value) is float and value.is_integer() and minimum <= value <= 1_000_000:
            return int(value)
        return _as_count(value, minimum)

    return read


def _read_yes_no(value: Any) -> bool | None:
    text = _text(value)
    if not text:
        return None
    if text in _YES_TEXTS:
        return True
    if text in _NO_TEXTS:
        return False
    raise CellError(f"应填“是”或“否”，现为“{_shorten(text)}”")


_YES_TEXTS = frozenset((YES, "Y", "y", "1", "TRUE", "True", "true"))
_NO_TEXTS = frozenset((NO, "N", "n", "0", "FALSE", "False", "false"))


def _read_uuid(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    try:
        return str(uuid_module.UUID(text))
    except ValueError:
        raise CellError(f"“{_shorten(text)}”不是有效的案件ID") from None


def _label_members(vocab: type[Any]) -> dict[str, Any]:
    """Label and code → member."""
    return {m.label: m for m in vocab} | {m.value: m for m in vocab}


def _read_label(column: Column) -> Callable[[Any], Any]:
    assert column.vocab is not None
    members = _label_members(column.vocab)
    allowed = "、".join(column.vocab.labels())

    def read(value: Any) -> Any:
        member = members.get(value) if type(value) is str else None
        if member is not None:
            return member
        text = _text(value)
        if not text:
            return None
        if text in members:
            return members[text]
        raise CellError(f"“{_shorten(text)}”不是可选值（可选：{allowed}）")

    return read


#: The whole-column readers: the values of all of a column's cells when each takes the usual
#: quick path, None when some cell needs ``cell_reader`` (to be read, or to give its reason).
ColumnReader = Callable[[Sequence[Any]], "list[Any] | None"]
_NUMBER_CLASSES = frozenset((bool, int, float))
_ONLY_STR = frozenset((str,))
_ONLY_FLOAT = frozenset((float,))
_DATE_OR_NONE = frozenset((date, type(None)))
_UNREAD = object()
_YES_NO_TEXTS: dict[str, bool | None] = {
    **dict.fromkeys(_YES_TEXTS, True),
    **dict.fromkeys(_NO_TEXTS, False),
    "": None,
}
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _texts_reader(limit: int) -> ColumnReader:
    def read_all(cells: Sequence[Any]) -> list[Any] | None:
        try:
            texts = list(map(str.strip, cells))
        except TypeError:  # a number or date in a text column
            return None
        return texts if not texts or max(map(len, texts)) <= limit else None

    return read_all


def _read_dates(cells: Sequence[Any]) -> list[Any] | None:
    values = [None if v == "" else v for v in cells]
    return values if set(map(type, values)) <= _DATE_OR_NONE else None


def _counts_reader(minimum: int) -> ColumnReader:
    def read_all(cells: Sequence[Any]) -> list[Any] | None:
        if not cells:
            return []
        if set(map(type, cells)) != _ONLY_FLOAT or not all(map(float.is_integer, cells)):
            return None
        return list(map(int, cells)) if minimum <= min(cells) and max(cells) <= 1_000_000 else None

    return read_all


def _labels_reader(members: dict[str, Any]) -> ColumnReader:
    def read_all(cells: Sequence[Any]) -> list[Any] | None:
        if set(map(type, cells)) != _ONLY_STR:
            return None
        values = list(map(members.get, cells))
        if None in values and any(v is None and c != "" for v, c in zip(values, cells, strict=True)):
            return None
        return values

    return read_all


def _read_yes_nos(cells: Sequence[Any]) -> list[Any] | None:
    if set(map(type, cells)) != _ONLY_STR:
        return None
    values = list(map(_YES_NO_TEXTS.get, cells, repeat(_UNREAD)))
    return None if _UNREAD in values else values


def _read_uuids(cells: Sequence[Any]) -> list[Any] | None:
    if set(map(type, cells)) != _ONLY_STR or not all(map(_CANONICAL_UUID.fullmatch, cells)):
        return None
    return list(cells)


def _each_reader(read: Callable[[Any], Any]) -> ColumnReader:
    def read_all(cells: Sequence[Any]) -> list[Any] | None:
        try:
            return list(map(read, cells))
        except CellError:
            return None

    return read_all


def column_reader(column: Column) -> ColumnReader:
    """The function that reads all of ``column``'s cells at once when they are all plainly valid."""
    if column.kind is Kind.TEXT:
        return _texts_reader(column.max_chars)
    if column.kind is Kind.LABEL:
        assert column.vocab is not None
        return _labels_reader(_label_members(column.vocab))
    readers: dict[Kind, ColumnReader] = {
        Kind.DATE: _read_dates,
        Kind.COUNT: _counts_reader(0),
        Kind.PEOPLE: _counts_reader(1),
        Kind.REVISION: _counts_reader(1),
        Kind.YES_NO: _read_yes_nos,
        Kind.UUID: _read_uuids,
    }
    return readers.get(column.kind) or _each_reader(cell_reader(column))


def cell_reader(column: Column) -> Callable[[Any], Any]:
    """The function that reads one of ``column``'s cells (raises ``CellError`` with the reason)."""
    readers: dict[Kind, Callable[[Any], Any]] = {
        Kind.DATE: _read_date,
        Kind.DATETIME: _as_datetime,
        Kind.COUNT: _read_count(0),
        Kind.PEOPLE: _read_count(1),
        Kind.REVISION: _read_count(1),
        Kind.YES_NO: _read_yes_no,
        Kind.UUID: _read_uuid,
    }
    if column.kind is Kind.TEXT:
        return _read_text(column)
    if column.kind is Kind.LABEL:
        return _read_label(column)
    return readers[column.kind]


@dataclass(frozen=True)
class RowProblem:
    """Why one row cannot be taken: its Excel row number and the reasons."""

    row_number: int
    reasons: tuple[str, ...]

    def text(self) -> str:
        return f"第 {self.row_number} 行：" + "；".join(self.reasons)


def describe_problems(problems: Sequence[RowProblem], limit: int = MAX_LISTED_PROBLEMS) -> str:
    """Up to ``limit`` problems, one per line, and how many more there are."""
    lines = [p.text() for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"……另有 {len(problems) - limit} 行有误")
    return "\n".join(lines)


class RowReader:
    """Reads the rows under a header row into ``CaseRecord``s (see the module docstring)."""

    def __init__(
        self, header: Sequence[Any], *, required: Sequence[str], file_name: str, today: date
    ) -> None:
        self.file_name = file_name
        self.today = today
        self.index: dict[str, int] = {}
        for position, cell in enumerate(header):
            text = re.sub(r"\s+", "", _text(cell)).replace("（", "(").replace("）", ")")
            if not text:
                continue
            if text in self.index and text in COLUMNS_BY_HEADER:
                raise ExchangeFileError(f"“{file_name}”的表头“{text}”出现了两次，无法确定以哪一列为准。")
            self.index.setdefault(text, position)
        missing = [h for h in required if h not in self.index]
        if missing:
            raise ExchangeFileError(f"“{file_name}”缺少必需的列：{self._describe_missing(missing)}。")
        known = [(COLUMNS_BY_HEADER[h], i) for h, i in self.index.items() if h in COLUMNS_BY_HEADER]
        self.columns = [(c.key, c.header, cell_reader(c), column_reader(c), i) for c, i in known]
        self.present = frozenset(c.key for c, _ in known)
        self._width = max((i + 1 for _c, i in known), default=0)

    def _describe_missing(self, missing: list[str]) -> str:
        parts = []
        unknown = [h for h in self.index if h not in COLUMNS_BY_HEADER]
        for header in missing:
            near = difflib.get_close_matches(header, unknown, n=1, cutoff=0.5)
            parts.append(f"“{header}”（表中有相近的“{near[0]}”，是否写错了？）" if near else f"“{header}”")
        return "、".join(parts)

    def read(self, row_number: int, cells: Sequence[Any]) -> CaseRecord | RowProblem:
        """The row as a record, or the reasons it cannot be one."""
        return self.read_rows([(row_number, cells)])[0]

    def read_rows(self, rows: Sequence[tuple[int, Sequence[Any]]]) -> list[CaseRecord | RowProblem]:
        """``read`` of each (row number, cells), a column at a time: each column's cells are
        converted together and only a column with an unusual cell is read cell by cell."""
        count = len(rows)
        if not count:
            return []
        width = self._width
        padded = (cells if len(cells) >= width else _padded(cells, width) for _n, cells in rows)
        table = list(zip(*padded, strict=False))  # longer rows: the columns after ``width`` are not read
        reasons: dict[int, list[str]] = {}
        values = {key: [default] * count for key, default in _CELL_FIELDS.items()}
        for key, header, read, read_all, position in self.columns:
            cells = table[position]
            column = read_all(cells)
            if column is None:
                column = _read_each(cells, read, header, reasons)
            default = _CELL_FIELDS[key]
            if default is not None and None in column:  # an empty cell keeps the field's default
                column = [default if v is None else v for v in column]
            values[key] = column
        results: list[CaseRecord | RowProblem] = []
        for index, ((number, _cells), fields_of_row) in enumerate(
            zip(rows, zip(*values.values(), strict=True), strict=True)
        ):
            problems = reasons.get(index)
            if problems:  # a cell that could not be read is not also reported as missing
                results.append(RowProblem(number, tuple(problems)))
                continue
            record = CaseRecord(number, *fields_of_row, self.present)
            problems = self._consistency(record)
            results.append(RowProblem(number, tuple(problems)) if problems else record)
        return results

    def _consistency(self, r: CaseRecord) -> list[str]:
        reasons: list[str] = []
        if r.received_on is None:
            reasons.append("缺少登记日期")
        else:
            if r.received_on > self.today:
                reasons.append(f"登记日期 {r.received_on} 晚于今天")
            if r.received_on < EARLIEST_DATE:
                reasons.append(f"登记日期 {r.received_on} 过早")
            for key, label in (
                ("accepted_on", "受理日期"),
                ("assigned_on", "交办日期"),
                ("replied_on", "答复日期"),
                ("closed_on", "办结日期"),
            ):
                day = getattr(r, key)
                if day is None:
                    continue
                if day < r.received_on:
                    reasons.append(f"{label} {day} 早于登记日期 {r.received_on}")
                elif day > self.today:
                    reasons.append(f"{label} {day} 晚于今天")
        if "summary" in r.present and not r.summary:
            reasons.append("缺少内容摘要")
        if "category" in r.present and not r.category:
            reasons.append("缺少问题类别")
        if "decision" in r.present and r.decision and r.decision not in DECISIONS:
            reasons.append(f"受理情况“{_shorten(r.decision)}”不是可选值（可选：{'、'.join(DECISIONS)}）")
        if r.subcategory and not r.category:
            reasons.append("填写了问题子类但没有问题类别")
        return reasons

    def check_exported(self, r: CaseRecord, unit_code: str, now: datetime) -> list[str]:
        """The further checks of a row of a unit's exported 台账 (merge)."""
        reasons: list[str] = []
        if not r.uuid:
            reasons.append("缺少案件ID")
        if r.unit_code != unit_code:
            reasons.append(f"单位代码“{_shorten(r.unit_code)}”与文件的单位代码“{unit_code}”不符")
        if not r.revision:
            reasons.append("缺少修订号")
        if r.updated_at is None:
            reasons.append("缺少最后修改时间")
        elif r.updated_at > now + CLOCK_SKEW:
            reasons.append(f"最后修改时间 {r.updated_at:%Y-%m-%d %H:%M} 晚于当前时间")
        for key, label in (("channel", "信访形式"), ("nature", "事项性质"), ("status", "办理状态")):
            if getattr(r, key) is None:
                reasons.append(f"缺少{label}")
        if not parse_case_no(r.case_no, unit_code):
            reasons.append(f"案件编号“{_shorten(r.case_no)}”应为“{unit_code}-年度-序号”")
        return reasons


def _padded(cells: Sequence[Any], width: int) -> list[Any]:
    return [*cells, *[""] * (width - len(cells))]


def _read_each(
    cells: Sequence[Any], read: Callable[[Any], Any], header: str, reasons: dict[int, list[str]]
) -> list[Any]:
    """A column's cells one by one; a cell's reason goes into ``reasons`` under its row's index."""
    values: list[Any] = []
    for index, cell in enumerate(cells):
        try:
            values.append(read(cell))
        except CellError as exc:
            reasons.setdefault(index, []).append(f"{header}{exc}")
            values.append(None)
    return values


_CASE_NO = re.compile(r"^(?P<unit>[A-Za-z0-9_]{1,16})-(?P<year>\d{4})-(?P<seq>\d{1,6})$")


def parse_case_no(case_no: str, unit_code: str) -> tuple[int, int] | None:
    """(year, seq) of a case number ``UNIT-YYYY-NNNN`` of ``unit_code``; None if it is not one."""
    match = _CASE_NO.match(case_no or "")
    if not match or match["unit"] != unit_code:
        return None
    return int(match["year"]), int(match["seq"])


def find_header_row(sheet: SheetRows, required: Sequence[str]) -> int:
    """Index (in ``sheet.rows``) of the first of the top rows holding most of the ``required`` headers."""
    best, best_hits = -1, 0
    for index, row in enumerate(sheet.head(HEADER_SEARCH_ROWS)):
        texts = {re.sub(r"\s+", "", _text(c)) for c in row}
        hits = sum(1 for h in required if h in texts)
        if hits > best_hits:
            best, best_hits = index, hits
    if best < 0 or best_hits * 2 < len(required):
        raise ExchangeFileError(
            f"“{sheet.file_name}”的“{sheet.sheet_name}”工作表中找不到台账表头"
            f"（应包含{'、'.join(required)}等列）。"
        )
    return best


def cell_reference_row(reference: str) -> int | None:
    """The row number of an A1-style reference (``AB12`` → 12)."""
    match = _CELL_REF.match(reference)
    return int(match.group(1)) if match else None


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
