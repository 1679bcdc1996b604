"""The storage backend of a ledger, chosen once by the engine's dialect when the ledger opens.

``backend_for(engine)`` gives the ``StorageBackend`` that owns everything a database does its own
way: engine configuration, beginning a write, full-text filtering, bulk loading and the bulk row
writer, the online backup and the integrity check.  SQLite has its own (``SqliteBackend``); any
other database gets the generic one (plain SQL); PostgreSQL has its own (``PostgresBackend``).

Only opening a ledger (``ledger.db``) calls ``backend_for``.  Every session of the ledger carries the
backend chosen then (``backend_of(session)``), and a ledger file that is not open (a backup, a file
about to be replaced) has ``file_backend()``: a ledger kept in a file is a SQLite database
(``file_url``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from xinfang_desk.ledger.storage.base import (
    WRITE_OPTION,
    ChangeWatch,
    RowWriter,
    StorageBackend,
    index_texts,
)
from xinfang_desk.ledger.storage.postgresql import PostgresBackend
from xinfang_desk.ledger.storage.sqlite import SqliteBackend

__all__ = [
    "BACKEND_KEY",
    "ChangeWatch",
    "WRITE_OPTION",
    "PostgresBackend",
    "RowWriter",
    "SqliteBackend",
    "StorageBackend",
    "backend_for",
    "backend_of",
    "file_backend",
    "file_url",
    "index_texts",
]

#: Backends by SQLAlchemy dialect name; any other dialect gets the generic ``StorageBackend``.
_BACKENDS: dict[str, type[StorageBackend]] = {b.name: b for b in (SqliteBackend, PostgresBackend)}


#: The dialect of a ledger kept in a file (not a server's database).
FILE_DIALECT = SqliteBackend.name
#: The key of ``Session.info`` under which a ledger's sessions carry its backend.
BACKEND_KEY = "storage_backend"


def backend_for(bind: Engine | Connection) -> StorageBackend:
    """The backend of the database behind ``bind``: chosen once, when the ledger opens."""
    return _backend_named(bind.dialect.name)


def backend_of(session: Session) -> StorageBackend:
    """The backend of the ledger ``session`` belongs to (the one its ledger chose when it opened)."""
    return session.info[BACKEND_KEY]


def file_url(path: Path) -> str:
    """The database URL of the ledger file at ``path``."""
    return f"{FILE_DIALECT}:///{path}"


def file_backend() -> StorageBackend:
    """The backend of a ledger file that is not open (a backup, a ledger about to be replaced)."""
    return _backend_named(FILE_DIALECT)


def _backend_named(dialect: str) -> StorageBackend:
    return _BACKENDS.get(dialect, StorageBackend)()
