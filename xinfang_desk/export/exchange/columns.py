"""The one column layout of the Excel 台账, used by the writer (``ledger_rows``) and every reader.

Each ``Column`` says its Chinese header, its width, the ``CaseRecord`` field it fills, how its
cells are read, the format version that added it, whether the office's merge needs it, whether a
hand-kept 台账 must have it, and whether it is printed.  Version 1 had the first 36 columns;
version 2 added the stored texts and dates listed in ``_ADDED_IN_2``, before the machine columns;
version 3 added the 办理记录 sheet, one row per step of each exported case (``HISTORY_COLUMNS``).
``find_header_row`` finds the header row of a sheet kept by hand (title rows may come first).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from xinfang_desk.ledger.limits import EXCEL_CELL_CHARS, limit_of
from xinfang_desk.ledger.vocab import (
    Channel,
    EventKind,
    IdentityType,
    Nature,
    Outcome,
    Satisfaction,
    Source,
    Status,
)

#: The exchange format version written now; every version from 1 on is read.
FORMAT_VERSION = 3
#: The first format version whose files carry the 办理记录 sheet.
HISTORY_SINCE = 3
#: Rows looked at for a header row when importing a sheet kept by hand (titles may come first).
HEADER_SEARCH_ROWS = 20


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
    """One column of the 台账 (see the module docstring)."""

    header: str
    key: str
    kind: Kind
    width: float
    vocab: type[Any] | None = None
    max_chars: int = 200
    #: needed in a unit's exported 台账 of its version (merge) / in an Excel 台账 kept by hand (import)
    merge: bool = True
    imported: bool = False
    since: int = 1
    #: width on the printed A4 台账 (0: not printed — the machine columns and long texts are not)
    print_width: float = 0


def _text(header: str, key: str, width: float, field: str | None = None, **kw: Any) -> Column:
    return Column(header, key, Kind.TEXT, width, max_chars=limit_of(field or key), **kw)


_V1: tuple[Column, ...] = (
    Column("案件编号", "case_no", Kind.TEXT, 16, max_chars=40, print_width=15),
    Column("登记日期", "received_on", Kind.DATE, 12, imported=True, print_width=10.5),
    Column("信访形式", "channel", Kind.LABEL, 9, Channel, imported=True),
    Column("来源", "source", Kind.LABEL, 13, Source),
    _text("信访人", "petitioner_name", 10, imported=True, print_width=8),
    Column("人数", "people_count", Kind.PEOPLE, 6),
    Column("身份类别", "identity_type", Kind.LABEL, 10, IdentityType),
    Column("证件号码", "id_number", Kind.TEXT, 21, max_chars=18),
    Column("联系电话", "phone", Kind.TEXT, 14, max_chars=32),
    _text("所在单位", "affiliation", 16),
    Column("事项性质", "nature", Kind.LABEL, 11, Nature, imported=True),
    _text("问题类别", "category", 12, imported=True, print_width=10),
    _text("问题子类", "subcategory", 16),
    _text("内容摘要", "summary", 48, imported=True, print_width=32),
    Column("是否重复访", "is_repeat", Kind.YES_NO, 10),
    Column("原案编号", "repeat_of", Kind.TEXT, 16, max_chars=40),
    Column("是否越级访", "bypassed_level", Kind.YES_NO, 10),
    Column("受理情况", "decision", Kind.TEXT, 10, max_chars=10),
    Column("受理日期", "accepted_on", Kind.DATE, 12),
    _text("承办单位", "department", 14, print_width=12),
    Column("交办日期", "assigned_on", Kind.DATE, 12),
    Column("办理时限", "handle_due_on", Kind.DATE, 12, print_width=10.5),
    Column("办理状态", "status", Kind.LABEL, 10, Status, print_width=8),
    Column("答复日期", "replied_on", Kind.DATE, 12),
    Column("处理结果", "outcome", Kind.LABEL, 13, Outcome, print_width=11.5),
    Column("满意度", "satisfaction", Kind.LABEL, 9, Satisfaction, print_width=7),
    Column("办结日期", "closed_on", Kind.DATE, 12, print_width=10.5),
    Column("是否按期办结", "closed_on_time", Kind.YES_NO, 12),
    Column("督办次数", "supervise_count", Kind.COUNT, 9),
    Column("重开次数", "reopen_count", Kind.COUNT, 9),
    _text("包案领导", "owner_leader", 10),
    _text("备注", "remarks", 24),
)
_ADDED_IN_2: tuple[Column, ...] = (
    _text("信访内容", "content", 48, merge=False, since=2),
    _text("登记人", "registered_by", 10, merge=False, since=2),
    _text("不予受理理由", "decline_reason", 24, merge=False, since=2),
    _text("转送机关", "forwarded_to", 16, merge=False, since=2),
    _text("上级交办文号", "superior_ref", 16, merge=False, since=2),
    Column("上级规定期限", "superior_due_on", Kind.DATE, 12, merge=False, since=2),
    _text("交办意见", "assign_opinion", 24, merge=False, since=2),
    Column("延期天数", "extended_days", Kind.COUNT, 9, merge=False, since=2),
    _text("答复内容", "reply_text", 36, merge=False, since=2),
    Column("回访日期", "evaluated_on", Kind.DATE, 12, merge=False, since=2),
)
_MACHINE: tuple[Column, ...] = (
    Column("单位代码", "unit_code", Kind.TEXT, 10, max_chars=16),
    Column("案件ID", "uuid", Kind.UUID, 38),
    Column("修订号", "revision", Kind.REVISION, 8),
    Column("最后修改时间", "updated_at", Kind.DATETIME, 20),
)

#: The columns of the 信访台账 sheet as written now, in order.
COLUMNS: tuple[Column, ...] = _V1 + _ADDED_IN_2 + _MACHINE
COLUMNS_BY_HEADER: dict[str, Column] = {c.header: c for c in COLUMNS}
LEDGER_HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
#: The columns of the printed 台账 (A4 landscape), in order.
PRINTED_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.print_width)


def columns_of_version(version: int) -> tuple[Column, ...]:
    """The columns, in order, of an exported 台账 of format ``version`` (1 or later)."""
    return tuple(c for c in COLUMNS if c.since <= version)


def headers_of_version(version: int) -> tuple[str, ...]:
    return tuple(c.header for c in columns_of_version(version))


def merge_required(version: int) -> tuple[str, ...]:
    """Headers the office's merge needs in a file of ``version``."""
    return tuple(c.header for c in columns_of_version(version) if c.merge)


