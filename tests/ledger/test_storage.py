"""The storage backend chosen when a ledger opens: SQLite's own, or plain SQL on any other database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, create_mock_engine, select

from tests.engines import on_postgresql
from xinfang_desk.ledger.db import Ledger
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
