"""Opening a ledger made by the previous schema upgrades it in place without losing a case."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, create_engine, inspect, select, text

from tests import engines
from tests.helpers import revision_and_cases
from xinfang_desk.ledger import chain, db
from xinfang_desk.ledger.chain_check import verify_ledger
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerFileError, UpgradeCancelled
from xinfang_desk.ledger.models import Case, CaseEvent
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.vocab import EventKind, Outcome
from xinfang_desk.ledger.workflow import Workflow


def _url(location: str | Path) -> str:
    return str(location) if "://" in str(location) else f"sqlite:///{location}"


def previous_revision() -> str:
    """The schema revision just before the newest one."""
    script = ScriptDirectory.from_config(db.alembic_config())
    previous = script.get_revision(script.get_current_head()).down_revision
    assert isinstance(previous, str)
    return previous


def _old_ledger(location: str | Path, revision: str = "0001") -> None:
    """A ledger at schema ``revision`` with one registered case, written row by row with the columns of 0001."""
    engine = create_engine(_url(location))
    db.upgrade(engine, revision)
    at = datetime(2025, 3, 3, 9, 0)
    rows = {
        "ledger_info": [
            {"key": "unit_code", "value": "JWC"},
            {"key": "unit_name", "value": "教务处"},
            {"key": "office", "value": "0"},
        ],
        "units": [{"code": "JWC", "name": "教务处"}],
        "categories": [{"id": 1, "name": "其他类", "sort_order": 0, "active": True}],
        "departments": [{"id": 1, "name": "教务处", "active": True}],
        "petitioners": [
            {
                "id": 1,
                "uuid": "p-1",
                "name": "旧台账信访人",
                "identity_type": "student",
                "affiliation": "",
                "anonymous": False,
            }
        ],
        "cases": [
            {
                "id": 1,
                "uuid": "c-1",
                "unit_code": "JWC",
                "year": 2025,
                "seq": 1,
                "case_no": "JWC-2025-0001",
                "received_at": at,
                "channel": "visit",
                "source": "own",
                "nature": "claim",
                "category_id": 1,
                "petitioner_id": 1,
                "people_count": 1,
                "summary": "图书馆座位不足",
                "content": "",
                "is_repeat": False,
                "bypassed_level": False,
                "superior_ref": "",
                "status": "registered",
                "decide_due_on": date(2025, 3, 18),
                "decline_reason": "",
                "forwarded_to": "",
                "assign_opinion": "",
                "assign_count": 0,
                "extended_days": 0,
                "extension_count": 0,
                "supervise_count": 0,
                "reply_text": "",
                "satisfaction": "none",
                "reopen_count": 0,
                "review_requested": False,
                "owner_leader": "",
                "remarks": "",
                "revision": 1,
                "created_at": at,
                "updated_at": at,
            }
        ],
        "case_events": [
            {
                "case_id": 1,
                "seq": 1,
                "kind": "register",
                "actor": "接待员",
                "at": at,
                "recorded_at": at,
                "note": "",
                "data": "{}",
            }
        ],
    }
    tables = MetaData()
    with engine.begin() as conn:
        tables.reflect(conn, only=list(rows))
        for name, values in rows.items():
            conn.execute(tables.tables[name].insert(), values)
        if "chain_hash" in tables.tables["case_events"].c and engine.dialect.name == "sqlite":
            chain.seal(conn, everything_unsealed=True)  # the program of that schema sealed a file's rows
            _store_previous_digests(conn)
    engine.dispose()


def _store_previous_digests(conn: Connection) -> None:
    """As a program before 0014 kept a file's events: each with the digest of the one before it."""
    guard = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'case_events_no_update'")).scalar()
    conn.execute(text("DROP TRIGGER IF EXISTS case_events_no_update"))
    conn.execute(
        text(
            "UPDATE case_events SET chain_prev = (SELECT prev FROM (SELECT rowid AS r, coalesce(lag(chain_hash) "
            "OVER (ORDER BY chain_seq), zeroblob(32)) AS prev FROM case_events) WHERE r = case_events.rowid)"
        )
    )
    if guard:
        conn.execute(text(guard))


