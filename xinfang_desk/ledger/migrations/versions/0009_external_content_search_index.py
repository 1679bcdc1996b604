"""full-text indexes read their text from views instead of keeping a copy of it; no second status index

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

The indexes are not part of the models: the SQLite storage backend creates them (``install``) (and indexes every
case) after the migrations when they are missing.  Upgrading therefore drops the indexes that kept
their own copy of each case's text; downgrading drops the new ones, which the older program
recreates in its own form when it opens the ledger.

The index on the status alone goes too: ``ix_cases_status_due`` starts with the status.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TABLES = ("case_fts", "case_fts_short")
_OLD_TRIGGERS = ("cases_fts_ai", "cases_fts_au", "petitioners_fts_au")
_NEW_TRIGGERS = (*_OLD_TRIGGERS, "cases_fts_bu", "petitioners_fts_bu")
_NEW_VIEWS = ("case_search_text", "case_search_grams")


def _drop(triggers: tuple[str, ...], views: tuple[str, ...] = ()) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for view in views:
        op.execute(f"DROP VIEW IF EXISTS {view}")


def upgrade() -> None:
    _drop(_OLD_TRIGGERS)
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_status")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index("ix_cases_status", ["status"], unique=False)
    _drop(_NEW_TRIGGERS, _NEW_VIEWS)
