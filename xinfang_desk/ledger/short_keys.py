"""A JSON column whose known keys a ledger file keeps as one letter each (``ShortKeysJSON``).

A case's deadline basis (``Case.deadline_basis``) repeats the same nine key names in every case:
about 100 of its 210 bytes.  The program always sees the full names; a server keeps them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import JSON, Dialect
from sqlalchemy.types import TypeDecorator

from xinfang_desk.ledger.chain import COMPACT_HISTORY

#: The keys of a deadline basis (``ledger.deadlines``) and the letter a ledger file keeps for each.
#: A letter is never a key of its own: reading maps only these letters back.
BASIS_KEYS: dict[str, str] = {
    "decide": "d",
    "objection": "o",
    "handle": "h",
    "start": "s",
    "days": "n",
    "kind": "k",
    "extensions": "x",
    "estimated": "e",
    "given": "g",
}
_FULL = {short: full for full, short in BASIS_KEYS.items()}


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    """``value`` with the keys of every dict in it renamed by ``names`` (other keys as they are)."""
    if isinstance(value, dict):
        return {names.get(key, key): _renamed(item, names) for key, item in value.items()}
    return value


def shortened(value: Any) -> Any:
    """A deadline basis as a ledger file keeps it."""
    return _renamed(value, BASIS_KEYS)


def lengthened(value: Any) -> Any:
    """A deadline basis as a ledger file keeps it, with its full key names again (full ones stay)."""
    return _renamed(value, _FULL)


class ShortKeysJSON(TypeDecorator[Any]):
    """JSON with the deadline basis's keys one letter long in a ledger file (``BASIS_KEYS``)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return shortened(value) if dialect.name in COMPACT_HISTORY else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return lengthened(value)
