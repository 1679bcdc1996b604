"""The PostgreSQL backend: trigram indexes for Chinese substrings, COPY for bulk rows, server-side guards.

Several clerks share one ledger on a server: case numbers are handed out under a transaction-scoped
advisory lock per unit and year (gap-free, never max+1 raced), the history tables refuse UPDATE and
DELETE by trigger, and a backup is ``pg_dump``'s custom format (without a working pg_dump, ``Ledger.backup`` copies the
ledger into a checked ledger file instead).

The hash chain (``ledger.chain``) is sealed here too: a trigger writes the inserting transaction's id
into each new event and audit row (in ``chain_prev``, until the row is sealed), so a transaction
finds exactly its own new rows, whichever connection, savepoint or ``COPY`` wrote them; it seals them
under an advisory lock, one writer after another.  The update guard lets only that sealing through.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from xinfang_desk.ledger.chain import CHAINED, seal
from xinfang_desk.ledger.storage.base import ChangeWatch, RowWriter, StorageBackend

#: Columns searched by substring, each with a trigram index (``LIKE '%词%'`` uses it for 3+ characters).
_TRIGRAM_COLUMNS = (("cases", "summary"), ("cases", "content"), ("cases", "case_no"), ("petitioners", "name"))

_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION xf_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001';
END $$
"""
#: The update guard: a row may be updated once, by the program sealing it into the hash chain (its chain
#: columns were empty and nothing else changes); never otherwise.
_UPDATE_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION xf_refuse_history_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.chain_hash IS NULL
       AND to_jsonb(NEW) - 'chain_seq' - 'chain_prev' - 'chain_hash'
           = to_jsonb(OLD) - 'chain_seq' - 'chain_prev' - 'chain_hash' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001';
END $$
"""
#: Each new, unsealed event or audit row notes the transaction that inserted it (``new_chained_rows``).
_MARK_FUNCTION = """
CREATE OR REPLACE FUNCTION xf_mark_unsealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.chain_hash IS NULL THEN
        NEW.chain_prev := 'tx:' || pg_current_xact_id()::text;
    END IF;
    RETURN NEW;
END $$
"""
#: Each new event announces its case on ``_CASE_CHANNEL`` when its transaction commits (``NotifiedChanges``);
#: PostgreSQL sends one notice per case and transaction, and none for a transaction rolled back.
_ANNOUNCE_FUNCTION = """
CREATE OR REPLACE FUNCTION xf_announce_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('xf_case_changed', NEW.case_id::text);
    RETURN NULL;
