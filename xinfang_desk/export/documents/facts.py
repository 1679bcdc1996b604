"""What a printed document says: the facts of each case, gathered as plain data, and the document numbers.

Four kinds of document leave the office on paper: the 交办单 to the handling department, the 督办单
for an overdue or slow case, and the 受理告知书 / 不予受理告知书 to the petitioner.  ``gather_facts``
reads everything a batch of them needs in a few queries and returns ``DocumentFacts`` (no ORM objects),
refusing with one Chinese message when a case has not reached the step its document records.

Document numbers (``交办〔2025〕第12号``): each kind of document is numbered by the event it records
(交办单 by 交办, 督办单 by 督办, the notices by 受理 / 不予受理).  The year is the year of that event
(its ``at`` date); the running number is that event's position among all events of the same kind,
the same unit and the same year, in the order they were entered (``recorded_at``, then case id and
step).  A re-assigned case (``assign_count`` 2) is printed with its latest 交办 and gets a new number.
Because events are append-only and counted in entry order, a number once printed does not change
when a step is later recorded with an earlier date: the late entry is counted after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from xinfang_desk.ledger.errors import NotFoundError, ValidationError, WorkflowError
from xinfang_desk.ledger.models import Case, CaseEvent, LedgerInfo
from xinfang_desk.ledger.redaction import Withheld, redact_reporter
from xinfang_desk.ledger.vocab import OPEN_STATUSES, Channel, EventKind, Nature, Source, Status


class DocumentKind(StrEnum):
    """The printed documents (codes as on the command line)."""

    ASSIGN = "assign"
    SUPERVISE = "supervise"
    ACCEPT_NOTICE = "accept-notice"
    DECLINE_NOTICE = "decline-notice"

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def event(self) -> EventKind:
        return _EVENTS[self]


_TITLES = {
    DocumentKind.ASSIGN: "信访事项交办单",
    DocumentKind.SUPERVISE: "信访事项督办单",
    DocumentKind.ACCEPT_NOTICE: "信访事项受理告知书",
    DocumentKind.DECLINE_NOTICE: "信访事项不予受理告知书",
}
_EVENTS = {
    DocumentKind.ASSIGN: EventKind.ASSIGN,
    DocumentKind.SUPERVISE: EventKind.SUPERVISE,
    DocumentKind.ACCEPT_NOTICE: EventKind.ACCEPT,
    DocumentKind.DECLINE_NOTICE: EventKind.DECLINE,
}
#: The word in front of 〔year〕 in a document number.
_NUMBER_PREFIX = {
    DocumentKind.ASSIGN: "交办",
    DocumentKind.SUPERVISE: "督办",
    DocumentKind.ACCEPT_NOTICE: "受理",
    DocumentKind.DECLINE_NOTICE: "不予受理",
}
#: Why a case cannot have a document of this kind yet, and what that means for the printing.
_NOT_YET = {
    DocumentKind.ASSIGN: ("尚未交办", "不能打印交办单"),
    DocumentKind.SUPERVISE: ("尚无督办记录", "请先记录督办意见再打印督办单"),
    DocumentKind.ACCEPT_NOTICE: ("尚未受理", "不能打印受理告知书"),
    DocumentKind.DECLINE_NOTICE: ("未作出不予受理决定", "不能打印不予受理告知书"),
}


def not_ready_message(case_nos: Sequence[str], kind: DocumentKind) -> str:
    """“案件JWC-2025-0001尚未交办，不能打印交办单” (up to ten case numbers; no closing 。)."""
    reason, advice = _NOT_YET[DocumentKind(kind)]
    shown = "、".join(case_nos[:10]) + (" 等" if len(case_nos) > 10 else "")
    return f"案件{shown}{reason}，{advice}"


#: Shown instead of the reporter's name and contact on documents about a 检举控告类 case.
WITHHELD = "（依规定不予显示）"


@dataclass(frozen=True)
class DocumentFacts:
    """Everything one printed document shows, as plain values."""

    kind: DocumentKind
    number: str
    issued_on: date
    unit_name: str
    case_no: str
    received_on: date
    channel: str
    source: str
    nature: str
    withheld: bool
    #: what was taken out of the texts of a 检举控告类 document, e.g. "信访人姓名 1 处" ("" for none)
    withheld_from_text: str
    petitioner: str
    phone: str
    affiliation: str
    people_count: int
    category: str
    summary: str
    superior_ref: str
    department: str
    assigned_on: date | None
    due_on: date | None
    opinion: str
    supervise_count: int
    overdue_days: int
    decline_reason: str

    @property
    def title(self) -> str:
        return self.kind.title


def chinese_date(value: date | datetime | None) -> str:
    """2025年3月1日 (empty for no date)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def resolve_cases(session: Session, refs: Sequence[str | int]) -> list[Case]:
    """The cases named by number, UUID or id, in the order given (each once)."""
    ids = [r for r in refs if isinstance(r, int)]
    texts = [str(r).strip() for r in refs if not isinstance(r, int)]
    found = session.scalars(
        select(Case)
        .where(or_(Case.id.in_(ids), Case.case_no.in_(texts), Case.uuid.in_(texts)))
        .options(
            selectinload(Case.petitioner),
            selectinload(Case.category),
            selectinload(Case.subcategory),
            selectinload(Case.department),
        )
    ).all()
    by_ref: dict[str | int, Case] = {}
    for case in found:
        by_ref[case.id] = case
        by_ref[case.case_no] = case
        by_ref[case.uuid] = case
    missing = [str(r) for r in refs if (r if isinstance(r, int) else str(r).strip()) not in by_ref]
    if missing:
        raise NotFoundError(f"找不到案件：{'、'.join(missing[:10])}{' 等' if len(missing) > 10 else ''}。")
    ordered: list[Case] = []
    seen: set[int] = set()
    for ref in refs:
        case = by_ref[ref if isinstance(ref, int) else str(ref).strip()]
        if case.id not in seen:
            seen.add(case.id)
            ordered.append(case)
    return ordered


