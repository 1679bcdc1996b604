"""A ledger copied to a server and back (``migrate-to``): the same history, the same figures; the source only records the copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests import engines
from tests.helpers import draft
from xinfang_desk.cli import main
from xinfang_desk.ledger.audit import BACKUP_LEDGER
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.ledger.models import Attachment, AuditEntry, Case
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow, attachment_content


def _stats(location: str | Path, capsys) -> dict:
    assert main(["stats", "--year", "2026", "--json", "--db", str(location)]) == 0
    return json.loads(capsys.readouterr().out)


def test_round_trip_through_the_server_keeps_every_row_and_figure(tmp_path: Path, postgres, capsys) -> None:
    source = tmp_path / "unit.sqlite"
    assert main(["demo", "--db", str(source), "--cases", "300", "--seed", "5", "--today", "2026-11-25"]) == 0
    capsys.readouterr()
    scan = bytes(range(256)) * 40  # a scanned letter: every byte value
    opened = Ledger.open(source)
    with opened.session() as s:
        Workflow(s, "演示管理员").add_attachment(s.get(Case, 1), "来信扫描件.bin", scan)
    opened.close()
    middle: str | Path = engines.new_database(postgres) if postgres else tmp_path / "middle.sqlite"
    back = tmp_path / "back.sqlite"

    assert main(["migrate-to", str(middle), "--db", str(source)]) == 0
    assert "核对一致" in capsys.readouterr().out
    figures = _stats(source, capsys)
    assert figures["received"] > 0
    assert _stats(middle, capsys) == figures
    # the source gains only the record of each copy made of it (a whole, unmasked copy is audited)
    ledger = Ledger.open(source)
    with ledger.reading() as s:
        copies = s.scalars(select(AuditEntry.action).where(AuditEntry.action == BACKUP_LEDGER)).all()
    ledger.close()
    assert len(copies) == 1

    # new cases on the copy continue after the copied ids and numbers, and are sealed into its chain
    assert main(["case", "register", "--db", str(middle), "--json", str(_registration(tmp_path))]) == 0
    assert capsys.readouterr().out.strip().startswith("JWC-2026-")
    assert main(["migrate-to", str(back), "--db", str(middle)]) == 0
    assert "核对一致" in capsys.readouterr().out
    assert _stats(back, capsys) == _stats(middle, capsys) != figures
    for copy in (source, middle, back):  # the hash chain reads the same on either database
        assert main(["verify", "--db", str(copy)]) == 0, capsys.readouterr()
        assert "完整" in capsys.readouterr().out
    for copy in (middle, back):  # the attachment's bytes came along
        opened = Ledger.open(copy)
        with opened.reading() as s:
            attachment = s.scalars(select(Attachment)).one()
            assert attachment_content(s, attachment) == scan
        opened.close()


def test_a_target_that_already_holds_a_ledger_is_refused(
    tmp_path: Path, ledger_location, ledger: Ledger, capsys
) -> None:
    source = tmp_path / "unit.sqlite"
    assert main(["demo", "--db", str(source), "--cases", "20", "--seed", "5", "--today", "2026-11-25"]) == 0
    capsys.readouterr()
    assert main(["migrate-to", str(ledger_location), "--db", str(source)]) == 2
    assert "只能复制到空的数据库" in capsys.readouterr().err


def test_history_cannot_be_changed_behind_the_programs_back(ledger: Ledger, register_case) -> None:
    register_case()
    for statement in (
        "UPDATE case_events SET note = '改过'",
        "DELETE FROM case_events",
        "DELETE FROM cases",
    ):
        with pytest.raises(Exception) as refused, ledger.session() as s:
            s.execute(text(statement))
        assert isinstance(refused.value, LedgerError) or "不可" in str(refused.value)


def _registration(folder: Path) -> Path:
    path = folder / "r.json"
    path.write_text(
        json.dumps(
            {
                "category": "后勤服务类",
                "summary": "图书馆空调噪音",
                "received_at": "2026-11-20 10:00",
                "petitioner": {"name": "王昇"},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def test_history_stored_with_escaped_json_still_verifies_after_the_round_trip(
    tmp_path: Path, postgres, capsys
) -> None:
    # a ledger written when JSON was stored ASCII-only (汉字 as \uXXXX): its chain hashes that stored text
    source = tmp_path / "old.sqlite"
    old = create_ledger(source, "JWC", "教务处")
    old.engine.dialect._json_serializer = json.dumps
    with old.session() as s:
        case = Workflow(s, "接待员").register(draft(petitioner=PetitionerInput(name="张喆")))
        Workflow(s, "接待员").correct(case, "summary", "食堂饭菜价格", "摘要写错")
    old.close()
    escaped = _stored_event_data(source)
    assert "\\u98df" in escaped and "食" not in escaped
    middle: str | Path = engines.new_database(postgres) if postgres else tmp_path / "middle.sqlite"
    back = tmp_path / "back.sqlite"

    assert main(["migrate-to", str(middle), "--db", str(source)]) == 0
    assert main(["migrate-to", str(back), "--db", str(middle)]) == 0
    capsys.readouterr()
    for copy in (middle, back):
        assert main(["verify", "--db", str(copy)]) == 0, capsys.readouterr()
        assert "完整" in capsys.readouterr().out
    assert _stored_event_data(back) == escaped  # byte for byte, escapes and all


def _stored_event_data(location: Path) -> str:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(location)) as conn:
        return conn.execute("SELECT data FROM case_events WHERE seq = 2").fetchone()[0]