END $$
"""
_CASE_CHANNEL = "xf_case_changed"
_ANNOUNCE_TRIGGER = "case_events_announce"
#: The mark of the current transaction's rows, as ``xf_mark_unsealed`` writes it.
_THIS_TRANSACTION = "'tx:' || pg_current_xact_id()::text"
#: The functions behind the triggers, by name.
_FUNCTIONS = {
    "xf_refuse_change": _GUARD_FUNCTION,
    "xf_refuse_history_update": _UPDATE_GUARD_FUNCTION,
    "xf_mark_unsealed": _MARK_FUNCTION,
    "xf_announce_case": _ANNOUNCE_FUNCTION,
}
_GUARDS = (
    ("case_events", "UPDATE", "历史记录不可修改"),
    ("case_events", "DELETE", "历史记录不可删除"),
    ("audit_log", "UPDATE", "审计日志不可修改"),
    ("audit_log", "DELETE", "审计日志不可删除"),
    ("cases", "DELETE", "案件不可删除"),
)

#: Advisory lock key held while a ledger's indexes and guards are installed (several clerks open at once).
_INSTALL_LOCK = 0x5846_0001
#: Advisory lock key held from sealing new rows into the hash chain until the transaction ends.
_CHAIN_LOCK = 0x5846_0002

#: SQLSTATEs after which the same work may succeed when tried again.
_RETRYABLE = frozenset({"40001", "40P01", "55P03"})
#: SQLSTATE classes → what the user is told.
_MESSAGES = {
    "08": "无法连接台账数据库服务器：请检查网络和服务器地址，稍后重试。",
    "connect": "无法连接台账数据库服务器：请检查网络、服务器地址、端口和库名，稍后重试。",
    "28": "台账数据库拒绝登录：用户名或密码不正确（密码请写在 .pgpass 或环境变量 PGPASSWORD 中）。",
    "53": "台账数据库服务器资源不足（磁盘已满或连接过多），未能写入。请联系服务器管理员。",
    "42501": "当前数据库账号没有此项操作的权限。",
    "42501 history": "当前数据库账号不能修改或删除历史记录和审计日志（它们只能追加）；本次操作没有保存。",
    "42501 kept": "当前数据库账号不能删除案件或用户（案件只能办结，用户只能停用）；本次操作没有保存。",
    "P0001": None,  # our own guards: their message is already Chinese
}


class PostgresBackend(StorageBackend):
    """PostgreSQL: see the module docstring."""

    name = "postgresql"

    seals_chain = True

    def install(self, connection: Connection) -> None:
        """The trigram indexes, the append-only guards and the chain's row marks: only what is missing,
        one opener at a time.

        A ledger the program did not yet seal on the server (made before it did: no mark function) has
        its events and audit entries sealed into the chain once, in the order they were recorded.
        """
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INSTALL_LOCK})
        # only what is missing is created: a clerk's account (``clerk_role_script``) may create nothing
        if connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is None:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        indexes = set(
            connection.execute(
                text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
            ).scalars()
        )
        wanted = {
            f"{table}_{column}_trgm": f"ON {table} USING gin ({column} gin_trgm_ops)"
            for table, column in _TRIGRAM_COLUMNS
        }
        for table in CHAINED:  # a transaction's own unsealed rows, found without reading the table
            wanted[f"{table}_unsealed"] = f"ON {table} (chain_prev) WHERE chain_hash IS NULL"
        for name, definition in wanted.items():
            if name not in indexes:
                connection.execute(text(f"CREATE INDEX IF NOT EXISTS {name} {definition}"))
        functions = {
            row[0]
            for row in connection.execute(
                text("SELECT proname FROM pg_proc WHERE proname = ANY(:names)"), {"names": list(_FUNCTIONS)}
            )
        }
        for name, ddl in _FUNCTIONS.items():
            if name not in functions:
                connection.execute(text(ddl))
        present = _triggers(connection)
        for name, (table, verb, function, argument) in _wanted_triggers().items():
            if present.get(name) == function:
                continue
            if name in present:  # an older guard (the update guard that also refused sealing)
                connection.execute(text(f"DROP TRIGGER {name} ON {table}"))
            connection.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE {verb} ON {table} FOR EACH ROW "
                    f"EXECUTE FUNCTION {function}({argument})"
                )
            )
        if _ANNOUNCE_TRIGGER not in present:
            connection.execute(
                text(
                    f"CREATE TRIGGER {_ANNOUNCE_TRIGGER} AFTER INSERT ON case_events FOR EACH ROW "
                    "EXECUTE FUNCTION xf_announce_case()"
                )
            )
        if "xf_mark_unsealed" not in functions:
            seal(connection, self, everything_unsealed=True)

    def new_chained_rows(self, connection: Connection) -> list[tuple[str, tuple[Any, ...]]] | None:
        """The event and audit rows this transaction inserted (marked with its id), oldest first."""
        rows = connection.execute(
            text(
                f"WITH mine AS (SELECT {_THIS_TRANSACTION} AS mark) "
                "SELECT 'case_events', recorded_at, case_id, seq FROM case_events, mine "
                "WHERE chain_hash IS NULL AND chain_prev = mine.mark "
                "UNION ALL SELECT 'audit_log', at, id, NULL FROM audit_log, mine "
                "WHERE chain_hash IS NULL AND chain_prev = mine.mark "
                "ORDER BY 2, 1, 3, 4"
            )
        ).all()
        return [
            (table, (first,) if second is None else (first, second)) for table, _at, first, second in rows
        ]

    def watch_changes(self, engine: Engine) -> ChangeWatch:
        return NotifiedChanges(engine)

    def lock_chain(self, connection: Connection) -> None:
        """Writers extend the chain one after another: the head is theirs until the transaction ends."""
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})

    def after_copy(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Move each table's id sequence past the ids copied in."""
        for table in tables:
            for column in table.primary_key.columns:
                if column.autoincrement is True or (
                    column.autoincrement == "auto"
                    and len(table.primary_key.columns) == 1
                    and column.type.python_type is int
                ):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                            f"coalesce((SELECT max({column.name}) FROM {table.name}), 0) + 1, false) "
                            f"WHERE pg_get_serial_sequence('{table.name}', '{column.name}') IS NOT NULL"
                        )
                    )

    def serialize_numbering(self, session: Session, unit_code: str, year: int) -> None:
        """Hold the unit-year's numbering until this transaction ends (two clerks never race max+1)."""
        key = int.from_bytes(hashlib.sha256(f"{unit_code}-{year}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def is_busy(self, error: BaseException) -> bool:
        return getattr(self.driver_error(error), "sqlstate", None) in _RETRYABLE

    def password_refused(self, error: BaseException) -> str | None:
        """libpq tells whether the server asked for a password none was given; a password it refused is
        told by the server's message (no SQLSTATE reaches a failed connection)."""
        error = self.driver_error(error)
        if not _failed_connection(error):
            return None
        connection = error.pgconn  # type: ignore[attr-defined]
        if connection.needs_password:
            return "missing"
        message = bytes(connection.error_message or b"").decode("utf-8", "replace").lower()
        if connection.used_password and "password" in message:
            return "wrong"
        return None

    def error_message(self, error: BaseException) -> str | None:
        error = self.driver_error(error)
        state = getattr(error, "sqlstate", None) or ""
        if not state and _failed_connection(error):  # no SQLSTATE reaches a connection that failed
            return _MESSAGES["connect"]
        diag = getattr(error, "diag", None)
        if state == "P0001":
            return getattr(diag, "message_primary", None) or str(error)
        if state == "42501":
            denied = str(getattr(diag, "message_primary", "") or "").rsplit(" ", 1)[-1]
            if denied in CHAINED:
                return _MESSAGES["42501 history"]
            if denied in _KEPT:
                return _MESSAGES["42501 kept"]
        return _MESSAGES.get(state) or _MESSAGES.get(state[:2])

    def row_writer(self, table: Table, columns: Sequence[str]) -> RowWriter:
        return CopyRowWriter(table, columns)

    # -- safety -----------------------------------------------------------------------------------
    def backup(self, engine: Engine, dest: Path, progress: Callable[[int, int], None] | None = None) -> None:
        """``pg_dump --format=custom`` of the ledger's database into ``dest`` (private to the user), in one
        go (``progress`` is not called); ``BackupToolUnavailable`` when this computer has no pg_dump or it
        refuses (an older pg_dump than the server, an account that may not read everything)."""
        from xinfang_desk.ledger.errors import BackupToolUnavailable

        tool = shutil.which("pg_dump") or _server_tool("pg_dump")
        if tool is None:
            raise BackupToolUnavailable("本机没有 pg_dump")
        url = engine.url
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        done = subprocess.run(
            [tool, "--format=custom", "--no-owner", "--file", str(dest), _libpq_url(url)],
            capture_output=True,
            text=True,
            env=env,
        )
        if done.returncode != 0:
            said = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "出错"
            raise BackupToolUnavailable(f"pg_dump：{said}")
        os.chmod(dest, 0o600)

    def missing_guards(self, connection: Connection) -> list[str]:
        """The append-only triggers someone dropped from this ledger (reported before ``install`` restores them).

        The chain's row marks count once the ledger has them (a ledger from before has none to lose).
        """
        return _missing_triggers(connection)

    def problems(self, engine: Engine, *, quick: bool = False) -> list[str]:
        """Missing guards or indexes (the server keeps its own pages sound)."""
        with engine.connect() as conn:
            missing = _missing_triggers(conn)
        return [f"缺少保护触发器：{name}" for name in sorted(missing)]


class NotifiedChanges(ChangeWatch):
    """Changed cases told by the server: a connection of its own LISTENs to the events' announcements
    (``xf_announce_case``) and collects what arrived since the last look, without a query.

    Announcements from this program's own connections (known by their server process) are left out:
    the program announces its own changes itself.  A lost connection is opened again at the next look
    (what was announced meanwhile is not known).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Any = None
        #: the server processes of this engine's connections
        self._own: set[int] = set()
        event.listen(engine, "checkout", self._note_own)
        event.listen(engine, "close", self._forget_own)
        self._listen()

    def _note_own(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        self._own.add(dbapi_connection.info.backend_pid)

    def _forget_own(self, dbapi_connection: Any, _record: Any) -> None:
        self._own.discard(dbapi_connection.info.backend_pid)

    def _listen(self) -> None:
        pooled = self.engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()  # held for the watch, outside the pool (same server, account and password)
        connection.rollback()
        connection.autocommit = True
        connection.execute(f"LISTEN {_CASE_CHANNEL}")
        self._connection = connection

    def changed_cases(self) -> frozenset[int]:
        if self._connection is None or self._connection.closed:
            self._listen()
            return frozenset()
        try:
            notices = list(self._connection.notifies(timeout=0))
        except Exception:
            self.close()
            raise
        own = frozenset(self._own)
        return frozenset(int(notice.payload) for notice in notices if notice.pid not in own)

    def close(self) -> None:
        for name, listener in (("checkout", self._note_own), ("close", self._forget_own)):
            if event.contains(self.engine, name, listener):
                event.remove(self.engine, name, listener)
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _failed_connection(error: BaseException) -> bool:
    """``error`` (the driver's) is a connection that could not be made (libpq's status is not OK)."""
    connection = getattr(error, "pgconn", None)
    return connection is not None and getattr(connection, "status", 0) != 0  # 0: CONNECTION_OK


def _wanted_triggers() -> dict[str, tuple[str, str, str, str]]:
    """Every trigger a ledger has: name → (table, event, function, its argument)."""
    wanted = {
        f"{table}_no_{verb.lower()}": (
            table,
            verb,
            "xf_refuse_history_update" if verb == "UPDATE" else "xf_refuse_change",
            f"'{message}'",
        )
        for table, verb, message in _GUARDS
    }
    for table in CHAINED:
        wanted[f"{table}_mark_unsealed"] = (table, "INSERT", "xf_mark_unsealed", "")
    return wanted


def _triggers(connection: Connection) -> dict[str, str]:
    """The ledger's triggers present: name → the function each runs."""
    rows = connection.execute(
        text(
            "SELECT t.tgname, p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND p.proname LIKE 'xf\\_%'"
        )
    )
    return {name: function for name, function in rows}


def _missing_triggers(connection: Connection) -> list[str]:
    present = _triggers(connection)
    marking = connection.execute(text("SELECT 1 FROM pg_proc WHERE proname = 'xf_mark_unsealed'")).first()
    return [
        name
        for name, (_table, _verb, function, _argument) in _wanted_triggers().items()
        if name not in present and (function != "xf_mark_unsealed" or marking is not None)
    ]


def _server_tool(name: str) -> str | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


def _libpq_url(url: Any) -> str:
    """The SQLAlchemy URL as libpq takes it (no driver, no password: that goes by environment)."""
    plain = make_url(str(url)).set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


class CopyRowWriter(RowWriter):
    """Rows of ``table`` written with ``COPY … FROM STDIN`` through psycopg, values converted by type."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        super().__init__(table, columns)
        self._defaults = self.constant_defaults()
        self._names = [*self.columns, *(name for name, _value in self._defaults)]
        self._processors: list[Callable[[Any], Any] | None] | None = None

    def insert(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        dialect = connection.dialect
        if self._processors is None:
            self._processors = [
                self.table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in self._names
            ]
        defaults = tuple(value for _name, value in self._defaults)
        driver = connection.connection.driver_connection
        zone = driver.info.timezone  # type: ignore[union-attr]
        cursor = driver.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {self.table.name} ({', '.join(self._names)}) FROM STDIN") as copy:
            for row in rows:
                values = (*row, *defaults)
                copy.write_row(
                    [
                        v if p is None or v is None else p(v)
                        for v, p in zip(map(_as_stored_time(zone), values), self._processors, strict=True)
                    ]
                )


def _as_stored_time(zone: tzinfo) -> Callable[[Any], Any]:
    """A time with its zone becomes the session's local time, as an INSERT's parameter would (``COPY``
    would otherwise drop the zone and keep the clock time); other values stay as they are."""

    def stored(value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(zone).replace(tzinfo=None)
        return value

    return stored


#: Tables whose rows are never deleted: a case is closed, an account disabled.
_KEPT = ("cases", "users")
#: A database account's name as the clerk role script takes it (a plain SQL identifier).
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def clerk_role_script(role: str, location: str) -> str:
    """SQL, run by the owner of the ledger's tables, that lets ``role`` work the ledger at ``location``
    (its database URL) but never change or remove its history: no UPDATE or DELETE on the events and
    the audit log (only the sealing of new rows into the hash chain), no DELETE of cases or users, no
    TRUNCATE, no change of the schema."""
    from xinfang_desk.ledger.errors import ValidationError
    from xinfang_desk.ledger.models import Base

    url = make_url(location) if "://" in location else None
    if url is None or url.get_backend_name() != "postgresql" or not url.database:
        raise ValidationError(
            "数据库账号只在 PostgreSQL 服务器上的台账中使用：请用 --db 指定台账的数据库地址，"
            "如 postgresql+psycopg://用户@主机/库名。"
        )
    database = url.database
    if not _ROLE_NAME.fullmatch(role):
        raise ValidationError(
            f"数据库账号名“{role}”不可用：请只用小写英文字母、数字和下划线，以字母开头，不超过 63 个字符。"
        )
    appended_only = set(CHAINED)
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in appended_only]
    worked = [t for t in tables if t not in (*_KEPT, "alembic_version")]
    chain_columns = ", ".join(("chain_seq", "chain_prev", "chain_hash"))
    lines = [
        f"-- 信访台账：数据库账号 {role} 可以登记、办理和查询，但不能修改或删除历史记录与审计日志。",
        "-- 请以台账各表的所有者（建立台账的账号）在 psql 中执行；账号的密码请另用 \\password 设置。",
        "BEGIN;",
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
        f"THEN CREATE ROLE {role} LOGIN; END IF; END $$;",
        f'GRANT CONNECT ON DATABASE "{database}" TO {role};',
        f"GRANT USAGE ON SCHEMA public TO {role};",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(worked)} TO {role};",
        f"GRANT SELECT, INSERT, UPDATE ON {', '.join(_KEPT)} TO {role};",
        f"GRANT SELECT ON alembic_version TO {role};",
        f"GRANT SELECT, INSERT ON {', '.join(sorted(appended_only))} TO {role};",
        f"GRANT UPDATE ({chain_columns}) ON {', '.join(sorted(appended_only))} TO {role};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};",
        "COMMIT;",
    ]
    return "\n".join(lines) + "\n"
