"""The ledger's facts (table ``ledger_info``): the keys of its yes/no facts, how they are stored, reading
facts through the table alone, and whether the ledger has users (so needs signing in).

Start-up reads its facts this way: an ORM query would need the ORM classes declared and every mapper
configured first, two tenths of a second the window's first rows need not wait for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import tables

if TYPE_CHECKING:
    from xinfang_desk.ledger.db import Ledger

#: The key whose value "1" marks the office's (信访与督办室) merged ledger.
OFFICE_KEY = "office"
#: marks a ledger made by ``demo``: opened without signing in, and only such a file may be replaced
DEMO_KEY = "demo"

#: ``ledger_info`` key set when the first administrator is created: from then on the ledger needs sign-in,
#: even if someone empties the users table with another program.
USERS_ENABLED_KEY = "users_enabled"


def flag_value(on: bool) -> str:
    """How a yes/no fact (``office``, ``demo``) is stored."""
    return "1" if on else "0"


def is_office(info: Mapping[str, str]) -> bool:
    """Whether the ledger whose facts are ``info`` is the office's."""
    return info.get(OFFICE_KEY) == flag_value(True)


def is_demo(info: Mapping[str, str]) -> bool:
    """Whether the ledger whose facts are ``info`` is a demo ledger."""
    return info.get(DEMO_KEY) == flag_value(True)


def read(session: Session, *keys: str) -> dict[str, str]:
    """The facts stored under ``keys`` (absent ones left out; every fact when none is named)."""
    table = tables.ledger_info
    query = select(table.c.key, table.c.value)
    if keys:
        query = query.where(table.c.key.in_(keys))
    return {key: value for key, value in session.execute(query)}


def store(session: Session, key: str, value: str) -> None:
    """Set the fact ``key`` to ``value`` (added if the ledger has none yet), in the session's transaction."""
    tables.set_value(session, tables.ledger_info, key, value)


def office_ledger(session: Session) -> bool:
    """Whether the ledger ``session`` reads is the office's (one key read, not every fact)."""
    return is_office(read(session, OFFICE_KEY))


def ledger_has_users(session: Session) -> bool:
    """True once the ledger has had an administrator (every operation then needs a signed-in user).

    Asked before the first window, so read through the tables.
    """
    if session.scalar(select(tables.users.c.id).limit(1)) is not None:
        return True
    return read(session, USERS_ENABLED_KEY).get(USERS_ENABLED_KEY) == "1"


def has_users(ledger: Ledger) -> bool:
    """``ledger_has_users`` of an open ledger, read before anyone has signed in (a reading session)."""
    with ledger.reading() as session:
        return ledger_has_users(session)
