"""The generic storage backend: plain SQL that any database SQLAlchemy speaks understands.

Every database-specific way of doing something is a method here, overridden by the database's own
backend (``storage.sqlite``).  Nothing else in the program asks which database it talks to.
"""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Table, extract, insert, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from xinfang_desk.ledger.chain import KEYS
from xinfang_desk.ledger.errors import LedgerError

#: Execution option of the engine a writing session uses: its transactions begin as writers.
WRITE_OPTION = "xf_write"


def index_texts(case_no: str, summary: str, content: str, name: str) -> tuple[str, str]:
    """What a full-text index holds for a case: its text, and its short grams (``short_grams``).

    For a bulk write that prepares its index rows ahead (``StorageBackend.add_to_index``).
    """
    body = f"{case_no} {summary} {content} {name}"
    return body, short_grams(body)


def short_grams(text: str | None) -> str:
    """Every two-letter window of each run of letters and digits, plus each run's last letter.

    "宿舍空调" becomes "宿舍 舍空 空调 调": a one- or two-character word is then found by a token
    (two characters) or a prefix query (one character), through an index instead of a scan.
    """
    grams: list[str] = []
    for run in _RUN.findall((text or "").lower()):
        grams.extend(map(operator.add, run, run[1:]))
        grams.append(run[-1])
    return " ".join(grams)


#: A run of letters and digits: ``str.isalnum`` characters (``\w`` is those and the underscore).
_RUN = re.compile(r"[^\W_]+")