@pytest.mark.parametrize("revision", ["0001", previous_revision()])
def test_an_older_schema_is_upgraded_without_losing_a_case(
    empty_location: str | Path, tmp_path: Path, revision: str
) -> None:
    _old_ledger(empty_location, revision)
    if revision == "0001":
        assert "attachments" not in inspect(create_engine(_url(empty_location))).get_table_names()

    ledger = Ledger.open(empty_location)
    tables = set(inspect(ledger.engine).get_table_names())
    assert {"attachments", "attachment_blobs", "calendar_days", "users"} <= tables
    with ledger.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == db.head_revision()
    if ledger.path is not None:  # a file is copied first; a server's database is backed up by its own tools
        backups = list(tmp_path.glob(f"empty.sqlite.before-upgrade-{revision}-*.bak"))
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
        # its history is in the hash chain: sealed by the upgrade, or kept as the file had it
        assert verify_ledger(s.connection()) == []
        wf = Workflow(s, "主任")
        wf.accept(case)
        wf.reply(case, Outcome.SOLVED, "已增加座位")
    with ledger.session() as s:
        assert s.scalar(select(CaseEvent.kind).where(CaseEvent.seq == 3)) == "reply"
    ledger.close()


def test_an_open_case_of_a_0005_ledger_gets_its_deadline_reckoned_with_the_estimated_holidays(
    empty_location: str | Path,
) -> None:
    """The previous program counted 2027 by weekends only: 15 日 from 17 December 2026 ended on 元旦."""
    _old_ledger(empty_location, "0005")
    engine = create_engine(_url(empty_location))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE cases SET received_at = :at, decide_due_on = :due, due_on = :due WHERE id = 1"),
            {"at": datetime(2026, 12, 17, 9, 0), "due": date(2027, 1, 1)},
        )
    engine.dispose()
    ledger = Ledger.open(empty_location)
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


def test_a_ledger_from_a_newer_program_is_refused(empty_location: str | Path) -> None:
    Ledger.open(empty_location, create=True).close()
    engine = create_engine(_url(empty_location))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(LedgerFileError, match="更新版本的程序"):
        Ledger.open(empty_location)


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


def _digest_storage(location: str | Path) -> set[tuple[str, str, int]]:
    """How a file ledger stores its chain's digests: (column, type, length) of every sealed row."""
    with create_engine(_url(location)).connect() as conn:
        return {
            tuple(row)
            for table in ("case_events", "audit_log")
            for column in ("chain_prev", "chain_hash")
            for row in conn.execute(
                text(
                    f"SELECT DISTINCT '{column}', typeof({column}), length({column}) FROM {table} WHERE chain_seq"
                )
            )
        }


def test_a_file_ledger_keeps_its_chain_digests_as_bytes_after_the_upgrade(tmp_path: Path) -> None:
    """The digests of an older file (hex text) become 32 bytes; the chain still verifies and goes on."""
    location = tmp_path / "old.sqlite"
    _old_ledger(location, "0010")
    engine = create_engine(_url(location))
    with engine.begin() as conn:  # as the program of 0010 stored them: 64 hex characters
        conn.execute(text("DROP TRIGGER IF EXISTS case_events_no_update"))
        for column in ("chain_prev", "chain_hash"):
            stored = conn.execute(text(f"SELECT case_id, seq, {column} FROM case_events")).all()
            for case_id, seq, value in stored:
                hex_text = value.hex() if isinstance(value, bytes) else value
                conn.execute(
                    text(f"UPDATE case_events SET {column} = :v WHERE case_id = :c AND seq = :s"),
                    {"v": hex_text, "c": case_id, "s": seq},
                )
        conn.execute(
            text(
                "CREATE TABLE scratch AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < 20000) SELECT i, printf('%0200d', i) AS filler FROM n"
            )
        )
        conn.execute(text("DROP TABLE scratch"))  # pages an older program left free
    engine.dispose()
    assert _digest_storage(location) == {("chain_prev", "text", 64), ("chain_hash", "text", 64)}
    size = location.stat().st_size

    ledger = Ledger.open(location)
    assert location.stat().st_size < size / 4  # the upgrade gives the freed room back
    # 32 bytes each; the previous digest is the row before's own (0014), not stored again
    assert _digest_storage(location) == {("chain_prev", "null", None), ("chain_hash", "blob", 32)}
    with ledger.session() as s:
        assert verify_ledger(s.connection()) == []
        case = s.scalars(select(Case)).one()
        Workflow(s, "主任").accept(case)
    with ledger.session() as s:
        assert verify_ledger(s.connection()) == []
        digests = s.scalars(select(CaseEvent.chain_hash).order_by(CaseEvent.seq)).all()
        assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests)  # hex in the program
        assert digests[-1] == chain.last_hash(s.connection())
        with pytest.raises(Exception, match="历史记录不可修改"):  # the guard is back
            s.execute(text("UPDATE case_events SET note = 'x' WHERE seq = 1"))
    ledger.close()

    config = db.alembic_config()  # and back, as the older program reads them
    with create_engine(_url(location)).begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
    assert _digest_storage(location) == {("chain_prev", "text", 64), ("chain_hash", "text", 64)}


