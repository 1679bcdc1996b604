"""Everything SQLite-only lives here: pragmas, the FTS5 trigram index, append-only triggers, backups.

The rest of the ledger is dialect-neutral SQLAlchemy; callers ask ``is_sqlite`` and fall back to plain
SQL on other databases (PostgreSQL).
"""

from __future__ import annotations

import operator
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Table, column, event, func, insert, select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

SQLITE_HEADER = b"SQLite format 3\x00"

#: The text a case is found by: case number, summary, content and the petitioner's name.
_BODY = "{c}.case_no || ' ' || {c}.summary || ' ' || {c}.content || ' ' || {name}"

#: Two indexes, each reading its text from a view (FTS5 "external content"), so the file holds no
#: second copy of it: trigrams (FTS5's own tokenizer) for words of three or more characters, and the
#: one- and two-character grams of ``short_grams`` for the shorter words trigrams cannot find.  The
#: gram index keeps only which cases hold a gram (``detail=none``): its queries are single grams.
#: Neither keeps ranking data except the gram index's row sizes, which say which cases are indexed
#: (``_INDEXED``).  table: (view it reads, the view's body, tokenizer and options)
_INDEXES = {
    "case_fts": (
        "case_search_text",
        _BODY.format(c="c", name="coalesce(p.name, '')"),
        "tokenize='trigram', columnsize=0",
    ),
    "case_fts_short": (
        "case_search_grams",
        "xf_short_grams(" + _BODY.format(c="c", name="coalesce(p.name, '')") + ")",
        "tokenize='unicode61 remove_diacritics 0', detail=none",
    ),
}


def short_grams(text: str | None) -> str:
    """Every two-letter window of each run of letters and digits, plus each run's last letter.

    "宿舍空调" becomes "宿舍 舍空 空调 调": a one- or two-character word is then found by a token
    (two characters) or a prefix query (one character), through the index instead of a scan.
    """
    grams: list[str] = []
    for run in _RUN.findall((text or "").lower()):
        grams.extend(map(operator.add, run, run[1:]))
        grams.append(run[-1])
    return " ".join(grams)


#: A run of letters and digits: ``str.isalnum`` characters (``\w`` is those and the underscore).
_RUN = re.compile(r"[^\W_]+")


def index_texts(case_no: str, summary: str, content: str, name: str) -> tuple[str, str]:
    """What the two full-text indexes hold for a case (``_BODY`` above, computed in Python).

    For a bulk write that prepares its index rows ahead (``add_to_index``): the same texts the
    triggers would make from the stored case and petitioner.
    """
    body = f"{case_no} {summary} {content} {name}"
    return body, short_grams(body)


