"""a ledger file keeps the hash chain's digests as their 32 bytes instead of 64 hex characters

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

Two digests a row (``chain_prev``, ``chain_hash``) took 128 of an event's ~290 bytes.  Only a SQLite
file changes (a server keeps the hex text).  The hashes themselves are unchanged: they cover the other
columns, and the program reads a digest as hex text either way.  Sealed rows may not be updated, so
the guard is lifted for the conversion and put back as it was.
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The chained tables, what their guard calls them and the columns it keeps (as of this revision).
_TABLES = {
    "case_events": ("历史记录", ("case_id", "seq", "kind", "actor", "at", "recorded_at", "note", "data")),
    "audit_log": ("审计日志", ("id", "at", "actor", "action", "detail")),
}


def _guard(table: str) -> str:
    what, columns = _TABLES[table]
    unchanged = " AND ".join(f"new.{c} IS old.{c}" for c in columns)
    return f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        WHEN old.chain_hash IS NOT NULL OR NOT ({unchanged}) BEGIN
        SELECT RAISE(ABORT, '{what}不可修改');
    END"""


def _convert(function: str, stored_as: str) -> None:
    """Rewrite every digest not yet stored as ``stored_as`` with the SQL function ``function``."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    driver = bind.connection.driver_connection

    def to_bytes(value: object) -> object:
        return bytes.fromhex(value) if isinstance(value, str) else value

    def to_text(value: object) -> object:
        return value.hex() if isinstance(value, bytes) else value

    driver.create_function("xf_digest_bytes", 1, to_bytes, deterministic=True)
    driver.create_function("xf_digest_text", 1, to_text, deterministic=True)
    for table in _TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(
            f"UPDATE {table} SET chain_prev = {function}(chain_prev), chain_hash = {function}(chain_hash) "
            f"WHERE typeof(chain_hash) != '{stored_as}' AND chain_hash IS NOT NULL"
        )
        op.execute(_guard(table))


def upgrade() -> None:
    _convert("xf_digest_bytes", "blob")


def downgrade() -> None:
    _convert("xf_digest_text", "text")
