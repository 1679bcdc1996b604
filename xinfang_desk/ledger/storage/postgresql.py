"""The PostgreSQL backend: trigram indexes for Chinese substrings, COPY for bulk rows, server-side guards.

Several clerks share one ledger on a server: case numbers are handed out under a transaction-scoped
advisory lock per unit and year (gap-free, never max+1 raced), the history tables refuse UPDATE and
DELETE by trigger, and a backup is ``pg_dump``'s custom format (or, where the tool is missing, a
logical copy into a SQLite ledger file).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from xinfang_desk.ledger.storage.base import RowWriter, StorageBackend

#: Columns searched by substring, each with a trigram index (``LIKE '%词%'`` uses it for 3+ characters).
_TRIGRAM_COLUMNS = (("cases", "summary"), ("cases", "content"), ("cases", "case_no"), ("petitioners", "name"))

_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION xf_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001';
END $$
"""
_GUARDS = (
    ("case_events", "UPDATE", "历史记录不可修改"),
    ("case_events", "DELETE", "历史记录不可删除"),
    ("audit_log", "UPDATE", "审计日志不可修改"),
    ("audit_log", "DELETE", "审计日志不可删除"),
    ("cases", "DELETE", "案件不可删除"),
)

#: Advisory lock key held while a ledger's indexes and guards are installed (several clerks open at once).
_INSTALL_LOCK = 0x5846_0001

#: SQLSTATEs after which the same work may succeed when tried again.
_RETRYABLE = frozenset({"40001", "40P01", "55P03"})
#: SQLSTATE classes → what the user is told.
_MESSAGES = {
    "08": "无法连接台账数据库服务器：请检查网络和服务器地址，稍后重试。",
    "28": "台账数据库拒绝登录：用户名或密码不正确（密码请写在 .pgpass 或环境变量 PGPASSWORD 中）。",
    "53": "台账数据库服务器资源不足（磁盘已满或连接过多），未能写入。请联系服务器管理员。",
    "42501": "当前数据库账号没有此项操作的权限。",
    "P0001": None,  # our own guards: their message is already Chinese
}


class PostgresBackend(StorageBackend):
    """PostgreSQL: see the module docstring."""

    name = "postgresql"

    def install(self, connection: Connection) -> None:
        """The trigram indexes and the append-only guards: only what is missing, one opener at a time."""
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INSTALL_LOCK})
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        for table, column in _TRIGRAM_COLUMNS:
            connection.execute(
                text(
                    f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm ON {table} "
                    f"USING gin ({column} gin_trgm_ops)"
                )
            )
        have_function = connection.execute(
            text("SELECT 1 FROM pg_proc WHERE proname = 'xf_refuse_change'")
        ).first()
        if have_function is None:
            connection.execute(text(_GUARD_FUNCTION))
        present = _guard_triggers(connection)
        for table, verb, message in _GUARDS:
            name = f"{table}_no_{verb.lower()}"
            if name not in present:
                connection.execute(
                    text(
                        f"CREATE TRIGGER {name} BEFORE {verb} ON {table} FOR EACH ROW "
                        f"EXECUTE FUNCTION xf_refuse_change('{message}')"
                    )
                )

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

    def error_message(self, error: BaseException) -> str | None:
        error = self.driver_error(error)
        state = getattr(error, "sqlstate", None) or ""
        if state == "P0001":
            diag = getattr(error, "diag", None)
            return getattr(diag, "message_primary", None) or str(error)
        return _MESSAGES.get(state) or _MESSAGES.get(state[:2])

    def row_writer(self, table: Table, columns: Sequence[str]) -> RowWriter:
        return CopyRowWriter(table, columns)

    # -- safety -----------------------------------------------------------------------------------
    def backup(self, engine: Engine, dest: Path) -> None:
        """``pg_dump --format=custom`` of the ledger's database into ``dest`` (private to the user)."""
        tool = shutil.which("pg_dump") or _server_tool("pg_dump")
        if tool is None:
            from xinfang_desk.ledger.errors import LedgerError

            raise LedgerError("本机没有 pg_dump，无法备份服务器上的台账。请安装 PostgreSQL 客户端工具。")
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
            from xinfang_desk.ledger.errors import LedgerError

            raise LedgerError(
                f"备份失败：{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'pg_dump 出错'}"
            )
        os.chmod(dest, 0o600)

    def missing_guards(self, connection: Connection) -> list[str]:
        """The append-only triggers someone dropped from this ledger (reported before ``install`` restores them)."""
        present = _guard_triggers(connection)
        wanted = (f"{table}_no_{verb.lower()}" for table, verb, _message in _GUARDS)
        return [name for name in wanted if name not in present]

    def problems(self, engine: Engine, *, quick: bool = False) -> list[str]:
        """Missing guards or indexes (the server keeps its own pages sound)."""
        with engine.connect() as conn:
            have = _guard_triggers(conn)
        wanted = {f"{table}_no_{verb.lower()}" for table, verb, _ in _GUARDS}
        return [f"缺少保护触发器：{name}" for name in sorted(wanted - have)]


def _guard_triggers(connection: Connection) -> set[str]:
    rows = connection.execute(
        text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE '%\\_no\\_%'")
    )
    return {row[0] for row in rows}


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
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {self.table.name} ({', '.join(self._names)}) FROM STDIN") as copy:
            for row in rows:
                values = (*row, *defaults)
                copy.write_row(
                    [
                        v if p is None or v is None else p(v)
                        for v, p in zip(values, self._processors, strict=True)
                    ]
                )
