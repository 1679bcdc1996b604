"""The SQLite backend: pragmas, writers that begin as writers, the FTS5 indexes, guards, backups, checks.

Everything SQLite-only lives in this module; the rest of the program reaches it through the
``StorageBackend`` the ledger chose when it opened (``ledger.storage.backend_for``).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import date, datetime
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Table,
    case,
    column,
    event,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

from xinfang_desk.ledger.chain import CHAINED
from xinfang_desk.ledger.errors import LedgerFileError
from xinfang_desk.ledger.storage.base import (
    WRITE_OPTION,
    ChangeWatch,
    RowWriter,
    StorageBackend,
    like_pattern,
    short_grams,
)

SQLITE_HEADER = b"SQLite format 3\x00"
#: Pages an online backup copies between two reports of its progress (8 MB at the ledger's 4 KB pages).
BACKUP_STEP_PAGES = 2048
#: How often a stoppable statement asks whether to stop, in SQLite virtual-machine steps (a few
#: thousand times a second: a cancelled upgrade stops at once, and the asking costs nothing measurable).
STOP_CHECK_STEPS = 100_000

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


#: This connection's newly inserted rows of the chained tables (a temporary table, per connection).
_TRACK = "xf_unsealed"


def track_new_rows(dbapi_connection: Any) -> None:
    """On a new connection: note every row it inserts into a chained table (temp objects only).

    A brand-new file has no tables yet; the ledger opens fresh connections after migrating.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_TRACK} (n INTEGER PRIMARY KEY, tbl TEXT, rid INTEGER)"
        )
        for table in CHAINED:
            cursor.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS xf_track_{table} AFTER INSERT ON main.{table} BEGIN "
                f"INSERT INTO {_TRACK}(tbl, rid) VALUES ('{table}', new.rowid); END"
            )
    except sqlite3.OperationalError:  # the tables do not exist yet
        pass
    finally:
        cursor.close()


def _unchanged(table: str) -> str:
    """A trigger condition: every column the hash chain covers keeps its value."""
    return " AND ".join(f"new.{c} IS old.{c}" for c in CHAINED[table])


#: The append-only guards.  An event or audit entry may be updated once, by the program sealing it into
#: the hash chain (its chain columns were empty and nothing else changes); never otherwise.
_GUARDS: dict[str, str] = {
    **{
        f"{table}_no_update": f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        WHEN old.chain_hash IS NOT NULL OR NOT ({_unchanged(table)}) BEGIN
        SELECT RAISE(ABORT, '{what}不可修改');
    END"""
        for table, what in (("case_events", "历史记录"), ("audit_log", "审计日志"))
    },
    **{
        f"{table}_no_delete": f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} BEGIN
        SELECT RAISE(ABORT, '{what}不可删除');
    END"""
        for table, what in (
            ("case_events", "历史记录"),
            ("audit_log", "审计日志"),
            ("cases", "案件"),
            ("users", "用户"),
        )
    },
}
_GUARD_DDL = list(_GUARDS.values())


#: Milliseconds a connection waits for another one's write to finish before giving up.
BUSY_TIMEOUT_MS = 10000
#: How long a long writer pauses between its commits: SQLite's busy handler lets a waiting writer
#: try again every 0.1 s at most, so a longer pause always lets it take its turn.
_TURN_S = 0.11

#: Page cache of the connection doing a bulk write (KiB, as ``PRAGMA cache_size`` takes it negated).
BULK_CACHE_KIB = 64 * 1024

#: Tables every ledger has (a SQLite file without them is another program's).
LEDGER_TABLES = frozenset({"alembic_version", "ledger_info"})

#: Phrases of SQLite's errors → what the user is told.
_MESSAGES = (
    (("database or disk is full",), "磁盘已满，台账未能写入。请腾出磁盘空间后重试；已保存的内容没有丢失。"),
    (
        ("attempt to write a readonly database", "readonly database"),
        "台账文件或其所在文件夹是只读的，无法写入。请检查文件权限，或把台账放到可写的位置。",
    ),
    (
        ("database disk image is malformed", "file is not a database", "malformed database schema"),
        "台账文件已损坏，不能继续使用。请从最近的备份恢复（xinfang-desk restore 或“文件 → 从备份恢复…”）。",
    ),
    (("disk i/o error",), "读写台账文件时出错（磁盘故障、U 盘被拔出或网络断开）。请检查存储设备后重试。"),
    (("unable to open database file",), "无法打开台账文件：文件或其所在文件夹不存在，或没有访问权限。"),
)


