"""The exchange identity of an exported 台账, and the reader that verifies it at the office.

Every exported workbook carries a hidden sheet ``_交换信息`` of key/value rows that tells the office's
merge what the file is: format name ``xinfang-ledger`` and its version (``columns.FORMAT_VERSION``),
the unit's code and name, when and by whom it was exported, the program version, the period, whether
personal data is masked, the number of case rows and a SHA-256 checksum of the 台账 sheet (from
version 2 also one of the 统计 sheet; from version 3 the number of rows of the 办理记录 sheet and its
checksum).

The checksum (``canonical row data``) is defined so that any reader can recompute it from the cells
as a spreadsheet library returns them:

* The rows are the header row and every case row of the ``信访台账`` sheet.
* Each row is cut or padded to exactly as many cells as the header has.
* Each cell value becomes a string (``canonical_text``): empty cell (``None``) → ``""``; a string
  stays as it is; an integer → its decimal digits (a float with no fraction counts as that integer,
  so ``5.0`` → ``"5"``, any other float → ``repr``); a date, or a date-time at exactly midnight →
  ``YYYY-MM-DD``; any other date-time, rounded to the nearest second → ``YYYY-MM-DD HH:MM:SS``;
  ``True``/``False`` → ``是``/``否``.
* A row's strings are joined with U+001F (unit separator).  Neither U+001F nor U+001E can occur in
  a cell: XML cannot carry them, so the writer replaces them.
* Version 1: the rows, top to bottom, are joined with U+001E (record separator); the checksum is the
  lowercase hex SHA-256 of that text encoded as UTF-8.
* Version 2 (what spreadsheet programs do to a file is not an edit): in each row text CR LF and a
  lone CR become LF; a row of only empty cells is left out (and not counted); each remaining row
  text is hashed (SHA-256 of its UTF-8); the checksum is the SHA-256 of the header row's digest
  followed by the other rows' digests in ascending byte order, so sorting the rows keeps it.  The
  统计 sheet gets its own checksum, over all its rows in this way (``statistics_checksum``).
* Version 3: the 办理记录 sheet gets its own checksum and row count, over its header row and its
  rows by the rules of version 2 (as many cells as its header has).

An edited cell, a deleted or added row, or a truncated file therefore changes the checksum or the
row count; ``verify_ledger_file`` says which, in Chinese.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import repeat
from operator import methodcaller
from pathlib import Path
from typing import Any

from xinfang_desk.export.exchange.columns import (
    FORMAT_VERSION,
    HISTORY_HEADERS,
    HISTORY_SINCE,
    LEDGER_HEADERS,
    headers_of_version,
)
from xinfang_desk.ledger.errors import LedgerFileError

FORMAT_NAME = "xinfang-ledger"
LEDGER_SHEET = "信访台账"
STATISTICS_SHEET = "统计"
HISTORY_SHEET = "办理记录"
EXCHANGE_SHEET = "_交换信息"
CHECKSUM_ALGORITHM = "sha256"

_CELL_SEPARATOR = "\x1f"
_ROW_SEPARATOR = "\x1e"


class ExchangeFileError(LedgerFileError):
    """An exported 台账 that cannot be read, is not one, or was changed after the export."""


@dataclass(frozen=True)
class ExchangeIdentity:
    """What an exported 台账 says about itself (the ``_交换信息`` sheet)."""

    unit_code: str
    unit_name: str
    exported_at: datetime
    exported_by: str
    app_version: str
    period_from: date
    period_to: date
    masked: bool
    row_count: int
    checksum: str
    #: the ledger's hash chain head when exported (``ledger.chain``): a later rewrite of the unit's
    #: history no longer leads to it ("" in files from before the chain)
    history_hash: str = ""
    format_name: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION
    checksum_algorithm: str = CHECKSUM_ALGORITHM
    #: the 统计 sheet's checksum (version 2 on; "" in a version 1 file)
    statistics_checksum: str = ""
    #: the 办理记录 sheet's rows (header not counted) and checksum (version 3 on; 0 and "" before)
    history_rows: int = 0
    history_checksum: str = ""


#: key → Chinese description, in the order the rows are written.
IDENTITY_KEYS: dict[str, str] = {
    "format_name": "文件格式",
    "format_version": "格式版本",
    "unit_code": "单位代码",
    "unit_name": "单位名称",
    "exported_at": "导出时间",
    "exported_by": "导出人",
    "app_version": "程序版本",
    "period_from": "统计期间起",
    "period_to": "统计期间止",
    "masked": "个人信息是否已脱敏（true/false）",
    "row_count": "案件行数（不含表头）",
    "checksum_algorithm": "校验算法",
    "checksum": "台账数据校验值（定义见程序文档）",
    "history_hash": "导出时台账历史记录哈希链的末端值（此后改写历史即可被发现）",
    "statistics_checksum": "统计表校验值（格式版本 2 起）",
    "history_rows": "办理记录行数（不含表头，格式版本 3 起）",
    "history_checksum": "办理记录表校验值（格式版本 3 起）",
}
#: Identity keys a file of an older version does not have, by the version that added them.
_SINCE: dict[str, int] = {
    "statistics_checksum": 2,
    "history_rows": HISTORY_SINCE,
    "history_checksum": HISTORY_SINCE,
}


def canonical_text(value: Any) -> str:
    """One cell's value as the checksum sees it (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _datetime_text(value: datetime) -> str:
    if value.microsecond:  # rounded to the nearest second
        value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    if value.hour == value.minute == value.second == 0:
        return value.date().isoformat()
    return value.isoformat(sep=" ")


