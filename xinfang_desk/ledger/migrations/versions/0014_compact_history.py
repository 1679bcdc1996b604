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


def _convert(bind: Connection, *, compact: bool) -> None:
    """Cases and petitioners in the file's new form (``compact``) or the one before, one pass over each
    (the case itself does not change); then ``xf_time`` converts a time the same way and the chained
    tables' guards are lifted (the caller puts them back)."""
    rename = shortened if compact else lengthened

    def basis(stored: str | None) -> str | None:
        if stored is None:
            return None
        return json.dumps(rename(json.loads(stored)), ensure_ascii=False, separators=(",", ":"))

    driver = bind.connection.driver_connection
    driver.create_function("xf_basis", 1, basis, deterministic=True)
    driver.create_function("xf_uuid", 1, uuid_bytes if compact else uuid_text, deterministic=True)
    driver.create_function(
        "xf_time", 1, stored_time_micro if compact else stored_time_text, deterministic=True
    )
    times = ", ".join(f"{c} = xf_time({c})" for c in _CASE_TIMES)
    op.execute(f"UPDATE cases SET uuid = xf_uuid(uuid), deadline_basis = xf_basis(deadline_basis), {times}")
    op.execute("UPDATE petitioners SET uuid = xf_uuid(uuid)")
    for table in _TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")


def upgrade() -> None:
    bind = _sqlite()
    if bind is None:
        return
    _convert(bind, compact=True)
    op.execute(
        "UPDATE case_events SET chain_prev = NULL, at = xf_time(at), recorded_at = xf_time(recorded_at)"
    )
    op.execute("UPDATE audit_log SET chain_prev = NULL WHERE chain_hash IS NOT NULL")
    for table in _TABLES:
        op.execute(_guard(table))
    op.drop_index(_CHAIN_SEQ_INDEX, table_name="case_events", if_exists=True)


def downgrade() -> None:
    bind = _sqlite()
    if bind is None:
        return
    op.create_index(_CHAIN_SEQ_INDEX, "case_events", ["chain_seq"], unique=True, if_not_exists=True)
    _convert(bind, compact=False)
    op.execute("UPDATE case_events SET at = xf_time(at), recorded_at = xf_time(recorded_at)")
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
