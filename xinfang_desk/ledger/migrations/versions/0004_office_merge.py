"""office merge: merged files, case provenance, merge conflicts and 多头访 flags

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merged_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("unit_name", sa.String(length=100), nullable=False),
        sa.Column("exported_at", sa.DateTime(), nullable=True),
        sa.Column("exported_by", sa.String(length=100), nullable=False),
        sa.Column("format_version", sa.Integer(), nullable=False),
        sa.Column("masked", sa.Boolean(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("merged_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    with op.batch_alter_table("merged_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merged_files_unit_code"), ["unit_code"], unique=False)

    op.create_table(
        "case_origins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("merged_file_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["merged_file_id"], ["merged_files.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "revision", name="uq_case_origin_revision"),
    )
    with op.batch_alter_table("case_origins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_origins_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_origins_merged_file_id"), ["merged_file_id"], unique=False)

    op.create_table(
        "merge_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("merged_file_id", sa.Integer(), nullable=False),
        sa.Column("case_uuid", sa.String(length=36), nullable=False),
        sa.Column("case_no", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("incoming", sa.JSON(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["merged_file_id"], ["merged_files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("merge_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merge_conflicts_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_merge_conflicts_merged_file_id"), ["merged_file_id"], unique=False
        )

    op.create_table(
        "person_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=200), nullable=False),
        sa.Column("certainty", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("unit_codes", sa.String(length=200), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("first_received", sa.Date(), nullable=False),
        sa.Column("last_received", sa.Date(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_key", "category_id", name="uq_person_flag"),
    )


def downgrade() -> None:
    op.drop_table("person_flags")
    with op.batch_alter_table("merge_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_conflicts_merged_file_id"))
        batch_op.drop_index(batch_op.f("ix_merge_conflicts_case_id"))
    op.drop_table("merge_conflicts")
    with op.batch_alter_table("case_origins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_origins_merged_file_id"))
        batch_op.drop_index(batch_op.f("ix_case_origins_case_id"))
    op.drop_table("case_origins")
    with op.batch_alter_table("merged_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merged_files_unit_code"))
    op.drop_table("merged_files")
