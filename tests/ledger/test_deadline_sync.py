"""Open cases follow the calendar: a year gains official data, the office enters a notice, an old ledger."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import delete, select, update

from tests.helpers import Clock, draft
from xinfang_desk.ledger import calendar as calendar_module
from xinfang_desk.ledger.calendar import ADOPTED_KEY, LIBRARY_KEY
from xinfang_desk.ledger.calendar_entries import import_notice, set_day
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.deadline_sync import sync_at_open
from xinfang_desk.ledger.models import AuditEntry, Case, CaseEvent, LedgerInfo
from xinfang_desk.ledger.vocab import EventKind, Outcome, Source
from xinfang_desk.ledger.workflow import Workflow

NOTICE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知
2027-01-01~2027-01-03 休 元旦
2027-02-05~2027-02-11 休 春节
2027-02-14 班
2027-02-20 班
"""


def _events(session, case: Case, kind: EventKind) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind.value)
    return list(session.scalars(query.order_by(CaseEvent.seq)))


def _old_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """An older holiday library that knows only up to 2025."""
    monkeypatch.setattr(calendar_module, "library_covers", lambda year: 2004 <= year <= 2025)
    monkeypatch.setattr(calendar_module, "library_fingerprint", lambda: "1.10.0:2004-2025")


def test_a_year_that_gains_official_data_recomputes_open_rule_deadlines(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime(2025, 12, 31, 10, 0))
    with monkeypatch.context() as old:
        _old_library(old)
        with ledger.session() as s:
            s.merge(LedgerInfo(key=LIBRARY_KEY, value="1.10.0:2004-2025"))
            wf = Workflow(s, "主任", clock=clock)
            # 60 日 from 20 December 2025 ends on 18 February 2026: 春节 by estimate (16–19 Feb) → 20 Feb
            own = wf.register(draft(subcategory="", received_at=datetime(2025, 12, 19, 9)))
            wf.accept(own, at=datetime(2025, 12, 20, 9))
            superior = wf.register(
                draft(
                    subcategory="",
                    source=Source.SUPERIOR,
                    superior_due_on=date(2026, 2, 20),
                    received_at=datetime(2025, 12, 19, 9),
                )
            )
            wf.accept(superior, at=datetime(2025, 12, 20, 9))
            # 15 日 from 29 December 2025 is Tuesday 13 January 2026: a working day either way
            waiting = wf.register(draft(subcategory="", received_at=datetime(2025, 12, 29, 9)))
            assigned = wf.register(draft(subcategory="", received_at=datetime(2025, 12, 19, 9)))
            wf.accept(assigned, at=datetime(2025, 12, 20, 9))
            wf.assign(assigned, "后勤集团", "请核查", due_on=date(2026, 2, 20), at=datetime(2025, 12, 21, 9))
            closed = wf.register(draft(subcategory="", received_at=datetime(2025, 12, 19, 9)))
            wf.accept(closed, at=datetime(2025, 12, 20, 9))
            wf.reply(closed, Outcome.SOLVED, "已修复", at=datetime(2025, 12, 29, 9))
            wf.close(closed, at=datetime(2025, 12, 30, 9))
            s.flush()
            assert own.handle_due_on == date(2026, 2, 20) and own.due_estimated
            assert waiting.due_on == date(2026, 1, 13) and waiting.due_estimated
            assert not superior.due_estimated and not assigned.due_estimated
            before = {c.case_no: c.revision for c in (own, superior, waiting, assigned, closed)}
            ids = {
                name: c.id
                for name, c in [
                    ("own", own),
                    ("sup", superior),
                    ("wait", waiting),
                    ("asg", assigned),
                    ("closed", closed),
                ]
            }

    # the newer library (covering 2026: 春节 15–23 February) is installed; the ledger is opened
    clock.advance(days=1)
    with ledger.session() as s:
        done = sync_at_open(s, clock=clock)
        assert sorted(d.case_no for d in done) == sorted(
            s.get(Case, ids[name]).case_no for name in ("own", "wait")
        )
        own = s.get(Case, ids["own"])
        assert (own.handle_due_on, own.due_on, own.due_estimated) == (date(2026, 2, 24),) * 2 + (False,)
        assert own.revision == before[own.case_no] + 1
        (event,) = _events(s, own, EventKind.RECOMPUTE_DEADLINE)
        assert event.actor == "系统" and event.seq == own.revision
        assert event.data["changes"][0]["old"] == "2026-02-20"
        assert event.data["changes"][0]["new"] == "2026-02-24"
        assert "办理期限 2026-02-20 → 2026-02-24" in event.note and "节假日官方库已更新" in event.note

        waiting = s.get(Case, ids["wait"])
        assert waiting.due_on == date(2026, 1, 13) and not waiting.due_estimated
        (confirmed,) = _events(s, waiting, EventKind.RECOMPUTE_DEADLINE)
        assert "不再是估算" in confirmed.note

        for name in ("sup", "asg", "closed"):  # given deadlines and finished cases are left alone
            case = s.get(Case, ids[name])
            assert case.revision == before[case.case_no]
            assert not _events(s, case, EventKind.RECOMPUTE_DEADLINE)
        assert s.get(Case, ids["sup"]).handle_due_on == date(2026, 2, 20)
        assert s.get(Case, ids["asg"]).handle_due_on == date(2026, 2, 20)
        # opening again with the same library changes nothing
        assert sync_at_open(s, clock=clock) == []


