"""Alembic environment: migrates the connection that ``ledger.db`` hands over (no alembic.ini needed)."""

from alembic import context

from xinfang_desk.ledger.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic's own command line is used
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url")).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    on_version_apply=config.attributes.get("on_version_apply"),  # ``ledger.db.upgrade``: told each step done
)
with context.begin_transaction():
    context.run_migrations()