EventKey = tuple[int, int]


def _key(event: CaseEvent) -> EventKey:
    return event.case_id, event.seq


def _latest_events(session: Session, cases: Sequence[Case], kind: EventKind) -> dict[int, CaseEvent]:
    """The latest event of ``kind`` of each case (by case id)."""
    latest: dict[int, CaseEvent] = {}
    ids = [c.id for c in cases]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        newest = (
            select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
            .where(CaseEvent.case_id.in_(chunk), CaseEvent.kind == kind.value)
            .group_by(CaseEvent.case_id)
            .subquery()
        )
        query = select(CaseEvent).join(
            newest, and_(CaseEvent.case_id == newest.c.case_id, CaseEvent.seq == newest.c.seq)
        )
        for event in session.scalars(query):
            latest[event.case_id] = event
    return latest


def _numbers(
    session: Session, kind: DocumentKind, events: dict[int, CaseEvent], cases: Sequence[Case]
) -> dict[int, str]:
    """Document number per event id (see the module docstring)."""
    unit_of = {c.id: c.unit_code for c in cases}
    wanted = {(unit_of[e.case_id], e.at.year) for e in events.values()}
    position: dict[EventKey, int] = {}
    for unit_code, year in wanted:
        rows = session.execute(
            select(CaseEvent.case_id, CaseEvent.seq)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(
                CaseEvent.kind == kind.event.value,
                Case.unit_code == unit_code,
                CaseEvent.at >= datetime(year, 1, 1),
                CaseEvent.at < datetime(year + 1, 1, 1),
            )
            .order_by(CaseEvent.recorded_at, CaseEvent.case_id, CaseEvent.seq)
        )
        for index, (case_id, seq) in enumerate(rows, 1):
            position[(case_id, seq)] = index
    prefix = _NUMBER_PREFIX[kind]
    return {_key(e): f"{prefix}〔{e.at.year}〕第{position[_key(e)]}号" for e in events.values()}


def gather_facts(
    session: Session, cases: Sequence[Case], kind: DocumentKind, *, today: date | None = None
) -> list[DocumentFacts]:
    """The facts of ``kind`` documents for ``cases`` (in order); refuses if any case is not ready."""
    kind = DocumentKind(kind)
    today = today or date.today()
    events = _latest_events(session, cases, kind.event)
    not_ready = [c.case_no for c in cases if c.id not in events or not _ready(c, kind)]
    if not_ready:
        raise WorkflowError(f"{not_ready_message(not_ready, kind)}。")
    numbers = _numbers(session, kind, events, cases)
    unit = session.get(LedgerInfo, "unit_name")
    unit_name = unit.value if unit else ""
    return [_facts(case, kind, events[case.id], numbers, unit_name, today) for case in cases]