def test_the_office_enters_the_notice_and_open_deadlines_follow(ledger: Ledger) -> None:
    clock = Clock(datetime(2026, 12, 8, 10, 0))
    with ledger.session() as s:
        wf = Workflow(s, "主任", clock=clock)
        case = wf.register(draft(subcategory="", received_at=datetime(2026, 12, 8, 9)))
        wf.accept(case, at=datetime(2026, 12, 8, 9, 30))
        given = wf.register(
            draft(
                subcategory="",
                source=Source.SUPERIOR,
                superior_due_on=date(2027, 2, 8),
                received_at=datetime(2026, 12, 8, 9),
            )
        )
        wf.accept(given, at=datetime(2026, 12, 8, 9, 30))
        s.flush()
        # 60 日 ends on Saturday 6 February 2027; estimated 春节 and 补假 run to 10 February
        assert (case.due_on, case.due_estimated) == (date(2027, 2, 11), True)

        change = import_notice(s, "张三", NOTICE_2027, clock=clock)
        assert change.years == (2027,) and change.days == 12
        assert (case.due_on, case.due_estimated) == (date(2027, 2, 12), False)
        (event,) = _events(s, case, EventKind.RECOMPUTE_DEADLINE)
        assert event.actor == "张三" and "本单位录入2027年节假日安排" in event.note
        assert given.handle_due_on == date(2027, 2, 8) and not _events(s, given, EventKind.RECOMPUTE_DEADLINE)

        # the office then marks Friday 12 February a rest day too: Saturday is rest, Sunday 14 is worked
        set_day(s, "张三", date(2027, 2, 12), "休", "春节", clock=clock)
        assert case.due_on == date(2027, 2, 14)
        audit = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert audit[-2:] == ["calendar_import", "calendar_set"]


def test_an_older_ledger_adopts_its_rule_deadlines_on_first_open(ledger: Ledger, ledger_location) -> None:
    clock = Clock(datetime(2026, 12, 17, 10, 0))
    with ledger.session() as s:
        wf = Workflow(s, "接待员", clock=clock)
        ruled = wf.register(draft(subcategory="", received_at=datetime(2026, 12, 17, 9)))
        imported = wf.register(draft(subcategory="", received_at=datetime(2026, 12, 17, 9)))
        s.flush()
        ids = (ruled.id, imported.id)
    # what the previous program stored: weekends only for 2027, no basis; an imported 期限 differs
    with ledger.session() as s:
        s.execute(
            update(Case)
            .where(Case.id == ids[0])
            .values(
                decide_due_on=date(2027, 1, 1),
                due_on=date(2027, 1, 1),
                deadline_basis=None,
                due_estimated=False,
            )
        )
        s.execute(
            update(Case)
            .where(Case.id == ids[1])
            .values(
                decide_due_on=date(2027, 1, 20),
                due_on=date(2027, 1, 20),
                deadline_basis=None,
                due_estimated=False,
            )
        )
        s.execute(delete(LedgerInfo).where(LedgerInfo.key.in_([ADOPTED_KEY, LIBRARY_KEY])))
    reopened = Ledger.open(ledger_location)
    try:
        with reopened.session() as s:
            ruled, imported = s.get(Case, ids[0]), s.get(Case, ids[1])
            assert (ruled.due_on, ruled.due_estimated) == (date(2027, 1, 4), True)  # off 元旦 and the weekend
            assert _events(s, ruled, EventKind.RECOMPUTE_DEADLINE)
            assert imported.due_on == date(2027, 1, 20) and imported.deadline_basis == {}
            assert not _events(s, imported, EventKind.RECOMPUTE_DEADLINE)
    finally:
        reopened.close()


def test_an_imported_ledgers_handling_deadline_is_never_recomputed(ledger: Ledger) -> None:
    """The old 台账's 办理时限 is its record: the office's notice moves rule deadlines, never that one."""
    from xinfang_desk.ledger.recorded import RecordedWorkflow

    clock = Clock(datetime(2026, 12, 8, 10, 0))
    with ledger.session() as s:
        wf = RecordedWorkflow(s, "王老师", clock=clock)
        wf.due_on = date(2027, 2, 8)  # inside 春节 2027: as the old ledger wrote it
        imported = wf.register(draft(subcategory="", received_at=datetime(2026, 12, 8, 9)))
        wf.accept(imported, "按原台账导入", at=datetime(2026, 12, 8, 9, 30))
        ruled = Workflow(s, "接待员", clock=clock).register(
            draft(subcategory="", received_at=datetime(2026, 12, 8, 9))
        )
        Workflow(s, "接待员", clock=clock).accept(ruled, at=datetime(2026, 12, 8, 9, 30))
        s.flush()
        before = ruled.due_on
        assert imported.due_given and imported.due_on == date(2027, 2, 8)

        import_notice(s, "张三", NOTICE_2027, clock=clock)
        assert (imported.handle_due_on, imported.due_on) == (date(2027, 2, 8), date(2027, 2, 8))
        assert not _events(s, imported, EventKind.RECOMPUTE_DEADLINE)
        assert ruled.due_on != before and _events(s, ruled, EventKind.RECOMPUTE_DEADLINE)
