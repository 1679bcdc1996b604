"""The rows of the Excel 台账: one streamed query that yields a row per case, in ``columns.COLUMNS`` order.

``ledger_rows`` yields each case received in a period as a tuple of plain values in the order of the
column layout (dates as ``date``, the last-modified time as a ``datetime``, yes/no as 是/否, counts as
``int``, personal data masked unless ``full``).  The query joins everything it needs and streams in
partitions, so memory does not grow with the ledger.  A text longer than an Excel cell holds stops
the export with the case named: nothing is ever cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from xinfang_desk.export.exchange.cells import clean_text, whole_cell_text
from xinfang_desk.export.exchange.columns import COLUMNS, LEDGER_HEADERS
from xinfang_desk.ledger.figures import received_between
from xinfang_desk.ledger.identity import mask_id_number, mask_phone
from xinfang_desk.ledger.models import Case, CaseEvent, Category, Department, Petitioner
from xinfang_desk.ledger.redaction import mask_in_text
from xinfang_desk.ledger.vocab import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    IdentityType,
    Nature,
    Outcome,
    Satisfaction,
    Source,
    Status,
)

YES, NO = "是", "否"

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
    registered = aliased(CaseEvent)
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
            Case.content,
            registered.actor,
            registered.data,
            Case.decline_reason,
            Case.forwarded_to,
            Case.superior_ref,
            Case.superior_due_on,
            Case.assign_opinion,
            Case.extended_days,
            Case.reply_text,
            Case.evaluated_at,
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
        .outerjoin(
            registered,
            (registered.case_id == Case.id)
            & (registered.seq == 1)
            & (registered.kind == EventKind.REGISTER.value),
        )
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


_HEADER_OF = {c.key: c.header for c in COLUMNS}


def _long_text(value: str | None, case_no: str, key: str) -> str | None:
    """A long free text as written; one that no Excel cell can hold stops the export (never cut)."""
    if not value:
        return None
    return whole_cell_text(value, f"案件{case_no}的“{_HEADER_OF[key]}”", "请先更正该字段后再导出。")


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
            content,
            registrar,
            register_data,
            decline_reason,
            forwarded_to,
            superior_ref,
            superior_due_on,
            assign_opinion,
            extended_days,
            reply_text,
            evaluated_at,
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
            _long_text(content, case_no, "content"),
            clean_text((register_data or {}).get("registered_by") or registrar or "") or None,
            _long_text(decline_reason, case_no, "decline_reason"),
            clean_text(forwarded_to) or None,
            clean_text(superior_ref) or None,
            superior_due_on,
            _long_text(assign_opinion, case_no, "assign_opinion"),
            extended_days,
            _long_text(reply_text, case_no, "reply_text"),
            _day(evaluated_at),
            unit_code,
            uuid,
            revision,
            updated_at.replace(microsecond=0),
        )
        if not full:
            values = tuple(
                mask_in_text(v) if isinstance(v, str) and i not in _CODE_COLUMNS else v
                for i, v in enumerate(values)
            )
        yield LedgerRow(values, status in _OPEN and due_on is not None and due_on < today)
