"""a ledger file keeps its cases and history smaller: no stored previous digest, times as microseconds,
deadline bases with one-letter keys, UUIDs as bytes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

Of an event's ~220 bytes, the digest of the row before (``chain_prev``, 32) is the previous row's own
digest, read in chain order, and the two times took 26 characters each (8 bytes as whole
microseconds since 1970); so do a case's eight times (``ledger.compact_forms``), in the table and in
the indexes that hold them.  The index on an event's chain position is only read when the chain is
checked, which reads every row anyway.  A case's deadline basis keeps its keys as one letter each
(``ledger.compact_forms``): about 100 of its 210 bytes; a case's and a petitioner's UUID, its 16
bytes instead of 36 characters (in the table and in its unique index).  Only a SQLite file changes (a server keeps its layout); the
hashes are unchanged: an event's times are hashed in their text form as before.  Sealed rows may not
be updated, so the guard is lifted for the conversion and put back as it was.
"""

import json
from collections.abc import Callable
from typing import Any

from alembic import op
from sqlalchemy import Connection

from xinfang_desk.ledger.compact_forms import (
    lengthened,
    shortened,
    stored_time_micro,
    stored_time_text,
    uuid_bytes,
    uuid_text,
)

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: The chained tables, what their guard calls them and the columns it keeps (as of this revision).
_TABLES = {
    "case_events": ("历史记录", ("case_id", "seq", "kind", "actor", "at", "recorded_at", "note", "data")),
    "audit_log": ("审计日志", ("id", "at", "actor", "action", "detail")),
}
_CHAIN_SEQ_INDEX = "ix_case_events_chain_seq"
#: A case's times kept as microseconds (as of this revision).
_CASE_TIMES = (
    "received_at",
    "accepted_at",
    "assigned_at",
    "replied_at",
    "evaluated_at",
    "closed_at",
    "created_at",
    "updated_at",
)


def _converted_times(function: str) -> str:
    return ", ".join(f"{c} = {function}({c})" for c in _CASE_TIMES)


def _guard(table: str) -> str:
    what, columns = _TABLES[table]
    unchanged = " AND ".join(f"new.{c} IS old.{c}" for c in columns)
    return f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        WHEN old.chain_hash IS NOT NULL OR NOT ({unchanged}) BEGIN
        SELECT RAISE(ABORT, '{what}不可修改');
    END"""


def _sqlite() -> Connection | None:
    bind = op.get_bind()
    return bind if bind.dialect.name == "sqlite" else None


def _rewrite_bases(bind: Connection, rename: Callable[[Any], Any]) -> None:
    """Every case's stored deadline basis with its keys renamed (the case itself does not change)."""

    def renamed(stored: str | None) -> str | None:
        if stored is None:
            return None
        return json.dumps(rename(json.loads(stored)), ensure_ascii=False, separators=(",", ":"))

    bind.connection.driver_connection.create_function("xf_basis", 1, renamed, deterministic=True)
    op.execute("UPDATE cases SET deadline_basis = xf_basis(deadline_basis) WHERE deadline_basis IS NOT NULL")


def _rewrite_uuids(bind: Connection, convert: Callable[[Any], Any]) -> None:
    bind.connection.driver_connection.create_function("xf_uuid", 1, convert, deterministic=True)
    for table in ("cases", "petitioners"):
        op.execute(f"UPDATE {table} SET uuid = xf_uuid(uuid)")


def upgrade() -> None:
    bind = _sqlite()
    if bind is None:
        return
    _rewrite_bases(bind, shortened)
    _rewrite_uuids(bind, uuid_bytes)
    driver = bind.connection.driver_connection
    driver.create_function("xf_time_micro", 1, stored_time_micro, deterministic=True)
    for table in _TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    op.execute(
        "UPDATE case_events SET chain_prev = NULL, at = xf_time_micro(at), recorded_at = xf_time_micro(recorded_at)"
    )
    op.execute(f"UPDATE cases SET {_converted_times('xf_time_micro')}")
    op.execute("UPDATE audit_log SET chain_prev = NULL WHERE chain_hash IS NOT NULL")
    for table in _TABLES:
        op.execute(_guard(table))
    op.drop_index(_CHAIN_SEQ_INDEX, table_name="case_events", if_exists=True)


def downgrade() -> None:
    bind = _sqlite()
    if bind is None:
        return
    _rewrite_bases(bind, lengthened)
    _rewrite_uuids(bind, uuid_text)
    driver = bind.connection.driver_connection
    driver.create_function("xf_time_text", 1, stored_time_text, deterministic=True)
    op.create_index(_CHAIN_SEQ_INDEX, "case_events", ["chain_seq"], unique=True, if_not_exists=True)
    for table in _TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    op.execute("UPDATE case_events SET at = xf_time_text(at), recorded_at = xf_time_text(recorded_at)")
    op.execute(f"UPDATE cases SET {_converted_times('xf_time_text')}")
    # each sealed row's previous digest again: the digest of the row before it in the chain (both tables)
    op.execute(
        "CREATE TEMP TABLE xf_chain AS SELECT chain_seq AS n, chain_hash AS digest, 'case_events' AS tbl, "
        "rowid AS rid FROM case_events WHERE chain_hash IS NOT NULL UNION ALL SELECT chain_seq, chain_hash, "
        "'audit_log', rowid FROM audit_log WHERE chain_hash IS NOT NULL"
    )
    op.execute(
        "CREATE TEMP TABLE xf_prev AS SELECT tbl, rid, coalesce(lag(digest) OVER (ORDER BY n), "
        "zeroblob(32)) AS prev FROM xf_chain"
    )
    op.execute("CREATE INDEX temp.xf_prev_row ON xf_prev(tbl, rid)")
    for table in _TABLES:
        op.execute(
            f"UPDATE {table} SET chain_prev = (SELECT prev FROM temp.xf_prev p WHERE p.tbl = '{table}' "
            f"AND p.rid = {table}.rowid) WHERE chain_hash IS NOT NULL"
        )
        op.execute(_guard(table))
    op.execute("DROP TABLE temp.xf_prev")
    op.execute("DROP TABLE temp.xf_chain")
