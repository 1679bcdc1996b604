"""Everything SQLite-only lives here: pragmas, the FTS5 trigram index, append-only triggers, backups.

The rest of the ledger is dialect-neutral SQLAlchemy; callers ask ``is_sqlite`` and fall back to plain
SQL on other databases (PostgreSQL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Integer, column, event, text
from sqlalchemy.sql.elements import ColumnElement

SQLITE_HEADER = b"SQLite format 3\x00"

_FTS_BODY = (
    "new.case_no || ' ' || new.summary || ' ' || new.content || ' ' || "
    "coalesce((SELECT name FROM petitioners WHERE id = new.petitioner_id), '')"
)

_FTS_INSERT_TRIGGER = f"""CREATE TRIGGER IF NOT EXISTS cases_fts_ai AFTER INSERT ON cases BEGIN
        INSERT INTO case_fts(rowid, body) VALUES (new.id, {_FTS_BODY});
    END"""
_FTS_INDEX_MISSING = (
    "INSERT INTO case_fts(rowid, body) SELECT c.id, c.case_no || ' ' || c.summary || ' ' || "
    "c.content || ' ' || coalesce(p.name, '') FROM cases c "
    "LEFT JOIN petitioners p ON p.id = c.petitioner_id WHERE c.id > :after"
)
_FTS_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_fts USING fts5(body, tokenize='trigram')",
    _FTS_INSERT_TRIGGER,
    f"""CREATE TRIGGER IF NOT EXISTS cases_fts_au
        AFTER UPDATE OF case_no, summary, content, petitioner_id ON cases BEGIN
        DELETE FROM case_fts WHERE rowid = old.id;
        INSERT INTO case_fts(rowid, body) VALUES (new.id, {_FTS_BODY});
    END""",
    """CREATE TRIGGER IF NOT EXISTS petitioners_fts_au AFTER UPDATE OF name ON petitioners BEGIN
        DELETE FROM case_fts WHERE rowid IN (SELECT id FROM cases WHERE petitioner_id = new.id);
        INSERT INTO case_fts(rowid, body)
            SELECT c.id, c.case_no || ' ' || c.summary || ' ' || c.content || ' ' || new.name
            FROM cases c WHERE c.petitioner_id = new.id;
    END""",
]

_GUARD_DDL = [
    """CREATE TRIGGER IF NOT EXISTS case_events_no_update BEFORE UPDATE ON case_events BEGIN
        SELECT RAISE(ABORT, '历史记录不可修改');
    END""",
    """CREATE TRIGGER IF NOT EXISTS case_events_no_delete BEFORE DELETE ON case_events BEGIN
        SELECT RAISE(ABORT, '历史记录不可删除');
    END""",
    """CREATE TRIGGER IF NOT EXISTS cases_no_delete BEFORE DELETE ON cases BEGIN
        SELECT RAISE(ABORT, '案件不可删除');
    END""",
]


def is_sqlite(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "sqlite"


def looks_like_sqlite_file(path: Path) -> bool:
    """True when the file starts with SQLite's header (an empty file is not a ledger either)."""
    try:
        with path.open("rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


def configure_engine(engine: Engine) -> None:
    """Durable settings on every new connection: WAL, foreign keys, synchronous=FULL, a busy timeout."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def install_speedups(connection: Connection) -> None:
    """Create the full-text index and the append-only triggers if missing; index unindexed cases.

    Cases are indexed when the index is new, or when a bulk load was interrupted before it could
    index what it had committed (its insert trigger is then missing).
    """
    trigger_existed = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='trigger' AND name='cases_fts_ai'")
    ).first()
    for ddl in _FTS_DDL + _GUARD_DDL:
        connection.execute(text(ddl))
    if not trigger_existed:
        indexed = connection.execute(text("SELECT coalesce(max(rowid), 0) FROM case_fts")).scalar_one()
        connection.execute(text(_FTS_INDEX_MISSING), {"after": indexed})


@contextmanager
def bulk_loading(engine: Engine) -> Iterator[None]:
    """Many new cases at once: index them in one pass at the end instead of row by row."""
    if not is_sqlite(engine):
        yield
        return
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS cases_fts_ai"))
        indexed = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM case_fts")).scalar_one()
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text(_FTS_INDEX_MISSING), {"after": indexed})
            conn.execute(text(_FTS_INSERT_TRIGGER))


def fulltext_filter(id_column: ColumnElement[int], words: list[str]) -> ColumnElement[bool]:
    """A condition on a case id column: the case's indexed text contains every word (any length).

    Words of three or more characters use the trigram index (MATCH); shorter ones a LIKE over the
    indexed text, which FTS5 answers from its own table.
    """
    clauses: list[str] = []
    params: dict[str, str] = {}
    for i, word in enumerate(words):
        key = f"fts_{i}"
        if len(word) >= 3:
            clauses.append(f"case_fts MATCH :{key}")
            params[key] = '"' + word.replace('"', '""') + '"'
        else:
            clauses.append(f"body LIKE :{key} ESCAPE '\\'")
            params[key] = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = "SELECT rowid FROM case_fts WHERE " + " AND ".join(clauses)
    return id_column.in_(text(sql).bindparams(**params).columns(column("rowid", Integer)))


def integrity_ok(path: Path) -> bool:
    """``PRAGMA integrity_check`` on a ledger file answers ``ok``."""
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def backup_file(path: Path, dest: Path) -> None:
    """A consistent copy of a ledger file (including what is still in its WAL) to ``dest``."""
    src = sqlite3.connect(path)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()