def test_an_upgraded_ledger_has_the_indexes_of_a_new_one(tmp_path: Path) -> None:
    """Counting a channel's cases (the 台账's 来访 filter) reads an index in old ledgers as in new ones."""
    old = tmp_path / "old.sqlite"
    _old_ledger(old, "0010")
    Ledger.open(old).close()
    create_ledger(tmp_path / "new.sqlite", "JWC", "教务处").close()
    new = tmp_path / "new.sqlite"

    def indexes(location: Path) -> set[tuple[str, tuple[str, ...]]]:
        found = inspect(create_engine(_url(location))).get_indexes("cases")
        return {(index["name"], tuple(index["column_names"])) for index in found}

    assert ("ix_cases_channel", ("channel",)) in indexes(new)
    assert indexes(old) == indexes(new)


_CASE_UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _stored_history(location: Path) -> dict[str, list[tuple[object, ...]]]:
    """The rows of a file ledger as stored: events, audit entries, and the cases' UUIDs and deadline bases."""
    with create_engine(_url(location)).connect() as conn:
        return {
            "case_events": [
                tuple(r)
                for r in conn.exec_driver_sql(
                    "SELECT case_id, seq, at, recorded_at, note, data, chain_seq, chain_prev, chain_hash "
                    "FROM case_events ORDER BY case_id, seq"
                )
            ],
            "audit_log": [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM audit_log ORDER BY id")],
            "cases": [
                (r[0], r[1], json.loads(r[2]) if r[2] else None)
                for r in conn.exec_driver_sql("SELECT id, uuid, deadline_basis FROM cases ORDER BY id")
            ],
        }


def test_an_upgraded_file_keeps_every_step_to_the_microsecond_and_still_names_a_changed_one(
    tmp_path: Path,
) -> None:
    """0014 keeps a file's history smaller; every step reads back as it was, the chain still verifies,
    a step changed around the program is still named, and going back gives the very same rows."""
    location = tmp_path / "old.sqlite"
    _old_ledger(location, "0013")
    basis = {
        "decide": {
            "start": "2025-03-03",
            "days": 15,
            "kind": "calendar",
            "extensions": [],
            "estimated": False,
        }
    }
    engine = create_engine(_url(location))
    with engine.begin() as conn:  # a second step as the program of 0013 wrote it: times to the microsecond
        conn.execute(text("DROP TRIGGER IF EXISTS case_events_no_update"))
        conn.execute(
            text(
                "INSERT INTO case_events (case_id, seq, kind, actor, at, recorded_at, note, data) VALUES "
                "(1, 2, 'accept', '主任', '2025-03-04 10:11:12.345678', '2025-03-04 10:11:13.000001', "
                "'受理', '{\"late\": false}')"
            )
        )
        conn.execute(
            text(
                "UPDATE cases SET revision = 2, status = 'accepted', handle_due_on = '2025-05-03', uuid = :u, "
                "deadline_basis = :b WHERE id = 1"
            ),
            {"u": _CASE_UUID, "b": json.dumps(basis)},
        )
        chain.seal(conn, everything_unsealed=True)
        _store_previous_digests(conn)
    engine.dispose()
    before = _stored_history(location)

    ledger = Ledger.open(location)
    with ledger.reading() as s:
        assert verify_ledger(s.connection()) == []
        case = s.scalars(select(Case).where(Case.uuid == _CASE_UUID)).one()
        assert case.deadline_basis == basis
        assert [(e.at, e.recorded_at) for e in case.events] == [
            (datetime(2025, 3, 3, 9, 0), datetime(2025, 3, 3, 9, 0)),
            (datetime(2025, 3, 4, 10, 11, 12, 345678), datetime(2025, 3, 4, 10, 11, 13, 1)),
        ]
    with ledger.session() as s:  # the history goes on
        Workflow(s, "主任").assign(s.get(Case, 1), department="教务处", opinion="请核实")
    with ledger.reading() as s:
        assert verify_ledger(s.connection()) == []
    ledger.close()
    with create_engine(_url(location)).connect() as conn:  # and it is kept in fewer bytes
        assert conn.exec_driver_sql(
            "SELECT DISTINCT typeof(at), typeof(chain_prev) FROM case_events"
        ).all() == [("integer", "null")]
        assert conn.exec_driver_sql("SELECT typeof(uuid) FROM cases").scalar() == "blob"

    copy = tmp_path / "changed.sqlite"
    copy.write_bytes(location.read_bytes())
    engines.write_around_the_program(
        copy, "UPDATE case_events SET note = '不予受理' WHERE case_id = 1 AND seq = 2"
    )
    changed = Ledger.open(copy)
    with changed.reading() as s:
        found = [f.line() for f in verify_ledger(s.connection())]
    changed.close()
    assert found == ["案件 JWC-2025-0001：第 2 步（受理）的内容在记录后被修改（哈希不符）。"]

    config = db.alembic_config()  # back to 0013: the rows as that program stored them
    with create_engine(_url(location)).begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0013")
    after = _stored_history(location)
    assert after["case_events"][:2] == before["case_events"] and after["cases"] == before["cases"]
    assert after["audit_log"][: len(before["audit_log"])] == before["audit_log"]
    assert len(after["case_events"]) == 3 and isinstance(after["case_events"][2][2], str)


def test_an_upgrade_at_opening_reports_its_stages_in_order(empty_location: str | Path) -> None:
    _old_ledger(empty_location, previous_revision())
    stages: list[str] = []
    seen: list[db.PendingUpgrade] = []

    def watched(pending: db.PendingUpgrade) -> None:
        seen.append(pending)
        pending.run(lambda stage, _done, _total: stages.append(stage) if stage not in stages else None)

    ledger = Ledger.open(empty_location, upgrade_with=watched)
    ledger.close()
    (pending,) = seen
    assert (pending.current, pending.steps) == (previous_revision(), [db.head_revision()])
    assert stages == list(pending.stages)
    assert stages == (["备份", "升级", "整理"] if ledger.path is not None else ["升级"])
    assert revision_and_cases(empty_location) == (db.head_revision(), ["JWC-2025-0001"])


@pytest.mark.parametrize("revision", ["0001", previous_revision()])
def test_a_cancelled_upgrade_leaves_the_ledger_as_it_was(
    empty_location: str | Path, tmp_path: Path, revision: str
) -> None:
    """Cancelled before its commit, the upgrade leaves the ledger untouched (its very bytes, for a file)
    and no copy behind; the next opening upgrades it."""
    _old_ledger(empty_location, revision)
    before = revision_and_cases(empty_location)
    stored = b""
    if isinstance(empty_location, Path):  # in WAL mode, as the program keeps a ledger file
        with closing(sqlite3.connect(empty_location)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        stored = empty_location.read_bytes()
    asked: list[str] = []

    def cancelled_midway(pending: db.PendingUpgrade) -> None:
        stage, done = "", 0

        def report(now: str, steps_done: int, _total: int) -> None:
            nonlocal stage, done
            stage, done = now, steps_done

        def cancelled() -> bool:  # the user cancels once a migration has run (in the transaction)
            asked.append(stage)
            return stage == "升级" and done >= 1

        pending.run(report, cancelled)

    with pytest.raises(UpgradeCancelled, match="已取消升级"):
        Ledger.open(empty_location, upgrade_with=cancelled_midway)
    assert "升级" in asked
    assert revision_and_cases(empty_location) == before
    if isinstance(empty_location, Path):
        assert empty_location.read_bytes() == stored
        assert list(tmp_path.glob("*.before-upgrade-*")) == []
    Ledger.open(empty_location).close()
    assert revision_and_cases(empty_location) == (db.head_revision(), before[1])