def like_pattern(word: str) -> str:
    """``%word%`` for ``LIKE … ESCAPE '\\'``: the word's own ``%``, ``_`` and ``\\`` match themselves."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class RowWriter:
    """INSERTs rows of ``table`` given as tuples in the order of ``columns`` (a Core executemany).

    A backend may give a faster one (``StorageBackend.row_writer``); each behaves the same.
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)

    def constant_defaults(self) -> list[tuple[str, Any]]:
        """(name, value) of the columns not named that have a constant default, as ``insert()`` fills them."""
        return [
            (c.name, c.default.arg)  # type: ignore[attr-defined]
            for c in self.table.c
            if c.name not in self.columns and c.default is not None and c.default.is_scalar
        ]

    def insert(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            connection.execute(
                insert(self.table), [dict(zip(self.columns, row, strict=True)) for row in rows]
            )


class ChangeWatch:
    """Which cases other programs (another clerk, the command line) changed since the last look.

    Each backend watches its own way (``StorageBackend.watch_changes``); one that cannot tell this
    program's own changes from others' reports them too.  This generic one cannot tell anything, and
    so never reports a change.  Used from one thread at a time (the database worker).
    """

    def changed_cases(self) -> frozenset[int]:
        """The ids of the cases whose history grew since the previous call (the first call: since the watch began)."""
        return frozenset()

    def close(self) -> None:
        """Let go of whatever the watch holds (a listening connection)."""


class StorageBackend:
    """How the ledger talks to a database that has no backend of its own: plain SQL throughout."""

    name = "generic"
    #: whether the program links events and audit entries into the hash chain on this database
    #: (``ledger.chain``: the backend must tell which rows a transaction inserted, ``new_chained_rows``)
    seals_chain = False
    #: whether ordered, limited queries need ``likely`` hints and a count first to pick their plan
    #: (a planner without statistics); see ``search._ordered_rows``
    needs_plan_hints = False

    # -- the file, before any engine -------------------------------------------------------------
    def check_file(self, path: Path) -> None:
        """Refuse a file that cannot be a ledger without changing it (databases without files: nothing)."""

    # -- engine and transactions ------------------------------------------------------------------
    def configure(self, engine: Engine) -> None:
        """Settings every new connection of ``engine`` gets."""

    def writer(self, engine: Engine) -> Engine:
        """``engine`` for sessions that write: their transactions begin as writers."""
        return engine.execution_options(**{WRITE_OPTION: True})

    def begin_writing(self, session: Session) -> None:
        """Open ``session``'s transaction now, so savepoints taken next nest inside it."""
        session.connection()

    #: Seconds a long writer leaves the database alone after each of its commits, so that a writer
    #: waiting for it gets its turn (``let_waiting_writers_in``).  A server's lock queue is fair by
    #: itself: none.
    writers_turn = 0.0

    def let_waiting_writers_in(self) -> None:
        """After one commit of a long writer (import, merge): a moment for a waiting writer to go first."""
        if self.writers_turn:
            time.sleep(self.writers_turn)

    def chain_key(self, table: str) -> tuple[str, ...]:
        """The columns a chained row is addressed by while it is sealed: its primary key."""
        return KEYS[table]

    def new_chained_rows(self, connection: Connection) -> list[tuple[str, tuple[Any, ...]]] | None:
        """The event and audit rows this transaction inserted, by ``chain_key``, in order (None: not tracked)."""
        return None

    def lock_chain(self, connection: Connection) -> None:
        """Hold the chain's head until this transaction ends (already so where a write transaction
        holds the whole database, as SQLite's does)."""

    def missing_guards(self, connection: Connection) -> list[str]:
        """The append-only guards someone dropped from an existing ledger, by name (none to check here)."""
        return []

    def install(self, connection: Connection) -> None:
        """Create what the backend keeps beside the schema (indexes, guards) if missing."""

    def after_copy(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Rows were copied in with their ids: let new rows continue after them (``ledger.transfer``)."""

    def serialize_numbering(self, session: Session, unit_code: str, year: int) -> None:
        """Make case numbering of one unit and year wait for other writers (already so where a
        write transaction holds the whole database, as SQLite's does)."""

    def is_busy(self, error: BaseException) -> bool:
        """``error`` says another connection holds the database (a retry later may succeed)."""
        return False

    def is_damaged(self, error: BaseException) -> bool:
        """``error`` says the database file itself is damaged."""
        return False

    def password_refused(self, error: BaseException) -> str | None:
        """Whether connecting failed for the account's password: "missing" (the server wants one and
        none was given, nor found in the user's password file), "wrong", or None (another failure)."""
        return None

    def error_message(self, error: BaseException) -> str | None:
        """A Chinese sentence for a database error a user can act on, or None."""
        return None

    def watch_changes(self, engine: Engine) -> ChangeWatch:
        """A ``ChangeWatch`` on ``engine``'s database, starting from now."""
        del engine
        return ChangeWatch()

    # -- search -----------------------------------------------------------------------------------
    def text_filter(
        self, words: Sequence[str], id_column: ColumnElement[int] | None = None
    ) -> ColumnElement[bool]:
        """Cases whose number, summary, content or petitioner's name contain every word.

        ``id_column`` lets an index-backed backend choose how the case id is matched; here the
        conditions are on the case's own columns.
        """
        del id_column
        from xinfang_desk.ledger.models import Case, Petitioner

        conditions = []
        for word in words:
            pattern = like_pattern(word)
            person = select(Petitioner.id).where(self.contains(Petitioner.name, pattern))
            conditions.append(
                or_(
                    self.contains(Case.summary, pattern),
                    self.contains(Case.content, pattern),
                    self.contains(Case.case_no, pattern),
                    Case.petitioner_id.in_(person),
                )
            )
        from sqlalchemy import and_

        return and_(*conditions)

    def contains(self, column: ColumnElement[str], pattern: str) -> ColumnElement[bool]:
        """``column`` matches a ``like_pattern``, letters in either case (as every search finds them)."""
        return column.ilike(pattern, escape="\\")

    def likely(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """``condition`` marked as usually true for the planner (unchanged where there is no such hint)."""
        return condition

    def year_and_month(
        self, column: ColumnElement[datetime]
    ) -> tuple[ColumnElement[int], ColumnElement[int]]:
        """The year and the month of a time column, as numbers (for grouping by month)."""
        year, month = (extract(part, column).cast(Integer) for part in ("year", "month"))
        return year, month

    def text_hits(self, connection: Connection, words: Sequence[str]) -> int | None:
        """How many cases hold every word, when an index can tell without reading the cases (else None)."""
        return None

    # -- bulk writing -----------------------------------------------------------------------------
    @contextmanager
    def bulk_loading(self, engine: Engine) -> Iterator[None]:
        """Many new cases at once (index maintenance may be deferred to the end)."""
        yield

    @contextmanager
    def bulk_writing(self, connection: Connection) -> Iterator[None]:
        """One transaction writing many rows on ``connection``."""
        yield

    def row_writer(self, table: Table, columns: Sequence[str]) -> RowWriter:
        return RowWriter(table, columns)

    def add_to_index(self, connection: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
        """Index new cases given as (case id, *``index_texts``) written during ``bulk_loading``."""

    # -- safety -----------------------------------------------------------------------------------
    def backup(self, engine: Engine, dest: Path, progress: Callable[[int, int], None] | None = None) -> None:
        """A consistent copy of the whole ledger to the file ``dest``; ``progress(done, total)`` is called
        as it goes where the copy is made in steps (an exception it raises stops the copy)."""
        raise LedgerError("此类数据库请用数据库自身的备份工具备份。")

    @contextmanager
    def stoppable(self, connection: Connection, stop: Callable[[], bool]) -> Iterator[None]:
        """While the block runs, a long statement on ``connection`` is interrupted (a ``DBAPIError``) soon
        after ``stop()`` turns true; without such a means (here), it runs to its end."""
        yield

    def problems(self, engine: Engine, *, quick: bool = False) -> list[str]:
        """What the database's own check finds wrong (empty when it is sound)."""
        return []

    def compact(self, engine: Engine) -> None:
        """Give back the room an upgrade freed (a server reclaims it by itself)."""

    def in_use(self, path: Path) -> bool:
        """Another connection (any program) has the ledger file at ``path`` open."""
        return False

    def file_problems(self, path: Path, *, quick: bool = False) -> list[str]:
        """The same for a ledger file that is not open (a backup before it is restored)."""
        return []

    @staticmethod
    def driver_error(error: BaseException) -> BaseException:
        """The driver's own exception inside a SQLAlchemy one."""
        return error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
