"""The storage backend chosen when a ledger opens: SQLite's own, or plain SQL on any other database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, create_mock_engine, select, text
from sqlalchemy.exc import DBAPIError

from tests.engines import on_postgresql, sqlite_only
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import UpgradeCancelled
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.storage import (
    PostgresBackend,
    SqliteBackend,
    StorageBackend,
    backend_for,
    backend_of,
    file_backend,
    file_url,
)


def test_a_ledger_gets_the_backend_of_its_database_once(ledger: Ledger) -> None:
    expected = PostgresBackend if on_postgresql() else SqliteBackend
    assert type(ledger.backend) is expected
    assert type(backend_for(create_mock_engine("sqlite://", lambda *_: None))) is SqliteBackend
    assert type(backend_for(create_mock_engine("postgresql://", lambda *_: None))) is PostgresBackend
    assert type(backend_for(create_mock_engine("mysql://", lambda *_: None))) is StorageBackend


@pytest.mark.parametrize(
    "backend",
    [StorageBackend(), PostgresBackend() if on_postgresql() else SqliteBackend()],
    ids=["generic", "the-ledgers-own"],
)
def test_percent_and_underscore_in_a_search_match_only_themselves(
    ledger: Ledger, register_case, backend: StorageBackend
) -> None:
    wanted = register_case(summary="满意度100%的答复")
    register_case(summary="满意度1000分的答复")
    underscored = register_case(summary="文件名a_b.pdf丢失")
    register_case(summary="文件名axb.pdf丢失")
    with ledger.reading() as s:

        def found(*words: str) -> set[int]:
            return set(s.scalars(select(Case.id).where(backend.text_filter(list(words)))))

        assert found("0%") == {wanted}
        assert found("a_b") == {underscored}
        assert found("%") == {wanted}
        assert found("_") == {underscored}
        assert found("\\") == set()


def test_search_goes_through_the_ledgers_backend(ledger: Ledger, register_case) -> None:
    wanted = register_case(summary="100%满意")
    register_case(summary="1000满意")
    with ledger.reading() as s:
        assert case_ids(s, CaseFilter(text="0%")) == [wanted]


def test_every_session_of_a_ledger_uses_the_backend_chosen_when_it_opened(
    ledger: Ledger, register_case, monkeypatch: pytest.MonkeyPatch
) -> None:
    wanted = register_case(summary="热水器坏了")
    register_case(summary="空调坏了")
    seen: list[list[str]] = []
    chosen = ledger.backend
    original = chosen.text_filter

    def noted(words: Sequence[str], *args: Any, **kwargs: Any) -> Any:
        seen.append(list(words))
        return original(words, *args, **kwargs)

    monkeypatch.setattr(chosen, "text_filter", noted)  # this backend object only
    with ledger.reading() as reading, ledger.session() as writing:
        assert backend_of(reading) is backend_of(writing) is chosen
        assert case_ids(reading, CaseFilter(text="热水器")) == [wanted]
    with ledger.operation(Actor("接待员")) as ctx:
        assert backend_of(ctx.session) is chosen
    assert seen and all(words == ["热水器"] for words in seen)


def test_a_ledger_file_is_a_sqlite_database(tmp_path: Path) -> None:
    engine = create_engine(file_url(tmp_path / "台账.sqlite"))
    assert engine.dialect.name == "sqlite" and type(file_backend()) is SqliteBackend
    engine.dispose()


@sqlite_only
def test_a_long_statement_stops_soon_after_it_is_told_to_and_its_transaction_is_rolled_back(
    ledger: Ledger, register_case
) -> None:
    register_case(summary="升级前的案件")
    asked = 0

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return asked > 3

    long_count = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    )
    with pytest.raises(DBAPIError, match="interrupted"), ledger.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET summary = '改了一半'"))
        with ledger.backend.stoppable(conn, stop):
            conn.execute(long_count)  # endless, but for ``stop``
    with ledger.reading() as s:
        assert s.scalars(select(Case.summary)).all() == ["升级前的案件"]


@sqlite_only
def test_a_ledger_files_copy_reports_how_far_it_is_and_can_be_stopped(
    ledger: Ledger, register_case, tmp_path: Path
) -> None:
    register_case(summary="要备份的案件")
    seen: list[tuple[int, int]] = []
    ledger.backend.backup(
        ledger.engine, tmp_path / "copy.sqlite", lambda done, total: seen.append((done, total))
    )
    assert seen[-1][0] == seen[-1][1] > 0
    copy = Ledger.open(tmp_path / "copy.sqlite")
    assert copy.problems() == []
    copy.close()

    def refuse(_done: int, _total: int) -> None:
        raise UpgradeCancelled("已取消")

    with pytest.raises(UpgradeCancelled):
        ledger.backend.backup(ledger.engine, tmp_path / "stopped.sqlite", refuse)
