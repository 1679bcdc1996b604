"""users with roles, and the hash chain over events and audit entries

Revision ID: 0006_users_and_hash_chain
Revises: 0005
Create Date: 2026-11-30

Existing events and audit entries are sealed into the chain in the order they were recorded.  The
append-only update triggers are dropped here and re-created (allowing only the sealing) when the
ledger is opened.
"""

import sqlalchemy as sa
from alembic import op

from xinfang_desk.ledger import chain

revision = "0006_users_and_hash_chain"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in chain.CHAINED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    for table in chain.CHAINED:
        op.add_column(table, sa.Column("chain_seq", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("chain_prev", sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column("chain_hash", sa.String(length=64), nullable=True))
        op.create_index(f"ix_{table}_chain_seq", table, ["chain_seq"], unique=True)
    if (
        bind.dialect.name == "sqlite"
    ):  # the chain is sealed on SQLite ledgers (``StorageBackend.seals_chain``)
        chain.seal(bind, everything_unsealed=True)


def downgrade() -> None:
    for table in chain.CHAINED:
        op.drop_index(f"ix_{table}_chain_seq", table_name=table)
        with op.batch_alter_table(table) as batch_op:
            for column in ("chain_hash", "chain_prev", "chain_seq"):
                batch_op.drop_column(column)
    op.drop_table("users")
    op.execute(f"DELETE FROM ledger_info WHERE key = '{chain.HEAD_KEY}'")