class SqliteBackend(StorageBackend):
    """A ledger in one SQLite file (WAL, synchronous=FULL, FTS5 trigram search)."""

    name = "sqlite"
    seals_chain = True
    needs_plan_hints = True

    # -- the file, before any engine -------------------------------------------------------------
    def check_file(self, path: Path) -> None:
        """Refuse another program's SQLite file by reading it only: its journal mode stays as it is.

        A ledger is always in WAL mode (the header says so); a file in the old rollback mode is
        looked into read-only and immutable, and refused unless it holds a ledger's tables.
        """
        with path.open("rb") as fh:
            header = fh.read(100)
        if header[:16] != SQLITE_HEADER:
            raise LedgerFileError(f"“{path}”不是信访台账文件。")
        if len(header) == 100 and header[18] == header[19] == 2:  # WAL: the journal mode stays
            return
        try:
            uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
            with closing(sqlite3.connect(uri, uri=True)) as conn:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise LedgerFileError(self.error_message(exc) or f"“{path}”无法读取。") from exc
        if not tables >= LEDGER_TABLES:
            raise LedgerFileError(f"“{path}”是其他程序的数据库，不是信访台账；文件未作任何改动。")

    # -- engine and transactions ------------------------------------------------------------------
    def configure(self, engine: Engine) -> None:
        """Durable settings on every new connection: WAL, foreign keys, synchronous=FULL, a busy timeout.

        Transactions are real from their first statement: Python's sqlite3 driver would otherwise
        begin one only at the first write, so a SAVEPOINT taken before it (a file merged "whole or
        not at all") would commit on its own.  The driver's own transaction handling is switched
        off and every SQLAlchemy transaction starts with ``BEGIN`` (SQLAlchemy's documented recipe)
        — ``BEGIN IMMEDIATE`` on a writer's engine (``writer``): a writer takes the write lock
        first, waiting up to the busy timeout for another writer, instead of failing at once when a
        transaction that has read tries to write.
        """

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()
            dbapi_connection.create_function("xf_short_grams", 1, short_grams, deterministic=True)
            track_new_rows(dbapi_connection)
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            writes = connection.get_execution_options().get(WRITE_OPTION, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    def begin_writing(self, session: Session) -> None:
        """The session's transaction began when it first touched the database (``configure``)."""
        session.connection()

    #: A writer waits in SQLite's busy handler, which sleeps between tries: the long writer pauses
    #: longer than one sleep, or it would take the lock again before the waiting one wakes.
    writers_turn = _TURN_S

    def chain_key(self, table: str) -> tuple[str, ...]:
        """Rows are addressed by SQLite's own row number (what the tracking trigger notes)."""
        return ("rowid",)

    def new_chained_rows(self, connection: Connection) -> list[tuple[str, tuple[Any, ...]]] | None:
        """This connection's new event and audit rows in insertion order, forgotten once read."""
        try:
            rows = connection.exec_driver_sql(f"SELECT tbl, rid FROM temp.{_TRACK} ORDER BY n").all()
        except DBAPIError:  # no tracking table on this connection (opened before the tables existed)
            return None
        connection.exec_driver_sql(f"DELETE FROM temp.{_TRACK}")
        return [(str(t), (int(r),)) for t, r in rows]

    def missing_guards(self, connection: Connection) -> list[str]:
        """The append-only triggers absent from an existing ledger (someone dropped them), by name."""
        found = {
            (row[0], row[1])
            for row in connection.execute(
                text("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')")
            )
        }
        present = {name for kind, name in found if kind == "trigger"}
        tables = {name for kind, name in found if kind == "table"}
        return [name for name in _GUARDS if name not in present and name.rsplit("_no_", 1)[0] in tables]

    def install(self, connection: Connection) -> None:
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

    def is_busy(self, error: BaseException) -> bool:
        error = self.driver_error(error)
        return isinstance(error, sqlite3.OperationalError) and "locked" in str(error).lower()

    def is_damaged(self, error: BaseException) -> bool:
        error = self.driver_error(error)
        said = str(error).lower()
        return isinstance(error, sqlite3.DatabaseError) and any(p in said for p in _MESSAGES[2][0])

    def error_message(self, error: BaseException) -> str | None:
        error = self.driver_error(error)
        if isinstance(error, OSError):
            return _os_message(error)
        if not isinstance(error, sqlite3.DatabaseError):
            return None
        said = str(error).lower()
        for phrases, message in _MESSAGES:
            if any(p in said for p in phrases):
                return message
        return None

    # -- search -----------------------------------------------------------------------------------
    def text_filter(
        self, words: Sequence[str], id_column: ColumnElement[int] | None = None
    ) -> ColumnElement[bool]:
        """The case (``id_column``, by default ``Case.id``) has every word in its indexed text."""
        from xinfang_desk.ledger.models import Case

        return (Case.id if id_column is None else id_column).in_(_fulltext_ids(words))

    def likely(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return func.likely(condition)

    def year_and_month(
        self, column: ColumnElement[datetime]
    ) -> tuple[ColumnElement[int], ColumnElement[int]]:
        """A file keeps a time as microseconds (``compact_forms.CompactTime``); text an older program
        left in another form is read as text."""
        stored = type_coerce(column, Integer)
        seconds = stored // 1_000_000

        def part(form: str) -> ColumnElement[int]:
            return case(
                (func.typeof(stored) == "integer", func.strftime(form, seconds, "unixepoch")),
                else_=func.strftime(form, stored),
            ).cast(Integer)

        return part("%Y"), part("%m")

    def text_hits(self, connection: Connection, words: Sequence[str]) -> int | None:
        """How many cases hold every word, read from the indexes alone (without the cases)."""
        ids = _fulltext_ids(words).subquery()
        return int(connection.execute(select(func.count()).select_from(ids)).scalar_one())

    # -- bulk writing -----------------------------------------------------------------------------
    @contextmanager
    def bulk_loading(self, engine: Engine) -> Iterator[None]:
        """Many new cases at once: index them in one pass at the end instead of row by row."""
        writer = self.writer(engine)
        with writer.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS cases_fts_ai"))
            # cases up to here are indexed (``install`` saw to it when the ledger was opened)
            before = conn.execute(text("SELECT coalesce(max(id), 0) FROM cases")).scalar_one()
        try:
            yield
        finally:
            with writer.begin() as conn:
                _index_missing(conn, before)
                conn.execute(text(_FTS_INSERT_TRIGGER))

    @contextmanager
    def bulk_writing(self, connection: Connection) -> Iterator[None]:
        """A larger page cache on ``connection`` while a transaction writes many rows.

        Index pages then stay in memory instead of being spilled to the WAL and read back before
        the commit.  Durability is unchanged (every commit is still synced); the usual cache size
        is put back at the end, before the commit.
        """
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")

    def row_writer(self, table: Table, columns: Sequence[str]) -> RowWriter:
        return FastRowWriter(table, columns)

    def watch_changes(self, engine: Engine) -> ChangeWatch:
        return EventRowWatch(engine)

    def add_to_index(self, connection: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
        if rows:
            for position, table in enumerate(_INDEXES, start=1):
                connection.exec_driver_sql(
                    f"INSERT INTO {table}(rowid, body) VALUES (?, ?)",
                    [(row[0], row[position]) for row in rows],
                )

    # -- safety -----------------------------------------------------------------------------------
    def backup(self, engine: Engine, dest: Path, progress: Callable[[int, int], None] | None = None) -> None:
        """SQLite's online backup of the open ledger (what is in its WAL too) into the file ``dest``: in
        one step, or with ``progress`` in steps of ``BACKUP_STEP_PAGES`` pages, told after each."""
        source = engine.raw_connection()

        def stepped(_status: int, remaining: int, total: int) -> None:
            assert progress is not None
            progress(total - remaining, total)

        try:
            with closing(sqlite3.connect(dest)) as out:
                if progress is None:
                    source.driver_connection.backup(out)  # type: ignore[union-attr]
                else:
                    source.driver_connection.backup(  # type: ignore[union-attr]
                        out, pages=BACKUP_STEP_PAGES, progress=stepped
                    )
                out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            source.close()

    @contextmanager
    def stoppable(self, connection: Connection, stop: Callable[[], bool]) -> Iterator[None]:
        """SQLite's progress handler asks ``stop()`` every ``STOP_CHECK_STEPS`` virtual-machine steps; a true
        answer interrupts the statement, and the transaction it was in is rolled back."""
        driver = connection.connection.driver_connection
        driver.set_progress_handler(lambda: 1 if stop() else 0, STOP_CHECK_STEPS)  # type: ignore[union-attr]
        try:
            yield
        finally:
            driver.set_progress_handler(None, 0)  # type: ignore[union-attr]

    def compact(self, engine: Engine) -> None:
        """``VACUUM``: the file is rewritten without the pages and the room within pages an upgrade freed.

        It needs about the file's size again on the disk for a while; without it (or when another
        program reads the file) the upgraded ledger is used as it is, only larger.
        """
        engine.dispose()
        connection = engine.raw_connection()  # outside any transaction, as VACUUM must be
        try:
            connection.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
        except sqlite3.OperationalError as exc:  # a full disk, a busy file: compaction can wait
            logging.getLogger(__name__).warning("ledger not compacted after the upgrade: %s", exc)
        finally:
            connection.close()

    def problems(self, engine: Engine, *, quick: bool = False) -> list[str]:
        """``PRAGMA quick_check`` (structure only, fast) or ``integrity_check`` (indexes too)."""
        pragma = "quick_check" if quick else "integrity_check"
        try:
            with engine.connect() as conn:
                found = [r[0] for r in conn.exec_driver_sql(f"PRAGMA {pragma}")]
                conn.rollback()
        except DBAPIError as exc:
            if not isinstance(exc.orig, sqlite3.DatabaseError) or self.is_busy(exc):
                raise
            return [str(exc.orig)]  # too damaged even to be checked
        return [] if found == ["ok"] else found

    def in_use(self, path: Path) -> bool:
        """Whether any other connection has the file open: an exclusive lock is refused then.

        Nothing is written (the transaction is rolled back at once); an idle connection that has
        merely read counts as in use, since it could write into a file about to be replaced.
        """
        try:
            with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as conn:
                conn.execute("PRAGMA locking_mode=EXCLUSIVE")
                conn.execute("BEGIN EXCLUSIVE")
                conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc).lower()
        return False

    def file_problems(self, path: Path, *, quick: bool = False) -> list[str]:
        """``integrity_check`` of a file read only (a backup): it is not changed in any way."""
        try:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            with closing(sqlite3.connect(uri, uri=True)) as conn:
                pragma = "quick_check" if quick else "integrity_check"
                found = [r[0] for r in conn.execute(f"PRAGMA {pragma}")]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if found == ["ok"] else found


class EventRowWatch(ChangeWatch):
    """Changed cases told by the rowids of new events: SQLite numbers a table's new rows after its
    largest rowid, and no event is ever deleted, so the events past the last one seen are exactly the
    new ones (found through the rowid, without reading the others)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as connection:
            self._seen = self._last(connection)

    @staticmethod
    def _last(connection: Connection) -> int:
        return int(connection.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM case_events").scalar_one())

    def changed_cases(self) -> frozenset[int]:
        with self.engine.connect() as connection:
            last = self._last(connection)
            if last == self._seen:
                return frozenset()
            ids = connection.exec_driver_sql(
                "SELECT DISTINCT case_id FROM case_events WHERE rowid > ? AND rowid <= ?", (self._seen, last)
            ).scalars()
            found = frozenset(ids)
        self._seen = last
        return found


def _os_message(error: OSError) -> str | None:
    if error.errno == errno.ENOSPC:
        return _MESSAGES[0][1]
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return _MESSAGES[1][1]
    return None


def file_copy_backup(path: Path, dest: Path) -> None:
    """A consistent copy of a ledger file that is not open (including what is still in its WAL)."""
    with closing(sqlite3.connect(path)) as src, closing(sqlite3.connect(dest)) as out:
        src.backup(out)


class FastRowWriter(RowWriter):
    """INSERTs rows of ``table`` given as tuples in the order of ``columns``, one executemany a time.

    Values are converted by the columns' types as SQLAlchemy would (dates to SQLite's text form,
    booleans to 0/1, JSON to text); a date, time or flag met before is converted once.  A column
    not named takes its constant default, as with ``insert()``, or else the database's.
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        super().__init__(table, columns)
        self._defaults = self.constant_defaults()
        names = [*self.columns, *(name for name, _value in self._defaults)]
        self._sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        self._processors: list[Callable[[Any], Any] | None] | None = None
        self._iso: list[bool] = []
        self._seen: list[dict[Any, Any]] = [{} for _name in names]

    def insert(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self._processors is None:
            dialect = connection.dialect
            names = [*self.columns, *(name for name, _value in self._defaults)]
            types = [self.table.c[n].type.dialect_impl(dialect) for n in names]
            self._processors = [t.bind_processor(dialect) for t in types]
            self._iso = [_writes_iso_times(t, p) for t, p in zip(types, self._processors, strict=True)]
        values_of: list[Sequence[Any]] = list(zip(*rows, strict=True))
        values_of.extend((value,) * len(rows) for _name, value in self._defaults)
        converted = [
            values if process is None else _converted(values, process, seen, iso)
            for values, process, seen, iso in zip(
                values_of, self._processors, self._seen, self._iso, strict=True
            )
        ]
        connection.exec_driver_sql(self._sql, list(zip(*converted, strict=True)))


def _converted(
    values: Sequence[Any], process: Callable[[Any], Any], seen: dict[Any, Any], iso: bool = False
) -> list[Any]:
    """``process`` of each value; a column of dates, flags, times without a zone and NULLs converts
    each distinct value once; times without a zone that ``process`` writes as ``_ISO_TEXT`` does
    (``iso``) are written by it directly.

    Only for those classes: their equal values convert alike (``True == 1`` or two equal times in
    different zones would not).
    """
    classes = set(map(type, values))
    if iso and classes == _ONLY_TIMES and not any(map(_ZONE, values)):
        return list(map(_ISO_TEXT, values))
    if classes <= _SAME_WHEN_EQUAL or (classes <= _TIMES and not any(map(_ZONE, filter(None, values)))):
        new = set(values).difference(seen)
        if new:
            seen.update({value: process(value) for value in new})
        return list(map(seen.__getitem__, values))
    return list(map(process, values))


_SAME_WHEN_EQUAL = frozenset((date, bool, type(None)))
_TIMES = frozenset((datetime, type(None)))
_ONLY_TIMES = frozenset((datetime,))
#: A time's zone (None for a time without one; a zone is never false).
_ZONE = attrgetter("tzinfo")
#: ``DATETIME``'s text of a time without a zone in its default storage form ("2025-03-15 12:05:57.000000"),
#: which ``datetime.isoformat`` gives at once.
_ISO_TEXT = partial(datetime.isoformat, sep=" ", timespec="microseconds")
_PROBES = (datetime(2025, 3, 15, 12, 5, 57), datetime(987, 6, 5, 4, 3, 2, 10))


def _writes_iso_times(column_type: Any, process: Callable[[Any], Any] | None) -> bool:
    """Whether ``process`` (the bind processor of ``column_type`` here) writes times as ``_ISO_TEXT`` does."""
    if process is None or not isinstance(column_type, sqlite_dialect.DATETIME):
        return False
    return all(process(probe) == _ISO_TEXT(probe) for probe in _PROBES)


def _fulltext_ids(words: Sequence[str]) -> TextualSelect:
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
            params[key] = like_pattern(word)
    sql = " INTERSECT ".join(clauses)
    return text(sql).bindparams(**params).columns(column("rowid", Integer))