def add_to_index(connection: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    """Index new cases given as (case id, *``index_texts``), in ``connection``'s transaction."""
    if is_sqlite(connection) and rows:
        for position, table in enumerate(_INDEXES, start=1):
            connection.exec_driver_sql(
                f"INSERT INTO {table}(rowid, body) VALUES (?, ?)", [(row[0], row[position]) for row in rows]
            )


#: The ids of the cases the indexes hold (both are always written together; the gram index last).
_INDEXED = "SELECT id FROM case_fts_short_docsize"


def _index_cases(table: str, where: str) -> str:
    """SQL adding the cases chosen by ``where`` (on ``c``, the view) to ``table``."""
    return f"INSERT INTO {table}(rowid, body) SELECT c.id, c.body FROM {_INDEXES[table][0]} c WHERE {where};"


def _unindex_cases(table: str, where: str) -> str:
    """SQL removing the cases chosen by ``where`` (on ``rowid``) from ``table`` if it holds them.

    The index reads the words to remove from its view, so this runs before the case changes; a
    case it does not hold yet (a bulk load indexes at its end) is left alone.
    """
    return f"DELETE FROM {table} WHERE ({where}) AND rowid IN ({_INDEXED});"


def _fts_ddl() -> list[str]:
    ddl: list[str] = []
    for table, (view, body, options) in _INDEXES.items():
        ddl.append(
            f"CREATE VIEW IF NOT EXISTS {view}(id, body) AS SELECT c.id, {body} "
            "FROM cases c LEFT JOIN petitioners p ON p.id = c.petitioner_id"
        )
        ddl.append(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(body, content='{view}', "
            f"content_rowid='id', {options})"
        )
    ddl.append(_FTS_INSERT_TRIGGER)
    text_columns = "case_no, summary, content, petitioner_id"
    ddl.append(
        f"CREATE TRIGGER IF NOT EXISTS cases_fts_bu BEFORE UPDATE OF {text_columns} ON cases BEGIN "
        + "".join(_unindex_cases(t, "rowid = old.id") for t in _INDEXES)
        + " END"
    )
    ddl.append(
        f"CREATE TRIGGER IF NOT EXISTS cases_fts_au AFTER UPDATE OF {text_columns} ON cases BEGIN "
        + "".join(_index_cases(t, "c.id = new.id") for t in _INDEXES)
        + " END"
    )
    ddl.append(
        "CREATE TRIGGER IF NOT EXISTS petitioners_fts_bu BEFORE UPDATE OF name ON petitioners BEGIN "
        + "".join(
            _unindex_cases(t, "rowid IN (SELECT id FROM cases WHERE petitioner_id = old.id)")
            for t in _INDEXES
        )
        + " END"
    )
    ddl.append(
        "CREATE TRIGGER IF NOT EXISTS petitioners_fts_au AFTER UPDATE OF name ON petitioners BEGIN "
        + "".join(
            _index_cases(t, "c.id IN (SELECT id FROM cases WHERE petitioner_id = new.id)") for t in _INDEXES
        )
        + " END"
    )
    return ddl


_FTS_INSERT_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS cases_fts_ai AFTER INSERT ON cases BEGIN "
    + "".join(_index_cases(t, "c.id = new.id") for t in _INDEXES)
    + " END"
)


def _index_missing(connection: Connection, after: int = 0) -> None:
    """Index the cases above id ``after`` that the indexes do not have yet.

    Not just those above the highest indexed one: while the insert trigger is away, the update
    triggers still index a new case that is changed again (a later revision in the same merge).
    """
    for table in _INDEXES:  # the gram index, which says what is indexed, comes last
        connection.execute(
            text(_index_cases(table, f"c.id > :after AND c.id NOT IN ({_INDEXED} WHERE id > :after)")),
            {"after": after},
        )


_GUARD_DDL = [
    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN
        SELECT RAISE(ABORT, '{what}不可{word}');
    END"""
    for table, what in (("case_events", "历史记录"), ("audit_log", "审计日志"))
    for verb, word in (("UPDATE", "修改"), ("DELETE", "删除"))
] + [
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
    """Durable settings on every new connection: WAL, foreign keys, synchronous=FULL, a busy timeout.

    Transactions are real from their first statement: Python's sqlite3 driver would otherwise begin
    one only at the first write, so a SAVEPOINT taken before it (a file merged "whole or not at
    all") would commit on its own.  The driver's own transaction handling is switched off and
    every SQLAlchemy transaction starts with ``BEGIN`` (SQLAlchemy's documented recipe).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        dbapi_connection.create_function("xf_short_grams", 1, short_grams, deterministic=True)
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def install_speedups(connection: Connection) -> None:
    """Create the full-text indexes and the append-only triggers if missing; index unindexed cases.

    Cases are indexed when an index is new, or when a bulk load was interrupted before it could
    index what it had committed (its insert trigger is then missing).
    """
    existing = {
        row[0]
        for row in connection.execute(
            text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        )
    }
    for ddl in _fts_ddl() + _GUARD_DDL:
        connection.execute(text(ddl))
    if not existing.issuperset(_INDEXES) or "cases_fts_ai" not in existing:
        _index_missing(connection)


@contextmanager
def bulk_loading(engine: Engine) -> Iterator[None]:
    """Many new cases at once: index them in one pass at the end instead of row by row."""
    if not is_sqlite(engine):
        yield
        return
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS cases_fts_ai"))
        # cases up to here are indexed (``install_speedups`` saw to it when the ledger was opened)
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM cases")).scalar_one()
    try:
        yield
    finally:
        with engine.begin() as conn:
            _index_missing(conn, before)
            conn.execute(text(_FTS_INSERT_TRIGGER))


#: Page cache of the connection doing a bulk write (KiB, as ``PRAGMA cache_size`` takes it negated).
BULK_CACHE_KIB = 64 * 1024


@contextmanager
def bulk_writing(connection: Connection) -> Iterator[None]:
    """A larger page cache on ``connection`` while a transaction writes many rows.

    Index pages then stay in memory instead of being spilled to the WAL and read back before the
    commit.  Durability is unchanged (every commit is still synced); the usual cache size is put
    back at the end, before the commit.
    """
    if not is_sqlite(connection):
        yield
        return
    cache = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")


class RowWriter:
    """INSERTs rows of ``table`` given as tuples in the order of ``columns``, one executemany a time.

    Values are converted by the columns' types as SQLAlchemy would (dates to SQLite's text form,
    booleans to 0/1, JSON to text); a date, time or flag met before is converted once.  A column
    not named takes its constant default, as with ``insert()``, or else the database's.  On other
    databases each ``insert`` is a Core ``insert()`` executemany.
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._defaults = [
            (c.name, c.default.arg)  # type: ignore[attr-defined]
            for c in table.c
            if c.name not in self.columns and c.default is not None and c.default.is_scalar
        ]
        names = [*self.columns, *(name for name, _value in self._defaults)]
        self._sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        self._processors: list[Callable[[Any], Any] | None] | None = None
        self._seen: list[dict[Any, Any]] = [{} for _name in names]

    def insert(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if not is_sqlite(connection):
            connection.execute(
                insert(self.table), [dict(zip(self.columns, row, strict=True)) for row in rows]
            )
            return
        if self._processors is None:
            dialect = connection.dialect
            names = [*self.columns, *(name for name, _value in self._defaults)]
            self._processors = [
                self.table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
            ]
        values_of: list[Sequence[Any]] = list(zip(*rows, strict=True))
        values_of.extend((value,) * len(rows) for _name, value in self._defaults)
        converted = [
            values if process is None else _converted(values, process, seen)
            for values, process, seen in zip(values_of, self._processors, self._seen, strict=True)
        ]
        connection.exec_driver_sql(self._sql, list(zip(*converted, strict=True)))


def _converted(values: Sequence[Any], process: Callable[[Any], Any], seen: dict[Any, Any]) -> list[Any]:
    """``process`` of each value; a column of dates, flags, times without a zone and NULLs converts
    each distinct value once.

    Only for those classes: their equal values convert alike (``True == 1`` or two equal times in
    different zones would not).
    """
    classes = set(map(type, values))
    if classes <= _SAME_WHEN_EQUAL or (
        classes <= _TIMES and all(v.tzinfo is None for v in values if v is not None)
    ):
        new = set(values).difference(seen)
        if new:
            seen.update({value: process(value) for value in new})
        return list(map(seen.__getitem__, values))
    return list(map(process, values))


_SAME_WHEN_EQUAL = frozenset((date, bool, type(None)))
_TIMES = frozenset((datetime, type(None)))


def fulltext_filter(id_column: ColumnElement[int], words: list[str]) -> ColumnElement[bool]:
    """A condition on a case id column: the case's indexed text contains every word (any length)."""
    return id_column.in_(_fulltext_ids(words))


def _fulltext_ids(words: list[str]) -> TextualSelect:
    """The ids of the cases whose indexed text contains every word.

    Words of three or more characters use the trigram index; shorter ones the gram index (a token
    for two letters, a prefix for one); a short word with punctuation falls back to a LIKE scan.
    """
    clauses: list[str] = []
    params: dict[str, str] = {}
    for i, word in enumerate(words):
        key = f"fts_{i}"
        if len(word) >= 3:
            clauses.append(f"SELECT rowid FROM case_fts WHERE case_fts MATCH :{key}")
            params[key] = '"' + word.replace('"', '""') + '"'
        elif word.isalnum():
            clauses.append(f"SELECT rowid FROM case_fts_short WHERE case_fts_short MATCH :{key}")
            params[key] = f'"{word.lower()}"' + ("" if len(word) == 2 else " *")
        else:
            clauses.append(f"SELECT id FROM case_search_text WHERE body LIKE :{key} ESCAPE '\\'")
            params[key] = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = " INTERSECT ".join(clauses)
    return text(sql).bindparams(**params).columns(column("rowid", Integer))


def fulltext_hits(connection: Connection, words: list[str]) -> int:
    """How many cases hold every word (read from the indexes alone, without the cases)."""
    ids = _fulltext_ids(words).subquery()
    return int(connection.execute(select(func.count()).select_from(ids)).scalar_one())


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
