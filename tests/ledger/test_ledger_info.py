"""The ledger's facts through the table: stored once per key, read back in the same transaction, and
whether a ledger needs signing in (emptying the users table is refused: ``tests/commands/test_cli_trust``)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from xinfang_desk.ledger import ledger_info, tables
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.users import create_first_administrator

#: any text a fact may hold (no NUL: SQLite's text stops there)
FACT_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=FACT_TEXT, second=FACT_TEXT)
def test_a_stored_fact_is_read_back_at_once_and_a_second_store_replaces_it(
    ledger: Ledger, first: str, second: str
) -> None:
    with ledger.session() as session:
        ledger_info.store(session, "note_for_test", first)
        assert ledger_info.read(session, "note_for_test") == {"note_for_test": first}
        ledger_info.store(session, "note_for_test", second)
    with ledger.reading() as session:
        assert ledger_info.read(session, "note_for_test") == {"note_for_test": second}
        table = tables.ledger_info
        rows = session.scalar(select(func.count()).where(table.c.key == "note_for_test"))
        assert rows == 1, "one row per fact, however often it is stored"


def test_reading_names_only_the_facts_asked_for_and_leaves_out_absent_ones(ledger: Ledger) -> None:
    with ledger.reading() as session:
        assert ledger_info.read(session, "unit_code", "no_such_fact") == {"unit_code": "JWC"}
        every = ledger_info.read(session)
    assert every["unit_name"] == "教务处" and not ledger_info.is_office(every)
    assert not ledger_info.is_demo(every)


def test_a_ledger_needs_signing_in_once_it_has_an_administrator(ledger: Ledger) -> None:
    assert not ledger_info.has_users(ledger)
    create_first_administrator(ledger, "张主任", "correct-horse-9")
    assert ledger_info.has_users(ledger)
    with ledger.reading() as session:  # kept even if another program empties the users table
        assert ledger_info.read(session, ledger_info.USERS_ENABLED_KEY) == {
            ledger_info.USERS_ENABLED_KEY: "1"
        }


def test_a_new_ledger_file_made_for_the_office_says_so(tmp_path: Path) -> None:
    from xinfang_desk.ledger.reference import create_ledger

    made = create_ledger(tmp_path / "office.sqlite", "XFB", "信访与督办室", office=True)
    try:
        with made.reading() as session:
            assert ledger_info.office_ledger(session)
    finally:
        made.close()
