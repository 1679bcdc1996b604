"""Open cases follow the calendar: recompute their rule-made deadlines when the calendar changes.

The calendar changes when the office enters or corrects days (``ledger.calendar_entries``) and when
a newer holiday library is installed: the ledger remembers the library it last reckoned with
(``ledger_info``) and, on opening, recomputes when it differs.  A ledger from before deadlines kept
their basis has it worked out once, on the first open: a deadline counts as made by the rules only
where the rules, reckoned as the program then did (library or weekends, no estimates), give
exactly the stored date; a case merged in from another unit is that unit's and is never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import calendar as work_calendar
from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.calendar import ADOPTED_KEY, LIBRARY_KEY, WorkCalendar
from xinfang_desk.ledger.deadlines import Basis, reckon_basis, rule_basis
from xinfang_desk.ledger.models import Case, CaseEvent, CaseOrigin
from xinfang_desk.ledger.settings import DeadlineRule, Settings
from xinfang_desk.ledger.vocab import OPEN_STATUSES, Channel, EventKind, Source
from xinfang_desk.ledger.workflow import Workflow

#: who recomputes when nobody acted (a newer library found on opening)
SYSTEM_ACTOR = "系统"


@dataclass(frozen=True)
class Recomputed:
    """One case whose deadlines moved, for the caller to report."""

    case_no: str
    changes: tuple[dict[str, object], ...]


def recompute_open_deadlines(
    session: Session,
    actor: str,
    reason: str,
    *,
    clock: Callable[[], datetime] = datetime.now,
    calendar: WorkCalendar | None = None,
) -> list[Recomputed]:
    """Reckon every open case's rule-made deadlines again; each change is an event on its case."""
    session.flush()
    workflow = Workflow(session, actor, clock=clock, calendar=calendar or WorkCalendar.load(session))
    query = select(Case).where(Case.status.in_([s.value for s in OPEN_STATUSES])).order_by(Case.id)
    done = []
    for case in session.scalars(query):
        if not case.deadline_basis:  # JSON null and SQL NULL alike: nothing made by the rules
            continue
        changes = workflow.recompute_deadlines(case, reason)
        if changes:
            done.append(Recomputed(case.case_no, tuple(changes)))
    session.flush()
    return done


def sync_at_open(session: Session, *, clock: Callable[[], datetime] = datetime.now) -> list[Recomputed]:
    """On opening: adopt old cases' deadlines once, and recompute if the holiday library changed (asked
    when ``calendar.needs_sync`` says so)."""
    info = ledger_info.read(session, ADOPTED_KEY, LIBRARY_KEY)
    if ADOPTED_KEY not in info:
        adopt_existing_deadlines(session)
        ledger_info.store(session, ADOPTED_KEY, "1")
    current, stored = work_calendar.library_fingerprint(), info.get(LIBRARY_KEY)
    if stored == current:
        return []
    if stored is None:
        reason = "按节假日数据重算（官方库、本单位录入，未公布年份按法定节假日估算）"
    else:
        reason = f"节假日官方库已更新（{stored} → {current}）"
    ledger_info.store(session, LIBRARY_KEY, current)
    return recompute_open_deadlines(session, SYSTEM_ACTOR, reason, clock=clock)


def adopt_existing_deadlines(session: Session) -> int:
    """Give the open cases of an older ledger the basis of each deadline the rules made.  Returns how many."""
    old_calendar = WorkCalendar.load(session, estimate=False)
    settings = Settings.load(session)
    merged = exists().where(CaseOrigin.case_id == Case.id)
    query = select(Case).where(Case.status.in_([s.value for s in OPEN_STATUSES]), ~merged)
    adopted = 0
    for case in session.scalars(query):
        if case.deadline_basis is not None:
            continue
        bases: dict[str, Basis] = {}
        received = case.received_at.date()
        for key, rule, stored in (
            ("decide", settings.rule("decide"), case.decide_due_on),
            ("objection", settings.rule("object"), case.objection_due_on),
        ):
            basis = rule_basis(received, rule)
            if stored is not None and reckon_basis(old_calendar, basis)[0] == stored:
                bases[key] = {**basis, "estimated": False}
        handle = _handle_basis(session, case, settings, old_calendar)
        if handle is not None:
            bases["handle"] = {**handle, "estimated": False}
        case.deadline_basis = bases
        adopted += bool(bases)
    session.flush()
    return adopted


def _handle_basis(session: Session, case: Case, settings: Settings, calendar: WorkCalendar) -> Basis | None:
    """The basis that reproduces the stored handling deadline, if the rules made it."""
    if case.handle_due_on is None or case.superior_due_on is not None:
        return None
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ).all()
    started = [e for e in events if e.kind in (EventKind.ACCEPT.value, EventKind.REOPEN.value)]
    if not started:
        return None
    last = started[-1]
    extensions = [
        int(e.data.get("days", 0)) for e in events if e.seq > last.seq and e.kind == EventKind.EXTEND.value
    ]
    begun = last.at.date()
    handle = settings.rule("handle")
    candidates: list[Basis]
    if last.kind == EventKind.REOPEN.value:
        candidates = [rule_basis(begun, settings.rule("review")), rule_basis(begun, handle)]
    else:
        candidates = [rule_basis(begun, handle)]
        if case.channel == Channel.MAILBOX or case.source == Source.PRESIDENT_MAILBOX:
            candidates.insert(0, rule_basis(case.received_at.date(), settings.rule("mailbox")))
        for category in (case.subcategory, case.category):
            if category is not None and category.default_deadline_days:
                candidates.insert(
                    0, rule_basis(begun, DeadlineRule(category.default_deadline_days, handle.kind))
                )
    for candidate in candidates:
        basis = {**candidate, "extensions": extensions}
        if reckon_basis(calendar, basis)[0] == case.handle_due_on:
            return basis
    return None