#: ``canonical_text`` for the exact classes spreadsheet libraries return, one lookup per cell;
#: any other class (subclasses included) goes through ``canonical_text`` itself.
_TEXT_OF_CLASS: dict[type, Callable[[Any], str]] = {
    type(None): lambda _value: "",
    bool: lambda value: "是" if value else "否",
    int: int.__repr__,
    float: _float_text,
    date: date.isoformat,
    datetime: _datetime_text,
}


def _cell_text(value: Any) -> str:
    return _TEXT_OF_CLASS.get(value.__class__, canonical_text)(value)


#: Classes whose equal values always have the same text (no time zones), so a column of them
#: is converted once per distinct value.  ``True == 1 == 1.0``: at most one number class at a time.
_DISTINCT_SAFE = frozenset((str, type(None), bool, int, float, date))
_NUMBER_CLASSES = frozenset((bool, int, float))
_ONLY_DATETIME = frozenset((datetime,))
_PLAIN_LENGTH = {len("2025-01-01 00:00:00")}
_MIDNIGHT = " 00:00:00\x1f"


def _column_texts(cells: Sequence[Any]) -> Sequence[str]:
    """``canonical_text`` of each of one column's cells; a column of strings is taken as it is."""
    try:
        _CELL_SEPARATOR.join(cells)  # the quickest test that every cell is a string
    except TypeError:
        pass
    else:
        return cells
    classes = set(map(type, cells))
    if classes == _ONLY_DATETIME:
        texts = list(map(datetime.isoformat, cells, repeat(" ")))
        # whole seconds, no time zone and none at midnight: the ISO texts are already canonical
        if set(map(len, texts)) == _PLAIN_LENGTH and _MIDNIGHT not in _CELL_SEPARATOR.join(texts) + "\x1f":
            return texts
        return list(map(_datetime_text, cells))
    if classes <= _DISTINCT_SAFE and len(classes & _NUMBER_CLASSES) <= 1:
        texts = {v: v if v.__class__ is str else _TEXT_OF_CLASS[v.__class__](v) for v in set(cells)}
        return list(map(texts.__getitem__, cells))
    return [v if v.__class__ is str else _cell_text(v) for v in cells]


