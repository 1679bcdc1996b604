"""proposed handling department on a case

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN (no table copy): existing cases get an empty proposal
    op.add_column(
        "cases", sa.Column("proposed_department", sa.String(length=100), nullable=False, server_default="")
    )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("proposed_department")
