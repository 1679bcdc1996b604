"""The storage backend of a ledger, chosen once by the engine's dialect when the ledger opens.

``backend_for(engine)`` gives the ``StorageBackend`` that owns everything a database does its own
way: engine configuration, beginning a write, full-text filtering, bulk loading and the bulk row
writer, the online backup and the integrity check.  SQLite has its own (``SqliteBackend``); any
other database gets the generic one (plain SQL); PostgreSQL has its own (``PostgresBackend``).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from xinfang_desk.ledger.storage.base import WRITE_OPTION, RowWriter, StorageBackend, index_texts
from xinfang_desk.ledger.storage.postgresql import PostgresBackend
from xinfang_desk.ledger.storage.sqlite import SqliteBackend

__all__ = [
    "WRITE_OPTION",
    "PostgresBackend",
    "RowWriter",
    "SqliteBackend",
    "StorageBackend",
    "backend_for",
    "index_texts",
]

#: Backends by SQLAlchemy dialect name; any other dialect gets the generic ``StorageBackend``.
_BACKENDS: dict[str, type[StorageBackend]] = {"sqlite": SqliteBackend, "postgresql": PostgresBackend}


def backend_for(bind: Engine | Connection) -> StorageBackend:
    """The backend of the database behind ``bind`` (an engine, or a session's connection or bind)."""
    return _BACKENDS.get(bind.dialect.name, StorageBackend)()