class RowHasher:
    """Feeds rows into the canonical checksum (writer and reader share it).

    Row texts are collected and hashed in large joined chunks; ``add_rows`` converts a batch of
    rows column by column, so each column's cells are dispatched on their type once.
    """

    #: Row texts collected before they are hashed together.
    CHUNK_ROWS = 1024

    def __init__(self, width: int = len(LEDGER_HEADERS), version: int = FORMAT_VERSION) -> None:
        self.width = width
        self.version = version
        self._hashed = 0
        self._pending: list[str] = []
        self._digest = hashlib.sha256()
        #: version 2: the header row's digest and the other rows' digests
        self._first: bytes | None = None
        self._digests: list[bytes] = []
        self._empty = _CELL_SEPARATOR * (width - 1)

    @property
    def rows(self) -> int:
        """Rows fed so far (the header row included; from version 2 without empty rows)."""
        return self._hashed + len(self._pending)

    def add(self, values: Sequence[Any]) -> None:
        """Feed one row."""
        cells = values[: self.width]
        texts = [v if v.__class__ is str else _cell_text(v) for v in cells]
        if len(texts) < self.width:
            texts.extend([""] * (self.width - len(texts)))
        self._pending.append(_CELL_SEPARATOR.join(texts))
        if len(self._pending) >= self.CHUNK_ROWS:
            self._flush()

    def add_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Feed several rows, in order (the same checksum as ``add`` on each)."""
        width = self.width
        if not width:
            for row in rows:
                self.add(row)
            return
        fitted = [row if len(row) == width else _fitted(row, width) for row in rows]
        columns = [_column_texts(cells) for cells in zip(*fitted, strict=True)]
        self._pending.extend(map(_CELL_SEPARATOR.join, zip(*columns, strict=True)))
        if len(self._pending) >= self.CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        if self.version >= 2:
            self._flush_unordered()
            return
        text = _ROW_SEPARATOR.join(self._pending)
        self._digest.update(((_ROW_SEPARATOR if self._hashed else "") + text).encode("utf-8"))
        self._hashed += len(self._pending)
        self._pending = []

    def _flush_unordered(self) -> None:
        texts = self._pending
        self._pending = []
        if "\r" in _ROW_SEPARATOR.join(texts):
            texts = [t.replace("\r\n", "\n").replace("\r", "\n") for t in texts]
        if self._first is None:  # the header row, hashed even when empty
            self._first = hashlib.sha256(texts[0].encode("utf-8")).digest()
            self._hashed += 1
            texts = texts[1:]
        if self._empty in texts:
            texts = [text for text in texts if text != self._empty]
        # each row's digest without a Python step per row (str.encode: UTF-8)
        self._digests.extend(map(_DIGEST, map(hashlib.sha256, map(str.encode, texts))))
        self._hashed += len(texts)

    def hexdigest(self) -> str:
        self._flush()
        if self.version >= 2:
            self._digests.sort()
            whole = hashlib.sha256(self._first or b"")
            whole.update(b"".join(self._digests))
            return whole.hexdigest()
        return self._digest.hexdigest()


_DIGEST = methodcaller("digest")


def _fitted(row: Sequence[Any], width: int) -> list[Any]:
    cells = list(row[:width])
    cells.extend([None] * (width - len(cells)))
    return cells


def ledger_checksum(
    rows: Iterable[Sequence[Any]], width: int = len(LEDGER_HEADERS), version: int = FORMAT_VERSION
) -> str:
    """The canonical checksum of ``rows`` (header row first)."""
    hasher = RowHasher(width, version)
    for row in rows:
        hasher.add(row)
    return hasher.hexdigest()


#: Columns of the 统计 sheet its checksum covers.
STATISTICS_WIDTH = 6


def statistics_checksum(rows: Iterable[Sequence[Any]]) -> str:
    """The checksum of the 统计 sheet's rows (version 2 rules, ``STATISTICS_WIDTH`` cells each)."""
    hasher = RowHasher(STATISTICS_WIDTH, 2)
    hasher.add(("统计",))  # a fixed first row: the sheet's own rows are all sorted
    for row in rows:
        hasher.add(row)
    return hasher.hexdigest()