#: The columns of the 办理记录 sheet (version 3 on): one row per step of an exported case, its texts as
#: the case view's history shows them (``TimelineEntry``), personal data masked as in the 台账.
HISTORY_COLUMNS: tuple[Column, ...] = (
    Column("案件编号", "case_no", Kind.TEXT, 16, max_chars=40),
    Column("步骤序号", "seq", Kind.REVISION, 9),
    Column("时间", "at", Kind.DATETIME, 18),
    Column("步骤", "kind", Kind.LABEL, 12, EventKind),
    Column("经办人", "actor", Kind.TEXT, 12, max_chars=100),
    Column("内容", "note", Kind.TEXT, 48, max_chars=EXCEL_CELL_CHARS),
    Column("详情", "detail", Kind.TEXT, 36, max_chars=EXCEL_CELL_CHARS),
    Column("案件ID", "uuid", Kind.UUID, 38),
)
HISTORY_HEADERS: tuple[str, ...] = tuple(c.header for c in HISTORY_COLUMNS)


#: Headers an Excel 台账 kept by hand must have (after mapping); the others are read when present.
IMPORT_REQUIRED: tuple[str, ...] = tuple(c.header for c in COLUMNS if c.imported)


def header_text(value: Any) -> str:
    """A header cell as compared: no spaces, full-width brackets as ASCII."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ")
    return re.sub(r"\s+", "", str(value)).replace("（", "(").replace("）", ")")


def find_header_row(
    rows: Sequence[Sequence[Any]], required: Sequence[str], known: Callable[[str], str | None]
) -> tuple[int, int]:
    """(index, hits) of the first of ``rows`` naming most of ``required`` (via ``known``: header →
    ledger header or None); (-1, 0) when none names any."""
    best, best_hits = -1, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = {known(header_text(c)) for c in row}
        hits = sum(1 for h in required if h in named)
        if hits > best_hits:
            best, best_hits = index, hits
    return best, best_hits
