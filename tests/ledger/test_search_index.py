"""The full-text indexes keep no copy of the text, follow every correction, and survive an upgrade."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.engines import sqlite_only
from tests.helpers import Clock, register
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case, Petitioner
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

INDEXES = ("case_fts", "case_fts_short")
#: SQLite's FTS5 indexes (a server ledger searches with its own trigram indexes: tests/ledger/test_search.py)
pytestmark = sqlite_only


def _index_is_sound(ledger: Ledger) -> None:
    """FTS5's own check of each index against the text it reads from the cases."""
    with ledger.engine.begin() as conn:
        for table in INDEXES:
            conn.execute(text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"))


def test_the_file_holds_no_second_copy_of_the_case_text(ledger: Ledger) -> None:
    with ledger.engine.connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
    assert {"case_fts_data", "case_fts_short_data"} <= tables
    assert not {"case_fts_content", "case_fts_short_content"} & tables


def test_corrections_and_renames_are_found_by_the_new_words_only(ledger: Ledger) -> None:
    clock = Clock(datetime(2025, 11, 3, 9, 0))
    with ledger.session() as s:
        case = register(s, clock, summary="北区浴室热水器损坏", petitioner=PetitionerInput(name="李雷"))
        other = register(s, clock, summary="图书馆空调太冷", petitioner=PetitionerInput(name="韩梅梅"))
        case_id, other_id = case.id, other.id
    with ledger.session() as s:
        Workflow(s, "主任", clock=clock).correct(
            s.get(Case, case_id), "summary", "北区浴室水压太小", "登记有误"
        )
        s.get(Petitioner, s.get(Case, other_id).petitioner_id).name = "韩梅"
    with ledger.session() as s:
        assert case_ids(s, CaseFilter(text="热水器")) == []
        assert case_ids(s, CaseFilter(text="热")) == []
        assert case_ids(s, CaseFilter(text="水压太小")) == [case_id]
        assert case_ids(s, CaseFilter(text="水压")) == [case_id]
        assert case_ids(s, CaseFilter(text="韩梅梅")) == []
        assert case_ids(s, CaseFilter(text="韩梅")) == [other_id]
        assert case_ids(s, CaseFilter(text="空调")) == [other_id]
    _index_is_sound(ledger)


def test_a_case_changed_during_a_bulk_load_is_indexed_once_with_its_last_text(ledger: Ledger) -> None:
    clock = Clock(datetime(2025, 11, 3, 9, 0))
    with ledger.backend.bulk_loading(ledger.engine):
        with ledger.session() as s:
            case = register(s, clock, summary="操场照明不足", petitioner=PetitionerInput(name="张三"))
            case_id = case.id
        with ledger.session() as s:  # a later revision of the same case in the same load
            Workflow(s, "主任", clock=clock).correct(s.get(Case, case_id), "summary", "操场跑道破损", "更正")
            s.get(Petitioner, s.get(Case, case_id).petitioner_id).name = "张三丰"
    with ledger.session() as s:
        assert case_ids(s, CaseFilter(text="跑道破损 张三丰")) == [case_id]
        assert case_ids(s, CaseFilter(text="照明")) == []
    _index_is_sound(ledger)


def test_a_ledger_indexed_with_copies_is_converted_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "copies.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    ledger = Ledger.open(path)
    with ledger.session() as s:
        case_id = register(s, Clock(datetime(2025, 3, 3, 9, 0)), summary="食堂窗口排队过长").id
    ledger.close()
    # the schema of 0008: indexes with their own copy of each case's text, a second status index
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for statement in (
            "DROP TRIGGER cases_fts_ai",
            "DROP TRIGGER cases_fts_bu",
            "DROP TRIGGER cases_fts_au",
            "DROP TRIGGER petitioners_fts_bu",
            "DROP TRIGGER petitioners_fts_au",
            "DROP TABLE case_fts",
            "DROP TABLE case_fts_short",
            "CREATE VIRTUAL TABLE case_fts USING fts5(body, tokenize='trigram')",
            "CREATE VIRTUAL TABLE case_fts_short USING fts5(body, tokenize='unicode61 remove_diacritics 0')",
            "INSERT INTO case_fts(rowid, body) SELECT id, summary FROM cases",
            "CREATE INDEX ix_cases_status ON cases (status)",
            "DROP TABLE merged_events",  # added by 0010, after the schema simulated here
            "DROP INDEX ix_cases_figures",  # added by 0011
            "DROP INDEX ix_cases_channel",  # added by 0013
            "UPDATE alembic_version SET version_num = '0008'",
        ):
            conn.execute(text(statement))
    engine.dispose()

    ledger = Ledger.open(path)
    with ledger.engine.connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
    assert "case_fts_content" not in tables
    assert "ix_cases_status" not in tables
    with ledger.session() as s:
        assert case_ids(s, CaseFilter(text="窗口排队")) == [case_id]
        assert case_ids(s, CaseFilter(text="窗口")) == [case_id]
    _index_is_sound(ledger)
    ledger.close()
