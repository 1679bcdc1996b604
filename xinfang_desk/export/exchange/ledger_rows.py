"""The rows of the Excel 台账: its columns, and one streamed query that yields a row per case.

``LEDGER_COLUMNS`` fixes the headers, their order and widths; ``ledger_rows`` yields each case received
in a period as a tuple of plain values in that order (dates as ``date``, the last-modified time as a
``datetime``, yes/no as 是/否, counts as ``int``, personal data masked unless ``full``).  The query
joins everything it needs and streams in partitions, so memory does not grow with the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from xinfang_desk.export.exchange.cells import clean_text
from xinfang_desk.ledger.figures import received_between
from xinfang_desk.ledger.identity import mask_id_number, mask_phone
from xinfang_desk.ledger.models import Case, Category, Department, Petitioner
from xinfang_desk.ledger.redaction import mask_in_text
from xinfang_desk.ledger.vocab import (
    OPEN_STATUSES,
    Channel,
    IdentityType,
    Nature,
    Outcome,
    Satisfaction,
    Source,
    Status,
)

YES, NO = "是", "否"


@dataclass(frozen=True)
class LedgerColumn:
    """One column of the 台账: its Chinese header and a width in Excel character units."""

    header: str
    width: float


#: The columns of the 信访台账 sheet, in order (the office's merge relies on these headers).
LEDGER_COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn("案件编号", 16),
    LedgerColumn("登记日期", 12),
    LedgerColumn("信访形式", 9),
    LedgerColumn("来源", 13),
    LedgerColumn("信访人", 10),
    LedgerColumn("人数", 6),
    LedgerColumn("身份类别", 10),
    LedgerColumn("证件号码", 21),
    LedgerColumn("联系电话", 14),
    LedgerColumn("所在单位", 16),
    LedgerColumn("事项性质", 11),
    LedgerColumn("问题类别", 12),
    LedgerColumn("问题子类", 16),
    LedgerColumn("内容摘要", 48),
    LedgerColumn("是否重复访", 10),
    LedgerColumn("原案编号", 16),
    LedgerColumn("是否越级访", 10),
    LedgerColumn("受理情况", 10),
    LedgerColumn("受理日期", 12),
    LedgerColumn("承办单位", 14),
    LedgerColumn("交办日期", 12),
    LedgerColumn("办理时限", 12),
    LedgerColumn("办理状态", 10),
    LedgerColumn("答复日期", 12),
    LedgerColumn("处理结果", 13),
    LedgerColumn("满意度", 9),
    LedgerColumn("办结日期", 12),
    LedgerColumn("是否按期办结", 12),
    LedgerColumn("督办次数", 9),
    LedgerColumn("重开次数", 9),
    LedgerColumn("包案领导", 10),
    LedgerColumn("备注", 24),
    LedgerColumn("单位代码", 10),
    LedgerColumn("案件ID", 38),
    LedgerColumn("修订号", 8),
    LedgerColumn("最后修改时间", 20),
)
LEDGER_HEADERS: tuple[str, ...] = tuple(c.header for c in LEDGER_COLUMNS)

#: 受理情况 of a case: what was decided about it, whatever happened afterwards.
DECISION_ACCEPTED, DECISION_DECLINED, DECISION_FORWARDED, DECISION_PENDING = (
    "已受理",
    "不予受理",
    "已转送",
    "待受理",
)

_CHANNELS = {c.value: c.label for c in Channel}
_SOURCES = {s.value: s.label for s in Source}
_NATURES = {n.value: n.label for n in Nature}
_STATUSES = {s.value: s.label for s in Status}
_OUTCOMES = {o.value: o.label for o in Outcome}
_SATISFACTION = {s.value: s.label for s in Satisfaction}
_IDENTITY_TYPES = {t.value: t.label for t in IdentityType}
_OPEN = frozenset(s.value for s in OPEN_STATUSES)

#: Columns holding the program's own codes, never free text (a masked export scans every other text).
_CODE_COLUMNS = frozenset(LEDGER_HEADERS.index(h) for h in ("案件编号", "原案编号", "单位代码", "案件ID"))

#: Rows fetched from the database per partition.
PARTITION_ROWS = 2000


def count_ledger_rows(session: Session, start: date, end: date) -> int:
    return int(session.scalar(select(func.count(Case.id)).where(received_between(start, end))) or 0)


def ledger_query(start: date, end: date) -> Select:
    """The joined, ordered, partitioned select of the raw 台账 columns (and ``due_on`` last)."""
    sub = aliased(Category)
    earlier = aliased(Case)
    return (
        select(
            Case.case_no,
            Case.received_at,
            Case.channel,
            Case.source,
            Petitioner.name,
            Case.people_count,
            Petitioner.identity_type,
            Petitioner.id_number,
            Petitioner.phone,
            Petitioner.affiliation,
            Case.nature,
            Category.name,
            sub.name,
            Case.summary,
            Case.is_repeat,
            earlier.case_no,
            Case.bypassed_level,
            Case.status,
            Case.accepted_at,
            Department.name,
            Case.assigned_at,
            Case.handle_due_on,
            Case.replied_at,
            Case.outcome,
            Case.satisfaction,
            Case.closed_at,
            Case.closed_on_time,
            Case.supervise_count,
            Case.reopen_count,
            Case.owner_leader,
            Case.remarks,
            Case.unit_code,
            Case.uuid,
            Case.revision,
            Case.updated_at,
            Case.due_on,
        )
        .join(Petitioner, Petitioner.id == Case.petitioner_id)
        .join(Category, Category.id == Case.category_id)
        .outerjoin(sub, sub.id == Case.subcategory_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .outerjoin(earlier, earlier.id == Case.repeat_of_id)
        .where(received_between(start, end))
        .order_by(Case.received_at, Case.id)
        .execution_options(yield_per=PARTITION_ROWS)
    )


def decision_of(status: str, accepted_at: datetime | None) -> str:
    """受理情况: 已受理 · 不予受理 · 已转送 · 待受理."""
    if status == Status.DECLINED.value:
        return DECISION_DECLINED
    if status == Status.FORWARDED.value:
        return DECISION_FORWARDED
    if accepted_at is not None:
        return DECISION_ACCEPTED
    return DECISION_PENDING


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return YES if value else NO


@dataclass(frozen=True)
class LedgerRow:
    """One case as written to the 台账: the cell values and whether its deadline has passed."""

    values: tuple[Any, ...]
    overdue: bool


def ledger_rows(
    session: Session, start: date, end: date, *, full: bool = False, today: date | None = None
) -> Iterator[LedgerRow]:
    """Every case received from ``start`` to ``end``, oldest first, as 台账 rows (see module doc)."""
    today = today or date.today()
    id_number = (lambda v: v or None) if full else mask_id_number
    phone = (lambda v: v or None) if full else mask_phone
    for r in session.execute(ledger_query(start, end)):
        (
            case_no,
            received_at,
            channel,
            source,
            name,
            people,
            identity_type,
            id_no,
            phone_no,
            affiliation,
            nature,
            category,
            subcategory,
            summary,
            is_repeat,
            repeat_of,
            bypassed,
            status,
            accepted_at,
            department,
            assigned_at,
            handle_due_on,
            replied_at,
            outcome,
            satisfaction,
            closed_at,
            closed_on_time,
            supervise_count,
            reopen_count,
            owner_leader,
            remarks,
            unit_code,
            uuid,
            revision,
            updated_at,
            due_on,
        ) = r
        values = (
            case_no,
            received_at.date(),
            _CHANNELS.get(channel, channel),
            _SOURCES.get(source, source),
            clean_text(name),
            people,
            _IDENTITY_TYPES.get(identity_type, identity_type),
            id_number(id_no) or None,
            phone(phone_no) or None,
            clean_text(affiliation) or None,
            _NATURES.get(nature, nature),
            clean_text(category),
            clean_text(subcategory) if subcategory else None,
            clean_text(summary),
            YES if is_repeat else NO,
            repeat_of,
            YES if bypassed else NO,
            decision_of(status, accepted_at),
            _day(accepted_at),
            clean_text(department) if department else None,
            _day(assigned_at),
            handle_due_on,
            _STATUSES.get(status, status),
            _day(replied_at),
            _OUTCOMES.get(outcome, outcome) if outcome else None,
            _SATISFACTION.get(satisfaction, satisfaction),
            _day(closed_at),
            _yes_no(closed_on_time),
            supervise_count,
            reopen_count,
            clean_text(owner_leader) or None,
            clean_text(remarks) or None,
            unit_code,
            uuid,
            revision,
            updated_at.replace(microsecond=0),
        )
        if not full:
            values = tuple(
                mask_in_text(v) if isinstance(v, str) and i not in _CODE_COLUMNS else v for i, v in enumerate(values)
            )
        yield LedgerRow(values, status in _OPEN and due_on is not None and due_on < today)
