"""the figures' covering index: a period's figures read one index in the order they group by

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_cases_figures",
        "cases",
        [
            "unit_code",
            "category_id",
            "channel",
            "outcome",
            "department_id",
            "satisfaction",
            "received_at",
            "status",
            "closed_on_time",
            "is_repeat",
            "reopen_count",
            "accepted_at",
            "bypassed_level",
            "people_count",
            "assigned_at",
            "supervise_count",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_cases_figures", table_name="cases")
