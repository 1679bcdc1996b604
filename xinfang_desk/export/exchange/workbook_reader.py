"""Reading the rows of a 台账 sheet into typed ``CaseRecord``s, each bad cell named in Chinese.

``RowReader`` finds the known headers (``columns.COLUMNS``) in any order, unknown columns ignored;
each row becomes a ``CaseRecord`` of typed values (dates, counts, vocabulary labels) or a list of
reasons, each naming the row number a user sees in Excel.  A column whose cells are all plainly valid
is converted at once; only a column with an unusual cell is read cell by cell.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import uuid as uuid_module
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from itertools import repeat
from operator import itemgetter
from typing import Any

from xinfang_desk.export.exchange.columns import COLUMNS_BY_HEADER, Column, Kind, header_text
from xinfang_desk.export.exchange.identity import ExchangeFileError
from xinfang_desk.export.exchange.vocabulary import IMPORT_ONLY_BY_HEADER
from xinfang_desk.ledger.identity import mask_id_number, mask_phone
from xinfang_desk.ledger.vocab import Channel, IdentityType, Nature, Outcome, Satisfaction, Source, Status

#: Problems listed per file before “…等”.
MAX_LISTED_PROBLEMS = 20


#: Every column a row may be read from: the layout's and those only an old 台账 has.
READABLE_BY_HEADER: dict[str, Column] = COLUMNS_BY_HEADER | IMPORT_ONLY_BY_HEADER

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
    content: str = ""
    registered_by: str = ""
    decline_reason: str = ""
    forwarded_to: str = ""
    superior_ref: str = ""
    superior_due_on: date | None = None
    assign_opinion: str = ""
    extended_days: int = 0
    reply_text: str = ""
    evaluated_on: date | None = None
    closed_flag: bool | None = None
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


#: Digits a spreadsheet keeps of a number (Excel: 15); a longer ID stored as a number has lost some.
_NUMBER_DIGITS = 15


def _read_text(column: Column) -> Callable[[Any], Any]:
    limit = column.max_chars
    is_id = column.key == "id_number"

    def read(value: Any) -> str:
        if is_id and type(value) is float and value >= 10**_NUMBER_DIGITS:
            raise CellError(
                f"被 Excel 存成了数字（{_text(value)}），超过 15 位的末几位已经丢失，无法核对。"
                "请把该列设为“文本”格式，再重新输入这些证件号码"
            )
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


_ONLY_DATETIME = frozenset((datetime,))


def _read_datetimes(cells: Sequence[Any]) -> list[Any] | None:
    """A column of date-times at whole seconds as they are (one with a fraction is rounded cell by cell)."""
    if set(map(type, cells)) != _ONLY_DATETIME or any(c.microsecond or c.tzinfo for c in cells):
        return None
    return list(cells)


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
        Kind.DATETIME: _read_datetimes,
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
    """Why one row cannot be taken: its Excel row number, the reasons, and its sheet when not the 台账's."""

    row_number: int
    reasons: tuple[str, ...]
    sheet: str = ""

    def text(self) -> str:
        where = f"“{self.sheet}”表" if self.sheet else ""
        return f"{where}第 {self.row_number} 行：" + "；".join(self.reasons)


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
            text = header_text(cell)
            if not text:
                continue
            if text in self.index and text in READABLE_BY_HEADER:
                raise ExchangeFileError(f"“{file_name}”的表头“{text}”出现了两次，无法确定以哪一列为准。")
            self.index.setdefault(text, position)
        missing = [h for h in required if h not in self.index]
        if missing:
            raise ExchangeFileError(f"“{file_name}”缺少必需的列：{self._describe_missing(missing)}。")
        known = [(READABLE_BY_HEADER[h], i) for h, i in self.index.items() if h in READABLE_BY_HEADER]
        self.columns = [(c.key, c.header, cell_reader(c), column_reader(c), i) for c, i in known]
        self.present = frozenset(c.key for c, _ in known)
        self._width = max((i + 1 for _c, i in known), default=0)

    def _describe_missing(self, missing: list[str]) -> str:
        parts = []
        unknown = [h for h in self.index if h not in READABLE_BY_HEADER]
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
        padded = (cells if len(cells) >= width else padded_cells(cells, width) for _n, cells in rows)
        table = list(zip(*padded, strict=False))  # longer rows: the columns after ``width`` are not read
        reasons: dict[int, list[str]] = {}
        values = {key: [default] * count for key, default in _CELL_FIELDS.items()}
        for key, header, read, read_all, position in self.columns:
            cells = table[position]
            column = read_all(cells)
            if column is None:
                column = read_each_cell(cells, read, header, reasons)
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


def filled_rows(batch: Sequence[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    """The numbered rows of ``batch`` with a value in some cell (a row of empty cells is skipped)."""
    if all(map(any, map(itemgetter(1), batch))):  # each row has a true cell (no Python step per row)
        return list(batch)
    return [
        (n, cells) for n, cells in batch if any(cells) or cells.count("") + cells.count(None) < len(cells)
    ]


def padded_cells(cells: Sequence[Any], width: int) -> list[Any]:
    """``cells`` with empty cells added up to ``width``."""
    return [*cells, *[""] * (width - len(cells))]


def read_each_cell(
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