def history_hasher() -> RowHasher:
    """The hasher of the 办理记录 sheet's checksum (feed its header row first, then its rows)."""
    return RowHasher(len(HISTORY_HEADERS), 2)


def history_checksum(rows: Iterable[Sequence[Any]]) -> tuple[str, int]:
    """The checksum of the 办理记录 sheet's rows (header row first) and the rows after the header."""
    hasher = history_hasher()
    for row in rows:
        hasher.add(row)
    return hasher.hexdigest(), max(hasher.rows - 1, 0)


def history_problem(identity: ExchangeIdentity, found: tuple[str, int]) -> str:
    """Why the 办理记录 sheet (its checksum and rows, ``history_checksum``) is not the one exported ("" if it is)."""
    checksum, rows = found
    if rows != identity.history_rows:
        return f"办理记录表应有 {identity.history_rows} 行，实际为 {rows} 行，办理记录在导出后被删改过。"
    if checksum != identity.history_checksum:
        return "办理记录表与校验值不符，办理记录在导出后被修改过。"
    return ""


def identity_rows(identity: ExchangeIdentity) -> list[tuple[str, str, str]]:
    """The ``_交换信息`` sheet's rows (key, value as text, Chinese description)."""
    values = {
        "format_name": identity.format_name,
        "format_version": str(identity.format_version),
        "unit_code": identity.unit_code,
        "unit_name": identity.unit_name,
        "exported_at": identity.exported_at.replace(microsecond=0).isoformat(),
        "exported_by": identity.exported_by,
        "app_version": identity.app_version,
        "period_from": identity.period_from.isoformat(),
        "period_to": identity.period_to.isoformat(),
        "masked": "true" if identity.masked else "false",
        "row_count": str(identity.row_count),
        "checksum_algorithm": identity.checksum_algorithm,
        "checksum": identity.checksum,
        "history_hash": identity.history_hash,
        "statistics_checksum": identity.statistics_checksum,
        "history_rows": str(identity.history_rows),
        "history_checksum": identity.history_checksum,
    }
    return [
        (key, values[key], description)
        for key, description in IDENTITY_KEYS.items()
        if identity.format_version >= _SINCE.get(key, 1)
    ]


def parse_identity(values: dict[str, str], name: str) -> ExchangeIdentity:
    if values.get("format_name") != FORMAT_NAME:
        raise ExchangeFileError(f"“{name}”不是信访台账导出文件（文件格式不是 {FORMAT_NAME}）。")
    try:
        version = int(values["format_version"])
    except (KeyError, ValueError):
        version = -1
    if not 1 <= version <= FORMAT_VERSION:
        raise ExchangeFileError(
            f"“{name}”的台账格式版本为 {values.get('format_version')}，本程序只能读取版本 1 至 {FORMAT_VERSION}。"
            "请升级程序后再导入。"
        )
    optional = {"unit_name", "history_hash"} | {k for k, since in _SINCE.items() if version < since}
    missing = [IDENTITY_KEYS[k] for k in IDENTITY_KEYS if k not in optional and not values.get(k)]
    if missing:
        raise ExchangeFileError(f"“{name}”的交换信息不完整，缺少：{'、'.join(missing)}。")
    if values["checksum_algorithm"] != CHECKSUM_ALGORITHM:
        raise ExchangeFileError(f"“{name}”使用了不支持的校验算法“{values['checksum_algorithm']}”。")
    try:
        return ExchangeIdentity(
            unit_code=values["unit_code"],
            unit_name=values.get("unit_name", ""),
            exported_at=datetime.fromisoformat(values["exported_at"]),
            exported_by=values["exported_by"],
            app_version=values["app_version"],
            period_from=date.fromisoformat(values["period_from"]),
            period_to=date.fromisoformat(values["period_to"]),
            masked={"true": True, "false": False}[values["masked"]],
            row_count=int(values["row_count"]),
            checksum=values["checksum"].lower(),
            history_hash=values.get("history_hash", "").lower(),
            format_name=values["format_name"],
            format_version=version,
            checksum_algorithm=values["checksum_algorithm"],
            statistics_checksum=values.get("statistics_checksum", "").lower(),
            history_rows=int(values.get("history_rows") or 0),
            history_checksum=values.get("history_checksum", "").lower(),
        )
    except (KeyError, ValueError) as exc:
        raise ExchangeFileError(f"“{name}”的交换信息有误，无法读取。") from exc


