"""Opening a ledger made by the previous schema upgrades it in place without losing a case."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from xinfang_desk.ledger import db
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerFileError
from xinfang_desk.ledger.models import Case, CaseEvent
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.vocab import EventKind, Outcome
from xinfang_desk.ledger.workflow import Workflow


def _old_ledger(path: Path, revision: str = "0001") -> None:
    """A ledger at schema ``revision`` with one registered case, written with plain SQL of schema 0001."""
    engine = create_engine(f"sqlite:///{path}")
    db.upgrade(engine, revision)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_info VALUES ('unit_code', 'JWC'), ('unit_name', '教务处'), ('office', '0')"
            )
        )
        conn.execute(text("INSERT INTO units (code, name) VALUES ('JWC', '教务处')"))
        conn.execute(text("INSERT INTO categories (id, name, sort_order, active) VALUES (1, '其他类', 0, 1)"))
        conn.execute(text("INSERT INTO departments (id, name, active) VALUES (1, '教务处', 1)"))
        conn.execute(
            text(
                "INSERT INTO petitioners (id, uuid, name, identity_type, affiliation, anonymous) "
                "VALUES (1, 'p-1', '旧台账信访人', 'student', '', 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, uuid, unit_code, year, seq, case_no, received_at, channel, source, nature,"
                " category_id, petitioner_id, people_count, summary, content, is_repeat, bypassed_level,"
                " superior_ref, status, decide_due_on, decline_reason, forwarded_to, assign_opinion, assign_count,"
                " extended_days, extension_count, supervise_count, reply_text, satisfaction, reopen_count,"
                " review_requested, owner_leader, remarks, revision, created_at, updated_at)"
                " VALUES (1, 'c-1', 'JWC', 2025, 1, 'JWC-2025-0001', '2025-03-03 09:00:00', 'visit', 'own', 'claim',"
                " 1, 1, 1, '图书馆座位不足', '', 0, 0, '', 'registered', '2025-03-18', '', '', '', 0, 0, 0, 0,"
                " '', 'none', 0, 0, '', '', 1, '2025-03-03 09:00:00', '2025-03-03 09:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO case_events (case_id, seq, kind, actor, at, recorded_at, note, data)"
                " VALUES (1, 1, 'register', '接待员', '2025-03-03 09:00:00', '2025-03-03 09:00:00', '', '{}')"
            )
        )
    engine.dispose()


def test_previous_schema_is_upgraded_without_losing_a_case(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _old_ledger(path)
    assert "attachments" not in inspect(create_engine(f"sqlite:///{path}")).get_table_names()

    ledger = Ledger.open(path)
    tables = set(inspect(ledger.engine).get_table_names())
    assert {"attachments", "attachment_blobs", "calendar_days"} <= tables
    backups = list(tmp_path.glob("old.sqlite.before-upgrade-0001-*.bak"))
    assert len(backups) == 1
    if os.name == "posix":  # it holds full ID and phone numbers: the user's alone, whatever the umask
        assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    with ledger.session() as s:
        case = s.scalars(select(Case)).one()
        assert (case.case_no, case.summary, case.petitioner.name) == (
            "JWC-2025-0001",
            "图书馆座位不足",
            "旧台账信访人",
        )
        assert case_ids(s, CaseFilter(text="座位")) == [case.id]  # indexed for search after the upgrade
        wf = Workflow(s, "主任")
        wf.accept(case)
        wf.reply(case, Outcome.SOLVED, "已增加座位")
    with ledger.session() as s:
        assert s.scalar(select(CaseEvent.kind).where(CaseEvent.seq == 3)) == "reply"
    ledger.close()


def test_an_open_case_of_a_0005_ledger_gets_its_deadline_reckoned_with_the_estimated_holidays(
    tmp_path: Path,
) -> None:
    """The previous program counted 2027 by weekends only: 15 日 from 17 December 2026 ended on 元旦."""
    path = tmp_path / "old.sqlite"
    _old_ledger(path, "0005")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE cases SET received_at = '2026-12-17 09:00:00', decide_due_on = '2027-01-01',"
                " due_on = '2027-01-01' WHERE id = 1"
            )
        )
    engine.dispose()
    ledger = Ledger.open(path)
    try:
        with ledger.session() as s:
            case = s.scalars(select(Case)).one()
            assert (case.decide_due_on, case.due_on, case.due_estimated) == (date(2027, 1, 4),) * 2 + (True,)
            assert case.deadline_basis["decide"]["start"] == "2026-12-17"
            event = s.scalars(select(CaseEvent).where(CaseEvent.seq == 2)).one()
            assert event.kind == EventKind.RECOMPUTE_DEADLINE.value and event.actor == "系统"
            assert "受理期限 2027-01-01 → 2027-01-04（估算）" in event.note
            assert case.revision == 2
    finally:
        ledger.close()


def test_a_ledger_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    Ledger.open(path, create=True).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(LedgerFileError, match="更新版本的程序"):
        Ledger.open(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"hello, not a database", "不是信访台账文件"), (b"", "是空的（0 字节）")],
)
def test_non_ledger_files_are_refused_clearly(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.sqlite"
    path.write_bytes(content)
    with pytest.raises(LedgerFileError, match=message):
        Ledger.open(path)


def test_an_sqlite_file_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE songs (title TEXT)"))
    engine.dispose()
    with pytest.raises(LedgerFileError, match="不是信访台账"):
        Ledger.open(path)
