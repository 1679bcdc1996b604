"""deadlines that follow the calendar: how each was reckoned, whether it is estimated; who entered a day

Revision ID: 0007
Revises: 0006_users_and_hash_chain
Create Date: 2026-11-30

Existing cases get no basis here: the first open after the upgrade works out which of their
deadlines the rules produced (``ledger.deadline_sync.adopt_existing_deadlines``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006_users_and_hash_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs (no table copy)
    op.add_column("cases", sa.Column("due_estimated", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("cases", sa.Column("deadline_basis", sa.JSON(), nullable=True))
    op.add_column(
        "calendar_days", sa.Column("entered_by", sa.String(length=100), nullable=False, server_default="")
    )
    op.add_column("calendar_days", sa.Column("entered_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calendar_days") as batch_op:
        batch_op.drop_column("entered_at")
        batch_op.drop_column("entered_by")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("deadline_basis")
        batch_op.drop_column("due_estimated")