def _open_workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise ExchangeFileError(f"文件不存在：{path}。") from exc
    except Exception as exc:  # not a zip, not a workbook, damaged
        raise ExchangeFileError(f"“{path.name}”不是有效的 Excel 工作簿，文件可能已损坏。") from exc


def _identity_of(workbook: Any, name: str) -> ExchangeIdentity:
    if EXCHANGE_SHEET not in workbook.sheetnames:
        raise ExchangeFileError(f"“{name}”不是信访台账导出文件（缺少“{EXCHANGE_SHEET}”工作表）。")
    values: dict[str, str] = {}
    for row in workbook[EXCHANGE_SHEET].iter_rows(min_row=2, max_col=2, values_only=True):
        if row and row[0] is not None:
            values[str(row[0]).strip()] = "" if len(row) < 2 or row[1] is None else str(row[1]).strip()
    return parse_identity(values, name)


def read_identity(path: str | Path) -> ExchangeIdentity:
    """The exchange identity of an exported 台账, without checking its rows."""
    path = Path(path)
    workbook = _open_workbook(path)
    try:
        return _identity_of(workbook, path.name)
    finally:
        workbook.close()


def verify_ledger_file(path: str | Path) -> ExchangeIdentity:
    """Read the identity and check the 台账 sheet against it: headers, row count and checksum.

    Raises ``ExchangeFileError`` with a Chinese reason when the file is not an exported 台账, is of an
    unknown version, or was edited or truncated after the export.
    """
    path = Path(path)
    workbook = _open_workbook(path)
    try:
        identity = _identity_of(workbook, path.name)
        if LEDGER_SHEET not in workbook.sheetnames:
            raise ExchangeFileError(f"“{path.name}”缺少“{LEDGER_SHEET}”工作表。")
        rows = workbook[LEDGER_SHEET].iter_rows(values_only=True)
        header = next(rows, ())
        expected = headers_of_version(identity.format_version)
        found = tuple("" if h is None else str(h) for h in header[: len(expected)])
        if found != expected:
            raise ExchangeFileError(f"“{path.name}”的台账表头与导出格式不符，文件可能被修改过。")
        hasher = RowHasher(len(expected), identity.format_version)
        hasher.add(header)
        for row in rows:
            hasher.add(row)
        count = hasher.rows - 1
        if count != identity.row_count:
            raise ExchangeFileError(
                f"“{path.name}”应有 {identity.row_count} 行案件，实际为 {count} 行，文件可能被截断或改动过。"
            )
        if hasher.hexdigest() != identity.checksum:
            raise ExchangeFileError(f"“{path.name}”的台账数据与校验值不符，文件在导出后被修改过。")
        if identity.format_version >= 2:
            statistics = workbook[STATISTICS_SHEET] if STATISTICS_SHEET in workbook.sheetnames else None
            rows = statistics.iter_rows(values_only=True) if statistics is not None else ()
            if statistics_checksum(rows) != identity.statistics_checksum:
                raise ExchangeFileError(f"“{path.name}”的统计表与校验值不符，统计表在导出后被修改过。")
        if identity.format_version >= HISTORY_SINCE:
            sheet = workbook[HISTORY_SHEET] if HISTORY_SHEET in workbook.sheetnames else None
            problem = history_problem(
                identity, history_checksum(sheet.iter_rows(values_only=True) if sheet is not None else ())
            )
            if problem:
                raise ExchangeFileError(f"“{path.name}”的{problem}")
        return identity
    finally:
        workbook.close()
