"""Values a ledger file keeps smaller than a server does; the program always sees them the same.

- A time (an event's ``at`` and ``recorded_at``, a case's received, handled and changed times) is 26
  characters of text: a file keeps it as whole microseconds since 1970-01-01 (``CompactTime``), 8 bytes,
  naive as every time in a ledger is.
- A case's deadline basis (``Case.deadline_basis``) repeats the same nine key names in every case,
  about 100 of its 210 bytes: a file keeps each key as one letter (``ShortKeysJSON``).
- A UUID (a case's or a petitioner's) is 36 characters of text: a file keeps its 16 bytes
  (``CompactUuid``), in the table and again in the index that keeps it unique.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Integer, String
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Databases that keep these values smaller: a ledger file, where every byte of a case counts.
COMPACT_FILES = frozenset({"sqlite"})
#: How a file ledger stored a time as text (SQLAlchemy's SQLite format): a server's are hashed so too.
STORED_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
_EPOCH = datetime(1970, 1, 1)
_ONE_MICROSECOND = timedelta(microseconds=1)
#: ``STORED_DATETIME`` exactly (zero-padded year), the only text turned into microseconds.
_STORED_TEXT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}")


def time_text(value: datetime) -> str:
    """A time in ``STORED_DATETIME`` form, the year zero-padded as SQLAlchemy writes it in a file."""
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}"
    )


def micro_time(value: int) -> datetime:
    """The time ``value`` microseconds after 1970-01-01 (how a ledger file keeps a time)."""
    return _EPOCH + value * _ONE_MICROSECOND


def time_micro(value: datetime) -> int:
    """``value`` (its fields as written, a zone ignored as a file ledger always did) as microseconds."""
    return (value.replace(tzinfo=None) - _EPOCH) // _ONE_MICROSECOND


def stored_time_text(stored: Any) -> Any:
    """An event time as stored in a file (microseconds, or text an older program left) as hashed."""
    return time_text(micro_time(stored)) if isinstance(stored, int) else stored


def stored_time_micro(stored: Any) -> Any:
    """A stored ``STORED_DATETIME`` text as microseconds; any other value as it is (it then stays text)."""
    if isinstance(stored, str) and _STORED_TEXT.fullmatch(stored):
        try:
            micro = time_micro(datetime.strptime(stored, STORED_DATETIME))
        except ValueError:  # no such day (2025-02-30)
            return stored
        if time_text(micro_time(micro)) == stored:
            return micro
    return stored


class CompactTime(TypeDecorator[datetime]):
    """The column type of an event's and a case's times: 8 bytes in a ledger file instead of 26.

    A server keeps its own timestamp type.  Text an older program wrote that is not in the usual form
    stays text and is still read.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(Integer() if dialect.name in COMPACT_FILES else DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or dialect.name not in COMPACT_FILES:
            return value
        if not isinstance(value, datetime) and isinstance(value, date):  # a day: from its midnight
            value = datetime.combine(value, datetime.min.time())
        return time_micro(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if isinstance(value, int):
            return micro_time(value)
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        return value


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
        return shortened(value) if dialect.name in COMPACT_FILES else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return lengthened(value)


def uuid_bytes(value: str) -> str | bytes:
    """A UUID in its usual text form (lower case, with hyphens) as its 16 bytes; any other text as it is.

    Text in another form (an old test ledger's ``c-1``, a file's upper case) stays text, so it is still
    found by the same text.
    """
    if isinstance(value, str) and _UUID_TEXT.fullmatch(value):
        return bytes.fromhex(value.replace("-", ""))
    return value


#: A UUID's usual text form, the one ``str(uuid.UUID(…))`` gives (the only text kept as bytes).
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def uuid_text(stored: str | bytes) -> str:
    """A stored UUID (16 bytes, or text) in its text form."""
    return str(uuid.UUID(bytes=stored)) if isinstance(stored, bytes) else stored


class CompactUuid(TypeDecorator[str]):
    """The column type of a case's and a petitioner's ``uuid``: text in the program (``uuid_bytes``)."""

    impl = String(36)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | bytes | None:
        if value is None or dialect.name not in COMPACT_FILES:
            return value
        return uuid_bytes(value)

    def process_result_value(self, value: str | bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else uuid_text(value)
