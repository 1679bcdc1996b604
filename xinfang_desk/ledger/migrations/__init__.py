"""Alembic migrations of the ledger schema; run in place by ``ledger.db`` when a ledger is opened."""
