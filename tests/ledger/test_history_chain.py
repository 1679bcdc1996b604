"""The hash chain on either database: an intact history verifies intact, each step changed, removed or
written around the program is named, and writers at the same moment keep one valid chain."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select, text

from tests import engines
from tests.helpers import draft
from xinfang_desk.ledger.audit import SAVE_SETTINGS, record_audit
from xinfang_desk.ledger.chain import read_head
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import AuditEntry, CaseEvent
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.operations.trail import Verification, verify
from xinfang_desk.ledger.permissions import Role
from xinfang_desk.ledger.vocab import EventKind

ADMIN = Actor("管理员甲", role=Role.ADMIN)


def _verify(ledger: Ledger) -> Verification:
    with ledger.operation(ADMIN, write=False) as ctx:
        return verify(ctx)


def _register_and_accept(ledger: Ledger, count: int) -> list[tuple[int, str]]:
    made = []
    for i in range(count):
        with ledger.operation(ADMIN) as ctx:
            case = cases.register_case(ctx, draft(summary=f"第{i}件：宿舍热水器损坏")).value
            cases.perform_step(ctx, case.id, EventKind.ACCEPT, {"note": "受理"})
            made.append((case.id, case.case_no))
    return made


def _lines_about(result: Verification, case_no: str) -> list[str]:
    return [line for line in result.lines() if case_no in line]


def test_an_intact_history_verifies_intact_and_every_row_is_sealed(ledger: Ledger) -> None:
    _register_and_accept(ledger, 3)
    result = _verify(ledger)
    assert result.intact, result.lines()
    with ledger.reading() as s:
        seqs = sorted(
            s.scalars(select(CaseEvent.chain_seq)).all() + s.scalars(select(AuditEntry.chain_seq)).all()
        )
        head, _digest = read_head(s.connection())
    assert seqs == list(range(1, len(seqs) + 1)) and head == len(seqs) >= 6


def test_a_step_edited_removed_or_forged_around_the_program_is_named(
    ledger: Ledger, ledger_location: str | Path
) -> None:
    (edited, edited_no), (removed, removed_no), (forged, forged_no) = _register_and_accept(ledger, 3)
    ledger.close()
    engines.write_around_the_program(
        ledger_location,
        f"UPDATE case_events SET note = '从未受理', actor = '信访办主任' WHERE case_id = {edited} AND seq = 2",
        f"DELETE FROM case_events WHERE case_id = {removed} AND seq = 2",
        "INSERT INTO case_events (case_id, seq, kind, actor, at, recorded_at, note, data) VALUES "
        f"({forged}, 3, 'close', '信访办主任', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '', '{{}}')",
        f"UPDATE cases SET status = 'closed', revision = 3 WHERE id = {forged}",
    )
    reopened = Ledger.open(ledger_location)
    try:
        result = _verify(reopened)
    finally:
        reopened.close()
    assert not result.intact
    assert any("修改" in line for line in _lines_about(result, edited_no))
    assert any("删除" in line for line in _lines_about(result, removed_no))
    assert any("不是由本程序写入" in line for line in _lines_about(result, forged_no))
    # the step after the removed one (the next case's registration) is not said to be changed
    assert not any("修改" in line for line in _lines_about(result, forged_no))


def test_a_sealed_step_cannot_be_changed_even_by_sql(ledger: Ledger, register_case) -> None:
    register_case()
    with ledger.session() as s:
        record_audit(s, "管理员甲", SAVE_SETTINGS, {"key": "rule.decide"})
    for statement in ("UPDATE case_events SET note = '改过'", "UPDATE audit_log SET actor = '别人'"):
        try:
            with ledger.session() as s:
                s.execute(text(statement))
        except Exception as refused:  # the database's own guard, in Chinese
            assert "不可修改" in str(refused)
        else:
            raise AssertionError(f"not refused: {statement}")
    assert _verify(ledger).intact


def test_writers_at_the_same_moment_keep_one_valid_chain(ledger: Ledger, ledger_location: str | Path) -> None:
    """Three clerks each take their own cases through steps at once (no shared case, no shared number)."""
    with ledger.operation(ADMIN) as ctx:
        ids = [cases.register_case(ctx, draft(summary=f"第{i}件")).value.id for i in range(24)]
    start = threading.Barrier(3, timeout=30)
    failures: list[BaseException] = []
    desks = [Ledger.open(ledger_location) for _ in range(3)]  # each clerk has the ledger open

    def clerk(own: Ledger, mine: list[int]) -> None:
        try:
            start.wait()
            for case_id in mine:
                with own.operation(ADMIN) as ctx:
                    cases.perform_step(ctx, case_id, EventKind.ACCEPT, {"note": "受理"})
                with own.session() as s:
                    record_audit(s, "管理员甲", SAVE_SETTINGS, {"case": case_id})
        except BaseException as error:  # reported below, with the chain's state
            failures.append(error)
        finally:
            own.close()

    clerks = [threading.Thread(target=clerk, args=(desk, ids[n::3])) for n, desk in enumerate(desks)]
    for thread in clerks:
        thread.start()
    for thread in clerks:
        thread.join(timeout=300)
    assert failures == []
    result = _verify(ledger)
    assert result.intact, result.lines()
    with ledger.reading() as s:
        accepted = s.scalars(
            select(CaseEvent.chain_seq).where(CaseEvent.kind == EventKind.ACCEPT.value)
        ).all()
    assert len(accepted) == 24 and None not in accepted