def ready_cases(
    session: Session, cases: Sequence[Case], kind: DocumentKind
) -> tuple[list[Case], list[tuple[str, str]]]:
    """The cases that can have a ``kind`` document, and (case number, why not, e.g. “尚未交办”) of the others."""
    kind = DocumentKind(kind)
    events = _latest_events(session, cases, kind.event)
    ready = [c for c in cases if c.id in events and _ready(c, kind)]
    taken = {c.id for c in ready}
    reason = _NOT_YET[kind][0]
    return ready, [(c.case_no, reason) for c in cases if c.id not in taken]


@dataclass(frozen=True)
class DocumentBatch:
    """The facts of a batch's ready cases, and (case number, why not) of each case left out."""

    kind: DocumentKind
    facts: tuple[DocumentFacts, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def case_nos(self) -> tuple[str, ...]:
        return tuple(f.case_no for f in self.facts)

    def audit_detail(self, file_name: str) -> dict[str, Any]:
        """What the audit log records of printing this batch (the cases left out named too)."""
        return {
            "kind": self.kind.value,
            "file": file_name,
            "cases": list(self.case_nos),
            "numbers": [f.number for f in self.facts],
            "skipped": [case_no for case_no, _why in self.skipped],
        }


def gather_batch(
    session: Session, refs: Sequence[str | int], kind: DocumentKind | str, *, today: date | None = None
) -> DocumentBatch:
    """The facts of ``kind`` documents for the cases ``refs`` names that are ready, the others left out.

    Refused (``WorkflowError``, naming the cases) only when no case is ready; ``NotFoundError`` when a
    case does not exist, ``ValidationError`` for no case at all.
    """
    kind = DocumentKind(kind)
    if not refs:
        raise ValidationError("没有要打印的案件。")
    resolved = resolve_cases(session, refs)
    ready, skipped = ready_cases(session, resolved, kind)
    if not ready:
        raise WorkflowError(f"{not_ready_message([no for no, _why in skipped], kind)}。")
    facts = gather_facts(session, ready, kind, today=today)
    return DocumentBatch(kind, tuple(facts), tuple(skipped))


def _ready(case: Case, kind: DocumentKind) -> bool:
    if kind is DocumentKind.ASSIGN:
        return case.assigned_at is not None and case.department is not None
    if kind is DocumentKind.ACCEPT_NOTICE:
        return case.accepted_at is not None
    if kind is DocumentKind.DECLINE_NOTICE:
        return case.status == Status.DECLINED.value
    return True


def _facts(
    case: Case,
    kind: DocumentKind,
    event: CaseEvent,
    numbers: dict[EventKey, str],
    unit_name: str,
    today: date,
) -> DocumentFacts:
    person = case.petitioner
    withheld = case.nature == Nature.ACCUSATION.value and kind in (
        DocumentKind.ASSIGN,
        DocumentKind.SUPERVISE,
    )
    category = case.category.name + (f"／{case.subcategory.name}" if case.subcategory else "")
    overdue = 0
    if Status(case.status) in OPEN_STATUSES and case.due_on is not None and case.due_on < today:
        overdue = (today - case.due_on).days
    opinion = event.note or (case.assign_opinion if kind is DocumentKind.ASSIGN else "")
    summary, superior_ref = case.summary, case.superior_ref
    removed = Withheld()
    if withheld:
        reporter = {"name": person.name, "phone": person.phone or "", "id_number": person.id_number or ""}
        summary, opinion, superior_ref = (
            redact_reporter(text, removed, **reporter) for text in (summary, opinion or "", superior_ref)
        )
    return DocumentFacts(
        kind=kind,
        number=numbers[_key(event)],
        issued_on=event.at.date(),
        unit_name=unit_name,
        case_no=case.case_no,
        received_on=case.received_at.date(),
        channel=Channel(case.channel).label,
        source=Source(case.source).label,
        nature=Nature(case.nature).label,
        withheld=withheld,
        withheld_from_text=removed.text(),
        petitioner=WITHHELD if withheld else person.name,
        phone=WITHHELD if withheld else (person.phone or ""),
        affiliation=WITHHELD if withheld else person.affiliation,
        people_count=case.people_count,
        category=category,
        summary=summary,
        superior_ref=superior_ref,
        department=case.department.name if case.department else "",
        assigned_on=case.assigned_at.date() if case.assigned_at else None,
        due_on=case.handle_due_on,
        opinion=opinion or "",
        supervise_count=case.supervise_count,
        overdue_days=overdue,
        decline_reason=case.decline_reason,
    )
